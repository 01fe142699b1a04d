"""Meeting series: the recurrence rule, its occurrences, and the checks on what a coordinator types.

Everything here is a pure function of its arguments (no clock, no database). Occurrences are
always computed from the recurrence rule (python-dateutil), never from stored copies.

Time handling, in one place:

- A series is defined in *local wall time* in its IANA time zone: "10:00 in Australia/Sydney".
  Every occurrence is built as that wall time on its date and then converted to UTC, so a 10:00
  meeting stays at 10:00 local whether daylight saving is on (AEDT, 23:00 UTC the day before) or
  off (AEST, 00:00 UTC the same day).
- A wall time that does not exist (the daylight-saving *gap*, e.g. 02:30 on the first Sunday of
  October in Sydney) moves forward to the first valid time (03:00 AEDT). A wall time that happens
  twice (the *fold*, e.g. 02:30 on the first Sunday of April) takes the first, daylight-saving one.
  ``local_datetime`` returns a note saying so, and ``validate_rule`` returns those notes for the
  occurrences of the next few years.
- The end of an occurrence is its start plus the duration in real (elapsed) time.

"Same day of the month" for a first date after the 28th: the meeting is on that day when the month
has it, and otherwise on the last day of the month. A series started on 31 January meets on
30 April, 31 July, 31 October, 31 January...; one started on 30 November meets on 28 (or 29)
February, 30 May, 30 August. In RFC 5545 terms: ``BYMONTHDAY=28,...,day;BYSETPOS=-1``.

Occurrence keys are the ISO local date of the occurrence's *original* slot ("2027-03-10"): they do
not change when one occurrence is moved by an override, so they are safe to use in outbox keys.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping, Set
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import MONTHLY, rrule, weekday

from bot.errors import UserError

MAX_DURATION = timedelta(hours=12)
MIN_INTERVAL_MONTHS = 1
MAX_INTERVAL_MONTHS = 12
#: How far ahead ``validate_rule`` looks for occurrences that fall in a daylight-saving change.
NOTE_HORIZON_YEARS = 10

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ORDINAL_NAMES = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}


@dataclass(frozen=True)
class SeriesRule:
    """How a meeting series repeats, in local wall time in ``timezone``."""

    first_date: date  # local date of the first meeting
    start_time: time  # local wall-clock time (naive)
    duration: timedelta
    timezone: str  # IANA name, e.g. "Australia/Sydney"
    interval_months: int = 3  # 1..12
    # (weekday 0=Monday..6=Sunday, n in 1..4 or -1 for the last): "the second Tuesday" is (1, 2).
    # None: the same day of the month as first_date (see the module docstring for days > 28).
    nth_weekday: tuple[int, int] | None = None
    until: date | None = None  # inclusive: a meeting on this date still happens


@dataclass(frozen=True)
class Override:
    """One occurrence changed. ``None`` fields keep the series' value."""

    start: datetime | None = None  # aware; the new start (any time zone)
    duration: timedelta | None = None
    location: str | None = None
    link: str | None = None
    agenda: str | None = None


@dataclass(frozen=True)
class Occurrence:
    """One meeting of a series."""

    key: str  # ISO local date of the ORIGINAL slot, e.g. "2027-03-10": the stable id
    start: datetime  # aware, UTC
    end: datetime  # aware, UTC
    timezone: str
    overridden: bool = False
    #: The override applied to this occurrence, if any (its location, link, agenda...).
    override: Override | None = None

    @property
    def local_start(self) -> datetime:
        """The start in the series time zone."""
        return self.start.astimezone(ZoneInfo(self.timezone))

    @property
    def local_end(self) -> datetime:
        """The end in the series time zone."""
        return self.end.astimezone(ZoneInfo(self.timezone))

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


# --------------------------------------------------------------------------------------------
# Time zones and local times


