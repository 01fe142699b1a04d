"""SQL for the noticeboard. Notices themselves are rows of ``resources`` (read here through
the resource library's own row reader); this module owns ``notice_posts`` and
``notice_subscriptions``. Every function takes the caller's transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from bot.clock import from_db, to_db
from bot.privacy import move_rows
from bot.storage import Row, Transaction
from cogs.noticeboard.models import NOTICE_KINDS, Post, Subscription
from cogs.resources.models import Kind, Region, Resource
from cogs.resources.repository import REGION_MATCHES, resource_of

_KINDS = tuple(sorted(k.value for k in NOTICE_KINDS))
_KIND_MARKS = ",".join("?" for _ in _KINDS)


# ---- notices (resource entries) -----------------------------------------------------------


async def open_notices(
    tx: Transaction,
    networks: Sequence[int],
    opened_on: dt.date,
    *,
    kind: Kind | None = None,
    region: Region | None = None,
) -> list[Resource]:
    """Live notices of these networks closing on or after ``opened_on`` (the earliest of
    their networks' todays: the caller drops those already closed in their own zone),
    soonest closing first."""
    if not networks:
        return []
    marks = ",".join("?" for _ in networks)
    sql = f"""SELECT * FROM resources r
              WHERE r.network_id IN ({marks}) AND r.type IN ({_KIND_MARKS})
                AND r.retired_at IS NULL AND r.closes_on IS NOT NULL AND r.closes_on >= ?"""
    params: list[Any] = [*networks, *_KINDS, opened_on.isoformat()]
    if kind is not None:
        sql += " AND r.type = ?"
        params.append(kind.value)
    if region is not None:
        sql += " AND " + REGION_MATCHES
        params.append(region.value)
    rows = await tx.fetch_all(sql + " ORDER BY r.closes_on, r.title COLLATE NOCASE, r.id", params)
    return [resource_of(r) for r in rows]


async def due_to_close(tx: Transaction, before: dt.date) -> list[Resource]:
    """Live notices (of any network) whose closing date is before ``before``: candidates
    the caller checks against each network's own today."""
    rows = await tx.fetch_all(
        f"""SELECT * FROM resources r
            WHERE r.network_id IS NOT NULL AND r.type IN ({_KIND_MARKS})
              AND r.retired_at IS NULL AND r.closes_on IS NOT NULL AND r.closes_on < ?
            ORDER BY r.id""",
        (*_KINDS, before.isoformat()),
    )
    return [resource_of(r) for r in rows]


async def added_after(
    tx: Transaction, network_id: int, after_id: int, opened_on: dt.date
) -> list[Resource]:
    """The network's live notices numbered after ``after_id`` (entry numbers only grow: an
    approved suggestion gets its number when approved) that are still open on ``opened_on``,
    soonest closing first."""
    rows = await tx.fetch_all(
        f"""SELECT * FROM resources r
            WHERE r.network_id = ? AND r.type IN ({_KIND_MARKS}) AND r.retired_at IS NULL
              AND r.closes_on IS NOT NULL AND r.closes_on >= ? AND r.id > ?
            ORDER BY r.closes_on, r.id""",
        (network_id, *_KINDS, opened_on.isoformat(), after_id),
    )
    return [resource_of(r) for r in rows]


async def newest_entry(tx: Transaction) -> int:
    return int(await tx.fetch_value("SELECT coalesce(max(id), 0) FROM resources") or 0)


async def retire(tx: Transaction, resource_id: int, now: dt.datetime) -> int:
    return await tx.execute(
        "UPDATE resources SET retired_at = ? WHERE id = ? AND retired_at IS NULL",
        (to_db(now), resource_id),
    )


async def zones(tx: Transaction) -> dict[int, str]:
    rows = await tx.fetch_all("SELECT id, timezone FROM networks")
    return {int(r["id"]): str(r["timezone"]) for r in rows}


# ---- posts --------------------------------------------------------------------------------


def _post(row: Row) -> Post:
    return Post(
        resource_id=int(row["resource_id"]),
        place_key=str(row["place_key"]),
        network_id=int(row["network_id"]),
        message_id=row["message_id"],
        closed_at=None if row["closed_at"] is None else from_db(str(row["closed_at"])),
    )


async def add_post(
    tx: Transaction, resource_id: int, place_key: str, network_id: int, now: dt.datetime
) -> bool:
    changed = await tx.execute(
        """INSERT OR IGNORE INTO notice_posts (resource_id, place_key, network_id, queued_at)
           VALUES (?, ?, ?, ?)""",
        (resource_id, place_key, network_id, to_db(now)),
    )
    return changed == 1


async def posts_of(tx: Transaction, resource_id: int) -> list[Post]:
    rows = await tx.fetch_all(
        "SELECT * FROM notice_posts WHERE resource_id = ? ORDER BY place_key", (resource_id,)
    )
    return [_post(r) for r in rows]


async def post(tx: Transaction, resource_id: int, place_key: str) -> Post | None:
    row = await tx.fetch_one(
        "SELECT * FROM notice_posts WHERE resource_id = ? AND place_key = ?",
        (resource_id, place_key),
    )
    return None if row is None else _post(row)


async def record_message(tx: Transaction, resource_id: int, place_key: str, message_id: str) -> int:
    return await tx.execute(
        """UPDATE notice_posts SET message_id = ?
           WHERE resource_id = ? AND place_key = ? AND message_id IS NULL""",
        (message_id, resource_id, place_key),
    )


async def mark_closed(tx: Transaction, resource_id: int, place_key: str, now: dt.datetime) -> int:
    return await tx.execute(
        """UPDATE notice_posts SET closed_at = ?
           WHERE resource_id = ? AND place_key = ? AND closed_at IS NULL""",
        (to_db(now), resource_id, place_key),
    )


# ---- subscriptions ------------------------------------------------------------------------


def _subscription(row: Row) -> Subscription:
    return Subscription(
        user_key=str(row["user_key"]),
        network_id=int(row["network_id"]),
        tags=str(row["tags"]),
        regions=str(row["regions"]),
        offered_through=int(row["offered_through"]),
    )


async def subscribe(
    tx: Transaction, user_key: str, network_id: int, tags: str, regions: str, now: dt.datetime
) -> bool:
    """Start or replace a subscription; True when it is new. New: only notices added from now
    on are new to them. A replaced one keeps what was offered, so notices not yet in a digest
    are not lost by changing the tags."""
    existing = await tx.fetch_value(
        "SELECT 1 FROM notice_subscriptions WHERE user_key = ? AND network_id = ?",
        (user_key, network_id),
    )
    await tx.execute(
        """INSERT INTO notice_subscriptions (user_key, network_id, tags, regions,
                                             offered_through, created_at)
           VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (user_key, network_id)
           DO UPDATE SET tags = excluded.tags, regions = excluded.regions""",
        (user_key, network_id, tags, regions, await newest_entry(tx), to_db(now)),
    )
    return existing is None


async def unsubscribe(tx: Transaction, user_key: str, network_id: int | None) -> int:
    if network_id is None:
        return await tx.execute("DELETE FROM notice_subscriptions WHERE user_key = ?", (user_key,))
    return await tx.execute(
        "DELETE FROM notice_subscriptions WHERE user_key = ? AND network_id = ?",
        (user_key, network_id),
    )


async def subscriptions_of(tx: Transaction, user_key: str) -> list[Subscription]:
    rows = await tx.fetch_all(
        "SELECT * FROM notice_subscriptions WHERE user_key = ? ORDER BY network_id", (user_key,)
    )
    return [_subscription(r) for r in rows]


async def subscribers(tx: Transaction) -> list[str]:
    rows = await tx.fetch_all("SELECT DISTINCT user_key FROM notice_subscriptions ORDER BY 1")
    return [str(r["user_key"]) for r in rows]


async def offered_through(tx: Transaction, user_key: str, entry_id: int) -> int:
    return await tx.execute(
        "UPDATE notice_subscriptions SET offered_through = ? WHERE user_key = ?",
        (entry_id, user_key),
    )


# ---- privacy ------------------------------------------------------------------------------


async def export_person(tx: Transaction, user_key: str) -> list[dict[str, Any]]:
    rows = await tx.fetch_all(
        """SELECT n.slug, s.tags, s.regions, s.offered_through, s.created_at
           FROM notice_subscriptions s JOIN networks n ON n.id = s.network_id
           WHERE s.user_key = ? ORDER BY n.slug""",
        (user_key,),
    )
    return [
        {
            "network": str(r["slug"]),
            "tags": str(r["tags"]).split(),
            "regions": str(r["regions"]).split(),
            "subscribed_at": str(r["created_at"]),
            "notices_offered_up_to_number": int(r["offered_through"]),
        }
        for r in rows
    ]


async def delete_person(tx: Transaction, user_key: str) -> int:
    return await unsubscribe(tx, user_key, None)


async def move_person(tx: Transaction, old_key: str, new_key: str) -> int:
    return await move_rows(tx, "notice_subscriptions", "user_key", old_key, new_key)
