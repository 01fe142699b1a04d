"""A VTIMEZONE (RFC 5545) for an IANA time zone, made from the same TZif file zoneinfo reads.

Why not ``icalendar.Timezone.from_tzinfo``: it lists every change as an RDATE up to a last date
(so the definition stops), and writes a daylight-saving onset in the new local time. Outlook
needs yearly RRULEs to recognise a zone, and RFC 5545 wants each onset (DTSTART, RDATE) in the
local time *being left*: 02:00 for Sydney's October change (02:00 AEST becomes 03:00 AEDT),
03:00 for April's (03:00 AEDT becomes 02:00 AEST).

So the definition is built from the TZif data (RFC 8536): the zone's recorded changes from the
last one before ``start`` until its current rule takes over, each as a STANDARD or DAYLIGHT
observance; then the current rule (the POSIX TZ string at the end of the file, such as
``AEST-10AEDT,M10.1.0,M4.1.0/3``) as one observance per direction with a yearly RRULE and no
end. A zone without daylight saving (Brisbane, Perth) gets its last change alone. The rare rule
an RRULE cannot say (a change at "24:00" on the last Thursday, or a day of the year) is written
as RDATEs up to ``end``.
"""

from __future__ import annotations

import importlib.resources
import re
import struct
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard, vRecur

_DAYS = ("SU", "MO", "TU", "WE", "TH", "FR", "SA")  # POSIX numbers weekdays from Sunday (0)
_MONTH_MIN_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class LocalTimeType:
    offset: timedelta
    dst: bool
    name: str


@dataclass(frozen=True)
class Transition:
    """A change of local time type at ``at`` (UTC)."""

    at: datetime
    before: LocalTimeType
    after: LocalTimeType

    @property
    def onset(self) -> datetime:
        """When it happens in the local time being left (naive), as RFC 5545 writes it."""
        return (self.at + self.before.offset).replace(tzinfo=None)


@dataclass(frozen=True)
class DateRule:
    """One POSIX date rule: ``Mm.w.d`` (week 5 is the last), ``Jn`` or ``n``, and a local time
    (which may be negative or past 24 hours, as RFC 8536 allows)."""

    kind: str  # "M", "J" or "n"
    month: int
    week: int
    weekday: int  # 0 = Sunday
    day: int  # for J and n
    time: timedelta

    def on(self, year: int) -> datetime:
        """The naive local time of the change in ``year``."""
        if self.kind == "J":  # 1..365, 29 February never counted
            day = date(year, 1, 1) + timedelta(days=self.day - 1)
            if _leap(year) and day >= date(year, 3, 1) - timedelta(days=1):
                day += timedelta(days=1)
        elif self.kind == "n":  # 0..365, 29 February counted
            day = date(year, 1, 1) + timedelta(days=self.day)
        else:
            first = date(year, self.month, 1)
            shift = (self.weekday - (first.weekday() + 1) % 7) % 7
            day = first + timedelta(days=shift + 7 * (self.week - 1))
            while day.month != self.month:  # week 5: the last one
                day -= timedelta(days=7)
        return datetime.combine(day, datetime.min.time()) + self.time

    def rrule(self) -> vRecur | None:
        """The yearly RRULE that gives the days of ``on``, or None when an RRULE cannot."""
        if self.kind != "M":
            return None
        shift = self.time // timedelta(days=1)
        weekday = _DAYS[(self.weekday + shift) % 7]
        parts: dict[str, object] = {"FREQ": "YEARLY", "BYMONTH": self.month}
        if shift == 0:
            parts["BYDAY"] = f"{-1 if self.week == 5 else self.week}{weekday}"
            return vRecur(parts)
        # "the Friday after the fourth Thursday": that weekday on the shifted days of the month.
        if self.week == 5:
            first, last = -7 + shift, -1 + shift
            if last >= 0:
                return None
        else:
            first, last = 7 * (self.week - 1) + 1 + shift, 7 * self.week + shift
            if first < 1 or last > _MONTH_MIN_DAYS[self.month - 1]:
                return None
        parts["BYDAY"] = weekday
        parts["BYMONTHDAY"] = list(range(first, last + 1))
        return vRecur(parts)


@dataclass(frozen=True)
class PosixRule:
    """The rule after the last recorded change: standard time, and daylight saving if any."""

    std: LocalTimeType
    dst: LocalTimeType | None = None
    start: DateRule | None = None  # into daylight saving, in standard local time
    end: DateRule | None = None  # out of it, in daylight-saving local time

    def transitions(self, year: int) -> list[Transition]:
        if self.dst is None or self.start is None or self.end is None:
            return []
        into = Transition(
            (self.start.on(year) - self.std.offset).replace(tzinfo=UTC), self.std, self.dst
        )
        out = Transition(
            (self.end.on(year) - self.dst.offset).replace(tzinfo=UTC), self.dst, self.std
        )
        return sorted((into, out), key=lambda t: t.at)