def zone(name: str) -> ZoneInfo:
    """The ZoneInfo for an IANA name, or a UserError that says how to write one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise UserError(
            f"'{_clip(str(name))}' is not a time zone I know. Use an IANA time zone name such as "
            "Australia/Sydney, Australia/Brisbane, Australia/Melbourne, Australia/Adelaide, "
            "Australia/Darwin, Australia/Perth or Australia/Hobart."
        ) from None


def _is_gap(wall: datetime, tz: tzinfo) -> bool:
    aware = wall.replace(tzinfo=tz, fold=0)
    return aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != wall


def _is_fold(wall: datetime, tz: tzinfo) -> bool:
    first = wall.replace(tzinfo=tz, fold=0)
    second = wall.replace(tzinfo=tz, fold=1)
    return first.utcoffset() != second.utcoffset() and not _is_gap(wall, tz)


def _first_valid_after_gap(wall: datetime, tz: tzinfo) -> datetime:
    """The first valid aware local time after the gap that ``wall`` falls in."""
    # fold=1 reads the wall time with the offset after the change (an instant before the change);
    # fold=0 with the offset before it (an instant after the change). The change lies between.
    low = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    high = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if low > high:  # a zone whose clocks go back in a "gap" would be odd, but stay safe
        low, high = high, low
    after = high.astimezone(tz).utcoffset()
    # Binary search to the second for the first instant with the new offset.
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(tz).utcoffset() == after:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0).astimezone(tz)


def local_datetime(day: date, at: time, timezone: str) -> tuple[datetime, str | None]:
    """The aware local datetime for ``at`` on ``day`` in ``timezone``, and a note if it moved.

    In a daylight-saving gap (02:30 on the first Sunday of October in Sydney) the time moves
    forward to the first valid time (03:00 AEDT), with a note saying so. In a fold (02:30 on the
    first Sunday of April) the first, daylight-saving one is taken, with a note saying so.
    Otherwise the note is None.
    """
    tz = zone(timezone)
    wall = datetime.combine(day, at.replace(tzinfo=None, fold=0))
    when = _long_date(day)
    if _is_gap(wall, tz):
        moved = _first_valid_after_gap(wall, tz)
        return moved, (
            f"{_clock(at)} on {when} does not exist in {timezone}: the clocks go forward for "
            f"daylight saving then. That meeting will start at {_clock(moved.time())} "
            f"{moved.tzname()} instead."
        )
    if _is_fold(wall, tz):
        first = wall.replace(tzinfo=tz, fold=0)
        second = wall.replace(tzinfo=tz, fold=1)
        return first, (
            f"{_clock(at)} on {when} happens twice in {timezone}: the clocks go back at the end "
            f"of daylight saving. That meeting will start at the first one, {_clock(at)} "
            f"{first.tzname()} (not {_clock(at)} {second.tzname()})."
        )
    return wall.replace(tzinfo=tz), None


# --------------------------------------------------------------------------------------------
# The recurrence rule


def _rrule_kwargs(rule: SeriesRule) -> dict[str, object]:
    """The BY* parts shared by the dateutil rule and the .ics RRULE."""
    if rule.nth_weekday is not None:
        day_of_week, n = rule.nth_weekday
        return {"byweekday": weekday(day_of_week, n)}
    day = rule.first_date.day
    if day <= 28:
        return {"bymonthday": day}
    # The day when the month has it, else the month's last day.
    return {"bymonthday": tuple(range(28, day + 1)), "bysetpos": -1}


def rrule_for(rule: SeriesRule) -> rrule:
    """The recurrence in local wall time (``dtstart`` is naive local), used by ``occurrences``.

    ``until`` is inclusive: the rule's UNTIL is the last second of that local day.
    """
    until = datetime.combine(rule.until, time(23, 59, 59)) if rule.until is not None else None
    kwargs = _rrule_kwargs(rule)
    return rrule(
        MONTHLY,
        dtstart=datetime.combine(rule.first_date, rule.start_time.replace(tzinfo=None)),
        interval=rule.interval_months,
        until=until,
        bymonthday=kwargs.get("bymonthday"),  # type: ignore[arg-type]
        bysetpos=kwargs.get("bysetpos"),  # type: ignore[arg-type]
        byweekday=kwargs.get("byweekday"),  # type: ignore[arg-type]
        cache=False,
    )


def _slot_occurrence(rule: SeriesRule, slot: datetime) -> Occurrence:
    start, _ = local_datetime(slot.date(), rule.start_time, rule.timezone)
    start_utc = start.astimezone(UTC)
    return Occurrence(
        key=slot.date().isoformat(),
        start=start_utc,
        end=start_utc + rule.duration,
        timezone=rule.timezone,
    )


def _apply(occurrence: Occurrence, override: Override, rule: SeriesRule) -> Occurrence:
    start = occurrence.start
    if override.start is not None:
        if override.start.tzinfo is None or override.start.utcoffset() is None:
            raise ValueError("Override.start must be an aware datetime")
        start = override.start.astimezone(UTC)
    duration = override.duration if override.duration is not None else rule.duration
    return Occurrence(
        key=occurrence.key,
        start=start,
        end=start + duration,
        timezone=occurrence.timezone,
        overridden=True,
        override=override,
    )


def slot_on(rule: SeriesRule, day: date) -> datetime | None:
    """The naive local slot of the series on ``day``, or None if the series does not meet then."""
    slot = datetime.combine(day, rule.start_time.replace(tzinfo=None))
    found = rrule_for(rule).between(slot, slot, inc=True)
    return found[0] if found else None


def occurrence_for(
    rule: SeriesRule, key: str, *, overrides: Mapping[str, Override] | None = None
) -> Occurrence | None:
    """The occurrence with this key (override applied), or None if the key is not one of the
    series' slots (or not an ISO date). Skipping is not considered: the caller knows that."""
    try:
        day = date.fromisoformat(key)
    except (TypeError, ValueError):
        return None
    slot = slot_on(rule, day)
    if slot is None:
        return None
    occurrence = _slot_occurrence(rule, slot)
    override = (overrides or {}).get(key)
    return _apply(occurrence, override, rule) if override is not None else occurrence


