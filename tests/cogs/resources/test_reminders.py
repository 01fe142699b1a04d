"""The monthly reminder of stale entries (issue 18 item 10): each network's coordinators are
told privately, once a month, of their entries nobody checked for the set months; a job run
twice (a crash before it was recorded) or a restart sends nothing twice. Dates are in 2035, so
the scheduler never fires them in the background."""

from __future__ import annotations

import datetime as dt

from bot.scheduler import Decision
from cogs.resources.commands import ResourcesCog
from tests.cogs.resources.conftest import World

LINK = "https://example.org/roster"


async def add(world: World, who: str, title: str, network: str) -> None:
    added = await world.run(
        who,
        "library add",
        title=title,
        link=LINK,
        summary="Who is on when.",
        area="support",
        type="form",
        network=network,
    )
    assert added.text.startswith("Added entry"), added.text


async def test_coordinators_are_reminded_once_a_month_of_stale_entries(world: World) -> None:
    cog = world.kernel.cogs["resources"]
    assert isinstance(cog, ResourcesCog)
    world.clock.set(dt.datetime(2035, 1, 10, 12, tzinfo=dt.UTC))
    await add(world, "carol", "Coast roster", "south-coast")
    await add(world, "bea", "Brisbane roster", "brisbane")
    world.clock.set(dt.datetime(2035, 12, 20, tzinfo=dt.UTC))
    await add(world, "carol", "Coast leave form", "south-coast")  # checked recently

    world.clock.set(dt.datetime(2036, 2, 1, 0, 30, tzinfo=dt.UTC))
    jobs = {j.key: j for j in await cog.reminders.planned_jobs(world.clock.now())}
    february = f"resources:stale-reminder:{world.south}:2036-02"
    assert jobs[february].run_at == dt.datetime(2036, 2, 1, tzinfo=dt.UTC)
    assert f"resources:stale-reminder:{world.south}:2036-03" in jobs
    await world.kernel.scheduler.run_job(jobs[february])
    await world.deliver()
    [told] = world.dms("carol")
    assert told.startswith(
        "Monthly reminder for South Coast's resource library: these entries have not been "
        "checked for 12 months or more, oldest first."
    ), told
    assert "- Coast roster (entry " in told and "last checked 2035-01-10" in told
    assert "Coast leave form" not in told and "Brisbane" not in told
    assert "/library stale network:south-coast" in told
    assert world.dms("eve") == [] and world.dms("mia") == [] and world.dms("bea") == []

    await jobs[february].run()  # as if it ran again before being recorded (a crash)
    await world.kernel.scheduler.run_job(jobs[february])  # recorded: does nothing
    await world.deliver()
    assert len(world.dms("carol")) == 1
    decisions = await world.kernel.scheduler.refresh(cog.reminders.name)  # as at a restart
    assert decisions[february] is Decision.ALREADY_DONE
    assert decisions[f"resources:stale-reminder:{world.south}:2036-03"] is Decision.SCHEDULE

    brisbane = f"resources:stale-reminder:{world.brisbane}:2036-02"
    await world.kernel.scheduler.run_job(jobs[brisbane])
    await world.deliver()
    [bea] = world.dms("bea")
    assert "- Brisbane roster (entry " in bea and "Coast" not in bea

    stale = await world.run("carol", "library stale", network="south-coast")
    assert stale.select is not None
    await world.press("carol", stale.select.action, selected=("1000",))  # nothing real
    ids = tuple(c.value for c in stale.select.choices if c.label == "Coast roster")
    await world.press("carol", stale.select.action, selected=ids)
    world.clock.set(dt.datetime(2036, 3, 1, 0, 5, tzinfo=dt.UTC))
    march = {j.key: j for j in await cog.reminders.planned_jobs(world.clock.now())}
    await world.kernel.scheduler.run_job(march[f"resources:stale-reminder:{world.south}:2036-03"])
    await world.deliver()
    assert len(world.dms("carol")) == 1  # all checked: no reminder in March


async def test_links_are_not_checked_unless_the_setting_is_on(world: World) -> None:
    cog = world.kernel.cogs["resources"]
    assert isinstance(cog, ResourcesCog)
    assert world.kernel.settings.resources.check_links is False
    assert await cog.links.planned_jobs(world.clock.now()) == []
