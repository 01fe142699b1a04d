"""Questions other cogs ask about networks, memberships and a network's places.

The networks cog owns these tables, so their SQL lives here once: meetings, moderation,
co-reflection and the rest read through these functions (inside their own transactions) or
through ``NetworkReader`` instead of each writing its own copy.
"""

from __future__ import annotations

from bot.errors import UserError
from bot.storage import Database, Transaction
from cogs.networks import repository


async def names(tx: Transaction, network_id: int) -> tuple[str, str] | None:
    """(name, slug) of a network."""
    row = await tx.fetch_one("SELECT name, slug FROM networks WHERE id = ?", (network_id,))
    return None if row is None else (str(row["name"]), str(row["slug"]))


async def timezone(tx: Transaction, network_id: int) -> str | None:
    value = await tx.fetch_value("SELECT timezone FROM networks WHERE id = ?", (network_id,))
    return None if value is None else str(value)


async def member_networks(tx: Transaction, user_key: str) -> list[int]:
    """The person's networks (any role), not archived, by name."""
    rows = await tx.fetch_all(
        """SELECT m.network_id FROM memberships m JOIN networks n ON n.id = m.network_id
           WHERE m.user_key = ? AND n.archived_at IS NULL ORDER BY n.name""",
        (user_key,),
    )
    return [int(r["network_id"]) for r in rows]


async def coordinated_networks(tx: Transaction, user_key: str) -> list[int]:
    rows = await tx.fetch_all(
        """SELECT network_id FROM memberships WHERE user_key = ? AND role = 'coordinator'
           ORDER BY network_id""",
        (user_key,),
    )
    return [int(r["network_id"]) for r in rows]


async def members(tx: Transaction, network_id: int) -> list[str]:
    rows = await tx.fetch_all(
        "SELECT user_key FROM memberships WHERE network_id = ? ORDER BY user_key", (network_id,)
    )
    return [str(r["user_key"]) for r in rows]


async def coordinators(tx: Transaction, network_id: int) -> list[str]:
    rows = await tx.fetch_all(
        """SELECT user_key FROM memberships WHERE network_id = ? AND role = 'coordinator'
           ORDER BY user_key""",
        (network_id,),
    )
    return [str(r["user_key"]) for r in rows]


async def staff(tx: Transaction, network_id: int) -> list[str]:
    """The network's coordinators and executives: who answers a question put to them."""
    rows = await tx.fetch_all(
        """SELECT user_key FROM memberships
           WHERE network_id = ? AND role IN ('coordinator', 'executive')
           ORDER BY role = 'executive', user_key""",
        (network_id,),
    )
    return [str(r["user_key"]) for r in rows]


async def staff_role_ids(tx: Transaction, network_id: int) -> list[str]:
    """The platform roles of the network's coordinators and executives, in every space: a
    lock leaves them posting."""
    return await repository.staff_role_ids(tx, network_id)


async def member_role(tx: Transaction, network_id: int, space_key: str) -> str | None:
    """The platform role that marks the network's members in one space (None if it has
    none there): a meeting notice mentions it."""
    return await repository.platform_role(tx, network_id, space_key)


async def network_of_place(tx: Transaction, place_key: str) -> int | None:
    value = await tx.fetch_value(
        "SELECT network_id FROM network_places WHERE place_key = ?", (place_key,)
    )
    return None if value is None else int(value)


async def places(tx: Transaction, network_id: int, purpose: str) -> list[tuple[str, str]]:
    """(place key, space key) of each of the network's places for ``purpose``
    (announcements, reflection, ...), one per space the network is set up in."""
    rows = await tx.fetch_all(
        """SELECT place_key, space_key FROM network_places
           WHERE network_id = ? AND purpose = ? ORDER BY place_key""",
        (network_id, purpose),
    )
    return [(str(r["place_key"]), str(r["space_key"])) for r in rows]


async def all_places(tx: Transaction, network_id: int) -> list[tuple[str, str]]:
    """(place key, purpose) of every place set up or linked for the network, its category
    included, in every space: what is the network's own (moderation acts only there)."""
    rows = await tx.fetch_all(
        """SELECT place_key, purpose FROM network_places WHERE network_id = ?
           ORDER BY purpose = 'category', purpose, place_key""",
        (network_id,),
    )
    return [(str(r["place_key"]), str(r["purpose"])) for r in rows]


class NetworkReader:
    """The same questions for a command handler, each in its own read."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def names(self, network_id: int) -> tuple[str, str]:
        """(name, slug); a clear message if the network has gone."""
        async with self.db.reading() as tx:
            found = await names(tx, network_id)
        if found is None:
            raise UserError("That network no longer exists. Type /network list to see them.")
        return found

    async def member_networks(self, user_key: str) -> list[int]:
        async with self.db.reading() as tx:
            return await member_networks(tx, user_key)

    async def coordinated_networks(self, user_key: str) -> list[int]:
        async with self.db.reading() as tx:
            return await coordinated_networks(tx, user_key)

    async def all_places(self, network_id: int) -> list[tuple[str, str]]:
        async with self.db.reading() as tx:
            return await all_places(tx, network_id)

    async def timezone(self, network_id: int) -> str | None:
        async with self.db.reading() as tx:
            return await timezone(tx, network_id)

    async def place_in_space(self, network_id: int, space_key: str, purpose: str) -> str | None:
        """The network's place for ``purpose`` in one space, if it has one there."""
        async with self.db.reading() as tx:
            found = [p for p, s in await places(tx, network_id, purpose) if s == space_key]
        return found[0] if found else None
