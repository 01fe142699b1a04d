"""SQL for stories: ``stories`` (the text, while it exists) and ``story_messages`` (where
peerbot delivered it, so it can be deleted there). Every function takes the caller's
transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.clock import from_db, to_db
from bot.privacy import move_rows
from bot.storage import Row, Transaction
from cogs.stories.models import Status, Story, Written

# ---- stories ------------------------------------------------------------------------------


def _story(row: Row) -> Story:
    published = row["published_at"]
    return Story(
        id=int(row["id"]),
        network_id=int(row["network_id"]),
        author_key=str(row["author_key"]),
        title=str(row["title"]),
        body=str(row["body"]),
        shown_name=str(row["shown_name"]),
        status=Status(str(row["status"])),
        revision=int(row["revision"]),
        created_at=from_db(str(row["created_at"])),
        published_at=None if published is None else from_db(str(published)),
    )


async def add(
    tx: Transaction,
    network_id: int,
    author_key: str,
    written: Written,
    status: Status,
    now: dt.datetime,
) -> int:
    return await tx.insert(
        """INSERT INTO stories (network_id, author_key, title, body, shown_name, status,
                                created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
        (
            network_id,
            author_key,
            written.title,
            written.body,
            written.shown_name,
            status.value,
            to_db(now),
            to_db(now),
        ),
    )


async def get(tx: Transaction, story_id: int) -> Story | None:
    row = await tx.fetch_one("SELECT * FROM stories WHERE id = ?", (story_id,))
    return None if row is None else _story(row)


async def rewrite(
    tx: Transaction, story_id: int, written: Written, status: Status, now: dt.datetime
) -> int:
    """The author's new version: a new revision, so buttons on the old one are out of date."""
    return await tx.execute(
        """UPDATE stories SET title = ?, body = ?, shown_name = ?, status = ?,
               revision = revision + 1, updated_at = ?
           WHERE id = ? AND status != 'published'""",
        (written.title, written.body, written.shown_name, status.value, to_db(now), story_id),
    )


async def move_on(
    tx: Transaction,
    story_id: int,
    revision: int,
    was: frozenset[Status],
    to: Status,
    now: dt.datetime,
) -> bool:
    """Change the stage only from one of ``was`` and only for that revision, so two presses
    at once (two coordinators, or a stale button) change it once."""
    marks = ",".join("?" for _ in was)
    changed = await tx.execute(
        f"""UPDATE stories SET status = ?, updated_at = ?,
                published_at = CASE WHEN ? = 'published' THEN ? ELSE published_at END
            WHERE id = ? AND revision = ? AND status IN ({marks})""",
        (to.value, to_db(now), to.value, to_db(now), story_id, revision, *[s.value for s in was]),
    )
    return changed == 1


async def delete(tx: Transaction, story_id: int) -> int:
    return await tx.execute("DELETE FROM stories WHERE id = ?", (story_id,))


async def of_author(tx: Transaction, author_key: str) -> list[Story]:
    rows = await tx.fetch_all(
        "SELECT * FROM stories WHERE author_key = ? ORDER BY id", (author_key,)
    )
    return [_story(r) for r in rows]


async def published(tx: Transaction, networks: list[int]) -> list[Story]:
    if not networks:
        return []
    marks = ",".join("?" for _ in networks)
    rows = await tx.fetch_all(
        f"""SELECT * FROM stories WHERE status = 'published' AND network_id IN ({marks})
            ORDER BY published_at DESC, id DESC""",
        networks,
    )
    return [_story(r) for r in rows]


async def waiting(tx: Transaction, network_id: int) -> list[Story]:
    rows = await tx.fetch_all(
        "SELECT * FROM stories WHERE status = 'review' AND network_id = ? ORDER BY id",
        (network_id,),
    )
    return [_story(r) for r in rows]


# ---- the messages that show a story ---------------------------------------------------------


async def record_message(
    tx: Transaction,
    outbox_key: str,
    story_id: int,
    kind: str,
    place_key: str,
    message_id: str,
    *,
    removing: bool,
) -> None:
    await tx.execute(
        """INSERT OR IGNORE INTO story_messages
               (outbox_key, story_id, kind, place_key, message_id, removing)
           VALUES (?, ?, ?, ?, ?, ?)""",
        (outbox_key, story_id, kind, place_key, message_id, int(removing)),
    )


async def mark_removing(tx: Transaction, story_id: int, kinds: tuple[str, ...]) -> int:
    marks = ",".join("?" for _ in kinds)
    return await tx.execute(
        f"UPDATE story_messages SET removing = 1 WHERE story_id = ? AND kind IN ({marks})",
        (story_id, *kinds),
    )


async def to_remove(tx: Transaction) -> list[tuple[str, str, str]]:
    """(outbox key, place key, message id) of every message waiting to be deleted."""
    rows = await tx.fetch_all(
        """SELECT outbox_key, place_key, message_id FROM story_messages
           WHERE removing = 1 ORDER BY story_id, outbox_key"""
    )
    return [(str(r["outbox_key"]), str(r["place_key"]), str(r["message_id"])) for r in rows]


async def removed(tx: Transaction, outbox_key: str) -> int:
    return await tx.execute("DELETE FROM story_messages WHERE outbox_key = ?", (outbox_key,))


async def still_shown(tx: Transaction, story_id: int) -> int:
    """How many of a story's messages are waiting to be deleted."""
    found = await tx.fetch_value(
        "SELECT count(*) FROM story_messages WHERE story_id = ? AND removing = 1", (story_id,)
    )
    return int(found or 0)


async def forget_outbox_text(tx: Transaction, story_id: int, placeholder: str) -> int:
    """The outbox keeps each message it sent for a while: a withdrawn story's text goes from
    there too, at once (the rows stay, so a key is never queued twice)."""
    prefix = f"story:{story_id}:"
    return await tx.execute(
        "UPDATE outbox SET message_json = ? WHERE substr(key, 1, ?) = ?",
        (placeholder, len(prefix), prefix),
    )


# ---- privacy ------------------------------------------------------------------------------


async def export_person(tx: Transaction, user_key: str) -> list[dict[str, Any]]:
    rows = await tx.fetch_all(
        """SELECT s.*, n.slug FROM stories s JOIN networks n ON n.id = s.network_id
           WHERE s.author_key = ? ORDER BY s.id""",
        (user_key,),
    )
    return [
        {
            "number": int(r["id"]),
            "network": str(r["slug"]),
            "title": str(r["title"]),
            "story": str(r["body"]),
            "published_as": str(r["shown_name"]) or None,
            "stage": str(r["status"]),
            "submitted_at": str(r["created_at"]),
            "published_at": r["published_at"],
        }
        for r in rows
    ]


async def move_person(tx: Transaction, old_key: str, new_key: str) -> int:
    return await move_rows(tx, "stories", "author_key", old_key, new_key)
