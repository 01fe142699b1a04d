"""Numbered SQL migrations, applied in order, each in one transaction, recorded with a checksum.

A migration that was applied must never change, and a database written by newer code must
not be opened by older code: both would silently corrupt people's data, so both stop start-up.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bot.errors import StartupError
from bot.storage import Database

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()

    @property
    def filename(self) -> str:
        return f"{self.version:04d}_{self.name}.sql"


def load_migrations(folder: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Read ``NNNN_name.sql`` files; the numbers must run 1, 2, 3... with no gaps."""
    found: list[Migration] = []
    for path in sorted(folder.glob("*.sql")):
        match = _FILE_NAME.match(path.name)
        if match is None:
            raise StartupError(
                f"{path}: migration files must be named like 0001_short_name.sql "
                "(four digits, underscore, lower-case name)."
            )
        found.append(Migration(int(match[1]), match[2], path.read_text(encoding="utf-8")))
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise StartupError(
                f"{folder}: migration {expected:04d} is missing (found {migration.filename})."
            )
    return found


def split_statements(sql: str) -> list[str]:
    """Split a script into statements (triggers included) so one transaction can hold them all.

    ``executescript`` would commit on its own, which is exactly what a migration must not do.
    """
    statements: list[str] = []
    current = ""
    for line in sql.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            if current.strip().strip(";").strip():
                statements.append(current.strip())
            current = ""
    if current.strip():
        statements.append(current.strip())
    return statements


async def _applied(db: Database) -> dict[int, tuple[str, str]]:
    async with db.transaction() as tx:
        await tx.execute(
            """CREATE TABLE IF NOT EXISTS schema_migrations (
                   version    INTEGER PRIMARY KEY,
                   name       TEXT NOT NULL,
                   checksum   TEXT NOT NULL,
                   applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
               )"""
        )
        rows = await tx.fetch_all("SELECT version, name, checksum FROM schema_migrations")
    return {int(r["version"]): (str(r["name"]), str(r["checksum"])) for r in rows}


async def check_compatible(db: Database, migrations: list[Migration]) -> dict[int, str]:
    """Refuse a database that is newer than this code, or whose applied migration was edited."""
    applied = await _applied(db)
    known = {m.version: m for m in migrations}
    newest_known = max(known, default=0)
    newer = sorted(v for v in applied if v > newest_known)
    if newer:
        raise StartupError(
            f"The database {db.path} was written by a newer peerbot: it has migration "
            f"{newer[-1]:04d}, and this code only knows up to {newest_known:04d}. "
            "Update peerbot, or point it at a backup taken with this version."
        )
    for version, (_, checksum) in sorted(applied.items()):
        migration = known[version]
        if migration.checksum != checksum:
            raise StartupError(
                f"migrations/{migration.filename} has been edited since it was applied to "
                f"{db.path}. An applied migration must never change: restore the file "
                "(git checkout migrations/) and put the change in a new numbered migration."
            )
    return {version: name for version, (name, _) in applied.items()}


async def migrate(db: Database, folder: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Apply every migration not yet applied; returns the ones applied now (empty if none)."""
    migrations = load_migrations(folder)
    applied = await check_compatible(db, migrations)
    done: list[Migration] = []
    for migration in migrations:
        if migration.version in applied:
            continue
        async with db.transaction() as tx:
            for statement in split_statements(migration.sql):
                await tx.execute(statement)
            await tx.execute(
                "INSERT INTO schema_migrations (version, name, checksum) VALUES (?, ?, ?)",
                (migration.version, migration.name, migration.checksum),
            )
        done.append(migration)
    return done
