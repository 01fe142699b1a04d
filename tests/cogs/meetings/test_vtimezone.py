"""VTIMEZONE definitions read back by two parsers (icalendar's own time zone built from the
component alone, and dateutil's tzical) and compared with zoneinfo, hour by hour around each
change, in 2027 and in 2050; and the text as RFC 5545 writes it."""

from __future__ import annotations

import io
import zoneinfo
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from dateutil.tz import tzical
from icalendar import Timezone

from cogs.meetings import vtimezone as vtz
from cogs.meetings.vtimezone import DateRule, parse_posix, vtimezone

START = datetime(2027, 1, 1, tzinfo=UTC)
END = datetime(2051, 12, 31, tzinfo=UTC)
AUSTRALIA_AND_NZ = (
    "Australia/Sydney",
    "Australia/Brisbane",
    "Australia/Perth",
    "Australia/Adelaide",
    "Pacific/Auckland",
)
#: Rules of every shape: a week-5 rule, a shifted day, 24:00, a negative time, 30 and 45
#: minute offsets, recorded changes decades ahead, no rule at all.
ODD = (
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Asia/Jerusalem",
    "America/Santiago",
    "America/Nuuk",
    "Africa/Cairo",
    "Asia/Gaza",
    "America/New_York",
    "Europe/London",
    "Asia/Kolkata",
    "UTC",
)


def parts(tz: Timezone) -> list[dict[str, str]]:
    """Each STANDARD / DAYLIGHT sub-component as its property text."""
    found = []
    for sub in tz.subcomponents:
        lines = sub.to_ical().decode().replace("\r\n ", "").splitlines()[1:-1]
        found.append({"kind": sub.name} | dict(line.split(":", 1) for line in lines))
    return found


def onsets(tz: Timezone, year: int) -> dict[datetime, timedelta]:
    """The changes the definition makes in ``year``, read as RFC 5545 says: each onset
    (DTSTART, RDATE, RRULE instance) is a local time in TZOFFSETFROM. UTC instant: new offset."""
    found: dict[datetime, timedelta] = {}
    subs: list[Any] = list(tz.subcomponents)
    for sub in subs:
        before, after = sub["TZOFFSETFROM"].td, sub["TZOFFSETTO"].td
        start: datetime = sub["DTSTART"].dt
        rdates = sub.get("RDATE", [])
        rdates = rdates if isinstance(rdates, list) else [rdates]
        local = [start] + [d.dt for r in rdates for d in r.dts]
        if "RRULE" in sub:
            rule = rrulestr(sub["RRULE"].to_ical().decode(), dtstart=start)
            local += rule.between(datetime(year - 1, 12, 30), datetime(year + 1, 1, 2))
        for onset in local:
            at = (onset - before).replace(tzinfo=UTC)
            if at.year == year:
                found[at] = after
    return found


def real_changes(key: str, year: int) -> list[datetime]:
    """zoneinfo's changes of offset in ``year``: hour by hour, then to the minute."""
    zone = ZoneInfo(key)

    def offset(at: datetime) -> timedelta | None:
        return at.astimezone(zone).utcoffset()

    at = datetime(year, 1, 1, tzinfo=UTC)
    found = []
    while at.year == year:
        step = at + timedelta(hours=1)
        if offset(step) != offset(at):
            low, high = at, step
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                low, high = (middle, high) if offset(middle) == offset(low) else (low, middle)
            found.append(high)
        at = step
    return found


def instants(key: str, years: tuple[int, ...]) -> Iterator[datetime]:
    """Every 30 minutes for a day around each change, and four times a month."""
    for year in years:
        for change in real_changes(key, year):
            for half_hours in range(-24, 25):
                yield change + timedelta(minutes=30 * half_hours) + timedelta(minutes=1)
        for month in range(1, 13):
            for day in (1, 8, 15, 22):
                yield datetime(year, month, day, 12, 30, tzinfo=UTC)


def assert_matches_zoneinfo(key: str, parsed: tzinfo, years: tuple[int, ...]) -> None:
    zone = ZoneInfo(key)
    wrong = [
        (at, at.astimezone(zone).utcoffset(), at.astimezone(parsed).utcoffset())
        for at in instants(key, years)
        if at.astimezone(zone).utcoffset() != at.astimezone(parsed).utcoffset()
    ]
    assert wrong == [], f"{key}: {wrong[:3]}"


