"""Reports from a message's menu, and what coordinators do with a report: take it, reply to
the reporter anonymously (who can answer the same way), and remove the reported message.

Mixed into the moderation cog, so these are /mod commands and its buttons; each button and
form carries only the report's number, and every handler checks the person's role in the
report's network itself (a button carries no network option).
"""

from __future__ import annotations

from typing import Annotated, Any

from bot.commands import (
    NETWORK_SLUG_MAX,
    ActionEvent,
    Context,
    MessageTarget,
    Option,
    Role,
    action,
    command,
    message_command,
)
from bot.errors import PermissionDenied, UserError
from bot.fanouts import UNREACHED_PROMISE
from bot.identity import MessageRef, PlaceRef
from bot.kernel import Kernel
from bot.mentions import place as place_mark
from bot.ports import OutboundPort
from bot.privacy import DataStatement
from bot.replies import ActionRef, Form, FormField, Reply
from bot.storage import Transaction
from cogs.moderation import report_repo
from cogs.moderation.models import CONCERN_MAX, message_link
from cogs.moderation.report_buttons import (
    ANSWER_ACTION,
    ANSWER_SEND_ACTION,
    CLAIM_ACTION,
    FILE_ACTION,
    REMOVE_ACTION,
    REPLY_ACTION,
    REPLY_SEND_ACTION,
)
from cogs.moderation.report_repo import ReportState
from cogs.moderation.reports import REPLY_MAX, ReportDesk, coordinators_name
from cogs.moderation.service import ModerationService
from cogs.networks.queries import NetworkReader

REPORT_LABEL = "Report to coordinators"
ReportNumber = Annotated[int, Option("The report's number", min=1)]
ReplyText = Annotated[str, Option("What to write (at most 1000 characters)", max_length=REPLY_MAX)]
NetworkOption = Annotated[
    str | None,
    Option(
        "The network's short name, like south-coast",
        autocomplete="complete_network",
        max_length=NETWORK_SLUG_MAX,
    ),
]


def _number(payload: str) -> int:
    if not payload.isdigit():
        raise UserError("That button is out of date. Type /mod reports to see the reports.")
    return int(payload)


