"""When a person's check-ins are due: local times in their zone, turned into UTC instants.

Slots come from a python-dateutil rrule over naive local times, so "Monday 9:00" stays 9:00
across daylight saving changes. The one rule for a local time that a change makes odd, applied
the same way every time:

- a time that does not exist (in the hour clocks skip, e.g. 2:30 on the first Sunday of
  October in Sydney) is moved forward by the length of the gap (3:30 daylight time);
- a time that happens twice (when clocks go back, e.g. 2:30 on the first Sunday of April) is
  the first of the two (still daylight time).

Both follow from reading the local time with ``fold=0``. ``/checkin start`` refuses a first
check-in at a time that does not exist, since the person would not get what they asked for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from dateutil.rrule import MONTHLY, WEEKLY, rrule, weekday

from bot.errors import UserError

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class Frequency(StrEnum):
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY = "monthly"

    @property
    def label(self) -> str:
        return {
            Frequency.WEEKLY: "Every week",
            Frequency.FORTNIGHTLY: "Every two weeks",
            Frequency.MONTHLY: "Once a month (the first of that weekday)",
        }[self]


class Day(StrEnum):
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def number(self) -> int:
        return WEEKDAYS.index(self.value)


@dataclass(frozen=True)
class Timing:
    """What the person chose: how often, which weekday, what local time, which zone."""

    frequency: Frequency
    weekday: int  # Monday 0 .. Sunday 6
    local_time: dt.time
    timezone: str
    starts_on: dt.date  # local date of the first check-in

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def rule(self) -> rrule:
        start = dt.datetime.combine(self.starts_on, self.local_time)
        day = weekday(self.weekday)
        if self.frequency is Frequency.MONTHLY:
            return rrule(MONTHLY, dtstart=start, byweekday=day(+1))
        interval = 2 if self.frequency is Frequency.FORTNIGHTLY else 1
        return rrule(WEEKLY, dtstart=start, interval=interval, byweekday=day)

    def slots(self, after: dt.datetime, before: dt.datetime) -> list[dt.datetime]:
        """UTC instants of the check-ins strictly after ``after`` and up to ``before``."""
        zone = self.zone
        # A day of margin each side in local time; the exact cut is made on the instants.
        lo = after.astimezone(zone).replace(tzinfo=None) - dt.timedelta(days=1)
        hi = before.astimezone(zone).replace(tzinfo=None) + dt.timedelta(days=1)
        found = [to_instant(local, zone) for local in self.rule().between(lo, hi, inc=True)]
        return [s for s in found if after < s <= before]

    def next_after(self, after: dt.datetime) -> dt.datetime | None:
        """The first check-in strictly after ``after`` (within about two months)."""
        later = self.slots(after, after + dt.timedelta(days=70))
        return later[0] if later else None

    def is_slot(self, instant: dt.datetime) -> bool:
        return instant in self.slots(instant - dt.timedelta(seconds=1), instant)


def to_instant(local: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """A naive local time in ``zone`` as a UTC instant, by the rule in the module docstring."""
    return local.replace(tzinfo=zone, fold=0).astimezone(dt.UTC)


def exists(local: dt.datetime, zone: ZoneInfo) -> bool:
    """False for a local time in the hour that clocks skip."""
    back = to_instant(local, zone).astimezone(zone).replace(tzinfo=None)
    return back == local


def end_of_local_day(instant: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The instant the local day of ``instant`` ends (the next local midnight)."""
    local = instant.astimezone(zone)
    midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(0))
    return to_instant(midnight, zone)


def start_of_local_day(instant: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The instant the local day of ``instant`` began (its local midnight)."""
    local = instant.astimezone(zone)
    return to_instant(dt.datetime.combine(local.date(), dt.time(0)), zone)


def same_time_next_day(instant: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The same local clock time one day later (not always 24 hours later)."""
    local = instant.astimezone(zone).replace(tzinfo=None) + dt.timedelta(days=1)
    return to_instant(local, zone)


def first_date(
    after: dt.datetime, weekday_index: int, at: dt.time, frequency: Frequency
) -> dt.date:
    """The date of the first check-in after the local time ``after`` (naive): the next such
    weekday, or for monthly the first such weekday of a month."""
    day = after.date()
    while True:
        if frequency is Frequency.MONTHLY:
            month = day.replace(day=1)
            candidate = month + dt.timedelta(days=(weekday_index - month.weekday()) % 7)
            if candidate < day:
                month = (month + dt.timedelta(days=32)).replace(day=1)
                candidate = month + dt.timedelta(days=(weekday_index - month.weekday()) % 7)
        else:
            candidate = day + dt.timedelta(days=(weekday_index - day.weekday()) % 7)
        if dt.datetime.combine(candidate, at) > after:
            return candidate
        day = candidate + dt.timedelta(days=1)


def check_first_slot(timing: Timing) -> dt.datetime:
    """The first check-in's instant; refuses a local time that does not exist on that day."""
    first_local = dt.datetime.combine(timing.starts_on, timing.local_time)
    zone = timing.zone
    if not exists(first_local, zone):
        raise UserError(
            f"{timing.local_time:%H:%M} on {describe_date(timing.starts_on)} does not exist in "
            f"{timing.timezone}: the clocks go forward an hour that night. Choose another time "
            "(for example 09:00) or another start date. Nothing was changed."
        )
    return to_instant(first_local, zone)


def describe_date(day: dt.date) -> str:
    return f"{WEEKDAYS[day.weekday()].capitalize()} {day.day} {day:%B %Y}"


def describe_instant(instant: dt.datetime, zone: ZoneInfo) -> str:
    """``Monday 4 January 2027 at 09:00 AEDT``."""
    local = instant.astimezone(zone)
    return f"{describe_date(local.date())} at {local:%H:%M} {local.tzname()}"
