"""What the reflection cog keeps: the reflection's facts, participants and takeaways."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from cogs.reflection.formats import Format

PEERS_MAX = 11
TAKEAWAY_MAX = 2000
POST_FIELD_MAX = 1000
#: Bounds of a network's retention period for closed threads, in days.
RETENTION_MIN_DAYS = 1
RETENTION_MAX_DAYS = 365


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

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


@dataclass(frozen=True)
class Participant:
    user_key: str
    status: Status


@dataclass(frozen=True)
class Takeaway:
    reflection_id: int
    text: str
    written_at: datetime
