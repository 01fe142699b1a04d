"""Searches that found nothing, counted per network and day by their words only: coordinators
see what people look for and do not find, never who looked. Kept for 90 days."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from bot.storage import Transaction
from cogs.resources.query import words_of

MISSED_KEPT_DAYS = 90
MISSED_QUERY_MAX = 100  # characters of normalised words kept
MISSED_SHOWN = 15


@dataclass(frozen=True)
class Missed:
    query: str
    count: int
    last_day: dt.date


def normalised(text: str) -> str:
    """The words of a search as stored: lower case, each once, in order, clipped."""
    return " ".join(words_of(text))[:MISSED_QUERY_MAX].strip()


async def record(tx: Transaction, text: str, networks: Sequence[int], today: dt.date) -> None:
    """Count one search that found nothing, in each network searched (none: not counted, as
    no coordinator looks after it); older rows beyond the retention go."""
    query = normalised(text)
    await purge(tx, today)
    if not query:
        return
    for network_id in networks:
        await tx.execute(
            """INSERT INTO resource_missed_searches (network_id, day, query, count)
               VALUES (?, ?, ?, 1)
               ON CONFLICT (network_id, day, query) DO UPDATE SET count = count + 1""",
            (network_id, today.isoformat(), query),
        )


async def purge(tx: Transaction, today: dt.date) -> int:
    oldest = today - dt.timedelta(days=MISSED_KEPT_DAYS - 1)
    return await tx.execute(
        "DELETE FROM resource_missed_searches WHERE day < ?", (oldest.isoformat(),)
    )


async def top(tx: Transaction, network_id: int, today: dt.date) -> list[Missed]:
    """The network's most searched words that found nothing, in the kept days."""
    oldest = today - dt.timedelta(days=MISSED_KEPT_DAYS - 1)
    rows = await tx.fetch_all(
        """SELECT query, SUM(count) AS total, MAX(day) AS last_day
           FROM resource_missed_searches WHERE network_id = ? AND day >= ?
           GROUP BY query ORDER BY total DESC, last_day DESC, query LIMIT ?""",
        (network_id, oldest.isoformat(), MISSED_SHOWN),
    )
    return [
        Missed(str(r["query"]), int(r["total"]), dt.date.fromisoformat(str(r["last_day"])))
        for r in rows
    ]
