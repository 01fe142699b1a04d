"""One SQLite database, reached through aiosqlite, with transactions that never interleave.

All access goes through one connection guarded by a lock: SQLite allows one writer anyway,
and sharing a connection between coroutines without a lock would let one coroutine's
statements land inside another's transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from bot.storage_checks import damaged, prepare_database_file, startup_error

Row = sqlite3.Row


class Database:
    """The bot's database: WAL journal, foreign keys on, a busy timeout, explicit transactions."""

    def __init__(self, connection: aiosqlite.Connection, path: Path) -> None:
        self._conn = connection
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[object] | None = None
        self.path = path

    @asynccontextmanager
    async def _held(self) -> AsyncIterator[None]:
        """Hold the connection. Asking again from inside (the same task) would wait for itself
        forever, so that is refused at once, naming the mistake."""
        task = asyncio.current_task()
        if task is not None and task is self._owner:
            raise RuntimeError(
                "database used again inside a transaction or read of the same task: pass the "
                "Transaction on, or do the other read before opening the transaction"
            )
        async with self._lock:
            self._owner = task
            try:
                yield
            finally:
                self._owner = None

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

    async def close(self) -> None:
        async with self._held():
            await self._conn.close()

    async def _rollback_if_open(self) -> None:
        """Roll back unless SQLite already did: after a full disk or an I/O error it rolls the
        whole transaction back itself, and a second ROLLBACK would hide the real error."""
        if self._conn.in_transaction:
            await self._conn.execute("ROLLBACK")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """Run the block in one write transaction: all of it commits, or none of it does."""
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
        """A consistent read of several statements (a deferred transaction, rolled back)."""
        async with self._held():
            await self._conn.execute("BEGIN")
            try:
                yield Transaction(self._conn)
            finally:
                await self._rollback_if_open()

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """One SELECT; a single statement is consistent on its own, so no transaction."""
        async with self._held():
            return await Transaction(self._conn).fetch_all(sql, params)

    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        async with self._held():
            return await Transaction(self._conn).fetch_one(sql, params)

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
