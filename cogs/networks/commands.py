"""Network commands: create, edit, list, info, archive; join, leave, members, roles; channel
set-up and linking; guidelines; and the private welcome for someone who joins the space."""

from __future__ import annotations

import logging
from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from bot.cog import Cog
from bot.commands import (
    NETWORK_SLUG_MAX,
    ActionEvent,
    Channel,
    Context,
    Member,
    Option,
    Role,
    TimeZone,
    action,
    command,
)
from bot.errors import UserError
from bot.identity import PlaceRef, UserRef
from bot.kernel import Kernel
from bot.mentions import person
from bot.mentions import place as place_mark
from bot.privacy import DataStatement
from bot.replies import ActionRef, Button, Card, CardField, Choice, Reply, Select
from bot.storage import Transaction
from cogs.networks import approvals, directory
from cogs.networks import repository as repo
from cogs.networks.approvals import Approvals
from cogs.networks.directory import PeerDirectory
from cogs.networks.models import APPROVAL, OPEN, Network
from cogs.networks.panel import JoinPanel
from cogs.networks.peers import PeerCommands
from cogs.networks.requests import JoinRequests
from cogs.networks.roles import PlatformRoles
from cogs.networks.service import CHANNEL_PURPOSES, NetworkService, article
from cogs.networks.staff_menu import StaffMenu

log = logging.getLogger(__name__)

JOIN_ACTION = "network-join"
GUIDELINES_ACTION = "network-guidelines"
SELECT_MAX = 25
INVITE_ONLY = "invite-only (a coordinator approves each request)"

NetworkOption = Annotated[
    str,
    Option(
        "The network's short name, like south-coast",
        autocomplete="complete_network",
        max_length=NETWORK_SLUG_MAX,
    ),
]
OptionalNetwork = Annotated[
    str | None,
    Option(
        "The network's short name, like south-coast",
        autocomplete="complete_network",
        max_length=NETWORK_SLUG_MAX,
    ),
]


#: Set-up could not give the staff roles the permission that shows /manage, /library and /mod.
STAFF_COMMANDS_HIDDEN = (
    "\nI could not let coordinators and executives see the staff commands (/manage, "
    "/library, /mod) in Discord's menu: Discord shows them to people with the View Server "
    "Insights permission, and peerbot may give only permissions it has. A server admin can "
    "give peerbot's role View Server Insights (Server Settings, Roles) and run /network setup "
    "again. Until then only server administrators see them in the menu."
)


class RoleName(StrEnum):
    MEMBER = "member"
    EXECUTIVE = "executive"
    COORDINATOR = "coordinator"


class Joining(StrEnum):
    OPEN = OPEN
    APPROVAL = APPROVAL


class Purpose(StrEnum):
    ANNOUNCEMENTS = "announcements"
    GENERAL = "general"
    REFLECTION = "reflection"
    RESOURCES = "resources"
    NOTICES = "notices"
    STORIES = "stories"


def display(user_key: str) -> str:
    """How to show a person: a neutral mark each platform shows its way (a mention on
    Discord, a pill on Matrix, the name on the console)."""
    return person(user_key)


def guidelines_text(network: Network) -> str:
    if network.guidelines.strip():
        return f"Community guidelines for {network.name}:\n{network.guidelines.strip()}"
    return (
        f"{network.name} has no community guidelines set yet. "
        "A coordinator can set them with /mod guidelines."
    )


def member_id(member: str) -> str:
    """A platform user id from a Member option (tolerates a typed <@123> mention)."""
    cleaned = member.strip().removeprefix("<@").removeprefix("!").removesuffix(">").strip()
    if not cleaned:
        raise UserError("Say who: the option 'member' was empty. Nothing was changed.")
    return cleaned


def _people_changed(added: int, removed: int) -> str:
    """What set-up did to people's roles, as counts."""
    parts = []
    if added:
        parts.append(f"gave {added} network role{'s' if added != 1 else ''} to members")
    if removed:
        parts.append(
            f"took {removed} role{'s' if removed != 1 else ''} from people no longer in it"
        )
    return f" I {' and '.join(parts)}." if parts else ""


