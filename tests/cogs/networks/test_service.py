"""Layer 1: the networks service and its rules against a real SQLite file in tmp_path."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.clock import FakeClock, to_db
from bot.commands import Role
from bot.errors import UserError
from bot.storage import Database
from cogs.networks.models import SLUG_PATTERN, Network, check_name, check_slug
from cogs.networks.service import NetworkService
from tests.cogs.networks import ADMIN_KEY

ALEX = "console:alex"
BOB = "console:bob"
SYDNEY = "Australia/Sydney"
VALID_SLUG = r"[a-z0-9](?:[a-z0-9-]{0,28}[a-z0-9])?"


async def count(db: Database, table: str) -> int:
    row = await db.fetch_one(f"SELECT COUNT(*) FROM {table}")
    assert row is not None
    return int(row[0])


async def admins(db: Database) -> dict[str, str]:
    return {r["user_key"]: r["source"] for r in await db.fetch_all("SELECT * FROM admins")}


async def make(service: NetworkService, slug: str, name: str = "", tz: str = SYDNEY) -> Network:
    return await service.create(
        slug=slug, name=name or slug.replace("-", " ").title(), timezone=tz, description=""
    )


# ---- create ------------------------------------------------------------------------------


async def test_create_stores_a_normalised_network(
    service: NetworkService, db: Database, clock: FakeClock
) -> None:
    network = await service.create(
        slug="  South-Coast ",
        name="  South Coast Peer Network ",
        timezone=" Australia/Perth ",
        description=" Peer workers from Wollongong to Eden. ",
    )
    assert network.slug == "south-coast"
    assert network.name == "South Coast Peer Network"
    assert network.timezone == "Australia/Perth"
    assert network.description == "Peer workers from Wollongong to Eden."
    assert network.created_at == clock.now()
    assert network.archived_at is None
    row = await db.fetch_one("SELECT * FROM networks WHERE id = ?", (network.id,))
    assert row is not None
    assert (row["slug"], row["timezone"], row["created_at"]) == (
        "south-coast",
        "Australia/Perth",
        to_db(clock.now()),
    )


@pytest.mark.parametrize(
    "slug",
    [
        "South Coast",  # a space
        "-x",  # starts with a hyphen
        "x-",  # ends with a hyphen
        "south_coast",  # underscore
        "",  # empty
        "a" * 31,  # too long
        "süd",  # not ASCII
    ],
)
async def test_create_refuses_a_bad_slug_and_writes_nothing(
    service: NetworkService, db: Database, slug: str
) -> None:
    with pytest.raises(UserError) as refused:
        await make(service, slug, name="South Coast")
    message = str(refused.value)
    assert "cannot be a network's short name" in message
    assert "1 to 30 lower-case letters, digits and hyphens" in message
    assert "like south-coast" in message
    assert await count(db, "networks") == 0


async def test_a_slug_of_exactly_30_characters_is_allowed(service: NetworkService) -> None:
    network = await make(service, "a" * 30)
    assert network.slug == "a" * 30


@pytest.mark.parametrize("timezone", ["Mars/Base", "Sydney", "../../etc/passwd", ""])
async def test_create_refuses_an_unknown_time_zone_and_writes_nothing(
    service: NetworkService, db: Database, timezone: str
) -> None:
    with pytest.raises(UserError) as refused:
        await make(service, "south-coast", tz=timezone)
    message = str(refused.value)
    assert f"'{timezone}' is not a time zone name" in message
    assert "Australia/Sydney" in message
    assert await count(db, "networks") == 0


async def test_create_refuses_a_region_name_as_a_time_zone(
    service: NetworkService, db: Database
) -> None:
    # Regression: ZoneInfo("Australia") raises IsADirectoryError, which once escaped.
    with pytest.raises(UserError, match="is not a time zone name"):
        await make(service, "south-coast", tz="Australia")
    assert await count(db, "networks") == 0


async def test_create_refuses_a_blank_name(service: NetworkService, db: Database) -> None:
    with pytest.raises(UserError, match="A network needs a name"):
        await service.create(slug="south-coast", name="   ", timezone=SYDNEY, description="")
    assert await count(db, "networks") == 0


async def test_a_duplicate_slug_is_refused_and_leaves_one_row(
    service: NetworkService, db: Database
) -> None:
    first = await make(service, "south-coast", name="South Coast")
    with pytest.raises(UserError) as refused:
        await make(service, "South-Coast", name="Another South Coast")
    assert str(refused.value) == (
        "There is already a network with the short name 'south-coast'. Choose another."
    )
    rows = await db.fetch_all("SELECT id, name FROM networks")
    assert [(r["id"], r["name"]) for r in rows] == [(first.id, "South Coast")]
    # The failed insert rolled back cleanly: the database still takes writes.
    assert (await make(service, "hunter")).slug == "hunter"


@given(st.text(max_size=40))
def test_check_slug_accepts_only_the_documented_shape(text: str) -> None:
    try:
        slug = check_slug(text)
    except UserError:
        assert not SLUG_PATTERN.match(text.strip().lower())
    else:
        assert slug == text.strip().lower()
        assert 1 <= len(slug) <= 30
        assert set(slug) <= set("abcdefghijklmnopqrstuvwxyz0123456789-")
        assert not slug.startswith("-")
        assert not slug.endswith("-")


@given(st.from_regex(VALID_SLUG, fullmatch=True))
def test_check_slug_keeps_every_valid_slug_and_lowers_capitals(slug: str) -> None:
    assert check_slug(slug) == slug
    assert check_slug(slug.upper()) == slug


# ---- roles -------------------------------------------------------------------------------


async def test_role_of_is_per_network_and_the_highest_anywhere_without_one(
    service: NetworkService,
) -> None:
    south = await make(service, "south-coast")
    hunter = await make(service, "hunter")
    west = await make(service, "west")
    await service.join(ALEX, south.id)
    await service.set_role(ALEX, hunter.id, Role.COORDINATOR)
    await service.set_role(BOB, west.id, Role.EXECUTIVE)

    assert await service.role_of(ALEX, south.id) is Role.MEMBER
    assert await service.role_of(ALEX, hunter.id) is Role.COORDINATOR
    assert await service.role_of(ALEX, west.id) is Role.EVERYONE
    assert await service.role_of(ALEX, None) is Role.COORDINATOR
    assert await service.role_of(BOB, None) is Role.EXECUTIVE
    assert await service.role_of(BOB, south.id) is Role.EVERYONE
    assert await service.role_of("console:nobody", None) is Role.EVERYONE


async def test_config_admins_are_admin_everywhere_even_before_sync(
    service: NetworkService, db: Database
) -> None:
    south = await make(service, "south-coast")
    assert await admins(db) == {}
    assert await service.role_of(ADMIN_KEY, south.id) is Role.ADMIN
    assert await service.role_of(ADMIN_KEY, None) is Role.ADMIN
    assert await service.role_of(ADMIN_KEY, 9999) is Role.ADMIN
    # Another platform's user with the same id is a different person.
    assert await service.role_of("discord:admin", None) is Role.EVERYONE


async def test_sync_admins_replaces_config_admins_and_keeps_granted_ones(
    db: Database, clock: FakeClock
) -> None:
    first = NetworkService(db, clock, frozenset({"console:old"}))
    await first.sync_admins()
    await first.assign_role("console:granted", None, Role.ADMIN)
    assert await admins(db) == {"console:old": "config", "console:granted": "granted"}

    clock.advance(timedelta(days=1))  # the bot restarts with a different configuration
    second = NetworkService(db, clock, frozenset({"console:new"}))
    await second.sync_admins()
    assert await admins(db) == {"console:new": "config", "console:granted": "granted"}
    assert await second.role_of("console:old", None) is Role.EVERYONE
    assert await second.role_of("console:granted", None) is Role.ADMIN
    assert await second.role_of("console:new", None) is Role.ADMIN

    # A granted admin who is also configured for a while stays granted when dropped from it.
    third = NetworkService(db, clock, frozenset({"console:granted"}))
    await third.sync_admins()
    fourth = NetworkService(db, clock, frozenset())
    await fourth.sync_admins()
    assert await admins(db) == {"console:granted": "granted"}
    assert await fourth.role_of("console:granted", None) is Role.ADMIN


async def test_sync_admins_twice_changes_nothing(service: NetworkService, db: Database) -> None:
    await service.sync_admins()
    once = await db.fetch_all("SELECT * FROM admins")
    await service.sync_admins()
    twice = await db.fetch_all("SELECT * FROM admins")
    assert [tuple(r) for r in once] == [tuple(r) for r in twice]
    assert await admins(db) == {ADMIN_KEY: "config"}


# ---- join and leave ----------------------------------------------------------------------


async def test_join_twice_keeps_the_first_membership(
    service: NetworkService, db: Database, clock: FakeClock
) -> None:
    south = await make(service, "south-coast")
    joined_at = clock.now()
    assert await service.join(ALEX, south.id) is True
    clock.advance(timedelta(hours=2))
    assert await service.join(ALEX, south.id) is False
    [membership] = await service.memberships(ALEX)
    assert (membership.network_slug, membership.role) == ("south-coast", "member")
    assert membership.joined_at == joined_at
    assert await count(db, "memberships") == 1


async def test_join_never_lowers_a_coordinator_to_member(service: NetworkService) -> None:
    south = await make(service, "south-coast")
    await service.set_role(ALEX, south.id, Role.COORDINATOR)
    assert await service.join(ALEX, south.id) is False
    assert await service.role_of(ALEX, south.id) is Role.COORDINATOR
    [membership] = await service.memberships(ALEX)
    assert membership.role == "coordinator"


async def test_leave_removes_only_that_membership(service: NetworkService) -> None:
    south = await make(service, "south-coast")
    hunter = await make(service, "hunter")
    await service.join(ALEX, south.id)
    await service.join(ALEX, hunter.id)
    await service.join(BOB, south.id)

    assert await service.leave(ALEX, south.id) == ""  # left; nothing else of theirs stopped
    assert await service.role_of(ALEX, south.id) is Role.EVERYONE
    assert [m.network_slug for m in await service.memberships(ALEX)] == ["hunter"]
    assert await service.role_of(BOB, south.id) is Role.MEMBER
    assert await service.leave(ALEX, south.id) is None  # not in it any more


async def test_memberships_are_ordered_by_network_name(service: NetworkService) -> None:
    south = await make(service, "south-coast", name="South Coast")
    hunter = await make(service, "hunter", name="Hunter")
    await service.join(ALEX, south.id)
    await service.set_role(ALEX, hunter.id, Role.EXECUTIVE)
    assert [(m.network_name, m.role) for m in await service.memberships(ALEX)] == [
        ("Hunter", "executive"),
        ("South Coast", "member"),
    ]


# ---- assign_role -------------------------------------------------------------------------


async def test_assign_admin_needs_no_network(service: NetworkService, db: Database) -> None:
    await service.assign_role(ALEX, None, Role.ADMIN)
    assert await admins(db) == {ALEX: "granted"}
    assert await service.role_of(ALEX, None) is Role.ADMIN
    assert await count(db, "memberships") == 0


async def test_assign_admin_with_a_network_is_still_space_wide(service: NetworkService) -> None:
    south = await make(service, "south-coast")
    hunter = await make(service, "hunter")
    await service.assign_role(ALEX, south.id, Role.ADMIN)
    assert await service.role_of(ALEX, hunter.id) is Role.ADMIN
    assert await service.memberships(ALEX) == []


@pytest.mark.parametrize("role", [Role.MEMBER, Role.EXECUTIVE, Role.COORDINATOR, Role.EVERYONE])
async def test_assign_a_network_role_without_a_network_is_refused(
    service: NetworkService, db: Database, role: Role
) -> None:
    with pytest.raises(UserError) as refused:
        await service.assign_role(ALEX, None, role)
    assert str(refused.value) == f"Say which network the {role.label} role is for."
    assert await count(db, "memberships") == 0
    assert await admins(db) == {}


async def test_assign_network_roles_per_network(service: NetworkService) -> None:
    south = await make(service, "south-coast")
    hunter = await make(service, "hunter")
    await service.assign_role(ALEX, south.id, Role.EXECUTIVE)
    assert await service.role_of(ALEX, south.id) is Role.EXECUTIVE
    assert await service.role_of(ALEX, hunter.id) is Role.EVERYONE

    await service.assign_role(ALEX, south.id, Role.COORDINATOR)
    assert await service.role_of(ALEX, south.id) is Role.COORDINATOR
    await service.assign_role(ALEX, south.id, Role.MEMBER)  # lowering on purpose is allowed
    assert await service.role_of(ALEX, south.id) is Role.MEMBER

    await service.assign_role(ALEX, south.id, Role.EVERYONE)  # EVERYONE removes the membership
    assert await service.memberships(ALEX) == []


# ---- archived networks -------------------------------------------------------------------


async def test_archived_networks_are_not_found_or_listed(
    service: NetworkService, db: Database, clock: FakeClock
) -> None:
    south = await make(service, "south-coast")
    hunter = await make(service, "hunter")
    await service.join(ALEX, hunter.id)
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE networks SET archived_at = ? WHERE id = ?", (to_db(clock.now()), hunter.id)
        )

    assert await service.network_by_slug("hunter") is None
    found = await service.network_by_slug("south-coast")
    assert found is not None
    assert (found.id, found.slug, found.timezone) == (south.id, "south-coast", SYDNEY)
    assert [n.slug for n, _ in await service.list_networks()] == ["south-coast"]
    assert [n.slug for n in await service.networks()] == ["south-coast"]


async def test_list_networks_counts_members_and_sorts_by_name(service: NetworkService) -> None:
    south = await make(service, "south-coast", name="South Coast")
    hunter = await make(service, "hunter", name="Hunter")
    await make(service, "west", name="Western")
    await service.join(ALEX, south.id)
    await service.join(BOB, south.id)
    await service.set_role(ALEX, hunter.id, Role.COORDINATOR)
    assert [(n.slug, c) for n, c in await service.list_networks()] == [
        ("hunter", 1),
        ("south-coast", 2),
        ("west", 0),
    ]


async def test_get_an_unknown_network_is_a_user_error(service: NetworkService) -> None:
    with pytest.raises(UserError, match="That network no longer exists"):
        await service.get(12345)


@pytest.mark.parametrize(
    "name", ["\u200b", "\u200f\u200e", "\u3164\u3164", "\u2800", " \u00a0 ", "\u0301", "\ufeff"]
)
def test_a_name_with_nothing_visible_is_refused(name: str) -> None:
    with pytest.raises(UserError, match="name people can see"):
        check_name(name)


def test_a_name_keeps_its_visible_text_and_refuses_control_characters() -> None:
    assert check_name("\u200b South Coast \u200f") == "South Coast"
    assert check_name("Ngunnawal \u2013 Canberra") == "Ngunnawal \u2013 Canberra"
    with pytest.raises(UserError, match="control characters"):
        check_name("South\nCoast")
