"""The SQL of check-ins. Every function takes the caller's transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.clock import from_db, to_db
from bot.privacy import move_rows
from bot.storage import Transaction
from cogs.checkins.models import Answer, Share, Subscription
from cogs.checkins.scales import Scale
from cogs.checkins.schedule import Frequency, Timing


def _subscription(row: Any) -> Subscription:
    hours, minutes = (int(p) for p in str(row["local_time"]).split(":"))
    timing = Timing(
        frequency=Frequency(str(row["frequency"])),
        weekday=int(row["weekday"]),
        local_time=dt.time(hours, minutes),
        timezone=str(row["timezone"]),
        starts_on=dt.date.fromisoformat(str(row["starts_on"])),
    )
    paused = row["paused_until"]
    return Subscription(
        id=int(row["id"]),
        user_key=str(row["user_key"]),
        network_id=None if row["network_id"] is None else int(row["network_id"]),
        scale=Scale(str(row["scale"])),
        timing=timing,
        paused_until=dt.date.fromisoformat(str(paused)) if paused else None,
        changed_at=from_db(str(row["updated_at"])),
    )


def _answer(row: Any) -> Answer:
    told = row["coordinator_told_at"]
    return Answer(
        id=int(row["id"]),
        user_key=str(row["user_key"]),
        subscription_id=None if row["subscription_id"] is None else int(row["subscription_id"]),
        network_id=None if row["network_id"] is None else int(row["network_id"]),
        slot_at=from_db(str(row["slot_at"])),
        scale=Scale(str(row["scale"])),
        value=int(row["value"]),
        score=int(row["score"]),
        low=bool(row["low"]),
        note=None if row["note"] is None else str(row["note"]),
        answered_at=from_db(str(row["answered_at"])),
        coordinator_told_at=from_db(str(told)) if told else None,
    )


async def subscription_of(tx: Transaction, user_key: str) -> Subscription | None:
    row = await tx.fetch_one("SELECT * FROM checkin_subscriptions WHERE user_key = ?", (user_key,))
    return None if row is None else _subscription(row)


async def subscription_by_id(tx: Transaction, subscription_id: int) -> Subscription | None:
    row = await tx.fetch_one("SELECT * FROM checkin_subscriptions WHERE id = ?", (subscription_id,))
    return None if row is None else _subscription(row)


async def all_subscriptions(tx: Transaction) -> list[Subscription]:
    rows = await tx.fetch_all("SELECT * FROM checkin_subscriptions ORDER BY id")
    return [_subscription(r) for r in rows]


async def insert_subscription(
    tx: Transaction,
    *,
    user_key: str,
    network_id: int | None,
    scale: Scale,
    timing: Timing,
    now: dt.datetime,
) -> int:
    return await tx.insert(
        """INSERT INTO checkin_subscriptions
               (user_key, network_id, scale, frequency, weekday, local_time, timezone,
                starts_on, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (
            user_key,
            network_id,
            scale.value,
            timing.frequency.value,
            timing.weekday,
            f"{timing.local_time:%H:%M}",
            timing.timezone,
            timing.starts_on.isoformat(),
            to_db(now),
            to_db(now),
        ),
    )


async def update_subscription(
    tx: Transaction, subscription_id: int, *, scale: Scale, timing: Timing, now: dt.datetime
) -> None:
    await tx.execute(
        """UPDATE checkin_subscriptions SET scale = ?, frequency = ?, weekday = ?,
               local_time = ?, timezone = ?, starts_on = ?, updated_at = ?
           WHERE id = ?""",
        (
            scale.value,
            timing.frequency.value,
            timing.weekday,
            f"{timing.local_time:%H:%M}",
            timing.timezone,
            timing.starts_on.isoformat(),
            to_db(now),
            subscription_id,
        ),
    )


async def set_paused_until(
    tx: Transaction, subscription_id: int, until: dt.date | None, now: dt.datetime
) -> None:
    await tx.execute(
        "UPDATE checkin_subscriptions SET paused_until = ?, updated_at = ? WHERE id = ?",
        (until.isoformat() if until else None, to_db(now), subscription_id),
    )


