"""What check-ins store: a person's subscription (when to ask, on which scale) and answers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cogs.checkins.scales import Level, Scale, answer_label, answer_words, level
from cogs.checkins.schedule import Timing

NOTE_MAX = 500
#: How long after its check-in a prompt can still be answered (also until the next one).
ANSWER_WINDOW = dt.timedelta(days=7)
#: How long the buttons of /checkin now keep working.
NOW_WINDOW = dt.timedelta(days=1)


@dataclass(frozen=True)
class Subscription:
    id: int
    user_key: str
    network_id: int | None
    scale: Scale
    timing: Timing
    paused_until: dt.date | None
    #: When the person last started, paused, resumed or changed their check-ins.
    changed_at: dt.datetime

    def is_paused_for(self, slot: dt.datetime) -> bool:
        """True when the slot's local date falls before the pause ends."""
        if self.paused_until is None:
            return False
        return slot.astimezone(self.timing.zone).date() < self.paused_until

    def is_sendable(self, slot: dt.datetime) -> bool:
        """Whether the prompt of ``slot`` may still go: not paused, and after the last change.
        A slot at or before a resume fell inside the pause (or before new settings), so it is
        never sent late."""
        return not self.is_paused_for(slot) and slot > self.changed_at


@dataclass(frozen=True)
class Answer:
    id: int
    user_key: str
    subscription_id: int | None
    network_id: int | None
    slot_at: dt.datetime
    scale: Scale
    value: int
    score: int
    low: bool
    note: str | None
    answered_at: dt.datetime
    coordinator_told_at: dt.datetime | None

    @property
    def label(self) -> str:
        """With its number (``Mood 2 of 5``): for /checkin history and the export only."""
        return answer_label(self.scale, self.value)

    @property
    def words(self) -> str:
        """In plain words, no numbers: for every reply and notice."""
        return answer_words(self.scale, self.value)

    @property
    def level(self) -> Level:
        return level(self.scale, self.value)


@dataclass(frozen=True)
class Share:
    """One person told about one answer through "Let someone know" (see migration 0023)."""

    id: int
    answer_id: int
    sender_key: str
    recipient_key: str
    kind: str  # coordinator or peer
    status: str  # asked, shown, sent, declined, failed
    reach: str | None
    created_at: dt.datetime
    seen_at: dt.datetime | None
