"""Layer 2: /checkin start first checks that peerbot can message the person privately (a short
welcome), and saves nothing when it cannot (issue 16, item 9); and it takes times, dates and
time zones the ways people write them (item 10)."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.ports import NOT_ACCEPTING_DMS, DeliveryError
from cogs.checkins.service import OPEN_DMS_OTHER, WELCOME
from tests.cogs.checkins.conftest import World, key
from tests.cogs.checkins.test_checkins import opt_in


async def nothing_saved(world: World, who: str = "mia") -> None:
    assert await world.cog.service.subscription(key(who)) is None
    assert [j for j in await world.jobs() if not j.startswith("checkin-retention")] == []
    assert await world.kernel.db.fetch_all("SELECT key FROM outbox") == []


async def test_start_sends_a_short_welcome_first(world: World) -> None:
    started = await opt_in(world)
    assert started.text.startswith("Check-ins are on (South Coast)")
    assert world.welcomes("mia") == [WELCOME]
    assert "nothing to answer" in WELCOME
    again = await opt_in(world)  # already on: refused before any message
    assert again.text.startswith("Your check-ins are already on.")
    assert world.welcomes("mia") == [WELCOME]


async def test_closed_direct_messages_save_nothing_and_say_how_to_open_them(
    world: World,
) -> None:
    world.port.fail_with = lambda outbox_key: (
        DeliveryError(f"{NOT_ACCEPTING_DMS} (code 50007)", retryable=False)
        if outbox_key.startswith("checkin-welcome:")
        else None
    )
    refused = await opt_in(world)
    assert refused.private
    assert refused.text == (
        "peerbot could not send you a private message (you do not accept direct messages from "
        "this server), and check-ins come only that way, so they were not started. Nothing "
        f"was saved.\n\n{OPEN_DMS_OTHER}"
    )
    await nothing_saved(world)
    world.port.fail_with = lambda outbox_key: None  # she opens them and tries again
    assert (await opt_in(world)).text.startswith("Check-ins are on")


async def test_a_busy_platform_saves_nothing_and_says_to_try_again(world: World) -> None:
    world.port.fail_with = lambda outbox_key: DeliveryError("HTTP 503", retryable=True)
    refused = await opt_in(world)
    assert "please try /checkin start again in a minute" in refused.text
    assert "Nothing was saved" in refused.text
    await nothing_saved(world)


async def test_bad_choices_are_refused_before_any_message(world: World) -> None:
    refused = await opt_in(world, scale="who-5", every="weekly")
    assert "at most fortnightly" in refused.text
    assert world.welcomes("mia") == []


@pytest.mark.parametrize(
    ("typed", "at"),
    [("9:00", "09:00"), ("9am", "09:00"), ("9.30am", "09:30"), ("9:00 pm", "21:00")],
)
async def test_start_takes_times_as_people_write_them(world: World, typed: str, at: str) -> None:
    started = await opt_in(world, time=typed)
    assert f"every week on Tuesday at {at} (Australia/Sydney)" in started.text


@pytest.mark.parametrize("typed", ["australia/perth", "Perth", "AUSTRALIA/PERTH"])
async def test_start_takes_a_time_zone_in_any_case_or_its_city(world: World, typed: str) -> None:
    started = await opt_in(world, timezone=typed)
    assert "every week on Tuesday at 09:00 (Australia/Perth)" in started.text
    sub = await world.cog.service.subscription(key("mia"))
    assert sub is not None and sub.timing.timezone == "Australia/Perth"


async def test_a_misspelt_time_zone_is_answered_with_a_suggestion(world: World) -> None:
    refused = await opt_in(world, timezone="Sydny")
    assert refused.text == (
        "The option 'timezone' must be a time zone like Australia/Sydney, or a city like Perth; "
        "you gave 'Sydny' (did you mean Australia/Sydney?). Nothing was changed."
    )
    await nothing_saved(world)
    assert world.welcomes("mia") == []


async def test_start_and_pause_take_dates_without_zero_padding(world: World) -> None:
    started = await opt_in(world, starting="2027-3-1")
    assert "Tuesday 2 March 2027 at 09:00 AEDT" in started.text
    paused = await world.run("mia", "checkin pause", until="2027-4-6")
    sub = await world.cog.service.subscription(key("mia"))
    assert paused.text.startswith("Paused.")
    assert sub is not None and sub.paused_until == dt.date(2027, 4, 6)


async def test_settings_take_the_same_forgiving_input(world: World) -> None:
    await opt_in(world)
    changed = await world.run("mia", "checkin settings", time="5:30pm", timezone="brisbane")
    assert "at 17:30 (Australia/Brisbane)" in changed.text