async def delete_subscription(tx: Transaction, user_key: str) -> int:
    return await tx.execute("DELETE FROM checkin_subscriptions WHERE user_key = ?", (user_key,))


async def answer_for_slot(tx: Transaction, user_key: str, slot: dt.datetime) -> Answer | None:
    row = await tx.fetch_one(
        "SELECT * FROM checkin_answers WHERE user_key = ? AND slot_at = ?",
        (user_key, to_db(slot)),
    )
    return None if row is None else _answer(row)


async def answers_given_between(
    tx: Transaction, user_key: str, since: dt.datetime, until: dt.datetime
) -> list[Answer]:
    """The person's answers given (first given, for a changed one) in ``[since, until)``."""
    rows = await tx.fetch_all(
        """SELECT * FROM checkin_answers
           WHERE user_key = ? AND answered_at >= ? AND answered_at < ? ORDER BY answered_at, id""",
        (user_key, to_db(since), to_db(until)),
    )
    return [_answer(r) for r in rows]


async def answer_by_id(tx: Transaction, answer_id: int) -> Answer | None:
    row = await tx.fetch_one("SELECT * FROM checkin_answers WHERE id = ?", (answer_id,))
    return None if row is None else _answer(row)


async def insert_answer(
    tx: Transaction,
    *,
    user_key: str,
    subscription_id: int,
    network_id: int | None,
    slot: dt.datetime,
    scale: Scale,
    value: int,
    score: int,
    low: bool,
    now: dt.datetime,
) -> int:
    return await tx.insert(
        """INSERT INTO checkin_answers
               (user_key, subscription_id, network_id, slot_at, scale, value, score, low,
                answered_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (
            user_key,
            subscription_id,
            network_id,
            to_db(slot),
            scale.value,
            value,
            score,
            int(low),
            to_db(now),
        ),
    )


async def replace_answer(
    tx: Transaction, answer_id: int, *, value: int, score: int, low: bool
) -> None:
    """The person changed their answer the same day: the new one replaces it (its note and
    when it was first given stay)."""
    await tx.execute(
        "UPDATE checkin_answers SET value = ?, score = ?, low = ? WHERE id = ?",
        (value, score, int(low), answer_id),
    )


async def set_note(tx: Transaction, answer_id: int, note: str | None) -> None:
    await tx.execute("UPDATE checkin_answers SET note = ? WHERE id = ?", (note, answer_id))


async def mark_told(tx: Transaction, answer_id: int, now: dt.datetime) -> bool:
    """Record that the coordinator was told; False if that was already done."""
    changed = await tx.execute(
        """UPDATE checkin_answers SET coordinator_told_at = ?
           WHERE id = ? AND coordinator_told_at IS NULL""",
        (to_db(now), answer_id),
    )
    return changed == 1


async def clear_told(tx: Transaction, answer_id: int) -> None:
    """No coordinator could be reached: the answer may be shared again later."""
    await tx.execute(
        "UPDATE checkin_answers SET coordinator_told_at = NULL WHERE id = ?", (answer_id,)
    )


async def answers_of(tx: Transaction, user_key: str) -> list[Answer]:
    rows = await tx.fetch_all(
        "SELECT * FROM checkin_answers WHERE user_key = ? ORDER BY slot_at, id", (user_key,)
    )
    return [_answer(r) for r in rows]


async def delete_outbox_rows(tx: Transaction, key_prefix: str) -> int:
    """Delete outbox rows under ``key_prefix`` whatever their status (a notice quoting an
    answer goes with the answer)."""
    return await tx.execute(
        "DELETE FROM outbox WHERE substr(key, 1, ?) = ?", (len(key_prefix), key_prefix)
    )


async def delete_answers(tx: Transaction, user_key: str) -> int:
    return await tx.execute("DELETE FROM checkin_answers WHERE user_key = ?", (user_key,))


async def network_answers(
    tx: Transaction, network_id: int, since: dt.datetime, until: dt.datetime
) -> list[tuple[str, Scale, int]]:
    """(person, scale, value) of every answer in the network in the period: for totals only."""
    rows = await tx.fetch_all(
        """SELECT user_key, scale, value FROM checkin_answers
           WHERE network_id = ? AND answered_at > ? AND answered_at <= ?""",
        (network_id, to_db(since), to_db(until)),
    )
    return [(str(r["user_key"]), Scale(str(r["scale"])), int(r["value"])) for r in rows]


async def delete_older_than(tx: Transaction, cutoff: dt.datetime) -> int:
    return await tx.execute("DELETE FROM checkin_answers WHERE answered_at < ?", (to_db(cutoff),))


async def move_person(tx: Transaction, old_key: str, new_key: str) -> int:
    """Linking two accounts: the subscription and answers move to the main account (its own
    subscription wins where both had one)."""
    moved = await move_rows(tx, "checkin_subscriptions", "user_key", old_key, new_key)
    return moved + await move_rows(tx, "checkin_answers", "user_key", old_key, new_key)


# ---- "Let someone know": who was told about an answer -------------------------------------


def _share(row: Any) -> Share:
    seen = row["seen_at"]
    return Share(
        id=int(row["id"]),
        answer_id=int(row["answer_id"]),
        sender_key=str(row["sender_key"]),
        recipient_key=str(row["recipient_key"]),
        kind=str(row["kind"]),
        status=str(row["status"]),
        reach=None if row["reach"] is None else str(row["reach"]),
        created_at=from_db(str(row["created_at"])),
        seen_at=from_db(str(seen)) if seen else None,
    )


async def insert_share(
    tx: Transaction,
    *,
    answer_id: int,
    sender_key: str,
    recipient_key: str,
    kind: str,
    status: str,
    reach: str | None,
    now: dt.datetime,
) -> int:
    return await tx.insert(
        """INSERT INTO checkin_shares
               (answer_id, sender_key, recipient_key, kind, status, reach, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)""",
        (answer_id, sender_key, recipient_key, kind, status, reach, to_db(now)),
    )


async def share_by_id(tx: Transaction, share_id: int) -> Share | None:
    row = await tx.fetch_one("SELECT * FROM checkin_shares WHERE id = ?", (share_id,))
    return None if row is None else _share(row)


async def shares_of_answer(tx: Transaction, answer_id: int) -> list[Share]:
    rows = await tx.fetch_all(
        "SELECT * FROM checkin_shares WHERE answer_id = ? ORDER BY id", (answer_id,)
    )
    return [_share(r) for r in rows]


async def shares_sent_by(tx: Transaction, user_key: str) -> list[Share]:
    rows = await tx.fetch_all(
        "SELECT * FROM checkin_shares WHERE sender_key = ? ORDER BY id", (user_key,)
    )
    return [_share(r) for r in rows]


async def shares_received_by(tx: Transaction, user_key: str) -> list[Share]:
    rows = await tx.fetch_all(
        "SELECT * FROM checkin_shares WHERE recipient_key = ? ORDER BY id", (user_key,)
    )
    return [_share(r) for r in rows]


async def set_share(
    tx: Transaction,
    share_id: int,
    *,
    status: str | None = None,
    seen_at: dt.datetime | None = None,
    forget_reach: bool = False,
) -> None:
    """Move a share on; ``forget_reach`` drops the person's line once it is no longer needed."""
    await tx.execute(
        """UPDATE checkin_shares SET status = COALESCE(?, status),
               seen_at = COALESCE(?, seen_at),
               reach = CASE WHEN ? THEN NULL ELSE reach END
           WHERE id = ?""",
        (status, to_db(seen_at) if seen_at else None, int(forget_reach), share_id),
    )


async def delete_shares(tx: Transaction, share_ids: list[int]) -> int:
    removed = 0
    for share_id in share_ids:
        removed += await tx.execute("DELETE FROM checkin_shares WHERE id = ?", (share_id,))
    return removed
