"""What a report is, and the rules for message links, slowmode and the audit filters."""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from bot.errors import UserError
from bot.identity import MessageRef, PlaceRef

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
