"""One-time tokens for "are you sure?" buttons.

The token lives in the database, not in memory, so the button still works after a restart; it
is tied to one person and one purpose, so nobody else can press it for them; and it expires.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from bot.clock import Clock, to_db
from bot.storage import Database, Transaction


class Confirmations:
    def __init__(self, db: Database, clock: Clock, ttl: timedelta) -> None:
        self.db = db
        self.clock = clock
        self.ttl = ttl

    async def create(self, user_key: str, purpose: str) -> str:
        token = secrets.token_urlsafe(12)
        now = self.clock.now()
        async with self.db.transaction() as tx:
            await tx.execute(
                """INSERT INTO confirmations (token, user_key, purpose, created_at, expires_at)
                   VALUES (?, ?, ?, ?, ?)""",
                (token, user_key, purpose, to_db(now), to_db(now + self.ttl)),
            )
        return token

    async def consume(self, user_key: str, purpose: str, token: str) -> bool:
        """True once, for the right person and purpose, before it expires."""
        async with self.db.transaction() as tx:
            return await self.consume_in(tx, user_key, purpose, token)

    async def consume_in(self, tx: Transaction, user_key: str, purpose: str, token: str) -> bool:
        """As ``consume``, inside the transaction that does the confirmed work, so a failure
        there leaves the token usable and the button still works."""
        deleted = await tx.execute(
            """DELETE FROM confirmations
               WHERE token = ? AND user_key = ? AND purpose = ? AND expires_at > ?""",
            (token, user_key, purpose, to_db(self.clock.now())),
        )
        return deleted == 1

    async def purge_expired(self) -> int:
        async with self.db.transaction() as tx:
            return await tx.execute(
                "DELETE FROM confirmations WHERE expires_at <= ?", (to_db(self.clock.now()),)
            )
