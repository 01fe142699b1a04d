"""What a meeting series, an occurrence's changes, an answer and an attendance are; the limits
on what people type; and the per-network meeting settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.errors import UserError
from cogs.meetings.schedule import Occurrence, Override, SeriesRule

DURATION_MAX = 720  # minutes: twelve hours
INTERVAL_MAX = 12
NAME_MAX = 100
LOCATION_MAX = 200
LINK_MAX = 500
AGENDA_MAX = 1500
AGENDA_ITEM_MAX = 300
TOPIC_MAX = 200
ACCESS_NEEDS_MAX = 500
MODES = {"room": "in the room", "online": "online"}
FACILITATOR_MAX = 100
PLAN_PROMPT_DAYS = 28  # a coordinator is asked for the topic about four weeks ahead
AGENDA_ITEMS_MAX = 30  # per occurrence, so one person cannot flood it
MINUTES_MAX = 4000
HOURS_MAX = 12.0
ANNOUNCE_DAYS_MAX = 60
REMINDER_OFFSETS_MAX = 4
CAPACITY_MAX = 10000  # places at one meeting
DEFAULT_ANNOUNCE_DAYS = 14
DEFAULT_REMINDER_OFFSETS: tuple[int, ...] = (24 * 60, 2 * 60)  # minutes before the start
CONFIDENTIALITY = (
    "Please keep what is shared in the meeting within the meeting, and never share anything "
    "that could identify a person you support."
)


class Answer(StrEnum):
    GOING = "going"
    MAYBE = "maybe"
    NO = "no"

    @property
    def label(self) -> str:
        return {"going": "Going", "maybe": "Maybe", "no": "Can't go"}[self.value]


@dataclass(frozen=True)
class Series:
    """A meeting series: the rule and the details each occurrence shows unless overridden."""

    id: int
    network_id: int
    name: str
    rule: SeriesRule
    location: str | None
    link: str | None
    agenda: str | None
    recorded: bool
    created_by: str
    created_at: datetime
    cancelled_at: datetime | None = None

    @property
    def duration_minutes(self) -> int:
        return int(self.rule.duration.total_seconds() // 60)

    @property
    def active(self) -> bool:
        return self.cancelled_at is None


@dataclass(frozen=True)
class OccurrenceChange:
    """A row of occurrence_changes: skipped (or cancelled), or some fields overridden."""

    key: str
    skipped: bool
    cancelled: bool
    start: datetime | None
    duration: timedelta | None
    location: str | None
    link: str | None
    agenda: str | None

    @property
    def override(self) -> Override | None:
        if self.skipped or all(
            v is None for v in (self.start, self.duration, self.location, self.link, self.agenda)
        ):
            return None
        return Override(
            start=self.start,
            duration=self.duration,
            location=self.location,
            link=self.link,
            agenda=self.agenda,
        )


@dataclass(frozen=True)
class SeriesChanges:
    """Everything the rule needs besides itself: skipped keys and overrides, by key."""

    skipped: frozenset[str] = frozenset()
    cancelled: frozenset[str] = frozenset()
    overrides: dict[str, Override] = field(default_factory=dict)


@dataclass(frozen=True)
class MeetingSettings:
    network_id: int
    announce_days: int = DEFAULT_ANNOUNCE_DAYS
    reminder_offsets: tuple[timedelta, ...] = tuple(
        timedelta(minutes=m) for m in DEFAULT_REMINDER_OFFSETS
    )
    #: The notice mentions the network's member role (people with "only @mentions" see it).
    mention_members: bool = True
    #: Meetings are mirrored as native events (Discord shows them to the whole server).
    native_events: bool = True


@dataclass(frozen=True)
class SeriesPlan:
    """One active series with what a scheduler needs to plan its notices and reminders."""

    series: Series
    network_name: str
    network_slug: str
    changes: SeriesChanges
    settings: MeetingSettings


@dataclass(frozen=True)
class Plan:
    """One meeting's own professional development (PD) topic, facilitator and agenda: set for
    that date only, so it never carries over to the next meeting of the series."""

    topic: str | None = None
    facilitator: str | None = None
    agenda: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.topic or self.facilitator or self.agenda)


@dataclass(frozen=True)
class Meeting:
    """One occurrence with its series and the details in effect (overrides applied)."""

    series: Series
    occurrence: Occurrence
    network_name: str
    network_slug: str
    location: str | None
    link: str | None
    agenda: str | None
    #: This meeting's own plan (topic, facilitator, agenda); empty when none was set.
    plan: Plan = field(default_factory=Plan)

    @property
    def key(self) -> str:
        return self.occurrence.key

    @property
    def hours(self) -> float:
        return round((self.occurrence.end - self.occurrence.start).total_seconds() / 3600, 2)


def build_meeting(series: Series, occurrence: Occurrence, names: tuple[str, str]) -> Meeting:
    """One occurrence with the details in effect: its own place, link and agenda where it
    has them, else the series'. ``names`` are the network's name and short name."""
    override = occurrence.override
    return Meeting(
        series=series,
        occurrence=occurrence,
        network_name=names[0],
        network_slug=names[1],
        location=(override.location if override and override.location else series.location),
        link=(override.link if override and override.link else series.link),
        agenda=(override.agenda if override and override.agenda else series.agenda),
    )


@dataclass(frozen=True)
class Rsvp:
    user_key: str
    answer: Answer
    answered_at: datetime
    #: How they come: "room" or "online" (None: not said).
    mode: str | None = None
    #: Access needs they chose to tell the coordinators (coordinators only see them).
    access_needs: str | None = None


@dataclass(frozen=True)
class PostedNotice:
    """A notice posted in one announcements channel (a row of meeting_notices)."""

    series_id: int
    occurrence_key: str
    place_key: str
    message_id: str
    shown: str  # a NoticeState value
    rendered: str  # fingerprint of what it shows now
    revision: int
    thread_id: str | None = None
    thread_name: str | None = None


@dataclass(frozen=True)
class AttendanceRecord:
    """One line of a person's professional development record."""

    day: date
    network_name: str
    meeting_name: str
    hours: float
    series_id: int
    occurrence_key: str
    topic: str | None = None
    facilitator: str | None = None


