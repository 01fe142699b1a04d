"""Network commands: create, edit, list, info, archive; join, leave, members, roles; channel
set-up and linking; guidelines; and the private welcome for someone who joins the space."""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from bot.cog import Cog
from bot.commands import (
    NETWORK_SLUG_MAX,
    TIMEZONE_MAX,
    ActionEvent,
    Channel,
    Context,
    Member,
    Option,
    Role,
    action,
    command,
)
from bot.errors import UserError, log_failure, new_error_id
from bot.identity import PlaceRef, UserRef
from bot.kernel import Kernel
from bot.privacy import DataStatement
from bot.replies import ActionRef, Button, Card, CardField, Choice, Reply, Select
from bot.storage import Transaction
from cogs.networks import repository as repo
from cogs.networks.models import Network
from cogs.networks.service import CHANNEL_PURPOSES, NetworkService, article

log = logging.getLogger(__name__)

JOIN_ACTION = "network-join"
GUIDELINES_ACTION = "network-guidelines"
SELECT_MAX = 25

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


class RoleName(StrEnum):
    MEMBER = "member"
    EXECUTIVE = "executive"
    COORDINATOR = "coordinator"


class Purpose(StrEnum):
    ANNOUNCEMENTS = "announcements"
    GENERAL = "general"
    REFLECTION = "reflection"
    RESOURCES = "resources"


def display(user_key: str) -> str:
    """How to show a person: a mention on Discord, the plain id elsewhere."""
    platform, _, user_id = user_key.partition(":")
    return f"<@{user_id}>" if platform == "discord" else (user_id or user_key)


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


