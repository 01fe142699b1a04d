"""What meeting notices and the private messages about a change say: pure functions of a
meeting and its state, so the notice posted, each re-render of it, and what a test expects
are the same text.

A notice is open (RSVP buttons and the counts) until its meeting is held, skipped or
cancelled; then it says so plainly, first, and its buttons go.
"""

from __future__ import annotations

import hashlib
from datetime import date
from enum import StrEnum

from bot.replies import ActionRef, Button, ButtonStyle, Card, CardField, Mentions, Reply
from cogs.meetings.models import Answer, Meeting
from cogs.meetings.timefmt import describe, discord_timestamp

RSVP_ACTION = "meeting.rsvp"
CONFIDENTIALITY = (
    "What is shared in the meeting stays in the meeting. Please do not share details that "
    "could identify a person you support."
)
THREAD_NAME_MAX = 100  # Discord's limit for a thread's name


class NoticeState(StrEnum):
    """What a notice shows about its meeting (``meeting_notices.shown``)."""

    OPEN = "open"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    SERIES_CANCELLED = "series-cancelled"
    DROPPED = "dropped"  # the series' dates changed and this date is no longer one of them
    HELD = "held"

    @property
    def closed(self) -> bool:
        return self is not NoticeState.OPEN


_PREFIX = {
    NoticeState.SKIPPED: "Skipped",
    NoticeState.CANCELLED: "Cancelled",
    NoticeState.SERIES_CANCELLED: "Cancelled",
    NoticeState.DROPPED: "Date changed",
    NoticeState.HELD: "Held",
}


def long_date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def title(network_name: str, series_name: str) -> str:
    """The notice's title, naming the network once: "Coast meeting" (the default name already
    says it), "Coast: Peer supervision" otherwise."""
    if network_name.casefold() in series_name.casefold():
        return series_name
    return f"{network_name}: {series_name}"


def phrase(network_name: str, series_name: str) -> str:
    """The meeting in a sentence, naming the network once: "the Coast meeting", "the Peer
    supervision (Coast)"."""
    name = series_name if series_name.casefold().startswith("the ") else f"the {series_name}"
    if network_name.casefold() in series_name.casefold():
        return name
    return f"{name} ({network_name})"


def meeting_title(meeting: Meeting) -> str:
    return title(meeting.network_name, meeting.series.name)


def meeting_phrase(meeting: Meeting) -> str:
    return phrase(meeting.network_name, meeting.series.name)


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def when(meeting: Meeting, platform: str) -> str:
    """The time in the network's zone, and on Discord also in each reader's own time."""
    text = describe(meeting.occurrence)
    if platform == "discord":
        text += f" ({discord_timestamp(meeting.occurrence.start)})"
    return text


def counts_line(counts: dict[str, int]) -> str:
    """The answers so far; with a capacity (``places``), how many places are taken and, once
    it is full, how many wait: "Going: 12 of 12 (full, waitlist 3)", "Going: 12 of 12
    (full)"."""
    going = counts.get("going", 0)
    places = counts.get("places")
    said = f"Going: {going}"
    if places:
        said = f"Going: {min(going, places)} of {places}"
        if going > places:
            said += f" (full, waitlist {going - places})"
        elif going == places:
            said += " (full)"
    return f"{said}, Maybe: {counts.get('maybe', 0)}, Can't go: {counts.get('no', 0)}"


def rsvp_buttons(meeting: Meeting) -> list[Button]:
    """Going / Maybe / Can't go for one occurrence: the same on the notice and in a DM."""
    payload = f"{meeting.series.id}:{meeting.key}"
    return [
        Button(
            label=Answer.GOING.label,
            action=ActionRef(action=RSVP_ACTION, payload=f"{payload}:going"),
            style=ButtonStyle.SUCCESS,
        ),
        Button(
            label=Answer.MAYBE.label,
            action=ActionRef(action=RSVP_ACTION, payload=f"{payload}:maybe"),
        ),
        Button(
            label=Answer.NO.label, action=ActionRef(action=RSVP_ACTION, payload=f"{payload}:no")
        ),
    ]


def status(meeting: Meeting, state: NoticeState) -> str:
    """The sentence a closed notice starts with; empty while it is open."""
    return {
        NoticeState.OPEN: "",
        NoticeState.SKIPPED: "Skipped. This meeting will not take place; the series goes on. "
        "Type /meeting next to see the next one.",
        NoticeState.CANCELLED: "Cancelled. This meeting will not take place. "
        "Type /meeting next to see the next one.",
        NoticeState.SERIES_CANCELLED: "Cancelled. This meeting and the rest of its series "
        "will not take place.",
        NoticeState.DROPPED: "No longer on this date: the series' dates changed. "
        "Type /meeting next to see when it meets now.",
        NoticeState.HELD: f"Held on {long_date(meeting.occurrence.local_start.date())}. "
        "Answers are closed.",
    }[state]


