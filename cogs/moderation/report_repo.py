"""SQL for what happens to a report after it is made: the message it is about, who took it,
its removal, and the anonymous replies. Every write runs in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.audit import DELETED_PERSON
from bot.clock import from_db, to_db
from bot.identity import MessageRef, place_from_key
from bot.storage import Row, Transaction


@dataclass(frozen=True)
class ReportState:
    """A report's message, claim and removal (the rest is in ``models.Report``)."""

    id: int
    network_id: int
    reporter_key: str
    status: str
    message: MessageRef | None
    claimed_by: str | None
    claimed_at: datetime | None
    removed_by: str | None
    removed_at: datetime | None


@dataclass(frozen=True)
class ReplyRow:
    id: int
    report_id: int
    direction: str  # to_reporter, to_coordinators
    author_key: str
    body: str
    created_at: datetime


async def set_message(tx: Transaction, report_id: int, message: MessageRef) -> None:
    await tx.execute(
        "UPDATE reports SET message_place = ?, message_id = ? WHERE id = ?",
        (message.place.key, message.id, report_id),
    )


async def state(tx: Transaction, report_id: int) -> ReportState | None:
    row = await tx.fetch_one(
        """SELECT id, network_id, reporter_key, status, message_place, message_id, claimed_by,
                  claimed_at, removed_by, removed_at FROM reports WHERE id = ?""",
        (report_id,),
    )
    if row is None:
        return None
    message = None
    if row["message_place"] and row["message_id"]:
        message = MessageRef(place=place_from_key(str(row["message_place"])), id=row["message_id"])
    return ReportState(
        id=int(row["id"]),
        network_id=int(row["network_id"]),
        reporter_key=str(row["reporter_key"]),
        status=str(row["status"]),
        message=message,
        claimed_by=row["claimed_by"],
        claimed_at=from_db(row["claimed_at"]) if row["claimed_at"] else None,
        removed_by=row["removed_by"],
        removed_at=from_db(row["removed_at"]) if row["removed_at"] else None,
    )


async def claim(tx: Transaction, report_id: int, actor_key: str, now: datetime) -> bool:
    """Compare and set: only the first of two presses at once takes the report."""
    changed = await tx.execute(
        """UPDATE reports SET claimed_by = ?, claimed_at = ?
           WHERE id = ? AND claimed_by IS NULL AND status = 'open'""",
        (actor_key, to_db(now), report_id),
    )
    return changed == 1


async def mark_removed(tx: Transaction, report_id: int, actor_key: str, now: datetime) -> bool:
    changed = await tx.execute(
        """UPDATE reports SET removed_by = ?, removed_at = ?
           WHERE id = ? AND removed_at IS NULL""",
        (actor_key, to_db(now), report_id),
    )
    return changed == 1


async def add_reply(
    tx: Transaction, report_id: int, direction: str, author_key: str, body: str, now: datetime
) -> int:
    return await tx.insert(
        """INSERT INTO report_replies (report_id, direction, author_key, body, created_at)
           VALUES (?, ?, ?, ?, ?)""",
        (report_id, direction, author_key, body, to_db(now)),
    )


def _reply(r: Row) -> ReplyRow:
    return ReplyRow(
        id=int(r["id"]),
        report_id=int(r["report_id"]),
        direction=str(r["direction"]),
        author_key=str(r["author_key"]),
        body=str(r["body"]),
        created_at=from_db(r["created_at"]),
    )


async def replies_of(tx: Transaction, report_id: int) -> list[ReplyRow]:
    rows = await tx.fetch_all(
        "SELECT * FROM report_replies WHERE report_id = ? ORDER BY id", (report_id,)
    )
    return [_reply(r) for r in rows]


async def replies_on_reports_by(tx: Transaction, reporter_key: str) -> list[ReplyRow]:
    rows = await tx.fetch_all(
        """SELECT r.* FROM report_replies r JOIN reports p ON p.id = r.report_id
           WHERE p.reporter_key = ? ORDER BY r.id""",
        (reporter_key,),
    )
    return [_reply(r) for r in rows]


async def replies_written_by(tx: Transaction, author_key: str) -> list[ReplyRow]:
    rows = await tx.fetch_all(
        """SELECT * FROM report_replies WHERE author_key = ? AND direction = 'to_reporter'
           ORDER BY id""",
        (author_key,),
    )
    return [_reply(r) for r in rows]


async def handled_by(tx: Transaction, user_key: str) -> tuple[list[int], list[int]]:
    """The reports a person took, and those whose message they removed."""
    took = await tx.fetch_all(
        "SELECT id FROM reports WHERE claimed_by = ? ORDER BY id", (user_key,)
    )
    removed = await tx.fetch_all(
        "SELECT id FROM reports WHERE removed_by = ? ORDER BY id", (user_key,)
    )
    return [int(r["id"]) for r in took], [int(r["id"]) for r in removed]


_PERSON_COLUMNS = ("claimed_by", "removed_by")


async def delete_person(tx: Transaction, user_key: str) -> int:
    """The replies on a person's own reports go with them (the reports themselves are the
    moderation hook's); what they wrote or did as a coordinator stays, no longer naming them,
    so the reporter's thread and the report's history still read right."""
    removed = await tx.execute(
        """DELETE FROM report_replies WHERE report_id IN
               (SELECT id FROM reports WHERE reporter_key = ?)""",
        (user_key,),
    )
    removed += await tx.execute(
        "UPDATE report_replies SET author_key = ? WHERE author_key = ?", (DELETED_PERSON, user_key)
    )
    for column in _PERSON_COLUMNS:
        removed += await tx.execute(
            f"UPDATE reports SET {column} = ? WHERE {column} = ?", (DELETED_PERSON, user_key)
        )
    return removed


async def move_person(tx: Transaction, old_key: str, new_key: str) -> int:
    moved = await tx.execute(
        "UPDATE report_replies SET author_key = ? WHERE author_key = ?", (new_key, old_key)
    )
    for column in _PERSON_COLUMNS:
        moved += await tx.execute(
            f"UPDATE reports SET {column} = ? WHERE {column} = ?", (new_key, old_key)
        )
    return moved
