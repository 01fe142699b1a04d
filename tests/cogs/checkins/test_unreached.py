"""Layer 2: a person who asked peerbot to let their coordinator know about a hard answer is
told privately, once, if the coordinator could not be reached, and what to do instead."""

from __future__ import annotations

from bot.ports import NOT_ACCEPTING_DMS, DeliveryError
from tests.cogs.checkins.conftest import World, button
from tests.cogs.checkins.test_checkins import opt_in, prompted


async def test_the_person_hears_when_their_coordinator_could_not_be_told(world: World) -> None:
    world.port.fail_with = lambda key: (
        DeliveryError(f"{NOT_ACCEPTING_DMS} (code 50007)", retryable=False)
        if key.startswith("checkin-tell:") and key.endswith(":console:carol")
        else None
    )
    await opt_in(world)
    support = await world.press("mia", button(await prompted(world), "Red"))
    await world.deliver()
    told = await world.press("mia", button(support, "Let my coordinator know"))
    assert "peerbot will let you know privately if someone cannot be reached." in told.text
    await world.deliver()
    await world.deliver()
    to_mia = [text for _, target, text in world.port.sent if target == "mia"]
    summaries = [t for t in to_mia if t.startswith("peerbot could not tell")]
    assert summaries == [
        "peerbot could not tell 1 person about your check-in answer:\n"
        "- carol could not be told: they do not accept direct messages from this server.\n"
        "Please contact your coordinator or supervisor another way. If you need support now, "
        "type /support for crisis and support lines (in an emergency, call 000)."
    ]
    assert not [t for _, target, t in world.port.sent if target == "carol"]
