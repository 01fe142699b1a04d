"""Mentoring's SQL: profiles, requests and pairings. Every function runs in the caller's
transaction (or read), so a change and the messages it queues commit together."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.clock import from_db, to_db
from bot.storage import Row, Transaction
from cogs.mentoring.models import Pair, PairStatus, Profile, Request

#: Pairings that hold one of a mentor's places.
_TAKEN = "('asked', 'active')"


def _split(text: str) -> tuple[str, ...]:
    return tuple(t for t in text.split(",") if t)


def _when(value: Any) -> datetime | None:
    return from_db(str(value)) if value is not None else None


def _profile(row: Row) -> Profile:
    return Profile(
        user_key=str(row["user_key"]),
        network_id=int(row["network_id"]),
        topics=_split(str(row["topics"])),
        tags=_split(str(row["tags"])),
        availability=str(row["availability"]),
        region=str(row["region"]),
        max_mentees=int(row["max_mentees"]),
        paused=bool(row["paused"]),
        taken=int(row["taken"]),
    )


def _request(row: Row) -> Request:
    return Request(
        id=int(row["id"]),
        network_id=int(row["network_id"]),
        mentee_key=str(row["mentee_key"]),
        topics=_split(str(row["topics"])),
        share_name=bool(row["share_name"]),
        status=str(row["status"]),
        created_at=from_db(str(row["created_at"])),
        offered_at=_when(row["offered_at"]),
    )


def _pair(row: Row) -> Pair:
    return Pair(
        id=int(row["id"]),
        request_id=int(row["request_id"]) if row["request_id"] is not None else None,
        network_id=int(row["network_id"]),
        mentee_key=str(row["mentee_key"]) if row["mentee_key"] is not None else None,
        mentor_key=str(row["mentor_key"]) if row["mentor_key"] is not None else None,
        topics=_split(str(row["topics"])),
        status=PairStatus(str(row["status"])),
        asked_at=from_db(str(row["asked_at"])),
        started_at=_when(row["started_at"]),
        ends_at=_when(row["ends_at"]),
        ended_at=_when(row["ended_at"]),
        delete_after=_when(row["delete_after"]),
        thread_key=str(row["thread_key"]) if row["thread_key"] is not None else None,
        space_key=str(row["space_key"]) if row["space_key"] is not None else None,
    )


_PROFILE_SELECT = f"""SELECT p.*, (SELECT COUNT(*) FROM mentoring_pairs m
        WHERE m.mentor_key = p.user_key AND m.network_id = p.network_id
          AND m.status IN {_TAKEN}) AS taken
    FROM mentor_profiles p"""


# ---- profiles ---------------------------------------------------------------------------------


async def profile(tx: Transaction, user_key: str, network_id: int) -> Profile | None:
    row = await tx.fetch_one(
        _PROFILE_SELECT + " WHERE p.user_key = ? AND p.network_id = ?", (user_key, network_id)
    )
    return _profile(row) if row else None


async def profiles_of(tx: Transaction, user_key: str) -> list[Profile]:
    rows = await tx.fetch_all(
        _PROFILE_SELECT + " WHERE p.user_key = ? ORDER BY p.network_id", (user_key,)
    )
    return [_profile(r) for r in rows]


async def offering(tx: Transaction, network_id: int) -> list[Profile]:
    """The network's mentors who are not paused (full ones included; the caller ranks)."""
    rows = await tx.fetch_all(
        _PROFILE_SELECT + " WHERE p.network_id = ? AND p.paused = 0 ORDER BY p.created_at",
        (network_id,),
    )
    return [_profile(r) for r in rows]


async def save_profile(tx: Transaction, found: Profile, now: datetime) -> None:
    await tx.execute(
        """INSERT INTO mentor_profiles (user_key, network_id, topics, tags, availability,
               region, max_mentees, paused, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (user_key, network_id) DO UPDATE SET topics = excluded.topics,
               tags = excluded.tags, availability = excluded.availability,
               region = excluded.region, max_mentees = excluded.max_mentees,
               paused = excluded.paused, updated_at = excluded.updated_at""",
        (
            found.user_key,
            found.network_id,
            ",".join(found.topics),
            ",".join(found.tags),
            found.availability,
            found.region,
            found.max_mentees,
            int(found.paused),
            to_db(now),
            to_db(now),
        ),
    )


async def set_paused(
    tx: Transaction, user_key: str, network_id: int, paused: bool, now: datetime
) -> int:
    return await tx.execute(
        """UPDATE mentor_profiles SET paused = ?, updated_at = ?
           WHERE user_key = ? AND network_id = ? AND paused = ?""",
        (int(paused), to_db(now), user_key, network_id, int(not paused)),
    )


async def delete_profile(tx: Transaction, user_key: str, network_id: int) -> int:
    return await tx.execute(
        "DELETE FROM mentor_profiles WHERE user_key = ? AND network_id = ?",
        (user_key, network_id),
    )


# ---- requests ---------------------------------------------------------------------------------