def occurrences(
    rule: SeriesRule,
    *,
    after: datetime,
    limit: int = 12,
    before: datetime | None = None,
    skipped: Set[str] = frozenset(),
    overrides: Mapping[str, Override] | None = None,
) -> list[Occurrence]:
    """Occurrences whose END is after ``after`` (a meeting in progress is still "next") and, if
    ``before`` is given, whose START is before it; sorted by start, at most ``limit`` of them.

    Skipped keys are left out (even if also overridden); overrides are applied, and a moved
    occurrence is placed by its new start. Override keys that are not slots of the rule are
    ignored.
    """
    _require_aware(after, "after")
    if before is not None:
        _require_aware(before, "before")
    overrides = overrides or {}
    if limit <= 0:
        return []
    tz = zone(rule.timezone)

    def wanted(occurrence: Occurrence) -> bool:
        if occurrence.end <= after:
            return False
        return before is None or occurrence.start < before

    found: list[Occurrence] = []
    # Overridden occurrences can have moved anywhere: take each on its own.
    for key, override in overrides.items():
        if key in skipped:
            continue
        occurrence = occurrence_for(rule, key, overrides={key: override})
        if occurrence is not None and wanted(occurrence):
            found.append(occurrence)

    # Regular slots come in order of start; begin a little before `after` so that a meeting in
    # progress (and any slot moved by a daylight-saving gap) is not missed.
    from_local = after.astimezone(tz).replace(tzinfo=None) - rule.duration - timedelta(days=1)
    regular = 0
    for slot in rrule_for(rule).xafter(from_local, inc=True):
        key = slot.date().isoformat()
        if key in skipped or key in overrides:
            continue
        occurrence = _slot_occurrence(rule, slot)
        if before is not None and occurrence.start >= before:
            break
        if not wanted(occurrence):
            continue
        found.append(occurrence)
        regular += 1
        if regular >= limit:
            break
    found.sort(key=lambda o: (o.start, o.key))
    return found[:limit]


def next_occurrence(
    rule: SeriesRule,
    *,
    now: datetime,
    skipped: Set[str] = frozenset(),
    overrides: Mapping[str, Override] | None = None,
) -> Occurrence | None:
    """The next occurrence (or the one in progress at ``now``), or None if the series is over."""
    found = occurrences(rule, after=now, limit=1, skipped=skipped, overrides=overrides)
    return found[0] if found else None