def by_icalendar(component: Timezone) -> tzinfo:
    """The zone icalendar builds from the component alone (not from its own zoneinfo)."""
    built: Any = Timezone.from_ical(component.to_ical())
    zone: tzinfo = built.to_tz(lookup_tzid=False)
    return zone


def by_dateutil(component: Timezone, key: str) -> tzinfo:
    zone = tzical(io.StringIO(component.to_ical().decode())).get(key)
    assert zone is not None
    return zone


def test_sydney_is_written_as_rfc_5545_expects() -> None:
    tz = vtimezone("Australia/Sydney", START, END)
    assert tz.to_ical().decode().splitlines() == [
        "BEGIN:VTIMEZONE",
        "TZID:Australia/Sydney",
        "BEGIN:DAYLIGHT",
        # The October change at 02:00 AEST, the local time being left (it becomes 03:00 AEDT).
        "DTSTART:20261004T020000",
        "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=10",
        "TZNAME:AEDT",
        "TZOFFSETFROM:+1000",
        "TZOFFSETTO:+1100",
        "END:DAYLIGHT",
        "BEGIN:STANDARD",
        # The April change at 03:00 AEDT (it becomes 02:00 AEST).
        "DTSTART:20270404T030000",
        "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=4",
        "TZNAME:AEST",
        "TZOFFSETFROM:+1100",
        "TZOFFSETTO:+1000",
        "END:STANDARD",
        "END:VTIMEZONE",
    ]


def test_zones_without_daylight_saving_have_one_standard_time() -> None:
    for key, offset in (("Australia/Brisbane", "+1000"), ("Australia/Perth", "+0800")):
        [only] = parts(vtimezone(key, START, END))
        assert only["kind"] == "STANDARD"
        assert only["TZOFFSETTO"] == offset
        assert "RRULE" not in only and "RDATE" not in only
        assert only["DTSTART"] < "20270101T000000"  # in force before the first meeting


def test_adelaide_half_hour_and_auckland_last_sunday_rules() -> None:
    adelaide = {p["kind"]: p for p in parts(vtimezone("Australia/Adelaide", START, END))}
    assert adelaide["DAYLIGHT"]["TZOFFSETFROM"] == "+0930"
    assert adelaide["DAYLIGHT"]["TZOFFSETTO"] == "+1030"
    assert adelaide["DAYLIGHT"]["DTSTART"].endswith("T020000")
    assert adelaide["STANDARD"]["TZOFFSETFROM"] == "+1030"
    assert adelaide["STANDARD"]["DTSTART"].endswith("T030000")
    auckland = {p["kind"]: p for p in parts(vtimezone("Pacific/Auckland", START, END))}
    assert auckland["DAYLIGHT"]["RRULE"] == "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=9"
    assert auckland["DAYLIGHT"]["DTSTART"] == "20260927T020000"
    assert (auckland["DAYLIGHT"]["TZOFFSETFROM"], auckland["DAYLIGHT"]["TZOFFSETTO"]) == (
        "+1200",
        "+1300",
    )
    assert auckland["STANDARD"]["RRULE"] == "FREQ=YEARLY;BYDAY=1SU;BYMONTH=4"
    assert auckland["STANDARD"]["DTSTART"] == "20270404T030000"


@pytest.mark.parametrize("key", AUSTRALIA_AND_NZ)
def test_australian_and_new_zealand_zones_are_right_now_and_in_2050(key: str) -> None:
    # Definitions made for a calendar of 2027 only: they must still hold in 2050.
    tz = vtimezone(key, START, START + timedelta(days=200))
    assert "COMMENT" not in tz and "RDATE" not in tz.to_ical().decode()
    assert_matches_zoneinfo(key, by_icalendar(tz), (2027, 2050))
    assert_matches_zoneinfo(key, by_dateutil(tz, key), (2027, 2050))
    assert_onsets_match(key, tz, (2027, 2050))


@pytest.mark.parametrize("key", ODD)
def test_every_shape_of_rule_matches_zoneinfo(key: str) -> None:
    tz = vtimezone(key, START, END)
    assert_matches_zoneinfo(key, by_icalendar(tz), (2027, 2050))
    assert_onsets_match(key, tz, (2027, 2050))