async def open_request(tx: Transaction, mentee_key: str, network_id: int) -> Request | None:
    row = await tx.fetch_one(
        """SELECT * FROM mentoring_requests
           WHERE mentee_key = ? AND network_id = ? AND status = 'open'""",
        (mentee_key, network_id),
    )
    return _request(row) if row else None


async def request(tx: Transaction, request_id: int) -> Request | None:
    row = await tx.fetch_one("SELECT * FROM mentoring_requests WHERE id = ?", (request_id,))
    return _request(row) if row else None


async def insert_request(
    tx: Transaction,
    *,
    network_id: int,
    mentee_key: str,
    topics: tuple[str, ...],
    share_name: bool,
    now: datetime,
) -> int:
    return await tx.insert(
        """INSERT INTO mentoring_requests (network_id, mentee_key, topics, share_name, status,
               created_at) VALUES (?, ?, ?, ?, 'open', ?)""",
        (network_id, mentee_key, ",".join(topics), int(share_name), to_db(now)),
    )


async def update_request(
    tx: Transaction, request_id: int, topics: tuple[str, ...], share_name: bool
) -> None:
    await tx.execute(
        "UPDATE mentoring_requests SET topics = ?, share_name = ? WHERE id = ?",
        (",".join(topics), int(share_name), request_id),
    )


async def close_request(tx: Transaction, request_id: int, status: str, now: datetime) -> int:
    return await tx.execute(
        """UPDATE mentoring_requests SET status = ?, closed_at = ?
           WHERE id = ? AND status = 'open'""",
        (status, to_db(now), request_id),
    )


async def waiting_requests(tx: Transaction) -> list[Request]:
    """Open requests not yet offered to the coordinators."""
    rows = await tx.fetch_all(
        "SELECT * FROM mentoring_requests WHERE status = 'open' AND offered_at IS NULL"
    )
    return [_request(r) for r in rows]


async def mark_offered(tx: Transaction, request_id: int, now: datetime) -> int:
    return await tx.execute(
        """UPDATE mentoring_requests SET offered_at = ?
           WHERE id = ? AND status = 'open' AND offered_at IS NULL""",
        (to_db(now), request_id),
    )


# ---- pairings ---------------------------------------------------------------------------------


async def pair(tx: Transaction, pair_id: int) -> Pair | None:
    row = await tx.fetch_one("SELECT * FROM mentoring_pairs WHERE id = ?", (pair_id,))
    return _pair(row) if row else None


async def pairs_of(tx: Transaction, person_key: str, *statuses: PairStatus) -> list[Pair]:
    marks = ", ".join("?" for _ in statuses)
    rows = await tx.fetch_all(
        f"""SELECT * FROM mentoring_pairs WHERE (mentee_key = ? OR mentor_key = ?)
            AND status IN ({marks}) ORDER BY id""",
        (person_key, person_key, *[s.value for s in statuses]),
    )
    return [_pair(r) for r in rows]


async def asked_mentors(tx: Transaction, request_id: int) -> set[str]:
    """Mentors already asked for this request (any answer): not suggested again."""
    rows = await tx.fetch_all(
        "SELECT mentor_key FROM mentoring_pairs WHERE request_id = ? AND mentor_key IS NOT NULL",
        (request_id,),
    )
    return {str(r["mentor_key"]) for r in rows}


async def insert_pair(
    tx: Transaction,
    *,
    request_id: int,
    network_id: int,
    mentee_key: str,
    mentor_key: str,
    topics: tuple[str, ...],
    now: datetime,
) -> int:
    return await tx.insert(
        """INSERT INTO mentoring_pairs (request_id, network_id, mentee_key, mentor_key, topics,
               status, asked_at) VALUES (?, ?, ?, ?, ?, 'asked', ?)""",
        (request_id, network_id, mentee_key, mentor_key, ",".join(topics), to_db(now)),
    )


async def answer(tx: Transaction, pair_id: int, status: PairStatus, now: datetime) -> int:
    return await tx.execute(
        """UPDATE mentoring_pairs SET status = ?, answered_at = ?
           WHERE id = ? AND status = 'asked'""",
        (status.value, to_db(now), pair_id),
    )


async def activate(
    tx: Transaction,
    pair_id: int,
    *,
    now: datetime,
    ends_at: datetime,
    thread_key: str,
    space_key: str | None,
) -> int:
    return await tx.execute(
        """UPDATE mentoring_pairs SET status = 'active', answered_at = ?, started_at = ?,
               ends_at = ?, thread_key = ?, space_key = ?
           WHERE id = ? AND status = 'asked'""",
        (to_db(now), to_db(now), to_db(ends_at), thread_key, space_key, pair_id),
    )


async def extend(tx: Transaction, pair_id: int, old: datetime, new: datetime) -> int:
    return await tx.execute(
        """UPDATE mentoring_pairs SET ends_at = ?
           WHERE id = ? AND status = 'active' AND ends_at = ?""",
        (to_db(new), pair_id, to_db(old)),
    )


