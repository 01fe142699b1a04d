"""Migrations apply once, in order, atomically, and refuse edited or newer-than-code databases."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.errors import StartupError
from bot.migrations import MIGRATIONS_DIR, load_migrations, migrate, split_statements
from bot.storage import Database


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    copy = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, copy)
    return copy


async def test_applies_to_empty_database_then_nothing(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "a.sqlite3")
    try:
        first = await migrate(db)
        second = await migrate(db)
        versions = await db.fetch_all("SELECT version FROM schema_migrations ORDER BY version")
    finally:
        await db.close()
    assert [m.version for m in first] == [m.version for m in load_migrations()]
    assert len(first) >= 2
    assert second == []
    assert [r["version"] for r in versions] == [m.version for m in first]


async def test_pragmas(db: Database) -> None:
    assert str(await db.pragma("journal_mode")).lower() == "wal"
    assert await db.pragma("foreign_keys") == 1
    assert await db.pragma("busy_timeout") == 5000


async def test_edited_migration_is_refused(tmp_path: Path, folder: Path) -> None:
    db = await Database.open(tmp_path / "b.sqlite3")
    try:
        await migrate(db, folder)
        target = sorted(folder.glob("*.sql"))[0]
        target.write_text(target.read_text() + "\n-- an innocent-looking edit\n")
        with pytest.raises(StartupError, match=r"has been edited since it was applied"):
            await migrate(db, folder)
    finally:
        await db.close()


async def test_database_newer_than_code_is_refused(tmp_path: Path, folder: Path) -> None:
    db = await Database.open(tmp_path / "c.sqlite3")
    try:
        await migrate(db, folder)
        async with db.transaction() as tx:
            await tx.execute(
                "INSERT INTO schema_migrations (version, name, checksum) VALUES (999, 'x', 'y')"
            )
        with pytest.raises(StartupError, match=r"newer peerbot.*0999"):
            await migrate(db, folder)
    finally:
        await db.close()


async def test_failing_migration_leaves_nothing_behind(tmp_path: Path, folder: Path) -> None:
    count = len(load_migrations(folder))
    bad = folder / f"{count + 1:04d}_broken.sql"
    bad.write_text("CREATE TABLE half_done (id INTEGER);\nTHIS IS NOT SQL;\n")
    db = await Database.open(tmp_path / "d.sqlite3")
    try:
        with pytest.raises(Exception, match="syntax error"):
            await migrate(db, folder)
        tables = await db.fetch_all("SELECT name FROM sqlite_master WHERE name = 'half_done'")
        applied = await db.fetch_all("SELECT version FROM schema_migrations")
    finally:
        await db.close()
    assert tables == []
    assert len(applied) == count  # the good ones stay, the broken one left no trace


def test_gap_in_numbers_is_refused(folder: Path) -> None:
    count = len(list(folder.glob("*.sql")))
    (folder / f"{count + 2:04d}_later.sql").write_text("SELECT 1;")
    with pytest.raises(StartupError, match="missing"):
        load_migrations(folder)


def test_badly_named_file_is_refused(folder: Path) -> None:
    (folder / "3_whatever.sql").write_text("SELECT 1;")
    with pytest.raises(StartupError, match="must be named like"):
        load_migrations(folder)


def test_split_keeps_triggers_whole() -> None:
    sql = """
    CREATE TABLE t (a INTEGER);
    CREATE TRIGGER tr AFTER INSERT ON t BEGIN
        UPDATE t SET a = a + 1;
        UPDATE t SET a = a + 2;
    END;
    -- a comment
    INSERT INTO t VALUES (1);
    """
    statements = split_statements(sql)
    assert len(statements) == 3
    assert statements[1].startswith("CREATE TRIGGER") and statements[1].endswith("END;")