def notice(
    meeting: Meeting,
    counts: dict[str, int],
    *,
    platform: str,
    state: NoticeState = NoticeState.OPEN,
    mention_role: str | None = None,
) -> Reply:
    """The announcement: when, where, link, agenda, recording, confidentiality and the RSVP
    buttons while it is open; once closed, what happened first, and no buttons.
    ``mention_role`` (the network's member role there) is mentioned, and only it may ping:
    people who get notified only for @mentions then hear of the meeting."""
    fields = [CardField(name="When", value=when(meeting, platform))]
    if state in (NoticeState.OPEN, NoticeState.HELD):
        if meeting.location:
            fields.append(CardField(name="Where", value=meeting.location))
        if meeting.link and state is NoticeState.OPEN:
            fields.append(CardField(name="Online", value=meeting.link))
        fields += plan_fields(meeting)
        recorded = "Yes: it will be recorded." if meeting.series.recorded else "No."
        if state is NoticeState.HELD:
            recorded = "Yes: it was recorded." if meeting.series.recorded else "No."
        fields.append(CardField(name="Recorded", value=recorded))
    if state is NoticeState.OPEN:
        fields.append(CardField(name="Confidentiality", value=CONFIDENTIALITY))
    heading = meeting_title(meeting)
    if state.closed:
        heading = f"{_PREFIX[state]}: {heading}"
    said = status(meeting, state)
    footer = counts_line(counts) if state in (NoticeState.OPEN, NoticeState.HELD) else ""
    lines = [heading, *([said] if said else []), *(f"{f.name}: {f.value}" for f in fields)]
    if footer:
        lines.append(footer)
    return Reply(
        text="\n".join(lines),
        cards=[Card(title=heading, description=said, fields=fields, footer=footer)],
        buttons=rsvp_buttons(meeting) if state is NoticeState.OPEN else [],
        mentions=Mentions(roles=(mention_role,)) if mention_role else Mentions(),
    )


def plan_fields(meeting: Meeting) -> list[CardField]:
    """This meeting's own topic, facilitator and agenda, then the series' standing agenda."""
    plan = meeting.plan
    fields = []
    if plan.topic:
        fields.append(CardField(name="Professional development topic", value=plan.topic))
    if plan.facilitator:
        fields.append(CardField(name="Facilitator", value=plan.facilitator))
    if plan.agenda:
        fields.append(CardField(name="This meeting's agenda", value=plan.agenda))
    if meeting.agenda:
        label = "Standing agenda" if plan.agenda else "Agenda"
        fields.append(CardField(name=label, value=meeting.agenda))
    return fields


def thread_name(meeting: Meeting) -> str:
    """The minutes thread under a notice: its meeting's name and its (possibly moved) date."""
    day = meeting.occurrence.local_start.date()
    name = f"Minutes: {meeting_title(meeting)}, {day.day} {day:%B %Y}"
    return name[:THREAD_NAME_MAX]


def fingerprint(reply: Reply) -> str:
    """What a message shows, in 16 characters: a re-render that changes nothing edits nothing."""
    return hashlib.sha256(reply.model_dump_json().encode("utf-8")).hexdigest()[:16]


def _you_said(answer: Answer) -> str:
    return "You said you would come" if answer is Answer.GOING else "You said you might come"


def _where(meeting: Meeting) -> list[str]:
    lines = []
    if meeting.location:
        lines.append(f"Where: {meeting.location}")
    if meeting.link:
        lines.append(f"Online: {meeting.link}")
    return lines


def moved_message(before: Meeting, after: Meeting, answer: Answer, platform: str) -> Reply:
    """To someone who answered Going or Maybe: the old and new time, their answer kept, and
    the buttons to change it."""
    lines = [
        f"{capital(meeting_phrase(after))} has moved.",
        f"It was: {when(before, platform)}",
        f"It is now: {when(after, platform)}",
        *_where(after),
        f"{_you_said(answer)}, so your answer stays {answer.label}. If that has changed, "
        "choose below.",
    ]
    return Reply(text="\n".join(lines), buttons=rsvp_buttons(after), private=True)


def cancelled_message(meeting: Meeting, answer: Answer, state: NoticeState) -> Reply:
    """To someone who answered Going or Maybe: their meeting will not take place."""
    what = capital(meeting_phrase(meeting)) + f" on {describe(meeting.occurrence)}"
    happened = {
        NoticeState.SKIPPED: "is skipped: it will not take place. The series goes on.",
        NoticeState.CANCELLED: "is cancelled: it will not take place.",
        NoticeState.SERIES_CANCELLED: "is cancelled, with the rest of its series.",
        NoticeState.DROPPED: "is no longer part of the series: its dates changed.",
    }[state]
    after = (
        "Type /meeting next to see when it meets now."
        if state is NoticeState.DROPPED
        else "Type /meeting next to see the next one."
    )
    return Reply.private_text(
        f"{what} {happened} {_you_said(answer)}, so peerbot is letting you know. {after}"
    )


def placed_message(meeting: Meeting, platform: str) -> Reply:
    """To someone on the waitlist who now has a place."""
    lines = [
        f"A place opened at {meeting_phrase(meeting)} on {when(meeting, platform)}, and it is "
        "yours: you were on the waitlist, and your answer is now Going with a place.",
        *_where(meeting),
        "If you cannot come after all, choose Can't go below so the next person gets it.",
    ]
    return Reply(text="\n".join(lines), buttons=rsvp_buttons(meeting), private=True)


CHECK_IN_ACTION = "meeting.checkin"


def starting_message(meeting: Meeting, platform: str) -> Reply:
    """Posted in the announcements channel at the start time."""
    local = meeting.occurrence.local_start
    end = meeting.occurrence.end.astimezone(local.tzinfo)
    lines = [
        f"Starting now: {meeting_title(meeting)}, {local:%H:%M} to {end:%H:%M} {end.tzname()}."
    ]
    if meeting.link:
        lines.append(f"Join online: {meeting.link}")
    if meeting.location:
        lines.append(f"Where: {meeting.location}")
    lines.append(CONFIDENTIALITY)
    lines.append("Members: press Check in (or type /meeting here) to record your attendance.")
    check_in = Button(
        label="Check in",
        action=ActionRef(action=CHECK_IN_ACTION, payload=f"{meeting.series.id}:{meeting.key}"),
        style=ButtonStyle.PRIMARY,
    )
    return Reply(text="\n".join(lines), buttons=[check_in])
