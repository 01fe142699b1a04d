"""Who sees the staff commands (/manage, /library, /mod) in a platform's command menu.

Discord shows a command only to people holding the server permission it names, and peerbot's
coordinators and executives are per network, not a Discord permission. So each server has
one "peerbot staff" role, held by exactly peerbot's admins and every network's executives
and coordinators, that carries the permission the staff commands name. It exists before any
network is set up, so the admin who installs peerbot, and a coordinator she names, see
`/manage` at once. Platforms without such menus (console, Matrix) make no role at all.

The role only trims the menu: peerbot checks every call itself, whatever Discord shows.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from bot.errors import UserError, log_failure
from bot.identity import PlaceRef, UserRef
from bot.people import People
from bot.platform_state import PlatformState
from bot.ports import OutboundPort
from bot.storage import Database
from cogs.networks import repository as repo

log = logging.getLogger(__name__)

ROLE_NAME = "peerbot staff"
_KEY = "staff_menu_role:"  # + space key -> the role's id on that platform


@dataclass
class MenuSync:
    """What a reconcile of one server did: counts only (names never go to the log)."""

    added: int = 0
    removed: int = 0
    #: The role exists but the platform refused it the permission that shows the commands.
    hidden: bool = False


class StaffMenu:
    def __init__(
        self,
        db: Database,
        people: People,
        state: PlatformState,
        ports: dict[str, OutboundPort],
        config_admins: frozenset[str],
    ) -> None:
        self.db = db
        self.people = people
        self.state = state
        self.ports = ports
        self.config_admins = config_admins
        #: One change at a time: a coordinator named while the start-up reconcile runs is
        #: either seen by it or given the role after it, never missed between the two.
        self._lock = asyncio.Lock()

    async def sync_space(self, space: PlaceRef) -> MenuSync:
        """Make the server's staff role exist, carry the permission, and be held by exactly
        the staff (add missing, take away stale). Called when the server becomes available
        (at start, after an outage) and by set-up."""
        async with self._lock:
            return await self._sync_space(space)

    async def _sync_space(self, space: PlaceRef) -> MenuSync:
        done = MenuSync()
        port = self.ports.get(space.platform)
        if port is None:
            return done
        role_id = await self._role(space, port)
        if role_id is None:
            return done
        done.hidden = not await port.show_staff_commands(space, role_id)
        holders = await port.role_holders(space, role_id)
        if holders is None:
            return done
        wanted = await self._wanted(space.platform)
        for user_id in sorted(wanted - holders):
            if await self._set(port, space, role_id, user_id, present=True):
                done.added += 1
        for user_id in sorted(holders - wanted):
            if await self._set(port, space, role_id, user_id, present=False):
                done.removed += 1
        log.info(
            "staff menu role in %s: %d given, %d taken away%s",
            space.key,
            done.added,
            done.removed,
            "; it cannot show the staff commands (missing View Server Insights)"
            if done.hidden
            else "",
        )
        return done

    async def sync_person(self, person_key: str, accounts: list[UserRef] | None = None) -> None:
        """After a change to one person (a role given or taken, leaving, deleting their
        data): they hold the staff role in every server where peerbot keeps one exactly when
        they are an admin or an executive or coordinator somewhere."""
        async with self._lock:
            await self._sync_person(person_key, accounts)

    async def _sync_person(self, person_key: str, accounts: list[UserRef] | None) -> None:
        keys = set(await self._staff_keys())
        staff = person_key in keys or any(
            key in keys or key in self.config_admins for key in self.people.identities(person_key)
        )
        for slot, role_id in (await self.state.with_prefix(_KEY)).items():
            space_key = slot.removeprefix(_KEY)
            platform, _, space_id = space_key.partition(":")
            port = self.ports.get(platform)
            account = self._account(person_key, platform, accounts)
            if port is None or account is None:
                continue
            space = PlaceRef(platform=platform, id=space_id)
            await self._set(port, space, role_id, account.id, present=staff)

    # ---- the steps -----------------------------------------------------------------------

    async def _role(self, space: PlaceRef, port: OutboundPort) -> str | None:
        """The recorded role if it still exists, else a new one (None where the platform
        has no roles)."""
        recorded = await self.state.get(_KEY + space.key)
        if recorded is not None and await port.role_exists(space, recorded):
            return recorded
        try:
            made = await port.create_staff_role(space, ROLE_NAME)
        except UserError as error:  # no Manage Roles: set-up will say so too
            log.warning("could not create the staff menu role in %s: %s", space.key, error)
            return None
        if made is not None:
            await self.state.set(_KEY + space.key, made)
        return made

    async def _wanted(self, platform: str) -> set[str]:
        """The platform accounts that should hold the role."""
        wanted: set[str] = set()
        for key in {*await self._staff_keys(), *self.config_admins}:
            account = self.people.on_platform(self.people.person_of(key), platform)
            if account is not None:
                wanted.add(account.id)
        return wanted

    async def _staff_keys(self) -> list[str]:
        async with self.db.reading() as tx:
            return await repo.staff_anywhere(tx)

    def _account(
        self, person_key: str, platform: str, accounts: list[UserRef] | None
    ) -> UserRef | None:
        if accounts is not None:
            return next((a for a in accounts if a.platform == platform), None)
        return self.people.on_platform(person_key, platform)

    @staticmethod
    async def _set(
        port: OutboundPort, space: PlaceRef, role_id: str, user_id: str, *, present: bool
    ) -> bool:
        user = UserRef(platform=space.platform, id=user_id)
        try:
            await port.set_member_role(space, user, role_id, present=present)
        except Exception as error:
            log_failure(log, error, "staff menu role change in %s failed", space.key)
            return False
        return True
