"""Calendar files parsed back with icalendar: the rule, the time zone, exceptions and times."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from icalendar import Calendar, Event

from cogs.meetings.calendar import occurrence_ics, series_ics
from cogs.meetings.schedule import Override, SeriesRule, occurrences

SYDNEY = ZoneInfo("Australia/Sydney")
STAMP = datetime(2027, 1, 1, tzinfo=UTC)
RULE = SeriesRule(
    first_date=date(2027, 2, 10),
    start_time=time(10),
    duration=timedelta(hours=2),
    timezone="Australia/Sydney",
)
MOVED = datetime(2027, 8, 12, 14, tzinfo=SYDNEY)
OVERRIDES = {"2027-08-10": Override(start=MOVED, location="Library", agenda="Budget")}


def parse(data: bytes) -> tuple[Calendar, list[Event]]:
    cal = Calendar.from_ical(data)
    events = [e for e in cal.walk("VEVENT") if isinstance(e, Event)]
    return cal, events


def prop(event: Event, name: str) -> Any:
    """A property of an event, untyped (icalendar types every property as a wide union)."""
    return event[name]


def build(rule: SeriesRule = RULE, **kwargs: object) -> bytes:
    options: dict[str, object] = {
        "skipped": {"2027-05-10"},
        "overrides": OVERRIDES,
        "location": "Community centre",
        "link": "https://zoom.us/j/1",
        "description": "Quarterly network meeting",
        "stamp": STAMP,
    }
    options.update(kwargs)
    return series_ics("North Coast peer network", rule, **options)  # type: ignore[arg-type]


def expand(master: Event, count: int) -> list[datetime]:
    """The master's instances as a calendar program computes them (RRULE minus EXDATE)."""
    start: datetime = prop(master, "DTSTART").dt
    rule: Any = rrulestr(prop(master, "RRULE").to_ical().decode(), dtstart=start)
    excluded = set(master.exdates)
    instances: list[datetime] = list(rule.xafter(start, count=count + len(excluded), inc=True))
    return [dt for dt in instances if dt not in excluded][:count]


def test_series_has_vtimezone_rule_exdate_and_times() -> None:
    cal, events = parse(build())
    assert cal["X-WR-CALNAME"] == "North Coast peer network"
    assert [tz.tz_name for tz in cal.timezones] == ["Australia/Sydney"]
    master, changed = events
    assert master["DTSTART"].params["TZID"] == "Australia/Sydney"
    assert master["DTEND"].params["TZID"] == "Australia/Sydney"
    assert master.start == datetime(2027, 2, 10, 10, tzinfo=SYDNEY)
    assert master.end - master.start == timedelta(hours=2)
    assert master["RRULE"].to_ical() == b"FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=10"
    assert master.exdates == [datetime(2027, 5, 10, 10, tzinfo=SYDNEY)]
    assert str(master["LOCATION"]) == "Community centre"
    assert str(master["URL"]) == "https://zoom.us/j/1"
    assert "https://zoom.us/j/1" in str(master["DESCRIPTION"])
    assert master["UID"] == changed["UID"]
    assert prop(changed, "RECURRENCE-ID").dt == datetime(2027, 8, 10, 10, tzinfo=SYDNEY)
    assert changed.start == MOVED and changed.end == MOVED + timedelta(hours=2)
    assert str(changed["LOCATION"]) == "Library"
    assert "Budget" in str(changed["DESCRIPTION"])


def test_the_vtimezone_gives_the_right_offsets_in_summer_and_winter() -> None:
    cal, _ = parse(build())
    tz = cal.timezones[0].to_tz()
    assert datetime(2027, 2, 10, 10, tzinfo=tz).utcoffset() == timedelta(hours=11)
    assert datetime(2027, 5, 10, 10, tzinfo=tz).utcoffset() == timedelta(hours=10)
    assert datetime(2027, 11, 10, 10, tzinfo=tz).utcoffset() == timedelta(hours=11)


def test_expanding_the_file_gives_the_bots_occurrences() -> None:
    _, events = parse(build(overrides={}))
    instants = [dt.astimezone(UTC) for dt in expand(events[0], 6)]
    expected = occurrences(RULE, after=STAMP, limit=6, skipped={"2027-05-10"})
    assert instants == [o.start for o in expected]
    assert {dt.astimezone(SYDNEY).time() for dt in instants} == {time(10)}


def test_uids_are_stable_and_follow_the_given_id() -> None:
    _, first = parse(build())
    _, again = parse(build(stamp=datetime(2027, 6, 1, tzinfo=UTC)))
    assert first[0]["UID"] == again[0]["UID"]
    _, named = parse(build(uid="series-42", uid_domain="peerbot.example"))
    assert named[0]["UID"] == "meeting-series-42@peerbot.example"


def test_second_tuesday_and_last_day_rules_in_rrule() -> None:
    second_tuesday = SeriesRule(
        date(2027, 2, 9),
        time(18),
        timedelta(hours=1),
        "Australia/Sydney",
        nth_weekday=(1, 2),
        until=date(2028, 2, 9),
    )
    _, events = parse(build(second_tuesday, skipped=set(), overrides={}))
    recur = prop(events[0], "RRULE")
    assert recur["BYDAY"] == ["2TU"]
    assert recur["UNTIL"][0] == datetime(2028, 2, 9, 12, 59, 59, tzinfo=UTC)
    assert [dt.date() for dt in expand(events[0], 10)] == [
        date(2027, 2, 9),
        date(2027, 5, 11),
        date(2027, 8, 10),
        date(2027, 11, 9),
        date(2028, 2, 8),
    ]
    last_day = SeriesRule(
        date(2027, 1, 31), time(18), timedelta(hours=1), "Australia/Brisbane", interval_months=1
    )
    _, events = parse(build(last_day, skipped=set(), overrides={}))
    assert events[0]["DTSTART"].params["TZID"] == "Australia/Brisbane"
    assert [dt.date() for dt in expand(events[0], 3)] == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
    ]


def test_a_slot_in_the_gap_gets_its_own_event_at_the_bots_time() -> None:
    gap = SeriesRule(
        date(2027, 10, 3),
        time(2, 30),
        timedelta(hours=1),
        "Australia/Sydney",
        interval_months=12,
        until=date(2028, 12, 31),
    )
    _, events = parse(build(gap, skipped=set(), overrides={}))
    master, moved = events
    assert prop(moved, "RECURRENCE-ID").dt == datetime(2027, 10, 3, 2, 30, tzinfo=SYDNEY)
    assert moved.start == datetime(2027, 10, 3, 3, 0, tzinfo=SYDNEY)
    assert master["UID"] == moved["UID"]


def test_single_occurrence_file() -> None:
    occurrence = occurrences(RULE, after=datetime(2027, 8, 1, tzinfo=UTC), overrides=OVERRIDES)[0]
    data = occurrence_ics(
        "North Coast peer network", occurrence, location="Community centre", stamp=STAMP
    )
    cal, (event,) = parse(data)
    assert [tz.tz_name for tz in cal.timezones] == ["Australia/Sydney"]
    assert "RRULE" not in event
    assert event["DTSTART"].params["TZID"] == "Australia/Sydney"
    assert event.start == MOVED
    assert str(event["LOCATION"]) == "Library"  # the override wins
    assert str(event["UID"]).endswith("-2027-08-10@peerbot")
    again = occurrence_ics("North Coast peer network", occurrence, stamp=STAMP)
    assert parse(again)[1][0]["UID"] == event["UID"]
