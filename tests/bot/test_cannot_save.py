"""A full disk (or a database gone read-only) while running: the person is told peerbot cannot
save and that nothing changed, the error id reaches the log or standard error, and the outbox
and the scheduler keep going and catch up once the disk has room, sending nothing twice."""

from __future__ import annotations

import asyncio
import io
import logging
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import ClassVar

import pytest

from bot.app import App
from bot.clock import FakeClock
from bot.commands import Context, Role, command
from bot.identity import PlaceRef, UserRef
from bot.logs import setup_logging
from bot.outbox import Outbox, OutboxWorker
from bot.permissions import AdminsOnlyDirectory
from bot.platforms.console import ConsoleAdapter
from bot.registry import Invocation, Registry
from bot.replies import Reply
from bot.scheduler import PlannedJob, Scheduler
from bot.storage import Database
from config.settings import load_settings
from tests.bot.fakes import RecordingPort
from tests.bot.storage_helpers import fill, small_disk

CANNOT_SAVE = "peerbot cannot save right now; nothing was changed."
USER = UserRef(platform="console", id="alex")
CHANNEL = PlaceRef(platform="console", id="announcements")


class NotesCog:
    """Saves a note with an 8 KB attachment: a write that always needs new pages."""

    name: ClassVar[str] = "notes"
    title: ClassVar[str] = "Notes"

    def __init__(self, db: Database) -> None:
        self.db = db

    @command("note", "Save a note", role=Role.EVERYONE)
    async def note(self, ctx: Context) -> Reply:
        async with self.db.transaction() as tx:
            await tx.execute("INSERT INTO notes (body) VALUES ('a small first row')")
            await tx.execute("INSERT INTO notes (body) VALUES (zeroblob(8192))")
        return Reply.private_text("Saved.")


async def use_up_the_database(db: Database) -> None:
    """SQLite's ``max_page_count`` at the current size, after using up the free pages: every
    write needing a new page then fails with SQLITE_FULL, as a full disk makes it fail."""
    async with db.transaction() as tx:
        await tx.execute("CREATE TABLE IF NOT EXISTS filler (b BLOB)")
    pages = await db.pragma("page_count")
    await db.write_pragma(f"max_page_count = {pages}")
    with pytest.raises(sqlite3.OperationalError, match="database or disk is full"):
        for _ in range(1000):
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO filler VALUES (zeroblob(4096))")


@pytest.fixture
async def notes_db(tmp_path: Path) -> AsyncIterator[Database]:
    db = await Database.open(tmp_path / "notes.sqlite3")
    async with db.transaction() as tx:
        await tx.execute("CREATE TABLE notes (body BLOB)")
    yield db
    await db.close()


def notes_registry(db: Database) -> Registry:
    registry = Registry(AdminsOnlyDirectory(frozenset()), FakeClock())
    registry.add_cog(NotesCog(db))
    return registry


