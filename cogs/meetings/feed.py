"""Subscription feeds (webcal): a network's meeting series, and a person's own meetings.

A downloaded file (``calendar``) lists every meeting as its own VEVENT, because a file is
imported once and must survive Outlook. A subscription is different: the calendar re-reads the
whole feed on every poll, so the network's feed says each series the way RFC 5545 means it:

- one master VEVENT per series with the RRULE, DTSTART in the series' zone (TZID, with its
  VTIMEZONE from ``vtimezone``), and an EXDATE for each skipped or cancelled meeting;
- one VEVENT with the series' UID and a RECURRENCE-ID for each meeting changed on its own
  (moved, longer, another place, link or agenda, or its own topic);
- a cancelled series ends (UNTIL) where it was cancelled, so the meetings before stay.

A wall time that falls in a daylight-saving gap is read by RFC 5545 with the offset before
the gap (02:30 becomes 03:30 AEDT) but by peerbot as the first valid time (03:00 AEDT), so such
a meeting gets its own RECURRENCE-ID VEVENT with peerbot's time.

A person's feed holds the single meetings they said Going or Maybe to, as the same VEVENTs as
the downloaded files (``calendar.occurrence_event``).

Both are pure functions of what was read, stamped with the latest change (DTSTAMP; no METHOD,
so RFC 5545 reads DTSTAMP as the last modification): the same data gives the same bytes, which
is what lets a web server answer "not modified" by a hash of the body. No VALARM: a subscriber
sets their own alerts, and peerbot already reminds people who said Going or Maybe.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from dateutil.rrule import rrule
from icalendar import Calendar, Event, vRecur

from cogs.meetings.calendar import PRODID, SeriesCalendar, occurrence_event, written_time
from cogs.meetings.schedule import (
    WEEKDAY_NAMES,
    Occurrence,
    SeriesRule,
    occurrence_for,
    rrule_for,
    zone,
)
from cogs.meetings.vtimezone import vtimezone

#: Calendars that honour it poll about this often (Google decides for itself).
REFRESH = timedelta(hours=1)
#: How far after a series' start its gap meetings are looked for when it has no end.
GAP_SEARCH_YEARS = 10
_ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
assert len(_ICAL_DAYS) == len(WEEKDAY_NAMES)


@dataclass(frozen=True)
class PersonMeetings:
    """The meetings of one series a person said Going or Maybe to, by key."""

    series: SeriesCalendar
    keys: Sequence[str]


def network_feed(name: str, timezone: str, series: Sequence[SeriesCalendar]) -> bytes:
    """The network's feed: every series (cancelled ones up to their cancellation)."""
    stamp = latest_change(series)
    cal = _calendar(f"{name} meetings", timezone)
    events: list[Event] = []
    zones: dict[str, tuple[datetime, datetime]] = {}
    for one in sorted(series, key=lambda s: s.uid):
        until = _until(one)
        first = _slot_wall(one.rule, one.rule.first_date)
        if until is not None and first.astimezone(UTC) > until:
            continue  # cancelled before its first meeting
        events.append(_master(one, until, stamp))
        events.extend(_changed_meetings(one, until, stamp))
        _widen(zones, one.rule.timezone, first, _last(one.rule, stamp))
    _add_zones(cal, zones)
    for event in events:
        cal.add_component(event)
    data: bytes = cal.to_ical()
    return data


def person_feed(entries: Sequence[PersonMeetings]) -> bytes:
    """A person's own feed: one VEVENT per meeting they said Going or Maybe to."""
    stamp = latest_change([e.series for e in entries])
    cal = _calendar("My peerbot meetings", None)
    found: list[tuple[SeriesCalendar, Occurrence]] = []
    for entry in entries:
        for key in entry.keys:
            occurrence = occurrence_for(entry.series.rule, key, overrides=entry.series.overrides)
            if occurrence is not None:
                found.append((entry.series, occurrence))
    zones: dict[str, tuple[datetime, datetime]] = {}
    for _, occurrence in found:
        _widen(zones, occurrence.timezone, occurrence.start, occurrence.end)
    _add_zones(cal, zones)
    for one, occurrence in sorted(found, key=lambda f: (f[1].start, f[0].uid, f[1].key)):
        cal.add_component(occurrence_event(one, occurrence, stamp))
    data: bytes = cal.to_ical()
    return data


def latest_change(series: Sequence[SeriesCalendar]) -> datetime:
    """The latest change to any of the series or their meetings (the epoch for none)."""
    changes = [_EPOCH]
    for one in series:
        changes.extend(c for c in (one.created, one.changed, one.cancelled_at) if c is not None)
        changes.extend(one.occurrence_changed.values())
    return max(changes).astimezone(UTC)


def rrule_of(rule: SeriesRule, until: datetime | None) -> vRecur:
    """The series' RRULE: monthly every ``interval_months``, on the n-th weekday or the same
    day (the month's last day when it is shorter), UNTIL in UTC."""
    parts: dict[str, object] = {"freq": "MONTHLY", "interval": rule.interval_months}
    if rule.nth_weekday is not None:
        day_of_week, n = rule.nth_weekday
        parts["byday"] = f"{n}{_ICAL_DAYS[day_of_week]}"
    elif rule.first_date.day <= 28:
        parts["bymonthday"] = rule.first_date.day
    else:
        parts["bymonthday"] = list(range(28, rule.first_date.day + 1))
        parts["bysetpos"] = -1
    if until is not None:
        parts["until"] = until.astimezone(UTC).replace(microsecond=0)
    return vRecur(parts)


# --------------------------------------------------------------------------------------------


