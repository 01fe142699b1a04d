"""The rules for networks and roles, and the Directory the kernel asks about permissions."""

from __future__ import annotations

import sqlite3

from bot.clock import Clock
from bot.commands import Role
from bot.errors import UserError
from bot.permissions import NetworkInfo
from bot.storage import Database
from cogs.networks import repository as repo
from cogs.networks.models import (
    Membership,
    Network,
    check_slug,
    check_timezone,
    role_from_text,
)


def _info(network: Network) -> NetworkInfo:
    return NetworkInfo(network.id, network.slug, network.name, network.timezone)


class NetworkService:
    """Networks and memberships. Implements ``bot.permissions.Directory``."""

    def __init__(self, db: Database, clock: Clock, config_admins: frozenset[str]) -> None:
        self.db = db
        self.clock = clock
        self.config_admins = config_admins

    # ---- Directory ------------------------------------------------------------------------

    async def role_of(self, user_key: str, network_id: int | None) -> Role:
        if user_key in self.config_admins:
            return Role.ADMIN
        # One statement: asked on every command, so one trip to the database.
        rows = await self.db.fetch_all(
            """SELECT 'admin' AS role FROM admins WHERE user_key = ?
               UNION ALL
               SELECT role FROM memberships
               WHERE user_key = ? AND (? IS NULL OR network_id = ?)""",
            (user_key, user_key, network_id, network_id),
        )
        roles = [role_from_text(str(r["role"])) for r in rows]
        return max(roles, default=Role.EVERYONE)

    async def network_by_slug(self, slug: str) -> NetworkInfo | None:
        async with self.db.reading() as tx:
            network = await repo.network_by_slug(tx, slug)
        return _info(network) if network and network.archived_at is None else None

    async def network_for_place(self, place_key: str) -> NetworkInfo | None:
        row = await self.db.fetch_one(
            """SELECT n.id, n.slug, n.name, n.timezone FROM networks n
               JOIN network_places p ON p.network_id = n.id
               WHERE p.place_key = ? AND n.archived_at IS NULL""",
            (place_key,),
        )
        if row is None:
            return None
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

    async def create(self, *, slug: str, name: str, timezone: str, description: str) -> Network:
        slug = check_slug(slug)
        timezone = check_timezone(timezone.strip())
        name = name.strip()
        if not name:
            raise UserError("A network needs a name, like 'South Coast Peer Network'.")
        try:
            async with self.db.transaction() as tx:
                return await repo.insert_network(
                    tx,
                    slug=slug,
                    name=name,
                    timezone=timezone,
                    description=description.strip(),
                    now=self.clock.now(),
                )
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

    async def leave(self, user_key: str, network_id: int) -> bool:
        async with self.db.transaction() as tx:
            return await repo.remove_membership(tx, user_key, network_id) == 1

    async def set_role(self, user_key: str, network_id: int, role: Role) -> None:
        """Give a person a role (admin is space-wide; the others are per network)."""
        async with self.db.transaction() as tx:
            if role is Role.ADMIN:
                await repo.grant_admin(tx, user_key, self.clock.now())
            elif role is Role.EVERYONE:
                await repo.remove_membership(tx, user_key, network_id)
            else:
                await repo.set_role(tx, user_key, network_id, role, self.clock.now())

    async def memberships(self, user_key: str) -> list[Membership]:
        async with self.db.reading() as tx:
            return await repo.memberships_of(tx, user_key)
