"""Entries a person saved for later: theirs alone, shown only while they may still see the
entry, and covered by the privacy export, delete and account linking."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from bot.clock import to_db
from bot.privacy import move_rows
from bot.storage import Transaction
from cogs.resources import repository as repo
from cogs.resources.models import Resource

SAVED_MAX = 25  # a select menu's choices, so every saved entry can be removed


async def count(tx: Transaction, user_key: str) -> int:
    row = await tx.fetch_one(
        "SELECT COUNT(*) AS n FROM resource_bookmarks WHERE user_key = ?", (user_key,)
    )
    return 0 if row is None else int(row["n"])


async def save(tx: Transaction, user_key: str, resource_id: int, now: dt.datetime) -> bool:
    """True when newly saved, False when it was saved already."""
    added = await tx.execute(
        """INSERT INTO resource_bookmarks (user_key, resource_id, saved_at) VALUES (?, ?, ?)
           ON CONFLICT (user_key, resource_id) DO NOTHING""",
        (user_key, resource_id, to_db(now)),
    )
    return added == 1


async def remove(tx: Transaction, user_key: str, resource_ids: Sequence[int]) -> int:
    marks = ",".join("?" * len(resource_ids))
    return await tx.execute(
        f"DELETE FROM resource_bookmarks WHERE user_key = ? AND resource_id IN ({marks})",
        (user_key, *resource_ids),
    )


async def saved(
    tx: Transaction, user_key: str, networks: Sequence[int], today: dt.date
) -> list[Resource]:
    """The person's saved entries they may still see (live, open, theirs), newest first."""
    rows = await tx.fetch_all(
        "SELECT resource_id FROM resource_bookmarks WHERE user_key = ? ORDER BY saved_at DESC",
        (user_key,),
    )
    found = []
    for row in rows:
        entry = await repo.get(tx, int(row["resource_id"]))
        if entry is None or entry.retired_at is not None:
            continue
        if entry.network_id is not None and entry.network_id not in networks:
            continue
        if entry.closes_on is not None and entry.closes_on < today:
            continue
        found.append(entry)
    return found


async def export_person(tx: Transaction, user_key: str) -> list[dict[str, Any]]:
    rows = await tx.fetch_all(
        """SELECT b.resource_id, b.saved_at, r.title FROM resource_bookmarks b
           JOIN resources r ON r.id = b.resource_id WHERE b.user_key = ? ORDER BY b.saved_at""",
        (user_key,),
    )
    return [
        {"entry": int(r["resource_id"]), "title": str(r["title"]), "saved_at": str(r["saved_at"])}
        for r in rows
    ]


async def delete_person(tx: Transaction, user_key: str) -> int:
    return await tx.execute("DELETE FROM resource_bookmarks WHERE user_key = ?", (user_key,))


async def move_person(tx: Transaction, old_key: str, new_key: str) -> int:
    """Linked accounts: the saved entries of both, once each."""
    return await move_rows(tx, "resource_bookmarks", "user_key", old_key, new_key)
