"""Calendar feed tokens and feed documents.

A token is the whole key to a feed (calendars cannot sign in), so it is long and random
(``secrets``), made on first use, and replaced by ``rotate``: the old address stops at once,
because every request looks its token up in the database.

Building a feed (recurrences, time zones, iCalendar text) costs far more than reading the rows
it is made of, and calendars poll often, so each built document is kept with a hash of those
rows. A poll reads the rows, and rebuilds only when they differ: any change to a series, a
meeting, a topic or a person's answers shows at the next poll, whoever made it, with nothing to
invalidate by hand.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.audit import AuditLog
from bot.clock import Clock
from bot.storage import Database, Transaction
from cogs.feeds import repository as repo
from cogs.feeds.repository import Kind, Source
from cogs.meetings import repository as meetings_repo
from cogs.meetings.calendar import SeriesCalendar
from cogs.meetings.feed import PersonMeetings, network_feed, person_feed
from cogs.meetings.models import Series

#: Bytes of randomness in a token (32 characters in the address).
TOKEN_BYTES = 24
#: Built documents kept (network and personal feeds together), least recently used dropped.
CACHE_SIZE = 4096


@dataclass(frozen=True)
class FeedDocument:
    body: bytes
    etag: str  # quoted, as HTTP sends it
    last_modified: datetime  # whole seconds, UTC


@dataclass
class CacheStats:
    """Counts for /metrics and the benchmark: documents built, answered from the cache, and
    answered 304 (counted by the web server)."""

    built: int = 0
    reused: int = 0
    not_modified: int = 0


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def fingerprint(source: Source) -> str:
    return hashlib.sha256(repr(source.rows).encode()).hexdigest()


def _second(when: datetime) -> datetime:
    return when.astimezone(UTC).replace(microsecond=0)


class FeedService:
    def __init__(self, db: Database, clock: Clock, audit: AuditLog) -> None:
        self.db = db
        self.clock = clock
        self.audit = audit
        self.stats = CacheStats()
        self._cache: OrderedDict[tuple[Kind, int | str], tuple[str, FeedDocument]] = OrderedDict()

    # ---- tokens -----------------------------------------------------------------------------

    async def token(self, kind: Kind, owner: int | str) -> str:
        """The owner's token, made now if they have none."""
        async with self.db.transaction() as tx:
            found = await repo.feed_of(tx, kind, owner)
            if found is not None:
                return found.token
            token = new_token()
            await repo.set_token(tx, kind, owner, token, self.clock.now())
            return token

    async def rotate(self, kind: Kind, owner: int | str, *, actor_key: str) -> str:
        """A new token; the old one finds nothing from now on."""
        token = new_token()
        async with self.db.transaction() as tx:
            await repo.set_token(tx, kind, owner, token, self.clock.now())
            if kind == "network":
                assert isinstance(owner, int)
                await self.audit.record(
                    tx, actor_key=actor_key, action="meeting.feed-rotate", network_id=owner
                )
        return token

    # ---- documents --------------------------------------------------------------------------

    async def document(self, kind: Kind, token: str) -> FeedDocument | None:
        """The feed behind a token, or None for a token nobody holds."""
        async with self.db.reading() as tx:
            feed = await repo.feed_by_token(tx, kind, token)
            if feed is None:
                return None
            if kind == "network":
                assert isinstance(feed.owner, int)
                source = await repo.network_source(tx, feed.owner)
            else:
                source = await repo.person_source(tx, str(feed.owner))
            if source is None:
                return None
            key = fingerprint(source)
            cached = self._cache.get((kind, feed.owner))
            if cached is not None and cached[0] == key and feed.fingerprint == key:
                self._cache.move_to_end((kind, feed.owner))
                self.stats.reused += 1
                return cached[1]
            body = await self._build(tx, kind, feed.owner, source)
        modified = self._modified(feed, key, source)
        if feed.fingerprint != key or feed.changed_at != modified:
            async with self.db.transaction() as tx:
                await repo.set_seen(tx, kind, feed.owner, key, modified)
        document = FeedDocument(
            body=body,
            etag='"' + hashlib.sha256(body).hexdigest()[:32] + '"',
            last_modified=modified,
        )
        self._cache[(kind, feed.owner)] = (key, document)
        self._cache.move_to_end((kind, feed.owner))
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        self.stats.built += 1
        return document

    def _modified(self, feed: repo.FeedRow, key: str, source: Source) -> datetime:
        """The latest change the rows record; when the feed changed without a newer time
        (a row deleted), the moment that was noticed, so Last-Modified never goes back."""
        latest = _second(source.latest) if source.latest else _second(feed.created_at)
        if feed.changed_at is None:
            return latest
        seen = _second(feed.changed_at)
        if feed.fingerprint == key:
            return seen
        if latest > seen:
            return latest
        return max(_second(self.clock.now()), seen + timedelta(seconds=1))

    async def _build(self, tx: Transaction, kind: Kind, owner: int | str, source: Source) -> bytes:
        series = await meetings_repo.series_by_ids(tx, source.series_ids)
        calendars = {s.id: await _calendar(tx, s) for s in series}
        if kind == "person":
            keys: dict[int, list[str]] = {}
            for series_id, occurrence_key in source.answered:
                keys.setdefault(series_id, []).append(occurrence_key)
            return person_feed(
                [PersonMeetings(calendars[i], keys[i]) for i in sorted(keys) if i in calendars]
            )
        network = await tx.fetch_one("SELECT name, timezone FROM networks WHERE id = ?", (owner,))
        assert network is not None
        name, timezone = str(network["name"]), str(network["timezone"])
        return network_feed(name, timezone, list(calendars.values()))


async def _calendar(tx: Transaction, series: Series) -> SeriesCalendar:
    """The series as the feeds show it (no alarms: subscribers set their own)."""
    changes = await meetings_repo.changes_of(tx, series.id)
    created, changed, occurrence_changed = await meetings_repo.revisions_of(tx, series.id)
    topics = await meetings_repo.topics_of(tx, series.id)
    changed_at = dict(occurrence_changed)
    for key, (_, planned_at) in topics.items():
        changed_at[key] = max(changed_at.get(key, planned_at), planned_at)
    return SeriesCalendar(
        uid=f"series-{series.id}",
        name=series.name,
        rule=series.rule,
        location=series.location,
        link=series.link,
        description=series.agenda,
        skipped=changes.skipped,
        overrides=changes.overrides,
        cancelled=not series.active,
        created=created,
        changed=changed,
        occurrence_changed=changed_at,
        topics={key: topic for key, (topic, _) in topics.items()},
        cancelled_at=series.cancelled_at,
    )
