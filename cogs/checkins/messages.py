"""The words and buttons of check-ins: prompts, the WHO-5 steps, replies, the support reply.

Buttons carry only ids (subscription, check-in instant as a Unix time, answer) and, on an
answer button, the scale it was asked on, never the answer's meaning in free text, so a
week-old button still works after a restart, and an answer is never read on a scale the person
chose after the prompt was sent.

WHO-5 has five items, so it is asked one item at a time in the same private conversation:
each item is a message with six buttons (0 to 5), and each button carries the answers so far.
Nothing is stored until the fifth answer, so a half-answered WHO-5 leaves no trace. This works
the same on Discord (buttons in a direct message) and the console (numbered choices).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot import mentions
from bot.errors import UserError
from bot.replies import ActionRef, Button, ButtonStyle, Form, FormField, Reply
from cogs.checkins.models import NOTE_MAX, Answer
from cogs.checkins.scales import SCALES, WHO5_ANSWERS, WHO5_ITEMS, Level, Scale
from cogs.support.lines import LineFilter, SupportDirectory

ANSWER_ACTION = "checkin.answer"
WHO5_ACTION = "checkin.who5"
NOTE_ACTION = "checkin.note"
NOTE_FORM_ACTION = "checkin.note.save"
TELL_ACTION = "checkin.tell"
TELL_COORDINATOR_ACTION = "checkin.tell.coordinator"
TELL_COORDINATOR_FORM_ACTION = "checkin.tell.coordinator.send"
TELL_PEER_ACTION = "checkin.tell.peer"
SHARE_OPEN_ACTION = "checkin.share.open"
SHARE_DECLINE_ACTION = "checkin.share.decline"
SEEN_ACTION = "checkin.seen"
#: "How to reach me": one short line, shown only to the person chosen, never logged.
REACH_MAX = 200
CHANGE_ACTION = "checkin.change"
PEER_YES_ACTION = "checkin.peer.yes"
PEER_NO_ACTION = "checkin.peer.no"
DELETE_ACTION = "checkin.delete"
KEEP_ACTION = "checkin.keep"

NOT_WATCHED = "peerbot is not a crisis service, and nobody watches it around the clock."
#: Who else can help, for when peerbot could not reach a coordinator (or there is none).
OTHER_WAYS = (
    "Other ways to reach someone:\n"
    "- a peer you trust: message them yourself, or start a private co-reflection with "
    "peers you choose (/reflect start);\n"
    "- your supervisor, or your coordinator another way (by phone or email);\n"
    "- support lines, open 24 hours a day: type /support (in an emergency, call 000)."
)
PEER_QUESTION = "Would it help to talk to a peer?"
WHO_SEES = (
    "Only you see your check-ins and answers: they come to you privately and are never posted "
    "in a channel. Your coordinator sees only totals for the whole network, and only when at "
    "least 5 people answered; they, or a peer you choose, hear about one of your answers "
    'only if you press "Let someone know" on it.'
)


@dataclass(frozen=True)
class Slot:
    """Which check-in a button answers: the subscription, the instant, and whether it was a
    scheduled check-in (``s``) or one asked for with /checkin now (``n``)."""

    subscription_id: int
    at: dt.datetime
    kind: str

    def encode(self) -> str:
        return f"{self.subscription_id}:{int(self.at.timestamp())}:{self.kind}"


def is_number(text: str) -> bool:
    """Plain ASCII digits of a sane length (``str.isdigit`` also accepts other scripts)."""
    return text.isascii() and text.isdigit() and len(text) <= 15


def parse_slot(payload: str) -> tuple[Slot, str]:
    """A button's payload as its check-in and the rest (the answer, or WHO-5 answers so far)."""
    parts = payload.split(":", 3)
    if (
        len(parts) != 4
        or not is_number(parts[0])
        or not is_number(parts[1])
        or parts[2] not in ("s", "n")
    ):
        raise UserError("That button is out of date. Nothing was saved.")
    at = dt.datetime.fromtimestamp(int(parts[1]), dt.UTC)
    return Slot(int(parts[0]), at, parts[2]), parts[3]


