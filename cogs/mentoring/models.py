"""What mentoring keeps: a mentor's profile, a request for a mentor, and a pairing of two."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.errors import UserError

#: The fixed topics a mentor offers and a member asks about (id, how it is shown).
TOPICS: dict[str, str] = {
    "working-solo": "working solo",
    "boundaries": "boundaries",
    "carer-peer-work": "carer peer work",
    "aod": "alcohol and other drugs (AOD)",
    "youth": "youth",
    "starting-out": "starting out",
    "self-disclosure": "self-disclosure",
    "self-care": "self-care",
}
TOPIC_IDS = tuple(TOPICS)
MAX_MENTEES = 5
TAGS_MAX = 5
TAG_MAX_LENGTH = 30
AVAILABILITY_MAX = 200
REGION_MAX = 60
#: How long a pairing runs unless the two extend it, and how long an extension adds.
PERIOD_MONTHS = 3
#: A request no mentor has taken by then is offered to the network's coordinators.
WAITING_DAYS = 14
#: The near-the-end check-in comes this many days before the end date.
NEAR_END_DAYS = 7
SUGGESTIONS = 3


class PairStatus(StrEnum):
    ASKED = "asked"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    ACTIVE = "active"
    ENDED = "ended"


def topic_label(topic_id: str) -> str:
    return TOPICS.get(topic_id, topic_id)


def topics_text(topic_ids: tuple[str, ...]) -> str:
    return ", ".join(topic_label(t) for t in topic_ids)


def _normal(word: str) -> str:
    return " ".join(word.strip().lower().replace("-", " ").replace("_", " ").split())


def parse_topics(text: str) -> tuple[str, ...]:
    """Topics typed as words or ids, by commas: each must be one of the fixed list."""
    by_words = {_normal(tid): tid for tid in TOPICS}
    by_words.update({_normal(label): tid for tid, label in TOPICS.items()})
    by_words["alcohol and other drugs"] = "aod"
    chosen: list[str] = []
    unknown: list[str] = []
    for part in text.split(","):
        word = _normal(part)
        if not word:
            continue
        found = by_words.get(word)
        if found is None:
            unknown.append(part.strip())
        elif found not in chosen:
            chosen.append(found)
    if unknown or not chosen:
        what = f"'{unknown[0][:40]}' is not one of the topics. " if unknown else ""
        raise UserError(
            f"{what}Give one or more topics, separated by commas, from: "
            f"{', '.join(TOPICS.values())}. Nothing was changed."
        )
    return tuple(chosen)


def topic_bits(topic_ids: tuple[str, ...]) -> int:
    """Topics as a small number, to fit in a button's payload."""
    return sum(1 << TOPIC_IDS.index(t) for t in topic_ids)


def topics_from_bits(bits: int) -> tuple[str, ...]:
    found = tuple(t for i, t in enumerate(TOPIC_IDS) if bits & (1 << i))
    if not found or bits >= 1 << len(TOPIC_IDS):
        raise UserError("That button is out of date. Nothing was changed.")
    return found


def parse_tags(text: str | None) -> tuple[str, ...]:
    """A mentor's own words beside the fixed topics: at most five short ones."""
    if not text:
        return ()
    tags: list[str] = []
    for part in text.split(","):
        tag = " ".join(part.split())
        if tag and tag.lower() not in (t.lower() for t in tags):
            tags.append(tag)
    if len(tags) > TAGS_MAX or any(len(t) > TAG_MAX_LENGTH for t in tags):
        raise UserError(
            f"Give at most {TAGS_MAX} tags, separated by commas, each at most "
            f"{TAG_MAX_LENGTH} characters. Nothing was changed."
        )
    return tuple(tags)


@dataclass(frozen=True)
class Profile:
    user_key: str
    network_id: int
    topics: tuple[str, ...]
    tags: tuple[str, ...]
    availability: str
    region: str
    max_mentees: int
    paused: bool
    #: Pairings that hold a place: active ones, and requests waiting for this mentor.
    taken: int = 0

    @property
    def free(self) -> int:
        return max(0, self.max_mentees - self.taken)


@dataclass(frozen=True)
class Request:
    id: int
    network_id: int
    mentee_key: str
    topics: tuple[str, ...]
    share_name: bool
    status: str
    created_at: datetime
    offered_at: datetime | None


@dataclass(frozen=True)
class Pair:
    id: int
    request_id: int | None
    network_id: int
    mentee_key: str | None
    mentor_key: str | None
    topics: tuple[str, ...]
    status: PairStatus
    asked_at: datetime
    started_at: datetime | None
    ends_at: datetime | None
    ended_at: datetime | None
    delete_after: datetime | None
    thread_key: str | None
    space_key: str | None

    def other(self, person_key: str) -> str | None:
        return self.mentor_key if person_key == self.mentee_key else self.mentee_key

    def includes(self, person_key: str) -> bool:
        return person_key in (self.mentee_key, self.mentor_key)


@dataclass(frozen=True)
class Suggestion:
    profile: Profile
    overlap: tuple[str, ...]
    same_region: bool
