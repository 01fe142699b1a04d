"""Calendar files (.ics, RFC 5545) for a meeting series or a single occurrence.

Every occurrence is its own VEVENT with its own UID, ``meeting-<series uid>-<key>@<domain>``
(the key is the ISO date of the occurrence's original slot, which edits never change), and the
series file is those VEVENTs side by side. So the series file and the file of one meeting
carry the same VEVENT, byte for byte but for DTSTAMP: a calendar that imports both, or either
twice, keeps one event and updates it. (An RRULE master would give every meeting the series'
UID, and a meeting's identity would then be its RECURRENCE-ID, which changes when the series'
start time does, and which Outlook ignores without the master.)

- SEQUENCE counts the seconds from the series' creation to the last change that touched the
  occurrence (a change to the series, or to that occurrence: time, place, link, agenda, skip,
  cancel), so it increases on every change without a counter in the database; LAST-MODIFIED
  is that change.
- A skipped or cancelled occurrence stays in the files with STATUS:CANCELLED (and a summary
  that says so), so a calendar that imported it takes it out. A file that holds only cancelled
  meetings has METHOD:CANCEL; every other file METHOD:PUBLISH.
- A VALARM for each of the network's reminder times (default 1 day and 2 hours before), for
  meetings that have not started; none for a person who turned their reminders off.
- Start and end are written in the series' time zone (TZID with its VTIMEZONE, see
  ``vtimezone``), except a time that happens twice (the end of daylight saving) and is the
  second one: RFC 5545 reads such a local time as the first, so it is written in UTC.
- The series file holds the meetings from a year before it is made (or the first) to
  ``HORIZON_YEARS`` after it (or the last).
- icalendar folds lines at 75 octets, ends them with CRLF and escapes text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from icalendar import Alarm, Calendar, Event

from cogs.meetings.models import describe_offset
from cogs.meetings.schedule import (
    Occurrence,
    Override,
    SeriesRule,
    occurrence_for,
    occurrences,
    zone,
)
from cogs.meetings.vtimezone import vtimezone

PRODID = "-//peerbot//meetings//EN"
#: How far ahead the series file lists meetings, for a series without an end.
HORIZON_YEARS = 5
#: How far back it lists them (so a calendar keeps the recent ones and their changes).
PAST = timedelta(days=365)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class SeriesCalendar:
    """What the calendar files of one series show, read from the database once."""

    uid: str  # stable for the series, such as "series-42"
    name: str
    rule: SeriesRule
    location: str | None = None
    link: str | None = None
    description: str | None = None
    skipped: frozenset[str] = frozenset()  # skipped or cancelled occurrence keys
    overrides: Mapping[str, Override] = field(default_factory=dict)
    cancelled: bool = False  # the whole series
    reminders: Sequence[timedelta] = ()  # before the start
    created: datetime = _EPOCH
    changed: datetime | None = None  # the series' last change (edit or cancel)
    occurrence_changed: Mapping[str, datetime] = field(default_factory=dict)
    uid_domain: str = "peerbot"
    #: One meeting's own professional development topic, by key (the subscription feed shows
    #: it in that meeting's title).
    topics: Mapping[str, str] = field(default_factory=dict)
    #: When the whole series was cancelled: the subscription feed ends it there.
    cancelled_at: datetime | None = None

    def event_uid(self, key: str) -> str:
        return f"meeting-{self.uid}-{key}@{self.uid_domain}"

    def last_modified(self, key: str) -> datetime:
        changes = [self.created, self.changed, self.occurrence_changed.get(key)]
        return max(c for c in changes if c is not None)

    def sequence(self, key: str) -> int:
        return max(0, int((self.last_modified(key) - self.created).total_seconds()))

    def is_cancelled(self, key: str) -> bool:
        return self.cancelled or key in self.skipped


def series_ics(series: SeriesCalendar, *, stamp: datetime) -> bytes:
    """The series' meetings from a year before ``stamp`` to ``HORIZON_YEARS`` after it."""
    low = max(series.rule.first_date, (stamp - PAST).date())
    high = (stamp + timedelta(days=365 * HORIZON_YEARS)).date()
    if series.rule.until is not None:
        high = min(high, series.rule.until)
    tz = zone(series.rule.timezone)
    regular = occurrences(
        series.rule,
        after=datetime.combine(low, time.min, tz) - timedelta(days=2),
        before=datetime.combine(high, time.max, tz) + timedelta(days=2),
        limit=100_000,
        skipped=frozenset(series.overrides),  # those come next, wherever they moved
    )
    moved = [occurrence_for(series.rule, k, overrides=series.overrides) for k in series.overrides]
    found = [
        o
        for o in [*regular, *moved]
        if o is not None and low.isoformat() <= o.key <= high.isoformat()  # the original date
    ]
    return _ics(series, found, stamp)