def parse_answer(rest: str) -> tuple[int, Scale]:
    """The answer part of an answer button: ``VALUE:SCALE``. A button from before the scale
    was carried (``VALUE`` alone) is refused, since its scale cannot be known."""
    value, _, scale = rest.partition(":")
    if not is_number(value) or scale not in {s.value for s in Scale}:
        raise UserError("That button is out of date. Nothing was saved. Answer with /checkin now.")
    return int(value), Scale(scale)


def answer_buttons(slot: Slot, scale: Scale) -> list[Button]:
    if scale is Scale.WHO5:
        return who5_buttons(slot, "")
    styles = {
        (Scale.TRAFFIC_LIGHT, 3): ButtonStyle.SUCCESS,
        (Scale.TRAFFIC_LIGHT, 2): ButtonStyle.PRIMARY,
        (Scale.TRAFFIC_LIGHT, 1): ButtonStyle.DANGER,
    }
    return [
        Button(
            label=option.label,
            action=ActionRef(
                action=ANSWER_ACTION, payload=f"{slot.encode()}:{option.value}:{scale.value}"
            ),
            style=styles.get((scale, option.value), ButtonStyle.SECONDARY),
        )
        for option in SCALES[scale].options
    ]


def who5_buttons(slot: Slot, so_far: str) -> list[Button]:
    return [
        Button(
            label=option.label,
            action=ActionRef(action=WHO5_ACTION, payload=f"{slot.encode()}:{so_far}{option.value}"),
        )
        for option in WHO5_ANSWERS
    ]


def who5_item_text(index: int) -> str:
    return (
        f"WHO-5, question {index + 1} of {len(WHO5_ITEMS)}. Over the last two weeks: "
        f'"{WHO5_ITEMS[index]}". How much of the time?'
    )


def prompt(slot: Slot, scale: Scale, *, when: str, reminder: bool = False) -> Reply:
    """The private check-in message, with a button per answer."""
    info = SCALES[scale]
    opening = (
        f"A gentle reminder: your check-in from {when} is still open, if you would like to "
        "answer. This is the only reminder."
        if reminder
        else f"Your check-in for {when}. Answering is up to you, and only you see it."
    )
    lines = [opening, "", info.question]
    if scale is Scale.WHO5:
        lines += ["", who5_item_text(0)]
    lines += ["", "Afterwards you can add a short private note."]
    return Reply(text="\n".join(lines), buttons=answer_buttons(slot, scale), private=True)


def who5_next(slot: Slot, so_far: str) -> Reply:
    return Reply(text=who5_item_text(len(so_far)), buttons=who5_buttons(slot, so_far), private=True)


def note_button(answer: Answer) -> Button:
    return Button(
        label="Add a private note", action=ActionRef(action=NOTE_ACTION, payload=str(answer.id))
    )


def note_form(answer: Answer) -> Form:
    return Form(
        title="A private note with your check-in",
        action=ActionRef(action=NOTE_FORM_ACTION, payload=str(answer.id)),
        fields=[
            FormField(
                name="note",
                label="Your note (only you will see it)",
                long=True,
                required=False,
                max_length=NOTE_MAX,
                placeholder="Anything you want to remember about this week.",
                default=answer.note or "",
            )
        ],
    )


def change_button(answer: Answer) -> Button:
    return Button(
        label="Change my answer", action=ActionRef(action=CHANGE_ACTION, payload=str(answer.id))
    )


def tell_button(answer: Answer) -> Button:
    return Button(
        label="Let someone know",
        action=ActionRef(action=TELL_ACTION, payload=str(answer.id)),
        style=ButtonStyle.PRIMARY,
    )


def tell_choice(answer: Answer, network_name: str) -> Reply:
    """Who to let know: the coordinators, or one peer the person chooses."""
    return Reply(
        text=f"Who would you like to know about this answer ({answer.words}), and only this "
        "one?\n"
        f"- My coordinator: the coordinators of {network_name} get it by private message.\n"
        f"- A peer I choose: one member of {network_name}, who is asked first whether they can "
        "take it on, and can say no.\n"
        "Either way you can add a short line on how to reach you, which only they see. "
        "peerbot tells you when they have seen it.",
        buttons=[
            Button(
                label="My coordinator",
                action=ActionRef(action=TELL_COORDINATOR_ACTION, payload=str(answer.id)),
                style=ButtonStyle.PRIMARY,
            ),
            Button(
                label="A peer I choose",
                action=ActionRef(action=TELL_PEER_ACTION, payload=str(answer.id)),
            ),
        ],
        private=True,
    )