# --------------------------------------------------------------------------------------------
# Validation


def validate_rule(
    rule: SeriesRule, *, now: datetime, allow_past_first_date: bool = False
) -> list[str]:
    """Check a rule; raise UserError for bad input, return notes (warnings) to show.

    Notes are given for occurrences in the next ``NOTE_HORIZON_YEARS`` years that fall in a
    daylight-saving gap or fold (what will happen then).

    ``allow_past_first_date``: when editing an existing series whose first meeting is already
    behind us, pass True so that only the other checks apply.
    """
    _require_aware(now, "now")
    tz = zone(rule.timezone)
    if rule.start_time.tzinfo is not None:
        raise ValueError("SeriesRule.start_time must be naive local wall time")
    if not isinstance(rule.interval_months, int) or not (
        MIN_INTERVAL_MONTHS <= rule.interval_months <= MAX_INTERVAL_MONTHS
    ):
        raise UserError(
            f"A meeting can repeat every 1 to 12 months, not every {rule.interval_months}. "
            "Choose a number from 1 to 12 (3 is quarterly)."
        )
    if rule.duration <= timedelta(0):
        raise UserError(
            "The meeting must last some time: give a duration longer than zero, "
            "such as 1h30 or 90 minutes."
        )
    if rule.duration > MAX_DURATION:
        raise UserError(
            f"A meeting can last at most 12 hours, not {_span(rule.duration)}. "
            "Check the duration (a two-hour meeting is 2h or 120 minutes)."
        )
    if rule.nth_weekday is not None:
        day_of_week, n = rule.nth_weekday
        if not (0 <= day_of_week <= 6) or n not in ORDINAL_NAMES:
            raise UserError(
                "The repeat day must be the first, second, third, fourth or last of a weekday "
                "in the month, such as 'second Tuesday' or 'last Friday'."
            )
    if rule.until is not None and rule.until < rule.first_date:
        raise UserError(
            f"The series cannot end ({_long_date(rule.until)}) before its first meeting "
            f"({_long_date(rule.first_date)}). Give an end date on or after the first meeting, "
            "or none."
        )
    if rule.nth_weekday is not None:
        day_of_week, n = rule.nth_weekday
        wanted = nth_weekday_of_month(rule.first_date.year, rule.first_date.month, day_of_week, n)
        if wanted != rule.first_date:
            raise UserError(
                f"The first meeting, {_long_date(rule.first_date)}, is not the "
                f"{describe_nth_weekday(rule.nth_weekday)} of "
                f"{rule.first_date:%B}. The {describe_nth_weekday(rule.nth_weekday)} of "
                f"{rule.first_date:%B %Y} is {_long_date(wanted)}: use that date, "
                "or repeat on the same date each time instead."
            )
    if not allow_past_first_date:
        local_now = now.astimezone(tz)
        first_start, _ = local_datetime(rule.first_date, rule.start_time, rule.timezone)
        if rule.first_date < local_now.date():
            raise UserError(
                f"{_long_date(rule.first_date)} is in the past (today is "
                f"{_long_date(local_now.date())} in {rule.timezone}). "
                "Give a first meeting date from today on."
            )
        if first_start <= local_now:
            raise UserError(
                f"{_clock(rule.start_time)} today has already passed in {rule.timezone} "
                f"(it is {_clock(local_now.time())} now). Give a later time or a later date."
            )

    notes: list[str] = []
    horizon = datetime.combine(
        rule.first_date.replace(year=rule.first_date.year + NOTE_HORIZON_YEARS, day=1),
        time(0),
    )
    for slot in rrule_for(rule).between(
        datetime.combine(rule.first_date, time(0)), horizon, inc=True
    ):
        _, note = local_datetime(slot.date(), rule.start_time, rule.timezone)
        if note is not None:
            notes.append(note)
    if len(notes) > 3:
        notes = [*notes[:3], f"...and {len(notes) - 3} more meetings like these."]
    return notes


