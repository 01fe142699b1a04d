"""What the reflection cog keeps: the reflection's facts, participants and takeaways."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot import mentions
from cogs.reflection.formats import Format

PEERS_MAX = 11
TAKEAWAY_MAX = 2000
POST_FIELD_MAX = 1000
#: Bounds of a network's retention period for closed threads, in days.
RETENTION_MIN_DAYS = 1
RETENTION_MAX_DAYS = 365
#: Bounds of a network's quiet spell before peerbot closes an open co-reflection, in days
#: (at least two: the warning comes a day before).
IDLE_MIN_DAYS = 2
IDLE_MAX_DAYS = 90


class Status(StrEnum):
    INVITED = "invited"
    JOINED = "joined"
    DECLINED = "declined"


@dataclass(frozen=True)
class Reflection:
    id: int
    network_id: int
    thread_key: str | None
    format: Format
    topic: str | None
    starter_key: str
    facilitator_key: str
    phase: int
    opened_at: datetime
    closed_at: datetime | None
    delete_after: datetime | None
    #: Days the thread is kept after closing, as agreed at the start (None: from before
    #: per-network retention, so the configured default applies).
    retention_days: int | None = None
    #: When something last happened in it (a join, a post, a phase); None: nothing since it
    #: opened.
    last_activity_at: datetime | None = None
    #: When peerbot warned that it would close it for being quiet.
    idle_warned_at: datetime | None = None
    #: The server or space the thread is in, for jump links (None: from before them).
    space_key: str | None = None
    #: A planned live session, if the starter or facilitator set one.
    session_at: datetime | None = None
    #: When it was last reopened after a close.
    reopened_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def thread_link(self) -> str:
        """A jump link to the thread, for private messages about it (empty once deleted)."""
        if self.thread_key is None:
            return ""
        return mentions.link(self.thread_key, self.space_key or "")

    @property
    def active_at(self) -> datetime:
        """The start of the current quiet spell."""
        return self.last_activity_at or self.opened_at

    @property
    def warned(self) -> bool:
        """Warned during the current quiet spell (a warning before the last activity is old,
        and so is one at the same moment: the activity answered it)."""
        return self.idle_warned_at is not None and self.idle_warned_at > self.active_at


@dataclass(frozen=True)
class NetworkSettings:
    """A network's own co-reflection settings; None means the configured default."""

    retention_days: int | None = None
    idle_days: int | None = None
    #: Deny Manage Threads in the reflection channel to every role but peerbot's.
    private_threads: bool = False


@dataclass(frozen=True)
class Post:
    """That a participant posted, and where: the platform's message ids, never the text."""

    id: int
    reflection_id: int
    user_key: str
    message_ids: tuple[str, ...]
    posted_at: datetime


@dataclass(frozen=True)
class Participant:
    user_key: str
    status: Status


@dataclass(frozen=True)
class Takeaway:
    reflection_id: int
    text: str
    written_at: datetime
