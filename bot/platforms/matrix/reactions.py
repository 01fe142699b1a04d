"""Answers given by reaction, remembered so that removing the reaction takes the answer back.

Element removes a reaction by redacting its ``m.reaction`` event; the redaction names only
the reaction's event id, so peerbot keeps which choice (and number) each answering reaction
picked, and who sent it. The bot also puts the number reactions under its own public
choices, so one click answers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import nio

from bot.clock import Clock, to_db
from bot.storage import Database, Transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reacted:
    """One reaction that answered: on which message, by whom, and which number."""

    reaction_event_id: str
    room_id: str
    target_event_id: str
    user_key: str
    number: int


class ReactionStore:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def record(self, reacted: Reacted) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                """INSERT OR REPLACE INTO matrix_reactions
                   (reaction_event_id, room_id, target_event_id, user_key, number, created_at)
                   VALUES (?, ?, ?, ?, ?, ?)""",
                (
                    reacted.reaction_event_id,
                    reacted.room_id,
                    reacted.target_event_id,
                    reacted.user_key,
                    reacted.number,
                    to_db(self.clock.now()),
                ),
            )

    async def take(self, reaction_event_id: str) -> Reacted | None:
        """The answer a reaction gave, forgotten now that the reaction is gone."""
        async with self.db.transaction() as tx:
            row = await tx.fetch_one(
                "SELECT * FROM matrix_reactions WHERE reaction_event_id = ?",
                (reaction_event_id,),
            )
            if row is None:
                return None
            await tx.execute(
                "DELETE FROM matrix_reactions WHERE reaction_event_id = ?", (reaction_event_id,)
            )
        return Reacted(
            reaction_event_id=str(row["reaction_event_id"]),
            room_id=str(row["room_id"]),
            target_event_id=str(row["target_event_id"]),
            user_key=str(row["user_key"]),
            number=int(row["number"]),
        )

    async def purge_older_than(self, age: timedelta) -> int:
        async with self.db.transaction() as tx:
            return await tx.execute(
                "DELETE FROM matrix_reactions WHERE created_at < ?",
                (to_db(self.clock.now() - age),),
            )


async def export_reactions(tx: Transaction, key: str) -> list[dict[str, str]]:
    rows = await tx.fetch_all(
        "SELECT room_id, target_event_id, number, created_at FROM matrix_reactions "
        "WHERE user_key = ?",
        (key,),
    )
    return [
        {k: str(row[k]) for k in ("room_id", "target_event_id", "number", "created_at")}
        for row in rows
    ]


async def delete_reactions(tx: Transaction, key: str) -> int:
    return await tx.execute("DELETE FROM matrix_reactions WHERE user_key = ?", (key,))


async def add_answer_reactions(client: Any, room_id: str, event_id: str, keys: list[str]) -> None:
    """The bot reacts with each number under its message, so a person answers in one click.
    A failure is logged only: the message stands, and people can still react or reply."""
    for key in keys:
        content = {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}}
        try:
            response = await client.room_send(
                room_id, "m.reaction", content, ignore_unverified_devices=True
            )
        except Exception as error:  # never fail the delivery of the message itself
            log.warning("matrix: could not add answer reactions in %s (%r)", room_id, error)
            return
        if not isinstance(response, nio.RoomSendResponse):
            log.warning(
                "matrix: could not add answer reactions in %s (%s)",
                room_id,
                getattr(response, "status_code", None),
            )
            return