def nth_weekday_of_month(year: int, month: int, day_of_week: int, n: int) -> date:
    """The n-th (1..4, or -1 for the last) ``day_of_week`` (0=Monday) of a month."""
    days_in_month = calendar.monthrange(year, month)[1]
    matching = [
        d for d in range(1, days_in_month + 1) if date(year, month, d).weekday() == day_of_week
    ]
    return date(year, month, matching[-1] if n == -1 else matching[n - 1])


def describe_nth_weekday(value: tuple[int, int]) -> str:
    """(1, 2) -> "second Tuesday"."""
    day_of_week, n = value
    return f"{ORDINAL_NAMES[n]} {WEEKDAY_NAMES[day_of_week]}"


def describe_rule(rule: SeriesRule) -> str:
    """A plain description: "every 3 months on the second Tuesday, at 10:00 (Australia/Sydney)"."""
    every = "every month" if rule.interval_months == 1 else f"every {rule.interval_months} months"
    if rule.nth_weekday is not None:
        on = f"on the {describe_nth_weekday(rule.nth_weekday)}"
    elif rule.first_date.day > 28:
        on = f"on the {_ordinal(rule.first_date.day)} (or the month's last day)"
    else:
        on = f"on the {_ordinal(rule.first_date.day)}"
    text = (
        f"{every} {on}, at {_clock(rule.start_time)} ({rule.timezone}) for {_span(rule.duration)}"
    )
    if rule.until is not None:
        text += f", until {_long_date(rule.until)}"
    return text


# --------------------------------------------------------------------------------------------
# Parsing what people type

_WEEKDAYS = {
    "mon": 0, "monday": 0,
    "tue": 1, "tues": 1, "tuesday": 1,
    "wed": 2, "weds": 2, "wednesday": 2,
    "thu": 3, "thur": 3, "thurs": 3, "thursday": 3,
    "fri": 4, "friday": 4,
    "sat": 5, "saturday": 5,
    "sun": 6, "sunday": 6,
}  # fmt: skip
_ORDINALS = {
    "1": 1, "1st": 1, "first": 1,
    "2": 2, "2nd": 2, "second": 2,
    "3": 3, "3rd": 3, "third": 3,
    "4": 4, "4th": 4, "fourth": 4,
    "last": -1, "-1": -1,
}  # fmt: skip
_NTH_FORMS = "'second Tuesday', '2nd tue', 'first Monday', 'last Friday'"


def parse_nth_weekday(text: str) -> tuple[int, int]:
    """ "second tuesday", "2nd tue", "the last Friday of the month" -> (weekday, n), (1, 2) etc."""
    words = re.sub(r"[^\w\s-]", " ", str(text).lower()).split()
    words = [w for w in words if w not in {"the", "of", "each", "every", "month", "in", "a"}]
    if len(words) == 2 and words[0] in _ORDINALS and words[1] in _WEEKDAYS:
        return _WEEKDAYS[words[1]], _ORDINALS[words[0]]
    if len(words) == 2 and words[0] in {"5", "5th", "fifth"} and words[1] in _WEEKDAYS:
        raise UserError(
            "Not every month has a fifth weekday: choose first to fourth, or 'last' "
            f"(for example 'last {WEEKDAY_NAMES[_WEEKDAYS[words[1]]]}')."
        )
    raise UserError(
        f"I could not read '{_clip(text)}' as a day of the month. Write which one and the "
        f"weekday, for example {_NTH_FORMS} (first to fourth, or last)."
    )