def _joining_note(before: Network, after: Network) -> str:
    """What changing how a network is joined means, said once when it changes."""
    if before.joining == after.joining:
        return ""
    if after.invite_only:
        return (
            f"\nJoining {after.name} now needs a coordinator's approval: /network join and the "
            "join panel record a request, and its coordinators get a private message with "
            f"Approve and Decline (the list: /manage network requests network:{after.slug}). "
            "Its current members stay. Meetings shown as Discord events are seen by the whole "
            f"server: turn them off with /manage meeting settings network:{after.slug} "
            "discord_event:off."
        )
    return (
        f"\nJoining {after.name} is open again: anyone joins at once. Requests already waiting "
        f"are still listed in /manage network requests network:{after.slug}."
    )


class NetworksCog(JoinRequests, PeerCommands, JoinPanel, Cog):
    name: ClassVar[str] = "networks"
    title: ClassVar[str] = "Networks"

    def __init__(self, kernel: Kernel) -> None:
        super().__init__(kernel)
        self.service = NetworkService(
            kernel.db,
            kernel.clock,
            frozenset(kernel.settings.admins),
            kernel.audit,
            identities=kernel.people.identities,
            events=kernel.events,
        )
        kernel.set_directory(self.service)
        kernel.privacy.register(
            self.name,
            DataStatement(
                area="Networks",
                what="which networks you joined, your role in each, and when you joined",
                why="to show you your networks and decide what you may do in each",
                kept_for="until you leave the network or delete your data",
            ),
            self._export,
            self._delete,
            self._move,
        )
        self.approvals = Approvals(kernel.db, kernel.clock, kernel.audit, kernel.outbox)
        kernel.privacy.register(
            "network requests",
            DataStatement(
                area="Join requests",
                what="which invite-only networks you asked to join, when, and the answer",
                why="so a coordinator can approve or decline, and you can take a request back",
                kept_for="a request until it is decided or taken back, then 30 days",
            ),
            approvals.export_requests,
            approvals.delete_requests,
            approvals.move_requests,
        )
        self.directory = PeerDirectory(kernel.db, kernel.clock)
        kernel.privacy.register(
            "peer directory",
            DataStatement(
                area="Peer directory",
                what="only if you chose to be listed: the parts of your entry you filled in "
                "(name, role, service, sector, region, whether you work solo, topics, "
                "open to mentoring)",
                why="so members of your networks can find a peer to talk with",
                kept_for="until you leave the directory (/peers off) or delete your data",
            ),
            directory.export_profile,
            directory.delete_profile,
            directory.move_profile,
        )
        kernel.events.on_member_joined(self.welcome)
        #: Platform roles follow memberships (joins, leaving, role changes, set-up, start).
        self.staff_menu = StaffMenu(
            kernel.db,
            kernel.people,
            kernel.platform_state,
            kernel.ports,
            frozenset(kernel.settings.admins),
        )
        self.roles = PlatformRoles(self.service, kernel.people, kernel.ports, self.staff_menu)
        kernel.events.on_member_joined(self._rejoined)
        kernel.events.on_space_available(self._space_available)
        kernel.events.on_person_deleted(self._person_deleted)
        #: What /privacy delete removed, kept from the delete hook until it has committed.
        self._deleted: dict[str, tuple[list[tuple[Network, Role]], list[UserRef]]] = {}

    async def start(self) -> None:
        await self.service.sync_admins()
        self.kernel.scheduler.add_periodic(
            "join-requests-purge", self.approvals.purge_decided, timedelta(days=1)
        )

    async def _export(self, tx: Transaction, user_key: str) -> Any:
        memberships = await repo.memberships_of(tx, user_key)
        return {
            "memberships": [m.model_dump(mode="json") for m in memberships],
            "admin": await repo.admin_rows(tx, user_key),
        }

    async def _delete(self, tx: Transaction, user_key: str) -> int:
        networks: list[tuple[Network, Role]] = []
        for membership in await repo.memberships_of(tx, user_key):
            network = await repo.network_by_slug(tx, membership.network_slug)
            if network is not None:
                networks.append((network, Role[membership.role.upper()]))
        accounts = [
            UserRef(platform=key.partition(":")[0], id=key.partition(":")[2])
            for key in self.kernel.people.identities(user_key)
        ]
        self._deleted[user_key] = (networks, accounts)
        return await repo.delete_person(tx, user_key)

    async def _person_deleted(self, person_key: str) -> str:
        """After /privacy delete: the person is in no network, so they hold none of the
        networks' platform roles either (Discord roles, Matrix power levels and spaces)."""
        networks, accounts = self._deleted.pop(person_key, ([], []))
        return await self.roles.withdraw_all(person_key, networks, accounts)

    async def _space_available(self, space: PlaceRef) -> None:
        await self.staff_menu.sync_space(space)
        await self.roles.sync_all(space)

    async def _rejoined(self, user: UserRef, space: PlaceRef) -> None:
        """Someone (re)joined the server: give back the roles of the networks they are in."""
        person = self.kernel.people.person_of(user.key)
        for membership in await self.service.memberships(person):
            try:
                network = await self.service.active_by_slug(membership.network_slug)
            except UserError:
                continue  # archived
            role = Role[membership.role.upper()]
            await self.roles.sync_person(person, network, None, role, only_space=space.key)

    async def _move(self, tx: Transaction, old_key: str, new_key: str) -> int:
        return await repo.move_person(tx, old_key, new_key)

    # ---- helpers --------------------------------------------------------------------------

    def _network_id(self, ctx: Context) -> int:
        if ctx.network_id is None:
            raise UserError(
                "Say which network with network:SHORT-NAME (type /network list to see them)."
            )
        return ctx.network_id

    async def _network_select(self, placeholder: str) -> Select | None:
        networks = [n for n, _ in await self.service.list_networks()][:SELECT_MAX]
        if not networks:
            return None
        return Select(
            placeholder=placeholder,
            action=ActionRef(action=JOIN_ACTION),
            choices=[
                Choice(
                    label=n.name[:100],
                    value=n.slug,
                    description=(("Invite-only. " if n.invite_only else "") + n.description)[:100],
                )
                for n in networks
            ],
            min_values=1,
            max_values=len(networks),
        )

    async def _join_one(self, ctx: Context, network: Network) -> str:
        """Join, and give the network's roles in every space it is set up in (also when
        joining from the private welcome, outside any server). Someone already in gets
        their roles put right, so a role removed by hand is repaired by joining again. An
        invite-only network gets a request for a coordinator instead."""
        if (
            network.invite_only
            and await self.service.role_in(ctx.user.key, network.id) is None
            and await self.service.role_of(ctx.user.key, None) < Role.ADMIN  # admins join
        ):
            return await self._ask_to_join(ctx, network)
        if not await self.service.join(ctx.user.key, network.id):
            role = await self.service.role_in(ctx.user.key, network.id)
            repaired = await self.roles.sync_person(ctx.user.key, network, role, role, repair=True)
            return f"You are already in {network.name}." + repaired
        text = await self._welcome_text(network)
        return text + await self.roles.sync_person(ctx.user.key, network, None, Role.MEMBER)

    async def _welcome_text(self, network: Network) -> str:
        """What a new member reads, after an open join or an approved request."""
        text = f"Welcome to {network.name}. You joined as a member.\n\n"
        text += await self._first_things(network)
        if network.guidelines.strip():
            text += "\n\n" + guidelines_text(network)
        return text

    async def _first_things(self, network: Network) -> str:
        """What a new member needs first: who leads the network, when it next meets, what
        others can see, and how co-reflection and check-ins work."""
        details = await self.service.details(network.id)
        coordinators = details.with_role(Role.COORDINATOR)
        if coordinators:
            plural = "s" if len(coordinators) > 1 else ""
            lines = [f"Your coordinator{plural}: {', '.join(map(display, coordinators))}."]
        else:
            lines = ["This network has no coordinator yet."]
        for heading, fact in await self.kernel.events.network_facts(network.id):
            lines.append(f"{heading}: {fact}.")
        lines.append(
            "What you post in the network's channels, its members can read. Your check-ins "
            "and peerbot's answers to your commands are private to you. Type /reflect start to "
            "think a hard situation through with peers you choose, in a private thread they "
            "agree to join; /checkin start for private wellbeing check-ins (off until you "
            "start them)."
        )
        return "\n".join(lines)

    # ---- networks -------------------------------------------------------------------------

    @command("network list", "The peer worker networks here", role=Role.EVERYONE)
    async def list_networks(self, ctx: Context) -> Reply:
        networks = await self.service.list_networks()
        if not networks:
            return Reply.private_text(
                "There are no networks yet. An admin can create one with /network create."
            )

        mine = {m.network_slug for m in await self.service.memberships(ctx.user.key)}

        def summary(n: Network, count: int) -> str:
            if n.invite_only and n.slug not in mine:
                # Not even a count for someone outside an invite-only network.
                return f"invite-only (a coordinator approves each request), time zone {n.timezone}"
            shown = f"{count} member{'s' if count != 1 else ''}, time zone {n.timezone}"
            return shown + (", invite-only" if n.invite_only else "")

        join_hint = "Join one with /network join."
        lines = [
            f"- {n.name} ({n.slug}): {summary(n, count)}"
            + (f". {n.description}" if n.description else "")
            for n, count in networks
        ]
        # The card says all the text does (on Discord only the card shows).
        card = Card(
            title="Networks",
            fields=[
                CardField(
                    name=f"{n.name} ({n.slug})",
                    value=summary(n, count) + (f". {n.description}" if n.description else ""),
                )
                for n, count in networks
            ],
            footer=join_hint,
        )
        return Reply(
            text="Networks:\n" + "\n".join(lines) + "\n\n" + join_hint,
            cards=[card],
            private=True,
        )

    @command("network create", "Create a peer worker network", role=Role.ADMIN)
    async def create(
        self,
        ctx: Context,
        name: Annotated[str, Option("Full name, like South Coast Peer Network", max_length=80)],
        slug: Annotated[str, Option("Short name, like south-coast", max_length=30)],
        timezone: Annotated[TimeZone | None, Option("Time zone, like Australia/Sydney")] = None,
        description: Annotated[str, Option("One or two sentences", max_length=300)] = "",
    ) -> Reply:
        network = await self.service.create(
            slug=slug,
            name=name,
            timezone=timezone or self.kernel.settings.networks.default_timezone,
            description=description,
            actor_key=ctx.user.key,
        )
        return Reply.private_text(
            f"Created the network {network.name} ({network.slug}), time zone {network.timezone}."
        )

    @command(
        "manage network edit",
        "Change a network's name, time zone or description",
        role=Role.COORDINATOR,
        aliases=("network edit",),
    )
    async def edit(
        self,
        ctx: Context,
        network: NetworkOption,
        name: Annotated[str | None, Option("New full name", max_length=80)] = None,
        timezone: Annotated[TimeZone | None, Option("New time zone, like Australia/Sydney")] = None,
        description: Annotated[str | None, Option("New description", max_length=300)] = None,
        joining: Annotated[
            Joining | None,
            Option("open: anyone joins at once; approval: a coordinator approves each request"),
        ] = None,
    ) -> Reply:
        before = await self.service.get(self._network_id(ctx))
        updated = await self.service.edit(
            before.id,
            actor_key=ctx.user.key,
            name=name,
            timezone=timezone,
            description=description,
            joining=joining.value if joining is not None else None,
        )
        # A new name: the network's roles and category follow, in every space.
        renamed = await self.roles.rename(updated) if updated.name != before.name else ""
        return Reply.private_text(
            f"Updated {updated.name} ({updated.slug}): time zone {updated.timezone}"
            + (f", description: {updated.description}" if updated.description else "")
            + "."
            + renamed
            + _joining_note(before, updated)
        )

    @command("network info", "A network's coordinators, members and channels", role=Role.EVERYONE)
    async def info(self, ctx: Context, network: OptionalNetwork = None) -> Reply:
        details = await self.service.details(self._network_id(ctx))
        n = details.network
        if n.invite_only and ctx.role < Role.MEMBER:
            return await self._outside_info(ctx, n)
        coordinators = ", ".join(map(display, details.with_role(Role.COORDINATOR))) or "none yet"
        executives = ", ".join(map(display, details.with_role(Role.EXECUTIVE))) or "none yet"
        count = len(details.members)
        channels = ", ".join(
            f"{purpose}: {place_mark(place_key)}"
            for _, purpose, place_key in details.places
            if purpose in CHANNEL_PURPOSES
        )
        fields = [
            CardField(name="Short name", value=n.slug, inline=True),
            CardField(name="Time zone", value=n.timezone, inline=True),
            CardField(name="Members", value=str(count), inline=True),
            CardField(name="Coordinators", value=coordinators),
            CardField(name="Executives", value=executives),
            CardField(name="Channels", value=channels or "none set up yet"),
        ]
        lines = [
            f"{n.name} ({n.slug})",
            *([n.description] if n.description else []),
            f"Time zone: {n.timezone}",
            *([f"Joining: {INVITE_ONLY}"] if n.invite_only else []),
            f"Coordinators: {coordinators}",
            f"Executives: {executives}",
            f"Members: {count}",
            f"Channels: {channels or 'none set up yet'}",
        ]
        for heading, text in await self.kernel.events.network_facts(n.id):
            fields.append(CardField(name=heading, value=text))
            lines.append(f"{heading}: {text}")
        card = Card(title=n.name, description=n.description, fields=fields)
        return Reply(text="\n".join(lines), cards=[card], private=True)

    async def _outside_info(self, ctx: Context, n: Network) -> Reply:
        """An invite-only network, for someone not in it: what it is and how to ask, and
        nothing of its people, channels or meetings."""
        if await self.approvals.is_pending(ctx.user.key, n.id):
            how = (
                "You asked to join; a coordinator will look at it. To take it back: "
                f"/network withdraw network:{n.slug}"
            )
        else:
            how = f"Ask to join with /network join network:{n.slug}"
        joining = (
            "invite-only: a coordinator approves each request. Its members, channels and "
            "meetings are shown only to its members."
        )
        lines = [
            f"{n.name} ({n.slug})",
            *([n.description] if n.description else []),
            f"Time zone: {n.timezone}",
            f"Joining: {joining}",
            how,
        ]
        card = Card(
            title=n.name,
            description=n.description,
            fields=[
                CardField(name="Short name", value=n.slug, inline=True),
                CardField(name="Time zone", value=n.timezone, inline=True),
                CardField(name="Joining", value=joining),
            ],
            footer=how,
        )
        return Reply(text="\n".join(lines), cards=[card], private=True)

    @command("network archive", "Archive a network: hidden, history kept", role=Role.ADMIN)
    async def archive(self, ctx: Context, network: NetworkOption) -> Reply:
        archived = await self.service.archive(self._network_id(ctx), actor_key=ctx.user.key)
        await self.kernel.events.network_archived(archived.id)  # its schedules stop
        for key, role in await self.service.members(archived.id):
            if role >= Role.EXECUTIVE:  # staff of this network only: the staff menu follows
                await self.staff_menu.sync_person(key)
        return Reply.private_text(
            f"Archived {archived.name}. It no longer shows in /network list, nobody can join "
            "it, and its meetings send no more notices or reminders; its history is kept."
        )

    @command("network guidelines", "A network's community guidelines", role=Role.EVERYONE)
    async def guidelines(self, ctx: Context, network: OptionalNetwork = None) -> Reply:
        if ctx.network_id is None:
            return await self._all_guidelines(ctx)
        return Reply.private_text(guidelines_text(await self.service.get(ctx.network_id)))

    async def _all_guidelines(self, ctx: Context) -> Reply:
        mine = {m.network_slug for m in await self.service.memberships(ctx.user.key)}
        networks = [n for n, _ in await self.service.list_networks()]
        chosen = [n for n in networks if n.slug in mine] or networks
        if not chosen:
            return Reply.private_text(
                "There are no networks yet, so there are no guidelines to show."
            )
        return Reply.private_text("\n\n".join(guidelines_text(n) for n in chosen))

    @action(GUIDELINES_ACTION)
    async def guidelines_button(self, ctx: Context, event: ActionEvent) -> Reply:
        if event.payload:
            network = await self.service.active_by_slug(event.payload)
            return Reply.private_text(guidelines_text(network))
        return await self._all_guidelines(ctx)

    # ---- membership -----------------------------------------------------------------------

    @command("network join", "Join one or more networks as a member", role=Role.EVERYONE)
    async def join(self, ctx: Context, network: OptionalNetwork = None) -> Reply:
        if network is None:
            select = await self._network_select("Pick the networks to join")
            if select is None:
                return Reply.private_text(
                    "There are no networks yet. An admin can create one with /network create."
                )
            return Reply(text="Which networks do you want to join?", select=select, private=True)
        found = await self.service.get(self._network_id(ctx))
        return Reply.private_text(await self._join_one(ctx, found))

    @action(JOIN_ACTION)
    async def join_picked(self, ctx: Context, event: ActionEvent) -> Reply:
        if not event.selected:
            raise UserError("Pick at least one network to join. Nothing was changed.")
        networks = [await self.service.active_by_slug(slug) for slug in event.selected]
        texts = [await self._join_one(ctx, network) for network in networks]
        return Reply.private_text("\n\n".join(texts))

    @command("network leave", "Leave a network", role=Role.EVERYONE)
    async def leave(self, ctx: Context, network: NetworkOption) -> Reply:
        found = await self.service.get(self._network_id(ctx))
        stopped = await self.service.leave(ctx.user.key, found.id)
        if stopped is None:
            raise UserError(f"You are not a member of {found.name}, so there is nothing to leave.")
        note = await self.roles.sync_person(ctx.user.key, found, None, None, repair=True)
        again = (
            "To come back, ask again with /network join: a coordinator approves each request."
            if found.invite_only
            else "You can join again at any time."
        )
        return Reply.private_text(f"You have left {found.name}. {again}" + stopped + note)

    @command("network mine", "The networks you belong to and your role in each", role=Role.EVERYONE)
    async def mine(self, ctx: Context) -> Reply:
        memberships = await self.service.memberships(ctx.user.key)
        waiting = await self.approvals.pending_names(ctx.user.key)
        asked = "".join(
            f"\n- {name} ({slug}): you asked to join; a coordinator will look at it"
            for name, slug in waiting
        )
        asked = "\nWaiting for approval:" + asked if asked else ""
        if not memberships:
            text = "You are not in any network yet. Type /network list to see them."
            return Reply.private_text(text + asked)
        lines = [f"- {m.network_name} ({m.network_slug}): {m.role}" for m in memberships]
        return Reply.private_text("Your networks:\n" + "\n".join(lines) + asked)

    @command(
        "manage network members",
        "Who is in a network, with their roles",
        role=Role.EXECUTIVE,
        aliases=("network members",),
    )
    async def members(self, ctx: Context, network: NetworkOption) -> Reply:
        found = await self.service.get(self._network_id(ctx))
        members = await self.service.members(found.id)
        if not members:
            return Reply.private_text(f"Nobody has joined {found.name} yet.")
        lines = [f"- {display(key)}: {role.label}" for key, role in members]
        return Reply.private_text(
            f"{found.name} has {len(members)} member{'s' if len(members) != 1 else ''}:\n"
            + "\n".join(lines)
        )

    @command(
        "manage network role",
        "Grant or remove a role in a network",
        role=Role.COORDINATOR,
        aliases=("network role",),
    )
    async def role(
        self,
        ctx: Context,
        network: NetworkOption,
        member: Annotated[Member, Option("The person")],
        role: Annotated[RoleName, Option("The role to grant or remove")],
        remove: Annotated[bool, Option("Remove the role instead of granting it")] = False,
    ) -> Reply:
        person = UserRef(platform=ctx.platform, id=member_id(member))
        wanted = Role[role.value.upper()]
        change = await self.service.change_role(
            actor_key=ctx.user.key,
            actor_role=ctx.role,
            network_id=self._network_id(ctx),
            target_key=self.kernel.people.person_of(person.key),
            role=wanted,
            remove=remove,
        )
        who, name = display(person.key), change.network.name
        note = await self.roles.sync_person(
            change.target_key, change.network, change.before, change.after
        )
        if change.after is None:
            text = f"{who} is no longer a member of {name}."
        elif remove:
            text = (
                f"{who} is no longer {article(wanted)} {wanted.label} of {name}; "
                "they stay a member."
            )
        else:
            text = f"{who} is now {article(wanted)} {wanted.label} of {name}."
        return Reply.private_text(text + note)

    # ---- channels -------------------------------------------------------------------------

    @command(
        "network setup",
        "Create the network's role, category and channels here (safe to run again)",
        role=Role.COORDINATOR,
        defer=True,
    )
    async def setup(self, ctx: Context, network: NetworkOption) -> Reply:
        if ctx.space is None:
            raise UserError(
                "Run /network setup in the server or space where the channels should be, "
                "not in a direct message."
            )
        port = self.kernel.ports.get(ctx.platform)
        if port is None:
            raise UserError("peerbot is not connected to this platform right now. Try again soon.")
        found = await self.service.get(self._network_id(ctx))
        result = await self.service.setup(found.id, ctx.space, port, actor_key=ctx.user.key)
        # Everyone named or joined before (the coordinator running it included) gets the
        # network's roles now; run again, it repairs them and takes away stale ones.
        synced = await self.roles.sync_space(found, ctx.space, port)
        # Other cogs check their part (who can see co-reflection threads, say).
        given = (
            _people_changed(synced.added, synced.removed)
            + synced.note
            + await self.kernel.events.network_set_up(found.id, ctx.space, port)
        )
        if (await self.staff_menu.sync_space(ctx.space)).hidden:
            given += STAFF_COMMANDS_HIDDEN
        if not result.created:
            return Reply.private_text(
                f"{found.name} is already set up here: its roles, category and channels "
                "all exist. Nothing was created." + given
            )
        text = f"Set up {found.name} here. Created: {', '.join(result.created)}."
        if result.kept:
            text += f" Already there: {', '.join(result.kept)}."
        return Reply.private_text(
            text + " Only the network's members can see its channels; in announcements only "
            "coordinators, executives and peerbot post." + given
        )

    @command(
        "manage network link",
        "Use an existing channel for one of the network's parts",
        role=Role.COORDINATOR,
        aliases=("network link",),
    )
    async def link(
        self,
        ctx: Context,
        network: NetworkOption,
        channel: Annotated[Channel, Option("The existing channel")],
        purpose: Annotated[Purpose, Option("The part it plays")],
    ) -> Reply:
        place = PlaceRef(platform=ctx.platform, id=channel.strip().lstrip("#"))
        space_key = ctx.space.key if ctx.space is not None else ""
        found = await self.service.link(
            self._network_id(ctx), space_key, purpose.value, place, actor_key=ctx.user.key
        )
        return Reply.private_text(f"Linked that channel as {found.name}'s {purpose.value} channel.")

    # ---- onboarding -----------------------------------------------------------------------

    async def welcome(self, user: UserRef, space: PlaceRef) -> None:
        """Queue one private welcome for someone who joined the space (a repeat does nothing)."""
        text = self.kernel.settings.networks.welcome_text
        networks = [n for n, _ in await self.service.list_networks()]
        if networks:
            text += "\n\nThe networks here:\n" + "\n".join(
                f"- {n.name} ({n.slug})"
                + (f", {INVITE_ONLY}" if n.invite_only else "")
                + (f": {n.description}" if n.description else "")
                for n in networks
            )
        if user.platform == "matrix":
            text += (
                "\n\nJoining a network sends you an invitation to the network's own space; "
                "accept it to see the network's rooms."
            )
        message = Reply(
            text=text,
            select=await self._network_select("Pick your networks"),
            buttons=[
                Button(label="Read the guidelines", action=ActionRef(action=GUIDELINES_ACTION))
            ],
            private=True,
        )
        await self.kernel.outbox.send(
            key=f"welcome:{space.key}:{user.key}", target=user, message=message
        )
