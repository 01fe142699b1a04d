"""Every command reads times, dates and time zones the ways people write them (issue 16):
"9am", "9.30am", "9:00 pm", "2027-3-5", "australia/perth", "Perth"; and the strictness that is
there for a reason stays (no Unix times, no offsets, no abbreviations, no near miss guessed)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import pytest
from pydantic import ValidationError

from bot.commands import Context, Option, OptionKind, TimeZone, command, command_spec
from bot.platforms.discord.commands_payload import option_payload
from bot.replies import Reply


class Forms:
    name = "forms"
    title = "Forms"

    @command("forms try", "Times, dates and zones")
    async def everything(
        self,
        ctx: Context,
        at: Annotated[dt.time, Option("A time")],
        day: Annotated[dt.date, Option("A day")],
        zone: Annotated[TimeZone, Option("A time zone")],
        other: Annotated[TimeZone | None, Option("Another time zone")] = None,
    ) -> Reply:
        return Reply(text="ok")


SPEC = command_spec(Forms.everything)
assert SPEC is not None
VALID = {"at": "09:00", "day": "2027-03-10", "zone": "Australia/Sydney"}


def _read(**values: str) -> dict[str, object]:
    assert SPEC is not None
    return SPEC.arguments.model_validate({**VALID, **values}).model_dump()


def _refusal(**values: str) -> str:
    assert SPEC is not None
    with pytest.raises(ValidationError) as caught:
        SPEC.arguments.model_validate({**VALID, **values})
    [problem] = caught.value.errors()
    return str(problem["msg"])


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("9:00", dt.time(9)),
        ("09:00", dt.time(9)),
        ("21:00", dt.time(21)),
        ("9am", dt.time(9)),
        ("9AM", dt.time(9)),
        ("9 am", dt.time(9)),
        ("9 a.m.", dt.time(9)),
        ("9.30am", dt.time(9, 30)),
        ("9.30", dt.time(9, 30)),
        ("9:00 pm", dt.time(21)),
        ("9:00PM", dt.time(21)),
        ("12am", dt.time(0)),
        ("12:30am", dt.time(0, 30)),
        ("12pm", dt.time(12)),
        ("12:15 pm", dt.time(12, 15)),
        ("23:59:59", dt.time(23, 59, 59)),
        ("noon", dt.time(12)),
        ("Midnight", dt.time(0)),
    ],
)
def test_times_are_read_as_people_write_them(typed: str, meant: dt.time) -> None:
    assert _read(at=typed)["at"] == meant


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("9", "not a time written like 18:30 or 6:30pm"),  # morning or evening?
        ("1800", "not a time written like 18:30 or 6:30pm"),
        ("1704067200", "not a time written like 18:30 or 6:30pm"),  # a Unix time
        ("18:30+10:00", "not a time written like 18:30 or 6:30pm"),  # an offset
        ("9:00 AEST", "not a time written like 18:30 or 6:30pm"),
        ("nan", "not a time written like 18:30 or 6:30pm"),
        ("24:00", "no such time of day"),
        ("23:60", "no such time of day"),
        ("13pm", "with am or pm, the hour is 1 to 12"),
        ("0am", "with am or pm, the hour is 1 to 12"),
        ("9:5", "not a time written like 18:30 or 6:30pm"),
        ("٩:٠٠", "not a time written like 18:30 or 6:30pm"),  # other scripts' digits
    ],
)
def test_times_that_are_not_clear_are_refused_with_the_reason(typed: str, why: str) -> None:
    assert why in _refusal(at=typed)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("2027-3-5", dt.date(2027, 3, 5)),
        ("2027-03-05", dt.date(2027, 3, 5)),
        ("2027-12-1", dt.date(2027, 12, 1)),
        (" 2027-3-05 ", dt.date(2027, 3, 5)),
    ],
)
def test_dates_need_no_zero_padding(typed: str, meant: dt.date) -> None:
    assert _read(day=typed)["day"] == meant


@pytest.mark.parametrize("typed", ["1704067200", "2027-3-5T10:00", "27-3-5", "٢٠٢٧-٣-٥"])
def test_dates_stay_strict_otherwise(typed: str) -> None:
    assert "not a date written like 2027-03-10" in _refusal(day=typed)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("Australia/Perth", "Australia/Perth"),
        ("australia/perth", "Australia/Perth"),
        ("AUSTRALIA/SYDNEY", "Australia/Sydney"),
        ("Perth", "Australia/Perth"),
        ("sydney", "Australia/Sydney"),
        ("Broken Hill", "Australia/Broken_Hill"),
        ("new york", "America/New_York"),
        ("utc", "UTC"),
    ],
)
def test_time_zones_ignore_case_and_take_a_city_alone(typed: str, meant: str) -> None:
    assert _read(zone=typed)["zone"] == meant


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("Sydny", "did you mean Australia/Sydney?"),
        ("Australia/Sydny", "did you mean Australia/Sydney?"),
        ("Melborne", "did you mean Australia/Melbourne?"),
        ("Eastern", "several time zones are called that"),  # never guessed between
        ("AEST", "not a time zone peerbot knows"),
        ("+10:00", "not a time zone peerbot knows"),
        ("UTC+10", "not a time zone peerbot knows"),
        ("1704067200", "not a time zone peerbot knows"),
        ("nan", "not a time zone peerbot knows"),
        ("Australia", "not a time zone peerbot knows"),  # a folder, not a zone
        ("../etc/passwd", "not a time zone peerbot knows"),
        ("localtime", "not a time zone peerbot knows"),  # the machine's, not a place
    ],
)
def test_a_near_miss_is_suggested_never_guessed(typed: str, why: str) -> None:
    assert why in _refusal(zone=typed)


def test_a_time_zone_is_text_to_the_platform_with_suggestions_as_typed() -> None:
    assert SPEC is not None
    zone, other = SPEC.option("zone"), SPEC.option("other")
    assert zone is not None and other is not None
    assert zone.kind is OptionKind.TIMEZONE and zone.required and zone.suggests
    assert other.kind is OptionKind.TIMEZONE and not other.required
    assert zone.hint == "a time zone like Australia/Sydney, or a city like Perth"
    payload = option_payload(zone)
    assert payload["type"] == 3 and payload["autocomplete"] is True
    assert payload["max_length"] == 40
    at = SPEC.option("at")
    assert at is not None and option_payload(at)["max_length"] >= len("12:30 p.m.")
    assert "autocomplete" not in option_payload(at)


def test_a_time_zone_option_must_be_text() -> None:
    with pytest.raises(TypeError, match="a time zone is text"):

        class Bad:
            @command("bad zone", "A zone that is a number")
            async def bad(
                self, ctx: Context, zone: Annotated[int, OptionKind.TIMEZONE, Option("Zone")]
            ) -> Reply:
                return Reply(text="no")


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("28 February 2027", dt.date(2027, 2, 28)),
        ("28 Feb 2027", dt.date(2027, 2, 28)),
        ("28th February 2027", dt.date(2027, 2, 28)),
        ("Sunday 28 February 2027", dt.date(2027, 2, 28)),
        ("Sun, 28 Feb 2027", dt.date(2027, 2, 28)),
        ("February 28, 2027", dt.date(2027, 2, 28)),
        ("28/2/2027", dt.date(2027, 2, 28)),  # day first, as Australians write it
        ("3/10/2027", dt.date(2027, 10, 3)),
        ("3 Sept 2027", dt.date(2027, 9, 3)),
        ("may 5 2027", dt.date(2027, 5, 5)),
    ],
)
def test_dates_are_read_as_people_write_them(typed: str, meant: dt.date) -> None:
    assert _read(day=typed)["day"] == meant


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("30 February 2027", "no such day in the calendar"),
        ("28/13/2027", "no such day in the calendar"),
        ("Monday 28 February 2027", "28 February 2027 is a Sunday; check the day or the date"),
        ("28 Febtober 2027", "not a date written like 2027-03-10 or 10 March 2027"),
        ("28 February", "not a date written like 2027-03-10 or 10 March 2027"),
        ("٢٨/٢/٢٠٢٧", "not a date written like 2027-03-10 or 10 March 2027"),
    ],
)
def test_dates_that_are_not_clear_are_refused_with_the_reason(typed: str, why: str) -> None:
    assert why in _refusal(day=typed)
