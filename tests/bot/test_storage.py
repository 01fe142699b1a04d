"""Transactions commit whole or not at all, and never interleave between coroutines."""

from __future__ import annotations

import asyncio

import pytest

from bot.storage import Database


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
