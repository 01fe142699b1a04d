"""Who may run what: roles are held per network, and the kernel checks them on every command.

The kernel does not store networks itself; the networks cog implements ``Directory``. Until a
directory is installed, only the configured admins hold any role.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.commands import Role
from bot.errors import UserError


@dataclass(frozen=True)
class NetworkInfo:
    id: int
    slug: str
    name: str
    timezone: str


class Directory(Protocol):
    async def role_of(self, user_key: str, network_id: int | None) -> Role:
        """The person's role in that network, or their highest role anywhere when None."""
        ...

    async def network_by_slug(self, slug: str) -> NetworkInfo | None: ...

    async def network_for_place(self, place_key: str) -> NetworkInfo | None:
        """The network a channel or room belongs to, if any."""
        ...

    async def networks(self) -> list[NetworkInfo]:
        """Every active network."""
        ...

    async def assign_role(self, user_key: str, network_id: int | None, role: Role) -> None:
        """Give a role (admin needs no network). Callers check who may do this."""
        ...


class AdminsOnlyDirectory:
    """The directory before any cog provides one: configured admins, and everyone else."""

    def __init__(self, admins: frozenset[str]) -> None:
        self._admins = admins

    async def role_of(self, user_key: str, network_id: int | None) -> Role:
        return Role.ADMIN if user_key in self._admins else Role.EVERYONE

    async def network_by_slug(self, slug: str) -> NetworkInfo | None:
        return None

    async def network_for_place(self, place_key: str) -> NetworkInfo | None:
        return None

    async def networks(self) -> list[NetworkInfo]:
        return []

    async def assign_role(self, user_key: str, network_id: int | None, role: Role) -> None:
        raise UserError("Roles cannot be given: the networks feature is not loaded.")


def denial_message(needed: Role, network: NetworkInfo | None) -> str:
    where = f" in {network.name}" if network else " in any network"
    if needed is Role.ADMIN:
        return "Only a peerbot admin can do that. Ask an admin if you need it done."
    if needed is Role.MEMBER:
        return (
            f"You need to be a member{where} to do that. "
            "Type /network list to see the networks and /network join to join one."
        )
    return (
        f"You need to be {('an ' if needed.label[0] in 'aeiou' else 'a ')}{needed.label}{where} "
        "to do that. Ask the network's coordinator if you think you should be."
    )
