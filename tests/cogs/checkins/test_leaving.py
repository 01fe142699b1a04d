"""Check-ins set up with a network stop when the person leaves it or is removed from it; they
are told once (in the leave confirmation, or privately when a coordinator removed them) and
the coordinator never learns they had check-ins."""

from __future__ import annotations

import datetime as dt

from tests.cogs.checkins.conftest import World, key
from tests.cogs.checkins.test_checkins import FIRST, opt_in, outbox_keys

STOPPED = "Your wellbeing check-ins have stopped too, because you set them up with South Coast."


async def test_leaving_the_network_stops_its_check_ins_and_says_so_once(world: World) -> None:
    assert (await opt_in(world)).text.startswith("Check-ins are on (South Coast)")
    # The first prompt is queued (the platform is slow), then mia leaves before it arrives.
    world.clock.set(FIRST)
    await world.kernel.scheduler.run_job(
        (await world.jobs())[f"checkin:1:{FIRST:%Y-%m-%dT%H:%M:%SZ}:prompt"]
    )
    assert await outbox_keys(world, "checkin:1:%:prompt") != []

    left = await world.run("mia", "network leave", network="south-coast")
    assert left.private
    assert left.text.startswith("You have left South Coast.")
    assert left.text.count(STOPPED) == 1
    assert "/checkin history" in left.text

    assert await world.cog.service.subscription(key("mia")) is None
    assert not any(k.startswith("checkin:1:") for k in await world.jobs())
    assert await world.deliver() == 0  # the queued prompt was withdrawn
    assert world.dms("mia") == []
    status = await world.kernel.outbox.status_of(
        next(iter(await outbox_keys(world, "checkin:1:%")))
    )
    assert status == "skipped"
    settings = await world.run("mia", "checkin settings")
    assert "not started check-ins" in settings.text

    again = await world.run("mia", "network join", network="south-coast")
    assert "Welcome" in again.text  # nothing restarts by itself: check-ins stay off
    assert await world.cog.service.subscription(key("mia")) is None


async def test_leaving_another_network_leaves_check_ins_alone(world: World) -> None:
    await world.run("mia", "network join", network="perth")
    started = await opt_in(world, network="south-coast")
    assert started.text.startswith("Check-ins are on (South Coast)"), started.text
    left = await world.run("mia", "network leave", network="perth")
    assert left.text.startswith("You have left Perth.") and "check-in" not in left.text
    assert await world.cog.service.subscription(key("mia")) is not None
    assert f"checkin:1:{FIRST:%Y-%m-%dT%H:%M:%SZ}:prompt" in await world.jobs()


async def test_someone_removed_by_a_coordinator_is_told_privately(world: World) -> None:
    await opt_in(world, "max")
    removed = await world.run(
        "carol", "network role", network="south-coast", member="max", role="member", remove=True
    )
    assert "is no longer a member of South Coast" in removed.text
    assert "check-in" not in removed.text.lower()  # never told to the coordinator
    assert await world.cog.service.subscription(key("max")) is None
    await world.deliver()
    told = [m.text for m in world.dms("max")]
    assert told == [
        "You are no longer a member of South Coast, so the wellbeing check-ins you set up with "
        "it have stopped. Your earlier answers are kept for you (/checkin history shows them). "
        "To have check-ins again, start them with /checkin start in a network you are in."
    ]
    await world.run_due(FIRST + dt.timedelta(days=1))
    assert [m.text for m in world.dms("max")] == told  # nothing more, ever
    assert world.dms("carol") == []
