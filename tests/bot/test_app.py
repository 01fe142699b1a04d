"""The app wires everything in order, cleans up after itself, and keeps the database tidy."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import App
from bot.clock import FakeClock
from bot.errors import StartupError
from bot.identity import PlaceRef
from bot.replies import Reply
from config.settings import load_settings
from tests.bot.fakes import RecordingPort


def settings_for(tmp_path: Path):
    return load_settings(None, environ={"PEERBOT_DATA_DIR": str(tmp_path)})


async def test_housekeeping_removes_expired_codes_and_old_outbox_rows(tmp_path: Path) -> None:
    clock = FakeClock()
    app = App(settings_for(tmp_path), clock=clock)
    kernel = await app.start_without_worker()
    try:
        await kernel.confirmations.create("console:alex", "privacy-delete")
        place = PlaceRef(platform="console", id="general")
        await kernel.outbox.send(key="old", target=place, message=Reply(text="x"))
        await kernel.outbox.send(
            key="future",
            target=place,
            message=Reply(text="y"),
            due_at=clock.now() + timedelta(days=60),
        )
        port = RecordingPort()
        app.start_worker([port])
        assert app.worker is not None
        await app.worker.run_once()
        clock.advance(timedelta(days=31))
        await app._housekeeping()
        codes = await kernel.db.fetch_all("SELECT * FROM confirmations")
        rows = await kernel.db.fetch_all("SELECT key FROM outbox")
    finally:
        await app.stop()
    assert codes == []
    assert [r["key"] for r in rows] == ["future"]


async def test_a_failing_cog_start_closes_the_database(tmp_path: Path) -> None:
    app = App(settings_for(tmp_path), cog_modules=["cogs.networks", "tests.bot.broken_cog"])
    with pytest.raises(RuntimeError, match="cannot start"):
        await app.start_without_worker()
    assert app._db is None
    again = App(settings_for(tmp_path))  # the file is free to open again
    await again.start_without_worker()
    await again.stop()


async def test_a_database_from_newer_code_stops_start_up(tmp_path: Path) -> None:
    app = App(settings_for(tmp_path))
    kernel = await app.start_without_worker()
    async with kernel.db.transaction() as tx:
        await tx.execute(
            "INSERT INTO schema_migrations (version, name, checksum) VALUES (500, 'later', 'x')"
        )
    await app.stop()
    with pytest.raises(StartupError, match="newer peerbot"):
        await App(settings_for(tmp_path)).start_without_worker()


async def test_stop_lets_the_delivery_finish_before_closing_connections_then_the_database(
    tmp_path: Path,
) -> None:
    """peerbot told to stop while a message is on its way: the delivery finishes and is
    recorded, only then the platform connection closes, and the database last."""
    app = App(settings_for(tmp_path))
    kernel = await app.start_without_worker()
    order: list[str] = []
    port = RecordingPort()
    port.gate = asyncio.Event()

    async def close_platform() -> None:
        order.append("connection closed")
        assert app._db is not None, "the database must still be open"

    app.add_connection("the test platform", close_platform)
    await kernel.outbox.send(
        key="notice", target=PlaceRef(platform="console", id="general"), message=Reply(text="x")
    )
    app.start_worker([port])
    await asyncio.wait_for(port.entered.wait(), 10)  # the delivery is in flight
    stopping = asyncio.create_task(app.stop())
    await asyncio.sleep(0)
    assert order == [] and not stopping.done()  # the connection waits for the delivery
    port.gate.set()
    await asyncio.wait_for(stopping, 10)
    assert order == ["connection closed"]
    assert [key for key, _, _ in port.sent] == ["notice"]
    assert app._db is None
    again = App(settings_for(tmp_path))
    kernel = await again.start_without_worker()
    try:
        assert await kernel.outbox.status_of("notice") == "sent"  # recorded before closing
    finally:
        await again.stop()
