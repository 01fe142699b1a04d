"""/healthz and /metrics over real HTTP on 127.0.0.1, on a real App: what an operator (or
Prometheus) reads, parsed with prometheus_client's own parser; nothing about a person."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from bot.clock import FakeClock
from bot.identity import UserRef
from bot.kernel import Kernel
from bot.replies import Reply
from bot.scheduler import PlannedJob
from config.settings import Settings
from tests.cogs import conftest as cog_fixtures
from tests.cogs.meetings import conftest as meeting_fixtures
from tests.cogs.meetings.conftest import World
from tests.cogs.meetings.test_commands import SCHEDULE
from tests.cogs.networks import invoke, settings_for
from web import feeds, ops
from web.context import CONTEXT, WebContext

apps = cog_fixtures.apps
kernel = cog_fixtures.kernel
world = meeting_fixtures.world

Client = TestClient[web.Request, web.Application]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return settings_for(
        tmp_path, PEERBOT_WEB__ENABLED="true", PEERBOT_WEB__PUBLIC_URL="https://peers.example.org"
    )


@pytest.fixture
def platforms() -> dict[str, bool]:
    return {"discord": True, "matrix": True}


async def serve(kernel: Kernel, platforms: Callable[[], Mapping[str, bool]]) -> Client:
    app = web.Application()
    context = WebContext(
        kernel=kernel, settings=kernel.settings.web, clock=kernel.clock, platforms=platforms
    )
    app[CONTEXT] = context
    feeds.add_routes(app, context)
    ops.add_routes(app, context)
    client: Client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    return client


@pytest.fixture
async def client(world: World, platforms: dict[str, bool]) -> AsyncIterator[Client]:
    started = await serve(world.kernel, lambda: platforms)
    try:
        yield started
    finally:
        await started.close()


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def metrics(
    client: Client,
) -> tuple[str, dict[tuple[str, tuple[tuple[str, str], ...]], float]]:
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    text = await response.text()
    return text, samples(text)


async def test_healthz_says_ok_with_every_part(client: Client) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    body = await response.json()
    assert body == {
        "status": "ok",
        "database": {"ok": True},
        "platforms": {"discord": True, "matrix": True},
        "outbox": {"pending": 0, "due": 0, "oldest_due_seconds": 0.0, "ok": True},
        "scheduler": {"jobs": body["scheduler"]["jobs"]},
    }
    assert response.headers["Cache-Control"] == "no-store"


async def test_healthz_is_503_when_a_platform_is_down(
    client: Client, platforms: dict[str, bool]
) -> None:
    platforms["matrix"] = False
    response = await client.get("/healthz")
    assert response.status == 503
    body = await response.json()
    assert body["status"] == "unhealthy"
    assert body["platforms"] == {"discord": True, "matrix": False}


async def test_healthz_counts_the_backlog_and_the_oldest_due_message(
    world: World, client: Client
) -> None:
    kernel = world.kernel
    clock = kernel.clock
    assert isinstance(clock, FakeClock)
    async with kernel.db.transaction() as tx:
        for n in range(3):
            await kernel.outbox.enqueue(
                tx,
                key=f"test:{n}",
                target=UserRef(platform="discord", id=str(n)),
                message=Reply(text="private words"),
            )
    clock.advance(timedelta(minutes=5))
    body = await (await client.get("/healthz")).json()
    assert body["outbox"] == {"pending": 3, "due": 3, "oldest_due_seconds": 300.0, "ok": True}
    clock.advance(timedelta(minutes=15))
    stuck = await client.get("/healthz")
    assert stuck.status == 503
    assert (await stuck.json())["outbox"]["ok"] is False


async def test_healthz_is_503_when_the_database_does_not_answer(
    world: World, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def unreadable(*_: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")  # what SQLite raises for a lost disk

    monkeypatch.setattr(world.kernel.db, "fetch_one", unreadable)
    response = await client.get("/healthz")
    assert response.status == 503
    body = await response.json()
    assert body["database"] == {"ok": False}
    assert body["outbox"]["pending"] is None


async def test_metrics_count_commands_outbox_and_jobs_and_name_nobody(
    world: World, client: Client
) -> None:
    kernel = world.kernel
    assert "Scheduled" in (await invoke(kernel, "carol", "meeting schedule", **SCHEDULE)).text
    await invoke(kernel, "mia", "meeting rsvp", network="south-coast", answer="going")
    await invoke(kernel, "mia", "meeting schedule", **SCHEDULE)  # a member may not
    await invoke(kernel, "carol", "meeting rsvp", network="south-coast", answer="sometimes")
    async with kernel.db.transaction() as tx:
        await kernel.outbox.enqueue(
            tx, key="test:1", target=UserRef(platform="console", id="mia"), message=Reply(text="x")
        )
        await kernel.outbox.skip_pending(tx, "test:", "stopped")

    async def job() -> None:
        return None

    await kernel.scheduler.run_job(
        PlannedJob(key="test:job:console:mia", run_at=kernel.clock.now(), run=job)
    )
    response = await client.get("/calendar/" + "x" * 32 + ".ics")
    assert response.status == 404

    text, found = await metrics(client)
    schedule = (("command", "manage meeting schedule"), ("outcome", "ok"))
    assert found[("peerbot_commands_total", schedule)] == 1
    denied = (("command", "manage meeting schedule"), ("outcome", "denied"))
    assert found[("peerbot_commands_total", denied)] == 1
    rsvp_refused = (("command", "meeting rsvp"), ("outcome", "refused"))
    assert found[("peerbot_commands_total", rsvp_refused)] == 1
    count = found[("peerbot_command_seconds_count", (("command", "manage meeting schedule"),))]
    assert count == 2
    assert found[("peerbot_outbox_messages_total", (("event", "queued"),))] >= 1
    assert found[("peerbot_outbox_messages_total", (("event", "skipped"),))] >= 1
    assert found[("peerbot_outbox_messages_total", (("event", "retried"),))] == 0
    jobs = (("outcome", "done"), ("source", "other"))
    assert found[("peerbot_scheduler_jobs_total", jobs)] == 1
    assert found[("peerbot_platform_connected", (("platform", "discord"),))] == 1
    assert ("peerbot_outbox_oldest_due_seconds", ()) in found
    assert ("peerbot_scheduler_jobs_planned", ()) in found
    # Nothing about a person or a network: no user keys, ids, network names or slugs.
    for secret in ("console:", "mia", "carol", "South Coast", "south-coast", "private words"):
        assert secret not in text
    # Its own registry: prometheus-client's global one holds none of this.
    assert REGISTRY.get_sample_value("peerbot_commands_total", dict(schedule)) is None


async def test_metrics_show_feed_answers_built_cached_and_304(world: World, client: Client) -> None:
    kernel = world.kernel
    assert "Scheduled" in (await invoke(kernel, "carol", "meeting schedule", **SCHEDULE)).text
    reply = await invoke(kernel, "carol", "manage meeting feed", network="south-coast")
    path = reply.text.split("https://peers.example.org", 1)[1].split()[0]
    first = await client.get(path)
    await client.get(path)
    await client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    _, found = await metrics(client)

    def feed(result: str) -> Any:
        return found[("peerbot_calendar_feed_answers_total", (("result", result),))]

    assert (feed("built"), feed("cached"), feed("not_modified")) == (1, 2, 1)