class ReportCommands:
    kernel: Kernel
    service: ModerationService
    networks: NetworkReader
    desk: ReportDesk

    def _init_reports(self, kernel: Kernel) -> None:
        self.desk = ReportDesk(kernel.db, kernel.clock, kernel.audit, kernel.outbox)
        kernel.privacy.register(
            "report-threads",
            DataStatement(
                area="Report replies",
                what="the replies between you and a network's coordinators about your "
                "reports (neither side named), and, as a coordinator, what you wrote, the "
                "reports you took and the reported messages you removed; never the text of "
                "a reported message",
                why="so a report can be followed up privately, and each network can see who "
                "handled what",
                kept_for="until the person who made the report deletes their data; a "
                "coordinator's replies then stay with the report, no longer naming them",
            ),
            self._export_threads,
            self._delete_threads,
            self._move_threads,
        )

    async def _export_threads(self, tx: Transaction, user_key: str) -> Any:
        return await self.desk.export_for(tx, user_key)

    async def _delete_threads(self, tx: Transaction, user_key: str) -> int:
        return await report_repo.delete_person(tx, user_key)

    async def _move_threads(self, tx: Transaction, old_key: str, new_key: str) -> int:
        return await report_repo.move_person(tx, old_key, new_key)

    # ---- helpers --------------------------------------------------------------------------

    def _report_port(self, ctx: Context) -> OutboundPort:
        port = self.kernel.ports.get(ctx.platform)
        if port is None:
            raise UserError(f"peerbot cannot reach {ctx.platform} right now. Nothing was changed.")
        return port

    async def _staff(
        self, ctx: Context, report: ReportState, needed: Role, network_id: int | None
    ) -> None:
        """The person must hold ``needed`` in the network (an admin anywhere)."""
        role = await self.kernel.registry.directory.role_of(ctx.user.key, network_id)
        if network_id is None:
            if role >= Role.ADMIN:
                return
            raise PermissionDenied(
                f"The message of report number {report.id} is in a channel of the whole "
                "server, not a network's, so only an admin can do that. Nothing was changed."
            )
        if role < needed:
            name, _ = await self.networks.names(network_id)
            article = "an" if needed.label[0] in "aeiou" else "a"
            raise PermissionDenied(
                f"You need to be {article} {needed.label} in {name} to do that. "
                "Nothing was changed."
            )

    async def _report_network(self, ctx: Context, place: PlaceRef) -> int:
        """Whose coordinators hear about a message: the network whose channel holds it, else
        the reporter's one network."""
        owner = await self.service.owner_of(self._report_port(ctx), place)
        if owner is not None:
            return owner
        mine = await self.networks.member_networks(ctx.user.key)
        if len(mine) == 1:
            return mine[0]
        raise UserError(
            "That message is in a channel of the whole server, not a network's, so peerbot "
            "cannot tell which coordinators to tell. Use /report concern with network:SHORT-NAME "
            "and the message link (Copy Message Link) instead. Nothing was sent."
        )

    # ---- reporting a message --------------------------------------------------------------

    @message_command(REPORT_LABEL, role=Role.MEMBER)
    async def report_message(self, ctx: Context, target: MessageTarget) -> Reply:
        network_id = await self._report_network(ctx, target.message.place)
        name, _ = await self.networks.names(network_id)
        return Reply(
            text=f"Tell the coordinators of {name} what is wrong with that message.",
            form=Form(
                title=REPORT_LABEL,
                action=ActionRef(
                    action=FILE_ACTION,
                    payload=f"{target.message.place.id}/{target.message.id}",
                ),
                fields=[
                    FormField(
                        name="concern",
                        label="What is wrong? (you may leave this empty)",
                        long=True,
                        required=False,
                        max_length=CONCERN_MAX,
                        placeholder="For example: it names a client",
                    )
                ],
            ),
            private=True,
        )

    @action(FILE_ACTION, role=Role.MEMBER)
    async def file_message_report(self, ctx: Context, event: ActionEvent) -> Reply:
        channel_id, _, message_id = event.payload.partition("/")
        if not channel_id or not message_id:
            raise UserError("That form is out of date. Use Report to coordinators again.")
        place = PlaceRef(platform=ctx.platform, id=channel_id)
        message = MessageRef(place=place, id=message_id)
        network_id = await self._report_network(ctx, place)
        link = message_link(
            ctx.platform, ctx.space.id if ctx.space else None, channel_id, message_id
        )
        report_id, _ = await self.service.report(
            ctx.user.key, network_id, event.fields.get("concern", ""), link, message=message
        )
        name, _ = await self.networks.names(network_id)
        return Reply.private_text(
            f"Thank you. Your report (number {report_id}) about that message in "
            f"{place_mark(place.key)} went privately to the coordinators of {name}, with a "
            "link to the message (not its text); it is never posted in a channel. They will "
            f"look into it, and peerbot will message you privately. {UNREACHED_PROMISE} "
            "peerbot is not a crisis service: if you need support now, type /support "
            "(in an emergency, call 000)."
        )

    # ---- claiming -------------------------------------------------------------------------

    async def _claim(self, ctx: Context, report_id: int) -> Reply:
        report = await self.desk.state(report_id)
        await self._staff(ctx, report, Role.COORDINATOR, report.network_id)
        return Reply.private_text(await self.desk.claim(ctx.user.key, report_id))

    @action(CLAIM_ACTION, role=Role.EXECUTIVE)
    async def claim_pressed(self, ctx: Context, event: ActionEvent) -> Reply:
        return await self._claim(ctx, _number(event.payload))

    @command("mod claim", "Take a report, so the other coordinators know", role=Role.COORDINATOR)
    async def claim(
        self, ctx: Context, report: ReportNumber, network: NetworkOption = None
    ) -> Reply:
        return await self._claim(ctx, report)

    # ---- removing the message -------------------------------------------------------------

    async def _remove(self, ctx: Context, report_id: int) -> Reply:
        report = await self.desk.state(report_id)
        if report.message is None:
            raise UserError(
                f"Report number {report_id} is not about a message, so there is nothing to remove."
            )
        port = self._report_port(ctx)
        owner = await self.service.owner_of(port, report.message.place)
        await self._staff(ctx, report, Role.EXECUTIVE, owner)
        return Reply.private_text(await self.desk.remove_message(port, ctx.user.key, report))

    @action(REMOVE_ACTION, role=Role.EXECUTIVE)
    async def remove_pressed(self, ctx: Context, event: ActionEvent) -> Reply:
        return await self._remove(ctx, _number(event.payload))

    @command("mod remove", "Remove the message a report is about", role=Role.EXECUTIVE)
    async def remove(
        self, ctx: Context, report: ReportNumber, network: NetworkOption = None
    ) -> Reply:
        return await self._remove(ctx, report)

    # ---- anonymous replies ----------------------------------------------------------------

    async def _reply(self, ctx: Context, report_id: int, text: str) -> Reply:
        report = await self.desk.state(report_id)
        await self._staff(ctx, report, Role.COORDINATOR, report.network_id)
        return Reply.private_text(await self.desk.reply_to_reporter(ctx.user.key, report_id, text))

    @action(REPLY_ACTION, role=Role.EXECUTIVE)
    async def reply_pressed(self, ctx: Context, event: ActionEvent) -> Reply:
        report_id = _number(event.payload)
        report = await self.desk.state(report_id)
        await self._staff(ctx, report, Role.COORDINATOR, report.network_id)
        name, _ = await self.networks.names(report.network_id)
        return Reply(
            text="Write your reply in the form.",
            form=Form(
                title=f"Reply about report {report_id}",
                action=ActionRef(action=REPLY_SEND_ACTION, payload=str(report_id)),
                fields=[
                    FormField(
                        name="text",
                        label=f"Sent as {coordinators_name(name)}"[:45],
                        long=True,
                        max_length=REPLY_MAX,
                    )
                ],
            ),
            private=True,
        )

    @action(REPLY_SEND_ACTION, role=Role.EXECUTIVE)
    async def reply_sent(self, ctx: Context, event: ActionEvent) -> Reply:
        return await self._reply(ctx, _number(event.payload), event.fields.get("text", ""))

    @command("mod reply", "Reply to a report's author, as the coordinators", role=Role.COORDINATOR)
    async def reply(
        self, ctx: Context, report: ReportNumber, text: ReplyText, network: NetworkOption = None
    ) -> Reply:
        return await self._reply(ctx, report, text)

    @action(ANSWER_ACTION)
    async def answer_pressed(self, ctx: Context, event: ActionEvent) -> Reply:
        report_id = _number(event.payload)
        return Reply(
            text="Write your answer in the form.",
            form=Form(
                title=f"Answer about report {report_id}",
                action=ActionRef(action=ANSWER_SEND_ACTION, payload=str(report_id)),
                fields=[
                    FormField(
                        name="text",
                        label="Your answer (sent without your name)",
                        long=True,
                        max_length=REPLY_MAX,
                    )
                ],
            ),
            private=True,
        )

    @action(ANSWER_SEND_ACTION)
    async def answer_sent(self, ctx: Context, event: ActionEvent) -> Reply:
        report_id = _number(event.payload)
        text = event.fields.get("text", "")
        return Reply.private_text(
            await self.desk.answer_coordinators(ctx.user.key, report_id, text)
        )

    @command(
        "report answer",
        "Answer the coordinators about your report",
        role=Role.EVERYONE,
        aliases=("mod answer",),
    )
    async def answer(self, ctx: Context, report: ReportNumber, text: ReplyText) -> Reply:
        return Reply.private_text(await self.desk.answer_coordinators(ctx.user.key, report, text))
