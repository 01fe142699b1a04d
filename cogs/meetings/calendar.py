"""Calendar files (.ics, RFC 5545) for a meeting series or a single occurrence.

The series file has one VEVENT with DTSTART/DTEND in the series time zone (TZID, with its
VTIMEZONE), the RRULE, an EXDATE for each skipped occurrence and a separate VEVENT with the same
UID and a RECURRENCE-ID for each changed one. Calendar programs that import it again update the
events in place, because UIDs are stable:

- series: ``meeting-<uid or hash>@<uid_domain>``;
- single occurrence: ``meeting-<uid or hash>-<key>@<uid_domain>`` (its own UID, so that it can be
  imported on its own without the series).

EXDATE and RECURRENCE-ID values are the *original* local wall time of the slot (what the RRULE
generates), so calendar programs match them. A slot whose time falls in a daylight-saving gap is
written as a RECURRENCE-ID event too, so calendar programs show the same start as the bot (the
first valid time after the gap) instead of their own guess.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Set
from datetime import UTC, date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vRecur

from cogs.meetings.schedule import (
    Occurrence,
    Override,
    SeriesRule,
    local_datetime,
    occurrence_for,
    rrule_for,
    zone,
)

PRODID = "-//peerbot//meetings//EN"
#: How many years ahead gap slots are written out and the VTIMEZONE covers, for open series.
HORIZON_YEARS = 15


@lru_cache(maxsize=64)
def _vtimezone(timezone: str, first_year: int, last_year: int) -> Timezone:
    return Timezone.from_tzinfo(
        ZoneInfo(timezone),
        tzid=timezone,
        first_date=date(first_year, 1, 1),
        last_date=date(last_year, 12, 31),
    )


def _calendar(name: str, timezone: str, first_year: int, last_year: int) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", timezone)
    # A copy: components are mutable and the cached one is shared.
    cal.add_component(Timezone.from_ical(_vtimezone(timezone, first_year, last_year).to_ical()))
    return cal


def _base_uid(name: str, rule_or_key: str, uid: str | None) -> str:
    if uid is not None:
        return f"meeting-{uid}"
    digest = hashlib.sha256(f"{name}\x00{rule_or_key}".encode()).hexdigest()[:16]
    return f"meeting-{digest}"


def _series_seed(rule: SeriesRule) -> str:
    return f"{rule.timezone}\x00{rule.first_date.isoformat()}"


def _describe(description: str | None, link: str | None) -> str | None:
    parts = [p for p in (description, f"Join online: {link}" if link else None) if p]
    return "\n\n".join(parts) if parts else None


def _fill(
    event: Event,
    *,
    name: str,
    start: datetime,
    end: datetime,
    location: str | None,
    link: str | None,
    description: str | None,
    stamp: datetime,
) -> None:
    event.add("summary", name)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", start)
    event.add("dtend", end)
    place = location or link
    if place:
        event.add("location", place)
    if link:
        event.add("url", link)
    text = _describe(description, link)
    if text:
        event.add("description", text)


def rrule_parts(rule: SeriesRule) -> dict[str, object]:
    """The RRULE (RFC 5545) for the series; UNTIL in UTC as the standard asks with a TZID."""
    parts: dict[str, object] = {"FREQ": "MONTHLY", "INTERVAL": rule.interval_months}
    if rule.nth_weekday is not None:
        day_of_week, n = rule.nth_weekday
        parts["BYDAY"] = f"{n}{('MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU')[day_of_week]}"
    elif rule.first_date.day <= 28:
        parts["BYMONTHDAY"] = rule.first_date.day
    else:
        parts["BYMONTHDAY"] = list(range(28, rule.first_date.day + 1))
        parts["BYSETPOS"] = -1
    if rule.until is not None:
        last_second, _ = local_datetime(rule.until, time(23, 59, 59), rule.timezone)
        parts["UNTIL"] = last_second.astimezone(UTC)
    return parts


def _slot_wall(day: date, rule: SeriesRule) -> datetime:
    """The slot as the RRULE generates it: the plain wall time with the series zone."""
    return datetime.combine(day, rule.start_time.replace(tzinfo=None), tzinfo=zone(rule.timezone))


def series_ics(
    name: str,
    rule: SeriesRule,
    *,
    skipped: Set[str] = frozenset(),
    overrides: Mapping[str, Override] | None = None,
    location: str | None = None,
    link: str | None = None,
    description: str | None = None,
    uid_domain: str = "peerbot",
    uid: str | None = None,
    stamp: datetime | None = None,
) -> bytes:
    """The whole series as an .ics file.

    ``uid``: a stable id for the series (the database id, say); without it one is derived from
    the name, the first date and the time zone. ``stamp``: DTSTAMP (default: now). Skipped keys
    win over overrides of the same key; keys that are not slots of the rule are ignored.
    """
    overrides = overrides or {}
    stamp = stamp or datetime.now(UTC)
    tz = zone(rule.timezone)
    last_year = rule.until.year if rule.until is not None else rule.first_date.year + HORIZON_YEARS
    cal = _calendar(name, rule.timezone, rule.first_date.year - 1, last_year + 1)
    full_uid = f"{_base_uid(name, _series_seed(rule), uid)}@{uid_domain}"

    first_start = _slot_wall(rule.first_date, rule)
    master = Event()
    master.add("uid", full_uid)
    _fill(
        master,
        name=name,
        start=first_start,
        end=(first_start.astimezone(UTC) + rule.duration).astimezone(tz),
        location=location,
        link=link,
        description=description,
        stamp=stamp,
    )
    master.add("rrule", vRecur(rrule_parts(rule)))

    slot_days = {
        slot.date()
        for slot in rrule_for(rule).between(
            datetime.combine(rule.first_date, time(0)),
            datetime.combine(date(last_year, 12, 31), time(23, 59)),
            inc=True,
        )
    }
    exdates = sorted(
        _slot_wall(day, rule)
        for day in (_key_day(key) for key in skipped)
        if day is not None and _is_slot(rule, day, slot_days)
    )
    if exdates:
        master.add("exdate", exdates)
    cal.add_component(master)

    # Occurrences with their own VEVENT: overridden ones, and those moved by a gap.
    own: dict[str, Override] = {}
    for day in sorted(slot_days):
        _, note = local_datetime(day, rule.start_time, rule.timezone)
        if note is not None and day.isoformat() not in skipped and _gap_moved(day, rule):
            own[day.isoformat()] = Override()
    own.update({k: v for k, v in overrides.items() if k not in skipped})
    for key in sorted(own):
        occurrence = occurrence_for(rule, key, overrides={key: own[key]})
        if occurrence is None:
            continue
        override = own[key]
        event = Event()
        event.add("uid", full_uid)
        event.add("recurrence-id", _slot_wall(date.fromisoformat(key), rule))
        _fill(
            event,
            name=name,
            start=occurrence.start.astimezone(tz),
            end=occurrence.end.astimezone(tz),
            location=override.location if override.location is not None else location,
            link=override.link if override.link is not None else link,
            description=override.agenda if override.agenda is not None else description,
            stamp=stamp,
        )
        cal.add_component(event)
    data: bytes = cal.to_ical()
    return data


def occurrence_ics(
    name: str,
    occurrence: Occurrence,
    *,
    location: str | None = None,
    link: str | None = None,
    description: str | None = None,
    uid_domain: str = "peerbot",
    uid: str | None = None,
    stamp: datetime | None = None,
) -> bytes:
    """One occurrence as an .ics file, in the series time zone.

    The occurrence's override (if any) wins over ``location``, ``link`` and ``description``.
    Pass the same ``uid`` as for ``series_ics``; the event's UID adds the occurrence key.
    """
    stamp = stamp or datetime.now(UTC)
    tz = zone(occurrence.timezone)
    start = occurrence.start.astimezone(tz)
    end = occurrence.end.astimezone(tz)
    cal = _calendar(name, occurrence.timezone, start.year - 1, end.year + 1)
    override = occurrence.override or Override()
    seed = f"{occurrence.timezone}\x00{occurrence.key}"
    event = Event()
    event.add("uid", f"{_base_uid(name, seed, uid)}-{occurrence.key}@{uid_domain}")
    _fill(
        event,
        name=name,
        start=start,
        end=end,
        location=override.location if override.location is not None else location,
        link=override.link if override.link is not None else link,
        description=override.agenda if override.agenda is not None else description,
        stamp=stamp,
    )
    cal.add_component(event)
    data: bytes = cal.to_ical()
    return data


def _key_day(key: str) -> date | None:
    try:
        return date.fromisoformat(key)
    except (TypeError, ValueError):
        return None


def _is_slot(rule: SeriesRule, day: date, known: Set[date]) -> bool:
    return day in known or occurrence_for(rule, day.isoformat()) is not None


def _gap_moved(day: date, rule: SeriesRule) -> bool:
    """Whether the slot on ``day`` falls in a daylight-saving gap (the bot moves it)."""
    start, _ = local_datetime(day, rule.start_time, rule.timezone)
    return start.replace(tzinfo=None) != datetime.combine(day, rule.start_time)
