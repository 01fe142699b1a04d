"""Transactions commit whole or not at all, and never interleave between coroutines."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest

from bot.storage import Database, InlineWriter, ReadPool


async def test_rollback_on_error(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.execute("CREATE TABLE t (v INTEGER NOT NULL)")
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO t VALUES (1)")
            raise RuntimeError("boom")
    assert await db.fetch_all("SELECT v FROM t") == []


async def test_concurrent_transactions_do_not_interleave(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.execute("CREATE TABLE t (v INTEGER NOT NULL)")

    async def failing() -> None:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO t VALUES (1)")
            await asyncio.sleep(0)  # let the other coroutine try to run in between
            raise RuntimeError("boom")

    async def succeeding() -> None:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO t VALUES (2)")

    results = await asyncio.gather(failing(), succeeding(), return_exceptions=True)
    assert isinstance(results[0], RuntimeError)
    rows = await db.fetch_all("SELECT v FROM t")
    assert [r["v"] for r in rows] == [2]


async def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(Exception, match="FOREIGN KEY"):
        async with db.transaction() as tx:
            await tx.execute(
                "INSERT INTO memberships (network_id, user_key, role, joined_at) "
                "VALUES (999, 'console:x', 'member', '2027-01-01T00:00:00.000000Z')"
            )


async def test_using_the_database_inside_its_own_transaction_fails_at_once(db: Database) -> None:
    """It would otherwise wait for itself forever."""
    with pytest.raises(RuntimeError, match="used again inside a transaction"):
        async with db.transaction():
            await db.fetch_all("SELECT 1")
    assert await db.fetch_one("SELECT 1 AS one") is not None  # and the lock was released


async def test_a_read_does_not_wait_for_a_write_transaction_and_sees_what_was_committed(
    db: Database,
) -> None:
    async with db.transaction() as tx:
        await tx.execute("CREATE TABLE t (v INTEGER NOT NULL)")
        await tx.execute("INSERT INTO t VALUES (1)")
    writing = asyncio.Event()
    release = asyncio.Event()

    async def writer() -> None:
        async with db.transaction() as tx:
            await tx.execute("UPDATE t SET v = 2")
            writing.set()
            await release.wait()

    task = asyncio.create_task(writer())
    await writing.wait()
    # The write transaction is still open: the reads answer now, with the committed value.
    assert [r["v"] for r in await db.fetch_all("SELECT v FROM t")] == [1]
    assert [r["v"] for r in await db.lookup("SELECT v FROM t")] == [1]
    async with db.reading() as tx:
        assert await tx.fetch_value("SELECT v FROM t") == 1
    release.set()
    await task
    assert [r["v"] for r in await db.fetch_all("SELECT v FROM t")] == [2]
    assert [r["v"] for r in await db.lookup("SELECT v FROM t")] == [2]


async def test_reads_cannot_write(db: Database) -> None:
    with pytest.raises(Exception, match="readonly"):
        await db.fetch_all("CREATE TABLE t (v INTEGER)")
    with pytest.raises(Exception, match="readonly"):
        await db.lookup("CREATE TABLE t (v INTEGER)")
    assert await db.fetch_all("SELECT name FROM sqlite_master WHERE name = 't'") == []


async def test_a_lookup_inside_its_own_transaction_fails_at_once(db: Database) -> None:
    """It would read around the transaction's own uncommitted writes."""
    with pytest.raises(RuntimeError, match="used again inside a transaction"):
        async with db.transaction():
            await db.lookup("SELECT 1")


