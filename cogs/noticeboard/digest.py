"""The weekly digest: one private message a week per person, listing the notices added since
their last digest that match the tags and regions they follow, in every network they
subscribed in. Sent on Monday from 9am in the time zone of their first subscribed network.

The outbox key is ``notices:digest:PERSON:ISO-WEEK``, so however often the sweep runs, and
across restarts, a person gets at most one digest in a week (a digest goes only on Monday,
and outbox rows are kept at least a day, so the key is still there all that Monday). The
notices offered are marked (``offered_through``, the newest entry number) in the same
transaction that queues it. A week with nothing new sends nothing."""

from __future__ import annotations

import datetime as dt
import logging

from bot.clock import Clock
from bot.identity import user_from_key
from bot.outbox import Outbox
from bot.storage import Database
from cogs.networks import queries as network_queries
from cogs.noticeboard import render
from cogs.noticeboard import repository as repo
from cogs.noticeboard.models import LIST_MAX, digest_due, local_today, week_of
from cogs.resources.models import Resource

log = logging.getLogger(__name__)


def digest_key(user_key: str, week: str) -> str:
    return f"notices:digest:{user_key}:{week}"


class Digests:
    def __init__(self, db: Database, outbox: Outbox, clock: Clock) -> None:
        self.db = db
        self.outbox = outbox
        self.clock = clock

    async def send_due(self) -> int:
        """Queue the digests due now; returns how many were queued."""
        now = self.clock.now()
        async with self.db.reading() as tx:
            people = await repo.subscribers(tx)
            zones = await repo.zones(tx)
        queued = 0
        for user_key in people:
            queued += await self._one(user_key, zones, now)
        if queued:
            log.info("noticeboard: %d digest(s) queued", queued)
            self.outbox.notify()
        return queued

    async def _one(self, user_key: str, zones: dict[int, str], now: dt.datetime) -> int:
        async with self.db.transaction() as tx:
            subs = await repo.subscriptions_of(tx, user_key)
            if not subs:
                return 0
            zone = zones.get(subs[0].network_id, "Australia/Sydney")
            if not digest_due(now, zone):
                return 0
            key = digest_key(user_key, week_of(local_today(now, zone)))
            if await self.outbox.status_in(tx, key) is not None:
                return 0  # this week's went already
            found: list[Resource] = []
            names: list[str] = []
            for sub in subs:
                today = local_today(now, zones.get(sub.network_id, zone))
                new = [
                    r
                    for r in await repo.added_after(tx, sub.network_id, sub.offered_through, today)
                    if sub.matches(r)
                ]
                if new:
                    found.extend(new)
                    named = await network_queries.names(tx, sub.network_id)
                    names.append(named[0] if named else f"network {sub.network_id}")
            if not found:
                return 0  # nothing new: nothing sent, and what comes later is still new
            found.sort(key=lambda r: (r.closes_on or dt.date.max, r.id))
            message = render.digest(found[:LIST_MAX], names)
            if len(found) > LIST_MAX:
                more = f"\n({len(found) - LIST_MAX} more in /notices list.)"
                message = message.model_copy(update={"text": message.text + more})
            queued = await self.outbox.enqueue(
                tx, key=key, target=user_from_key(user_key), message=message
            )
            await repo.offered_through(tx, user_key, await repo.newest_entry(tx))
            return 1 if queued else 0
