"""Which command messages ran, so an edit (``m.replace``) is read once and never runs twice.

Element lets people edit a message they sent; the edit arrives as a new event whose
``m.new_content`` holds the edited text. An edit of a command that was refused (a typing
error) runs as the corrected command; an edit of one that ran is answered, once, that edits
are not run again.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.clock import Clock, to_db
from bot.storage import Database, Transaction

EDITS_NOT_RUN = (
    "Edits are not run as commands: that command already ran. To run it again with the "
    "changes, send it as a new message."
)


def edited(event: Any) -> tuple[str, dict[str, Any]] | None:
    """(the original event id, the edited content) when the event is an ``m.replace`` edit."""
    content = event.source.get("content", {}) or {}
    relates = content.get("m.relates_to") or {}
    new = content.get("m.new_content")
    original = relates.get("event_id")
    if relates.get("rel_type") != "m.replace" or not isinstance(original, str):
        return None
    if not isinstance(new, dict):
        return None
    return original, new


class CommandLog:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def note(self, event_id: str, user_key: str, *, ran: bool) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                """INSERT INTO matrix_commands (event_id, user_key, ran, created_at)
                   VALUES (?, ?, ?, ?)
                   ON CONFLICT (event_id) DO UPDATE SET ran = MAX(ran, excluded.ran)""",
                (event_id, user_key, int(ran), to_db(self.clock.now())),
            )

    async def ran(self, event_id: str) -> bool:
        value = await self.db.fetch_one(
            "SELECT ran FROM matrix_commands WHERE event_id = ?", (event_id,)
        )
        return value is not None and bool(value["ran"])

    async def first_edit_answer(self, event_id: str) -> bool:
        """True the first time an edit of this command is answered; False after."""
        async with self.db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE matrix_commands SET edit_answered = 1 "
                "WHERE event_id = ? AND edit_answered = 0",
                (event_id,),
            )
        return changed > 0

    async def purge_older_than(self, age: timedelta) -> int:
        async with self.db.transaction() as tx:
            return await tx.execute(
                "DELETE FROM matrix_commands WHERE created_at < ?",
                (to_db(self.clock.now() - age),),
            )


async def export_commands(tx: Transaction, key: str) -> list[dict[str, str]]:
    rows = await tx.fetch_all(
        "SELECT event_id, ran, created_at FROM matrix_commands WHERE user_key = ?", (key,)
    )
    return [
        {
            "message": str(row["event_id"]),
            "ran": "yes" if row["ran"] else "no",
            "when": str(row["created_at"]),
        }
        for row in rows
    ]


async def delete_commands(tx: Transaction, key: str) -> int:
    return await tx.execute("DELETE FROM matrix_commands WHERE user_key = ?", (key,))
