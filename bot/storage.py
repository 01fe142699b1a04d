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
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

Row = sqlite3.Row


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

    @asynccontextmanager
    async def _read_connection(self) -> AsyncIterator[aiosqlite.Connection]:
        """A connection to read from: one of the pool's, or the write connection if none."""
        if self._readers is None:
            async with self._held():
                yield self._conn
            return
        async with self._using(), self._readers.borrow() as conn:
            yield conn

    @classmethod
    async def open(cls, path: Path, *, busy_timeout_ms: int = 5000) -> Database:
        """Open (creating the folder if needed) and configure the database file."""
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(str(path), isolation_level=None)
        conn.row_factory = sqlite3.Row
        await conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA synchronous = NORMAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        return cls(conn, path)

    async def close(self) -> None:
        if self._readers is not None:
            await self._readers.close()
        async with self._held():
            await self._conn.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """Run the block in one write transaction: all of it commits, or none of it does."""
        async with self._held():
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield Transaction(self._conn)
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            else:
                await self._conn.execute("COMMIT")

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Transaction]:
        """A consistent read of several statements (a deferred transaction, rolled back)."""
        async with self._read_connection() as conn:
            await conn.execute("BEGIN")
            try:
                yield Transaction(conn)
            finally:
                await conn.execute("ROLLBACK")

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """One SELECT; a single statement is consistent on its own, so no transaction."""
        async with self._read_connection() as conn:
            return await Transaction(conn).fetch_all(sql, params)

    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        async with self._read_connection() as conn:
            return await Transaction(conn).fetch_one(sql, params)

    async def pragma(self, name: str) -> Any:
        """Read one PRAGMA value (outside any transaction: some pragmas refuse to run in one)."""
        async with self._held():
            cursor = await self._conn.execute(f"PRAGMA {name}")
            row = await cursor.fetchone()
            await cursor.close()
            return None if row is None else row[0]


class ReadPool:
    """Up to ``size`` read-only connections to the database file, opened when first needed.

    ``query_only`` makes SQLite refuse any write through them, so every write still goes
    through the one locked write connection and its transactions.
    """

    def __init__(self, path: Path, size: int = 2, busy_timeout_ms: int = 5000) -> None:
        self._path = path
        self._size = size
        self._busy_timeout_ms = busy_timeout_ms
        self._idle: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        self._opened: list[aiosqlite.Connection] = []
        self._opening = 0
        self._closed = False

    @asynccontextmanager
    async def borrow(self) -> AsyncIterator[aiosqlite.Connection]:
        """An idle connection (opening one if fewer than ``size`` exist), given back after."""
        if self._closed:
            raise ValueError("the database is closed")
        if self._idle.empty() and len(self._opened) + self._opening < self._size:
            self._opening += 1
            try:
                conn = await self._connect()
            finally:
                self._opening -= 1
            self._opened.append(conn)
        else:
            conn = await self._idle.get()
        try:
            yield conn
        except Exception:
            self._give_back(conn)
            raise
        except BaseException:
            # Cancelled while a statement may still be queued on its thread (a BEGIN, say):
            # never lend it again, or a later read could start inside an old snapshot.
            self._discard(conn)
            raise
        else:
            self._give_back(conn)

    def _give_back(self, conn: aiosqlite.Connection) -> None:
        if conn.in_transaction:
            self._discard(conn)
        else:
            self._idle.put_nowait(conn)

    def _discard(self, conn: aiosqlite.Connection) -> None:
        self._opened.remove(conn)
        conn.stop()  # closes it on its own thread, after anything still queued there

    async def _connect(self) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(str(self._path), isolation_level=None)
        try:
            conn.row_factory = sqlite3.Row
            await conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
            await conn.execute("PRAGMA query_only = ON")
        except BaseException:
            await conn.close()
            raise
        return conn

    async def close(self) -> None:
        """Close every connection once it is given back."""
        self._closed = True
        for _ in range(len(self._opened)):
            conn = await self._idle.get()
            await conn.close()
        self._opened.clear()


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
