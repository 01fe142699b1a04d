"""Calendar feeds over real HTTP (aiohttp on 127.0.0.1): a coordinator's and a member's feed
addresses from the chat commands, the feeds read back with ``icalendar`` and compared with the
meetings, polling with ETag and Last-Modified (304, no body), rotating, privacy."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from icalendar import Calendar

from bot.clock import FakeClock
from bot.kernel import Kernel
from cogs.feeds.commands import FeedsCog
from cogs.meetings.schedule import occurrences
from config.settings import Settings
from tests.cogs import conftest as cog_fixtures
from tests.cogs.meetings import conftest as meeting_fixtures
from tests.cogs.meetings.conftest import World, key
from tests.cogs.meetings.feed_reading import expand
from tests.cogs.meetings.test_commands import SCHEDULE
from tests.cogs.networks import invoke, settings_for
from web.context import CONTEXT, WebContext
from web.feeds import add_routes

# The cog tests' fixtures: a real App with every cog, and the meetings' two networks.
apps = cog_fixtures.apps
kernel = cog_fixtures.kernel
world = meeting_fixtures.world

PUBLIC = "https://peers.example.org"
UNTIL = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return settings_for(tmp_path, PEERBOT_WEB__ENABLED="true", PEERBOT_WEB__PUBLIC_URL=PUBLIC)


@pytest.fixture
async def client(world: World) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    kernel = world.kernel
    app = web.Application()
    context = WebContext(kernel=kernel, settings=kernel.settings.web, clock=kernel.clock)
    app[CONTEXT] = context
    add_routes(app, context)
    async with TestClient(TestServer(app, host="127.0.0.1")) as test_client:
        yield test_client


def path_in(text: str) -> str:
    found = re.search(re.escape(PUBLIC) + r"(/calendar/\S+\.ics)", text)
    assert found, text
    return found[1]


async def network_feed_path(world: World, **options: Any) -> str:
    reply = await invoke(
        world.kernel, "carol", "manage meeting feed", network="south-coast", **options
    )
    assert reply.private
    return path_in(reply.text)


async def run(world: World, who: str, command: str, **options: Any) -> str:
    reply = await invoke(world.kernel, who, command, **options)
    return reply.text


def clock_of(kernel: Kernel) -> FakeClock:
    assert isinstance(kernel.clock, FakeClock)
    return kernel.clock


def cog_of(kernel: Kernel) -> FeedsCog:
    cog = kernel.cogs["feeds"]
    assert isinstance(cog, FeedsCog)
    return cog


async def test_the_network_feed_matches_the_meetings(world: World, client: Any) -> None:
    assert "Scheduled" in await run(world, "carol", "meeting schedule", **SCHEDULE)
    south = {"network": "south-coast"}
    assert "Skipped" in await run(world, "carol", "manage meeting skip", **south, date="2027-06-10")
    edited = await run(
        world, "carol", "manage meeting edit", **south, date="2027-09-10", time="14:00",
        location="Nowra library",
    )  # fmt: skip
    assert "Nowra library" in edited, edited
    planned = await run(
        world, "carol", "manage meeting plan", **south, date="2027-12-10", topic="Boundaries"
    )
    assert "Boundaries" in planned, planned

    response = await client.get(await network_feed_path(world))
    assert response.status == 200
    assert response.content_type == "text/calendar"
    data = await response.read()
    cal: Any = Calendar.from_ical(data)
    events = cal.walk("VEVENT")
    [master] = [e for e in events if "RRULE" in e]
    assert master["RRULE"].to_ical() == b"FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=10"
    assert master["DTSTART"].params["TZID"] == "Australia/Sydney"
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Australia/Sydney"]
    [skipped] = master["EXDATE"].dts
    assert skipped.dt.replace(tzinfo=None) == datetime(2027, 6, 10, 10)
    changed = {
        e.decoded("RECURRENCE-ID").date().isoformat(): e for e in events if "RECURRENCE-ID" in e
    }
    assert set(changed) == {"2027-09-10", "2027-12-10"}
    assert str(changed["2027-12-10"]["SUMMARY"]).endswith(": Boundaries")

    # Read as a calendar reads it, the feed holds exactly the meetings peerbot holds.
    [series] = await world.service.series(world.south)
    changes = await world.service.changes(series.id)
    expected = occurrences(
        series.rule,
        after=datetime(2027, 1, 1, tzinfo=UTC),
        before=UNTIL,
        limit=100,
        skipped=changes.skipped,
        overrides=changes.overrides,
    )
    read = expand(data, until=UNTIL)
    assert [(i.start, i.end) for i in read] == [(o.start, o.end) for o in expected]
    september = next(i for i in read if i.start.month == 9 and i.start.year == 2027)
    assert september.start == datetime(2027, 9, 10, 4, tzinfo=UTC)  # 14:00 AEST
    assert september.location == "Nowra library"


async def test_polling_an_unchanged_feed_gets_304_and_no_rebuild(world: World, client: Any) -> None:
    assert "Scheduled" in await run(world, "carol", "meeting schedule", **SCHEDULE)
    path = await network_feed_path(world)
    first = await client.get(path)
    body = await first.read()
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert first.headers["Cache-Control"] == "private, max-age=300"
    assert etag.startswith('"') and modified.endswith("GMT")
    stats = cog_of(world.kernel).service.stats
    built = stats.built

    again = await client.get(path, headers={"If-None-Match": etag})
    assert again.status == 304
    assert await again.read() == b""
    assert again.headers["ETag"] == etag
    by_date = await client.get(path, headers={"If-Modified-Since": modified})
    assert by_date.status == 304
    plain = await client.get(path)
    assert plain.status == 200 and await plain.read() == body
    assert stats.built == built  # answered from the cache
    assert stats.reused >= 3

    # A change shows at the next poll: a new body, a new ETag, a later Last-Modified.
    clock_of(world.kernel).advance(timedelta(hours=1))
    await run(world, "carol", "manage meeting skip", network="south-coast", date="2027-06-10")
    changed = await client.get(path, headers={"If-None-Match": etag})
    assert changed.status == 200
    assert changed.headers["ETag"] != etag
    assert changed.headers["Last-Modified"] != modified
    stale = await client.get(path, headers={"If-Modified-Since": modified})
    assert stale.status == 200
    assert stats.built == built + 1


async def test_a_cleared_topic_still_moves_last_modified_on(world: World, client: Any) -> None:
    assert "Scheduled" in await run(world, "carol", "meeting schedule", **SCHEDULE)
    south = {"network": "south-coast", "date": "2027-12-10"}
    await run(world, "carol", "manage meeting plan", **south, topic="Boundaries")
    path = await network_feed_path(world)
    first = await client.get(path)
    assert b"Boundaries" in await first.read()
    clock_of(world.kernel).advance(timedelta(minutes=5))
    await run(world, "carol", "manage meeting plan", **south, topic="none")
    after = await client.get(path, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert after.status == 200
    assert b"Boundaries" not in await after.read()


async def test_rotating_stops_the_old_address_at_once(world: World, client: Any) -> None:
    assert "Scheduled" in await run(world, "carol", "meeting schedule", **SCHEDULE)
    old = await network_feed_path(world)
    assert await network_feed_path(world) == old  # the same address each time it is asked for
    assert (await client.get(old)).status == 200
    reply = await invoke(
        world.kernel, "carol", "manage meeting feed", network="south-coast", rotate=True
    )
    assert "The old address stopped working just now" in reply.text
    new = path_in(reply.text)
    assert new != old
    gone = await client.get(old)
    assert gone.status == 404
    assert "calendar" not in (await gone.text()).lower()
    assert (await client.get(new)).status == 200
    assert (await client.get("/calendar/" + "x" * 32 + ".ics")).status == 404
    audit = await world.kernel.db.fetch_all(
        "SELECT actor_key FROM audit_log WHERE action = 'meeting.feed-rotate'"
    )
    assert [r["actor_key"] for r in audit] == [key("carol")]


async def test_an_invite_only_networks_feed_works_by_its_address(world: World, client: Any) -> None:
    assert "Scheduled" in await run(world, "carol", "meeting schedule", **SCHEDULE)
    async with world.kernel.db.transaction() as tx:
        await tx.execute("UPDATE networks SET joining = 'approval' WHERE id = ?", (world.south,))
    response = await client.get(await network_feed_path(world))
    assert response.status == 200
    assert b"BEGIN:VEVENT" in await response.read()


async def test_a_persons_feed_holds_the_meetings_they_said_going_or_maybe_to(
    world: World, client: Any
) -> None:
    assert "Scheduled" in await run(world, "carol", "meeting schedule", **SCHEDULE)
    south = {"network": "south-coast"}
    await run(world, "mia", "meeting rsvp", **south, answer="going", date="2027-03-10")
    await run(world, "mia", "meeting rsvp", **south, answer="maybe", date="2027-09-10")
    await run(world, "mia", "meeting rsvp", **south, answer="no", date="2027-06-10")
    await run(world, "max", "meeting rsvp", **south, answer="going", date="2027-06-10")
    reply = await invoke(world.kernel, "mia", "meeting myfeed")
    assert reply.private and "/calendar/me/" in reply.text
    path = path_in(reply.text)

    def keys(data: bytes) -> list[str]:
        cal: Any = Calendar.from_ical(data)
        return [str(e["UID"]).split("-", 3)[3].split("@")[0] for e in cal.walk("VEVENT")]

    first = await client.get(path)
    assert keys(await first.read()) == ["2027-03-10", "2027-09-10"]
    etag = first.headers["ETag"]
    assert (await client.get(path, headers={"If-None-Match": etag})).status == 304

    await run(world, "mia", "meeting rsvp", **south, answer="no", date="2027-09-10")
    changed = await client.get(path, headers={"If-None-Match": etag})
    assert changed.status == 200
    assert keys(await changed.read()) == ["2027-03-10"]

    rotated = await invoke(world.kernel, "mia", "meeting myfeed", rotate=True)
    assert "The old address stopped working just now" in rotated.text
    assert (await client.get(path)).status == 404
    assert (await client.get(path_in(rotated.text))).status == 200


async def test_privacy_export_and_delete_cover_the_feed_address(world: World, client: Any) -> None:
    path = path_in((await invoke(world.kernel, "mia", "meeting myfeed")).text)
    exported = await world.kernel.privacy.export(world.kernel.db, key("mia"))
    assert exported["feeds"]["my_feed_address"] == PUBLIC + path
    assert await world.kernel.privacy.export(world.kernel.db, key("max")) != {}
    assert (await world.kernel.privacy.export(world.kernel.db, key("max")))["feeds"] == {}
    await world.kernel.privacy.delete(world.kernel.db, key("mia"))
    assert (await client.get(path)).status == 404
    statements = [s.area for s in world.kernel.privacy.statements]
    assert "Calendar feeds" in statements


async def test_without_the_web_server_the_commands_say_so(tmp_path: Path) -> None:
    from tests.cogs.networks import Apps

    apps_ = Apps(settings_for(tmp_path), FakeClock())
    try:
        _, kernel_ = await apps_.start()
        reply = await invoke(kernel_, "somebody", "meeting myfeed")
        assert reply.private
        assert reply.text.startswith("Calendar feeds need peerbot's web server, and it is off")
        assert await kernel_.db.fetch_all("SELECT * FROM person_calendar_feeds") == []
    finally:
        await apps_.stop_all()
