"""/mod commands: lock, unlock, slowmode, archive, pin, unpin, modlog, guidelines, report,
reports, close and audit. Every reply is private; every action is written to the audit log
(with the reason given), and to the network's modlog channel if it has one."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
from typing import Annotated, Any, ClassVar
from zoneinfo import ZoneInfo

from bot.cog import Cog
from bot.commands import (
    NETWORK_SLUG_MAX,
    ActionEvent,
    Channel,
    Context,
    Member,
    Option,
    Role,
    action,
    command,
)
from bot.errors import PermissionDenied, UserError
from bot.fanouts import UNREACHED_PROMISE
from bot.identity import PlaceRef
from bot.kernel import Kernel
from bot.mentions import moment
from bot.mentions import place as place_mark
from bot.permissions import denial_message
from bot.ports import OutboundPort
from bot.privacy import DataStatement
from bot.replies import ActionRef, Form, FormField, Reply
from bot.storage import Transaction
from cogs.moderation import repository as repo
from cogs.moderation.lines import actor_name, audit_line
from cogs.moderation.models import (
    AUDIT_DAYS_MAX,
    CONCERN_MAX,
    GUIDELINES_MAX,
    NOTE_MAX,
    REASON_MAX,
    SLOWMODE_MAX,
    describe_duration,
    parse_duration,
    parse_message_link,
)
from cogs.moderation.report_commands import ReportCommands
from cogs.moderation.service import ModerationService
from cogs.moderation.timers import TimerJobs
from cogs.networks.queries import NetworkReader

GUIDELINES_ACTION = "mod-guidelines"
#: How often timers are planned again, for one whose undoing met a passing error.
REPLAN_EVERY = timedelta(minutes=5)

NetworkOption = Annotated[
    str | None,
    Option(
        "The network's short name, like south-coast",
        autocomplete="complete_network",
        max_length=NETWORK_SLUG_MAX,
    ),
]
ChannelOption = Annotated[Channel | None, Option("The channel or thread; leave empty for this one")]
LinkOption = Annotated[str, Option("The message link (Copy Message Link)", max_length=200)]
ReasonOption = Annotated[
    str | None,
    Option("Why (shown in the audit log, the modlog and the notice)", max_length=REASON_MAX),
]
DurationOption = Annotated[
    str | None,
    Option("Undo it by itself after this long: 30m, 2h, 3d (1 minute to 30 days)", max_length=20),
]


def _a(role: Role) -> str:
    """ "an executive", "a coordinator"."""
    return f"{'an' if role.label[0] in 'aeiou' else 'a'} {role.label}"


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _channel_id(value: str) -> str:
    """A channel as typed or picked: ``123``, ``<#123>`` or ``#general``."""
    value = value.strip()
    if value.startswith("<#") and value.endswith(">"):
        value = value[2:-1]
    return value.lstrip("#")


