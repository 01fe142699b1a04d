"""What coordinators do with a report: take it, remove the message it is about, and write to
the reporter, who can answer; neither side is named to the other.

Every message goes through the outbox under a unique key, in the transaction that records
the change, so a restart neither loses nor repeats one. No text from the reported message is
ever stored: a report holds where the message is, and the coordinators open the link.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.audit import AuditLog
from bot.clock import Clock
from bot.errors import UserError
from bot.identity import user_from_key
from bot.mentions import moment, person
from bot.outbox import Outbox
from bot.ports import OutboundPort
from bot.replies import Reply
from bot.storage import Database, Transaction
from cogs.moderation import report_repo
from cogs.moderation.report_buttons import answer_button, reply_button
from cogs.moderation.report_repo import ReportState
from cogs.networks import queries as network_queries

REPLY_MAX = 1000  # a reply or an answer; longer belongs in a conversation elsewhere


def coordinators_name(network_name: str, *, start: bool = False) -> str:
    """How the coordinators sign to a reporter: "the South Coast coordinators" (never a
    coordinator's name); ``start`` for the start of a sentence."""
    return f"{'The' if start else 'the'} {network_name} coordinators"


def check_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise UserError("Write what you want to say in the form. Nothing was sent.")
    if len(text) > REPLY_MAX:
        raise UserError(
            f"A reply can be at most {REPLY_MAX} characters; yours has {len(text)}. Shorten it "
            "and try again. Nothing was sent."
        )
    return text


class ReportDesk:
    def __init__(self, db: Database, clock: Clock, audit: AuditLog, outbox: Outbox) -> None:
        self.db = db
        self.clock = clock
        self.audit = audit
        self.outbox = outbox

    async def state(self, report_id: int) -> ReportState:
        async with self.db.reading() as tx:
            found = await report_repo.state(tx, report_id)
        if found is None:
            raise UserError(
                f"There is no report number {report_id} (it may have been deleted by the "
                "person who made it). Nothing was changed."
            )
        return found

    async def _zone(self, tx: Transaction, network_id: int) -> ZoneInfo:
        return ZoneInfo(await network_queries.timezone(tx, network_id) or "UTC")

    async def _name(self, tx: Transaction, network_id: int) -> str:
        names = await network_queries.names(tx, network_id)
        return names[0] if names else "your network"

    # ---- claiming ---------------------------------------------------------------------------

    async def claim(self, actor_key: str, report_id: int) -> str:
        """Take a report; the other coordinators are told who took it. A second claim, even
        at the same instant, is refused: the update only applies while nobody holds it."""
        now = self.clock.now()
        async with self.db.transaction() as tx:
            report = await report_repo.state(tx, report_id)
            if report is None:
                raise UserError(f"There is no report number {report_id}. Nothing was changed.")
            zone = await self._zone(tx, report.network_id)
            if not await report_repo.claim(tx, report_id, actor_key, now):
                if report.status != "open":
                    raise UserError(f"Report number {report_id} is already closed.")
                if report.claimed_by == actor_key:
                    raise UserError(f"You already took report number {report_id}.")
                when = report.claimed_at.astimezone(zone) if report.claimed_at else now
                raise UserError(
                    f"Report number {report_id} was already taken by "
                    f"{person(report.claimed_by or '')} ({moment(when)}). Nothing was changed; "
                    "you can still reply to the reporter or help them."
                )
            name = await self._name(tx, report.network_id)
            for coordinator_key in await network_queries.coordinators(tx, report.network_id):
                if coordinator_key == actor_key:
                    continue
                await self.outbox.enqueue(
                    tx,
                    key=f"report:{report_id}:claimed:{coordinator_key}",
                    target=user_from_key(coordinator_key),
                    message=Reply.private_text(
                        f"Report number {report_id} in {name} was taken by {person(actor_key)}, "
                        "who will follow it up."
                    ),
                )
            await self.audit.record(
                tx,
                actor_key=actor_key,
                action="mod.claim",
                network_id=report.network_id,
                target=f"report:{report_id}",
            )
        self.outbox.notify()
        return f"You took report number {report_id}. The other coordinators have been told."

    # ---- removing the message ---------------------------------------------------------------

    async def remove_message(self, port: OutboundPort, actor_key: str, report: ReportState) -> str:
        """Delete the reported message, audit it (who, when, which report: no text) and tell
        the reporter privately. A message already deleted is fine, and said so."""
        message = report.message
        if message is None:
            raise UserError(
                f"Report number {report.id} is not about a message, so there is nothing to remove."
            )
        if report.removed_at is not None:
            return self._already_removed(report)
        deleted = await port.delete_message(
            message, reason=f"peerbot: removed for report number {report.id}"
        )
        now = self.clock.now()
        async with self.db.transaction() as tx:
            if not await report_repo.mark_removed(tx, report.id, actor_key, now):
                fresh = await report_repo.state(tx, report.id)
                return self._already_removed(fresh or report)
            name = await self._name(tx, report.network_id)
            await self.audit.record(
                tx,
                actor_key=actor_key,
                action="mod.remove",
                network_id=report.network_id,
                target=f"{message.place.key}/{message.id}",
                detail=f"report number {report.id}"
                + ("" if deleted else "; it was already deleted"),
            )
            await self.outbox.enqueue(
                tx,
                key=f"report:{report.id}:removed",
                target=user_from_key(report.reporter_key),
                message=Reply.private_text(
                    f"{coordinators_name(name, start=True)} removed the message you reported "
                    f"(report number {report.id}). Thank you for raising it."
                    if deleted
                    else f"The message you reported (report number {report.id}) is no longer "
                    f"on the server. Thank you for raising it with {coordinators_name(name)}."
                ),
            )
        self.outbox.notify()
        if deleted:
            return (
                f"Removed the message of report number {report.id}. This is in the audit log, "
                "and the reporter has been told privately (without your name)."
            )
        return (
            f"The message of report number {report.id} was already deleted, so there was "
            "nothing to remove. This is in the audit log, and the reporter has been told "
            "privately that it is gone."
        )

    @staticmethod
    def _already_removed(report: ReportState) -> str:
        who = person(report.removed_by) if report.removed_by else "a coordinator"
        return f"The message of report number {report.id} was already removed by {who}."

    # ---- anonymous replies, both ways -------------------------------------------------------

    async def reply_to_reporter(self, actor_key: str, report_id: int, text: str) -> str:
        """The coordinators write to the reporter, signed as the network's coordinators."""
        text = check_text(text)
        now = self.clock.now()
        async with self.db.transaction() as tx:
            report = await report_repo.state(tx, report_id)
            if report is None:
                raise UserError(f"There is no report number {report_id}. Nothing was sent.")
            name = await self._name(tx, report.network_id)
            reply_id = await report_repo.add_reply(
                tx, report_id, "to_reporter", actor_key, text, now
            )
            await self.outbox.enqueue(
                tx,
                key=f"report:{report_id}:reply:{reply_id}",
                target=user_from_key(report.reporter_key),
                message=Reply(
                    text=(
                        f"{coordinators_name(name, start=True)} replied about your report "
                        f"(number {report_id}):\n\n{text}\n\nYou can answer them with the "
                        "button below. Your answer reaches them as your report did, without "
                        "your name. If you need support now, type /support."
                    ),
                    buttons=[answer_button(report_id)],
                    private=True,
                ),
            )
            await self.audit.record(
                tx,
                actor_key=actor_key,
                action="mod.reply",
                network_id=report.network_id,
                target=f"report:{report_id}",
            )
        self.outbox.notify()
        return (
            f"Sent your reply to the person who made report number {report_id}. It reached "
            f"them from {coordinators_name(name)}, without your name."
        )

    async def answer_coordinators(self, reporter_key: str, report_id: int, text: str) -> str:
        """The reporter answers; it reaches every coordinator as the report did (unnamed)."""
        text = check_text(text)
        now = self.clock.now()
        async with self.db.transaction() as tx:
            report = await report_repo.state(tx, report_id)
            if report is None or report.reporter_key != reporter_key:
                raise UserError(
                    f"You did not make report number {report_id}, so you cannot answer about "
                    "it. Nothing was sent."
                )
            name = await self._name(tx, report.network_id)
            reply_id = await report_repo.add_reply(
                tx, report_id, "to_coordinators", reporter_key, text, now
            )
            taken = f" (taken by {person(report.claimed_by)})" if report.claimed_by else ""
            notice = Reply(
                text=(
                    f"The person who made report number {report_id} in {name}{taken} "
                    f"answered:\n\n{text}"
                ),
                buttons=[reply_button(report_id)],
                private=True,
            )
            group = await self.outbox.fan_out(
                tx,
                key=f"report:{report_id}:answer:{reply_id}",
                sender_key=reporter_key,
                about=f"your answer about report number {report_id}",
                advice="Your answer is kept with the report, so the coordinators can still "
                "see it. If you need support now, type /support.",
            )
            for coordinator_key in await network_queries.coordinators(tx, report.network_id):
                await self.outbox.enqueue(
                    tx,
                    key=f"report:{report_id}:answer:{reply_id}:{coordinator_key}",
                    target=user_from_key(coordinator_key),
                    message=notice,
                    fanout=group,
                )
            await self.audit.record(
                tx,
                actor_key="a-member",
                action="mod.answer",
                network_id=report.network_id,
                target=f"report:{report_id}",
            )
        self.outbox.notify()
        return (
            f"Sent your answer to {coordinators_name(name)} about report number {report_id}, "
            "without your name."
        )

    # ---- privacy ----------------------------------------------------------------------------

    async def export_for(self, tx: Transaction, user_key: str) -> dict[str, object]:
        """A reporter sees their threads without the coordinators' names (they were never
        told them); a coordinator sees what they wrote and the reports they handled."""
        on_mine = await report_repo.replies_on_reports_by(tx, user_key)
        written = await report_repo.replies_written_by(tx, user_key)
        took, removed = await report_repo.handled_by(tx, user_key)
        return {
            "replies_about_your_reports": [
                {
                    "report": r.report_id,
                    "from": "the coordinators" if r.direction == "to_reporter" else "you",
                    "text": r.body,
                    "at": r.created_at.isoformat(),
                }
                for r in on_mine
            ],
            "replies_you_wrote_as_coordinator": [
                {"report": r.report_id, "text": r.body, "at": r.created_at.isoformat()}
                for r in written
                if r.report_id not in {m.report_id for m in on_mine}
            ],
            "reports_you_took": took,
            "reported_messages_you_removed": removed,
        }
