"""Buttons and menus as numbered choices, answered by a reply or a number reaction.

Each message that lists choices is remembered in the database under its event id, so a
reaction to a week-old meeting notice still counts after a restart.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import timedelta

from bot.clock import Clock, to_db
from bot.errors import UserError
from bot.replies import ActionRef, Reply
from bot.storage import Database, Row, Transaction

#: Reactions that stand for numbers, 1 to 10.
KEYCAPS = ("1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟")
_NUMBERS = re.compile(r"^\s*\d+(?:\s*[,\s]\s*\d+)*\s*$")


@dataclass(frozen=True)
class Entry:
    """One numbered choice: the action it leads to and, for a menu, the value picked."""

    action: ActionRef
    value: str | None = None
    label: str = ""


@dataclass(frozen=True)
class PendingChoice:
    event_id: str
    room_id: str
    user_key: str | None
    entries: tuple[Entry, ...]
    max_values: int


def entries_of(reply: Reply) -> list[Entry]:
    """Buttons first, then the menu's items: the same numbering the message shows."""
    entries = [Entry(button.action, None, button.label) for button in reply.buttons]
    if reply.select is not None:
        entries += [
            Entry(reply.select.action, choice.value, choice.label)
            for choice in reply.select.choices
        ]
    return entries


def keycap_number(key: str) -> int | None:
    """The number a reaction stands for (1️⃣ is 1), or None for any other reaction."""
    normalised = key.replace("\ufe0f", "")
    for number, cap in enumerate(KEYCAPS, start=1):
        if cap.replace("\ufe0f", "") == normalised:
            return number
    return None


def parse_numbers(text: str) -> list[int] | None:
    """``2`` or ``1, 3`` -> the numbers; None when the text is not just numbers."""
    if not _NUMBERS.match(text):
        return None
    return [int(part) for part in re.split(r"[,\s]+", text.strip()) if part]


def pick(choice: PendingChoice, numbers: list[int]) -> tuple[ActionRef, tuple[str, ...]]:
    """The action and selected values for the numbers given; UserError if they do not fit."""
    count = len(choice.entries)
    if not numbers:
        raise UserError(f"Choose a number from 1 to {count}.")
    for number in numbers:
        if not 1 <= number <= count:
            raise UserError(f"Choose a number from 1 to {count}.")
    picked = [choice.entries[number - 1] for number in dict.fromkeys(numbers)]
    if len(picked) == 1:
        entry = picked[0]
        return entry.action, (() if entry.value is None else (entry.value,))
    if any(entry.value is None for entry in picked) or len({e.action for e in picked}) > 1:
        raise UserError("Choose one of the buttons by itself: reply with one number.")
    if len(picked) > choice.max_values:
        raise UserError(f"Choose at most {choice.max_values} of these.")
    return picked[0].action, tuple(entry.value for entry in picked if entry.value is not None)


class ChoiceStore:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def purge_older_than(self, age: timedelta) -> int:
        """Forget numbered choices sent longer ago than ``age``: their buttons have served."""
        async with self.db.transaction() as tx:
            return await tx.execute(
                "DELETE FROM matrix_choices WHERE created_at < ?",
                (to_db(self.clock.now() - age),),
            )

    async def remember(
        self,
        event_id: str,
        room_id: str,
        reply: Reply,
        *,
        user_key: str | None,
    ) -> None:
        entries = entries_of(reply)
        if not entries:
            return
        max_values = reply.select.max_values if reply.select is not None else 1
        encoded = json.dumps(
            [{"action": e.action.encode(), "value": e.value, "label": e.label} for e in entries]
        )
        async with self.db.transaction() as tx:
            await tx.execute(
                """INSERT OR REPLACE INTO matrix_choices
                   (event_id, room_id, user_key, entries, max_values, created_at)
                   VALUES (?, ?, ?, ?, ?, ?)""",
                (event_id, room_id, user_key, encoded, max_values, to_db(self.clock.now())),
            )

    async def replace(self, event_id: str, room_id: str, reply: Reply) -> None:
        """An edited message's new choices, keeping who may answer them (and the time they
        were first sent, which retention counts from)."""
        entries = entries_of(reply)
        max_values = reply.select.max_values if reply.select is not None else 1
        encoded = json.dumps(
            [{"action": e.action.encode(), "value": e.value, "label": e.label} for e in entries]
        )
        async with self.db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE matrix_choices SET entries = ?, max_values = ? WHERE event_id = ?",
                (encoded, max_values, event_id),
            )
            if changed == 0 and entries:
                await tx.execute(
                    """INSERT INTO matrix_choices
                       (event_id, room_id, user_key, entries, max_values, created_at)
                       VALUES (?, ?, NULL, ?, ?, ?)""",
                    (event_id, room_id, encoded, max_values, to_db(self.clock.now())),
                )

    async def find(self, event_id: str) -> PendingChoice | None:
        row = await self.db.fetch_one(
            "SELECT * FROM matrix_choices WHERE event_id = ?", (event_id,)
        )
        return None if row is None else _choice(row)

    async def latest_in_room(self, room_id: str, user_key: str) -> PendingChoice | None:
        """The newest choice in a room that this person may answer (for a bare number)."""
        row = await self.db.fetch_one(
            """SELECT * FROM matrix_choices
               WHERE room_id = ? AND (user_key IS NULL OR user_key = ?)
               ORDER BY created_at DESC, rowid DESC LIMIT 1""",
            (room_id, user_key),
        )
        return None if row is None else _choice(row)


def _choice(row: Row) -> PendingChoice:
    return PendingChoice(
        event_id=str(row["event_id"]),
        room_id=str(row["room_id"]),
        user_key=None if row["user_key"] is None else str(row["user_key"]),
        entries=tuple(
            Entry(ActionRef.decode(item["action"]), item["value"], item.get("label", ""))
            for item in json.loads(row["entries"])
        ),
        max_values=int(row["max_values"]),
    )


async def export_choices(tx: Transaction, user_key: str) -> list[dict[str, str]]:
    rows = await tx.fetch_all(
        "SELECT event_id, room_id, created_at FROM matrix_choices WHERE user_key = ?",
        (user_key,),
    )
    return [{k: str(row[k]) for k in ("event_id", "room_id", "created_at")} for row in rows]


async def delete_choices(tx: Transaction, user_key: str) -> int:
    return await tx.execute("DELETE FROM matrix_choices WHERE user_key = ?", (user_key,))
