"""Layer 2: a member's report reaches every coordinator who can be reached, and the member is
told privately, once, which coordinator could not be, and what to do instead."""

from __future__ import annotations

from bot.outbox import OutboxWorker
from bot.ports import NOT_ACCEPTING_DMS, DeliveryError
from tests.cogs.moderation.conftest import SOUTH_LINK, World
from tests.cogs.networks import invoke


async def test_the_reporter_hears_which_coordinator_could_not_be_told(world: World) -> None:
    k = world.kernel
    world.port.fail_with = lambda key: (
        DeliveryError(f"{NOT_ACCEPTING_DMS} (code 50007)", retryable=False)
        if key.endswith(":console:cody")
        else None
    )
    reply = await invoke(k, "mia", "mod report", concern="Someone seems unsafe", link=SOUTH_LINK)
    assert "peerbot will let you know privately if someone cannot be reached." in reply.text
    worker = OutboxWorker(k.outbox, k.ports)
    await worker.run_once()
    await worker.run_once()
    by_target: dict[str, list[str]] = {}
    for _, target, text in world.port.sent:
        by_target.setdefault(target, []).append(text)
    assert sorted(by_target) == ["carol", "mia"]  # cody's message was refused
    assert "Someone seems unsafe" in by_target["carol"][0]
    [summary] = by_target["mia"]
    assert summary.startswith("peerbot could not tell 1 person about your report (number 1):")
    assert "- cody could not be told: they do not accept direct messages from this server." in (
        summary
    )
    assert "the other coordinators can see it with /mod reports" in summary
    assert "/support" in summary
    assert "carol" not in summary and "Someone seems unsafe" not in summary


async def test_when_every_coordinator_is_reached_the_reporter_hears_nothing_more(
    world: World,
) -> None:
    k = world.kernel
    await invoke(k, "mia", "mod report", concern="Someone seems unsafe", link=SOUTH_LINK)
    await OutboxWorker(k.outbox, k.ports).run_once()
    assert sorted(target for _, target, _ in world.port.sent) == ["carol", "cody"]