async def test_a_cancelled_read_leaves_no_old_snapshot_behind(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.execute("CREATE TABLE t (v INTEGER NOT NULL)")
        await tx.execute("INSERT INTO t VALUES (1)")
    inside = asyncio.Event()

    async def reader() -> None:
        async with db.reading() as tx:
            await tx.fetch_all("SELECT v FROM t")
            inside.set()
            await asyncio.Event().wait()  # until cancelled, holding its snapshot

    tasks = [asyncio.create_task(reader()) for _ in range(3)]
    await inside.wait()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    async with db.transaction() as tx:
        await tx.execute("UPDATE t SET v = 2")
    for _ in range(4):  # every connection of the pool, each must see the change
        assert [r["v"] for r in await db.fetch_all("SELECT v FROM t")] == [2]


async def test_readers_are_served_in_the_order_they_asked(db: Database) -> None:
    """A connection given back goes to the longest waiter, not to whoever asks next."""
    pool = ReadPool(db.path, size=2)
    order: list[int] = []

    async def read(i: int) -> None:
        async with pool.borrow() as conn:
            order.append(i)
            await conn.execute_fetchall("SELECT 1")

    await asyncio.gather(read(-2), read(-1))  # both connections are open
    order.clear()
    # Twenty readers ask at once, ten times more than the pool has connections; ten more
    # arrive while they wait.
    first = [asyncio.create_task(read(i)) for i in range(20)]
    await asyncio.sleep(0)
    late = [asyncio.create_task(read(i)) for i in range(20, 30)]
    await asyncio.gather(*first, *late)
    await pool.close()
    assert order == list(range(30))


async def test_a_reader_cancelled_as_a_connection_comes_back_ends_cancelled(db: Database) -> None:
    """The give-back that skips a cancelled waiter runs before the waiter does: the waiter
    must still end cancelled. Had it ended with an error instead, a loop that catches
    errors (the Matrix sync loop) would keep running and its stop would wait for ever."""
    pool = ReadPool(db.path, size=1)
    lent = asyncio.Event()
    give_back = asyncio.Event()

    async def holder() -> None:
        async with pool.borrow():
            lent.set()
            await give_back.wait()

    async def reader() -> None:
        async with pool.borrow() as conn:
            await conn.execute_fetchall("SELECT 1")

    try:
        holding = asyncio.create_task(holder())
        await lent.wait()
        waiting = asyncio.create_task(reader())
        await asyncio.sleep(0)  # the reader now waits for its turn
        give_back.set()  # the holder runs first and gives its connection back...
        waiting.cancel()  # ...while the reader, already cancelled, has not run yet
        ended = await asyncio.gather(holding, waiting, return_exceptions=True)
        assert isinstance(ended[1], asyncio.CancelledError), ended
        async with pool.borrow() as conn:  # and the pool still lends its connection
            assert [tuple(r) for r in await conn.execute_fetchall("SELECT 2")] == [(2,)]
    finally:
        await pool.close()


def _hold_the_write_lock(path: str, locked: threading.Event, release: threading.Event) -> None:
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    locked.set()
    release.wait()
    other.execute("INSERT INTO t VALUES (7)")
    other.execute("COMMIT")
    other.close()


async def test_a_write_waits_for_another_process_holding_the_lock(db: Database) -> None:
    """As with the busy timeout before: the transaction waits for the lock (off the event
    loop), then commits; it does not fail with 'database is locked'."""
    async with db.transaction() as tx:
        await tx.execute("CREATE TABLE t (v INTEGER NOT NULL)")
    locked, release = threading.Event(), threading.Event()
    holder = threading.Thread(
        target=_hold_the_write_lock, args=(str(db.path), locked, release), daemon=True
    )
    holder.start()
    await asyncio.to_thread(locked.wait)

    async def write() -> None:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO t VALUES (8)")

    task = asyncio.create_task(write())
    await asyncio.sleep(0.05)
    assert not task.done()  # waiting for the other connection, and the loop still runs
    release.set()
    await task
    await asyncio.to_thread(holder.join)
    assert [r["v"] for r in await db.fetch_all("SELECT v FROM t ORDER BY v")] == [7, 8]


def _hold_briefly(path: str, locked: threading.Event, done: threading.Event) -> None:
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    locked.set()
    done.wait(timeout=3)  # then lets go: a write still waiting by then would succeed
    other.execute("ROLLBACK")
    other.close()


async def test_a_write_gives_up_after_the_configured_busy_timeout(tmp_path: Path) -> None:
    """``database.busy_timeout_ms`` (here 50 ms) holds for the write connection too: with the
    default 5 seconds the write would outwait the other connection and succeed."""
    db = await Database.open(tmp_path / "short.sqlite3", busy_timeout_ms=50)
    try:
        async with db.transaction() as tx:
            await tx.execute("CREATE TABLE t (v INTEGER NOT NULL)")
        locked, done = threading.Event(), threading.Event()
        holder = threading.Thread(
            target=_hold_briefly, args=(str(db.path), locked, done), daemon=True
        )
        holder.start()
        await asyncio.to_thread(locked.wait)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                async with db.transaction() as tx:
                    await tx.execute("INSERT INTO t VALUES (1)")
        finally:
            done.set()
            await asyncio.to_thread(holder.join)
        assert await db.fetch_all("SELECT v FROM t") == []
    finally:
        await db.close()


async def test_commits_reach_the_database_file_through_a_checkpoint_off_the_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A COMMIT runs on the event loop, so it must never sync to disk: the writer's automatic
    checkpoint is off, and every ``CHECKPOINT_EVERY`` commits one runs on the writer's thread.
    Copying only the database file (not its journal) shows where the rows are."""
    monkeypatch.setattr(InlineWriter, "CHECKPOINT_EVERY", 5)
    path = tmp_path / "c.sqlite3"
    db = await Database.open(path)

    def rows_in_the_file_alone() -> int:
        copy = tmp_path / "copy.sqlite3"
        copy.write_bytes(path.read_bytes())
        with sqlite3.connect(copy) as conn:
            tables = conn.execute("SELECT name FROM sqlite_master WHERE name = 't'").fetchall()
            return conn.execute("SELECT COUNT(*) FROM t").fetchone()[0] if tables else -1

    try:
        async with db.transaction() as tx:
            await tx.execute("CREATE TABLE t (x INTEGER)")
        for x in range(3):
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO t VALUES (?)", (x,))
        assert rows_in_the_file_alone() == -1  # still only in the journal: nothing synced
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO t VALUES (3)")  # the fifth commit
        writer = db._writer
        assert writer is not None and writer._checkpointing is not None
        await writer._checkpointing
        assert rows_in_the_file_alone() == 4
    finally:
        await db.close()


async def test_a_reading_on_the_loop_keeps_its_snapshot_and_cannot_write(tmp_path: Path) -> None:
    """Readings run on connections used straight from the event loop: each keeps one snapshot
    for its whole block (a write committed meanwhile is not seen), refuses writes, and more
    readings at once than there are such connections still work, on the thread pool."""
    db = await Database.open(tmp_path / "r.sqlite3")
    try:
        async with db.transaction() as tx:
            await tx.execute("CREATE TABLE t (x INTEGER)")
            await tx.execute("INSERT INTO t VALUES (1)")

        async def add() -> None:
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO t VALUES (2)")

        async with db.reading() as tx:
            assert await tx.fetch_value("SELECT COUNT(*) FROM t") == 1
            await asyncio.create_task(add())  # committed while the reading is open
            assert await tx.fetch_value("SELECT COUNT(*) FROM t") == 1
            with pytest.raises(sqlite3.OperationalError):
                await tx.execute("INSERT INTO t VALUES (3)")
        async with db.reading() as tx:
            assert await tx.fetch_value("SELECT COUNT(*) FROM t") == 2

        opened = asyncio.Event()
        counts: list[int] = []

        async def long_reading() -> None:
            async with db.reading() as tx:
                counts.append(int(await tx.fetch_value("SELECT COUNT(*) FROM t")))
                if len(counts) == 10:
                    opened.set()
                await opened.wait()  # ten open at once: the loop's eight and the pool's two

        await asyncio.wait_for(asyncio.gather(*(long_reading() for _ in range(10))), 10)
        assert counts == [2] * 10
    finally:
        await db.close()


async def test_closing_on_a_full_disk_still_ends_every_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last checkpoint at close fails when the disk is full; the connections must close
    anyway, or their threads keep the process alive for ever (``peerbot migrate`` hung)."""
    before = set(threading.enumerate())
    database = await Database.open(tmp_path / "peerbot.sqlite3")
    async with database.transaction() as tx:
        await tx.execute("CREATE TABLE t (x INTEGER)")

    def full(self: InlineWriter) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(InlineWriter, "_checkpoint_now", full)
    await database.close()
    for _ in range(100):
        left = [t for t in set(threading.enumerate()) - before if t.is_alive() and not t.daemon]
        if not left:
            break
        await asyncio.sleep(0.01)
    assert left == []
    reopened = await Database.open(tmp_path / "peerbot.sqlite3")  # the journal is replayed
    async with reopened.reading() as tx:
        assert await tx.fetch_all("SELECT name FROM sqlite_master WHERE name = 't'") != []
    await reopened.close()