async def test_a_full_database_says_cannot_save_and_changes_nothing(
    notes_db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    registry = notes_registry(notes_db)
    await use_up_the_database(notes_db)
    caplog.set_level(logging.INFO)
    reply = await registry.invoke(Invocation(USER, None, "note"))
    assert reply.private
    assert reply.text.startswith(CANNOT_SAVE)
    assert "The disk it saves to is full; an admin needs to free some space." in reply.text
    error_id = reply.text.rsplit(" ", 1)[-1].rstrip(".")
    assert len(error_id) == 8
    assert f"[error {error_id}]" in caplog.text
    assert "database full" in caplog.text
    assert "Traceback" not in caplog.text  # a full disk is not a bug
    assert await notes_db.fetch_all("SELECT body FROM notes") == []  # not even the first row

    await notes_db.write_pragma("max_page_count = 1000000")  # space again
    again = await registry.invoke(Invocation(USER, None, "note"))
    assert again.text == "Saved."  # the failed write left no transaction open behind it
    assert len(await notes_db.fetch_all("SELECT body FROM notes")) == 2


async def test_a_read_only_database_says_cannot_save(notes_db: Database) -> None:
    registry = notes_registry(notes_db)
    await notes_db.write_pragma("query_only = ON")  # every write fails with SQLITE_READONLY
    reply = await registry.invoke(Invocation(USER, None, "note"))
    assert reply.text.startswith(CANNOT_SAVE)
    assert "Its database has become read-only" in reply.text


async def test_the_error_id_reaches_standard_error_when_the_log_cannot_be_written(
    notes_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    setup_logging("INFO", "text", file=Path("/dev/full"))  # every write: "No space left"
    try:
        registry = notes_registry(notes_db)
        await use_up_the_database(notes_db)
        first = await registry.invoke(Invocation(USER, None, "note"))
        second = await registry.invoke(Invocation(USER, None, "note"))
        err = capsys.readouterr().err
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
    for reply in (first, second):
        assert f"[error {reply.text.rsplit(' ', 1)[-1].rstrip('.')}]" in err
    warning = "peerbot: cannot write the log file /dev/full (No space left on device)"
    assert err.count(warning) == 1  # said once, not for every line


async def test_the_console_on_a_full_disk_says_so_and_works_again_once_freed(
    tmp_path: Path,
) -> None:
    with small_disk(tmp_path / "disk", size="4m") as disk:
        settings = load_settings(
            None, environ={"PEERBOT_DATA_DIR": str(disk), "PEERBOT_ADMINS": "console:you"}
        )
        app = App(settings, clock=FakeClock())
        kernel = await app.start_without_worker()
        try:

            async def run(script: str) -> str:
                out = io.StringIO()
                console = ConsoleAdapter(
                    kernel, stdin=io.StringIO(script), stdout=out, interactive=False
                )
                await console.run()
                return " ".join(out.getvalue().split())

            await kernel.db.pragma("wal_checkpoint(TRUNCATE)")  # the next write must grow it
            filler = fill(disk)
            full = await run('/network create name:"South Coast" slug:coast\n/network list\n')
            filler.unlink()
            freed = await run('/network create name:"South Coast" slug:coast\n')
            networks = await kernel.db.fetch_all("SELECT slug FROM networks")
        finally:
            await app.stop()
    assert CANNOT_SAVE in full
    assert "The disk it saves to is full" in full
    assert "error id:" in full
    assert "No peer worker network" in full or "coast" not in full.split(CANNOT_SAVE)[1]
    assert CANNOT_SAVE not in freed
    assert [r["slug"] for r in networks] == ["coast"]


async def test_the_outbox_worker_keeps_going_and_sends_nothing_twice(
    db: Database, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    outbox = Outbox(db, clock)
    await outbox.send(key="reminder", target=CHANNEL, message=Reply(text="Meeting tomorrow"))
    port = RecordingPort()
    worker = OutboxWorker(outbox, {"console": port}, base_delay=0.01)
    await db.write_pragma("query_only = ON")  # delivered, but the database refuses to record it
    worker.start()
    try:
        for _ in range(500):  # several passes fail while the database refuses writes
            if caplog.text.count("outbox worker cannot save (database read-only)") >= 3:
                break
            await asyncio.sleep(0.01)
        assert await outbox.status_of("reminder") == "pending"
        await db.write_pragma("query_only = OFF")
        for _ in range(500):
            if await outbox.status_of("reminder") == "sent":
                break
            await asyncio.sleep(0.01)
    finally:
        await worker.stop()
    assert await outbox.status_of("reminder") == "sent"
    assert port.sent == [("reminder", "announcements", "Meeting tomorrow")]  # once
    assert "Traceback" not in caplog.text


async def test_a_scheduled_job_that_cannot_save_is_tried_again(
    db: Database, clock: FakeClock
) -> None:
    outbox = Outbox(db, clock)

    async def remind() -> None:
        await outbox.send(key="meeting:1:reminder", target=CHANNEL, message=Reply(text="Soon"))

    job = PlannedJob(key="meeting:1:reminder", run_at=clock.now(), run=remind)
    scheduler = Scheduler(db, clock)
    await db.write_pragma("query_only = ON")
    await scheduler.run_job(job)
    assert scheduler.job_ids() == ["meeting:1:reminder"]  # planned again, in a minute
    await db.write_pragma("query_only = OFF")
    await scheduler.run_job(job)  # what APScheduler does when that minute comes
    await scheduler.run_job(job)
    runs = await db.fetch_all("SELECT key, outcome FROM scheduled_runs")
    queued = await db.fetch_all("SELECT key FROM outbox")
    assert [tuple(r) for r in runs] == [("meeting:1:reminder", "done")]
    assert [r["key"] for r in queued] == ["meeting:1:reminder"]
