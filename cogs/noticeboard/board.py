"""Notices on the board: posted once to each notices channel of the network, in the
transaction that adds the entry (so an entry and its post happen together or not at all),
edited when the entry changes, and edited to say so when it closes or is taken down.

Outbox keys: ``notices:ID:post:PLACE`` for the post, ``notices:ID:edit:PLACE:REVISION`` for a
change (a newer one withdraws an older one still waiting), ``notices:ID:closed:PLACE`` for the
closing edit. The post's message id is recorded when the outbox delivers it (``delivered``),
because outbox rows are purged after a while; a notice that closed while its post was on the
way gets its closing edit then.
"""

from __future__ import annotations

import logging

from bot.clock import Clock
from bot.identity import MessageRef, place_from_key
from bot.outbox import Outbox
from bot.replies import Reply
from bot.storage import Database, Transaction
from cogs.networks import queries as network_queries
from cogs.noticeboard import render
from cogs.noticeboard import repository as repo
from cogs.noticeboard.models import is_notice, local_today
from cogs.resources import repository as resources_repo
from cogs.resources.models import Resource

log = logging.getLogger(__name__)

PURPOSE = "notices"
SUPERSEDED = "a newer version of the notice replaces it"
CLOSED_FIRST = "the notice closed before it was posted"


def post_key(resource_id: int, place_key: str) -> str:
    return f"notices:{resource_id}:post:{place_key}"


def parse_post_key(key: str) -> tuple[int, str] | None:
    parts = key.split(":", 3)
    if len(parts) != 4 or parts[0] != "notices" or parts[2] != "post" or not parts[1].isdigit():
        return None
    return int(parts[1]), parts[3]


class NoticeBoard:
    """The resource library's listener for notices, and the daily closing."""

    def __init__(self, db: Database, outbox: Outbox, clock: Clock) -> None:
        self.db = db
        self.outbox = outbox
        self.clock = clock

    async def _zone(self, tx: Transaction, network_id: int) -> str:
        return await network_queries.timezone(tx, network_id) or "Australia/Sydney"

    # ---- the library's listener -------------------------------------------------------------

    async def entry_added(self, tx: Transaction, resource: Resource) -> None:
        """Queue the post in each of the network's notices channels (none linked: nothing)."""
        if not is_notice(resource):
            return
        assert resource.network_id is not None
        zone = await self._zone(tx, resource.network_id)
        now = self.clock.now()
        for place_key, _space in await network_queries.places(tx, resource.network_id, PURPOSE):
            if await repo.add_post(tx, resource.id, place_key, resource.network_id, now):
                await self.outbox.enqueue(
                    tx,
                    key=post_key(resource.id, place_key),
                    target=place_from_key(place_key),
                    message=render.post(resource, zone),
                )

    async def entry_changed(self, tx: Transaction, resource: Resource) -> None:
        """An edited notice: its open posts show the change (a new revision each time)."""
        posts = await repo.posts_of(tx, resource.id)
        if not posts:
            await self.entry_added(tx, resource)  # became a notice by the edit
            return
        if not is_notice(resource):
            await self._close(tx, resource, withdrawn=True)
            return
        assert resource.network_id is not None
        shown = render.post(resource, await self._zone(tx, resource.network_id))
        revision = self.clock.now().strftime("%Y%m%dT%H%M%S%f")
        for found in posts:
            if found.closed_at is not None or found.message_id is None:
                continue  # closed; or still on its way, and ``delivered`` brings it up to date
            prefix = f"notices:{resource.id}:edit:{found.place_key}:"
            await self.outbox.skip_pending(tx, prefix, SUPERSEDED)
            await self.outbox.enqueue_edit(
                tx,
                key=f"{prefix}{revision}",
                message=MessageRef(place=place_from_key(found.place_key), id=found.message_id),
                new=shown,
            )

    async def entry_retired(self, tx: Transaction, resource: Resource) -> None:
        await self._close(tx, resource, withdrawn=True)

    # ---- closing ----------------------------------------------------------------------------

    async def _close(self, tx: Transaction, resource: Resource, *, withdrawn: bool) -> None:
        """Edit each post to say the notice closed; a post not yet out is not sent at all."""
        for found in await repo.posts_of(tx, resource.id):
            if found.closed_at is not None:
                continue
            await repo.mark_closed(tx, resource.id, found.place_key, self.clock.now())
            await self.outbox.skip_pending(
                tx, f"notices:{resource.id}:edit:{found.place_key}:", SUPERSEDED
            )
            if found.message_id is None:
                await self.outbox.skip_pending(
                    tx, post_key(resource.id, found.place_key), CLOSED_FIRST
                )
                continue
            await self.outbox.enqueue_edit(
                tx,
                key=f"notices:{resource.id}:closed:{found.place_key}",
                message=MessageRef(place=place_from_key(found.place_key), id=found.message_id),
                new=render.closed(resource, withdrawn=withdrawn),
            )

    async def close_due(self) -> int:
        """Retire every notice whose closing date has passed in its network's time zone (the
        day after it closes, from midnight there) and edit its posts; returns how many. Run
        often and at start: it is idempotent, so a restart or a late run closes each once."""
        now = self.clock.now()
        async with self.db.reading() as tx:
            zones = await repo.zones(tx)
            # The latest today of any zone bounds the candidates; each is then checked in
            # its own network's zone.
            latest = max((local_today(now, z) for z in zones.values()), default=now.date())
            candidates = await repo.due_to_close(tx, latest)
        closed = 0
        for resource in candidates:
            assert resource.network_id is not None and resource.closes_on is not None
            zone = zones.get(resource.network_id, "Australia/Sydney")
            if resource.closes_on >= local_today(now, zone):
                continue
            async with self.db.transaction() as tx:
                if await repo.retire(tx, resource.id, now) != 1:
                    continue  # retired meanwhile (by a coordinator, or another run)
                await self._close(tx, resource, withdrawn=False)
                closed += 1
        if closed:
            log.info("noticeboard: %d notice(s) closed", closed)
            self.outbox.notify()
        return closed

    # ---- the outbox's delivered hook ----------------------------------------------------------

    async def delivered(self, tx: Transaction, key: str, sent: MessageRef, message: Reply) -> None:
        """A post went out: remember its message; if the notice closed or changed while the
        post was on its way, edit it at once."""
        parsed = parse_post_key(key)
        if parsed is None:
            return
        resource_id, place_key = parsed
        if await repo.record_message(tx, resource_id, place_key, sent.id) != 1:
            return
        resource = await resources_repo.get(tx, resource_id)
        if resource is None:
            return
        found = await repo.post(tx, resource_id, place_key)
        if found is None:
            return
        ref = MessageRef(place=place_from_key(place_key), id=sent.id)
        assert resource.network_id is not None and resource.closes_on is not None
        zone = await self._zone(tx, resource.network_id)
        if resource.retired_at is not None:
            passed = resource.closes_on < local_today(self.clock.now(), zone)
            await repo.mark_closed(tx, resource_id, place_key, self.clock.now())
            await self.outbox.enqueue_edit(
                tx,
                key=f"notices:{resource_id}:closed:{place_key}",
                message=ref,
                new=render.closed(resource, withdrawn=not passed),
            )
            return
        shown = render.post(resource, zone)
        if shown.text != message.text:
            await self.outbox.enqueue_edit(
                tx, key=f"notices:{resource_id}:edit:{place_key}:delivered", message=ref, new=shown
            )
