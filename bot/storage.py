"""One SQLite database, reached through aiosqlite, with transactions that never interleave.

Writes go through one connection guarded by a lock: SQLite allows one writer anyway, and
sharing a connection between coroutines without a lock would let one coroutine's statements
land inside another's transaction. Reads go through a few read-only connections of their own
(``ReadPool``), so that under load a command's lookups (its role, its network) do not queue
behind every write transaction: with the WAL journal, readers run while the writer writes,
and each read sees everything committed before it started.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from bot.storage_checks import damaged, prepare_database_file, startup_error

Row = sqlite3.Row
log = logging.getLogger(__name__)

log = logging.getLogger(__name__)

#: How long closing waits for a transaction still running.
CLOSE_SECONDS = 10.0


class Database:
    """The bot's database: WAL journal, foreign keys on, a busy timeout, explicit transactions."""

    def __init__(self, connection: aiosqlite.Connection, path: Path) -> None:
        self._conn = connection
        self._lock = asyncio.Lock()
        # Tasks using the database now: each may hold one connection at a time.
        self._users: set[asyncio.Task[object] | None] = set()
        self.path = path
        # An in-memory database exists only on its one connection, so it is read there too.
        self._readers = None if str(path) == ":memory:" else ReadPool(path)
        self._writer = None if str(path) == ":memory:" else InlineWriter(path)
        self._lookups = None if str(path) == ":memory:" else Lookups(path)
        self._inline_readers = None if str(path) == ":memory:" else InlineReaders(path)
        self._busy_timeout_ms: int | None = None

    @asynccontextmanager
    async def _using(self) -> AsyncIterator[None]:
        """Mark the task as using the database. Asking again from inside (the same task) would
        wait for itself forever, or read around its own uncommitted writes, so that is refused
        at once, naming the mistake."""
        task = asyncio.current_task()
        if task is not None and task in self._users:
            raise RuntimeError(
                "database used again inside a transaction or read of the same task: pass the "
                "Transaction on, or do the other read before opening the transaction"
            )
        self._users.add(task)
        try:
            yield
        finally:
            self._users.discard(task)

    @asynccontextmanager
    async def _held(self) -> AsyncIterator[None]:
        """Hold the write connection."""
        async with self._using(), self._lock:
            yield

    async def _configured_busy_timeout(self) -> int:
        """``open`` set the busy timeout on the first connection; the others take the same."""
        if self._busy_timeout_ms is None:
            cursor = await self._conn.execute("PRAGMA busy_timeout")
            row = await cursor.fetchone()
            await cursor.close()
            self._busy_timeout_ms = 5000 if row is None else int(row[0])
        return self._busy_timeout_ms

    @asynccontextmanager
    async def _read_connection(self) -> AsyncIterator[aiosqlite.Connection]:
        """A connection to read from: one of the pool's, or the write connection if none."""
        if self._readers is None:
            async with self._held():
                yield self._conn
            return
        self._readers.busy_timeout_ms = await self._configured_busy_timeout()
        async with self._using(), self._readers.borrow() as conn:
            yield conn

    @classmethod
    async def open(cls, path: Path, *, busy_timeout_ms: int = 5000) -> Database:
        """Open (creating a private folder and file if needed), configure and check the file.

        Any failure closes the connection again (its thread would otherwise keep the process
        alive for ever) and is raised as a one-line ``StorageError`` naming the file and the fix.
        """
        if str(path) != ":memory:":
            prepare_database_file(path)
        try:
            conn = await aiosqlite.connect(str(path), isolation_level=None)
        except sqlite3.Error as error:
            raise startup_error(error, path) from error
        try:
            conn.row_factory = sqlite3.Row
            await conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA synchronous = NORMAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            await _check(conn, path)
        except BaseException as error:
            with contextlib.suppress(sqlite3.Error):
                await conn.close()
            if isinstance(error, sqlite3.Error):
                raise startup_error(error, path) from error
            raise
        return cls(conn, path)

    async def close(self, seconds: float = CLOSE_SECONDS) -> None:
        """Close every connection. A transaction still running gets ``seconds`` to finish;
        after that the connections close under it (SQLite rolls it back) and that is logged,
        so a task stuck inside a transaction cannot hold the stop for ever."""
        if self._lookups is not None:
            self._lookups.close()
        if self._inline_readers is not None:
            self._inline_readers.close()
        if self._readers is not None:
            await self._readers.close()
        try:
            async with asyncio.timeout(seconds):
                await self._lock.acquire()
        except TimeoutError:
            log.error(
                "database: a transaction was still running %.0f seconds after closing began; "
                "closing anyway (it is rolled back)",
                seconds,
            )
            held = False
        else:
            held = True
        try:
            if self._writer is not None:
                await self._writer.close()
        finally:
            try:
                await self._conn.close()
            finally:
                if held:
                    self._lock.release()

    async def _rollback_if_open(self) -> None:
        """Roll back unless SQLite already did: after a full disk or an I/O error it rolls the
        whole transaction back itself, and a second ROLLBACK would hide the real error."""
        if self._conn.in_transaction:
            await self._conn.execute("ROLLBACK")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """Run the block in one write transaction: all of it commits, or none of it does."""
        if self._writer is not None:
            self._writer.busy_timeout_ms = await self._configured_busy_timeout()
            async with self._held(), self._writer.transaction() as tx:
                yield tx
            return
        async with self._held():
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield Transaction(self._conn)
            except BaseException:
                await self._rollback_if_open()
                raise
            else:
                try:
                    await self._conn.execute("COMMIT")
                except BaseException:
                    await self._rollback_if_open()  # a failed COMMIT can leave it open
                    raise

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Transaction]:
        """A consistent read of several statements (a deferred transaction, rolled back).

        On one of a few connections used straight from the event loop when one is free (a
        read takes microseconds, a hop to a thread and back cost more), else on the pool's."""
        inline = None if self._inline_readers is None else self._inline_readers.take()
        if inline is not None:
            async with self._using():
                try:
                    inline.execute("BEGIN")
                    yield InlineReadTransaction(inline)
                finally:
                    self._inline_readers.give(inline)  # type: ignore[union-attr]
            return
        async with self._read_connection() as conn:
            await conn.execute("BEGIN")
            try:
                yield Transaction(conn)
            finally:
                await conn.execute("ROLLBACK")

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """One SELECT; a single statement is consistent on its own, so no transaction."""
        if self._lookups is not None and asyncio.current_task() not in self._users:
            rows = self._lookups.fetch_all(sql, tuple(params))
            if rows is not None:
                return rows
        async with self._read_connection() as conn:
            return await Transaction(conn).fetch_all(sql, params)

    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        if self._lookups is not None and asyncio.current_task() not in self._users:
            rows = self._lookups.fetch_all(sql, tuple(params))
            if rows is not None:
                return rows[0] if rows else None
        async with self._read_connection() as conn:
            return await Transaction(conn).fetch_one(sql, params)

    async def lookup(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """One small SELECT by an index (a role, a network by its short name), run on the event
        loop without a thread hop: the kernel asks these on every command, and each hop cost
        more than the lookup. Never for scans or searches, which would stall the loop; use
        ``fetch_all``. It reads what is committed, like ``fetch_all``."""
        if asyncio.current_task() in self._users:
            raise RuntimeError(
                "database used again inside a transaction or read of the same task: pass the "
                "Transaction on, or do the other read before opening the transaction"
            )
        if self._lookups is not None:
            rows = self._lookups.fetch_all(sql, tuple(params))
            if rows is not None:
                return rows
        return await self.fetch_all(sql, params)

    async def write_pragma(self, statement: str) -> Any:
        """Run one PRAGMA on the connection that writes (a page limit, query-only), which is
        not the one ``pragma`` reads from when the database is a file."""
        if self._writer is None:
            return await self.pragma(statement)
        async with self._held():
            return await self._writer.pragma(statement)

    async def pragma(self, name: str) -> Any:
        """Read one PRAGMA value (outside any transaction: some pragmas refuse to run in one)."""
        async with self._held():
            cursor = await self._conn.execute(f"PRAGMA {name}")
            row = await cursor.fetchone()
            await cursor.close()
            return None if row is None else row[0]


async def _check(conn: aiosqlite.Connection, path: Path) -> None:
    """Cheap checks that the file is sound and writable, so a problem shows at start rather
    than in the middle of someone's command. ``quick_check`` reads every page (about 0.1 s for a
    50 MB database in the page cache, about 1 s from a cold disk: benchmarks/bench_storage.py);
    ``BEGIN IMMEDIATE`` takes the write lock, which SQLite refuses on a file it may only read."""
    rows = list(await conn.execute_fetchall("PRAGMA quick_check"))
    if not rows or tuple(rows[0]) != ("ok",):
        raise damaged(path, "PRAGMA quick_check found damaged pages")
    await conn.execute("BEGIN IMMEDIATE")
    await conn.execute("ROLLBACK")


class ReadPool:
    """Up to ``size`` read-only connections to the database file, opened when first needed.

    ``query_only`` makes SQLite refuse any write through them, so every write still goes
    through the one locked write connection and its transactions. Readers are served in the
    order they asked: a connection given back goes to the longest waiter, never to a task
    that arrived later (an ``asyncio.Queue`` would let late arrivals overtake, and under load
    some reads waited many times longer than the rest).
    """

    def __init__(self, path: Path, size: int = 2, busy_timeout_ms: int = 5000) -> None:
        self._path = path
        self._size = size
        #: For connections opened from now on.
        self.busy_timeout_ms = busy_timeout_ms
        self._idle: list[aiosqlite.Connection] = []
        self._lent = 0  # turns in use, each with at most one connection
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._closed = False

    @asynccontextmanager
    async def borrow(self) -> AsyncIterator[aiosqlite.Connection]:
        """An idle connection (opening one if fewer than ``size`` exist), given back after."""
        if self._closed:
            raise ValueError("the database is closed")
        await self._turn()
        try:
            conn = self._idle.pop() if self._idle else await self._connect()
        except BaseException:
            self._pass_turn()
            raise
        try:
            yield conn
        except Exception:
            self._give_back(conn)
            raise
        except BaseException:
            # Cancelled while a statement may still be queued on its thread (a BEGIN, say):
            # never lend it again, or a later read could start inside an old snapshot.
            conn.stop()  # closes it on its own thread, after anything still queued there
            self._pass_turn()
            raise
        else:
            self._give_back(conn)

    async def _turn(self) -> None:
        if self._lent < self._size and not self._waiters:
            self._lent += 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter  # the turn is handed over by _pass_turn
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._pass_turn()  # handed over just as it was cancelled: pass it on
            elif waiter in self._waiters:
                # Not there when a give-back already skipped it (cancel() marks the waiter
                # cancelled at once, before this task runs): a ValueError here would turn
                # the cancellation into an error that loops catching errors keep running.
                self._waiters.remove(waiter)
            raise

    def _pass_turn(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._lent -= 1

    def _give_back(self, conn: aiosqlite.Connection) -> None:
        if conn.in_transaction or self._closed:
            conn.stop()
        else:
            self._idle.append(conn)
        self._pass_turn()

    async def _connect(self) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(str(self._path), isolation_level=None)
        try:
            conn.row_factory = sqlite3.Row
            await conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            await conn.execute("PRAGMA query_only = ON")
        except BaseException:
            await conn.close()
            raise
        return conn

    async def close(self) -> None:
        """Close the idle connections; one still lent is closed when it is given back."""
        self._closed = True
        while self._idle:
            await self._idle.pop().close()


class Lookups:
    """A read-only connection used directly from the event loop, for ``Database.lookup``.

    With the WAL journal a reader never waits for the writer, so a lookup takes microseconds;
    the busy timeout is 0 so that, should SQLite ever answer busy (another process changing
    the journal, say), the lookup goes through the read pool instead of stalling the loop.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._raw: sqlite3.Connection | None = None

    def fetch_all(self, sql: str, params: tuple[Any, ...]) -> list[Row] | None:
        """The rows, or None when SQLite was busy."""
        if self._raw is None:
            raw = sqlite3.connect(str(self._path), isolation_level=None)
            raw.row_factory = sqlite3.Row
            raw.execute("PRAGMA busy_timeout = 0")
            raw.execute("PRAGMA query_only = ON")
            self._raw = raw
        try:
            cursor = self._raw.execute(sql, params)
            rows: list[Row] = cursor.fetchall()
            cursor.close()
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                return None
            raise
        return rows

    def close(self) -> None:
        if self._raw is not None:
            self._raw.close()
            self._raw = None


class InlineReaders:
    """A few read-only connections used straight from the event loop by ``Database.reading``.

    Each is lent to one reading at a time (a reading's snapshot lasts across its awaits, so a
    connection cannot be shared), and at most ``size`` exist; when all are lent, readings use
    the thread pool. The busy timeout is short: with the WAL journal a reader waits for
    nobody, so SQLite answers busy only in rare moments (another program recovering the
    journal), and the event loop must never wait long.
    """

    def __init__(self, path: Path, size: int = 8) -> None:
        self._path = path
        self._size = size
        self._idle: list[sqlite3.Connection] = []
        self._lent = 0
        self._closed = False

    def take(self) -> sqlite3.Connection | None:
        if self._closed or (not self._idle and self._lent >= self._size):
            return None
        if self._idle:
            raw = self._idle.pop()
        else:
            raw = sqlite3.connect(str(self._path), isolation_level=None)
            raw.row_factory = sqlite3.Row
            raw.execute("PRAGMA busy_timeout = 50")
            raw.execute("PRAGMA query_only = ON")
        self._lent += 1
        return raw

    def give(self, raw: sqlite3.Connection) -> None:
        self._lent -= 1
        try:
            if raw.in_transaction:
                raw.execute("ROLLBACK")
        except sqlite3.Error:
            raw.close()
            return
        if self._closed:
            raw.close()
        else:
            self._idle.append(raw)

    def close(self) -> None:
        """Close the idle connections; one still lent is closed when it is given back."""
        self._closed = True
        while self._idle:
            self._idle.pop().close()


class InlineWriter:
    """The connection write transactions use, run from the event loop itself.

    Measured under load (benchmarks/bench_concurrent_writes.py), a write's time went to
    hopping to aiosqlite's thread and back for every statement: each hop costs about 20
    microseconds of processor time and a thread wake-up, and with writes serialised each
    transaction paid them all in turn while the others waited. Inside a transaction the
    connection already holds SQLite's write lock, so its statements (index lookups and small
    updates, tens of microseconds) never wait for anyone and are cheaper run directly. What
    can wait goes to this writer's own thread, one operation at a time, in order: opening,
    BEGIN IMMEDIATE when another process holds the lock, COMMIT (which may checkpoint, and
    so sync to disk), and any statement SQLite answers busy.
    """

    #: A long transaction (an import, say) gives other tasks a turn this often.
    YIELD_EVERY = 64
    #: Commits between two checkpoints (SQLite's own automatic checkpoint, done inside the
    #: COMMIT that crosses 1,000 pages of journal, is off on this connection: it syncs to
    #: disk, which must not happen on the event loop).
    CHECKPOINT_EVERY = 500

    def __init__(self, path: Path, busy_timeout_ms: int = 5000) -> None:
        self._path = path
        #: How long a statement that SQLite answers busy may wait, on the thread.
        self.busy_timeout_ms = busy_timeout_ms
        self._raw: sqlite3.Connection | None = None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="peerbot-writer")
        self._commits = 0
        self._checkpointer: sqlite3.Connection | None = None
        self._checkpointing: asyncio.Future[Any] | None = None

    async def in_thread(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run on the writer's thread. If cancelled, still wait until it finished: the
        connection must never be used from two places at once."""
        future = asyncio.get_running_loop().run_in_executor(self._thread, fn, *args)
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            while not future.done():
                try:
                    await asyncio.wait({future})
                except asyncio.CancelledError:
                    continue
            raise

    async def _connection(self) -> sqlite3.Connection:
        if self._raw is None:
            self._raw = await self.in_thread(self._connect)
        return self._raw

    def _connect(self) -> sqlite3.Connection:
        raw = sqlite3.connect(str(self._path), isolation_level=None, check_same_thread=False)
        raw.row_factory = sqlite3.Row
        # Never wait on the event loop: a busy answer is retried on the thread (_waiting).
        raw.execute("PRAGMA busy_timeout = 0")
        raw.execute("PRAGMA synchronous = NORMAL")
        raw.execute("PRAGMA foreign_keys = ON")
        raw.execute("PRAGMA wal_autocheckpoint = 0")  # checkpoint() does it, off the loop
        return raw

    def _checkpoint_now(self) -> None:
        """On the writer's thread, on a connection of its own: copy the journal into the
        database file. PASSIVE never blocks the writer or readers; what it cannot copy yet
        is copied next time."""
        if self._checkpointer is None:
            self._checkpointer = sqlite3.connect(
                str(self._path), isolation_level=None, check_same_thread=False
            )
        self._checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def _after_commit(self) -> None:
        """Every ``CHECKPOINT_EVERY`` commits, start a checkpoint on the thread (one at a
        time); nobody waits for it."""
        self._commits += 1
        busy = self._checkpointing is not None and not self._checkpointing.done()
        if self._commits < self.CHECKPOINT_EVERY or busy:
            return
        self._commits = 0
        loop = asyncio.get_running_loop()
        self._checkpointing = loop.run_in_executor(self._thread, self._checkpoint_now)
        self._checkpointing.add_done_callback(_log_checkpoint_failure)

    def _waiting(self, raw: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> Any:
        """On the thread: run one statement allowing the busy timeout, as aiosqlite did."""
        raw.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
        try:
            return raw.execute(sql, params)
        finally:
            raw.execute("PRAGMA busy_timeout = 0")

    async def run(self, raw: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> Any:
        """One statement, on the loop; on the thread with the busy timeout if SQLite says
        another connection holds a lock (a failed statement changed nothing, so retrying is
        safe)."""
        try:
            return raw.execute(sql, params)
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                raise
        return await self.in_thread(self._waiting, raw, sql, params)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """BEGIN IMMEDIATE, the block, COMMIT; ROLLBACK on any error or cancellation. The
        caller holds the database's lock, so transactions never interleave."""
        raw = await self._connection()
        try:
            await self.run(raw, "BEGIN IMMEDIATE", ())
            yield InlineTransaction(self, raw)
            # On the loop: with the journal in WAL mode, synchronous = NORMAL and no
            # automatic checkpoint, a COMMIT only appends to the journal (no disk sync).
            await self.run(raw, "COMMIT", ())
            self._after_commit()
        finally:
            if raw.in_transaction:
                raw.execute("ROLLBACK")

    async def pragma(self, statement: str) -> Any:
        raw = await self._connection()
        row = (await self.in_thread(self._waiting, raw, f"PRAGMA {statement}", ())).fetchone()
        return None if row is None else row[0]

    async def close(self) -> None:
        if self._checkpointing is not None:
            with contextlib.suppress(Exception):
                await self._checkpointing
        if self._raw is not None:
            # Leave the journal short; on a full disk it cannot, and closing must go on (a
            # connection left open keeps the process alive for ever). The journal is kept
            # and replayed at the next start, so nothing is lost.
            with contextlib.suppress(sqlite3.Error):
                await self.in_thread(self._checkpoint_now)
            await self.in_thread(self._raw.close)
            self._raw = None
        if self._checkpointer is not None:
            await self.in_thread(self._checkpointer.close)
            self._checkpointer = None
        self._thread.shutdown(wait=False)


def _log_checkpoint_failure(done: asyncio.Future[Any]) -> None:
    """A checkpoint that failed (a full disk, say) is retried with the next one; say so."""
    if not done.cancelled() and done.exception() is not None:
        log.warning(
            "database checkpoint failed (%s); trying again later", type(done.exception()).__name__
        )


class Transaction:
    """The statements available inside ``Database.transaction`` or ``Database.reading``."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one statement; returns the number of rows it changed."""
        cursor = await self._conn.execute(sql, tuple(params))
        count = cursor.rowcount
        await cursor.close()
        return count

    async def insert(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run one INSERT; returns the new row id."""
        cursor = await self._conn.execute(sql, tuple(params))
        rowid = cursor.lastrowid
        await cursor.close()
        return int(rowid or 0)

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        # One trip to the database thread instead of three (execute, fetch, close).
        return list(await self._conn.execute_fetchall(sql, tuple(params)))

    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    async def fetch_value(self, sql: str, params: Iterable[Any] = ()) -> Any:
        row = await self.fetch_one(sql, params)
        return None if row is None else row[0]


class InlineTransaction(Transaction):
    """A write transaction's statements, run directly on the writer's connection."""

    def __init__(self, writer: InlineWriter, raw: sqlite3.Connection) -> None:
        self._writer = writer
        self._raw = raw
        self._statements = 0

    async def _run(self, sql: str, params: Iterable[Any]) -> sqlite3.Cursor:
        self._statements += 1
        if self._statements % InlineWriter.YIELD_EVERY == 0:
            await asyncio.sleep(0)
        cursor: sqlite3.Cursor = await self._writer.run(self._raw, sql, tuple(params))
        return cursor

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        cursor = await self._run(sql, params)
        count = cursor.rowcount
        cursor.close()
        return count

    async def insert(self, sql: str, params: Iterable[Any] = ()) -> int:
        cursor = await self._run(sql, params)
        rowid = cursor.lastrowid
        cursor.close()
        return int(rowid or 0)

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        cursor = await self._run(sql, params)
        rows = cursor.fetchall()
        cursor.close()
        return rows


class InlineReadTransaction(Transaction):
    """A reading's statements, run directly on one of ``InlineReaders``' connections."""

    def __init__(self, raw: sqlite3.Connection) -> None:
        self._raw = raw

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        cursor = self._raw.execute(sql, tuple(params))  # query_only refuses any write
        count = cursor.rowcount
        cursor.close()
        return count

    async def insert(self, sql: str, params: Iterable[Any] = ()) -> int:
        raise sqlite3.OperationalError("a reading cannot insert; use Database.transaction")

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        cursor = self._raw.execute(sql, tuple(params))
        rows: list[Row] = cursor.fetchall()
        cursor.close()
        return rows