class ModerationCog(ReportCommands, Cog):
    name: ClassVar[str] = "moderation"
    title: ClassVar[str] = "Moderation"

    def __init__(self, kernel: Kernel) -> None:
        super().__init__(kernel)
        self.service = ModerationService(
            kernel.db,
            kernel.clock,
            kernel.audit,
            kernel.outbox,
            default_zone=kernel.settings.networks.default_timezone,
        )
        self.networks = NetworkReader(kernel.db)
        # Timed locks and slowmodes: planned from the database at start and after each change,
        # again once a platform is connected (a timer that ended while peerbot was down), and
        # every few minutes (one that met a passing error).
        self.timer_jobs = TimerJobs(
            self.service.running_timers,
            partial(self.service.end_timer, kernel.ports),
            kernel.ports,
        )
        kernel.scheduler.add_source(self.timer_jobs)
        self.service.timers_changed = self._replan_timers
        kernel.events.on_space_available(self._space_available)
        kernel.privacy.register(
            "moderation",
            DataStatement(
                area="Reports",
                what="the concerns you reported to a network's coordinators, with any message "
                "link you gave",
                why="so the coordinators can look into them and tell you when they are closed",
                kept_for="until you delete your data",
            ),
            self._export_reports,
            self._delete_reports,
            self._move_reports,
        )
        self._init_reports(kernel)
        kernel.privacy.register(
            "audit",
            DataStatement(
                area="Audit log",
                what="the admin, coordinator and moderation actions you took, with the reasons you "
                "gave for them (never anyone's messages)",
                why="so each network can see who changed what, and when",
                kept_for="as long as the network exists; on deletion the actions stay but no "
                "longer name you",
            ),
            kernel.audit.export_for,
            kernel.audit.forget,
            kernel.audit.move,
        )

    async def start(self) -> None:
        self.kernel.scheduler.add_periodic("moderation-timers", self._replan_timers, REPLAN_EVERY)

    async def _replan_timers(self) -> None:
        await self.kernel.scheduler.refresh(self.timer_jobs.name)

    async def _space_available(self, _space: PlaceRef) -> None:
        await self._replan_timers()

    async def _export_reports(self, tx: Transaction, user_key: str) -> Any:
        return {"reports": await self.service.export_reports(tx, user_key)}

    async def _delete_reports(self, tx: Transaction, user_key: str) -> int:
        return await repo.delete_person(tx, user_key)

    async def _move_reports(self, tx: Transaction, old_key: str, new_key: str) -> int:
        return await repo.move_person(tx, old_key, new_key)

    # ---- helpers --------------------------------------------------------------------------

    def _port(self, ctx: Context) -> OutboundPort:
        port = self.kernel.ports.get(ctx.platform)
        if port is None:
            raise UserError(
                f"peerbot cannot change channels on {ctx.platform} right now. Nothing was changed."
            )
        return port

    async def _place(self, ctx: Context, channel: str | None) -> tuple[PlaceRef, str]:
        """The channel named by the option, or the current place, once it is known to be
        the network's own; with a note to add to the reply (admins acting elsewhere)."""
        if channel:
            place = PlaceRef(platform=ctx.platform, id=_channel_id(channel))
        elif ctx.place is not None:
            place = ctx.place
        else:
            raise UserError("Say which channel with channel:..., or run this in the channel.")
        return place, await self._in_scope(ctx, place, "That channel")

    async def _in_scope(self, ctx: Context, place: PlaceRef, what: str) -> str:
        """Moderation acts only on the network's own places: its set-up or linked channels
        and category, and the threads and channels inside them. Executives and coordinators
        are refused anywhere else (the server's #general, another network's channels);
        admins may act anywhere, and the reply says so. Returns the reply's note."""
        owner = await self.service.owner_of(self._port(ctx), place)
        if ctx.role >= Role.ADMIN:
            if owner is None:
                return (
                    "\nThis channel is not one of a network's: you did this as an admin, "
                    "which only admins can."
                )
            if owner != ctx.network_id:
                owner_name, _ = await self.networks.names(owner)
                return (
                    f"\nThis channel is {_possessive(owner_name)}: you did this there as an admin, "
                    "which only admins can."
                )
            return ""
        if owner is not None and owner == ctx.network_id:
            return ""
        assert ctx.network_id is not None  # the registry insists on one below admin
        name, _ = await self.networks.names(ctx.network_id)
        own = [
            place_mark(key)
            for key, purpose in await self.networks.all_places(ctx.network_id)
            if purpose != "category"
        ]
        where = (
            f"{_possessive(name)} own channels, the threads in them and the channels in its "
            f"category: {', '.join(own)}"
            if own
            else f"{_possessive(name)} own channels, and it has none set up yet (a coordinator "
            "can run /network setup)"
        )
        if owner is None:
            whose = f"{what} is not one of them: it belongs to the whole server, not a network."
        else:
            other, _ = await self.networks.names(owner)
            whose = f"{what} belongs to {other}."
        raise PermissionDenied(
            f"As {_a(ctx.role)} of {name}, you can moderate only {where}. {whose} "
            "Only an admin can change channels outside a network. Nothing was changed."
        )

    @staticmethod
    def _where(place: PlaceRef) -> str:
        return place_mark(place.key, place.name)

    # ---- channels -------------------------------------------------------------------------

    async def _until(self, ctx: Context, until: datetime | None, duration: timedelta | None) -> str:
        if until is None or duration is None:
            return ""
        zone = await self._zone(ctx.network_id)
        at = moment(until.astimezone(zone))
        return f" It undoes itself in {describe_duration(duration)}, at {at}."

    @command("mod lock", "Stop members posting in a channel", role=Role.EXECUTIVE)
    async def lock(
        self,
        ctx: Context,
        channel: ChannelOption = None,
        reason: ReasonOption = None,
        duration: DurationOption = None,
        network: NetworkOption = None,
    ) -> Reply:
        length = parse_duration(duration)
        place, note = await self._place(ctx, channel)
        until = await self.service.lock(
            self._port(ctx),
            ctx.user.key,
            ctx.network_id,
            place,
            locked=True,
            reason=reason or "",
            duration=length,
            by=ctx.here.name,
        )
        return Reply.private_text(
            f"Locked {self._where(place)}: members can read it but not post, and a notice in the "
            "channel tells them so. Undo with /mod unlock."
            + await self._until(ctx, until, length)
            + note
        )

    @command("mod unlock", "Let members post in a channel again", role=Role.EXECUTIVE)
    async def unlock(
        self,
        ctx: Context,
        channel: ChannelOption = None,
        reason: ReasonOption = None,
        network: NetworkOption = None,
    ) -> Reply:
        place, note = await self._place(ctx, channel)
        await self.service.lock(
            self._port(ctx),
            ctx.user.key,
            ctx.network_id,
            place,
            locked=False,
            reason=reason or "",
            by=ctx.here.name,
        )
        return Reply.private_text(f"Unlocked {self._where(place)}: members can post again." + note)

    @command("mod slowmode", "Make members wait between messages", role=Role.EXECUTIVE)
    async def slowmode(
        self,
        ctx: Context,
        seconds: Annotated[
            int,
            Option(f"Seconds between messages, 0 (off) to {SLOWMODE_MAX}", min=0, max=SLOWMODE_MAX),
        ],
        channel: ChannelOption = None,
        reason: ReasonOption = None,
        duration: DurationOption = None,
        network: NetworkOption = None,
    ) -> Reply:
        length = parse_duration(duration)
        place, note = await self._place(ctx, channel)
        port = self._port(ctx)
        until = await self.service.slowmode(
            port,
            ctx.user.key,
            ctx.network_id,
            place,
            seconds,
            reason=reason or "",
            duration=length,
            by=ctx.here.name,
        )
        if seconds == 0:
            return Reply.private_text(f"Slowmode is off in {self._where(place)}." + note)
        return Reply.private_text(
            f"Slowmode is on in {self._where(place)}: members can post once every "
            f"{seconds} second{'s' if seconds != 1 else ''}."
            + await self._until(ctx, until, length)
            + note
        )

    @command("mod archive", "Archive and lock a thread", role=Role.EXECUTIVE)
    async def archive(
        self,
        ctx: Context,
        channel: ChannelOption = None,
        reason: ReasonOption = None,
        network: NetworkOption = None,
    ) -> Reply:
        place, note = await self._place(ctx, channel)
        port = self._port(ctx)
        archived = await self.service.archive(
            port, ctx.user.key, ctx.network_id, place, reason=reason or "", by=ctx.here.name
        )
        if archived:
            return Reply.private_text(
                f"Archived and locked the thread {self._where(place)}. Its history stays." + note
            )
        return Reply.private_text(
            f"{self._where(place)} is a channel, not a thread, and channels cannot be archived, "
            "so it is locked instead: members can read it but not post. Undo with /mod unlock."
            + note
        )

    # ---- messages -------------------------------------------------------------------------

    async def _pin(self, ctx: Context, link: str, reason: str | None, *, pinned: bool) -> Reply:
        linked = parse_message_link(link, space_id=ctx.space.id if ctx.space else None)
        message = linked.ref(ctx.platform)
        note = await self._in_scope(ctx, message.place, "The channel of that message")
        await self.service.pin(
            self._port(ctx),
            ctx.user.key,
            ctx.network_id,
            message,
            pinned=pinned,
            reason=reason or "",
            by=ctx.here.name,
        )
        done = "Pinned that message." if pinned else "Unpinned that message."
        return Reply.private_text(done + note)

    @command("mod pin", "Pin a notice by its message link", role=Role.EXECUTIVE)
    async def pin(
        self,
        ctx: Context,
        link: LinkOption,
        reason: ReasonOption = None,
        network: NetworkOption = None,
    ) -> Reply:
        return await self._pin(ctx, link, reason, pinned=True)

    @command("mod unpin", "Unpin a message by its message link", role=Role.EXECUTIVE)
    async def unpin(
        self,
        ctx: Context,
        link: LinkOption,
        reason: ReasonOption = None,
        network: NetworkOption = None,
    ) -> Reply:
        return await self._pin(ctx, link, reason, pinned=False)

    # ---- the modlog channel ---------------------------------------------------------------

    @command(
        "mod modlog", "Choose the channel that records moderation actions", role=Role.COORDINATOR
    )
    async def modlog(
        self,
        ctx: Context,
        channel: ChannelOption = None,
        off: Annotated[bool, Option("Stop recording actions in a channel")] = False,
        network: NetworkOption = None,
    ) -> Reply:
        if ctx.network_id is None:
            raise UserError("Say which network's modlog with network:SHORT-NAME.")
        name, _ = await self.networks.names(ctx.network_id)
        if off:
            if channel:
                raise UserError(
                    "Give either channel:... (to choose the modlog channel) or off:True (to "
                    "stop it), not both. Nothing was changed."
                )
            await self.service.set_modlog(ctx.user.key, ctx.network_id, None)
            return Reply.private_text(
                f"{name} has no modlog channel now: its actions stay in /mod audit."
            )
        place, note = await self._place(ctx, channel)
        await self.service.set_modlog(ctx.user.key, ctx.network_id, place)
        return Reply.private_text(
            f"Moderation actions in {name} are now recorded in {self._where(place)}: who did "
            "what, where, when and why; never anyone's messages or reports. Make sure only the "
            "people who should read it can see that channel. Stop it with /mod modlog off:True."
            + note
        )

    # ---- guidelines -----------------------------------------------------------------------

    @command("mod guidelines", "Set the network's community guidelines", role=Role.COORDINATOR)
    async def guidelines(
        self,
        ctx: Context,
        network: NetworkOption = None,
        text: Annotated[
            str | None,
            Option("The guidelines; leave empty to edit them in a form", max_length=GUIDELINES_MAX),
        ] = None,
    ) -> Reply:
        assert ctx.network_id is not None  # the registry insists on one for coordinators
        name, _ = await self.networks.names(ctx.network_id)
        if text is not None:
            await self.service.set_guidelines(ctx.user.key, ctx.network_id, text)
            return Reply.private_text(f"Saved the community guidelines of {name}.")
        current = await self.service.guidelines(ctx.network_id)
        return Reply(
            text=f"Write the community guidelines of {name} in the form.",
            form=Form(
                title="Community guidelines",
                action=ActionRef(action=GUIDELINES_ACTION, payload=str(ctx.network_id)),
                fields=[
                    FormField(
                        name="guidelines",
                        label="Guidelines members see when they join",
                        long=True,
                        max_length=GUIDELINES_MAX,
                        default=current[:GUIDELINES_MAX],
                    )
                ],
            ),
            private=True,
        )

    @action(GUIDELINES_ACTION, role=Role.COORDINATOR)
    async def save_guidelines(self, ctx: Context, event: ActionEvent) -> Reply:
        try:
            network_id = int(event.payload)
        except ValueError:
            raise UserError("That form is out of date. Run /mod guidelines again.") from None
        role = await self.kernel.registry.directory.role_of(ctx.user.key, network_id)
        name, _ = await self.networks.names(network_id)
        if role < Role.COORDINATOR:
            raise PermissionDenied(
                f"You need to be a coordinator in {name} to do that. Nothing was changed."
            )
        await self.service.set_guidelines(
            ctx.user.key, network_id, event.fields.get("guidelines", "")
        )
        return Reply.private_text(f"Saved the community guidelines of {name}.")

    # ---- reports --------------------------------------------------------------------------

    @command(
        "report concern",
        "Privately report a concern to your network's coordinators",
        aliases=("mod report",),
    )
    async def report(
        self,
        ctx: Context,
        concern: Annotated[str, Option("What concerns you", max_length=CONCERN_MAX)],
        link: Annotated[
            str | None, Option("A message link, if it is about a message", max_length=200)
        ] = None,
        network: NetworkOption = None,
    ) -> Reply:
        network_id = ctx.network_id
        if network_id is None:
            mine = await self.networks.member_networks(ctx.user.key)
            if len(mine) != 1:
                raise UserError(
                    "Say which network's coordinators to tell with network:SHORT-NAME "
                    "(type /network mine to see yours). Nothing was sent."
                )
            network_id = mine[0]
        message_link = None
        message = None
        if link:
            linked = parse_message_link(link)
            message_link, message = linked.link, linked.ref(ctx.platform)
        name, _ = await self.networks.names(network_id)
        report_id, _told = await self.service.report(
            ctx.user.key, network_id, concern, message_link, message=message
        )
        return Reply.private_text(
            f"Thank you. Your report (number {report_id}) went privately to the coordinators of "
            f"{name}; it is never posted in a channel. They will look into it, and peerbot "
            f"will message you privately when they close it. {UNREACHED_PROMISE} "
            "peerbot is not a crisis service: "
            "if you need support now, type /support for crisis and support lines "
            "(in an emergency, call 000)."
        )

    @command("mod reports", "The network's open (or closed) reports", role=Role.EXECUTIVE)
    async def reports(
        self,
        ctx: Context,
        closed: Annotated[bool, Option("Show closed reports instead of open ones")] = False,
        network: NetworkOption = None,
    ) -> Reply:
        assert ctx.network_id is not None
        name, slug = await self.networks.names(ctx.network_id)
        found = await self.service.reports(ctx.network_id, closed=closed)
        kind = "closed" if closed else "open"
        if not found:
            return Reply.private_text(f"There are no {kind} reports in {name}.")
        zone = await self._zone(ctx.network_id)
        lines = [f"{kind.capitalize()} reports in {name} (newest first):"]
        for r in found:
            line = f"- Number {r.id}, {moment(r.created_at.astimezone(zone))}: {r.concern}"
            if r.message_link:
                line += f" (about {r.message_link})"
            if r.claimed_by:
                line += f", taken by {actor_name(r.claimed_by)}"
            if r.closed_at:
                line += f". Closed {moment(r.closed_at.astimezone(zone))}"
                if r.closed_by:
                    line += f" by {actor_name(r.closed_by)}"
                if r.closing_note:
                    line += f": {r.closing_note}"
            lines.append(line)
        if not closed:
            lines.append(f"\nClose one with /mod close report:NUMBER note:... network:{slug}.")
        return Reply.private_text("\n".join(lines))

    @command("mod close", "Close a report with a note", role=Role.COORDINATOR)
    async def close(
        self,
        ctx: Context,
        report: Annotated[int, Option("The report's number", min=1)],
        note: Annotated[
            str, Option("What was done (the reporter is not shown it)", max_length=NOTE_MAX)
        ],
        network: NetworkOption = None,
    ) -> Reply:
        assert ctx.network_id is not None
        await self.service.close(ctx.user.key, ctx.network_id, report, note)
        return Reply.private_text(
            f"Closed report number {report}. The person who made it has been told privately "
            "that it is closed (without your note)."
        )

    # ---- audit ----------------------------------------------------------------------------

    @command("mod audit", "Who did what, and when: the audit log", role=Role.COORDINATOR)
    async def audit(
        self,
        ctx: Context,
        of: Annotated[
            str | None,
            Option(
                "Only this network (short name)",
                autocomplete="complete_network",
                max_length=NETWORK_SLUG_MAX,
            ),
        ] = None,
        action: Annotated[
            str | None, Option("Only actions starting with this, like mod.lock", max_length=40)
        ] = None,
        member: Annotated[Member | None, Option("Only actions by this person")] = None,
        days: Annotated[int, Option("How many days back", min=1, max=AUDIT_DAYS_MAX)] = 30,
    ) -> Reply:
        network_ids = await self._audit_networks(ctx, of)
        actor_key = None
        if member:
            typed = self.kernel.people.persons_typed(member, ctx.platform)
            actor_key = typed[0] if typed else None
        entries = await self.service.audit_entries(
            network_ids=network_ids, action=action, actor_key=actor_key, days=days
        )
        if not entries:
            return Reply.private_text(f"No audit entries match, in the last {days} days.")
        lines = [
            f"Audit log, last {days} days, newest first (at most 50), in each network's time zone:"
        ]
        lines += [audit_line(e, await self._zone(e.network_id)) for e in entries]
        return Reply.private_text("\n".join(lines))

    async def _zone(self, network_id: int | None) -> ZoneInfo:
        """The network's time zone; the default one for actions outside any network."""
        name = await self.networks.timezone(network_id) if network_id is not None else None
        return ZoneInfo(name or self.kernel.settings.networks.default_timezone)

    async def _audit_networks(self, ctx: Context, of: str | None) -> list[int] | None:
        """Admins see every network (None); coordinators only the networks they coordinate."""
        wanted: int | None = None
        if of:
            info = await self.kernel.registry.directory.network_by_slug(of.strip().lower())
            if info is None:
                raise UserError(
                    f"There is no network called '{of.strip()}'. "
                    "Type /network list to see the networks and their short names."
                )
            wanted = info.id
        elif ctx.network_id is not None:
            wanted = ctx.network_id
        if ctx.role >= Role.ADMIN:
            return None if wanted is None else [wanted]
        mine = await self.networks.coordinated_networks(ctx.user.key)
        if wanted is None:
            return mine
        if wanted not in mine:
            raise PermissionDenied(
                denial_message(Role.COORDINATOR, None).replace(
                    " in any network", " in that network"
                )
            )
        return [wanted]
