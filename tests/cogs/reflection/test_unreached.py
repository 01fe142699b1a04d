"""Layer 2: whoever starts a co-reflection is told privately, once, which peer's invitation
could not be delivered, and that they cannot join this one."""

from __future__ import annotations

from bot.ports import NOT_ACCEPTING_DMS, DeliveryError
from tests.cogs.reflection.conftest import World
from tests.cogs.reflection.test_commands import start_case


async def test_the_starter_hears_whose_invitation_could_not_be_delivered(world: World) -> None:
    world.port.fail_with = lambda key: (
        DeliveryError(f"{NOT_ACCEPTING_DMS} (code 50007)", retryable=False)
        if key.endswith(":invite:console:kim")
        else None
    )
    number = await start_case(world)
    await world.deliver()
    await world.deliver()
    assert len(world.dms("max")) == 1 and len(world.dms("lee")) == 1
    assert world.dms("kim") == []
    [summary] = world.dms("mia")
    assert summary.startswith(
        f"peerbot could not tell 1 person about your invitation to co-reflection number {number}:"
    )
    assert "- kim could not be told: they do not accept direct messages from this server." in (
        summary
    )
    assert "cannot join this one yet" in summary
    assert "max" not in summary and "lee" not in summary