def reach_form(answer: Answer) -> Form:
    return Form(
        title="Let your coordinator know",
        action=ActionRef(action=TELL_COORDINATOR_FORM_ACTION, payload=str(answer.id)),
        fields=[
            FormField(
                name="reach",
                label="How to reach me (optional)",
                required=False,
                max_length=REACH_MAX,
                placeholder="For example: text me after 5pm, or email me at work.",
            )
        ],
    )


def how_to_tell_a_peer(answer: Answer, network_name: str) -> Reply:
    """A peer is chosen with a command, so each platform can offer its own people picker."""
    return Reply.private_text(
        f"To let a peer know, type /checkin tell peer:THEIR-NAME (on Discord, choose them from "
        'the list as you type), and add reach:"how they can reach you" if you like. It goes '
        f"to that one person, who must be a member of {network_name}, and shares only your "
        f"latest answer ({answer.words}) and that line. They are asked first whether they can "
        "take it on and can say no; peerbot tells you when they have seen it, or if they "
        "cannot take it on now."
    )


GENTLE_LINE = (
    "Weeks like this happen. If it would help, take a little rest, or have a word with a peer "
    "you trust before it builds up."
)


def thanks(answer: Answer, changed_from: Answer | None = None) -> Reply:
    """The reply to an answer that is not low: thanks, and for amber (mood 2, burnout 2) one
    gentle line."""
    opening = (
        f"Changed: your answer is now {answer.words} (it was {changed_from.words}). It is"
        if changed_from is not None
        else f"Thank you. Your answer ({answer.words}) is"
    )
    gentle = f"\n\n{GENTLE_LINE}" if answer.level is Level.GENTLE else ""
    return Reply(
        text=f"{opening} saved privately; only you can see it. You can change it until the "
        "end of the day. See your answers over time with /checkin history."
        + gentle
        + _told_earlier(changed_from),
        buttons=[note_button(answer), change_button(answer)],
        private=True,
    )


def _told_earlier(changed_from: Answer | None) -> str:
    if changed_from is None or changed_from.coordinator_told_at is None:
        return ""
    return (
        f"\n\nYour coordinator was told about your earlier answer ({changed_from.words}) "
        "when you asked; peerbot does not tell them about this change."
    )


def change_prompt(slot: Slot, answer: Answer) -> Reply:
    """The answers again, for the same check-in: the one pressed replaces the earlier one."""
    lines = [
        f"Your answer to this check-in is {answer.words}. Choose your new answer; it replaces "
        "that one (your note stays).",
        "",
        SCALES[answer.scale].question,
    ]
    if answer.scale is Scale.WHO5:
        lines += ["", who5_item_text(0)]
    return Reply(text="\n".join(lines), buttons=answer_buttons(slot, answer.scale), private=True)


EAP = (
    "your organisation's employee assistance programme (EAP): free, confidential counselling "
    "for staff"
)
#: The end of both low-answer replies: the answer stays private unless the person chooses.
CHOOSE_TO_TELL = (
    "Your answer is private. If you would like someone to know about this answer (and only "
    'this one), press "Let someone know": your coordinator, or a peer you choose.'
)


def support_reply(
    answer: Answer, directory: SupportDirectory, changed_from: Answer | None = None
) -> Reply:
    """The private reply to a low answer, in proportion to it (``Level``): for burnout or a
    tired stretch, rest, a peer, peer supervision, workload and the employee assistance
    programme; only for the lowest answers, people first, then the crisis lines, 000 once."""
    opening = (
        f"Changed: your answer is now {answer.words} (it was {changed_from.words}). "
        if changed_from is not None
        else ""
    )
    body = _lowest(answer, directory) if answer.level is Level.LOWEST else _hard(answer)
    text = "\n".join(
        [
            opening + body[0],
            *body[1:],
            "",
            CHOOSE_TO_TELL,
            "",
            f"{PEER_QUESTION} (Answering is up to you; nobody is told either way.)",
        ]
    )
    return Reply(
        text=text + _told_earlier(changed_from),
        buttons=[
            tell_button(answer),
            Button(
                label="Yes, help me reach a peer",
                action=ActionRef(action=PEER_YES_ACTION, payload=str(answer.id)),
            ),
            Button(
                label="No, thank you",
                action=ActionRef(action=PEER_NO_ACTION, payload=str(answer.id)),
            ),
            note_button(answer),
            change_button(answer),
        ],
        private=True,
    )


