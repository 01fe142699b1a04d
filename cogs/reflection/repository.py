"""SQL for the reflection cog. Every function runs inside the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.clock import from_db, to_db
from bot.privacy import move_rows
from bot.storage import Row, Transaction
from cogs.reflection.formats import Format
from cogs.reflection.models import (
    NetworkSettings,
    Participant,
    Post,
    Reflection,
    Status,
    Takeaway,
)


def _reflection(row: Row) -> Reflection:
    return Reflection(
        id=int(row["id"]),
        network_id=int(row["network_id"]),
        thread_key=row["thread_key"],
        format=Format(str(row["format"])),
        topic=row["topic"],
        starter_key=str(row["starter_key"]),
        facilitator_key=str(row["facilitator_key"]),
        phase=int(row["phase"]),
        opened_at=from_db(str(row["opened_at"])),
        closed_at=from_db(str(row["closed_at"])) if row["closed_at"] else None,
        delete_after=from_db(str(row["delete_after"])) if row["delete_after"] else None,
        retention_days=int(row["retention_days"]) if row["retention_days"] is not None else None,
        last_activity_at=from_db(str(row["last_activity_at"])) if row["last_activity_at"] else None,
        idle_warned_at=from_db(str(row["idle_warned_at"])) if row["idle_warned_at"] else None,
        space_key=row["space_key"],
        session_at=from_db(str(row["session_at"])) if row["session_at"] else None,
        reopened_at=from_db(str(row["reopened_at"])) if row["reopened_at"] else None,
    )


async def insert_reflection(
    tx: Transaction,
    *,
    network_id: int,
    thread_key: str,
    fmt: Format,
    topic: str | None,
    starter_key: str,
    facilitator_key: str,
    retention_days: int,
    now: datetime,
    space_key: str | None = None,
) -> int:
    return await tx.insert(
        """INSERT INTO reflections (network_id, thread_key, format, topic, starter_key,
               facilitator_key, retention_days, opened_at, space_key)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (
            network_id,
            thread_key,
            fmt.value,
            topic,
            starter_key,
            facilitator_key,
            retention_days,
            to_db(now),
            space_key,
        ),
    )


async def network_settings(tx: Transaction, network_id: int) -> NetworkSettings:
    """The network's own settings; None in a field means the configured default."""
    row = await tx.fetch_one(
        """SELECT retention_days, idle_days, private_threads FROM reflection_settings
           WHERE network_id = ?""",
        (network_id,),
    )
    if row is None:
        return NetworkSettings()
    return NetworkSettings(
        retention_days=int(row["retention_days"]) if row["retention_days"] is not None else None,
        idle_days=int(row["idle_days"]) if row["idle_days"] is not None else None,
        private_threads=bool(row["private_threads"]),
    )


async def network_retention(tx: Transaction, network_id: int) -> int | None:
    """The network's own retention period in days, or None when it uses the default."""
    return (await network_settings(tx, network_id)).retention_days


async def set_network_settings(tx: Transaction, network_id: int, new: NetworkSettings) -> None:
    """Store the network's settings; all defaults leaves no row."""
    if new == NetworkSettings():
        await tx.execute("DELETE FROM reflection_settings WHERE network_id = ?", (network_id,))
        return
    await tx.execute(
        """INSERT INTO reflection_settings (network_id, retention_days, idle_days, private_threads)
           VALUES (?, ?, ?, ?)
           ON CONFLICT (network_id) DO UPDATE SET retention_days = excluded.retention_days,
               idle_days = excluded.idle_days, private_threads = excluded.private_threads""",
        (network_id, new.retention_days, new.idle_days, int(new.private_threads)),
    )


async def reflection(tx: Transaction, reflection_id: int) -> Reflection | None:
    row = await tx.fetch_one("SELECT * FROM reflections WHERE id = ?", (reflection_id,))
    return _reflection(row) if row else None


async def by_thread(tx: Transaction, thread_key: str) -> Reflection | None:
    row = await tx.fetch_one(
        "SELECT * FROM reflections WHERE thread_key = ? ORDER BY id DESC LIMIT 1", (thread_key,)
    )
    return _reflection(row) if row else None


