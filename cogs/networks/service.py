"""The rules for networks and roles, and the Directory the kernel asks about permissions."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.audit import AuditLog
from bot.clock import Clock
from bot.commands import Role
from bot.errors import UserError
from bot.events import Events, Leaving
from bot.identity import PlaceRef, place_from_key
from bot.permissions import NetworkInfo
from bot.ports import ChannelSpec, OutboundPort
from bot.storage import Database, Transaction
from cogs.networks import repository as repo
from cogs.networks.models import (
    APPROVAL,
    MEMBER_ROLES,
    OPEN,
    Membership,
    Network,
    check_name,
    check_slug,
    check_timezone,
    role_from_text,
)

CATEGORY = "category"
#: The channels /network setup creates, in order, with their topics.
CHANNEL_PURPOSES: dict[str, str] = {
    "announcements": "Notices from the coordinators. Members read; coordinators and peerbot post.",
    "general": "Conversation between the network's members.",
    "reflection": "Where private co-reflection threads are opened.",
    "resources": "Useful forms, guides and links for peer work.",
}
#: Channels a coordinator links with /manage network link; set-up does not create them.
LINKED_PURPOSES = ("notices", "stories")
PURPOSES = (CATEGORY, *CHANNEL_PURPOSES, *LINKED_PURPOSES)
#: What set-up says it created, per kind of platform role.
ROLE_LABELS = {
    repo.MEMBER_KIND: "role",
    "executive": "executives role",
    "coordinator": "coordinators role",
}


def role_name(network_name: str, kind: str) -> str:
    """The platform role's name: "South Coast member", "South Coast coordinators"."""
    return f"{network_name} member" if kind == repo.MEMBER_KIND else f"{network_name} {kind}s"


def wanted_kinds(role: Role | None) -> set[str]:
    """The platform roles a person with this network role holds: every member has the
    member role (so sees the channels); executives and coordinators also their own."""
    if role is None or role < Role.MEMBER:
        return set()
    if role is Role.MEMBER:
        return {repo.MEMBER_KIND}
    return {repo.MEMBER_KIND, role.label}


def _info(network: Network) -> NetworkInfo:
    return NetworkInfo(network.id, network.slug, network.name, network.timezone)


def article(role: Role) -> str:
    return "an" if role.label[0] in "aeiou" else "a"


@dataclass(frozen=True)
class NetworkDetails:
    """What /network info shows."""

    network: Network
    members: list[tuple[str, Role]]
    places: list[tuple[str, str, str]]  # (space_key, purpose, place_key)

    def with_role(self, role: Role) -> list[str]:
        return [key for key, r in self.members if r is role]


@dataclass(frozen=True)
class RoleChange:
    network: Network
    target_key: str
    before: Role | None
    after: Role | None


@dataclass
class SetupResult:
    role_id: str = ""
    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    #: kind -> platform role id, for every role the network has in the space.
    roles: dict[str, str] = field(default_factory=dict)