_NAME = r"<[^>]+>|[A-Za-z]+"
_HMS = r"[+-]?\d{1,3}(?::\d{1,2}(?::\d{1,2})?)?"
_DATE = r"M\d{1,2}\.\d\.\d|J\d{1,3}|\d{1,3}"
_POSIX = re.compile(
    rf"^(?P<std>{_NAME})(?P<stdoff>{_HMS})"
    rf"(?:(?P<dst>{_NAME})(?P<dstoff>{_HMS})?"
    rf",(?P<start>{_DATE})(?:/(?P<starttime>{_HMS}))?"
    rf",(?P<end>{_DATE})(?:/(?P<endtime>{_HMS}))?)?$"
)


def _hms(text: str) -> timedelta:
    sign = -1 if text.startswith("-") else 1
    parts = [int(p) for p in text.lstrip("+-").split(":")] + [0, 0]
    return sign * timedelta(hours=parts[0], minutes=parts[1], seconds=parts[2])


def _date_rule(text: str, at: str | None) -> DateRule:
    time = _hms(at) if at else timedelta(hours=2)
    if text.startswith("M"):
        month, week, weekday = (int(p) for p in text[1:].split("."))
        return DateRule("M", month, week, weekday, 0, time)
    if text.startswith("J"):
        return DateRule("J", 0, 0, 0, int(text[1:]), time)
    return DateRule("n", 0, 0, 0, int(text), time)


def parse_posix(text: str) -> PosixRule | None:
    """The rule of a POSIX TZ string (RFC 8536 section 3.3), or None if it has none we read."""
    match = _POSIX.match(text)
    if match is None:
        return None
    std = LocalTimeType(-_hms(match["stdoff"]), False, match["std"].strip("<>"))
    if match["dst"] is None:
        return PosixRule(std)
    dst_offset = -_hms(match["dstoff"]) if match["dstoff"] else std.offset + timedelta(hours=1)
    return PosixRule(
        std,
        LocalTimeType(dst_offset, True, match["dst"].strip("<>")),
        _date_rule(match["start"], match["starttime"]),
        _date_rule(match["end"], match["endtime"]),
    )


def read_tzif(data: bytes) -> tuple[list[Transition], LocalTimeType, PosixRule | None]:
    """The recorded changes, the type before the first of them, and the footer's rule."""
    if data[:4] != b"TZif":
        raise ValueError("not a TZif file")
    version = data[4:5]
    at, width = 0, 4
    if version >= b"2":
        at = 44 + _block_size(data, 0, 4)
        width = 8
    isut, isstd, leap, count, type_count, chars = struct.unpack(">6l", data[at + 20 : at + 44])
    base = at + 44
    code = "q" if width == 8 else "l"
    times = struct.unpack(f">{count}{code}", data[base : base + count * width])
    base += count * width
    indices = data[base : base + count]
    base += count
    types: list[LocalTimeType] = []
    names = data[base + type_count * 6 : base + type_count * 6 + chars]
    for i in range(type_count):
        offset, dst, name_at = struct.unpack(">lBB", data[base + 6 * i : base + 6 * i + 6])
        name = names[name_at : names.index(b"\0", name_at)].decode("ascii")
        types.append(LocalTimeType(timedelta(seconds=offset), bool(dst), name))
    first = types[0]
    transitions: list[Transition] = []
    before = first
    for when, index in zip(times, indices, strict=True):
        after = types[index]
        if after != before:  # a "fat" file also marks 2038-01-19, where nothing changes
            transitions.append(Transition(_EPOCH + timedelta(seconds=when), before, after))
        before = after
    rule = None
    if version >= b"2":
        end = base + type_count * 6 + chars + leap * (width + 4) + isstd + isut
        rule = parse_posix(data[end:].strip(b"\n").decode("ascii"))
    return transitions, first, rule


def _block_size(data: bytes, at: int, width: int) -> int:
    counts: tuple[int, ...] = struct.unpack(">6l", data[at + 20 : at + 44])
    isut, isstd, leap, count, type_count, chars = counts
    return count * (width + 1) + type_count * 6 + chars + leap * (width + 4) + isstd + isut


def tzif_bytes(key: str) -> bytes:
    """The TZif file zoneinfo uses for ``key``: the first on zoneinfo.TZPATH, else tzdata's."""
    if not key or key.startswith("/") or ".." in key.split("/"):
        raise ValueError(f"not a time zone name: {key!r}")
    for folder in zoneinfo.TZPATH:
        path = Path(folder, key)
        if path.is_file():
            return path.read_bytes()
    package, _, name = f"tzdata.zoneinfo.{key}".replace("/", ".").rpartition(".")
    return importlib.resources.files(package).joinpath(name).read_bytes()


