"""Locks and slowmodes that undo themselves, and the modlog channel: their SQL, and the
scheduler's job source that ends each timer once.

A timer's job is keyed ``mod-timer:ID:end``. The scheduler records the key after the job ran,
and the job itself ends the timer only while it is still running (one UPDATE ... WHERE
ended_at IS NULL, in the same transaction as its audit entry and notices), so a restart, a
second run or a crash in between never unlocks twice in the record nor posts twice. A timer
that came due while peerbot was down is ended as soon as its platform is connected again,
however late: a lock must not outlast what the coordinators chose.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from bot.clock import from_db, to_db
from bot.identity import place_from_key
from bot.scheduler import PlannedJob
from bot.storage import Row, Transaction

JOB_SOURCE = "moderation-timers"
#: However late: a timed lock is undone even after a long outage.
LATE_GRACE = timedelta(days=3650)


@dataclass(frozen=True)
class Timer:
    id: int
    network_id: int | None
    place_key: str
    kind: str  # 'lock' or 'slowmode'
    started_at: datetime
    ends_at: datetime
    ended_at: datetime | None
    outcome: str | None


def _timer(row: Row) -> Timer:
    return Timer(
        id=int(row["id"]),
        network_id=row["network_id"],
        place_key=str(row["place_key"]),
        kind=str(row["kind"]),
        started_at=from_db(row["started_at"]),
        ends_at=from_db(row["ends_at"]),
        ended_at=from_db(row["ended_at"]) if row["ended_at"] else None,
        outcome=row["outcome"],
    )


def job_key(timer_id: int) -> str:
    return f"mod-timer:{timer_id}:end"


async def start(
    tx: Transaction,
    *,
    network_id: int | None,
    place_key: str,
    kind: str,
    now: datetime,
    ends_at: datetime,
) -> int:
    return await tx.insert(
        """INSERT INTO moderation_timers (network_id, place_key, kind, started_at, ends_at)
           VALUES (?, ?, ?, ?, ?)""",
        (network_id, place_key, kind, to_db(now), to_db(ends_at)),
    )


async def end_running(
    tx: Transaction, place_key: str, kind: str, outcome: str, now: datetime
) -> int:
    """A new lock replaces the running timer of that channel, an unlock cancels it."""
    return await tx.execute(
        """UPDATE moderation_timers SET ended_at = ?, outcome = ?
           WHERE place_key = ? AND kind = ? AND ended_at IS NULL""",
        (to_db(now), outcome, place_key, kind),
    )


async def finish(tx: Transaction, timer_id: int, outcome: str, now: datetime) -> int:
    """End one timer if it is still running; 1 if this call ended it, else 0."""
    return await tx.execute(
        """UPDATE moderation_timers SET ended_at = ?, outcome = ?
           WHERE id = ? AND ended_at IS NULL""",
        (to_db(now), outcome, timer_id),
    )


async def by_id(tx: Transaction, timer_id: int) -> Timer | None:
    row = await tx.fetch_one("SELECT * FROM moderation_timers WHERE id = ?", (timer_id,))
    return _timer(row) if row else None


async def running(tx: Transaction) -> list[Timer]:
    rows = await tx.fetch_all(
        "SELECT * FROM moderation_timers WHERE ended_at IS NULL ORDER BY ends_at, id"
    )
    return [_timer(r) for r in rows]


# ---- the modlog channel ---------------------------------------------------------------------


async def modlog_of(tx: Transaction, network_id: int) -> str | None:
    value = await tx.fetch_value(
        "SELECT place_key FROM moderation_modlogs WHERE network_id = ?", (network_id,)
    )
    return None if value is None else str(value)


async def set_modlog(tx: Transaction, network_id: int, place_key: str | None) -> None:
    if place_key is None:
        await tx.execute("DELETE FROM moderation_modlogs WHERE network_id = ?", (network_id,))
        return
    await tx.execute(
        """INSERT INTO moderation_modlogs (network_id, place_key) VALUES (?, ?)
           ON CONFLICT (network_id) DO UPDATE SET place_key = excluded.place_key""",
        (network_id, place_key),
    )


# ---- the job source -------------------------------------------------------------------------

EndTimer = Callable[[int], Awaitable[None]]
Reader = Callable[[], Awaitable[list[Timer]]]


class TimerJobs:
    """Plans one job per running timer, for the platforms that are connected now (a timer of
    a platform not yet connected is planned again once it is: see ``on_space_available``)."""

    name = JOB_SOURCE

    def __init__(self, read: Reader, end: EndTimer, ports: Mapping[str, object]) -> None:
        self._read = read
        self._end = end
        self._ports = ports

    async def planned_jobs(self, now: datetime) -> list[PlannedJob]:
        return [
            PlannedJob(
                key=job_key(timer.id),
                run_at=timer.ends_at,
                run=partial(self._end, timer.id),
                grace=LATE_GRACE,
            )
            for timer in await self._read()
            if place_from_key(timer.place_key).platform in self._ports
        ]