def _calendar(name: str, timezone: str | None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    if timezone:
        cal.add("x-wr-timezone", timezone)
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", _duration_text(REFRESH))
    return cal


def _duration_text(span: timedelta) -> str:
    """RFC 5545 duration text (PT1H): icalendar writes an X- property's timedelta as 1:00:00."""
    hours, rest = divmod(int(span.total_seconds()), 3600)
    return f"PT{hours}H{rest // 60}M" if rest else f"PT{hours}H"


def _widen(
    zones: dict[str, tuple[datetime, datetime]], key: str, start: datetime, end: datetime
) -> None:
    low, high = zones.get(key, (start, end))
    zones[key] = (min(low, start), max(high, end))


def _add_zones(cal: Calendar, zones: dict[str, tuple[datetime, datetime]]) -> None:
    for key in sorted(zones):
        start, end = zones[key]
        cal.add_component(vtimezone(key, start, end))


def _slot_wall(rule: SeriesRule, day: date) -> datetime:
    """The slot's wall time in the series' zone as RFC 5545 writes it (the nominal time, even
    in a gap; the first of two in a fold)."""
    return datetime.combine(day, rule.start_time.replace(tzinfo=None), zone(rule.timezone))


def _until(series: SeriesCalendar) -> datetime | None:
    """The last instant a meeting of the series may start: its end date's last second, or
    its cancellation, whichever is first."""
    ends: list[datetime] = []
    if series.rule.until is not None:
        ends.append(
            datetime.combine(series.rule.until, time(23, 59, 59), zone(series.rule.timezone))
        )
    if series.cancelled:
        ends.append(series.cancelled_at or series.changed or series.created)
    return min(ends).astimezone(UTC) if ends else None


def _last(rule: SeriesRule, stamp: datetime) -> datetime:
    """The end of the span looked at: the series' end date, else ``GAP_SEARCH_YEARS`` after
    its first meeting or its latest change (never the clock: the same data, the same bytes)."""
    year = max(rule.first_date.year, stamp.year) + GAP_SEARCH_YEARS
    end = rule.until or date(year, 12, 31)
    return datetime.combine(end, time(23, 59), zone(rule.timezone))


def _master(series: SeriesCalendar, until: datetime | None, stamp: datetime) -> Event:
    rule = series.rule
    start = _slot_wall(rule, rule.first_date)
    event = Event()
    event.add("uid", _uid(series))
    event.add("dtstamp", stamp)
    event.add("sequence", _series_sequence(series))
    event.add("created", series.created.astimezone(UTC))
    event.add("last-modified", (series.changed or series.created).astimezone(UTC))
    event.add("dtstart", start)
    event.add("dtend", (start.astimezone(UTC) + rule.duration).astimezone(start.tzinfo))
    event.add("rrule", rrule_of(rule, until))
    skipped = [
        _slot_wall(rule, date.fromisoformat(key))
        for key in sorted(series.skipped)
        if occurrence_for(rule, key) is not None
    ]
    if skipped:
        event.add("exdate", skipped)
    _details(event, series.name, series.location, series.link, series.description)
    return event


def _changed_meetings(
    series: SeriesCalendar, until: datetime | None, stamp: datetime
) -> list[Event]:
    """A RECURRENCE-ID VEVENT for each meeting changed on its own, or moved by a gap."""
    rule = series.rule
    keys = (set(series.overrides) | set(series.topics) | _gap_keys(rule, until, stamp)) - set(
        series.skipped
    )
    events: list[Event] = []
    for key in sorted(keys):
        occurrence = occurrence_for(rule, key, overrides=series.overrides)
        if occurrence is None:
            continue
        slot = _slot_wall(rule, date.fromisoformat(key))
        if until is not None and slot.astimezone(UTC) > until:
            continue
        override = occurrence.override
        topic = series.topics.get(key)
        event = Event()
        event.add("uid", _uid(series))
        event.add("dtstamp", stamp)
        event.add("recurrence-id", slot)
        event.add("sequence", series.sequence(key))
        event.add("created", series.created.astimezone(UTC))
        event.add("last-modified", series.last_modified(key).astimezone(UTC))
        event.add("dtstart", written_time(occurrence.start, rule.timezone))
        event.add("dtend", written_time(occurrence.end, rule.timezone))
        _details(
            event,
            f"{series.name}: {topic}" if topic else series.name,
            override.location if override and override.location else series.location,
            override.link if override and override.link else series.link,
            override.agenda if override and override.agenda else series.description,
        )
        events.append(event)
    return events


def _gap_keys(rule: SeriesRule, until: datetime | None, stamp: datetime) -> set[str]:
    """Keys of the meetings whose wall time does not exist (a daylight-saving gap)."""
    tz = zone(rule.timezone)
    recurrence: rrule = rrule_for(rule)
    end = _last(rule, stamp).replace(tzinfo=None)
    found: set[str] = set()
    for slot in recurrence.between(datetime.combine(rule.first_date, time.min), end, inc=True):
        wall = slot.replace(tzinfo=tz)
        if wall.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != slot:
            found.add(slot.date().isoformat())
    if until is not None:
        found = {k for k in found if _slot_wall(rule, date.fromisoformat(k)) <= until}
    return found


def _details(
    event: Event,
    summary: str,
    location: str | None,
    link: str | None,
    agenda: str | None,
) -> None:
    event.add("summary", summary)
    if location or link:
        event.add("location", location or link)
    if link:
        event.add("url", link)
    text = "\n\n".join(p for p in (agenda, f"Join online: {link}" if link else None) if p)
    if text:
        event.add("description", text)
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")


def _uid(series: SeriesCalendar) -> str:
    return f"{series.uid}@{series.uid_domain}"


def _series_sequence(series: SeriesCalendar) -> int:
    changed = series.changed or series.created
    return max(0, int((changed - series.created).total_seconds()))
