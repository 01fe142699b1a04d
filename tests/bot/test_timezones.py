from __future__ import annotations

import pytest

from bot.timezones import (
    AUSTRALIA_FIRST,
    UnknownTimezone,
    complete_timezones,
    is_timezone,
    resolve_timezone,
    suggest_timezones,
)


@pytest.mark.parametrize(
    "name", ["Australia/Sydney", "Australia/Brisbane", "Australia/Perth", "Australia/Darwin", "UTC"]
)
def test_zone_names(name: str) -> None:
    assert is_timezone(name)


@pytest.mark.parametrize(
    "name", ["", "Australia", "Mars/Base", "../etc/passwd", " Australia/Sydney", "AEST"]
)
def test_not_zone_names(name: str) -> None:
    assert not is_timezone(name)


# ---- reading what people type, and suggesting ------------------------------------------


def test_a_near_miss_names_what_it_may_have_meant() -> None:
    with pytest.raises(UnknownTimezone) as caught:
        resolve_timezone("Sydny")
    assert caught.value.suggestions == ("Australia/Sydney",)
    assert suggest_timezones("Brisbne") == ("Australia/Brisbane",)
    assert suggest_timezones("Mars/Olympus") == ()


def test_an_ambiguous_city_lists_the_zones_it_could_be() -> None:
    with pytest.raises(UnknownTimezone) as caught:
        resolve_timezone("Eastern")
    assert caught.value.suggestions == ("Canada/Eastern", "US/Eastern")
    # A city with one main zone is that zone, whatever older names link to it.
    assert resolve_timezone("Louisville") == "America/Kentucky/Louisville"


def test_suggestions_as_typed_start_with_australia() -> None:
    empty = complete_timezones("")
    assert [c.value for c in empty] == list(AUSTRALIA_FIRST)
    assert empty[0].label == "Australia/Sydney - New South Wales (most areas)"
    assert complete_timezones("per")[0].value == "Australia/Perth"
    assert [c.value for c in complete_timezones("SYD")] == ["Australia/Sydney"]
    assert [c.value for c in complete_timezones("Sydny")] == ["Australia/Sydney"]
    assert "Australia/Sydney" in [c.value for c in complete_timezones("new south wales")]
    assert len(complete_timezones("a")) == 25
    assert complete_timezones("Australia/ACT")[0].value == "Australia/ACT"  # an older name
    assert all(len(c.label) <= 100 for c in complete_timezones("america"))
