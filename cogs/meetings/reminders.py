"""Meeting reminders: which of them still go out after downtime, and words that fit the time
left when they do.

A reminder is written when its job runs, for the time left then, in the network's time zone:
"tomorrow" only the day before the meeting, "today" on the day, and on Discord a live
timestamp (``<t:...:R>``) that each reader sees as "in 20 minutes" or "in 2 hours" when they
read it. Each message may be delivered only while its words are true: a "tomorrow" until
midnight before the meeting day, any other until the meeting starts; after that the outbox
records it as skipped.

After downtime only the latest reminder that came due goes out: with the day-before and the
two-hour reminders both past, the two-hour one is sent and the day-before one is recorded as
skipped (see ``superseded``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from bot.replies import Button, Reply
from cogs.meetings.models import Answer, Meeting
from cogs.meetings.render import meeting_phrase, rsvp_buttons
from cogs.meetings.timefmt import describe, discord_timestamp


@dataclass(frozen=True)
class ReminderMessage:
    message: Reply
    #: Until when the words are true; the outbox skips the message after it.
    not_after: datetime


def superseded(
    offset: timedelta, offsets: Iterable[timedelta], start: datetime, now: datetime
) -> bool:
    """Whether the reminder ``offset`` before ``start`` is replaced by a later reminder that is
    also due by ``now``: after downtime only the latest due one is sent."""
    at = start - offset
    return any(at < start - later <= now for later in offsets if later < offset)


def reminder(meeting: Meeting, now: datetime, *, platform: str) -> ReminderMessage:
    """The reminder for ``meeting`` written at ``now`` (before the meeting starts)."""
    occurrence = meeting.occurrence
    local_start = occurrence.local_start
    zone = local_start.tzinfo
    days = (local_start.date() - now.astimezone(zone).date()).days
    if days <= 0:
        when, until = "today", occurrence.start
    elif days == 1:
        when = "tomorrow"
        midnight = datetime.combine(local_start.date(), time(0), zone)
        until = min(midnight.astimezone(UTC), occurrence.start)
    else:
        when, until = "on", occurrence.start
    first = f"A reminder: {meeting_phrase(meeting)} is {when}"
    first += f" {describe(occurrence)}." if when == "on" else f", {describe(occurrence)}."
    if platform == "discord":  # shown to each reader as "in 2 hours", true when they read it
        first += f" It starts {discord_timestamp(occurrence.start, 'R')}."
    lines = [first]
    if meeting.location:
        lines.append(f"Where: {meeting.location}")
    if meeting.link:
        lines.append(f"Online: {meeting.link}")
    lines.append(
        "If your plans changed, choose below. Turn these reminders off with /meeting reminders."
    )
    return ReminderMessage(
        Reply(text="\n".join(lines), buttons=reminder_buttons(meeting), private=True), until
    )


def reminder_buttons(meeting: Meeting) -> list[Button]:
    """Going / Maybe / Can't make it now: the answer buttons, worded for a late change."""
    buttons = rsvp_buttons(meeting)
    return [
        b.model_copy(update={"label": "Can't make it now"}) if b.label == Answer.NO.label else b
        for b in buttons
    ]
