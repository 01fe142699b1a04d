"""The rules for moderation: act on the platform, then record it in the audit log; reports go
privately to the network's coordinators through the outbox, in the same transaction."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.audit import AuditEntry, AuditLog
from bot.clock import Clock
from bot.errors import UserError
from bot.identity import MessageRef, PlaceRef, user_from_key
from bot.outbox import Outbox
from bot.ports import OutboundPort
from bot.replies import Reply
from bot.storage import Database, Transaction
from cogs.moderation import report_repo
from cogs.moderation import repository as repo
from cogs.moderation.models import (
    AUDIT_LINES_MAX,
    CONCERN_MAX,
    GUIDELINES_MAX,
    NOTE_MAX,
    Report,
    check_slowmode,
    describe_seconds,
)
from cogs.moderation.report_buttons import notice_buttons
from cogs.networks import queries as network_queries


class ModerationService:
    def __init__(self, db: Database, clock: Clock, audit: AuditLog, outbox: Outbox) -> None:
        self.db = db
        self.clock = clock
        self.audit = audit
        self.outbox = outbox

    # ---- channels and messages ------------------------------------------------------------

    async def _record(
        self, actor_key: str, action: str, network_id: int | None, target: str, detail: str = ""
    ) -> None:
        async with self.db.transaction() as tx:
            await self.audit.record(
                tx,
                actor_key=actor_key,
                action=action,
                network_id=network_id,
                target=target,
                detail=detail,
            )

    async def lock(
        self,
        port: OutboundPort,
        actor_key: str,
        network_id: int | None,
        place: PlaceRef,
        *,
        locked: bool,
    ) -> None:
        keep = await self._keep_posting(network_id)
        await port.lock_channel(place, locked=locked, keep_posting=keep)
        await self._record(actor_key, "mod.lock" if locked else "mod.unlock", network_id, place.key)

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
    ) -> None:
        seconds = check_slowmode(seconds)
        await port.set_slowmode(place, seconds)
        await self._record(
            actor_key, "mod.slowmode", network_id, place.key, describe_seconds(seconds)
        )

    async def archive(
        self,
        port: OutboundPort,
        actor_key: str,
        network_id: int | None,
        place: PlaceRef,
    ) -> bool:
        """Archive and lock a thread; a channel cannot be archived, so it is locked instead.

        Returns whether it was archived (True) or locked (False).
        """
        is_thread = await port.is_thread(place)
        if is_thread:
            await port.archive_thread(place, lock=True)
        else:
            keep = await self._keep_posting(network_id)
            await port.lock_channel(place, locked=True, keep_posting=keep)
        action = "mod.archive" if is_thread else "mod.lock"
        detail = "thread archived and locked" if is_thread else "not a thread: locked instead"
        await self._record(actor_key, action, network_id, place.key, detail)
        return is_thread

    async def pin(
        self,
        port: OutboundPort,
        actor_key: str,
        network_id: int | None,
        message: MessageRef,
        *,
        pinned: bool,
    ) -> None:
        if not await port.is_own_message(message):
            raise UserError(
                "peerbot pins and unpins only its own notices. Pin other messages with "
                "Discord's own menu (Pin Message) if your server allows it."
            )
        await port.pin_message(message, pinned=pinned)
        target = f"{message.place.key}/{message.id}"
        await self._record(actor_key, "mod.pin" if pinned else "mod.unpin", network_id, target)

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
            await self.audit.record(
                tx,
                actor_key=actor_key,
                action="mod.guidelines",
                network_id=network_id,
                target=f"network:{network_id}",
                detail=f"{len(text)} characters" if text else "cleared",
            )

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
            await self.audit.record(
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
                    "/mod report, and if you need support now, type /support."
                ),
            )
            await self.audit.record(
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
