"""SQL for guidelines, reports and coordinators. Every write runs in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from bot.audit import DELETED_PERSON
from bot.clock import from_db, to_db
from bot.storage import Row, Transaction
from cogs.moderation.models import Report


def _report(row: Row) -> Report:
    return Report(
        id=int(row["id"]),
        network_id=int(row["network_id"]),
        reporter_key=str(row["reporter_key"]),
        concern=str(row["concern"]),
        message_link=row["message_link"],
        status=str(row["status"]),
        created_at=from_db(row["created_at"]),
        closed_at=from_db(row["closed_at"]) if row["closed_at"] else None,
        closed_by=row["closed_by"],
        closing_note=row["closing_note"],
        claimed_by=row["claimed_by"],
    )


async def set_guidelines(tx: Transaction, network_id: int, text: str) -> int:
    return await tx.execute("UPDATE networks SET guidelines = ? WHERE id = ?", (text, network_id))


async def guidelines(tx: Transaction, network_id: int) -> str:
    value = await tx.fetch_value("SELECT guidelines FROM networks WHERE id = ?", (network_id,))
    return "" if value is None else str(value)


async def insert_report(
    tx: Transaction,
    *,
    network_id: int,
    reporter_key: str,
    concern: str,
    message_link: str | None,
    now: datetime,
) -> int:
    return await tx.insert(
        """INSERT INTO reports (network_id, reporter_key, concern, message_link, created_at)
           VALUES (?, ?, ?, ?, ?)""",
        (network_id, reporter_key, concern, message_link, to_db(now)),
    )


async def report_by_id(tx: Transaction, report_id: int) -> Report | None:
    row = await tx.fetch_one("SELECT * FROM reports WHERE id = ?", (report_id,))
    return _report(row) if row else None


async def reports_of_network(tx: Transaction, network_id: int, status: str) -> list[Report]:
    rows = await tx.fetch_all(
        """SELECT * FROM reports WHERE network_id = ? AND status = ?
           ORDER BY created_at DESC, id DESC""",
        (network_id, status),
    )
    return [_report(r) for r in rows]


async def close_report(
    tx: Transaction, report_id: int, *, closed_by: str, note: str, now: datetime
) -> int:
    return await tx.execute(
        """UPDATE reports SET status = 'closed', closed_at = ?, closed_by = ?, closing_note = ?
           WHERE id = ? AND status = 'open'""",
        (to_db(now), closed_by, note, report_id),
    )


async def reports_by(tx: Transaction, reporter_key: str) -> list[Report]:
    rows = await tx.fetch_all(
        "SELECT * FROM reports WHERE reporter_key = ? ORDER BY id", (reporter_key,)
    )
    return [_report(r) for r in rows]


async def move_person(tx: Transaction, old_key: str, new_key: str) -> int:
    """Linking two accounts: reports made or closed move to the main account."""
    moved = await tx.execute(
        "UPDATE reports SET reporter_key = ? WHERE reporter_key = ?", (new_key, old_key)
    )
    moved += await tx.execute(
        "UPDATE reports SET closed_by = ? WHERE closed_by = ?", (new_key, old_key)
    )
    return moved


async def delete_person(tx: Transaction, user_key: str) -> int:
    """Delete the reports a person made; reports they closed stay, no longer naming them."""
    removed = await tx.execute("DELETE FROM reports WHERE reporter_key = ?", (user_key,))
    removed += await tx.execute(
        "UPDATE reports SET closed_by = ? WHERE closed_by = ?", (DELETED_PERSON, user_key)
    )
    return removed
