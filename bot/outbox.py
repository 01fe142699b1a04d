"""The outbox: every message the bot sends on its own goes through a row with a unique key.

Writing the row in the same transaction as the change that caused it means a crash can never
lose the message; the unique key means nothing queues it twice. Delivery is three steps:

1. ``mark_attempt`` records, committed, that a send is beginning;
2. the port sends, with the key as an idempotency key (Discord's nonce, Matrix's transaction
   id), so a repeat soon after is dropped by the platform;
3. ``mark_sent`` records the platform's message id with the result.

A process killed between 2 and 3 leaves a pending row with an attempt and no result. Those
platform checks expire (Discord's nonce after a few minutes, Synapse's transaction ids after
a day or with a new device), so before sending such a row again the worker asks the port's
``find_sent`` whether the message is already there, and if so records that message's id and
sends nothing (a long message cut off between its parts gets only the missing parts). A row
without an unfinished attempt is sent straight away: the normal path never looks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import fanouts
from bot.clock import Clock, from_db, to_db
from bot.errors import log_failure
from bot.fanouts import FanOut, Outcome, OutcomeHandler, Unreached
from bot.identity import MessageRef, PlaceRef, UserRef, user_from_key
from bot.observe import Observers, OutboxEvent
from bot.ports import LOOK_BACK_MARGIN, DeliveryError, OutboundPort
from bot.replies import Reply
from bot.stopping import cancel_and_wait
from bot.storage import Database, Transaction
from bot.storage_checks import CANNOT_SAVE, problem_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutboxItem:
    id: int
    key: str
    platform: str
    target_kind: str
    target_id: str
    message: Reply
    due_at: datetime
    not_after: datetime | None
    attempts: int
    #: When an earlier attempt began that never recorded its result (a crash, a timeout):
    #: the message may already be on the platform.
    attempt_started_at: datetime | None = None
    #: ``send`` (post or message privately), ``edit`` (the message ``edit_message_id`` in the
    #: place ``target_id``) or ``rename`` (the thread ``target_id``, to the message's text).
    action: str = "send"
    edit_message_id: str | None = None


#: Called inside the transaction that records a delivery (so what it writes is recorded with
#: it, or not at all): the row's key, where the message landed, and the message itself.
DeliveredHook = Callable[[Transaction, str, MessageRef, Reply], Awaitable[None]]
#: Called inside the transaction that records a row as failed for good (refused, or after
#: its last retry): the row and why. What it queues (telling the people who can fix it) is
#: recorded with the failure, so they are told once, never for a failure not recorded.
FailedHook = Callable[[Transaction, OutboxItem, str], Awaitable[None]]


class Outbox:
    """The outbox table: queue inside a caller's transaction, then track each delivery."""

    def __init__(self, db: Database, clock: Clock, observers: Observers | None = None) -> None:
        self.db = db
        self.clock = clock
        #: Told how many rows were queued, sent, retried, skipped or failed, for /metrics.
        self.observers = observers or Observers()
        self._listeners: list[asyncio.Event] = []
        self._delivered: list[tuple[str, DeliveredHook]] = []
        self._failed: list[tuple[str, FailedHook]] = []
        self._outcome_handlers: dict[str, OutcomeHandler] = {}

    def on_delivered(self, key_prefix: str, hook: DeliveredHook) -> None:
        """Call ``hook`` whenever a row whose key starts with ``key_prefix`` is delivered,
        inside the transaction that records it (a cog remembering where its notice landed)."""
        self._delivered.append((key_prefix, hook))

    def on_failed(self, key_prefix: str, hook: FailedHook) -> None:
        """Call ``hook`` when a row whose key starts with ``key_prefix`` fails for good, inside
        the transaction that records it: a cog tells whoever can fix it (a meeting notice
        refused for a missing permission goes to the network's coordinators) instead of the
        failure being only a log line."""
        self._failed.append((key_prefix, hook))

    def on_fanout_closed(self, key_prefix: str, handler: OutcomeHandler) -> None:
        """Let a cog word what the sender is told when a fan-out whose key starts with
        ``key_prefix`` ends, whatever the outcome: a sender who must know their message got
        through ("Sent: your coordinator has it") and not only who was missed. Without one,
        the sender hears only about people who could not be reached."""
        self._outcome_handlers[key_prefix] = handler

    def _outcome_handler(self, key: str) -> OutcomeHandler | None:
        prefixes = [p for p in self._outcome_handlers if key.startswith(p)]
        return self._outcome_handlers[max(prefixes, key=len)] if prefixes else None

    def subscribe(self) -> asyncio.Event:
        """An event set whenever something new is queued, so a sleeping worker wakes up."""
        event = asyncio.Event()
        self._listeners.append(event)
        return event

    def notify(self) -> None:
        for event in self._listeners:
            event.set()

    async def enqueue(
        self,
        tx: Transaction,
        *,
        key: str,
        target: PlaceRef | UserRef,
        message: Reply,
        due_at: datetime | None = None,
        not_after: datetime | None = None,
        fanout: FanOut | None = None,
    ) -> bool:
        """Queue a message in the caller's transaction; False if that key was already queued.

        ``fanout`` (from ``fan_out``, private messages only) puts the message in a group whose
        sender is told if it cannot be delivered. Call ``notify()`` after the transaction
        commits to wake the worker.
        """
        kind = "user" if isinstance(target, UserRef) else "place"
        changed = await self._insert(
            tx, key, target, kind, message, due_at=due_at, not_after=not_after
        )
        if changed and fanout is not None and isinstance(target, UserRef):
            await self._join_fanout(tx, fanout, key, target)
        return changed

    async def enqueue_edit(
        self, tx: Transaction, *, key: str, message: MessageRef, new: Reply
    ) -> bool:
        """Queue an edit of a message the bot posted, so it shows ``new``; False if that key
        was already queued. The caller gives each version its own key."""
        return await self._insert(
            tx, key, message.place, "place", new, action="edit", edit_message_id=message.id
        )

    async def enqueue_rename(
        self, tx: Transaction, *, key: str, thread: PlaceRef, name: str
    ) -> bool:
        """Queue renaming a thread the bot opened; False if that key was already queued."""
        return await self._insert(tx, key, thread, "place", Reply(text=name), action="rename")

    async def _insert(
        self,
        tx: Transaction,
        key: str,
        target: PlaceRef | UserRef,
        kind: str,
        message: Reply,
        *,
        due_at: datetime | None = None,
        not_after: datetime | None = None,
        action: str = "send",
        edit_message_id: str | None = None,
    ) -> bool:
        now = self.clock.now()
        due = due_at or now
        changed = await tx.execute(
            """INSERT OR IGNORE INTO outbox
                   (key, platform, target_kind, target_id, message_json, due_at, not_after,
                    next_attempt_at, created_at, action, edit_message_id)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                key,
                target.platform,
                kind,
                target.id,
                message.model_dump_json(),
                to_db(due),
                to_db(not_after) if not_after else None,
                to_db(due),
                to_db(now),
                action,
                edit_message_id,
            ),
        )
        if changed == 1:
            self.observers.outbox(OutboxEvent.QUEUED)
        return changed == 1

    # ---- fan-outs: the enqueue side ---------------------------------------------------------

    async def fan_out(
        self,
        tx: Transaction,
        *,
        key: str,
        sender_key: str,
        about: str,
        advice: str = fanouts.DEFAULT_ADVICE,
    ) -> FanOut:
        """Start (or find again: the key is unique) a group of private messages. Once every
        message in it has finished, ``sender_key`` is told once, privately, who could not be
        reached "about" what (a phrase: "the cancelled Peer Network meeting on ..."), and
        ``advice``: what they can do instead."""
        await tx.execute(
            """INSERT OR IGNORE INTO outbox_fanouts (key, sender_key, about, advice, created_at)
               VALUES (?, ?, ?, ?, ?)""",
            (key, sender_key, about[:300], advice[:300], to_db(self.clock.now())),
        )
        row = await tx.fetch_one("SELECT id FROM outbox_fanouts WHERE key = ?", (key,))
        assert row is not None
        return FanOut(id=int(row["id"]), key=key)

    @staticmethod
    async def _join_fanout(tx: Transaction, fanout: FanOut, key: str, target: UserRef) -> None:
        await tx.execute(
            """INSERT OR IGNORE INTO outbox_fanout_rows (outbox_key, fanout_id, recipient_key)
               VALUES (?, ?, ?)""",
            (key, fanout.id, target.key),
        )

    async def send(
        self,
        *,
        key: str,
        target: PlaceRef | UserRef,
        message: Reply,
        due_at: datetime | None = None,
        not_after: datetime | None = None,
    ) -> bool:
        """Queue a message in a transaction of its own and wake the worker."""
        async with self.db.transaction() as tx:
            queued = await self.enqueue(
                tx, key=key, target=target, message=message, due_at=due_at, not_after=not_after
            )
        self.notify()
        return queued

    async def due(self, platforms: set[str], limit: int = 50) -> list[OutboxItem]:
        now = to_db(self.clock.now())
        marks = ",".join("?" for _ in platforms) or "''"
        rows = await self.db.fetch_all(
            f"""SELECT * FROM outbox
                WHERE status = 'pending' AND next_attempt_at <= ? AND platform IN ({marks})
                ORDER BY next_attempt_at, id LIMIT ?""",
            (now, *sorted(platforms), limit),
        )
        return [
            OutboxItem(
                id=int(r["id"]),
                key=str(r["key"]),
                platform=str(r["platform"]),
                target_kind=str(r["target_kind"]),
                target_id=str(r["target_id"]),
                message=Reply.model_validate_json(r["message_json"]),
                due_at=from_db(r["due_at"]),
                not_after=from_db(r["not_after"]) if r["not_after"] else None,
                attempts=int(r["attempts"]),
                attempt_started_at=(
                    from_db(r["attempt_started_at"]) if r["attempt_started_at"] else None
                ),
                action=str(r["action"]),
                edit_message_id=r["edit_message_id"],
            )
            for r in rows
        ]

    async def next_attempt_at(self, platforms: set[str]) -> datetime | None:
        marks = ",".join("?" for _ in platforms) or "''"
        row = await self.db.fetch_one(
            f"""SELECT MIN(next_attempt_at) AS next FROM outbox
                WHERE status = 'pending' AND platform IN ({marks})""",
            tuple(sorted(platforms)),
        )
        return from_db(row["next"]) if row and row["next"] else None

    async def mark_attempt(self, item: OutboxItem) -> datetime:
        """Record, committed, that a send is about to begin: after a crash the row then says
        it may already have been delivered, and the worker looks before sending again."""
        now = self.clock.now()
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE outbox SET attempt_started_at = ? WHERE id = ?", (to_db(now), item.id)
            )
        return now

    async def sent_ids_since(self, platform: str, since: datetime) -> frozenset[str]:
        """Platform ids of the messages other rows recorded as delivered since ``since``, so
        a look for one row's lost delivery never claims another row's identical message."""
        rows = await self.db.fetch_all(
            """SELECT sent_message_id FROM outbox
               WHERE platform = ? AND status = 'sent' AND finished_at >= ?
                     AND sent_message_id IS NOT NULL""",
            (platform, to_db(since)),
        )
        return frozenset(str(r["sent_message_id"]) for r in rows)

    async def mark_sent(self, item: OutboxItem, sent: MessageRef) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                """UPDATE outbox SET status = 'sent', attempts = attempts + 1,
                       sent_message_id = ?, finished_at = ?, last_error = NULL
                   WHERE id = ?""",
                (sent.id, to_db(self.clock.now()), item.id),
            )
            self.observers.outbox(OutboxEvent.SENT)
            for prefix, hook in self._delivered:
                if item.key.startswith(prefix):
                    try:
                        await hook(tx, item.key, sent, item.message)
                    except Exception as error:  # the delivery is recorded all the same
                        log_failure(log, error, "outbox %s: delivered hook failed", item.key)

    async def mark_retry(self, item: OutboxItem, reason: str, at: datetime) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                """UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?
                   WHERE id = ?""",
                (reason[:500], to_db(at), item.id),
            )
        self.observers.outbox(OutboxEvent.RETRIED)

    async def mark_finished(self, item: OutboxItem, status: str, reason: str) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                """UPDATE outbox SET status = ?, attempts = attempts + ?, last_error = ?,
                       finished_at = ?
                   WHERE id = ?""",
                (
                    status,
                    1 if status == "failed" else 0,
                    reason[:500],
                    to_db(self.clock.now()),
                    item.id,
                ),
            )
            self.observers.outbox(OutboxEvent.FAILED if status == "failed" else OutboxEvent.SKIPPED)
            if status != "failed":
                return
            for prefix, hook in self._failed:
                if item.key.startswith(prefix):
                    try:
                        await hook(tx, item, reason)
                    except Exception as error:  # the failure is recorded all the same
                        log_failure(log, error, "outbox %s: failed hook failed", item.key)
        if status == "failed" and any(item.key.startswith(p) for p, _ in self._failed):
            self.notify()  # what the hooks queued

    # ---- fan-outs: the summary step, after rows finish --------------------------------------

    async def summarise_fanouts(self) -> int:
        """Close every fan-out whose messages have all finished; for each where some failed,
        queue one private summary to its sender (or, for a fan-out a cog words itself with
        ``on_fanout_closed``, whatever that cog says). Returns how many were queued.

        Run after deliveries (and at start, so a crash between a last delivery and this step
        loses nothing); the summary's unique key means it is never queued twice.
        """
        open_groups = await self.db.fetch_all(
            """SELECT f.id, f.key, f.sender_key, f.about, f.advice FROM outbox_fanouts f
               WHERE f.summarised_at IS NULL AND NOT EXISTS (
                   SELECT 1 FROM outbox_fanout_rows r JOIN outbox o ON o.key = r.outbox_key
                   WHERE r.fanout_id = f.id AND o.status = 'pending')
               ORDER BY f.id"""
        )
        queued = 0
        for group in open_groups:
            handler = self._outcome_handler(str(group["key"]))
            async with self.db.transaction() as tx:
                rows = await tx.fetch_all(
                    """SELECT r.recipient_key, o.status, o.last_error FROM outbox_fanout_rows r
                       JOIN outbox o ON o.key = r.outbox_key
                       WHERE r.fanout_id = ? AND o.status IN ('sent', 'failed') ORDER BY o.id""",
                    (group["id"],),
                )
                unreached = [
                    Unreached(str(r["recipient_key"]), str(r["last_error"] or ""))
                    for r in rows
                    if r["status"] == "failed"
                ]
                sender = user_from_key(str(group["sender_key"]))
                message: Reply | None = None
                suffix = "outcome"
                if handler is not None:
                    outcome = Outcome(
                        key=str(group["key"]),
                        sender_key=str(group["sender_key"]),
                        about=str(group["about"]),
                        advice=str(group["advice"]),
                        reached=tuple(
                            str(r["recipient_key"]) for r in rows if r["status"] == "sent"
                        ),
                        unreached=tuple(unreached),
                    )
                    try:
                        message = await handler(tx, outcome)
                    except Exception as error:  # a cog's bug must not hold every group back
                        log_failure(log, error, "outbox fan-out %s: outcome failed", outcome.key)
                        handler = None
                if handler is None and unreached:
                    suffix = "unreached"
                    message = fanouts.summary(
                        str(group["about"]), str(group["advice"]), unreached, sender.platform
                    )
                if message is not None:
                    queued += await self.enqueue(
                        tx, key=f"fanout:{group['key']}:{suffix}", target=sender, message=message
                    )
                await tx.execute(
                    "UPDATE outbox_fanouts SET summarised_at = ? WHERE id = ?",
                    (to_db(self.clock.now()), group["id"]),
                )
            if unreached or message is not None:
                log.info(
                    "outbox fan-out %s closed: %d reached, %d not; sender %s",
                    group["key"],
                    len(rows) - len(unreached),
                    len(unreached),
                    "told" if message is not None else "not told",
                )
        return queued

    @staticmethod
    async def fanouts_under(tx: Transaction, key_prefix: str) -> list[tuple[str, bool]]:
        """(key, still under way) of each fan-out whose key starts with ``key_prefix``, oldest
        first; one that ended long ago may have been purged as history."""
        rows = await tx.fetch_all(
            """SELECT key, summarised_at IS NULL AS open FROM outbox_fanouts
               WHERE substr(key, 1, ?) = ? ORDER BY id""",
            (len(key_prefix), key_prefix),
        )
        return [(str(r["key"]), bool(r["open"])) for r in rows]

    async def status_of(self, key: str) -> str | None:
        row = await self.db.fetch_one("SELECT status FROM outbox WHERE key = ?", (key,))
        return None if row is None else str(row["status"])

    async def status_in(self, tx: Transaction, key: str) -> str | None:
        """As ``status_of``, inside the caller's transaction: pending, sent, skipped, failed,
        or None if that key was never queued."""
        row = await tx.fetch_one("SELECT status FROM outbox WHERE key = ?", (key,))
        return None if row is None else str(row["status"])

    async def skip_pending(
        self, tx: Transaction, key_prefix: str, reason: str, *, key_suffix: str = ""
    ) -> int:
        """Withdraw the messages queued under ``key_prefix`` (and ending with ``key_suffix``,
        when given: one person's) and not yet sent (someone said stop): recorded as skipped,
        never delivered. A delivery already in flight finishes."""
        if not key_suffix:
            skipped = await tx.execute(
                """UPDATE outbox SET status = 'skipped', last_error = ?, finished_at = ?
                   WHERE status = 'pending' AND substr(key, 1, ?) = ?""",
                (reason[:500], to_db(self.clock.now()), len(key_prefix), key_prefix),
            )
            self.observers.outbox(OutboxEvent.SKIPPED, skipped)
            return skipped
        skipped = await tx.execute(
            """UPDATE outbox SET status = 'skipped', last_error = ?, finished_at = ?
               WHERE status = 'pending' AND substr(key, 1, ?) = ? AND substr(key, -?) = ?""",
            (
                reason[:500],
                to_db(self.clock.now()),
                len(key_prefix),
                key_prefix,
                len(key_suffix),
                key_suffix,
            ),
        )
        self.observers.outbox(OutboxEvent.SKIPPED, skipped)
        return skipped

    async def purge_finished(self, older_than: timedelta) -> int:
        """Delete delivered, failed and skipped rows once they are only history."""
        cutoff = to_db(self.clock.now() - older_than)
        async with self.db.transaction() as tx:
            await tx.execute(
                """DELETE FROM outbox_fanouts
                   WHERE summarised_at IS NOT NULL AND summarised_at < ?""",
                (cutoff,),
            )
            return await tx.execute(
                "DELETE FROM outbox WHERE status != 'pending' AND finished_at < ?", (cutoff,)
            )


class OutboxWorker:
    """Delivers due outbox rows one at a time, with retries and backoff; stops cleanly."""

    def __init__(
        self,
        outbox: Outbox,
        ports: Mapping[str, OutboundPort],
        *,
        max_attempts: int = 8,
        base_delay: float = 5.0,
        max_delay: float = 3600.0,
        idle_poll: float = 60.0,
    ) -> None:
        self.outbox = outbox
        self.ports = dict(ports)
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.idle_poll = idle_poll
        self._wake = outbox.subscribe()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._pass = asyncio.Lock()  # two passes at once would both deliver the same rows
        self._unrecorded: dict[int, MessageRef] = {}  # delivered, not yet recorded as sent

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="outbox-worker")

    async def stop(self, grace_seconds: float = 30.0) -> None:
        """Finish the delivery in progress (never abandon it half-way), then stop."""
        self._stopping = True
        self._wake.set()
        if self._task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._task), grace_seconds)
        except TimeoutError:
            log.warning(
                "outbox worker: delivery still running after %.0fs; cancelling", grace_seconds
            )
            await cancel_and_wait(self._task, "outbox worker")
        self._task = None

    async def run_once(self) -> int:
        """Deliver everything due now; returns how many rows were handled."""
        async with self._pass:
            handled = await self._deliver_due()
            if not self._stopping and await self.outbox.summarise_fanouts():
                handled += await self._deliver_due()  # the summaries just queued
            return handled

    async def _deliver_due(self) -> int:
        handled = 0
        while not self._stopping:
            batch = await self.outbox.due(set(self.ports))
            if not batch:
                break
            for item in batch:
                if self._stopping:
                    break
                # Shielded: a cancel between delivering and recording would send it twice.
                await asyncio.shield(self._deliver(item))
                handled += 1
        return handled

    async def _run(self) -> None:
        while not self._stopping:
            try:
                await self.run_once()
                delay = await self._seconds_until_next()
            except Exception as error:
                delay = self.base_delay
                problem = problem_of(error)
                if problem in CANNOT_SAVE:  # a full disk is not a bug: one line, no traceback
                    log.warning(
                        "outbox worker cannot save (database %s); trying again in %.0fs",
                        problem,
                        delay,
                    )
                else:
                    log_failure(log, error, "outbox worker pass failed; trying again shortly")
            self._wake.clear()
            if self._stopping:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)

    async def _seconds_until_next(self) -> float:
        nxt = await self.outbox.next_attempt_at(set(self.ports))
        if nxt is None:
            return self.idle_poll
        return max(0.0, min(self.idle_poll, (nxt - self.outbox.clock.now()).total_seconds()))

    async def _deliver(self, item: OutboxItem) -> None:
        now = self.outbox.clock.now()
        too_late = item.not_after is not None and now > item.not_after
        if too_late and item.attempt_started_at is None:
            await self._skip_too_late(item)
            return
        port = self.ports[item.platform]
        if item.id in self._unrecorded:  # delivered on an earlier pass; only record it now
            await self._record_sent(port, item, self._unrecorded[item.id])
            return
        target: PlaceRef | UserRef
        if item.target_kind == "user":
            target = UserRef(platform=item.platform, id=item.target_id)
        else:
            target = PlaceRef(platform=item.platform, id=item.target_id)
        try:
            if item.action != "send":  # an edit or rename: doing it again changes nothing
                await self.outbox.mark_attempt(item)
                sent = await self._change(port, item, target)
            else:
                # A row that became too late while it may have been delivered is looked for
                # first, so that it is recorded as sent if the person did get it.
                found = await self._delivered_earlier(port, item, target)
                if found is None:
                    if too_late:
                        await self._skip_too_late(item)
                        return
                    await self.outbox.mark_attempt(item)
                    if isinstance(target, UserRef):
                        found = await port.send_private(
                            target, item.message, idempotency_key=item.key
                        )
                    else:
                        found = await port.post(target, item.message, idempotency_key=item.key)
                sent = found
        except DeliveryError as error:
            await self._failed(item, str(error), error.retryable, error.retry_after)
            return
        except Exception as error:
            log_failure(log, error, "outbox %s: unexpected delivery error", item.key)
            await self._failed(item, type(error).__name__, True, None)
            return
        await self._record_sent(port, item, sent)

    @staticmethod
    async def _change(
        port: OutboundPort, item: OutboxItem, target: PlaceRef | UserRef
    ) -> MessageRef:
        """Edit a posted message or rename a thread; the reference recorded is what changed."""
        assert isinstance(target, PlaceRef)
        if item.action == "rename":
            await port.rename_thread(target, item.message.text)
            return MessageRef(place=target, id=target.id)
        assert item.edit_message_id is not None
        ref = MessageRef(place=target, id=item.edit_message_id)
        await port.edit_message(ref, item.message, idempotency_key=item.key)
        return ref

    async def _record_sent(self, port: OutboundPort, item: OutboxItem, sent: MessageRef) -> None:
        try:
            await self.outbox.mark_sent(item, sent)
        except Exception:
            # Delivered, but the database refused to record it (a full disk): remember it, so
            # the next pass records it instead of sending it again.
            self._unrecorded[item.id] = sent
            raise
        self._unrecorded.pop(item.id, None)
        log.info("outbox %s delivered", item.key)
        if item.message.pin and item.target_kind == "place":
            await self._pin(port, item, sent)

    async def _skip_too_late(self, item: OutboxItem) -> None:
        await self.outbox.mark_finished(item, "skipped", "came due too late to still be useful")
        log.info("outbox %s skipped: too late (due %s)", item.key, to_db(item.due_at))

    async def _delivered_earlier(
        self, port: OutboundPort, item: OutboxItem, target: PlaceRef | UserRef
    ) -> MessageRef | None:
        """Only for a row whose earlier attempt never recorded its result: ask the platform
        whether that attempt got through, since its own duplicate check (Discord's nonce,
        Matrix's transaction id) may have expired during a long outage. Never on the normal
        path, so a normal delivery costs no extra request."""
        since = item.attempt_started_at
        if since is None:
            return None
        taken = await self.outbox.sent_ids_since(item.platform, since - LOOK_BACK_MARGIN)
        found = await port.find_sent(
            target, item.message, idempotency_key=item.key, since=since, taken=taken
        )
        if found is not None:
            log.info("outbox %s had already been delivered; recorded without sending", item.key)
        return found

    async def _pin(self, port: OutboundPort, item: OutboxItem, sent: MessageRef) -> None:
        """Pin after posting. A failed pin is logged, never retried: retrying would post the
        message again, and an unpinned message is still delivered."""
        try:
            await port.pin_message(sent, pinned=True)
        except Exception as error:
            log_failure(log, error, "outbox %s: delivered but could not pin", item.key)

    async def _failed(
        self, item: OutboxItem, reason: str, retryable: bool, retry_after: float | None
    ) -> None:
        attempts = item.attempts + 1
        if not retryable or attempts >= self.max_attempts:
            await self.outbox.mark_finished(item, "failed", reason)
            log.error("outbox %s failed after %d attempt(s): %s", item.key, attempts, reason)
            return
        delay = min(self.max_delay, self.base_delay * 2 ** (attempts - 1))
        delay *= random.uniform(0.8, 1.2)
        if retry_after is not None:
            delay = max(delay, retry_after)
        at = self.outbox.clock.now() + timedelta(seconds=delay)
        await self.outbox.mark_retry(item, reason, at)
        log.warning(
            "outbox %s: attempt %d failed (%s); retrying in %.0fs",
            item.key,
            attempts,
            reason,
            delay,
        )
