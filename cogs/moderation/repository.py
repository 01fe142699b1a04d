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
    )


async def network_names(tx: Transaction, network_id: int) -> tuple[str, str] | None:
    """(name, slug) of a network."""
    row = await tx.fetch_one("SELECT name, slug FROM networks WHERE id = ?", (network_id,))
    return None if row is None else (str(row["name"]), str(row["slug"]))


async def network_of_place(tx: Transaction, place_key: str) -> int | None:
    value = await tx.fetch_value(
        "SELECT network_id FROM network_places WHERE place_key = ?", (place_key,)
    )
    return None if value is None else int(value)


async def set_guidelines(tx: Transaction, network_id: int, text: str) -> int:
    return await tx.execute("UPDATE networks SET guidelines = ? WHERE id = ?", (text, network_id))


async def guidelines(tx: Transaction, network_id: int) -> str:
    value = await tx.fetch_value("SELECT guidelines FROM networks WHERE id = ?", (network_id,))
    return "" if value is None else str(value)


async def coordinators(tx: Transaction, network_id: int) -> list[str]:
    rows = await tx.fetch_all(
        """SELECT user_key FROM memberships WHERE network_id = ? AND role = 'coordinator'
           ORDER BY user_key""",
        (network_id,),
    )
    return [str(r["user_key"]) for r in rows]


async def member_networks(tx: Transaction, user_key: str) -> list[int]:
    rows = await tx.fetch_all(
        """SELECT m.network_id FROM memberships m JOIN networks n ON n.id = m.network_id
           WHERE m.user_key = ? AND n.archived_at IS NULL ORDER BY m.network_id""",
        (user_key,),
    )
    return [int(r["network_id"]) for r in rows]


async def coordinated_networks(tx: Transaction, user_key: str) -> list[int]:
    rows = await tx.fetch_all(
        """SELECT network_id FROM memberships WHERE user_key = ? AND role = 'coordinator'
           ORDER BY network_id""",
        (user_key,),
    )
    return [int(r["network_id"]) for r in rows]


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


async def delete_person(tx: Transaction, user_key: str) -> int:
    """Delete the reports a person made; reports they closed stay, no longer naming them."""
    removed = await tx.execute("DELETE FROM reports WHERE reporter_key = ?", (user_key,))
    removed += await tx.execute(
        "UPDATE reports SET closed_by = ? WHERE closed_by = ?", (DELETED_PERSON, user_key)
    )
    return removed