async def open_for(tx: Transaction, user_key: str) -> list[Reflection]:
    """Open reflections the person has joined (or started)."""
    rows = await tx.fetch_all(
        """SELECT r.* FROM reflections r JOIN reflection_participants p ON p.reflection_id = r.id
           WHERE p.user_key = ? AND p.status = 'joined' AND r.closed_at IS NULL ORDER BY r.id""",
        (user_key,),
    )
    return [_reflection(r) for r in rows]


async def add_participant(
    tx: Transaction, reflection_id: int, user_key: str, status: Status, now: datetime
) -> None:
    answered = to_db(now) if status is not Status.INVITED else None
    await tx.execute(
        """INSERT INTO reflection_participants
               (reflection_id, user_key, status, invited_at, answered_at) VALUES (?, ?, ?, ?, ?)""",
        (reflection_id, user_key, status.value, to_db(now), answered),
    )


async def participants(tx: Transaction, reflection_id: int) -> list[Participant]:
    rows = await tx.fetch_all(
        """SELECT user_key, status FROM reflection_participants WHERE reflection_id = ?
           ORDER BY invited_at, user_key""",
        (reflection_id,),
    )
    return [Participant(str(r["user_key"]), Status(str(r["status"]))) for r in rows]


async def answer(
    tx: Transaction, reflection_id: int, user_key: str, status: Status, now: datetime
) -> int:
    """Record a Join or Decline; only an invitation still waiting can be answered."""
    return await tx.execute(
        """UPDATE reflection_participants SET status = ?, answered_at = ?
           WHERE reflection_id = ? AND user_key = ? AND status = 'invited'""",
        (status.value, to_db(now), reflection_id, user_key),
    )


async def set_phase(tx: Transaction, reflection_id: int, current: int, new: int) -> bool:
    """Move from ``current`` to ``new``; False when someone moved it first."""
    changed = await tx.execute(
        "UPDATE reflections SET phase = ? WHERE id = ? AND phase = ? AND closed_at IS NULL",
        (new, reflection_id, current),
    )
    return changed == 1


async def close(
    tx: Transaction, reflection_id: int, closed_at: datetime, delete_after: datetime
) -> int:
    return await tx.execute(
        """UPDATE reflections SET closed_at = ?, delete_after = ?
           WHERE id = ? AND closed_at IS NULL""",
        (to_db(closed_at), to_db(delete_after), reflection_id),
    )


async def reopen(tx: Transaction, reflection_id: int, now: datetime) -> int:
    """Open a closed reflection again (its thread not yet deleted): no deletion date, and a
    new quiet spell from now."""
    return await tx.execute(
        """UPDATE reflections SET closed_at = NULL, delete_after = NULL, reopened_at = ?,
               last_activity_at = ?, idle_warned_at = NULL
           WHERE id = ? AND closed_at IS NOT NULL AND thread_key IS NOT NULL""",
        (to_db(now), to_db(now), reflection_id),
    )


async def reopenable_for(tx: Transaction, user_key: str) -> list[Reflection]:
    """Closed reflections the person started or facilitated whose thread still exists."""
    rows = await tx.fetch_all(
        """SELECT * FROM reflections WHERE closed_at IS NOT NULL AND thread_key IS NOT NULL
           AND (starter_key = ? OR facilitator_key = ?) ORDER BY id""",
        (user_key, user_key),
    )
    return [_reflection(r) for r in rows]


async def set_session(tx: Transaction, reflection_id: int, when: datetime | None) -> int:
    return await tx.execute(
        "UPDATE reflections SET session_at = ? WHERE id = ? AND closed_at IS NULL",
        (to_db(when) if when else None, reflection_id),
    )


async def planned_sessions(tx: Transaction) -> list[Reflection]:
    """Open reflections with a live session planned."""
    rows = await tx.fetch_all(
        """SELECT * FROM reflections WHERE session_at IS NOT NULL AND closed_at IS NULL
           AND thread_key IS NOT NULL ORDER BY session_at"""
    )
    return [_reflection(r) for r in rows]


