"""The weekly link check (issue 18 item 10), against a fake web server on 127.0.0.1 started
here: HEAD, then GET when HEAD is refused; a link that stops working is told privately to its
network's coordinators once and shown in /library stale until it is fixed. Off by default."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from bot.clock import FakeClock
from cogs.resources.commands import ResourcesCog
from config.settings import Settings
from tests.cogs.networks import settings_for
from tests.cogs.resources.conftest import World


@pytest.fixture
def clock() -> FakeClock:
    """A Sunday in 2035: at start last week's check is long past (skipped) and this week's is
    in the future, so none runs in the background (seed links are real sites)."""
    return FakeClock(dt.datetime(2035, 6, 3, 12, tzinfo=dt.UTC))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return settings_for(tmp_path, PEERBOT_RESOURCES__CHECK_LINKS="true")


@pytest.fixture
async def site() -> AsyncIterator[str]:
    """A web server on loopback: /ok answers, /gone is 404, /nohead refuses HEAD (405) but
    answers GET, as some servers do."""

    async def ok(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def gone(_: web.Request) -> web.Response:
        return web.Response(status=404)

    async def nohead(request: web.Request) -> web.Response:
        return web.Response(status=405 if request.method == "HEAD" else 200)

    app = web.Application()
    app.router.add_route("*", "/ok", ok)
    app.router.add_route("*", "/gone", gone)
    app.router.add_route("*", "/nohead", nohead)
    runner = web.AppRunner(app)
    await runner.setup()
    server = web.TCPSite(runner, "127.0.0.1", 0)
    await server.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def loopback_only(world: World) -> None:
    """Take the shared seed entries out: their links are real sites, and tests reach only
    127.0.0.1."""
    async with world.kernel.db.transaction() as tx:
        await tx.execute(
            "UPDATE resources SET retired_at = '2035-01-01T00:00:00+00:00' WHERE network_id IS NULL"
        )


async def add(world: World, who: str, title: str, link: str, network: str) -> str:
    added = await world.run(
        who,
        "library add",
        title=title,
        link=link,
        summary="Who is on when.",
        area="support",
        type="form",
        network=network,
    )
    assert added.text.startswith("Added entry"), added.text
    return added.text.split()[2].rstrip(".")


async def test_broken_links_are_flagged_to_coordinators_and_in_stale(
    world: World, site: str
) -> None:
    cog = world.kernel.cogs["resources"]
    assert isinstance(cog, ResourcesCog)
    await loopback_only(world)
    world.clock.set(dt.datetime(2035, 6, 4, 0, 10, tzinfo=dt.UTC))  # a Monday
    await add(world, "carol", "Coast roster", f"{site}/ok", "south-coast")
    leave = await add(world, "carol", "Coast leave form", f"{site}/gone", "south-coast")
    await add(world, "carol", "Coast map", f"{site}/nohead", "south-coast")
    await add(world, "bea", "Brisbane roster", f"{site}/gone", "brisbane")

    jobs = await cog.links.planned_jobs(world.clock.now())
    assert [j.key for j in jobs] == [
        "resources:link-check:2035-06-04",
        "resources:link-check:2035-06-11",
    ]
    await world.kernel.scheduler.run_job(jobs[0])
    await world.deliver()
    [told] = world.dms("carol")
    assert told == (
        f"A link in your network's resource library stopped working: Coast leave form (entry "
        f"{leave}), {site}/gone: the site answered 404 (not found or refused). Fix it with "
        "/library edit, or take it out with /library retire; /library stale lists it until then."
    )
    [bea] = world.dms("bea")
    assert "Brisbane roster" in bea and "Coast" not in bea
    assert world.dms("mia") == [] and world.dms("eve") == []

    stale = await world.run("carol", "library stale", network="south-coast")
    lines = stale.text.splitlines()
    assert lines[0].startswith("1 link did not work at the last weekly check."), stale.text
    assert lines[1] == (
        f"- Coast leave form (entry {leave}), {site}/gone: the site answered 404 (not found or "
        "refused), since 2035-06-04"
    )
    assert "Coast map" not in stale.text and "Coast roster" not in stale.text

    world.clock.advance(dt.timedelta(days=7))
    await cog.links.check_all()  # still broken a week later: not told again
    await world.deliver()
    assert len(world.dms("carol")) == 1

    await world.run("carol", "library edit", entry=leave, link=f"{site}/ok")
    fixed = await world.run("carol", "library stale", network="south-coast")
    assert "did not work" not in fixed.text
    await cog.links.check_all()
    assert (
        "did not work"
        not in (await world.run("carol", "library stale", network="south-coast")).text
    )


async def test_a_site_that_cannot_be_reached_is_flagged(world: World) -> None:
    cog = world.kernel.cogs["resources"]
    assert isinstance(cog, ResourcesCog)
    await loopback_only(world)
    closed = web.AppRunner(web.Application())  # a port that was open, then closed
    await closed.setup()
    server = web.TCPSite(closed, "127.0.0.1", 0)
    await server.start()
    port = closed.addresses[0][1]
    await closed.cleanup()
    await add(world, "carol", "Coast roster", f"http://127.0.0.1:{port}/x", "south-coast")
    newly = await cog.links.check_all()
    assert [(b.title, b.problem) for b in newly] == [
        ("Coast roster", "the site could not be reached")
    ]
