"""What stories look like: the post in the network's channel, the author's preview (exactly
that post, with the name it goes out under), the coordinators' review message, and the
buttons on each. Plain words, no emoji."""

from __future__ import annotations

from bot.replies import ActionRef, Button, ButtonStyle, Reply
from cogs.stories.models import Story, published_as

APPROVE_ACTION = "story.approve"
CHANGES_ACTION = "story.changes"
CHANGES_FORM_ACTION = "story.changes-form"
DECLINE_ACTION = "story.decline"
DECLINE_FORM_ACTION = "story.decline-form"
PUBLISH_ACTION = "story.publish"
EDIT_ACTION = "story.edit"
SEND_AS_IT_IS_ACTION = "story.send"
SUBMIT_FORM_ACTION = "story.submit-form"
EDIT_FORM_ACTION = "story.edit-form"
WITHDRAW_ACTION = "story.withdraw"
WITHDRAW_CONFIRM_ACTION = "story.withdraw-confirm"
KEEP_ACTION = "story.keep"

#: What the outbox keeps of a withdrawn story's messages instead of their text.
FORGOTTEN = Reply(text="(a story that was withdrawn: its text is deleted)").model_dump_json()


def payload(story: Story) -> str:
    """A button's payload: the story and the version it was pressed on."""
    return f"{story.id}:{story.revision}"


def byline(story: Story) -> str:
    return f"Shared by {story.shown_name}." if story.shown_name else "Shared without a name."


def post(story: Story) -> Reply:
    """The story as posted in the network's channel."""
    return Reply(
        text=(
            f"A story of peer work: {story.title}\n\n{story.body}\n\n{byline(story)} "
            f"(Story {story.id}. Type /story list to see the network's stories.)"
        )
    )


def withdraw_button(story: Story | int) -> Button:
    number = story if isinstance(story, int) else story.id
    return Button(
        label="Withdraw my story",
        action=ActionRef(action=WITHDRAW_ACTION, payload=str(number)),
        style=ButtonStyle.DANGER,
    )


def edit_button(story: Story, label: str = "Edit my story") -> Button:
    return Button(
        label=label,
        action=ActionRef(action=EDIT_ACTION, payload=str(story.id)),
        style=ButtonStyle.PRIMARY,
    )


def preview(story: Story, where: str) -> Reply:
    """To the author once approved: exactly how it will look, the name, where, and Yes."""
    return Reply(
        text=(
            f"A coordinator approved your story '{story.title}' (story {story.id}). It is not "
            f"published yet: only you can say yes. It will be posted {where}, exactly like "
            f"this:\n\n{post(story).text}\n\n{published_as(story.shown_name)}.\n\nPress Yes, "
            "publish it to post it now. To change the text or the name first, press Edit my "
            "story (a coordinator reviews it again). You can withdraw it at any time, "
            "also after it is published: it is then deleted everywhere at once."
        ),
        buttons=[
            Button(
                label="Yes, publish it",
                action=ActionRef(action=PUBLISH_ACTION, payload=payload(story)),
                style=ButtonStyle.SUCCESS,
            ),
            edit_button(story),
            withdraw_button(story),
        ],
        private=True,
    )


def review(story: Story, network_name: str, slug: str) -> Reply:
    """To each coordinator: the story as written, and the three answers."""
    return Reply(
        text=(
            f"A member submitted a story for {network_name} (story {story.id}). Please read it "
            "for anything that could identify a person they support, then choose.\n"
            f"Title: {story.title}\n{published_as(story.shown_name)}\n\n{story.body}\n\n"
            "Approve does not publish it: the author is asked to confirm first. Ask for "
            "changes and Decline send the author your note privately. Only the author can "
            f"change the text. Waiting stories: /manage story review network:{slug}"
        ),
        buttons=review_buttons(story),
        private=True,
    )


def review_buttons(story: Story) -> list[Button]:
    return [
        Button(
            label="Approve",
            action=ActionRef(action=APPROVE_ACTION, payload=payload(story)),
            style=ButtonStyle.SUCCESS,
        ),
        Button(
            label="Ask for changes",
            action=ActionRef(action=CHANGES_ACTION, payload=payload(story)),
        ),
        Button(
            label="Decline",
            action=ActionRef(action=DECLINE_ACTION, payload=payload(story)),
            style=ButtonStyle.DANGER,
        ),
    ]


#: Each message that shows a story stays under Discord's 2,000 characters, so peerbot
#: records (and can delete) every part: a platform that splits a long message itself only
#: reports the first part's id.
PART_MAX = 1800


def split_parts(text: str, limit: int = PART_MAX) -> list[str]:
    """The text in parts of at most ``limit`` characters, cut at a blank line, else a line
    break, else a space, where one is near enough."""
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), 0)
        if cut < limit // 2:
            cut = window.rfind("\n")
        if cut < limit // 2:
            cut = window.rfind(" ")
        if cut < limit // 2:
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


def as_parts(reply: Reply) -> list[Reply]:
    """A reply as messages of at most ``PART_MAX`` characters; the buttons on the last."""
    texts = split_parts(reply.text)
    return [
        reply.model_copy(
            update={
                "text": text if len(texts) == 1 else f"{text}\n({n} of {len(texts)})",
                "buttons": reply.buttons if n == len(texts) else [],
            }
        )
        for n, text in enumerate(texts, start=1)
    ]
