"""Calendar files parsed back with icalendar: one VEVENT per meeting with one UID in both
files, SEQUENCE, cancelled meetings, alarms, the instants across daylight-saving changes (read
both through the TZID and through the file's own VTIMEZONE), and the text rules of RFC 5545."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Component, Event, Timezone

from cogs.meetings.calendar import SeriesCalendar, occurrence_ics, series_ics
from cogs.meetings.schedule import Override, SeriesRule, occurrence_for, occurrences

SYDNEY = ZoneInfo("Australia/Sydney")
CREATED = datetime(2026, 12, 1, tzinfo=UTC)
STAMP = datetime(2027, 1, 1, tzinfo=UTC)
RULE = SeriesRule(
    first_date=date(2027, 2, 10),
    start_time=time(10),
    duration=timedelta(hours=2),
    timezone="Australia/Sydney",
)
MOVED = datetime(2027, 8, 12, 14, tzinfo=SYDNEY)
SERIES = SeriesCalendar(
    uid="series-42",
    name="North Coast peer network",
    rule=RULE,
    location="Community centre, hall 2; upstairs",
    link="https://zoom.us/j/1",
    description="Welcome\nTraining update, budget; questions",
    skipped=frozenset({"2027-05-10"}),
    overrides={"2027-08-10": Override(start=MOVED, location="Library", agenda="Budget")},
    reminders=(timedelta(days=1), timedelta(hours=2)),
    created=CREATED,
    changed=CREATED,
    occurrence_changed={
        "2027-05-10": CREATED + timedelta(days=3),
        "2027-08-10": CREATED + timedelta(days=5),
    },
)
#: Monthly on the first Sunday: 3 October 2027 and 2 October 2050 begin daylight saving in
#: New South Wales (02:00 becomes 03:00), 4 April 2027 and 3 April 2050 end it (03:00 becomes
#: 02:00).
FIRST_SUNDAY = SeriesRule(
    first_date=date(2027, 2, 7),
    start_time=time(10),
    duration=timedelta(hours=1),
    timezone="Australia/Sydney",
    interval_months=1,
    nth_weekday=(6, 1),
)


def parse(data: bytes) -> tuple[Calendar, list[Event]]:
    cal = Calendar.from_ical(data)
    events = [e for e in cal.walk("VEVENT") if isinstance(e, Event)]
    return cal, events


def prop(event: Component, name: str) -> Any:
    """A property, untyped (icalendar types every property as a wide union)."""
    return event[name]


def by_uid(events: list[Event]) -> dict[str, Event]:
    return {str(e["UID"]): e for e in events}


def key_of(event: Event) -> str:
    return str(event["UID"]).removeprefix("meeting-series-42-").split("@")[0]


def own_zone(cal: Calendar) -> tzinfo:
    """The zone as the file's VTIMEZONE defines it, not the parser's own zoneinfo."""
    [component] = cal.walk("VTIMEZONE")
    assert isinstance(component, Timezone)
    zone: tzinfo = component.to_tz(lookup_tzid=False)
    return zone


def instant_by_vtimezone(cal: Calendar, event: Event, name: str = "DTSTART") -> datetime:
    value: datetime = prop(event, name).dt
    if "TZID" not in prop(event, name).params:  # written in UTC
        return value
    return value.replace(tzinfo=own_zone(cal)).astimezone(UTC)


def test_one_event_per_meeting_with_its_own_uid() -> None:
    cal, events = parse(series_ics(SERIES, stamp=STAMP))
    assert cal["METHOD"] == "PUBLISH"
    assert cal["X-WR-CALNAME"] == "North Coast peer network"
    assert [tz.tz_name for tz in cal.timezones] == ["Australia/Sydney"]
    assert not any("RRULE" in e or "RECURRENCE-ID" in e for e in events)
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == len(uids)
    assert uids[:4] == [
        "meeting-series-42-2027-02-10@peerbot",
        "meeting-series-42-2027-05-10@peerbot",
        "meeting-series-42-2027-08-10@peerbot",
        "meeting-series-42-2027-11-10@peerbot",
    ]
    # Five years ahead of the file, quarterly: 2027-02 to 2031-11.
    assert key_of(events[-1]) == "2031-11-10" and len(events) == 20
    first, skipped, moved = events[:3]
    assert first["DTSTART"].params["TZID"] == "Australia/Sydney"
    assert first.start == datetime(2027, 2, 10, 10, tzinfo=SYDNEY)
    assert first.end - first.start == timedelta(hours=2)
    assert str(first["LOCATION"]) == "Community centre, hall 2; upstairs"
    assert str(first["URL"]) == "https://zoom.us/j/1"
    assert str(first["STATUS"]) == "CONFIRMED"
    assert "https://zoom.us/j/1" in str(first["DESCRIPTION"])
    assert moved.start == MOVED and moved.end == MOVED + timedelta(hours=2)
    assert str(moved["LOCATION"]) == "Library"
    assert str(moved["DESCRIPTION"]).startswith("Budget")
    assert str(skipped["STATUS"]) == "CANCELLED"


def test_the_single_meeting_file_has_the_same_event_as_the_series_file() -> None:
    _, series_events = parse(series_ics(SERIES, stamp=STAMP))
    later = STAMP + timedelta(days=30)  # another day, after a restart: nothing is kept
    for key in ("2027-02-10", "2027-05-10", "2027-08-10"):
        cal, [single] = parse(occurrence_ics(SERIES, key, stamp=later))
        match = by_uid(series_events)[f"meeting-series-42-{key}@peerbot"]
        assert {k: v for k, v in single.items() if k != "DTSTAMP"} == {
            k: v for k, v in match.items() if k != "DTSTAMP"
        }
        assert [tz.tz_name for tz in cal.timezones] == ["Australia/Sydney"]


def test_uids_stay_when_a_meeting_or_the_series_changes() -> None:
    _, before = parse(series_ics(SERIES, stamp=STAMP))
    edited = dataclasses.replace(
        SERIES,
        rule=dataclasses.replace(RULE, start_time=time(18)),
        location="Town hall",
        overrides={"2027-11-10": Override(start=datetime(2027, 11, 12, 9, tzinfo=SYDNEY))},
        changed=CREATED + timedelta(days=20),
    )
    _, after = parse(series_ics(edited, stamp=STAMP))
    assert [e["UID"] for e in after] == [e["UID"] for e in before]
    assert after[0].start == datetime(2027, 2, 10, 18, tzinfo=SYDNEY)
    assert after[3].start == datetime(2027, 11, 12, 9, tzinfo=SYDNEY)


def test_sequence_increases_with_every_change_to_the_meeting() -> None:
    def sequence(series: SeriesCalendar, key: str) -> int:
        _, [event] = parse(occurrence_ics(series, key, stamp=STAMP))
        return int(prop(event, "SEQUENCE"))

    assert sequence(SERIES, "2027-02-10") == 0  # never changed
    moved_once = sequence(SERIES, "2027-08-10")
    assert moved_once > 0
    changed = {**SERIES.occurrence_changed, "2027-08-10": CREATED + timedelta(days=6)}
    moved_twice = sequence(dataclasses.replace(SERIES, occurrence_changed=changed), "2027-08-10")
    assert moved_twice > moved_once
    series_edited = dataclasses.replace(
        SERIES, occurrence_changed=changed, changed=CREATED + timedelta(days=7)
    )
    assert sequence(series_edited, "2027-08-10") > moved_twice
    assert sequence(series_edited, "2027-02-10") > 0
    _, [event] = parse(occurrence_ics(series_edited, "2027-02-10", stamp=STAMP))
    assert prop(event, "LAST-MODIFIED").dt == CREATED + timedelta(days=7)


def test_a_cancelled_meeting_is_marked_so_calendars_remove_it() -> None:
    cal, [event] = parse(occurrence_ics(SERIES, "2027-05-10", stamp=STAMP))
    assert cal["METHOD"] == "CANCEL"  # the file holds nothing else
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["SUMMARY"]) == "Cancelled: North Coast peer network"
    assert str(event["TRANSP"]) == "TRANSPARENT"
    assert event.walk("VALARM") == []
    assert int(prop(event, "SEQUENCE")) > 0
    whole = dataclasses.replace(SERIES, cancelled=True, changed=CREATED + timedelta(days=9))
    cal, events = parse(series_ics(whole, stamp=STAMP))
    assert cal["METHOD"] == "CANCEL"
    assert {str(e["STATUS"]) for e in events} == {"CANCELLED"}
    assert min(int(prop(e, "SEQUENCE")) for e in events) > int(prop(event, "SEQUENCE"))


def test_alarms_follow_the_reminder_settings() -> None:
    _, events = parse(series_ics(SERIES, stamp=STAMP))
    alarms = events[0].walk("VALARM")
    assert [prop(a, "TRIGGER").dt for a in alarms] == [-timedelta(days=1), -timedelta(hours=2)]
    assert {str(a["ACTION"]) for a in alarms} == {"DISPLAY"}
    assert str(alarms[0]["DESCRIPTION"]) == "North Coast peer network starts in 1 day."
    assert all(b"TRIGGER:-P1D" in e.to_ical() for e in events if e["STATUS"] == "CONFIRMED")
    other = dataclasses.replace(SERIES, reminders=(timedelta(minutes=30),))
    _, events = parse(series_ics(other, stamp=STAMP))
    assert [prop(a, "TRIGGER").dt for a in events[0].walk("VALARM")] == [-timedelta(minutes=30)]
    _, events = parse(series_ics(dataclasses.replace(SERIES, reminders=()), stamp=STAMP))
    assert all(e.walk("VALARM") == [] for e in events)
    # Made 3 hours before a meeting: the 1-day alarm has passed and is left out.
    late = datetime(2027, 2, 10, 7, tzinfo=SYDNEY)
    _, [event] = parse(occurrence_ics(SERIES, "2027-02-10", stamp=late))
    assert [prop(a, "TRIGGER").dt for a in event.walk("VALARM")] == [-timedelta(hours=2)]


@pytest.mark.parametrize("year", [2027, 2050])
def test_instants_across_both_daylight_saving_changes(year: int) -> None:
    series = dataclasses.replace(
        SERIES,
        rule=dataclasses.replace(FIRST_SUNDAY, first_date=date(year, 2, 7)),
        skipped=frozenset(),
        overrides={},
    )
    stamp = datetime(year, 1, 1, tzinfo=UTC)
    cal, events = parse(series_ics(series, stamp=stamp))
    this_year = [e for e in events if key_of(e).startswith(str(year))]
    expected = [
        o
        for o in occurrences(series.rule, after=stamp, before=datetime(year + 1, 2, 1, tzinfo=UTC))
        if o.key.startswith(str(year))
    ]
    assert [key_of(e) for e in this_year] == [o.key for o in expected]
    for event, occurrence in zip(this_year, expected, strict=True):
        assert prop(event, "DTSTART").dt.astimezone(UTC) == occurrence.start  # by the TZID
        assert instant_by_vtimezone(cal, event) == occurrence.start  # the file's own rules
        assert instant_by_vtimezone(cal, event, "DTEND") == occurrence.end
    starts = {key_of(e): instant_by_vtimezone(cal, e) for e in this_year}
    april, october = (2027, 4, 4), (2027, 10, 3)
    if year == 2050:
        april, october = (2050, 4, 3), (2050, 10, 2)
    # 10:00 AEDT on the morning daylight saving ended at 03:00 would be wrong: it is AEST.
    assert starts[date(*april).isoformat()] == datetime(*april, 0, tzinfo=UTC)
    # And 10:00 on the first morning of daylight saving is AEDT, 23:00 UTC the day before.
    assert starts[date(*october).isoformat()] == datetime(*october, tzinfo=UTC) - timedelta(hours=1)


def test_a_meeting_in_the_gap_or_the_fold_starts_when_the_bot_says() -> None:
    early = dataclasses.replace(
        SERIES,
        rule=dataclasses.replace(FIRST_SUNDAY, start_time=time(2, 30)),
        skipped=frozenset(),
        overrides={
            # moved to the second 02:30 of 4 April 2027 (AEST): only UTC can say which
            "2027-07-04": Override(start=datetime(2027, 4, 3, 16, 30, tzinfo=UTC)),
        },
    )
    cal, events = parse(series_ics(early, stamp=STAMP))
    found = {key_of(e): e for e in events}
    gap, fold, second = found["2027-10-03"], found["2027-04-04"], found["2027-07-04"]
    # 02:30 does not exist on 3 October: the bot moves it to 03:00 AEDT (16:00 UTC).
    assert instant_by_vtimezone(cal, gap) == datetime(2027, 10, 2, 16, tzinfo=UTC)
    assert gap.start == datetime(2027, 10, 3, 3, tzinfo=SYDNEY)
    # 02:30 happens twice on 4 April: the bot takes the first (AEDT), as RFC 5545 reads it.
    assert instant_by_vtimezone(cal, fold) == datetime(2027, 4, 3, 15, 30, tzinfo=UTC)
    assert fold["DTSTART"].params["TZID"] == "Australia/Sydney"
    assert b"DTSTART:20270403T163000Z" in second.to_ical()
    assert instant_by_vtimezone(cal, second) == datetime(2027, 4, 3, 16, 30, tzinfo=UTC)
    assert occurrence_for(early.rule, "2027-10-03") is not None


def test_the_text_follows_rfc_5545() -> None:
    long_agenda = "Café check-in — ideas, “plans”; and more. " * 8
    series = dataclasses.replace(SERIES, description="Welcome\n" + long_agenda)
    data = series_ics(series, stamp=STAMP)
    assert data.startswith(b"BEGIN:VCALENDAR\r\n") and data.endswith(b"END:VCALENDAR\r\n")
    lines = data.split(b"\r\n")[:-1]
    assert b"\n" not in b"".join(lines) and b"\r" not in b"".join(lines)
    assert max(len(line) for line in lines) <= 75  # octets
    for line in lines:
        line.decode("utf-8")  # a fold never splits a character
    assert b"PRODID:-//peerbot//meetings//EN" in lines and b"VERSION:2.0" in lines
    unfolded = data.replace(b"\r\n ", b"")
    assert b"LOCATION:Community centre\\, hall 2\\; upstairs\r\n" in unfolded
    escaped = long_agenda.replace(",", "\\,").replace(";", "\\;")
    assert f"DESCRIPTION:Welcome\\n{escaped}\\n\\nJoin online".encode() in unfolded
    _, events = parse(data)
    assert all("DTSTAMP" in e and prop(e, "DTSTAMP").dt == STAMP for e in events)
    assert str(events[0]["DESCRIPTION"]).startswith("Welcome\n" + long_agenda)
    assert str(events[0]["LOCATION"]) == "Community centre, hall 2; upstairs"


def test_a_series_with_an_end_lists_its_meetings_to_the_end() -> None:
    ending = dataclasses.replace(
        SERIES, rule=dataclasses.replace(RULE, until=date(2028, 2, 10)), skipped=frozenset()
    )
    _, events = parse(series_ics(ending, stamp=STAMP))
    assert [key_of(e) for e in events] == [
        "2027-02-10",
        "2027-05-10",
        "2027-08-10",
        "2027-11-10",
        "2028-02-10",
    ]
    # Made later: meetings more than a year before the file are left out.
    _, events = parse(series_ics(ending, stamp=datetime(2028, 6, 1, tzinfo=UTC)))
    assert [key_of(e) for e in events] == ["2027-08-10", "2027-11-10", "2028-02-10"]


def test_a_key_that_is_not_a_meeting_is_refused() -> None:
    with pytest.raises(ValueError, match="not a meeting"):
        occurrence_ics(SERIES, "2027-02-11", stamp=STAMP)


def test_a_meeting_moved_past_the_end_of_the_file_stays_in_it() -> None:
    far = datetime(2032, 3, 1, 10, tzinfo=SYDNEY)  # the file runs to the start of 2032
    series = dataclasses.replace(SERIES, overrides={"2031-11-10": Override(start=far)})
    _, events = parse(series_ics(series, stamp=STAMP))
    [moved] = [e for e in events if key_of(e) == "2031-11-10"]
    assert moved.start == far
