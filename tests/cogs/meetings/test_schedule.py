"""Meeting series: occurrences across daylight saving, nth weekdays, skips, overrides, input."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import UserError
from cogs.meetings.schedule import (
    Occurrence,
    Override,
    SeriesRule,
    check_link,
    describe_rule,
    local_datetime,
    next_occurrence,
    occurrence_for,
    occurrences,
    parse_date,
    parse_nth_weekday,
    parse_time,
    rrule_for,
    validate_rule,
)

SYDNEY = "Australia/Sydney"
BRISBANE = "Australia/Brisbane"
NOW = datetime(2027, 1, 15, 9, 0, tzinfo=UTC)


def quarterly(**changes: object) -> SeriesRule:
    base: dict[str, object] = {
        "first_date": date(2027, 2, 10),
        "start_time": time(10, 0),
        "duration": timedelta(hours=2),
        "timezone": SYDNEY,
    }
    base.update(changes)
    return SeriesRule(**base)  # type: ignore[arg-type]


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- quarterly across daylight saving ---------------------------------------------------------


def test_quarterly_sydney_stays_at_ten_local_across_both_changes() -> None:
    found = occurrences(quarterly(), after=NOW, limit=5)
    assert [o.key for o in found] == [
        "2027-02-10",
        "2027-05-10",
        "2027-08-10",
        "2027-11-10",
        "2028-02-10",
    ]
    assert all(o.local_start.time() == time(10, 0) for o in found)
    assert all(o.local_start.date().isoformat() == o.key for o in found)
    # AEDT (UTC+11): 23:00 UTC the day before; AEST (UTC+10): 00:00 UTC the same day.
    assert [o.start for o in found] == [
        utc(2027, 2, 9, 23),  # summer, daylight saving
        utc(2027, 5, 10, 0),  # after the April change
        utc(2027, 8, 10, 0),
        utc(2027, 11, 9, 23),  # after the October change
        utc(2028, 2, 9, 23),
    ]
    assert [o.local_start.tzname() for o in found] == ["AEDT", "AEST", "AEST", "AEDT", "AEDT"]
    assert all(o.end - o.start == timedelta(hours=2) for o in found)
    assert all(o.start.tzinfo is UTC and o.timezone == SYDNEY for o in found)


def test_meeting_on_the_day_of_each_change_keeps_its_local_time() -> None:
    # First Sunday of April 2027 is the 4th; of October 2027 the 3rd.
    april = quarterly(first_date=date(2027, 4, 4), interval_months=6)
    found = occurrences(april, after=NOW, limit=2)
    assert [o.local_start.replace(tzinfo=None) for o in found] == [
        datetime(2027, 4, 4, 10),
        datetime(2027, 10, 4, 10),
    ]
    assert found[0].start == utc(2027, 4, 4, 0)  # AEST already (change at 03:00)
    october = quarterly(first_date=date(2027, 10, 3), interval_months=12)
    (first,) = occurrences(october, after=NOW, limit=1)
    assert first.start == utc(2027, 10, 2, 23)  # AEDT already (change at 02:00)


def test_brisbane_has_no_daylight_saving() -> None:
    found = occurrences(quarterly(timezone=BRISBANE), after=NOW, limit=4)
    assert [o.start.time() for o in found] == [time(0, 0)] * 4
    assert [o.start.date() for o in found] == [
        date(2027, 2, 10),
        date(2027, 5, 10),
        date(2027, 8, 10),
        date(2027, 11, 10),
    ]
    assert {o.local_start.tzname() for o in found} == {"AEST"}


def test_rrule_is_naive_local_wall_time() -> None:
    rule = rrule_for(quarterly(until=date(2027, 8, 10)))
    assert list(rule) == [
        datetime(2027, 2, 10, 10),
        datetime(2027, 5, 10, 10),
        datetime(2027, 8, 10, 10),  # `until` is inclusive
    ]


# --- nth weekday and the end of the month -------------------------------------------------------


def test_second_tuesday_rule() -> None:
    rule = quarterly(first_date=date(2027, 2, 9), nth_weekday=(1, 2))
    assert validate_rule(rule, now=NOW) == []
    found = occurrences(rule, after=NOW, limit=4)
    assert [o.key for o in found] == ["2027-02-09", "2027-05-11", "2027-08-10", "2027-11-09"]
    assert all(o.local_start.weekday() == 1 for o in found)
    assert all(8 <= o.local_start.day <= 14 for o in found)
    assert "second Tuesday" in describe_rule(rule)


def test_last_friday_rule() -> None:
    rule = quarterly(first_date=date(2027, 1, 29), nth_weekday=(4, -1), interval_months=1)
    found = occurrences(rule, after=NOW, limit=3)
    assert [o.key for o in found] == ["2027-01-29", "2027-02-26", "2027-03-26"]


def test_first_date_must_match_the_nth_weekday() -> None:
    rule = quarterly(first_date=date(2027, 2, 10), nth_weekday=(1, 2))
    with pytest.raises(UserError, match=r"not the second Tuesday.*9 February 2027"):
        validate_rule(rule, now=NOW)


def test_the_31st_becomes_the_last_day_of_shorter_months() -> None:
    rule = quarterly(first_date=date(2027, 1, 31), interval_months=1)
    found = occurrences(rule, after=NOW, limit=5)
    assert [o.key for o in found] == [
        "2027-01-31",
        "2027-02-28",
        "2027-03-31",
        "2027-04-30",
        "2027-05-31",
    ]


def test_the_30th_in_february_of_a_leap_year() -> None:
    rule = quarterly(first_date=date(2027, 11, 30), interval_months=3)
    found = occurrences(rule, after=NOW, limit=3)
    assert [o.key for o in found] == ["2027-11-30", "2028-02-29", "2028-05-30"]


def test_until_ends_the_series() -> None:
    rule = quarterly(until=date(2027, 5, 10))
    assert [o.key for o in occurrences(rule, after=NOW)] == ["2027-02-10", "2027-05-10"]
    assert next_occurrence(rule, now=utc(2027, 6, 1)) is None


# --- skip, override, in progress, windows ---------------------------------------------------


def test_skipping_one_occurrence() -> None:
    found = occurrences(quarterly(), after=NOW, limit=3, skipped={"2027-05-10"})
    assert [o.key for o in found] == ["2027-02-10", "2027-08-10", "2027-11-10"]


def test_overriding_one_occurrence_moves_it_and_keeps_its_key() -> None:
    moved = datetime(2027, 5, 12, 14, 0, tzinfo=ZoneInfo(SYDNEY))
    overrides = {
        "2027-05-10": Override(start=moved, duration=timedelta(hours=3), location="Town hall")
    }
    found = occurrences(quarterly(), after=NOW, limit=3, overrides=overrides)
    assert [o.key for o in found] == ["2027-02-10", "2027-05-10", "2027-08-10"]
    changed = found[1]
    assert changed.overridden and not found[0].overridden
    assert changed.start == moved.astimezone(UTC) and changed.start.tzinfo is UTC
    assert changed.end - changed.start == timedelta(hours=3)
    assert changed.override is not None and changed.override.location == "Town hall"


def test_an_override_that_only_changes_the_place_keeps_the_time() -> None:
    overrides = {"2027-05-10": Override(location="Library")}
    changed = occurrences(quarterly(), after=NOW, limit=2, overrides=overrides)[1]
    assert changed.overridden and changed.start == utc(2027, 5, 10, 0)


def test_an_override_moved_past_the_next_one_is_sorted_by_its_new_start() -> None:
    moved = datetime(2027, 9, 1, 10, tzinfo=ZoneInfo(SYDNEY))
    found = occurrences(
        quarterly(), after=NOW, limit=3, overrides={"2027-05-10": Override(start=moved)}
    )
    assert [o.key for o in found] == ["2027-02-10", "2027-08-10", "2027-05-10"]


def test_skip_wins_over_override_and_unknown_override_keys_are_ignored() -> None:
    found = occurrences(
        quarterly(),
        after=NOW,
        limit=2,
        skipped={"2027-02-10"},
        overrides={"2027-02-10": Override(location="x"), "2027-02-11": Override(location="y")},
    )
    assert [o.key for o in found] == ["2027-05-10", "2027-08-10"]
    assert not any(o.overridden for o in found)


def test_meeting_in_progress_is_still_next() -> None:
    rule = quarterly()
    during = utc(2027, 2, 10, 0, 30)  # 11:30 AEDT, the meeting runs 10:00 to 12:00
    current = next_occurrence(rule, now=during)
    assert current is not None and current.key == "2027-02-10"
    after_end = utc(2027, 2, 10, 1, 0)  # 12:00 AEDT: over
    following = next_occurrence(rule, now=after_end)
    assert following is not None and following.key == "2027-05-10"


def test_before_bounds_the_window() -> None:
    found = occurrences(quarterly(), after=NOW, before=utc(2027, 8, 10, 0), limit=10)
    assert [o.key for o in found] == ["2027-02-10", "2027-05-10"]
    assert occurrences(quarterly(), after=NOW, limit=0) == []


def test_occurrence_for_a_key() -> None:
    rule = quarterly()
    found = occurrence_for(rule, "2027-05-10")
    assert isinstance(found, Occurrence) and found.start == utc(2027, 5, 10, 0)
    assert occurrence_for(rule, "2027-05-11") is None
    assert occurrence_for(rule, "not a date") is None


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        occurrences(quarterly(), after=datetime(2027, 1, 1))


# --- daylight-saving gap and fold -------------------------------------------------------------


def test_gap_moves_forward_to_the_first_valid_time_with_a_note() -> None:
    when, note = local_datetime(date(2027, 10, 3), time(2, 30), SYDNEY)
    assert when.replace(tzinfo=None) == datetime(2027, 10, 3, 3, 0)
    assert when.tzname() == "AEDT"
    assert note is not None
    assert "does not exist" in note and "03:00 AEDT" in note and "3 October 2027" in note


def test_fold_takes_the_first_daylight_one_with_a_note() -> None:
    when, note = local_datetime(date(2027, 4, 4), time(2, 30), SYDNEY)
    assert when.replace(tzinfo=None) == datetime(2027, 4, 4, 2, 30)
    assert when.tzname() == "AEDT" and when.astimezone(UTC) == utc(2027, 4, 3, 15, 30)
    assert note is not None and "happens twice" in note and "02:30 AEDT" in note


def test_ordinary_times_have_no_note() -> None:
    when, note = local_datetime(date(2027, 10, 3), time(10, 0), SYDNEY)
    assert note is None and when.tzname() == "AEDT"
    _, note = local_datetime(date(2027, 10, 3), time(2, 30), BRISBANE)
    assert note is None


def test_validate_rule_notes_gap_and_fold_occurrences() -> None:
    gap = quarterly(first_date=date(2027, 10, 3), start_time=time(2, 30), interval_months=12)
    notes = validate_rule(gap, now=NOW)
    assert notes and "does not exist" in notes[0]
    fold = quarterly(first_date=date(2027, 4, 4), start_time=time(2, 30), interval_months=12)
    notes = validate_rule(fold, now=NOW)
    assert notes and "happens twice" in notes[0]
    gap_occurrence = occurrences(gap, after=NOW, limit=1)[0]
    assert gap_occurrence.local_start.time() == time(3, 0)
    assert gap_occurrence.key == "2027-10-03"


def test_validate_rule_clean_rule_has_no_notes() -> None:
    assert validate_rule(quarterly(), now=NOW) == []


@settings(max_examples=50, deadline=None)
@given(
    first=st.dates(min_value=date(2027, 1, 1), max_value=date(2030, 12, 31)),
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 15, 30, 45]),
    interval=st.integers(1, 12),
    nth=st.one_of(st.none(), st.tuples(st.integers(0, 6), st.sampled_from([1, 2, 3, 4, -1]))),
)
def test_property_local_wall_time_is_kept_unless_in_the_gap(
    first: date, hour: int, minute: int, interval: int, nth: tuple[int, int] | None
) -> None:
    if nth is not None:
        from cogs.meetings.schedule import nth_weekday_of_month

        first = nth_weekday_of_month(first.year, first.month, *nth)
    rule = SeriesRule(
        first_date=first,
        start_time=time(hour, minute),
        duration=timedelta(hours=2),
        timezone=SYDNEY,
        interval_months=interval,
        nth_weekday=nth,
    )
    validate_rule(rule, now=utc(2026, 12, 1))
    found = occurrences(rule, after=utc(2026, 12, 1), limit=12)
    assert len(found) == 12
    assert found[0].key == first.isoformat()
    assert [o.start for o in found] == sorted(o.start for o in found)
    for o in found:
        local = o.local_start
        assert local.date().isoformat() == o.key
        _, note = local_datetime(local.date(), rule.start_time, SYDNEY)
        if local.time() != rule.start_time:
            assert note is not None and "does not exist" in note
            assert local.time() == time(3, 0)
        assert o.end - o.start == timedelta(hours=2)


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"first_date": date(2027, 1, 14)}, r"14 January 2027 is in the past.*from today on"),
        (
            {"first_date": date(2027, 1, 15), "start_time": time(19, 0)},
            r"19:00 today has already passed",
        ),
        ({"interval_months": 0}, r"every 1 to 12 months, not every 0"),
        ({"interval_months": 13}, r"every 1 to 12 months, not every 13"),
        ({"duration": timedelta(0)}, r"longer than zero"),
        ({"duration": timedelta(minutes=-5)}, r"longer than zero"),
        ({"duration": timedelta(hours=12, minutes=1)}, r"at most 12 hours"),
        ({"timezone": "Australia/Sydnee"}, r"'Australia/Sydnee' is not a time zone.*IANA"),
        ({"timezone": "../etc"}, r"is not a time zone"),
        ({"nth_weekday": (1, 5)}, r"first, second, third, fourth or last"),
        ({"nth_weekday": (7, 1)}, r"first, second, third, fourth or last"),
        ({"until": date(2027, 2, 9)}, r"cannot end .* before its first meeting"),
    ],
)
def test_validate_rule_errors(changes: dict[str, object], message: str) -> None:
    # NOW is 20:00 on 15 January in Sydney (AEDT).
    with pytest.raises(UserError, match=message):
        validate_rule(quarterly(**changes), now=NOW)


def test_first_date_today_later_is_fine_and_past_first_date_allowed_for_edits() -> None:
    assert (
        validate_rule(quarterly(first_date=date(2027, 1, 15), start_time=time(21)), now=NOW) == []
    )
    old = quarterly(first_date=date(2026, 2, 10))
    assert validate_rule(old, now=NOW, allow_past_first_date=True) == []


def test_twelve_hours_exactly_is_allowed() -> None:
    assert validate_rule(quarterly(duration=timedelta(hours=12)), now=NOW) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("second tuesday", (1, 2)),
        ("2nd tue", (1, 2)),
        ("The Second Tuesday of the month", (1, 2)),
        ("last friday", (4, -1)),
        ("first Mon", (0, 1)),
        ("3rd thurs", (3, 3)),
        ("fourth sunday", (6, 4)),
    ],
)
def test_parse_nth_weekday(text: str, expected: tuple[int, int]) -> None:
    assert parse_nth_weekday(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tuesday", r"could not read 'tuesday'.*second Tuesday.*last Friday"),
        ("second tuesdy", r"could not read"),
        ("fifth friday", r"Not every month has a fifth"),
        ("", r"could not read"),
    ],
)
def test_parse_nth_weekday_errors(text: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        parse_nth_weekday(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-03-10", date(2027, 3, 10)),
        (" 2027-3-1 ", date(2027, 3, 1)),
        ("10/03/2027", date(2027, 3, 10)),
        ("10 March 2027", date(2027, 3, 10)),
        ("Wednesday 10 Mar 2027", date(2027, 3, 10)),
        ("29 February 2028", date(2028, 2, 29)),
    ],
)
def test_parse_date(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2027-02-31", r"^31 February 2027 does not exist \(February 2027 has 28 days\)"),
        ("29/02/2027", r"29 February 2027 does not exist"),
        ("31 April 2027", r"31 April 2027 does not exist"),
        ("2027-13-01", r"no month 13"),
        ("next tuesday", r"could not read 'next tuesday' as a date.*2027-03-10"),
        ("10 Marsh 2027", r"could not read"),
        ("9999-12-31", r"the year 9999 is out of range. Give a date from 2000-01-01 to 2100-12-31"),
        ("31/12/2101", r"the year 2101 is out of range"),
        ("0001-01-01", r"the year 1 is out of range"),
    ],
)
def test_parse_date_errors(text: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        parse_date(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("18:30", time(18, 30)),
        ("6:30pm", time(18, 30)),
        ("6:30 PM", time(18, 30)),
        ("6pm", time(18, 0)),
        ("10am", time(10, 0)),
        ("12am", time(0, 0)),
        ("12pm", time(12, 0)),
        ("12:15 p.m.", time(12, 15)),
        ("09:05", time(9, 5)),
        ("18.30", time(18, 30)),
        ("noon", time(12, 0)),
    ],
)
def test_parse_time(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("25:00", r"hour 25"),
        ("10:75", r"75 minutes"),
        ("13pm", r"mixes a 24-hour time with am/pm"),
        ("6", r"morning or evening"),
        ("half past six", r"could not read"),
    ],
)
def test_parse_time_errors(text: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        parse_time(text)


def test_check_link() -> None:
    assert check_link(" https://zoom.us/j/123 ") == "https://zoom.us/j/123"
    assert check_link("http://example.org/meet") == "http://example.org/meet"
    for bad in [
        "ftp://example.org",
        "javascript:alert(1)",
        "zoom.us/j/1",
        "https://",
        "https://a b",
    ]:
        with pytest.raises(UserError, match=r"is not a web link.*https://"):
            check_link(bad)
