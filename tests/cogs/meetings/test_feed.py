"""Layer 1: the subscription feeds (``cogs.meetings.feed``), read back the way a calendar
reads them and compared with peerbot's own meetings, across both daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from icalendar import Calendar

from cogs.meetings.calendar import SeriesCalendar
from cogs.meetings.feed import PersonMeetings, network_feed, person_feed
from cogs.meetings.schedule import Override, SeriesRule, occurrences
from tests.cogs.meetings.feed_reading import expand

CREATED = datetime(2026, 11, 2, 3, tzinfo=UTC)
UNTIL = datetime(2031, 1, 1, tzinfo=UTC)


def series(**changes: object) -> SeriesCalendar:
    rule = SeriesRule(
        first_date=date(2027, 3, 10),
        start_time=time(10, 0),
        duration=timedelta(hours=2),
        timezone="Australia/Sydney",
    )
    values: dict[str, object] = {
        "uid": "series-1",
        "name": "South Coast meeting",
        "rule": rule,
        "location": "Wollongong Hospital, room 3",
        "created": CREATED,
    }
    values.update(changes)
    return SeriesCalendar(**values)  # type: ignore[arg-type]


def read(data: bytes) -> Any:
    """The calendar, untyped: icalendar's property types are a union tests need not narrow."""
    return Calendar.from_ical(data)


def peerbot_starts(one: SeriesCalendar) -> list[datetime]:
    return [
        o.start
        for o in occurrences(
            one.rule,
            after=datetime(2000, 1, 1, tzinfo=UTC),
            before=UNTIL,
            limit=1000,
            skipped=one.skipped,
            overrides=dict(one.overrides),
        )
    ]


def feed_starts(data: bytes) -> list[datetime]:
    return [i.start for i in expand(data, until=UNTIL)]


def test_one_series_is_one_rrule_in_its_time_zone() -> None:
    one = series()
    data = network_feed("South Coast", "Australia/Sydney", [one])
    cal = read(data)
    [event] = cal.walk("VEVENT")
    assert event["RRULE"].to_ical() == b"FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=10"
    assert event["DTSTART"].params["TZID"] == "Australia/Sydney"
    assert event.decoded("DTSTART") == datetime(
        2027, 3, 10, 10, 0, tzinfo=event.decoded("DTSTART").tzinfo
    )
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Australia/Sydney"]
    assert str(cal["X-WR-CALNAME"]) == "South Coast meetings"
    assert "METHOD" not in cal
    assert str(cal["X-PUBLISHED-TTL"]) == "PT1H"
    assert not cal.walk("VALARM")
    # 10:00 local in both summer (AEDT) and winter (AEST), as peerbot has them.
    assert feed_starts(data) == peerbot_starts(one)
    assert feed_starts(data)[:2] == [
        datetime(2027, 3, 9, 23, tzinfo=UTC),
        datetime(2027, 6, 10, 0, tzinfo=UTC),
    ]


def test_skipped_meetings_are_exdates_and_changed_ones_recurrence_ids() -> None:
    moved = Override(start=datetime(2027, 9, 10, 4, tzinfo=UTC), location="Nowra library")
    one = series(
        skipped=frozenset({"2027-06-10"}),
        overrides={"2027-09-10": moved},
        topics={"2027-12-10": "Boundaries"},
        occurrence_changed={"2027-09-10": CREATED + timedelta(days=3)},
    )
    data = network_feed("South Coast", "Australia/Sydney", [one])
    events = read(data).walk("VEVENT")
    master = next(e for e in events if "RRULE" in e)
    [exdate] = [d.dt for d in master["EXDATE"].dts]
    assert (exdate.replace(tzinfo=None), exdate.tzinfo.key) == (
        datetime(2027, 6, 10, 10),
        "Australia/Sydney",
    )
    changed = {e.decoded("RECURRENCE-ID").date(): e for e in events if "RECURRENCE-ID" in e}
    assert set(changed) == {date(2027, 9, 10), date(2027, 12, 10)}
    assert {str(e["UID"]) for e in events} == {"series-1@peerbot"}
    september = changed[date(2027, 9, 10)]
    assert september.decoded("DTSTART").astimezone(UTC) == datetime(2027, 9, 10, 4, tzinfo=UTC)
    assert str(september["LOCATION"]) == "Nowra library"
    assert september["SEQUENCE"] > master["SEQUENCE"]
    assert str(changed[date(2027, 12, 10)]["SUMMARY"]) == "South Coast meeting: Boundaries"
    assert feed_starts(data) == peerbot_starts(one)
    assert datetime(2027, 6, 10, 0, tzinfo=UTC) not in feed_starts(data)


