"""What a report is, and the rules for message links, slowmode, reasons, durations and the
audit filters."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from bot.errors import UserError
from bot.identity import MessageRef, PlaceRef
from bot.mentions import strip_marks

SLOWMODE_MAX = 21600  # Discord's limit: six hours.
GUIDELINES_MAX = 2000
CONCERN_MAX = 1000
NOTE_MAX = 500
AUDIT_LINES_MAX = 50
AUDIT_DAYS_MAX = 365

MESSAGE_LINK = re.compile(
    r"^https://(?:(?:ptb|canary)\.)?discord(?:app)?\.com/channels/"
    r"(?P<guild>\d{1,20}|@me)/(?P<channel>\d{1,20})/(?P<message>\d{1,20})/?$"
)
BAD_LINK = (
    "That is not a message link. On Discord, open the message's menu (the three dots), choose "
    "Copy Message Link and paste it: it looks like "
    "https://discord.com/channels/123456789/123456789/123456789. Nothing was changed."
)


class Report(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    network_id: int
    reporter_key: str
    concern: str
    message_link: str | None
    status: str
    created_at: datetime
    closed_at: datetime | None = None
    closed_by: str | None = None
    closing_note: str | None = None
    claimed_by: str | None = None


class LinkedMessage(BaseModel):
    """A message link taken apart: the space (server), the channel and the message."""

    model_config = ConfigDict(frozen=True)

    link: str
    space_id: str
    channel_id: str
    message_id: str

    def ref(self, platform: str) -> MessageRef:
        return MessageRef(place=PlaceRef(platform=platform, id=self.channel_id), id=self.message_id)


def parse_message_link(link: str, *, space_id: str | None = None) -> LinkedMessage:
    """Take a Discord message link apart; a bad link, or one to another server, is refused."""
    link = link.strip()
    found = MESSAGE_LINK.match(link)
    if found is None:
        raise UserError(BAD_LINK)
    if space_id is not None and found["guild"] != space_id:
        raise UserError(
            "That link is to a message in another server. Use a link to a message in this "
            "server. Nothing was changed."
        )
    return LinkedMessage(
        link=link,
        space_id=found["guild"],
        channel_id=found["channel"],
        message_id=found["message"],
    )


def message_link(platform: str, space_id: str | None, channel_id: str, message_id: str) -> str:
    """The link people open to see a message: Discord's jump link (what Copy Message Link
    gives), or a plain description elsewhere."""
    if platform == "discord":
        return f"https://discord.com/channels/{space_id or '@me'}/{channel_id}/{message_id}"
    return f"message {message_id} in {platform}:{channel_id}"


def check_slowmode(seconds: int) -> int:
    if not 0 <= seconds <= SLOWMODE_MAX:
        raise UserError(
            f"Slowmode must be from 0 to {SLOWMODE_MAX} seconds (0 turns it off; {SLOWMODE_MAX} "
            f"is six hours, the most Discord allows). You gave {seconds}. Nothing was changed."
        )
    return seconds


def describe_seconds(seconds: int) -> str:
    if seconds == 0:
        return "off"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


#: A moderator's reason: short enough for a modlog line and Discord's audit log (512 there).
REASON_MAX = 200
DURATION_MIN = timedelta(minutes=1)
DURATION_MAX = timedelta(days=30)
_DURATION = re.compile(
    r"^(?P<number>\d{1,6})\s*(?P<unit>m|mins?|minutes?|h|hrs?|hours?|d|days?)?$", re.IGNORECASE
)
BAD_DURATION = (
    "Give the duration as a number with m (minutes), h (hours) or d (days), like 30m, 2h or "
    "3d; from 1 minute to 30 days. You gave '{given}'. Nothing was changed."
)


def check_reason(reason: str | None) -> str:
    """The reason as it is kept: one line, trimmed, at most ``REASON_MAX`` characters."""
    cleaned = " ".join(strip_marks(reason or "").split())
    if len(cleaned) > REASON_MAX:
        raise UserError(
            f"A reason can be at most {REASON_MAX} characters; yours has {len(cleaned)}. "
            "Shorten it and try again. Nothing was changed."
        )
    return cleaned


def parse_duration(value: str | None) -> timedelta | None:
    """``30m``, ``2h``, ``3d`` (a bare number is minutes); None for no end."""
    if value is None or not value.strip():
        return None
    given = value.strip()
    found = _DURATION.match(given)
    if found is None:
        raise UserError(BAD_DURATION.format(given=given[:20]))
    number = int(found["number"])
    unit = (found["unit"] or "m")[0].lower()
    duration = {"m": timedelta(minutes=number), "h": timedelta(hours=number)}.get(
        unit, timedelta(days=number)
    )
    if not DURATION_MIN <= duration <= DURATION_MAX:
        raise UserError(BAD_DURATION.format(given=given[:20]))
    return duration


def describe_duration(duration: timedelta) -> str:
    """``2 hours``, ``1 day and 3 hours``, ``90 minutes`` is ``1 hour and 30 minutes``."""
    minutes = int(duration.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [
        f"{count} {unit}{'s' if count != 1 else ''}"
        for count, unit in ((days, "day"), (hours, "hour"), (minutes, "minute"))
        if count
    ]
    return " and ".join(parts) if len(parts) <= 2 else f"{parts[0]}, {parts[1]} and {parts[2]}"
