"""The rules for moderation: act on the platform, then record it in the audit log; reports go
privately to the network's coordinators through the outbox, in the same transaction.

Every action carries an optional reason (kept in the audit log and sent to the platform's own
audit log). Each audit entry is also posted in the network's modlog channel, if it has one,
and a lock or slowmode is announced in its channel; both through the outbox, keyed by the
audit entry, so never twice. A lock or slowmode may have an end: a timer the scheduler runs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.audit import AuditEntry, AuditLog
from bot.clock import Clock
from bot.errors import UserError
from bot.identity import MessageRef, PlaceRef, place_from_key, user_from_key
from bot.mentions import moment
from bot.outbox import Outbox
from bot.ports import DeliveryError, OutboundPort
from bot.replies import Reply
from bot.storage import Database, Transaction
from cogs.moderation import report_repo, timers
from cogs.moderation import repository as repo
from cogs.moderation.lines import PEERBOT, audit_line
from cogs.moderation.models import (
    AUDIT_LINES_MAX,
    CONCERN_MAX,
    GUIDELINES_MAX,
    NOTE_MAX,
    Report,
    check_reason,
    check_slowmode,
    describe_duration,
    describe_seconds,
)
from cogs.moderation.report_buttons import notice_buttons
from cogs.networks import queries as network_queries

log = logging.getLogger(__name__)


def platform_reason(by: str, reason: str) -> str:
    """What the platform's own audit log shows (Discord names peerbot as the one who acted)."""
    who = f"{by} with peerbot" if by else "peerbot"
    return f"{who}: {reason}" if reason else who


