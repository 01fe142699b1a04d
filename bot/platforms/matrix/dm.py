"""Each person's direct-message room with the bot: created on first need, then remembered.

Private replies, check-in prompts and guided forms go there. The room is created as a direct
chat (``is_direct``) with only that person invited, and encrypted when the bot can encrypt.
A direct chat the person opens with the bot themselves is adopted the same way.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import nio

from bot.clock import Clock, to_db
from bot.platforms.matrix.client import MatrixConnection
from bot.platforms.matrix.errors import error_for
from bot.storage import Database, Transaction

log = logging.getLogger(__name__)

PLATFORM = "matrix"
ROOM_KNOWN_SECONDS = 30.0


def user_key(user_id: str) -> str:
    return f"{PLATFORM}:{user_id}"


class DirectRooms:
    def __init__(self, db: Database, clock: Clock, connection: MatrixConnection) -> None:
        self.db = db
        self.clock = clock
        self.connection = connection
        self.client: Any = connection.client
        self.encrypted = connection.encrypted
        self._creating: dict[str, asyncio.Lock] = {}

    async def known(self, user_id: str) -> str | None:
        row = await self.db.fetch_one(
            "SELECT room_id FROM matrix_dm_rooms WHERE user_key = ?", (user_key(user_id),)
        )
        return None if row is None else str(row["room_id"])

    async def remember(self, user_id: str, room_id: str) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                """INSERT INTO matrix_dm_rooms (user_key, room_id, created_at) VALUES (?, ?, ?)
                   ON CONFLICT (user_key) DO UPDATE SET room_id = excluded.room_id""",
                (user_key(user_id), room_id, to_db(self.clock.now())),
            )

    async def forget(self, user_id: str) -> None:
        async with self.db.transaction() as tx:
            await tx.execute("DELETE FROM matrix_dm_rooms WHERE user_key = ?", (user_key(user_id),))

    async def room_for(self, user_id: str) -> str:
        """The person's direct-message room, created (and the person invited) on first need."""
        lock = self._creating.setdefault(user_id, asyncio.Lock())
        async with lock:
            known = await self.known(user_id)
            if known is not None:
                return known
            initial_state: list[dict[str, Any]] = []
            if self.encrypted:
                initial_state.append(
                    {
                        "type": "m.room.encryption",
                        "state_key": "",
                        "content": {"algorithm": "m.megolm.v1.aes-sha2"},
                    }
                )
            response = await self.client.room_create(
                is_direct=True,
                preset=nio.RoomPreset.trusted_private_chat,
                invite=[user_id],
                initial_state=initial_state,
            )
            if not isinstance(response, nio.RoomCreateResponse):
                raise error_for(
                    response, permission="open a direct-message room", where=f"with {user_id}"
                )
            room_id = str(response.room_id)
            await self.remember(user_id, room_id)
            # Encryption keys go to the members the bot knows of, so wait until a sync has
            # shown the invitation; otherwise the person could not read the first message.
            if not await self.connection.wait_until(
                lambda: user_id in getattr(self.client.rooms.get(room_id), "users", {}),
                ROOM_KNOWN_SECONDS,
            ):
                log.warning("matrix: the new direct-message room %s did not sync in time", room_id)
            log.info("matrix: opened a direct-message room %s", room_id)
            return room_id


async def export_dm_rooms(tx: Transaction, key: str) -> list[str]:
    rows = await tx.fetch_all("SELECT room_id FROM matrix_dm_rooms WHERE user_key = ?", (key,))
    return [str(row["room_id"]) for row in rows]


async def delete_dm_rooms(tx: Transaction, key: str) -> int:
    return await tx.execute("DELETE FROM matrix_dm_rooms WHERE user_key = ?", (key,))