def assert_onsets_match(key: str, tz: Timezone, years: tuple[int, ...]) -> None:
    zone = ZoneInfo(key)
    for year in years:
        expected = {at: at.astimezone(zone).utcoffset() for at in real_changes(key, year)}
        assert onsets(tz, year) == expected, f"{key} {year}"


@pytest.mark.parametrize("key", ("Europe/Dublin", "Africa/Casablanca"))
def test_negative_daylight_saving_onsets_are_right(key: str) -> None:
    """Dublin's winter time and Morocco's Ramadan time are daylight saving with a negative
    change in tzdata. (Both icalendar and dateutil read those an hour late, so the onsets are
    checked as RFC 5545 defines them.)"""
    assert_onsets_match(key, vtimezone(key, START, END), (2027, 2028, 2050))


def test_dublin_is_written_as_tzdata_has_it() -> None:
    winter, summer = parts(vtimezone("Europe/Dublin", START, END))
    assert (winter["kind"], winter["TZNAME"], winter["DTSTART"]) == (
        "DAYLIGHT",
        "GMT",
        "20261025T020000",  # 02:00 Irish Standard Time, the time being left
    )
    assert (winter["TZOFFSETFROM"], winter["TZOFFSETTO"]) == ("+0100", "+0000")
    assert (summer["kind"], summer["DTSTART"]) == ("STANDARD", "20270328T010000")


def test_a_rule_no_rrule_can_say_is_written_out_to_the_end() -> None:
    # Cairo leaves daylight saving at 24:00 on the last Thursday of October (sometimes
    # 1 November): RDATEs up to the year after the last meeting.
    tz = vtimezone("Africa/Cairo", START, datetime(2030, 6, 1, tzinfo=UTC))
    standard = next(p for p in parts(tz) if p["kind"] == "STANDARD")
    assert "RRULE" not in standard
    assert standard["RDATE"].split(",")[-1] == "20311031T000000"
    assert_matches_zoneinfo("Africa/Cairo", by_icalendar(tz), (2027, 2030))


@pytest.mark.parametrize("key", ("Australia/Sydney", "Pacific/Auckland", "Asia/Jerusalem"))
def test_the_tzdata_package_files_give_the_same_zones(
    key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A machine without /usr/share/zoneinfo reads the tzdata package ("slim" files, which
    record changes only until the current rule, where the system's run to 2037)."""
    system = vtimezone(key, START, END).to_ical()
    monkeypatch.setattr(zoneinfo, "TZPATH", ())
    vtz._vtimezone_text.cache_clear()
    try:
        packaged = vtimezone(key, START, END)
        assert packaged.to_ical() == system
        assert_matches_zoneinfo(key, by_icalendar(packaged), (2027, 2050))
    finally:
        vtz._vtimezone_text.cache_clear()


def test_posix_rules() -> None:
    rule = parse_posix("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0")
    assert rule is not None and rule.dst is not None and rule.start is not None
    assert rule.std.offset == timedelta(hours=10, minutes=30) and rule.std.name == "+1030"
    assert rule.dst.offset == timedelta(hours=11)
    assert rule.start.on(2027) == datetime(2027, 10, 3, 2)
    nz = parse_posix("NZST-12NZDT,M9.5.0,M4.1.0/3")
    assert nz is not None and nz.dst is not None and nz.start is not None
    assert nz.dst.offset == timedelta(hours=13)  # one hour more when not written
    assert nz.start.on(2027) == datetime(2027, 9, 26, 2)  # the last Sunday
    assert parse_posix("AEST-10") is not None
    assert parse_posix("not a rule") is None
    julian = DateRule("J", 0, 0, 0, 60, timedelta(hours=2))  # 1 March, leap year or not
    assert julian.on(2028) == datetime(2028, 3, 1, 2)
    assert julian.on(2027) == datetime(2027, 3, 1, 2)
    zero_based = DateRule("n", 0, 0, 0, 59, timedelta(0))  # counts 29 February
    assert zero_based.on(2028) == datetime(2028, 2, 29)
    assert julian.rrule() is None
    israel = DateRule("M", 3, 4, 4, 0, timedelta(hours=26))  # 02:00 the day after
    recur: Any = israel.rrule()
    assert recur is not None
    assert recur.to_ical() == b"FREQ=YEARLY;BYDAY=FR;BYMONTHDAY=23,24,25,26,27,28,29;BYMONTH=3"
