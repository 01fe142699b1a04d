"""Telling a network's coordinators, privately and once, that a meeting's post or Discord
event failed for good: what failed, what Discord said, and how to fix it (a missing
permission, a channel that is gone). Without this a failure was only a log line.

The outbox calls ``outbox_failed`` (through ``Outbox.on_failed``) in the transaction that
records the failure; the event mirror calls ``tell`` when Discord refuses an event. The key
names the meeting, what failed and where, and the coordinator
(``meeting:SERIES:DATE:trouble:KIND:PLACE:PERSON``), so repeated failures of the same thing
(every re-render of one notice) tell each coordinator once.
"""

from __future__ import annotations

import logging
from datetime import date

from bot import mentions
from bot.failures import advice
from bot.identity import user_from_key
from bot.outbox import Outbox, OutboxItem
from bot.replies import Reply
from bot.storage import Transaction
from cogs.meetings import repository as repo
from cogs.meetings.render import capital, long_date, phrase
from cogs.networks import queries as network_queries

log = logging.getLogger(__name__)

#: What failed, by the kind in the outbox key, and what happens now.
WHAT: dict[str, tuple[str, str]] = {
    "announce": (
        "post the notice of",
        "The notice is not in the channel, and peerbot will not post it again on its own.",
    ),
    "notice": (
        "update the notice of",
        "The notice shows older details; the next change to the meeting tries again.",
    ),
    "thread": ("rename the minutes thread of", "The next change to the meeting tries again."),
    "starting": ('post "Starting now" for', ""),
    "minutes": (
        "post the minutes of",
        "Record them again with /manage meeting minutes once it is fixed.",
    ),
    "event": (
        "make or change the Discord event of",
        "peerbot tries again after the next change to the meeting.",
    ),
}


def parse(key: str) -> tuple[int, str, str, str] | None:
    """(series, occurrence key, kind, place key) of a meeting's outbox key."""
    parts = key.split(":")
    if len(parts) < 6 or parts[0] != "meeting" or not parts[1].isdigit():
        return None
    if parts[3] not in WHAT:
        return None
    return int(parts[1]), parts[2], parts[3], f"{parts[4]}:{parts[5]}"


async def outbox_failed(outbox: Outbox, tx: Transaction, item: OutboxItem, reason: str) -> None:
    """A meeting's post, edit or rename in a channel failed for good."""
    if item.target_kind != "place":
        return  # a private message: the person's own settings, not the coordinators' to fix
    parsed = parse(item.key)
    if parsed is None:
        return
    series_id, key, kind, place_key = parsed
    await tell(
        outbox,
        tx,
        series_id=series_id,
        key=key,
        kind=kind,
        where=place_key,
        reason=reason,
    )


async def tell(
    outbox: Outbox,
    tx: Transaction,
    *,
    series_id: int,
    key: str,
    kind: str,
    where: str,
    reason: str,
) -> int:
    """Queue the message to each coordinator of the series' network; returns how many were
    queued (0 when they were told already)."""
    series = await repo.series_by_id(tx, series_id)
    if series is None:
        return 0
    names = await network_queries.names(tx, series.network_id)
    if names is None:
        return 0
    what, then = WHAT[kind]
    try:
        day = long_date(date.fromisoformat(key))
    except ValueError:
        day = key
    place = "in this server" if kind == "event" else f"in {mentions.place(where)}"
    text = (
        f"peerbot could not {what} {phrase(names[0], series.name)} on {day} {place}, and has "
        f"stopped trying. {capital(reason)}. How to fix it: {advice(reason)}"
    )
    if then:
        text += f" {then}"
    coordinators = await network_queries.coordinators(tx, series.network_id)
    if not coordinators:
        log.warning(
            "meeting %s:%s: %s failed and the network has no coordinator", series_id, key, kind
        )
    told = 0
    for person in coordinators:
        try:
            target = user_from_key(person)
        except ValueError:
            continue
        told += await outbox.enqueue(
            tx,
            key=f"meeting:{series_id}:{key}:trouble:{kind}:{where}:{person}",
            target=target,
            message=Reply.private_text(text),
        )
    return told