def _hard(answer: Answer) -> list[str]:
    """Burnout 3 or a low WHO-5: what helps with a tiring stretch; no crisis lines."""
    return [
        f"Thank you for telling me ({answer.words}). That sounds like a tiring stretch, and "
        "it is worth looking after before it gets heavier.",
        "",
        "Some things that help many peer workers:",
        "- rest: a proper break, some leave, or evenings away from work messages;",
        "- a peer you trust, to talk it through;",
        "- peer supervision, to look at what the work is asking of you;",
        "- your workload: raising it with your supervisor or coordinator, and what could wait "
        "or be shared;",
        f"- {EAP}.",
        "",
        "If things get harder, /support lists support lines, some open 24 hours a day.",
    ]


def _lowest(answer: Answer, directory: SupportDirectory) -> list[str]:
    """Red, mood 1, burnout 4 or 5, the lowest WHO-5: people to talk to first, then the
    24/7 crisis lines for everyone from the support data file, with 000 written once."""
    emergency = directory.emergency
    crisis = [s for s in directory.lines_for() if s.is_general_crisis_line]
    more = ", ".join(f.audience for f in (LineFilter.NSW, LineFilter.FIRST_NATIONS))
    return [
        f"Thank you for telling me ({answer.words}). It sounds like things are really hard "
        "right now, and it matters that you said so.",
        "",
        "People who can help:",
        "- a peer you trust, or your peer supervisor;",
        "- your supervisor or coordinator;",
        f"- {EAP}.",
        "",
        "If you need to talk to someone now, these lines are open 24 hours a day:",
        f"- {emergency.phone} (emergency), if you or someone else is in danger now;",
        *(f"- {line.describe()}" for line in crisis),
        f"More lines, for {more} and {LineFilter.LGBTIQ.audience}: type /support.",
        "",
        NOT_WATCHED,
    ]


def reach_a_peer(
    answer: Answer, network_name: str | None, coordinators: list[str], general: list[str]
) -> Reply:
    """The answer to "Would it help to talk to a peer?": yes. Who to reach and how; it shares
    nothing, and offers "Let someone know" again so telling stays the person's choice."""
    lines = ["Talking it through with a peer can help. Some ways to reach one:"]
    lines.append(
        "- a peer you trust: message them yourself (peerbot does not pass on your answer; "
        'share as much or as little as you like), or press "Let someone know" and choose '
        "them, so peerbot passes on this answer and how to reach you;"
    )
    if general:
        where = " or ".join(mentions.place(key) for key in general)
        lines.append(
            f"- post in {where}, where everyone in {network_name} can read it, so share only "
            "what you want them all to know;"
        )
    lines.append("- a private co-reflection with peers you choose: type /reflect start;")
    if coordinators:
        names = ", ".join(display(key) for key in coordinators)
        lines.append(
            f"- the coordinators of {network_name}: {names}. They know nothing about your "
            'answer unless you press "Let someone know";'
        )
    lines.append("- peer supervision through your organisation, or your supervisor.")
    lines += ["", "Nobody has been told about your answer, and nobody will be unless you choose."]
    return Reply(text="\n".join(lines), buttons=[tell_button(answer)], private=True)


def no_peer_thanks() -> Reply:
    return Reply.private_text(
        "That is fine. Nobody has been told about your answer. If you change your mind, the "
        "buttons above still work, and /support lists support lines."
    )


