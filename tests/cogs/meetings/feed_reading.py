"""Reading a subscription feed back as a calendar does: expand each series' RRULE in its
time zone (RFC 5545: a wall time in a gap takes the offset before it), drop its EXDATEs and put
in the RECURRENCE-ID events, so tests can compare the result with peerbot's own meetings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from icalendar import Calendar, Component


@dataclass(frozen=True)
class Instance:
    uid: str
    start: datetime  # UTC
    end: datetime  # UTC
    summary: str
    location: str | None


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _wall(value: datetime) -> datetime:
    """The local wall time (naive) a value was written in."""
    return value.replace(tzinfo=None)


def expand(data: bytes, *, until: datetime) -> list[Instance]:
    cal: Any = Calendar.from_ical(data)
    events: list[Any] = cal.walk("VEVENT")
    masters = [e for e in events if "RRULE" in e]
    changed = {
        (str(e["UID"]), _wall(e.decoded("RECURRENCE-ID"))): e
        for e in events
        if "RECURRENCE-ID" in e
    }
    found: list[Instance] = []
    for master in masters:
        uid = str(master["UID"])
        start: datetime = master.decoded("DTSTART")
        tz = start.tzinfo
        assert isinstance(tz, ZoneInfo)
        duration = _utc(master.decoded("DTEND")) - _utc(start)
        excluded = {_wall(d.dt) for prop in _as_list(master.get("EXDATE")) for d in prop.dts}
        # Aware DTSTART: dateutil steps in wall time and compares UNTIL (UTC) as instants.
        rule = rrulestr(master["RRULE"].to_ical().decode(), dtstart=start)
        for aware in rule.between(start - timedelta(seconds=1), until, inc=True):
            slot = _wall(aware)
            if slot in excluded:
                continue
            event: Component | None = changed.get((uid, slot))
            if event is not None:
                found.append(_instance(uid, event))
                continue
            begin = slot.replace(tzinfo=tz).astimezone(UTC)
            found.append(
                Instance(uid, begin, begin + duration, str(master["SUMMARY"]), _loc(master))
            )
    found.sort(key=lambda i: (i.start, i.uid))
    return found


def _instance(uid: str, event: Component) -> Instance:
    return Instance(
        uid,
        _utc(event.decoded("DTSTART")),
        _utc(event.decoded("DTEND")),
        str(event["SUMMARY"]),
        _loc(event),
    )


def _loc(event: Component) -> str | None:
    return str(event["LOCATION"]) if "LOCATION" in event else None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]