class ModerationService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        audit: AuditLog,
        outbox: Outbox,
        *,
        default_zone: str = "Australia/Sydney",
    ) -> None:
        self.db = db
        self.clock = clock
        self.audit = audit
        self.outbox = outbox
        self.default_zone = default_zone
        #: Called after a timer started or ended, so the scheduler re-plans (set by the cog).
        self.timers_changed: Callable[[], Awaitable[None]] | None = None
        self._ending = asyncio.Lock()

    # ---- the audit log, the modlog and notices ----------------------------------------------

    async def _zone(self, tx: Transaction, network_id: int | None) -> ZoneInfo:
        name = await network_queries.timezone(tx, network_id) if network_id is not None else None
        return ZoneInfo(name or self.default_zone)

    async def _log(
        self,
        tx: Transaction,
        *,
        actor_key: str,
        action: str,
        network_id: int | None,
        target: str,
        detail: str = "",
        reason: str = "",
    ) -> AuditEntry:
        """Record the action, and queue its line for the network's modlog channel (if set)."""
        entry = await self.audit.record(
            tx,
            actor_key=actor_key,
            action=action,
            network_id=network_id,
            target=target,
            detail=detail,
            reason=reason,
        )
        if network_id is not None:
            modlog = await timers.modlog_of(tx, network_id)
            if modlog is not None:
                line = audit_line(entry, await self._zone(tx, network_id))
                await self.outbox.enqueue(
                    tx,
                    key=f"modlog:{entry.id}",
                    target=place_from_key(modlog),
                    message=Reply(text=line),
                )
        return entry

    async def _notice(self, tx: Transaction, entry: AuditEntry, place: PlaceRef, text: str) -> None:
        """A notice in the channel itself, so members know why they cannot post."""
        await self.outbox.enqueue(
            tx,
            key=f"mod-notice:{entry.id}",
            target=PlaceRef(platform=place.platform, id=place.id),
            message=Reply(text=text),
        )

    async def _by_whom(self, tx: Transaction, network_id: int | None) -> str:
        if network_id is None:
            return "the server's admins"
        names = await network_queries.names(tx, network_id)
        return f"the coordinators of {names[0]}" if names else "the coordinators"

    async def _timers_changed(self) -> None:
        if self.timers_changed is not None:
            await self.timers_changed()

    async def _record(
        self,
        actor_key: str,
        action: str,
        network_id: int | None,
        target: str,
        detail: str = "",
        reason: str = "",
    ) -> None:
        async with self.db.transaction() as tx:
            await self._log(
                tx,
                actor_key=actor_key,
                action=action,
                network_id=network_id,
                target=target,
                detail=detail,
                reason=reason,
            )
        self.outbox.notify()

    # ---- channels and messages ------------------------------------------------------------

    async def lock(
        self,
        port: OutboundPort,
        actor_key: str,
        network_id: int | None,
        place: PlaceRef,
        *,
        locked: bool,
        reason: str = "",
        duration: timedelta | None = None,
        by: str = "",
    ) -> datetime | None:
        """Lock (or unlock) a channel, with a notice in it; a lock with a ``duration`` undoes
        itself then. A new lock replaces a running timer, an unlock cancels it. Returns
        when the lock ends, if it does."""
        reason = check_reason(reason)
        keep = await self._keep_posting(network_id)
        await port.lock_channel(
            place, locked=locked, keep_posting=keep, reason=platform_reason(by, reason)
        )
        return await self._locked(actor_key, network_id, place, locked, reason, duration)

    async def _locked(
        self,
        actor_key: str,
        network_id: int | None,
        place: PlaceRef,
        locked: bool,
        reason: str,
        duration: timedelta | None,
        *,
        action: str | None = None,
        detail: str = "",
    ) -> datetime | None:
        """Record a lock or unlock that the platform has done: its timer, audit, notice."""
        now = self.clock.now()
        until = now + duration if locked and duration is not None else None
        async with self.db.transaction() as tx:
            await self._replace_timer(tx, "lock", network_id, place, locked, now, until)
            if duration is not None and until is not None:
                detail = f"for {describe_duration(duration)}"
            entry = await self._log(
                tx,
                actor_key=actor_key,
                action=action or ("mod.lock" if locked else "mod.unlock"),
                network_id=network_id,
                target=place.key,
                detail=detail,
                reason=reason,
            )
            by_whom = await self._by_whom(tx, network_id)
            if locked:
                when = await self._until(tx, network_id, until) or " until they unlock it"
                text = (
                    f"This channel is locked by {by_whom}{when}: members can read it but not post."
                )
            else:
                text = f"This channel is unlocked by {by_whom}: members can post again."
            await self._notice(tx, entry, place, _with_reason(text, reason))
        self.outbox.notify()
        await self._timers_changed()
        return until

    async def _replace_timer(
        self,
        tx: Transaction,
        kind: str,
        network_id: int | None,
        place: PlaceRef,
        turned_on: bool,
        now: datetime,
        until: datetime | None,
    ) -> None:
        """A new lock or slowmode replaces the place's running timer, turning it off cancels
        it; a duration starts the new one."""
        outcome = "replaced" if turned_on else "cancelled"
        await timers.end_running(tx, place.key, kind, outcome, now)
        if until is not None:
            await timers.start(
                tx, network_id=network_id, place_key=place.key, kind=kind, now=now, ends_at=until
            )

    async def _until(self, tx: Transaction, network_id: int | None, until: datetime | None) -> str:
        """ " until <time in the network's zone>", or "" when it lasts until undone."""
        if until is None:
            return ""
        zone = await self._zone(tx, network_id)
        return f" until {moment(until.astimezone(zone))}"

    async def _keep_posting(self, network_id: int | None) -> tuple[str, ...]:
        """The network's coordinator and executive roles: a lock never silences them."""
        if network_id is None:
            return ()
        async with self.db.reading() as tx:
            return tuple(await network_queries.staff_role_ids(tx, network_id))

    async def slowmode(
        self,
        port: OutboundPort,
        actor_key: str,
        network_id: int | None,
        place: PlaceRef,
        seconds: int,
        *,
        reason: str = "",
        duration: timedelta | None = None,
        by: str = "",
    ) -> datetime | None:
        """Slowmode on (or off with 0), with a notice; with a ``duration`` it turns itself off
        then. Returns when it ends, if it does."""
        seconds = check_slowmode(seconds)
        reason = check_reason(reason)
        if seconds == 0 and duration is not None:
            raise UserError(
                "A duration is for turning slowmode on: seconds:0 turns it off now, so leave "
                "the duration out. Nothing was changed."
            )
        await port.set_slowmode(place, seconds, reason=platform_reason(by, reason))
        now = self.clock.now()
        until = now + duration if duration is not None else None
        async with self.db.transaction() as tx:
            await self._replace_timer(tx, "slowmode", network_id, place, bool(seconds), now, until)
            detail = describe_seconds(seconds)
            if until is not None and duration is not None:
                detail += f", for {describe_duration(duration)}"
            entry = await self._log(
                tx,
                actor_key=actor_key,
                action="mod.slowmode",
                network_id=network_id,
                target=place.key,
                detail=detail,
                reason=reason,
            )
            by_whom = await self._by_whom(tx, network_id)
            if seconds:
                when = await self._until(tx, network_id, until)
                text = (
                    f"Slowmode is on in this channel{when}, set by {by_whom}: members can post "
                    f"once every {describe_seconds(seconds)}."
                )
            else:
                text = f"Slowmode is off in this channel, turned off by {by_whom}."
            await self._notice(tx, entry, place, _with_reason(text, reason))
        self.outbox.notify()
        await self._timers_changed()
        return until

    async def archive(
        self,
        port: OutboundPort,
        actor_key: str,
        network_id: int | None,
        place: PlaceRef,
        *,
        reason: str = "",
        by: str = "",
    ) -> bool:
        """Archive and lock a thread; a channel cannot be archived, so it is locked instead
        (with the lock's notice; an archived thread gets none, since a message would reopen it).

        Returns whether it was archived (True) or locked (False).
        """
        reason = check_reason(reason)
        why = platform_reason(by, reason)
        if await port.is_thread(place):
            await port.archive_thread(place, lock=True, reason=why)
            await self._record(
                actor_key,
                "mod.archive",
                network_id,
                place.key,
                "thread archived and locked",
                reason,
            )
            return True
        keep = await self._keep_posting(network_id)
        await port.lock_channel(place, locked=True, keep_posting=keep, reason=why)
        await self._locked(
            actor_key,
            network_id,
            place,
            True,
            reason,
            None,
            detail="not a thread: locked instead",
        )
        return False

    async def pin(
        self,
        port: OutboundPort,
        actor_key: str,
        network_id: int | None,
        message: MessageRef,
        *,
        pinned: bool,
        reason: str = "",
        by: str = "",
    ) -> None:
        if not await port.is_own_message(message):
            raise UserError(
                "peerbot pins and unpins only its own notices. Pin other messages with "
                "Discord's own menu (Pin Message) if your server allows it."
            )
        reason = check_reason(reason)
        await port.pin_message(message, pinned=pinned, reason=platform_reason(by, reason))
        target = f"{message.place.key}/{message.id}"
        await self._record(
            actor_key, "mod.pin" if pinned else "mod.unpin", network_id, target, reason=reason
        )

    async def place_network(self, place_key: str) -> int | None:
        async with self.db.reading() as tx:
            return await network_queries.network_of_place(tx, place_key)

    async def owner_of(self, port: OutboundPort, place: PlaceRef) -> int | None:
        """The network whose place this is: one of its own places, or a thread or channel
        inside one (a thread under its general channel, a channel in its category)."""
        owner = await self.place_network(place.key)
        if owner is not None:
            return owner
        for parent in await port.parents_of(place):
            owner = await self.place_network(parent.key)
            if owner is not None:
                return owner
        return None

    # ---- timers: locks and slowmodes that end by themselves --------------------------------

    async def running_timers(self) -> list[timers.Timer]:
        async with self.db.reading() as tx:
            return await timers.running(tx)

    async def end_timer(self, ports: Mapping[str, OutboundPort], timer_id: int) -> None:
        """Undo a timed lock or slowmode, once: on the platform first (doing it twice is
        harmless there), then the timer ends with its audit entry, modlog line and notice in
        one transaction that only the first run can make. A platform not connected, or a
        passing error, raises: the timer stays running and is planned again (when the
        platform connects, and every few minutes). A channel that is gone ends the timer."""
        async with self._ending:
            async with self.db.reading() as tx:
                timer = await timers.by_id(tx, timer_id)
            if timer is None or timer.ended_at is not None:
                return
            place = place_from_key(timer.place_key)
            port = ports.get(place.platform)
            if port is None:
                raise RuntimeError(f"not connected to {place.platform} yet")
            lock = timer.kind == "lock"
            why = f"peerbot: the timed {'lock' if lock else 'slowmode'} ended"
            outcome = "expired"
            try:
                if lock:
                    keep = await self._keep_posting(timer.network_id)
                    await port.lock_channel(place, locked=False, keep_posting=keep, reason=why)
                else:
                    await port.set_slowmode(place, 0, reason=why)
            except DeliveryError as error:
                if error.retryable:
                    raise
                log.warning("timer %s: %s; it is ended without undoing", timer_id, error)
                outcome = "failed"
            async with self.db.transaction() as tx:
                if await timers.finish(tx, timer_id, outcome, self.clock.now()) != 1:
                    return
                if outcome == "failed":
                    detail = f"the timed {timer.kind} could not be undone: the channel is gone"
                elif lock:
                    detail = "the timed lock ended"
                else:
                    detail = "off: the timed slowmode ended"
                entry = await self._log(
                    tx,
                    actor_key=PEERBOT,
                    action="mod.unlock" if lock else "mod.slowmode",
                    network_id=timer.network_id,
                    target=timer.place_key,
                    detail=detail,
                )
                if outcome == "expired":
                    text = (
                        "The lock on this channel has ended: members can post again."
                        if lock
                        else "Slowmode in this channel has ended: members can post freely again."
                    )
                    await self._notice(tx, entry, place, text)
            self.outbox.notify()

    # ---- the modlog channel -----------------------------------------------------------------

    async def modlog(self, network_id: int) -> str | None:
        async with self.db.reading() as tx:
            return await timers.modlog_of(tx, network_id)

    async def set_modlog(self, actor_key: str, network_id: int, place: PlaceRef | None) -> None:
        """Choose (or, with None, stop) the network's modlog channel. The change is itself
        recorded: a new channel's first line says who chose it, and the last line of one
        that is stopped says who stopped it (so its readers know why it went quiet)."""
        async with self.db.transaction() as tx:
            if await network_queries.names(tx, network_id) is None:
                raise UserError("That network no longer exists. Nothing was changed.")
            if place is not None:
                await timers.set_modlog(tx, network_id, place.key)
            await self._log(
                tx,
                actor_key=actor_key,
                action="mod.modlog",
                network_id=network_id,
                target=place.key if place else "",
                detail="on" if place else "off",
            )
            if place is None:
                await timers.set_modlog(tx, network_id, None)
        self.outbox.notify()

    # ---- guidelines -------------------------------------------------------------------------

    async def guidelines(self, network_id: int) -> str:
        async with self.db.reading() as tx:
            return await repo.guidelines(tx, network_id)

    async def set_guidelines(self, actor_key: str, network_id: int, text: str) -> None:
        text = text.strip()
        if len(text) > GUIDELINES_MAX:
            raise UserError(
                f"Guidelines can be at most {GUIDELINES_MAX} characters; yours have "
                f"{len(text)}. Shorten them and try again. Nothing was changed."
            )
        async with self.db.transaction() as tx:
            if await repo.set_guidelines(tx, network_id, text) != 1:
                raise UserError("That network no longer exists. Nothing was changed.")
            await self._log(
                tx,
                actor_key=actor_key,
                action="mod.guidelines",
                network_id=network_id,
                target=f"network:{network_id}",
                detail=f"{len(text)} characters" if text else "cleared",
            )
        self.outbox.notify()

    # ---- reports ----------------------------------------------------------------------------

    async def report(
        self,
        reporter_key: str,
        network_id: int,
        concern: str,
        message_link: str | None,
        message: MessageRef | None = None,
    ) -> tuple[int, int]:
        """Store a report and queue a private message to each coordinator, in one transaction.
        ``message`` is the reported message (where it is, never its text); with one, the
        concern may be empty. Returns the report id and how many coordinators are being told.
        """
        concern = concern.strip()
        if not concern and message is None:
            raise UserError("Say what the concern is in the option 'concern'. Nothing was sent.")
        if len(concern) > CONCERN_MAX:
            raise UserError(f"A concern can be at most {CONCERN_MAX} characters. Nothing was sent.")
        async with self.db.transaction() as tx:
            names = await network_queries.names(tx, network_id)
            if names is None:
                raise UserError("That network no longer exists. Nothing was sent.")
            name, slug = names
            report_id = await repo.insert_report(
                tx,
                network_id=network_id,
                reporter_key=reporter_key,
                concern=concern,
                message_link=message_link,
                now=self.clock.now(),
            )
            if message is not None:
                await report_repo.set_message(tx, report_id, message)
            coordinators = await network_queries.coordinators(tx, network_id)
            lines = [
                f"New report (number {report_id}) in {name}: a member has privately reported "
                "a concern to the coordinators.",
                "",
                f"Concern: {concern or '(none given: open the message to see it)'}",
            ]
            if message_link:
                lines.append(f"About this message: {message_link}")
            lines += [
                "",
                f"See open reports with /mod reports network:{slug}, and close this one with "
                f"/mod close report:{report_id} note:... network:{slug} once it is dealt with.",
            ]
            notice = Reply(
                text="\n".join(lines),
                buttons=notice_buttons(report_id, with_message=message is not None),
                private=True,
            )
            group = await self.outbox.fan_out(
                tx,
                key=f"report:{report_id}:coordinators",
                sender_key=reporter_key,
                about=f"your report (number {report_id})",
                advice="The report is kept, and the other coordinators can see it with "
                "/mod reports. You could also tell a coordinator another way. If you need "
                "support now, type /support.",
            )
            for coordinator_key in coordinators:
                await self.outbox.enqueue(
                    tx,
                    key=f"report:{report_id}:{coordinator_key}",
                    target=user_from_key(coordinator_key),
                    message=notice,
                    fanout=group,
                )
            # The reporter is not named: only the coordinators handling the report need that.
            await self._log(
                tx,
                actor_key="a-member",
                action="mod.report",
                network_id=network_id,
                target=f"report:{report_id}",
                detail="with a message link" if message_link else "",
            )
        self.outbox.notify()
        return report_id, len(coordinators)

    async def reports(self, network_id: int, *, closed: bool) -> list[Report]:
        async with self.db.reading() as tx:
            return await repo.reports_of_network(tx, network_id, "closed" if closed else "open")

    async def close(self, actor_key: str, network_id: int, report_id: int, note: str) -> Report:
        """Close an open report with a note, and tell the reporter privately (not the note)."""
        note = note.strip()
        if len(note) > NOTE_MAX:
            raise UserError(f"A closing note can be at most {NOTE_MAX} characters.")
        async with self.db.transaction() as tx:
            report = await repo.report_by_id(tx, report_id)
            if report is None or report.network_id != network_id:
                raise UserError(
                    f"There is no report number {report_id} in this network. Type /mod reports "
                    "to see the open ones. Nothing was changed."
                )
            if report.status != "open":
                raise UserError(f"Report number {report_id} is already closed.")
            now = self.clock.now()
            await repo.close_report(tx, report_id, closed_by=actor_key, note=note, now=now)
            names = await network_queries.names(tx, network_id)
            name = names[0] if names else "your network"
            zone = ZoneInfo(await network_queries.timezone(tx, network_id) or "UTC")
            made_on = report.created_at.astimezone(zone)
            await self.outbox.enqueue(
                tx,
                key=f"report:{report_id}:closed",
                target=user_from_key(report.reporter_key),
                message=Reply.private_text(
                    f"The coordinators of {name} have looked at your report (number "
                    f"{report_id}, made on {made_on.day} {made_on:%B %Y}) and closed it. Thank "
                    "you for raising it. If the concern continues, you can report again with "
                    "/report concern, and if you need support now, type /support."
                ),
            )
            await self._log(
                tx,
                actor_key=actor_key,
                action="mod.close",
                network_id=network_id,
                target=f"report:{report_id}",
            )
            closed = await repo.report_by_id(tx, report_id)
        self.outbox.notify()
        assert closed is not None
        return closed

    # ---- audit ------------------------------------------------------------------------------

    async def audit_entries(
        self,
        *,
        network_ids: list[int] | None,
        action: str | None,
        actor_key: str | None,
        days: int,
    ) -> list[AuditEntry]:
        return await self.audit.entries(
            network_ids=network_ids,
            action=action,
            actor_key=actor_key,
            since=self.clock.now() - timedelta(days=days),
            limit=AUDIT_LINES_MAX,
        )

    # ---- privacy ----------------------------------------------------------------------------

    async def export_reports(self, tx: Transaction, user_key: str) -> list[dict[str, object]]:
        return [
            {
                "id": r.id,
                "network_id": r.network_id,
                "concern": r.concern,
                "message_link": r.message_link,
                "status": r.status,
                "created_at": r.created_at.isoformat(),
                "closed_at": r.closed_at.isoformat() if r.closed_at else None,
            }
            for r in await repo.reports_by(tx, user_key)
        ]


def _with_reason(text: str, reason: str) -> str:
    return f"{text}\nReason: {reason}" if reason else text
