"""SQL for networks, memberships and admins. Every write runs inside the caller's transaction."""

from __future__ import annotations

from typing import Any

from bot.clock import from_db, to_db
from bot.commands import Role
from bot.privacy import move_rows
from bot.storage import Row, Transaction
from cogs.networks.models import Membership, Network, role_from_text


def _network(row: Row) -> Network:
    return Network(
        id=row["id"],
        slug=row["slug"],
        name=row["name"],
        timezone=row["timezone"],
        description=row["description"],
        created_at=from_db(row["created_at"]),
        archived_at=from_db(row["archived_at"]) if row["archived_at"] else None,
        guidelines=row["guidelines"],
        joining=row["joining"],
    )


async def insert_network(
    tx: Transaction, *, slug: str, name: str, timezone: str, description: str, now: Any
) -> Network:
    network_id = await tx.insert(
        """INSERT INTO networks (slug, name, timezone, description, created_at)
           VALUES (?, ?, ?, ?, ?)""",
        (slug, name, timezone, description, to_db(now)),
    )
    found = await network_by_id(tx, network_id)
    assert found is not None
    return found


async def network_by_id(tx: Transaction, network_id: int) -> Network | None:
    row = await tx.fetch_one("SELECT * FROM networks WHERE id = ?", (network_id,))
    return _network(row) if row else None


NETWORK_BY_SLUG = "SELECT * FROM networks WHERE slug = ?"


async def network_by_slug(tx: Transaction, slug: str) -> Network | None:
    row = await tx.fetch_one(NETWORK_BY_SLUG, (slug,))
    return _network(row) if row else None


def network_from_row(row: Row) -> Network:
    """A row of ``NETWORK_BY_SLUG``, for callers that run it through ``Database.lookup``."""
    return _network(row)


async def network_for_place(tx: Transaction, place_key: str) -> Network | None:
    row = await tx.fetch_one(
        """SELECT n.* FROM networks n JOIN network_places p ON p.network_id = n.id
           WHERE p.place_key = ?""",
        (place_key,),
    )
    return _network(row) if row else None


async def active_networks(tx: Transaction) -> list[Network]:
    rows = await tx.fetch_all("SELECT * FROM networks WHERE archived_at IS NULL ORDER BY name")
    return [_network(r) for r in rows]


async def member_counts(tx: Transaction) -> dict[int, int]:
    rows = await tx.fetch_all(
        "SELECT network_id, COUNT(*) AS n FROM memberships GROUP BY network_id"
    )
    return {int(r["network_id"]): int(r["n"]) for r in rows}


async def role_in(tx: Transaction, user_key: str, network_id: int) -> Role | None:
    text = await tx.fetch_value(
        "SELECT role FROM memberships WHERE user_key = ? AND network_id = ?",
        (user_key, network_id),
    )
    return role_from_text(text) if text else None


async def highest_role(tx: Transaction, user_key: str) -> Role | None:
    rows = await tx.fetch_all("SELECT role FROM memberships WHERE user_key = ?", (user_key,))
    roles = [role_from_text(r["role"]) for r in rows]
    return max(roles) if roles else None


async def set_role(tx: Transaction, user_key: str, network_id: int, role: Role, now: Any) -> None:
    await tx.execute(
        """INSERT INTO memberships (network_id, user_key, role, joined_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (network_id, user_key) DO UPDATE SET role = excluded.role""",
        (network_id, user_key, role.label, to_db(now)),
    )


async def remove_membership(tx: Transaction, user_key: str, network_id: int) -> int:
    return await tx.execute(
        "DELETE FROM memberships WHERE user_key = ? AND network_id = ?", (user_key, network_id)
    )


async def memberships_of(tx: Transaction, user_key: str) -> list[Membership]:
    rows = await tx.fetch_all(
        """SELECT n.slug, n.name, m.role, m.joined_at FROM memberships m
           JOIN networks n ON n.id = m.network_id WHERE m.user_key = ? ORDER BY n.name""",
        (user_key,),
    )
    return [
        Membership(
            network_slug=r["slug"],
            network_name=r["name"],
            role=r["role"],
            joined_at=from_db(r["joined_at"]),
        )
        for r in rows
    ]


async def is_admin(tx: Transaction, user_key: str) -> bool:
    return bool(await tx.fetch_value("SELECT 1 FROM admins WHERE user_key = ?", (user_key,)))