class NetworkService:
    """Networks and memberships. Implements ``bot.permissions.Directory``."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        config_admins: frozenset[str],
        audit: AuditLog | None = None,
        identities: Callable[[str], list[str]] | None = None,
        events: Events | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.config_admins = config_admins
        self.audit = audit or AuditLog(db, clock)
        #: A person's linked accounts: a configured admin is admin from any of them.
        self.identities = identities or (lambda key: [key])
        #: Other cogs drop what only a member has when someone leaves (``Events.on_leaving``).
        self.events = events or Events()

    # ---- Directory ------------------------------------------------------------------------

    async def role_of(self, user_key: str, network_id: int | None) -> Role:
        if any(key in self.config_admins for key in self.identities(user_key)):
            return Role.ADMIN
        # One indexed lookup, asked on every command: run without a thread hop.
        rows = await self.db.lookup(
            """SELECT 'admin' AS role FROM admins WHERE user_key = ?
               UNION ALL
               SELECT role FROM memberships
               WHERE user_key = ? AND (? IS NULL OR network_id = ?)""",
            (user_key, user_key, network_id, network_id),
        )
        roles = [role_from_text(str(r["role"])) for r in rows]
        return max(roles, default=Role.EVERYONE)

    async def network_by_slug(self, slug: str) -> NetworkInfo | None:
        # Asked on every command naming a network: an indexed lookup, without a thread hop.
        rows = await self.db.lookup(repo.NETWORK_BY_SLUG, (slug,))
        network = repo.network_from_row(rows[0]) if rows else None
        return _info(network) if network and network.archived_at is None else None

    async def network_for_place(self, place_key: str) -> NetworkInfo | None:
        rows = await self.db.lookup(
            """SELECT n.id, n.slug, n.name, n.timezone FROM networks n
               JOIN network_places p ON p.network_id = n.id
               WHERE p.place_key = ? AND n.archived_at IS NULL""",
            (place_key,),
        )
        if not rows:
            return None
        row = rows[0]
        return NetworkInfo(int(row["id"]), str(row["slug"]), str(row["name"]), str(row["timezone"]))

    async def networks(self) -> list[NetworkInfo]:
        return [_info(network) for network, _ in await self.list_networks()]

    async def assign_role(self, user_key: str, network_id: int | None, role: Role) -> None:
        if network_id is None and role is not Role.ADMIN:
            raise UserError(f"Say which network the {role.label} role is for.")
        await self.set_role(user_key, network_id or 0, role)

    # ---- the rules ------------------------------------------------------------------------

    async def sync_admins(self) -> None:
        async with self.db.transaction() as tx:
            await repo.sync_config_admins(tx, sorted(self.config_admins), self.clock.now())

    async def create(
        self, *, slug: str, name: str, timezone: str, description: str, actor_key: str = ""
    ) -> Network:
        slug = check_slug(slug)
        timezone = check_timezone(timezone.strip())
        name = _check_name(name)
        try:
            async with self.db.transaction() as tx:
                network = await repo.insert_network(
                    tx,
                    slug=slug,
                    name=name,
                    timezone=timezone,
                    description=description.strip(),
                    now=self.clock.now(),
                )
                await self.audit.record(
                    tx,
                    actor_key=actor_key or "system",
                    action="network.create",
                    network_id=network.id,
                    target=slug,
                )
                return network
        except sqlite3.IntegrityError:
            raise UserError(
                f"There is already a network with the short name '{slug}'. Choose another."
            ) from None

    async def list_networks(self) -> list[tuple[Network, int]]:
        async with self.db.reading() as tx:
            networks = await repo.active_networks(tx)
            counts = await repo.member_counts(tx)
        return [(n, counts.get(n.id, 0)) for n in networks]

    async def get(self, network_id: int) -> Network:
        async with self.db.reading() as tx:
            network = await repo.network_by_id(tx, network_id)
        if network is None:
            raise UserError("That network no longer exists. Type /network list to see them.")
        return network

    async def join(self, user_key: str, network_id: int) -> bool:
        """Join as a member; False if already in it (an existing role is never lowered)."""
        async with self.db.transaction() as tx:
            if await repo.role_in(tx, user_key, network_id) is not None:
                return False
            await repo.set_role(tx, user_key, network_id, Role.MEMBER, self.clock.now())
        return True

    async def role_in(self, user_key: str, network_id: int) -> Role | None:
        """The person's role in one network (None: not in it)."""
        async with self.db.reading() as tx:
            return await repo.role_in(tx, user_key, network_id)

    async def leave(self, user_key: str, network_id: int) -> str | None:
        """Leave a network, and with it what only its members have (answers to its meetings,
        their reminders, check-ins set up with it), in one transaction. None if the person
        was not in it; otherwise the notes for them about what stopped ("" for nothing)."""
        async with self.db.transaction() as tx:
            left = await self._remove_member(tx, user_key, network_id, by_themselves=True)
        if left is None:
            return None
        await self.events.left(left[0])
        return left[1]

    async def _remove_member(
        self, tx: Transaction, user_key: str, network_id: int, *, by_themselves: bool
    ) -> tuple[Leaving, str] | None:
        if await repo.remove_membership(tx, user_key, network_id) != 1:
            return None
        network = await repo.network_by_id(tx, network_id)
        leaving = Leaving(
            person_key=user_key,
            network_id=network_id,
            network_name=network.name if network is not None else "",
            by_themselves=by_themselves,
        )
        return leaving, await self.events.leaving(tx, leaving)

    async def set_role(self, user_key: str, network_id: int, role: Role) -> None:
        """Give a person a role (admin is space-wide; the others are per network)."""
        left: tuple[Leaving, str] | None = None
        async with self.db.transaction() as tx:
            if role is Role.ADMIN:
                await repo.grant_admin(tx, user_key, self.clock.now())
            elif role is Role.EVERYONE:
                left = await self._remove_member(tx, user_key, network_id, by_themselves=False)
            else:
                await repo.set_role(tx, user_key, network_id, role, self.clock.now())
        if left is not None:
            await self.events.left(left[0])

    async def memberships(self, user_key: str) -> list[Membership]:
        async with self.db.reading() as tx:
            return await repo.memberships_of(tx, user_key)

    async def active_by_slug(self, slug: str) -> Network:
        """An active network by its short name, or a clear refusal."""
        async with self.db.reading() as tx:
            network = await repo.network_by_slug(tx, slug.strip().lower())
        if network is None or network.archived_at is not None:
            raise UserError(
                f"There is no network called '{slug.strip()}'. "
                "Type /network list to see the networks and their short names."
            )
        return network

    async def edit(
        self,
        network_id: int,
        *,
        actor_key: str,
        name: str | None = None,
        timezone: str | None = None,
        description: str | None = None,
        joining: str | None = None,
    ) -> Network:
        """Change a network's name, time zone, description or how it is joined; the short
        name stays. Switching to open joining leaves pending requests for a coordinator."""
        if name is None and timezone is None and description is None and joining is None:
            raise UserError(
                "Say what to change: name, timezone, description or joining. Nothing was changed."
            )
        network = await self.get(network_id)
        new_name = _check_name(name) if name is not None else network.name
        new_tz = check_timezone(timezone.strip()) if timezone is not None else network.timezone
        new_desc = description.strip() if description is not None else network.description
        new_joining = joining if joining is not None else network.joining
        if new_joining not in (OPEN, APPROVAL):
            raise UserError(
                "Joining must be 'open' (anyone joins at once) or 'approval' (a coordinator "
                "approves each request). Nothing was changed."
            )
        changed = [
            label
            for label, old, new in (
                ("name", network.name, new_name),
                ("timezone", network.timezone, new_tz),
                ("description", network.description, new_desc),
                (f"joining: {new_joining}", network.joining, new_joining),
            )
            if old != new
        ]
        async with self.db.transaction() as tx:
            await repo.update_network(
                tx,
                network_id,
                name=new_name,
                timezone=new_tz,
                description=new_desc,
                joining=new_joining,
            )
            await self.audit.record(
                tx,
                actor_key=actor_key,
                action="network.edit",
                network_id=network_id,
                target=network.slug,
                detail=", ".join(changed) or "no change",
            )
            updated = await repo.network_by_id(tx, network_id)
        assert updated is not None
        return updated

    async def archive(self, network_id: int, *, actor_key: str) -> Network:
        """Hide a network from lists and joining; its history stays."""
        network = await self.get(network_id)
        async with self.db.transaction() as tx:
            if not await repo.archive_network(tx, network_id, self.clock.now()):
                raise UserError(f"{network.name} is already archived.")
            await self.audit.record(
                tx,
                actor_key=actor_key,
                action="network.archive",
                network_id=network_id,
                target=network.slug,
            )
        return network

    async def members(self, network_id: int) -> list[tuple[str, Role]]:
        async with self.db.reading() as tx:
            return await repo.members_of(tx, network_id)

    async def details(self, network_id: int) -> NetworkDetails:
        async with self.db.reading() as tx:
            network = await repo.network_by_id(tx, network_id)
            if network is None:
                raise UserError("That network no longer exists. Type /network list to see them.")
            members = await repo.members_of(tx, network_id)
            places = await repo.places_of(tx, network_id)
        return NetworkDetails(network, members, places)

    async def guidelines(self, network_id: int) -> str:
        return (await self.get(network_id)).guidelines.strip()

    async def change_role(
        self,
        *,
        actor_key: str,
        actor_role: Role,
        network_id: int,
        target_key: str,
        role: Role,
        remove: bool = False,
    ) -> RoleChange:
        """Grant or remove a role in one network.

        Admins grant and remove coordinators; coordinators (and admins) grant and remove
        executives and members. Removing executive or coordinator leaves the person a member;
        removing member takes them out of the network.
        """
        if role not in MEMBER_ROLES:
            raise UserError("The role must be member, executive or coordinator.")
        network = await self.get(network_id)
        left: tuple[Leaving, str] | None = None
        async with self.db.transaction() as tx:
            before = await repo.role_in(tx, target_key, network_id)
            if (role is Role.COORDINATOR or before is Role.COORDINATOR) and (
                actor_role < Role.ADMIN
            ):
                raise UserError(
                    "Only a peerbot admin can give or take away the coordinator role. "
                    "Nothing was changed."
                )
            if actor_role < Role.COORDINATOR:
                raise UserError(
                    f"Only a coordinator of {network.name} can change roles there. "
                    "Nothing was changed."
                )
            who = target_key.partition(":")[2] or target_key
            if remove:
                if before is not role:
                    raise UserError(
                        f"{who} is not {article(role)} {role.label} of {network.name}, "
                        "so there is nothing to remove. Nothing was changed."
                    )
                after: Role | None = None if role is Role.MEMBER else Role.MEMBER
                if after is None:
                    left = await self._remove_member(
                        tx, target_key, network_id, by_themselves=False
                    )
                else:
                    await repo.set_role(tx, target_key, network_id, after, self.clock.now())
                action = "network.role.remove"
            else:
                if before is role:
                    raise UserError(
                        f"{who} is already {article(role)} {role.label} of {network.name}. "
                        "Nothing was changed."
                    )
                after = role
                await repo.set_role(tx, target_key, network_id, role, self.clock.now())
                action = "network.role.grant"
            await self.audit.record(
                tx,
                actor_key=actor_key,
                action=action,
                network_id=network_id,
                target=target_key,
                detail=role.label,
            )
        if left is not None:
            await self.events.left(left[0])
        return RoleChange(network, target_key, before, after)

    # ---- platform roles and places --------------------------------------------------------

    async def platform_role(self, network_id: int, space_key: str) -> str | None:
        """The platform role id that marks this network's members in a space, if recorded."""
        async with self.db.reading() as tx:
            return await repo.platform_role(tx, network_id, space_key)

    async def role_ids(self, network_id: int, space_key: str) -> dict[str, str]:
        """kind (member, executive, coordinator) -> platform role id, in one space."""
        async with self.db.reading() as tx:
            return await repo.role_ids_in(tx, network_id, space_key)

    async def networks_in_space(self, space_key: str) -> list[Network]:
        """The active networks set up in a space."""
        async with self.db.reading() as tx:
            ids = await repo.networks_in_space(tx, space_key)
            found = [await repo.network_by_id(tx, i) for i in ids]
        return [n for n in found if n is not None]

    async def platform_roles(self, network_id: int) -> list[tuple[PlaceRef, str]]:
        """(space, role id) of the network's member role in every space, on every platform."""
        async with self.db.reading() as tx:
            found = await repo.platform_roles(tx, network_id)
        return [(place_from_key(space), role_id) for space, role_id in found]

    async def place_for(self, network_id: int, space_key: str, purpose: str) -> PlaceRef | None:
        """The place playing ``purpose`` (announcements, general, reflection, resources,
        category) for a network in a space. Other cogs look channels up here, never by name."""
        async with self.db.reading() as tx:
            place_key = await repo.place_for(tx, network_id, space_key, purpose)
        return place_from_key(place_key) if place_key else None

    async def link(
        self, network_id: int, space_key: str, purpose: str, place: PlaceRef, *, actor_key: str
    ) -> Network:
        """Bind an existing place to a purpose for a network (instead of /network setup)."""
        if purpose not in PURPOSES:
            raise UserError(
                f"'{purpose}' is not a channel part. Use one of: {', '.join(PURPOSES)}."
            )
        network = await self.get(network_id)
        async with self.db.transaction() as tx:
            owner = await repo.place_owner(tx, place.key)
            if owner is not None and owner[0] != network_id:
                raise UserError(
                    "That channel already belongs to another network. Nothing was changed."
                )
            await repo.set_place(tx, network_id, space_key, purpose, place.key)
            await self.audit.record(
                tx,
                actor_key=actor_key,
                action="network.link",
                network_id=network_id,
                target=place.key,
                detail=purpose,
            )
        return network

    async def setup(
        self, network_id: int, space: PlaceRef, port: OutboundPort, *, actor_key: str
    ) -> SetupResult:
        """Create, once, the network's member role, category and channels in a space.

        Run again, it checks each recorded part on the platform and recreates only what is
        missing. Each part is recorded (with its audit row) as soon as it exists, so a failure
        half-way loses nothing and the next run carries on.
        """
        network = await self.get(network_id)
        result = SetupResult()
        for kind in repo.ROLE_KINDS:
            await self._ensure_role(network, space, kind, port, result, actor_key)
        role_id = result.roles[repo.MEMBER_KIND]
        result.role_id = role_id
        roles = (role_id,)
        staff = tuple(result.roles[k] for k in repo.ROLE_KINDS[1:] if k in result.roles)

        category = await self._existing(network_id, space, CATEGORY, port)
        if category is not None:
            result.kept.append(CATEGORY)
            # A role deleted and recreated, or an overwrite removed by hand: put it back
            # (the port sends nothing when the overwrite is already right).
            await port.set_role_access(category, space, role_id, read_only=False)
        else:
            category = await port.create_category(space, network.name, roles)
            await self._record_created(network_id, space, CATEGORY, category, actor_key)
            result.created.append(CATEGORY)

        for purpose, topic in CHANNEL_PURPOSES.items():
            read_only = purpose == "announcements"
            existing = await self._existing(network_id, space, purpose, port)
            if existing is not None:
                result.kept.append(purpose)
                await port.set_role_access(existing, space, role_id, read_only=read_only)
                for staff_role in staff:
                    await port.set_role_access(
                        existing, space, staff_role, read_only=False, can_post=True
                    )
                continue
            channel = await port.create_channel(
                ChannelSpec(
                    space=space,
                    # Prefixed with the short name: several networks share a space, and a
                    # bare "general" would be ambiguous in mentions (and on the console,
                    # where a place is its name, two networks would share one place).
                    name=f"{network.slug}-{purpose}",
                    topic=topic,
                    category=category,
                    visible_to_roles=roles,
                    read_only=read_only,
                    posting_roles=staff,
                )
            )
            await self._record_created(network_id, space, purpose, channel, actor_key)
            result.created.append(purpose)
        if not result.created:
            async with self.db.transaction() as tx:
                await self._audit_setup(tx, actor_key, network_id, "", "nothing missing")
        return result

    async def _ensure_role(
        self,
        network: Network,
        space: PlaceRef,
        kind: str,
        port: OutboundPort,
        result: SetupResult,
        actor_key: str,
    ) -> None:
        """Keep the recorded role if it still exists on the platform, else create it (staff
        roles only where the platform has roles)."""
        async with self.db.reading() as tx:
            role_id = await repo.platform_role(tx, network.id, space.key, kind)
        if role_id is not None and await port.role_exists(space, role_id):
            result.kept.append(ROLE_LABELS[kind])
            result.roles[kind] = role_id
            return
        name = role_name(network.name, kind)
        if kind == repo.MEMBER_KIND:
            made: str | None = await port.create_role(space, name)
        else:
            made = await port.create_staff_role(space, name)
        if made is None:
            return
        async with self.db.transaction() as tx:
            await repo.set_platform_role(tx, network.id, space.key, made, kind)
            await self._audit_setup(tx, actor_key, network.id, ROLE_LABELS[kind], made)
        result.created.append(ROLE_LABELS[kind])
        result.roles[kind] = made

    async def _existing(
        self, network_id: int, space: PlaceRef, purpose: str, port: OutboundPort
    ) -> PlaceRef | None:
        place = await self.place_for(network_id, space.key, purpose)
        if place is not None and await port.place_exists(place):
            return place
        return None

    async def _record_created(
        self, network_id: int, space: PlaceRef, purpose: str, place: PlaceRef, actor_key: str
    ) -> None:
        async with self.db.transaction() as tx:
            await repo.set_place(tx, network_id, space.key, purpose, place.key)
            await self._audit_setup(tx, actor_key, network_id, purpose, place.key)

    async def _audit_setup(
        self, tx: Transaction, actor_key: str, network_id: int, part: str, detail: str
    ) -> None:
        await self.audit.record(
            tx,
            actor_key=actor_key,
            action="network.setup",
            network_id=network_id,
            target=part,
            detail=detail,
        )


def _check_name(name: str) -> str:
    return check_name(name)
