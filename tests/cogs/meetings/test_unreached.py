"""Layer 2: skipping a meeting tells those coming; whoever skipped it is told privately, once,
who could not be reached."""

from __future__ import annotations

from bot.outbox import OutboxWorker
from bot.ports import NOT_ACCEPTING_DMS, DeliveryError
from cogs.meetings.models import Answer
from tests.bot.fakes import RecordingPort
from tests.cogs.meetings.conftest import World, key
from tests.cogs.meetings.test_commands import SOUTH, private, schedule
from tests.cogs.networks import invoke


async def test_the_one_who_skipped_hears_who_could_not_be_told(world: World) -> None:
    k = world.kernel
    port = RecordingPort()
    port.fail_with = lambda k: (
        DeliveryError(f"{NOT_ACCEPTING_DMS} (code 50007)", retryable=False)
        if k.endswith(":console:max")
        else None
    )
    k.ports["console"] = port
    await schedule(world)
    await world.service.rsvp(1, "2027-06-10", key("mia"), Answer.GOING)
    await world.service.rsvp(1, "2027-06-10", key("max"), Answer.MAYBE)
    text = private(await invoke(k, "eve", "meeting skip", network=SOUTH, date="2027-06-10"))
    assert "The 2 people who said they would or might come are being told privately." in text
    worker = OutboxWorker(k.outbox, k.ports)
    await worker.run_once()
    await worker.run_once()
    private_messages = [
        (target, text) for _, target, text in port.sent if target != "announcements"
    ]
    to_mia = [t for who, t in private_messages if who == "mia"]
    to_eve = [t for who, t in private_messages if who == "eve"]
    assert len(to_mia) == 1 and "is skipped" in to_mia[0]
    assert not [t for who, t in private_messages if who == "max"]
    [summary] = to_eve
    assert summary.startswith(
        "peerbot could not tell 1 person about the South Coast meeting on Thursday 10 June "
        "2027, 10:00 to 12:00 AEST, which was skipped:"
    )
    assert "- max could not be told: they do not accept direct messages from this server." in (
        summary
    )
    assert "mia" not in summary
