"""Key-value facts that adapters keep in the database rather than in files beside it."""

from __future__ import annotations

from bot.clock import Clock, to_db
from bot.storage import Database


class PlatformState:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def get(self, key: str) -> str | None:
        row = await self.db.fetch_one("SELECT value FROM platform_state WHERE key = ?", (key,))
        return None if row is None else str(row["value"])

    async def set(self, key: str, value: str) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                """INSERT INTO platform_state (key, value, updated_at) VALUES (?, ?, ?)
                   ON CONFLICT (key) DO UPDATE SET value = excluded.value,
                                                   updated_at = excluded.updated_at""",
                (key, value, to_db(self.clock.now())),
            )

    async def with_prefix(self, prefix: str) -> dict[str, str]:
        """Every fact whose key starts with ``prefix``, by key."""
        rows = await self.db.fetch_all(
            "SELECT key, value FROM platform_state WHERE substr(key, 1, ?) = ?",
            (len(prefix), prefix),
        )
        return {str(r["key"]): str(r["value"]) for r in rows}