@dataclass(frozen=True)
class AgendaItem:
    id: int
    user_key: str
    text: str
    added_at: datetime
    #: Suggested without a name: shown as "a member" to everyone, coordinators included.
    anonymous: bool = False


@dataclass(frozen=True)
class Minutes:
    text: str
    recorded_by: str
    recorded_at: datetime


def check_text(value: str | None, label: str, limit: int) -> str | None:
    """Trimmed text, None when empty, refused when longer than ``limit``."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if len(value) > limit:
        raise UserError(
            f"The {label} can be at most {limit} characters; yours has {len(value)}. "
            "Shorten it and try again. Nothing was changed."
        )
    return value


def check_duration(minutes: int) -> timedelta:
    if not 1 <= minutes <= DURATION_MAX:
        raise UserError(
            f"A meeting can last from 1 to {DURATION_MAX} minutes (12 hours); you gave "
            f"{minutes}. Nothing was changed."
        )
    return timedelta(minutes=minutes)


def check_interval(months: int) -> int:
    if not 1 <= months <= INTERVAL_MAX:
        raise UserError(
            f"A meeting can repeat every 1 to {INTERVAL_MAX} months; you gave {months}. "
            "Quarterly is 3. Nothing was changed."
        )
    return months


def check_hours(hours: float) -> float:
    if not 0 < hours <= HOURS_MAX:
        raise UserError(
            f"Hours attended must be more than 0 and at most {HOURS_MAX:g}; you gave "
            f"{hours:g}. Nothing was changed."
        )
    return round(hours, 2)


def parse_offsets(text: str) -> tuple[timedelta, ...]:
    """Reminder times like ``1d, 2h, 30m`` (before the start); ``none`` for no reminders."""
    text = text.strip().lower()
    if text in ("none", "off", "0"):
        return ()
    units = {"d": 1440, "h": 60, "m": 1}
    found: list[timedelta] = []
    for part in text.replace(" ", "").split(","):
        number, unit = part[:-1], part[-1:]
        if unit not in units or not number.isdigit() or int(number) == 0:
            raise UserError(
                f"'{part}' is not a reminder time. Write them like 1d, 2h or 30m (days, hours, "
                "minutes before the meeting), separated by commas, or 'none'. Nothing was changed."
            )
        found.append(timedelta(minutes=int(number) * units[unit]))
    if len(set(found)) > REMINDER_OFFSETS_MAX:
        raise UserError(
            f"At most {REMINDER_OFFSETS_MAX} reminders per meeting. Nothing was changed."
        )
    if any(offset > timedelta(days=30) for offset in found):
        raise UserError("A reminder can be at most 30 days before. Nothing was changed.")
    return tuple(sorted(set(found), reverse=True))


def describe_offset(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    if minutes % 1440 == 0:
        days = minutes // 1440
        return f"{days} day{'s' if days != 1 else ''}"
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def offsets_to_db(offsets: tuple[timedelta, ...]) -> str:
    return ",".join(str(int(o.total_seconds() // 60)) for o in offsets)


def offsets_from_db(text: str) -> tuple[timedelta, ...]:
    return tuple(timedelta(minutes=int(m)) for m in text.split(",") if m.strip())


def hours_text(hours: float) -> str:
    """'1 hour', '1.5 hours', '2 hours': the plural that reads right."""
    return f"{hours:g} hour" + ("" if hours == 1 else "s")