class NetworksCog(Cog):
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
        kernel.events.on_member_joined(self.welcome)

    async def start(self) -> None:
        await self.service.sync_admins()

    async def _export(self, tx: Transaction, user_key: str) -> Any:
        memberships = await repo.memberships_of(tx, user_key)
        return {
            "memberships": [m.model_dump(mode="json") for m in memberships],
            "admin": await repo.admin_rows(tx, user_key),
        }

    async def _delete(self, tx: Transaction, user_key: str) -> int:
        return await repo.delete_person(tx, user_key)

    async def _move(self, tx: Transaction, old_key: str, new_key: str) -> int:
        return await repo.move_person(tx, old_key, new_key)

    # ---- helpers --------------------------------------------------------------------------

    def _network_id(self, ctx: Context) -> int:
        if ctx.network_id is None:
            raise UserError(
                "Say which network with network:SHORT-NAME (type /network list to see them)."
            )
        return ctx.network_id

    async def _platform_role(
        self, space: PlaceRef | None, person: UserRef, network: Network, *, present: bool
    ) -> str:
        """Give or take the network's platform role in this space; a note if that failed."""
        if space is None:
            return ""
        port = self.kernel.ports.get(person.platform)
        role_id = await self.service.platform_role(network.id, space.key)
        if port is None or role_id is None:
            return ""
        try:
            await port.set_member_role(space, person, role_id, present=present)
        except UserError as error:
            return f"\n{error}"
        except Exception as error:
            error_id = new_error_id()
            log_failure(log, error, "platform role change failed [error %s]", error_id)
            change = "give" if present else "take away"
            return (
                f"\nI could not {change} the {network.name} role on this server just now "
                f"(error id {error_id}); an admin can fix it by hand."
            )
        return ""

    async def _withdraw_everywhere(self, person_key: str, network: Network) -> str:
        """Someone left the network (or was removed): take its role away in every space it is
        set up in, from each of the person's linked accounts there, not only where they asked."""
        notes = ""
        for space, _role_id in await self.service.platform_roles(network.id):
            there = self.kernel.people.on_platform(person_key, space.platform)
            if there is not None:
                notes += await self._platform_role(space, there, network, present=False)
        return notes

    async def _platform_rank(
        self, space: PlaceRef | None, person: UserRef, network: Network, rank: Role
    ) -> str:
        """Give the person the platform's standing for their network role in this space (on
        Matrix, coordinators are moderators in the network's rooms); a note if that failed."""
        if space is None:
            return ""
        port = self.kernel.ports.get(person.platform)
        role_id = await self.service.platform_role(network.id, space.key)
        if port is None or role_id is None:
            return ""
        try:
            await port.set_member_rank(space, role_id, person, rank)
        except UserError as error:
            return f"\n{error}"
        except Exception as error:
            error_id = new_error_id()
            log_failure(log, error, "platform rank change failed [error %s]", error_id)
            return (
                f"\nI could not change {display(person.key)}'s standing in {network.name}'s "
                f"rooms just now (error id {error_id}); an admin can fix it by hand."
            )
        return ""

    async def _network_select(self, placeholder: str) -> Select | None:
        networks = [n for n, _ in await self.service.list_networks()][:SELECT_MAX]
        if not networks:
            return None
        return Select(
            placeholder=placeholder,
            action=ActionRef(action=JOIN_ACTION),
            choices=[
                Choice(label=n.name[:100], value=n.slug, description=n.description[:100])
                for n in networks
            ],
            min_values=1,
            max_values=len(networks),
        )

    async def _join_one(self, ctx: Context, network: Network) -> str:
        if not await self.service.join(ctx.user.key, network.id):
            return f"You are already in {network.name}."
        text = f"Welcome to {network.name}. You joined as a member."
        if network.guidelines.strip():
            text += "\n\n" + guidelines_text(network)
        return text + await self._platform_role(ctx.space, ctx.here, network, present=True)

    # ---- networks -------------------------------------------------------------------------

    @command("network list", "The peer worker networks here", role=Role.EVERYONE)
    async def list_networks(self, ctx: Context) -> Reply:
        networks = await self.service.list_networks()
        if not networks:
            return Reply.private_text(
                "There are no networks yet. An admin can create one with /network create."
            )
        lines = [
            f"- {n.name} ({n.slug}): {count} member{'s' if count != 1 else ''}, "
            f"time zone {n.timezone}" + (f". {n.description}" if n.description else "")
            for n, count in networks
        ]
        card = Card(
            title="Networks",
            fields=[
                CardField(name=f"{n.name} ({n.slug})", value=n.description or n.timezone)
                for n, _ in networks
            ],
        )
        return Reply(
            text="Networks:\n" + "\n".join(lines) + "\n\nJoin one with /network join.",
            cards=[card],
            private=True,
        )

    @command("network create", "Create a peer worker network", role=Role.ADMIN)
    async def create(
        self,
        ctx: Context,
        name: Annotated[str, Option("Full name, like South Coast Peer Network", max_length=80)],
        slug: Annotated[str, Option("Short name, like south-coast", max_length=30)],
        timezone: Annotated[
            str | None, Option("Time zone, like Australia/Sydney", max_length=TIMEZONE_MAX)
        ] = None,
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
        "network edit", "Change a network's name, time zone or description", role=Role.COORDINATOR
    )
    async def edit(
        self,
        ctx: Context,
        network: NetworkOption,
        name: Annotated[str | None, Option("New full name", max_length=80)] = None,
        timezone: Annotated[
            str | None, Option("New time zone, like Australia/Sydney", max_length=TIMEZONE_MAX)
        ] = None,
        description: Annotated[str | None, Option("New description", max_length=300)] = None,
    ) -> Reply:
        updated = await self.service.edit(
            self._network_id(ctx),
            actor_key=ctx.user.key,
            name=name,
            timezone=timezone,
            description=description,
        )
        return Reply.private_text(
            f"Updated {updated.name} ({updated.slug}): time zone {updated.timezone}"
            + (f", description: {updated.description}" if updated.description else "")
            + "."
        )

    @command("network info", "A network's coordinators, members and channels", role=Role.EVERYONE)
    async def info(self, ctx: Context, network: OptionalNetwork = None) -> Reply:
        details = await self.service.details(self._network_id(ctx))
        n = details.network
        coordinators = ", ".join(map(display, details.with_role(Role.COORDINATOR))) or "none yet"
        executives = ", ".join(map(display, details.with_role(Role.EXECUTIVE))) or "none yet"
        count = len(details.members)
        channels = ", ".join(
            f"{purpose}: {place_key.partition(':')[2]}"
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

    @command("network archive", "Archive a network: hidden, history kept", role=Role.ADMIN)
    async def archive(self, ctx: Context, network: NetworkOption) -> Reply:
        archived = await self.service.archive(self._network_id(ctx), actor_key=ctx.user.key)
        await self.kernel.events.network_archived(archived.id)  # its schedules stop
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
        if not await self.service.leave(ctx.user.key, found.id):
            raise UserError(f"You are not a member of {found.name}, so there is nothing to leave.")
        note = await self._withdraw_everywhere(ctx.user.key, found)
        return Reply.private_text(
            f"You have left {found.name}. You can join again at any time." + note
        )

    @command("network mine", "The networks you belong to and your role in each", role=Role.EVERYONE)
    async def mine(self, ctx: Context) -> Reply:
        memberships = await self.service.memberships(ctx.user.key)
        if not memberships:
            return Reply.private_text(
                "You are not in any network yet. Type /network list to see them."
            )
        lines = [f"- {m.network_name} ({m.network_slug}): {m.role}" for m in memberships]
        return Reply.private_text("Your networks:\n" + "\n".join(lines))

    @command("network members", "Who is in a network, with their roles", role=Role.EXECUTIVE)
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

    @command("network role", "Grant or remove a role in a network", role=Role.COORDINATOR)
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
        note = ""
        if change.before is None and change.after is not None:
            note = await self._platform_role(ctx.space, person, change.network, present=True)
        elif change.after is None:
            note = await self._withdraw_everywhere(change.target_key, change.network)
        if change.after != change.before:
            rank = change.after or Role.MEMBER
            note += await self._platform_rank(ctx.space, person, change.network, rank)
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
        ranks = await self._coordinator_ranks(ctx.space, found)
        if not result.created:
            return Reply.private_text(
                f"{found.name} is already set up here: its member role, category and channels "
                "all exist. Nothing was created." + ranks
            )
        text = f"Set up {found.name} here. Created: {', '.join(result.created)}."
        if result.kept:
            text += f" Already there: {', '.join(result.kept)}."
        return Reply.private_text(
            text + " Only the network's members can see its channels; in announcements only "
            "coordinators and peerbot post." + ranks
        )

    async def _coordinator_ranks(self, space: PlaceRef, network: Network) -> str:
        """Coordinators get their standing in the network's rooms here: those named before
        the rooms existed, or on another platform (a linked account), or whose standing was
        changed by hand."""
        notes = ""
        for key, role in await self.service.members(network.id):
            there = self.kernel.people.on_platform(key, space.platform)
            if role >= Role.COORDINATOR and there is not None:
                notes += await self._platform_rank(space, there, network, role)
        return notes

    @command(
        "network link",
        "Use an existing channel for one of the network's parts",
        role=Role.COORDINATOR,
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
                f"- {n.name} ({n.slug})" + (f": {n.description}" if n.description else "")
                for n in networks
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