async def sync_config_admins(tx: Transaction, admins: list[str], now: Any) -> None:
    """Make the 'config' admins exactly those in the configuration; granted ones stay."""
    await tx.execute("DELETE FROM admins WHERE source = 'config'")
    for user_key in admins:
        await tx.execute(
            """INSERT INTO admins (user_key, source, granted_at) VALUES (?, 'config', ?)
               ON CONFLICT (user_key) DO NOTHING""",
            (user_key, to_db(now)),
        )


async def grant_admin(tx: Transaction, user_key: str, now: Any) -> None:
    await tx.execute(
        """INSERT INTO admins (user_key, source, granted_at) VALUES (?, 'granted', ?)
           ON CONFLICT (user_key) DO NOTHING""",
        (user_key, to_db(now)),
    )


async def admin_rows(tx: Transaction, user_key: str) -> list[dict[str, str]]:
    rows = await tx.fetch_all(
        "SELECT source, granted_at FROM admins WHERE user_key = ?", (user_key,)
    )
    return [{"source": r["source"], "granted_at": r["granted_at"]} for r in rows]


async def delete_person(tx: Transaction, user_key: str) -> int:
    """Remove a person's memberships and granted admin role (config admins return at start)."""
    removed = await tx.execute("DELETE FROM memberships WHERE user_key = ?", (user_key,))
    removed += await tx.execute(
        "DELETE FROM admins WHERE user_key = ? AND source = 'granted'", (user_key,)
    )
    return removed


def _rank(column: str) -> str:
    """SQL ranking a membership role column, so two roles can be compared."""
    return f"CASE {column} WHEN 'coordinator' THEN 3 WHEN 'executive' THEN 2 ELSE 1 END"


async def move_person(tx: Transaction, old_key: str, new_key: str) -> int:
    """Linking two accounts: memberships move to the main account, keeping the higher role
    where both were in the same network; a granted admin role moves too (configured admins
    stay as configured, and count for every linked account)."""
    await tx.execute(
        f"""UPDATE memberships AS kept
            SET role = (SELECT old.role FROM memberships AS old
                        WHERE old.network_id = kept.network_id AND old.user_key = ?)
            WHERE kept.user_key = ? AND EXISTS (
                SELECT 1 FROM memberships AS old
                WHERE old.network_id = kept.network_id AND old.user_key = ?
                  AND {_rank("old.role")} > {_rank("kept.role")})""",
        (old_key, new_key, old_key),
    )
    moved = await move_rows(tx, "memberships", "user_key", old_key, new_key)
    granted = await tx.execute(
        "UPDATE OR IGNORE admins SET user_key = ? WHERE user_key = ? AND source = 'granted'",
        (new_key, old_key),
    )
    await tx.execute("DELETE FROM admins WHERE user_key = ? AND source = 'granted'", (old_key,))
    return moved + granted


async def update_network(
    tx: Transaction,
    network_id: int,
    *,
    name: str,
    timezone: str,
    description: str,
    joining: str,
) -> None:
    await tx.execute(
        "UPDATE networks SET name = ?, timezone = ?, description = ?, joining = ? WHERE id = ?",
        (name, timezone, description, joining, network_id),
    )


async def archive_network(tx: Transaction, network_id: int, now: Any) -> int:
    return await tx.execute(
        "UPDATE networks SET archived_at = ? WHERE id = ? AND archived_at IS NULL",
        (to_db(now), network_id),
    )


async def members_of(tx: Transaction, network_id: int) -> list[tuple[str, Role]]:
    """Who is in a network, coordinators first, then executives, then members."""
    rows = await tx.fetch_all(
        "SELECT user_key, role FROM memberships WHERE network_id = ? ORDER BY user_key",
        (network_id,),
    )
    members = [(str(r["user_key"]), role_from_text(r["role"])) for r in rows]
    return sorted(members, key=lambda m: -m[1])


# ---- platform roles and places per space -------------------------------------------------


#: The platform roles a network can have in a space: its members', its executives' and its
#: coordinators'. The member role's row is keyed by the space itself; the others by the space
#: key with ``|executive`` or ``|coordinator`` after it (so no migration was needed, and every
#: query of member roles below skips them).
MEMBER_KIND = "member"
ROLE_KINDS = (MEMBER_KIND, "executive", "coordinator")
_SEP = "|"


def _slot(space_key: str, kind: str) -> str:
    return space_key if kind == MEMBER_KIND else f"{space_key}{_SEP}{kind}"


async def platform_role(
    tx: Transaction, network_id: int, space_key: str, kind: str = MEMBER_KIND
) -> str | None:
    value = await tx.fetch_value(
        "SELECT role_id FROM network_roles WHERE network_id = ? AND space_key = ?",
        (network_id, _slot(space_key, kind)),
    )
    return str(value) if value is not None else None


