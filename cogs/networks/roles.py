"""Platform roles follow peerbot's memberships: one truth, applied on every change.

peerbot's database says who is in a network and with which role; a platform's roles (on
Discord: the network's member, executives and coordinators roles) decide who sees and posts
in its channels. This module makes the platform match the database: for one person when they
join, leave, change role or delete their data (in every space the network is set up in, from
each of their linked accounts, wherever they typed), and for a whole space at set-up and at
start (add what is missing, take away what is stale), a few requests at a time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

from bot.commands import Role
from bot.errors import UserError, log_failure, new_error_id
from bot.identity import PlaceRef, UserRef
from bot.people import People
from bot.ports import OutboundPort
from cogs.networks import repository as repo
from cogs.networks.models import Network
from cogs.networks.service import NetworkService, role_name, wanted_kinds
from cogs.networks.staff_menu import StaffMenu

log = logging.getLogger(__name__)

#: Role changes in flight at once during a reconcile. discord.py queues on Discord's
#: per-route limits (and waits out a 429) by itself; this keeps a set-up or start with
#: hundreds of members from putting hundreds of requests in that queue at once.
CONCURRENCY = 4


@dataclass
class SyncCounts:
    """What a reconcile changed: counts only, never names (they go to the log)."""

    networks: int = 0
    added: int = 0
    removed: int = 0
    failed: int = 0
    note: str = ""

    def add(self, other: SyncCounts) -> None:
        self.networks += other.networks
        self.added += other.added
        self.removed += other.removed
        self.failed += other.failed
        self.note = self.note or other.note


class PlatformRoles:
    def __init__(
        self,
        service: NetworkService,
        people: People,
        ports: dict[str, OutboundPort],
        staff_menu: StaffMenu | None = None,
    ) -> None:
        self.service = service
        self.people = people
        self.ports = ports
        #: The server-wide role that shows the staff commands, which follows every change.
        self.staff_menu = staff_menu

    # ---- one person -------------------------------------------------------------------------

    async def sync_person(
        self,
        person_key: str,
        network: Network,
        before: Role | None,
        after: Role | None,
        *,
        repair: bool = False,
        accounts: list[UserRef] | None = None,
        only_space: str | None = None,
    ) -> str:
        """Give and take the network's platform roles for a change from ``before`` to
        ``after`` (None: not in the network) in every space it is set up in. ``repair`` sets
        every role as it should be, whatever was there. Returns notes for the person about
        what failed (empty when all went well)."""
        notes: list[str] = []
        give, take = wanted_kinds(after), wanted_kinds(before)
        for space, _member_role in await self.service.platform_roles(network.id):
            port = self.ports.get(space.platform)
            account = self._account(person_key, space.platform, accounts)
            if port is None or account is None or only_space not in (None, space.key):
                continue
            ids = await self.service.role_ids(network.id, space.key)
            if after is None:  # leaving: drop the standing first, then the membership
                await self._rank(port, space, ids, account, network, Role.MEMBER, notes)
            for kind, role_id in ids.items():
                present = kind in give
                if repair or present != (kind in take):
                    await self._role(port, space, account, role_id, present, network, notes)
            if after is not None and (repair or after != before):
                await self._rank(port, space, ids, account, network, after, notes)
        staff_changed = Role.EXECUTIVE in (before, after) or Role.COORDINATOR in (before, after)
        if self.staff_menu is not None and (repair or staff_changed):
            await self.staff_menu.sync_person(person_key, accounts)
        return "".join(f"\n{note}" for note in dict.fromkeys(notes))

    async def withdraw_all(
        self, person_key: str, networks: list[tuple[Network, Role]], accounts: list[UserRef]
    ) -> str:
        """The person deleted their data: take every network role away from each account."""
        notes = ""
        for network, role in networks:
            notes += await self.sync_person(
                person_key, network, role, None, repair=True, accounts=accounts
            )
        return notes

    def _account(
        self, person_key: str, platform: str, accounts: list[UserRef] | None
    ) -> UserRef | None:
        if accounts is not None:
            return next((a for a in accounts if a.platform == platform), None)
        return self.people.on_platform(person_key, platform)

    async def _role(
        self,
        port: OutboundPort,
        space: PlaceRef,
        user: UserRef,
        role_id: str,
        present: bool,
        network: Network,
        notes: list[str],
    ) -> bool:
        change = "give" if present else "take away"
        return await self._attempt(
            lambda: port.set_member_role(space, user, role_id, present=present),
            notes,
            f"I could not {change} the {network.name} role on this server just now",
        )

    async def _rank(
        self,
        port: OutboundPort,
        space: PlaceRef,
        ids: dict[str, str],
        user: UserRef,
        network: Network,
        rank: Role,
        notes: list[str],
    ) -> None:
        member_role = ids.get(repo.MEMBER_KIND)
        if member_role is None:
            return
        await self._attempt(
            lambda: port.set_member_rank(space, member_role, user, rank),
            notes,
            f"I could not change that standing in {network.name}'s rooms just now",
        )

    @staticmethod
    async def _attempt(call: Callable[[], Awaitable[None]], notes: list[str], failed: str) -> bool:
        try:
            await call()
        except UserError as error:
            notes.append(str(error))
            return False
        except Exception as error:
            error_id = new_error_id()
            log_failure(log, error, "platform role change failed [error %s]", error_id)
            notes.append(f"{failed} (error id {error_id}); an admin can fix it by hand.")
            return False
        return True

    # ---- a whole space ----------------------------------------------------------------------

    async def sync_space(self, network: Network, space: PlaceRef, port: OutboundPort) -> SyncCounts:
        """Make every holder of the network's roles in this space exactly its members: add
        what is missing, take away what is stale. Where the platform cannot list a role's
        holders, coordinators get their standing (Matrix power levels), as before."""
        counts = SyncCounts(networks=1)
        ids = await self.service.role_ids(network.id, space.key)
        members = await self.service.members(network.id)
        desired: dict[str, set[str]] = {kind: set() for kind in ids}
        accounts: dict[str, UserRef] = {}
        for key, role in members:
            account = self.people.on_platform(key, space.platform)
            if account is None:
                continue
            accounts[account.id] = account
            for kind in wanted_kinds(role) & desired.keys():
                desired[kind].add(account.id)
        notes: list[str] = []
        jobs: list[tuple[str, str, bool]] = []  # (user id, role id, present)
        listed = True
        for kind, role_id in ids.items():
            holders = await port.role_holders(space, role_id)
            if holders is None:
                listed = False
                break
            jobs += [(uid, role_id, True) for uid in sorted(desired[kind] - holders)]
            jobs += [(uid, role_id, False) for uid in sorted(holders - desired[kind])]
        if not listed:
            for key, role in members:
                there = self.people.on_platform(key, space.platform)
                if role >= Role.COORDINATOR and there is not None:
                    await self._rank(port, space, ids, there, network, role, notes)
            counts.note = "".join(f"\n{n}" for n in dict.fromkeys(notes))
            return counts
        limit = asyncio.Semaphore(CONCURRENCY)

        async def run(user_id: str, role_id: str, present: bool) -> None:
            user = accounts.get(user_id) or UserRef(platform=space.platform, id=user_id)
            async with limit:
                done = await self._role(port, space, user, role_id, present, network, notes)
            if not done:
                counts.failed += 1
            elif present:
                counts.added += 1
            else:
                counts.removed += 1

        await asyncio.gather(*(run(*job) for job in jobs))
        counts.note = "".join(f"\n{n}" for n in dict.fromkeys(notes))
        return counts

    async def sync_all(self, space: PlaceRef) -> SyncCounts:
        """At start (the space became available): reconcile every network set up in it."""
        port = self.ports.get(space.platform)
        total = SyncCounts()
        if port is None:
            return total
        for network in await self.service.networks_in_space(space.key):
            try:
                total.add(await self.sync_space(network, space, port))
            except Exception as error:
                total.failed += 1
                log_failure(log, error, "reconciling network %s roles failed", network.id)
        log.info(
            "network roles in %s: %d network(s) checked, %d role(s) given, %d taken away, "
            "%d failed",
            space.key,
            total.networks,
            total.added,
            total.removed,
            total.failed,
        )
        return total

    # ---- renaming ---------------------------------------------------------------------------

    async def rename(self, network: Network) -> str:
        """The network has a new name: its roles and category follow, in every space."""
        notes: list[str] = []
        for space, _ in await self.service.platform_roles(network.id):
            port = self.ports.get(space.platform)
            if port is None:
                continue
            for kind, role_id in (await self.service.role_ids(network.id, space.key)).items():
                await self._attempt(
                    partial(port.rename_role, space, role_id, role_name(network.name, kind)),
                    notes,
                    f"I could not rename the {network.name} roles just now",
                )
            category = await self.service.place_for(network.id, space.key, "category")
            if category is not None:
                await self._attempt(
                    partial(port.rename_place, category, network.name),
                    notes,
                    f"I could not rename the {network.name} category just now",
                )
        return "".join(f"\n{n}" for n in dict.fromkeys(notes))