def occurrence_ics(series: SeriesCalendar, key: str, *, stamp: datetime) -> bytes:
    """One meeting, the same VEVENT as in the series file (a cancelled one too)."""
    occurrence = occurrence_for(series.rule, key, overrides=series.overrides)
    if occurrence is None:
        raise ValueError(f"{key} is not a meeting of the series")
    return _ics(series, [occurrence], stamp)


def _ics(series: SeriesCalendar, found: list[Occurrence], stamp: datetime) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    everything_cancelled = bool(found) and all(series.is_cancelled(o.key) for o in found)
    cal.add("method", "CANCEL" if everything_cancelled else "PUBLISH")
    cal.add("x-wr-calname", series.name)
    cal.add("x-wr-timezone", series.rule.timezone)
    if found:
        first = min(o.start for o in found)
        last = max(o.end for o in found)
    else:
        first = last = datetime.combine(series.rule.first_date, time.min, tzinfo=UTC)
    cal.add_component(vtimezone(series.rule.timezone, first, last))
    for occurrence in sorted(found, key=lambda o: (o.start, o.key)):
        cal.add_component(occurrence_event(series, occurrence, stamp))
    data: bytes = cal.to_ical()
    return data


def occurrence_event(series: SeriesCalendar, occurrence: Occurrence, stamp: datetime) -> Event:
    """One meeting as its own VEVENT (the downloaded files and a person's own feed)."""
    key = occurrence.key
    cancelled = series.is_cancelled(key)
    override = occurrence.override or Override()
    location = override.location if override.location is not None else series.location
    link = override.link if override.link is not None else series.link
    agenda = override.agenda if override.agenda is not None else series.description
    event = Event()
    event.add("uid", series.event_uid(key))
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("sequence", series.sequence(key))
    event.add("created", series.created.astimezone(UTC))
    event.add("last-modified", series.last_modified(key).astimezone(UTC))
    event.add("dtstart", written_time(occurrence.start, occurrence.timezone))
    event.add("dtend", written_time(occurrence.end, occurrence.timezone))
    event.add("summary", f"Cancelled: {series.name}" if cancelled else series.name)
    if location or link:
        event.add("location", location or link)
    if link:
        event.add("url", link)
    parts = [
        "This meeting is cancelled." if cancelled else None,
        agenda,
        f"Join online: {link}" if link else None,
    ]
    text = "\n\n".join(p for p in parts if p)
    if text:
        event.add("description", text)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    if not cancelled:
        for before in series.reminders:
            if occurrence.start - before > stamp:
                event.add_component(_alarm(series.name, before))
    return event


def _alarm(name: str, before: timedelta) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", -before)  # related to the start
    alarm.add("description", f"{name} starts in {describe_offset(before)}.")
    return alarm


def written_time(instant: datetime, timezone: str) -> datetime:
    """The instant in the series' zone, or in UTC when that local time is ambiguous and not
    the first of the two (RFC 5545 section 3.3.5 reads it as the first)."""
    local = instant.astimezone(zone(timezone))
    read_back = local.replace(fold=0).astimezone(UTC)
    return local if read_back == instant.astimezone(UTC) else instant.astimezone(UTC)