async def panel(tx: Transaction, network_id: int, space_key: str) -> Row | None:
    return await tx.fetch_one(
        """SELECT place_key, message_id FROM reflection_panels
           WHERE network_id = ? AND space_key = ?""",
        (network_id, space_key),
    )


async def save_panel(
    tx: Transaction,
    network_id: int,
    space_key: str,
    place_key: str,
    message_id: str,
    now: datetime,
) -> None:
    await tx.execute(
        """INSERT INTO reflection_panels (network_id, space_key, place_key, message_id, posted_at)
           VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (network_id, space_key) DO UPDATE SET place_key = excluded.place_key,
               message_id = excluded.message_id, posted_at = excluded.posted_at""",
        (network_id, space_key, place_key, message_id, to_db(now)),
    )


async def set_facilitator(tx: Transaction, reflection_id: int, user_key: str) -> int:
    return await tx.execute(
        "UPDATE reflections SET facilitator_key = ? WHERE id = ? AND closed_at IS NULL",
        (user_key, reflection_id),
    )


async def mark_active(tx: Transaction, reflection_id: int, when: datetime) -> int:
    """Something happened in an open reflection at ``when`` (never moves the mark back)."""
    return await tx.execute(
        """UPDATE reflections SET last_activity_at = ?
           WHERE id = ? AND closed_at IS NULL
             AND (last_activity_at IS NULL OR last_activity_at < ?) AND opened_at < ?""",
        (to_db(when), reflection_id, to_db(when), to_db(when)),
    )


async def mark_warned(tx: Transaction, reflection_id: int, when: datetime) -> int:
    return await tx.execute(
        "UPDATE reflections SET idle_warned_at = ? WHERE id = ? AND closed_at IS NULL",
        (to_db(when), reflection_id),
    )


async def open_reflections(tx: Transaction) -> list[tuple[Reflection, int | None]]:
    """Every open reflection that has a thread, with its network's own quiet days (or None)."""
    rows = await tx.fetch_all(
        """SELECT r.*, s.idle_days AS network_idle_days FROM reflections r
           LEFT JOIN reflection_settings s ON s.network_id = r.network_id
           WHERE r.closed_at IS NULL AND r.thread_key IS NOT NULL ORDER BY r.id"""
    )
    return [
        (
            _reflection(r),
            int(r["network_idle_days"]) if r["network_idle_days"] is not None else None,
        )
        for r in rows
    ]


async def add_post(
    tx: Transaction, reflection_id: int, user_key: str, message_ids: list[str], now: datetime
) -> int:
    return await tx.insert(
        """INSERT INTO reflection_posts (reflection_id, user_key, message_ids, posted_at)
           VALUES (?, ?, ?, ?)""",
        (reflection_id, user_key, " ".join(message_ids), to_db(now)),
    )


def _post(row: Row) -> Post:
    return Post(
        id=int(row["id"]),
        reflection_id=int(row["reflection_id"]),
        user_key=str(row["user_key"]),
        message_ids=tuple(str(row["message_ids"]).split()),
        posted_at=from_db(str(row["posted_at"])),
    )


async def post(tx: Transaction, post_id: int) -> Post | None:
    row = await tx.fetch_one("SELECT * FROM reflection_posts WHERE id = ?", (post_id,))
    return _post(row) if row else None


async def posts_of(tx: Transaction, reflection_id: int, user_key: str) -> list[Post]:
    rows = await tx.fetch_all(
        """SELECT * FROM reflection_posts WHERE reflection_id = ? AND user_key = ?
           ORDER BY posted_at DESC, id DESC""",
        (reflection_id, user_key),
    )
    return [_post(r) for r in rows]


async def posts_by(tx: Transaction, user_key: str) -> list[tuple[Post, str | None]]:
    """Every post of the person whose thread still exists, with that thread's key."""
    rows = await tx.fetch_all(
        """SELECT p.*, r.thread_key FROM reflection_posts p
           JOIN reflections r ON r.id = p.reflection_id
           WHERE p.user_key = ? ORDER BY p.id""",
        (user_key,),
    )
    return [(_post(r), r["thread_key"]) for r in rows]


