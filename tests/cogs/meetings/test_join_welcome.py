"""Joining a network says what a new member needs first: who the coordinator is, when the
network next meets, what others can see, and how co-reflection and check-ins start."""

from __future__ import annotations

from tests.cogs.meetings.conftest import World
from tests.cogs.meetings.test_commands import schedule
from tests.cogs.networks import as_console_shows, invoke


async def test_joining_names_the_coordinator_and_the_next_meeting(world: World) -> None:
    before = as_console_shows(
        await invoke(world.kernel, "newbie", "network join", network="brisbane")
    )
    assert "Your coordinator: bea." in before.text
    assert "Next meeting: none scheduled." in before.text

    assert (await schedule(world)).startswith("Scheduled")
    joined = as_console_shows(
        await invoke(world.kernel, "newbie", "network join", network="south-coast")
    )
    text = joined.text
    assert text.startswith("Welcome to South Coast. You joined as a member.")
    assert "Your coordinator: carol." in text
    assert "Next meeting: Wednesday 10 March 2027, 10:00 to 12:00 AEDT." in text
    assert "its members can read" in text and "private to you" in text
    assert "/reflect start" in text and "/checkin start" in text
    assert "Everything here is private" not in text


async def test_the_space_welcome_says_what_is_private_and_what_is_shared(world: World) -> None:
    welcome = world.kernel.settings.networks.welcome_text
    assert "Everything here is private" not in welcome
    assert "What is shared:" in welcome and "What is private:" in welcome
    assert "/reflect start" in welcome and "/checkin start" in welcome
    assert "not a crisis service" in welcome and "000" in welcome