def test_the_rule_forms_read_back_as_peerbot_counts_them() -> None:
    rules = [
        SeriesRule(date(2027, 3, 10), time(18, 30), timedelta(minutes=90), "Australia/Sydney",
                   interval_months=1, nth_weekday=(2, 2)),
        SeriesRule(date(2027, 1, 31), time(9, 0), timedelta(hours=1), "Australia/Sydney",
                   interval_months=3),
        SeriesRule(date(2027, 2, 26), time(13, 0), timedelta(hours=2), "Australia/Brisbane",
                   interval_months=2, nth_weekday=(4, -1), until=date(2029, 12, 31)),
        SeriesRule(date(2027, 1, 30), time(10, 0), timedelta(hours=1), "Australia/Perth",
                   interval_months=12),
    ]  # fmt: skip
    expected_rrules = [
        b"FREQ=MONTHLY;INTERVAL=1;BYDAY=2WE",
        b"FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=28,29,30,31;BYSETPOS=-1",
        b"FREQ=MONTHLY;UNTIL=20291231T135959Z;INTERVAL=2;BYDAY=-1FR",
        b"FREQ=MONTHLY;INTERVAL=12;BYMONTHDAY=28,29,30;BYSETPOS=-1",
    ]
    for rule, expected in zip(rules, expected_rrules, strict=True):
        one = series(rule=rule)
        data = network_feed("N", rule.timezone, [one])
        [event] = read(data).walk("VEVENT")
        assert event["RRULE"].to_ical() == expected
        assert feed_starts(data) == peerbot_starts(one), rule


def test_a_meeting_in_the_daylight_saving_gap_gets_peerbots_time() -> None:
    # 02:30 on the first Sunday of October does not exist in Sydney: peerbot moves it to
    # 03:00 AEDT, where RFC 5545 would read 03:30; the feed says 03:00 for that one.
    rule = SeriesRule(date(2027, 4, 4), time(2, 30), timedelta(hours=1), "Australia/Sydney",
                      interval_months=6, nth_weekday=(6, 1))  # fmt: skip
    one = series(rule=rule)
    data = network_feed("N", "Australia/Sydney", [one])
    events = read(data).walk("VEVENT")
    gap = [e for e in events if "RECURRENCE-ID" in e]
    assert gap and all(e.decoded("RECURRENCE-ID").month == 10 for e in gap)
    assert feed_starts(data) == peerbot_starts(one)
    october = next(s for s in feed_starts(data) if s.month == 10)
    assert october == datetime(2027, 10, 2, 16, tzinfo=UTC)  # 03:00 AEDT on 3 October
    # April's 02:30 happens twice: the first (AEDT), as RFC 5545 reads it.
    assert feed_starts(data)[0] == datetime(2027, 4, 3, 15, 30, tzinfo=UTC)


def test_a_cancelled_series_ends_where_it_was_cancelled() -> None:
    cancelled_at = datetime(2027, 8, 1, tzinfo=UTC)
    one = series(cancelled=True, cancelled_at=cancelled_at, changed=cancelled_at)
    data = network_feed("N", "Australia/Sydney", [one])
    [event] = read(data).walk("VEVENT")
    assert (
        event["RRULE"].to_ical() == b"FREQ=MONTHLY;UNTIL=20270801T000000Z;INTERVAL=3;BYMONTHDAY=10"
    )
    assert feed_starts(data) == [
        datetime(2027, 3, 9, 23, tzinfo=UTC),
        datetime(2027, 6, 10, 0, tzinfo=UTC),
    ]
    gone = series(cancelled=True, cancelled_at=datetime(2027, 1, 1, tzinfo=UTC))
    assert not read(network_feed("N", "Australia/Sydney", [gone])).walk("VEVENT")


def test_the_same_data_gives_the_same_bytes() -> None:
    one = series(skipped=frozenset({"2027-06-10"}), topics={"2027-12-10": "Boundaries"})
    assert network_feed("N", "Australia/Sydney", [one]) == network_feed(
        "N", "Australia/Sydney", [one]
    )
    later = series(changed=CREATED + timedelta(days=1))
    stamp = read(network_feed("N", "Australia/Sydney", [later])).walk("VEVENT")[0]
    assert stamp.decoded("DTSTAMP") == CREATED + timedelta(days=1)


def test_a_persons_feed_holds_their_meetings_only() -> None:
    one = series(skipped=frozenset({"2027-09-10"}))
    brisbane = series(
        uid="series-2",
        name="Brisbane meeting",
        rule=SeriesRule(date(2027, 5, 4), time(17, 0), timedelta(hours=1), "Australia/Brisbane"),
    )
    data = person_feed(
        [
            PersonMeetings(one, ["2027-03-10", "2027-09-10"]),
            PersonMeetings(brisbane, ["2027-08-04"]),
        ]
    )
    cal = read(data)
    events = cal.walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [
        "meeting-series-1-2027-03-10@peerbot",
        "meeting-series-2-2027-08-04@peerbot",
        "meeting-series-1-2027-09-10@peerbot",
    ]
    assert [str(e["STATUS"]) for e in events] == ["CONFIRMED", "CONFIRMED", "CANCELLED"]
    assert sorted(str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")) == [
        "Australia/Brisbane",
        "Australia/Sydney",
    ]
    assert not cal.walk("VALARM")