async def delete_post(tx: Transaction, post_id: int) -> int:
    return await tx.execute("DELETE FROM reflection_posts WHERE id = ?", (post_id,))


async def due_for_deletion(tx: Transaction) -> list[Reflection]:
    rows = await tx.fetch_all(
        """SELECT * FROM reflections WHERE delete_after IS NOT NULL
           AND thread_key IS NOT NULL ORDER BY delete_after"""
    )
    return [_reflection(r) for r in rows]


async def forget_thread(tx: Transaction, reflection_id: int, now: datetime) -> None:
    await tx.execute(
        "UPDATE reflections SET thread_key = NULL, thread_deleted_at = ? WHERE id = ?",
        (to_db(now), reflection_id),
    )
    # The thread is gone, and with it every post: nothing is left to point at.
    await tx.execute("DELETE FROM reflection_posts WHERE reflection_id = ?", (reflection_id,))


async def add_takeaway(
    tx: Transaction, reflection_id: int, user_key: str, text: str, now: datetime
) -> None:
    await tx.execute(
        """INSERT INTO reflection_takeaways (reflection_id, user_key, text, written_at)
           VALUES (?, ?, ?, ?)""",
        (reflection_id, user_key, text, to_db(now)),
    )


async def takeaways(tx: Transaction, user_key: str) -> list[Takeaway]:
    rows = await tx.fetch_all(
        """SELECT reflection_id, text, written_at FROM reflection_takeaways
           WHERE user_key = ? ORDER BY written_at, id""",
        (user_key,),
    )
    return [
        Takeaway(int(r["reflection_id"]), str(r["text"]), from_db(str(r["written_at"])))
        for r in rows
    ]


async def export_person(tx: Transaction, user_key: str) -> dict[str, Any]:
    parts = await tx.fetch_all(
        """SELECT p.reflection_id, p.status, p.invited_at, p.answered_at, r.format, r.topic,
                  r.opened_at, r.closed_at, r.starter_key = p.user_key AS started,
                  r.facilitator_key = p.user_key AS facilitated
           FROM reflection_participants p JOIN reflections r ON r.id = p.reflection_id
           WHERE p.user_key = ? ORDER BY p.invited_at""",
        (user_key,),
    )
    notes = await takeaways(tx, user_key)
    posts = await tx.fetch_all(
        """SELECT reflection_id, posted_at FROM reflection_posts WHERE user_key = ?
           ORDER BY posted_at""",
        (user_key,),
    )
    return {
        "participation": [dict(r) for r in parts],
        # Which posts in a thread were yours (the text is in the thread, never kept here).
        "posts": [dict(r) for r in posts],
        "takeaways": [
            {"reflection": n.reflection_id, "text": n.text, "written_at": to_db(n.written_at)}
            for n in notes
        ],
    }


async def move_person(tx: Transaction, old_key: str, new_key: str) -> int:
    """Linking two accounts: participation, takeaways and roles move to the main account."""
    moved = await move_rows(tx, "reflection_participants", "user_key", old_key, new_key)
    for sql in (
        "UPDATE reflection_takeaways SET user_key = ? WHERE user_key = ?",
        "UPDATE reflection_posts SET user_key = ? WHERE user_key = ?",
        "UPDATE reflections SET starter_key = ? WHERE starter_key = ?",
        "UPDATE reflections SET facilitator_key = ? WHERE facilitator_key = ?",
    ):
        moved += await tx.execute(sql, (new_key, old_key))
    return moved


async def delete_person(tx: Transaction, user_key: str) -> int:
    count = await tx.execute("DELETE FROM reflection_takeaways WHERE user_key = ?", (user_key,))
    count += await tx.execute("DELETE FROM reflection_posts WHERE user_key = ?", (user_key,))
    count += await tx.execute("DELETE FROM reflection_participants WHERE user_key = ?", (user_key,))
    count += await tx.execute(
        "UPDATE reflections SET starter_key = 'deleted' WHERE starter_key = ?", (user_key,)
    )
    count += await tx.execute(
        "UPDATE reflections SET facilitator_key = 'deleted' WHERE facilitator_key = ?",
        (user_key,),
    )
    return count