def told_outcome(
    answer: Answer, network_name: str, reached: list[str], unreached: list[tuple[str, str]]
) -> Reply:
    """The truth about "Let someone know" (My coordinator), once peerbot knows it: sent only when at
    least one coordinator actually has the message; otherwise that nobody was told, and
    other ways to reach someone."""
    missed = [f"- {display(key)}: {why}." for key, why in unreached]
    if reached:
        names = ", ".join(display(key) for key in reached)
        lines = [
            f"Sent: {names} ({'coordinator' if len(reached) == 1 else 'coordinators'} of "
            f"{network_name}) now {'has' if len(reached) == 1 else 'have'} your check-in "
            f"answer ({answer.words}) and nothing else. They may get in touch with you; "
            "peerbot tells you when one of them has seen it."
        ]
        if missed:
            lines += ["", "peerbot could not reach:", *missed]
        lines += ["", "If you need support now, type /support (in an emergency, call 000)."]
        return Reply.private_text("\n".join(lines))
    lines = [
        f"Not sent: peerbot could not reach any coordinator of {network_name}, so nobody has "
        f"been told about your answer ({answer.words}).",
        *missed,
        "",
        OTHER_WAYS,
        "",
        'You can press "Let someone know" again later; peerbot will try once more.',
    ]
    return Reply(text="\n".join(lines), buttons=[tell_button(answer)], private=True)


def display(user_key: str) -> str:
    """How to show a person: a neutral mark each platform shows its way."""
    return mentions.person(user_key)


def _reach_line(reach: str | None) -> str:
    if not reach:
        return ""
    return f'\n\nHow to reach them, in their words: "{reach}"'


def seen_button(share_id: int) -> Button:
    return Button(
        label="I have seen this",
        action=ActionRef(action=SEEN_ACTION, payload=str(share_id)),
        style=ButtonStyle.PRIMARY,
    )


def coordinator_notice(
    answer: Answer, network_name: str, share_id: int, reach: str | None = None
) -> Reply:
    """What a coordinator is told when the person asks: that answer and their line on how to
    reach them, nothing else (not their note, not their other answers)."""
    return Reply(
        text=f"{display(answer.user_key)} asked peerbot to let you know, as a coordinator of "
        f"{network_name}, that their wellbeing check-in answer was: {answer.words}. "
        "They chose to share this one answer; peerbot shares nothing else. Please check in "
        "with them when you can, privately and gently."
        + _reach_line(reach)
        + '\n\nPress "I have seen this" so they know it reached you.',
        buttons=[seen_button(share_id)],
        private=True,
    )


def peer_request(sender_key: str, network_name: str, share_id: int) -> Reply:
    """The first message to a chosen peer: a question, with nothing of the answer in it, so
    they can decline before they read anything."""
    return Reply(
        text=f"{display(sender_key)}, a peer in {network_name}, would like to let you know "
        "privately how they are going (one wellbeing check-in answer). Would you like to see "
        "it? You can say no: they will be told only that you cannot take it on right now.",
        buttons=[
            Button(
                label="Yes, show me",
                action=ActionRef(action=SHARE_OPEN_ACTION, payload=str(share_id)),
                style=ButtonStyle.PRIMARY,
            ),
            Button(
                label="Not now",
                action=ActionRef(action=SHARE_DECLINE_ACTION, payload=str(share_id)),
            ),
        ],
        private=True,
    )


def peer_notice(answer: Answer, network_name: str, share_id: int, reach: str | None) -> Reply:
    """What the peer sees once they said yes."""
    return Reply(
        text=f"{display(answer.user_key)} chose you, as a peer in {network_name}, to know "
        f"that their wellbeing check-in answer was: {answer.words}. They shared this one "
        "answer; peerbot shares nothing else. You are not expected to fix anything: being "
        "in touch, when you can, is enough. If you are worried about their safety, call 000."
        + _reach_line(reach)
        + '\n\nPress "I have seen this" so they know it reached you.',
        buttons=[seen_button(share_id)],
        private=True,
    )


def seen_message(recipient_key: str) -> Reply:
    return Reply.private_text(
        f"{display(recipient_key)} has seen your message about your check-in answer."
    )


def declined_message(recipient_key: str) -> Reply:
    return Reply.private_text(
        f"{display(recipient_key)} cannot take this on right now, and saw nothing of your "
        "answer. Nobody else has been told.\n\n" + OTHER_WAYS
    )


def peer_unreached(recipient_key: str, why: str) -> Reply:
    return Reply.private_text(
        f"Not sent: peerbot could not reach {display(recipient_key)} ({why}), so nobody has "
        "been told about your answer.\n\n" + OTHER_WAYS
    )
