"""SQL for calendar feed tokens, and the rows a feed is made of (read to tell whether it
changed, without building it). Every write runs in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from bot.clock import from_db, to_db
from bot.storage import Transaction

Kind = Literal["network", "person"]
_TABLE = {"network": "network_calendar_feeds", "person": "person_calendar_feeds"}
_OWNER = {"network": "network_id", "person": "user_key"}


@dataclass(frozen=True)
class FeedRow:
    kind: Kind
    owner: int | str  # the network's id, or the person's key
    token: str
    created_at: datetime
    fingerprint: str | None
    changed_at: datetime | None


def _row(kind: Kind, row: Any) -> FeedRow:
    return FeedRow(
        kind=kind,
        owner=int(row["owner"]) if kind == "network" else str(row["owner"]),
        token=str(row["token"]),
        created_at=from_db(row["created_at"]),
        fingerprint=row["fingerprint"],
        changed_at=from_db(row["changed_at"]) if row["changed_at"] else None,
    )


async def feed_of(tx: Transaction, kind: Kind, owner: int | str) -> FeedRow | None:
    row = await tx.fetch_one(
        f"""SELECT {_OWNER[kind]} AS owner, token, created_at, fingerprint, changed_at
            FROM {_TABLE[kind]} WHERE {_OWNER[kind]} = ?""",
        (owner,),
    )
    return _row(kind, row) if row else None


async def feed_by_token(tx: Transaction, kind: Kind, token: str) -> FeedRow | None:
    row = await tx.fetch_one(
        f"""SELECT {_OWNER[kind]} AS owner, token, created_at, fingerprint, changed_at
            FROM {_TABLE[kind]} WHERE token = ?""",
        (token,),
    )
    return _row(kind, row) if row else None


async def set_token(
    tx: Transaction, kind: Kind, owner: int | str, token: str, now: datetime
) -> None:
    """A new token for the owner (the first, or one replacing the old)."""
    await tx.execute(
        f"""INSERT INTO {_TABLE[kind]} ({_OWNER[kind]}, token, created_at) VALUES (?, ?, ?)
            ON CONFLICT ({_OWNER[kind]}) DO UPDATE SET
                token = excluded.token, created_at = excluded.created_at""",
        (owner, token, to_db(now)),
    )


async def set_seen(
    tx: Transaction, kind: Kind, owner: int | str, fingerprint: str, changed_at: datetime
) -> None:
    await tx.execute(
        f"UPDATE {_TABLE[kind]} SET fingerprint = ?, changed_at = ? WHERE {_OWNER[kind]} = ?",
        (fingerprint, to_db(changed_at), owner),
    )


async def delete_person(tx: Transaction, user_key: str) -> int:
    return await tx.execute("DELETE FROM person_calendar_feeds WHERE user_key = ?", (user_key,))


async def move_person(tx: Transaction, old_key: str, new_key: str) -> int:
    """The old identity's feed goes to the new one, unless that one has its own."""
    if await feed_of(tx, "person", new_key) is not None:
        return await delete_person(tx, old_key)
    return await tx.execute(
        "UPDATE person_calendar_feeds SET user_key = ? WHERE user_key = ?", (new_key, old_key)
    )


# ---- what a feed is made of -----------------------------------------------------------------

_SERIES_COLUMNS = """s.id, s.name, s.first_date, s.start_time, s.duration_minutes, s.timezone,
    s.interval_months, s.nth, s.weekday, s.until_date, s.location, s.link, s.agenda,
    s.created_at, s.updated_at, s.cancelled_at, s.revision"""
_CHANGE_COLUMNS = """c.series_id, c.occurrence_key, c.skipped, c.cancelled, c.start_at,
    c.duration_minutes, c.location, c.link, c.agenda, c.changed_at"""
_PLAN_COLUMNS = "p.series_id, p.occurrence_key, p.topic, p.planned_at"


@dataclass(frozen=True)
class Source:
    """The rows a feed shows (no person's key among them): equal rows, equal feed."""

    rows: tuple[tuple[Any, ...], ...]
    #: The latest time written in any of them.
    latest: datetime | None
    #: The series in it, and (a person's feed) the meetings they said Going or Maybe to.
    series_ids: tuple[int, ...]
    answered: tuple[tuple[int, str], ...] = ()


def _times(rows: list[Any], *columns: str) -> list[datetime]:
    return [from_db(r[c]) for r in rows for c in columns if r[c]]


async def network_source(tx: Transaction, network_id: int) -> Source | None:
    """None when the network is gone (or archived)."""
    network = await tx.fetch_one(
        "SELECT name, timezone, archived_at FROM networks WHERE id = ?", (network_id,)
    )
    if network is None or network["archived_at"]:
        return None
    where = "s.network_id = ?"
    series = await tx.fetch_all(
        f"SELECT {_SERIES_COLUMNS} FROM meeting_series s WHERE {where} ORDER BY s.id",
        (network_id,),
    )
    return await _source(tx, [tuple(network)], series, where, (network_id,), ())


async def person_source(tx: Transaction, user_key: str) -> Source:
    answered_rows = await tx.fetch_all(
        """SELECT r.series_id, r.occurrence_key FROM rsvps r
           JOIN meeting_series s ON s.id = r.series_id
           JOIN networks n ON n.id = s.network_id
           WHERE r.user_key = ? AND r.answer IN ('going', 'maybe') AND n.archived_at IS NULL
           ORDER BY r.series_id, r.occurrence_key""",
        (user_key,),
    )
    answered = tuple((int(r["series_id"]), str(r["occurrence_key"])) for r in answered_rows)
    ids = sorted({series_id for series_id, _ in answered})
    where = f"s.id IN ({','.join('?' * len(ids))})" if ids else "0"
    series = await tx.fetch_all(
        f"SELECT {_SERIES_COLUMNS} FROM meeting_series s WHERE {where} ORDER BY s.id",
        tuple(ids),
    )
    return await _source(tx, [], series, where, tuple(ids), answered)


async def _source(
    tx: Transaction,
    head: list[tuple[Any, ...]],
    series: list[Any],
    where: str,
    params: tuple[Any, ...],
    answered: tuple[tuple[int, str], ...],
) -> Source:
    changes = await tx.fetch_all(
        f"""SELECT {_CHANGE_COLUMNS} FROM occurrence_changes c
            JOIN meeting_series s ON s.id = c.series_id WHERE {where}
            ORDER BY c.series_id, c.occurrence_key""",
        params,
    )
    plans = await tx.fetch_all(
        f"""SELECT {_PLAN_COLUMNS} FROM meeting_plans p
            JOIN meeting_series s ON s.id = p.series_id WHERE {where}
            ORDER BY p.series_id, p.occurrence_key""",
        params,
    )
    times = [
        *_times(series, "created_at", "updated_at", "cancelled_at"),
        *_times(changes, "changed_at"),
        *_times(plans, "planned_at"),
    ]
    rows = (
        *head,
        *(("series", *tuple(r)) for r in series),
        *(("change", *tuple(r)) for r in changes),
        *(("plan", *tuple(r)) for r in plans),
        *(("answered", *a) for a in answered),
    )
    return Source(
        rows=tuple(rows),
        latest=max(times) if times else None,
        series_ids=tuple(int(r["id"]) for r in series),
        answered=answered,
    )