async def role_ids_in(tx: Transaction, network_id: int, space_key: str) -> dict[str, str]:
    """kind -> role id of each of the network's platform roles in one space."""
    found: dict[str, str] = {}
    for kind in ROLE_KINDS:
        role_id = await platform_role(tx, network_id, space_key, kind)
        if role_id is not None:
            found[kind] = role_id
    return found


async def platform_roles(tx: Transaction, network_id: int) -> list[tuple[str, str]]:
    """(space key, role id) of the network's member role in every space it is set up in."""
    rows = await tx.fetch_all(
        """SELECT space_key, role_id FROM network_roles
           WHERE network_id = ? AND instr(space_key, ?) = 0 ORDER BY space_key""",
        (network_id, _SEP),
    )
    return [(str(r["space_key"]), str(r["role_id"])) for r in rows]


async def networks_in_space(tx: Transaction, space_key: str) -> list[int]:
    """The active networks with a member role in a space (those peerbot manages there)."""
    rows = await tx.fetch_all(
        """SELECT r.network_id FROM network_roles r JOIN networks n ON n.id = r.network_id
           WHERE r.space_key = ? AND n.archived_at IS NULL ORDER BY r.network_id""",
        (space_key,),
    )
    return [int(r["network_id"]) for r in rows]


async def staff_role_ids(tx: Transaction, network_id: int) -> list[str]:
    """The network's executive and coordinator role ids, in every space."""
    rows = await tx.fetch_all(
        """SELECT role_id FROM network_roles
           WHERE network_id = ? AND instr(space_key, ?) > 0 ORDER BY space_key""",
        (network_id, _SEP),
    )
    return [str(r["role_id"]) for r in rows]


async def set_platform_role(
    tx: Transaction, network_id: int, space_key: str, role_id: str, kind: str = MEMBER_KIND
) -> None:
    await tx.execute(
        """INSERT INTO network_roles (network_id, space_key, role_id) VALUES (?, ?, ?)
           ON CONFLICT (network_id, space_key) DO UPDATE SET role_id = excluded.role_id""",
        (network_id, _slot(space_key, kind), role_id),
    )


async def place_for(tx: Transaction, network_id: int, space_key: str, purpose: str) -> str | None:
    value = await tx.fetch_value(
        """SELECT place_key FROM network_places
           WHERE network_id = ? AND space_key = ? AND purpose = ?""",
        (network_id, space_key, purpose),
    )
    return str(value) if value is not None else None


async def place_owner(tx: Transaction, place_key: str) -> tuple[int, str] | None:
    row = await tx.fetch_one(
        "SELECT network_id, purpose FROM network_places WHERE place_key = ?", (place_key,)
    )
    return (int(row["network_id"]), str(row["purpose"])) if row else None


async def set_place(
    tx: Transaction, network_id: int, space_key: str, purpose: str, place_key: str
) -> None:
    """Record which place plays ``purpose``; a place plays one part only."""
    await tx.execute("DELETE FROM network_places WHERE place_key = ?", (place_key,))
    await tx.execute(
        "DELETE FROM network_places WHERE network_id = ? AND space_key = ? AND purpose = ?",
        (network_id, space_key, purpose),
    )
    await tx.execute(
        """INSERT INTO network_places (place_key, network_id, purpose, space_key)
           VALUES (?, ?, ?, ?)""",
        (place_key, network_id, purpose, space_key),
    )


async def places_of(tx: Transaction, network_id: int) -> list[tuple[str, str, str]]:
    """(space_key, purpose, place_key) for every place recorded for a network."""
    rows = await tx.fetch_all(
        """SELECT space_key, purpose, place_key FROM network_places
           WHERE network_id = ? ORDER BY space_key, purpose""",
        (network_id,),
    )
    return [(str(r["space_key"]), str(r["purpose"]), str(r["place_key"])) for r in rows]


async def staff_anywhere(tx: Transaction) -> list[str]:
    """Every person who is an executive or coordinator of a network that is not archived,
    and every admin: the people who see the staff commands."""
    rows = await tx.fetch_all(
        """SELECT m.user_key FROM memberships m JOIN networks n ON n.id = m.network_id
           WHERE m.role IN ('executive', 'coordinator') AND n.archived_at IS NULL
           UNION SELECT user_key FROM admins"""
    )
    return [str(r["user_key"]) for r in rows]