_MONTHS = {
    name.lower(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
}
_MONTHS["sept"] = 9
_DATE_FORMS = "2027-03-10 (year-month-day), 10/03/2027 (day/month/year) or 10 March 2027"


def parse_date(text: str) -> date:
    """A date from "2027-03-10", "10/03/2027" (day first, as in Australia) or "10 March 2027".

    A date that does not exist (31 February) is a UserError that says so.
    """
    raw = str(text).strip()
    cleaned = raw.lower().replace(",", " ")
    parts: tuple[int, int, int] | None = None
    if match := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", cleaned):
        parts = int(match[1]), int(match[2]), int(match[3])
    elif match := re.fullmatch(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})", cleaned):
        parts = int(match[3]), int(match[2]), int(match[1])
    elif (
        match := re.fullmatch(
            r"(?:[a-z]+\s+)?(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?\s+(\d{4})", cleaned
        )
    ) and match[2] in _MONTHS:
        parts = int(match[3]), _MONTHS[match[2]], int(match[1])
    if parts is None:
        raise UserError(f"I could not read '{_clip(raw)}' as a date. Write it like {_DATE_FORMS}.")
    year, month, day = parts
    if not 1 <= month <= 12:
        raise UserError(
            f"'{_clip(raw)}' has no month {month}: months go from 1 to 12. "
            f"Write the date like {_DATE_FORMS}."
        )
    if not MINYEAR_OK <= year <= MAXYEAR_OK:
        raise UserError(
            f"'{_clip(raw)}': the year {year} is out of range. Give a date from "
            f"{MINYEAR_OK}-01-01 to {MAXYEAR_OK}-12-31."
        )
    days_in_month = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days_in_month:
        raise UserError(
            f"{day} {calendar.month_name[month]} {year} does not exist "
            f"({calendar.month_name[month]} {year} has {days_in_month} days). "
            "Check the date and try again."
        )
    return date(year, month, day)


# The same window as the kernel's date options (bot.commands.DATE_EARLIEST, DATE_LATEST).
MINYEAR_OK = 2000
MAXYEAR_OK = 2100
_TIME_FORMS = "18:30, 6:30pm, 6pm or 10am"


def parse_time(text: str) -> time:
    """A wall-clock time from "18:30", "18.30", "6:30pm", "6:30 PM", "6pm", "noon"."""
    raw = str(text).strip()
    cleaned = raw.lower().replace(" ", "").replace(".", ":")
    cleaned = cleaned.replace("a:m:", "am").replace("p:m:", "pm").replace("a:m", "am")
    cleaned = cleaned.replace("p:m", "pm")
    if cleaned in {"noon", "midday", "12noon"}:
        return time(12, 0)
    if cleaned == "midnight":
        return time(0, 0)
    match = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?(am|pm)?", cleaned)
    if match is None:
        raise UserError(f"I could not read '{_clip(raw)}' as a time. Write it like {_TIME_FORMS}.")
    hour, minute, half = int(match[1]), int(match[2] or 0), match[3]
    if half is None and match[2] is None:
        raise UserError(f"'{_clip(raw)}' could be morning or evening. Write it like {_TIME_FORMS}.")
    if minute > 59:
        raise UserError(f"'{_clip(raw)}' has {minute} minutes; an hour has 0 to 59.")
    if half is not None:
        if not 1 <= hour <= 12:
            raise UserError(
                f"'{_clip(raw)}' mixes a 24-hour time with am/pm. Write it like {_TIME_FORMS}."
            )
        hour = hour % 12 + (12 if half == "pm" else 0)
    elif hour > 23:
        raise UserError(f"'{_clip(raw)}' has hour {hour}; hours go from 0 to 23.")
    return time(hour, minute)


def check_link(text: str) -> str:
    """An http(s) link, stripped; a UserError for anything else (ftp:, javascript:, no scheme)."""
    link = str(text).strip()
    try:
        parts = urlsplit(link)
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme.lower() not in {"http", "https"}
        or not parts.netloc
        or any(c.isspace() for c in link)
    ):
        raise UserError(
            f"'{_clip(link)}' is not a web link. Give the full meeting link starting with "
            "https:// (or http://), such as https://us02web.zoom.us/j/123456789."
        )
    return link


# --------------------------------------------------------------------------------------------
# Small helpers


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")


def _clip(text: str, limit: int = 60) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _long_date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def _clock(at: time) -> str:
    return f"{at.hour:02d}:{at.minute:02d}"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _span(duration: timedelta) -> str:
    minutes = int(duration.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours}h{minutes:02d}"
    if hours:
        return f"{hours} hour" + ("s" if hours != 1 else "")
    return f"{minutes} minutes"