def _same(a: Transition, b: Transition) -> bool:
    return a.at == b.at and a.before == b.before and a.after == b.after


def _rule_between(rule: PosixRule, low: datetime, high: datetime) -> list[Transition]:
    """The rule's changes with low <= at <= high."""
    return [
        t
        for year in range(low.year - 1, high.year + 2)
        for t in rule.transitions(year)
        if low <= t.at <= high
    ]


def _takeover(transitions: list[Transition], rule: PosixRule) -> int:
    """The first recorded change from which the recorded ones are exactly what the rule gives
    (a "fat" TZif file records the rule's changes up to 2037); len() if none are."""
    k = len(transitions)
    while k > 0:
        candidate = transitions[k - 1]
        high = transitions[k].at - timedelta(seconds=1) if k < len(transitions) else candidate.at
        predicted = _rule_between(rule, candidate.at, high)
        if len(predicted) != 1 or not _same(predicted[0], candidate):
            break
        k -= 1
    return k


def _observance(change: Transition) -> TimezoneStandard | TimezoneDaylight:
    part = TimezoneDaylight() if change.after.dst else TimezoneStandard()
    part.add("dtstart", change.onset)
    part.add("tzoffsetfrom", change.before.offset)
    part.add("tzoffsetto", change.after.offset)
    part.add("tzname", change.after.name)
    return part


def changes_and_rule(
    key: str, start: datetime
) -> tuple[list[Transition], PosixRule | None, datetime]:
    """The recorded changes the definition lists (from the last one at or before ``start``),
    the rule that follows them, and from when the rule holds."""
    transitions, first, rule = read_tzif(tzif_bytes(key))
    k = _takeover(transitions, rule) if rule is not None else len(transitions)
    before_start = [i for i, t in enumerate(transitions) if t.at <= start]
    p = before_start[-1] if before_start else 0
    listed = transitions[p:k]
    if not listed and (rule is None or rule.dst is None):
        # No daylight saving now: the last change says which offset holds.
        listed = transitions[p : p + 1] or [
            Transition(_EPOCH, rule.std if rule else first, rule.std if rule else first)
        ]
    if k < len(transitions):
        rule_from = transitions[k].at
    elif transitions:
        rule_from = transitions[-1].at + timedelta(seconds=1)
    else:
        rule_from = _EPOCH
    if rule is not None and rule.dst is not None and rule_from < start:
        # Begin the rule at its last change at or before ``start``.
        earlier = _rule_between(rule, rule_from, start)
        rule_from = earlier[-1].at if earlier else rule_from
    return listed, rule, rule_from


@lru_cache(maxsize=64)
def _vtimezone_text(key: str, start: datetime, end: datetime) -> bytes:
    listed, rule, rule_from = changes_and_rule(key, start)
    tz = Timezone()
    tz.add("tzid", key)
    groups: dict[tuple[bool, timedelta, timedelta, str], list[Transition]] = {}
    for change in listed:
        groups.setdefault(
            (change.after.dst, change.before.offset, change.after.offset, change.after.name), []
        ).append(change)
    for changes in groups.values():
        part = _observance(changes[0])
        if changes[1:]:
            part.add("rdate", [c.onset for c in changes[1:]])
        tz.add_component(part)
    if rule is not None and rule.dst is not None and rule.start and rule.end:
        coming = _rule_between(rule, rule_from, max(end, rule_from) + timedelta(days=800))
        for date_rule, into_dst in ((rule.start, True), (rule.end, False)):
            changes = [c for c in coming if c.after.dst == into_dst]
            if not changes:
                continue
            part = _observance(changes[0])
            recur = date_rule.rrule()
            if recur is not None:
                part.add("rrule", recur)
            else:
                later = [c.onset for c in changes[1:] if c.at <= end]
                if later:
                    part.add("rdate", later)
            tz.add_component(part)
    data: bytes = tz.to_ical()
    return data


def vtimezone(key: str, start: datetime, end: datetime) -> Timezone:
    """The VTIMEZONE for events from ``start`` on (UTC instants). ``end`` only bounds the rare
    rule that has to be written out as RDATEs; an RRULE rule never ends."""
    start = start.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    end = datetime(end.astimezone(UTC).year + 1, 12, 31, tzinfo=UTC)
    # A fresh copy each time: components are mutable and the text is cached.
    return Timezone.from_ical(_vtimezone_text(key, start, end))  # type: ignore[return-value]


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
