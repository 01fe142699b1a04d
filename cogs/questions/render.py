"""The buttons and words of questions to the coordinators. Buttons travel as action
references (an id and the question's number), never closures, so a notice in someone's
direct messages still works weeks later, after restarts."""

from __future__ import annotations

from bot.mentions import person
from bot.replies import ActionRef, Button, ButtonStyle, Form, FormField, Reply
from cogs.questions.models import TEXT_MAX

REPLY_ACTION = "question.reply"  # a staff member's button: opens the reply form
REPLY_FORM_ACTION = "question.reply-form"
CLOSE_ACTION = "question.close"  # a staff member's button
SHARE_ACTION = "question.share"  # a staff member's button: opens the de-identified version
SHARE_FORM_ACTION = "question.share-form"
ANSWER_ACTION = "question.answer"  # the member's button under a reply
ANSWER_FORM_ACTION = "question.answer-form"
MEMBER_CLOSE_ACTION = "question.member-close"
CONSENT_YES_ACTION = "question.share-yes"
CONSENT_NO_ACTION = "question.share-no"

#: What the outbox keeps of a message once its question's text is deleted.
FORGOTTEN = Reply(
    text="(a question to the coordinators: its text is deleted after the retention period)"
).model_dump_json()


def staff_buttons(question_id: int) -> list[Button]:
    payload = str(question_id)
    return [
        Button(
            label="Reply",
            action=ActionRef(action=REPLY_ACTION, payload=payload),
            style=ButtonStyle.PRIMARY,
        ),
        Button(label="Close", action=ActionRef(action=CLOSE_ACTION, payload=payload)),
        Button(
            label="Ask permission to share",
            action=ActionRef(action=SHARE_ACTION, payload=payload),
        ),
    ]


def member_buttons(question_id: int) -> list[Button]:
    payload = str(question_id)
    return [
        Button(
            label="Answer",
            action=ActionRef(action=ANSWER_ACTION, payload=payload),
            style=ButtonStyle.PRIMARY,
        ),
        Button(
            label="Close my question",
            action=ActionRef(action=MEMBER_CLOSE_ACTION, payload=payload),
        ),
    ]


def consent_buttons(question_id: int, revision: int) -> list[Button]:
    payload = f"{question_id}:{revision}"
    return [
        Button(
            label="Yes, share it",
            action=ActionRef(action=CONSENT_YES_ACTION, payload=payload),
            style=ButtonStyle.SUCCESS,
        ),
        Button(
            label="No, keep it private",
            action=ActionRef(action=CONSENT_NO_ACTION, payload=payload),
        ),
    ]


def text_form(title: str, action_id: str, question_id: int, label: str, default: str = "") -> Form:
    return Form(
        title=title[:45],
        action=ActionRef(action=action_id, payload=str(question_id)),
        fields=[
            FormField(
                name="text",
                label=label[:45],
                long=True,
                max_length=TEXT_MAX,
                default=default[:TEXT_MAX],
            )
        ],
    )


def to_staff(question_id: int, asker_key: str, network_name: str, text: str) -> Reply:
    """The question as each coordinator and executive gets it."""
    return Reply(
        text=(
            f"Question {question_id} from {person(asker_key)}, a member of {network_name}, "
            f"asked privately:\n\n{text}\n\n"
            "Reply with the button (it reaches them privately, signed with your name), or "
            f"type /manage question reply number:{question_id} text:... "
            "Close it once it is answered. Nothing from it is shared unless they agree to a "
            "de-identified version."
        ),
        buttons=staff_buttons(question_id),
        private=True,
    )


def answer_to_staff(question_id: int, asker_key: str, network_name: str, text: str) -> Reply:
    return Reply(
        text=(
            f"{person(asker_key)} answered about question {question_id} ({network_name}):\n\n{text}"
        ),
        buttons=staff_buttons(question_id),
        private=True,
    )


def reply_to_member(
    question_id: int, author_key: str, author_name: str, network_name: str, text: str
) -> Reply:
    return Reply(
        text=(
            f"{person(author_key, author_name)}, for the coordinators of {network_name}, "
            f"replied to your question (question {question_id}):\n\n{text}\n\n"
            "Answer them with the button, or type /ask answer "
            f"number:{question_id} text:..., and close it with /ask close "
            f"number:{question_id} when you are done. Only the network's coordinators and "
            "executives see this exchange. If you need support now, type /support."
        ),
        buttons=member_buttons(question_id),
        private=True,
    )


def reply_copy(
    question_id: int, author_key: str, author_name: str, network_name: str, text: str
) -> Reply:
    """What the other coordinators and executives see of a reply."""
    return Reply(
        text=(
            f"{person(author_key, author_name)} replied to question {question_id} "
            f"({network_name}):\n\n{text}"
        ),
        buttons=staff_buttons(question_id),
        private=True,
    )


def consent_prompt(question_id: int, revision: int, network_name: str, text: str) -> Reply:
    return Reply(
        text=(
            f"The coordinators of {network_name} think your question (question {question_id}) "
            "could help other peer workers, and ask whether they may share it with the "
            "network. It would be posted exactly like this, without your name:\n\n"
            f"{shared_post(text)}\n\n"
            "Nothing is shared unless you say yes. Saying no is fine, and changes nothing "
            "else about your question."
        ),
        buttons=consent_buttons(question_id, revision),
        private=True,
    )


def shared_post(text: str) -> str:
    return (
        f"A question from a peer worker:\n\n{text}\n\n"
        "If you have been there, share what helped (leave out anything that could identify "
        "a person)."
    )