async def end(tx: Transaction, pair_id: int, now: datetime, delete_after: datetime) -> int:
    return await tx.execute(
        """UPDATE mentoring_pairs SET status = 'ended', ended_at = ?, delete_after = ?
           WHERE id = ? AND status = 'active'""",
        (to_db(now), to_db(delete_after), pair_id),
    )


async def active_pairs(tx: Transaction) -> list[Pair]:
    rows = await tx.fetch_all("SELECT * FROM mentoring_pairs WHERE status = 'active'")
    return [_pair(r) for r in rows]


async def due_for_deletion(tx: Transaction) -> list[Pair]:
    rows = await tx.fetch_all(
        """SELECT * FROM mentoring_pairs
           WHERE status = 'ended' AND thread_key IS NOT NULL AND delete_after IS NOT NULL"""
    )
    return [_pair(r) for r in rows]


async def forget_thread(tx: Transaction, pair_id: int, now: datetime) -> None:
    await tx.execute(
        "UPDATE mentoring_pairs SET thread_key = NULL, thread_deleted_at = ? WHERE id = ?",
        (to_db(now), pair_id),
    )


async def counts(tx: Transaction, network_id: int) -> dict[str, int]:
    """What a coordinator may see: numbers only."""
    row = await tx.fetch_one(
        """SELECT
             (SELECT COUNT(*) FROM mentoring_pairs
                WHERE network_id = ? AND status = 'active') AS active,
             (SELECT COUNT(*) FROM mentoring_requests
                WHERE network_id = ? AND status = 'open') AS waiting,
             (SELECT COUNT(*) FROM mentor_profiles
                WHERE network_id = ? AND paused = 0) AS mentors""",
        (network_id, network_id, network_id),
    )
    assert row is not None
    return {k: int(row[k]) for k in ("active", "waiting", "mentors")}


# ---- privacy ----------------------------------------------------------------------------------


async def export_person(tx: Transaction, person_key: str) -> dict[str, Any]:
    profiles = await tx.fetch_all(
        """SELECT network_id, topics, tags, availability, region, max_mentees, paused,
                  created_at, updated_at FROM mentor_profiles WHERE user_key = ?""",
        (person_key,),
    )
    requests = await tx.fetch_all(
        """SELECT id, network_id, topics, share_name, status, created_at, closed_at, offered_at
           FROM mentoring_requests WHERE mentee_key = ?""",
        (person_key,),
    )
    pairs = await tx.fetch_all(
        """SELECT id, network_id, topics, status, asked_at, answered_at, started_at, ends_at,
                  ended_at, delete_after,
                  CASE WHEN mentee_key = ? THEN 'mentee' ELSE 'mentor' END AS you_are,
                  CASE WHEN mentee_key = ? THEN mentor_key ELSE mentee_key END AS with_whom
           FROM mentoring_pairs WHERE mentee_key = ? OR mentor_key = ?""",
        (person_key,) * 4,
    )
    return {
        "mentor_profiles": [dict(r) for r in profiles],
        "requests": [dict(r) for r in requests],
        "pairings": [dict(r) for r in pairs],
    }


async def forget_person(tx: Transaction, person_key: str) -> int:
    """Their profile and requests go; in pairings their key becomes NULL (the other person's
    own record stays theirs)."""
    changed = await tx.execute("DELETE FROM mentor_profiles WHERE user_key = ?", (person_key,))
    changed += await tx.execute(
        "DELETE FROM mentoring_requests WHERE mentee_key = ?", (person_key,)
    )
    changed += await tx.execute(
        "UPDATE mentoring_pairs SET mentee_key = NULL WHERE mentee_key = ?", (person_key,)
    )
    changed += await tx.execute(
        "UPDATE mentoring_pairs SET mentor_key = NULL WHERE mentor_key = ?", (person_key,)
    )
    # A pairing with nobody left in it, and no thread to delete, is nobody's data.
    await tx.execute(
        """DELETE FROM mentoring_pairs
           WHERE mentee_key IS NULL AND mentor_key IS NULL AND thread_key IS NULL"""
    )
    return changed


async def move_person(tx: Transaction, old_key: str, new_key: str) -> int:
    changed = await tx.execute(
        "UPDATE OR IGNORE mentor_profiles SET user_key = ? WHERE user_key = ?", (new_key, old_key)
    )
    await tx.execute("DELETE FROM mentor_profiles WHERE user_key = ?", (old_key,))
    changed += await tx.execute(
        "UPDATE mentoring_requests SET mentee_key = ? WHERE mentee_key = ?", (new_key, old_key)
    )
    changed += await tx.execute(
        "UPDATE mentoring_pairs SET mentee_key = ? WHERE mentee_key = ?", (new_key, old_key)
    )
    changed += await tx.execute(
        "UPDATE mentoring_pairs SET mentor_key = ? WHERE mentor_key = ?", (new_key, old_key)
    )
    return changed
