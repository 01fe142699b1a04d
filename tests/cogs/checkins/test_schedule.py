"""Slots in the person's zone, across the NSW daylight saving changes: the first Sunday of
October at 2am (clocks go forward) and the first Sunday of April at 3am (clocks go back)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.errors import UserError
from cogs.checkins.schedule import (
    Frequency,
    Timing,
    check_first_slot,
    end_of_local_day,
    exists,
    first_date,
    same_time_next_day,
)

SYDNEY = ZoneInfo("Australia/Sydney")
SUNDAY = 6
UTC = dt.UTC


def weekly(at: dt.time, starts_on: dt.date, frequency: Frequency = Frequency.WEEKLY) -> Timing:
    return Timing(frequency, SUNDAY, at, "Australia/Sydney", starts_on)


def local(instant: dt.datetime) -> str:
    return instant.astimezone(SYDNEY).strftime("%Y-%m-%d %H:%M %Z")


def test_nine_am_stays_nine_am_local_across_both_changes() -> None:
    timing = weekly(dt.time(9), dt.date(2027, 3, 28))
    april = timing.slots(dt.datetime(2027, 3, 27, tzinfo=UTC), dt.datetime(2027, 4, 12, tzinfo=UTC))
    assert [local(s) for s in april] == [
        "2027-03-28 09:00 AEDT",
        "2027-04-04 09:00 AEST",
        "2027-04-11 09:00 AEST",
    ]
    assert april[0].hour == 22 and april[1].hour == 23  # UTC moves an hour, local does not
    october = timing.slots(
        dt.datetime(2027, 9, 25, tzinfo=UTC), dt.datetime(2027, 10, 11, tzinfo=UTC)
    )
    assert [local(s) for s in october] == [
        "2027-09-26 09:00 AEST",
        "2027-10-03 09:00 AEDT",
        "2027-10-10 09:00 AEDT",
    ]


def test_a_slot_in_the_skipped_hour_moves_forward_by_the_gap() -> None:
    # 2:30 on Sunday 3 October 2027 does not exist in Sydney: it is sent at 3:30 AEDT.
    timing = weekly(dt.time(2, 30), dt.date(2027, 9, 26))
    slots = timing.slots(
        dt.datetime(2027, 9, 25, tzinfo=UTC), dt.datetime(2027, 10, 11, tzinfo=UTC)
    )
    assert [local(s) for s in slots] == [
        "2027-09-26 02:30 AEST",
        "2027-10-03 03:30 AEDT",
        "2027-10-10 02:30 AEDT",
    ]
    assert slots[1] == dt.datetime(2027, 10, 2, 16, 30, tzinfo=UTC)
    assert not exists(dt.datetime(2027, 10, 3, 2, 30), SYDNEY)
    assert timing.is_slot(slots[1])  # the moved slot is still recognised as this check-in


def test_a_slot_in_the_repeated_hour_is_the_first_of_the_two() -> None:
    # 2:30 on Sunday 4 April 2027 happens twice in Sydney: the first, still daylight time.
    timing = weekly(dt.time(2, 30), dt.date(2027, 3, 28))
    slots = timing.slots(dt.datetime(2027, 4, 2, tzinfo=UTC), dt.datetime(2027, 4, 6, tzinfo=UTC))
    assert len(slots) == 1
    assert slots[0] == dt.datetime(2027, 4, 3, 15, 30, tzinfo=UTC)
    assert local(slots[0]) == "2027-04-04 02:30 AEDT"


def test_a_first_check_in_at_a_time_that_does_not_exist_is_refused() -> None:
    with pytest.raises(UserError, match="does not exist in Australia/Sydney"):
        check_first_slot(weekly(dt.time(2, 30), dt.date(2027, 10, 3)))
    fine = check_first_slot(weekly(dt.time(3, 0), dt.date(2027, 10, 3)))
    assert local(fine) == "2027-10-03 03:00 AEDT"


def test_fortnightly_and_monthly() -> None:
    fortnight = weekly(dt.time(9), dt.date(2027, 1, 10), Frequency.FORTNIGHTLY)
    slots = fortnight.slots(
        dt.datetime(2027, 1, 1, tzinfo=UTC), dt.datetime(2027, 2, 10, tzinfo=UTC)
    )
    assert [s.astimezone(SYDNEY).date().isoformat() for s in slots] == [
        "2027-01-10",
        "2027-01-24",
        "2027-02-07",
    ]
    monthly = Timing(Frequency.MONTHLY, 0, dt.time(9), "Australia/Sydney", dt.date(2027, 2, 1))
    slots = monthly.slots(dt.datetime(2027, 1, 20, tzinfo=UTC), dt.datetime(2027, 5, 1, tzinfo=UTC))
    assert [s.astimezone(SYDNEY).date().isoformat() for s in slots] == [
        "2027-02-01",
        "2027-03-01",
        "2027-04-05",
    ]


def test_first_date_is_the_next_such_weekday_or_a_week_later_when_the_time_has_passed() -> None:
    monday_8am = dt.datetime(2027, 1, 4, 8, 0)
    assert first_date(monday_8am, 0, dt.time(9), Frequency.WEEKLY) == dt.date(2027, 1, 4)
    assert first_date(monday_8am, 0, dt.time(7), Frequency.WEEKLY) == dt.date(2027, 1, 11)
    assert first_date(monday_8am, 6, dt.time(7), Frequency.WEEKLY) == dt.date(2027, 1, 10)
    # Monthly: the first Monday of January 2027 is the 4th; at 7:00 it has passed.
    assert first_date(monday_8am, 0, dt.time(7), Frequency.MONTHLY) == dt.date(2027, 2, 1)


def test_days_and_next_day_follow_local_time() -> None:
    slot = dt.datetime(2027, 10, 2, 22, 0, tzinfo=UTC)  # Sunday 3 October 09:00 AEDT
    assert local(same_time_next_day(slot, SYDNEY)) == "2027-10-04 09:00 AEDT"
    assert local(end_of_local_day(slot, SYDNEY)) == "2027-10-04 00:00 AEDT"
    # The day clocks go forward is 23 hours long.
    start = dt.datetime(2027, 10, 2, 14, 0, tzinfo=UTC)  # midnight AEST
    assert end_of_local_day(start, SYDNEY) - start == dt.timedelta(hours=23)
