"""Layer 2: /network commands through the registry of a real App, as a person would run them."""

from __future__ import annotations

import re

import pytest

from bot.clock import FakeClock, to_db
from bot.commands import Role
from bot.kernel import Kernel
from bot.replies import Choice, Reply
from cogs.networks.commands import NetworksCog
from tests.cogs.networks import ADMIN_ID, invoke, user

SOUTH = "South Coast Peer Network"
HUNTER = "Hunter Peer Network"
APOLOGY = re.compile(r"Sorry, something went wrong on our side .*error id: [0-9A-F]{8}\.")


async def network_rows(kernel: Kernel) -> list[tuple[str, str, str]]:
    rows = await kernel.db.fetch_all("SELECT slug, name, timezone FROM networks ORDER BY id")
    return [(r["slug"], r["name"], r["timezone"]) for r in rows]


async def membership_rows(kernel: Kernel) -> list[tuple[str, str, str]]:
    rows = await kernel.db.fetch_all(
        """SELECT n.slug, m.user_key, m.role FROM memberships m
           JOIN networks n ON n.id = m.network_id ORDER BY n.slug, m.user_key"""
    )
    return [(r["slug"], r["user_key"], r["role"]) for r in rows]


async def create_networks(kernel: Kernel) -> None:
    for name, slug in ((SOUTH, "south-coast"), (HUNTER, "hunter")):
        reply = await invoke(kernel, ADMIN_ID, "network create", name=name, slug=slug)
        assert reply.text.startswith("Created the network"), reply.text


def private_text(reply: Reply) -> str:
    assert reply.private, f"expected a private reply, got a public one: {reply.text!r}"
    return reply.text


# ---- /network create ---------------------------------------------------------------------


async def test_create_is_refused_for_a_non_admin(kernel: Kernel) -> None:
    reply = await invoke(kernel, "alex", "network create", name=SOUTH, slug="south-coast")
    assert private_text(reply) == (
        "Only a peerbot admin can do that. Ask an admin if you need it done."
    )
    assert await network_rows(kernel) == []


async def test_create_is_refused_for_a_coordinator(
    kernel: Kernel, networks_cog: NetworksCog
) -> None:
    await create_networks(kernel)
    south = await networks_cog.service.network_by_slug("south-coast")
    assert south is not None
    await networks_cog.service.set_role("console:alex", south.id, Role.COORDINATOR)
    reply = await invoke(kernel, "alex", "network create", name="Western", slug="west")
    assert "Only a peerbot admin can do that" in private_text(reply)
    assert [slug for slug, _, _ in await network_rows(kernel)] == ["south-coast", "hunter"]


async def test_admin_creates_a_network_in_the_default_time_zone(
    kernel: Kernel, clock: FakeClock
) -> None:
    assert kernel.settings.networks.default_timezone == "Australia/Sydney"
    reply = await invoke(kernel, ADMIN_ID, "network create", name=SOUTH, slug="south-coast")
    assert private_text(reply) == (
        f"Created the network {SOUTH} (south-coast), time zone Australia/Sydney."
    )
    assert await network_rows(kernel) == [("south-coast", SOUTH, "Australia/Sydney")]
    row = await kernel.db.fetch_one("SELECT created_at, description FROM networks")
    assert row is not None
    assert (row["created_at"], row["description"]) == (to_db(clock.now()), "")


async def test_admin_creates_a_network_with_a_time_zone_and_description(kernel: Kernel) -> None:
    reply = await invoke(
        kernel,
        ADMIN_ID,
        "network create",
        name="Western Peer Network",
        slug="West",
        timezone="Australia/Perth",
        description="Peer workers in Perth and the south-west.",
    )
    assert private_text(reply) == (
        "Created the network Western Peer Network (west), time zone Australia/Perth."
    )
    listed = await invoke(kernel, "alex", "network list")
    assert "- Western Peer Network (west): 0 members, time zone Australia/Perth. " in listed.text
    assert "Peer workers in Perth and the south-west." in listed.text


@pytest.mark.parametrize(
    ("slug", "timezone", "expected"),
    [
        ("South Coast", None, "'south coast' cannot be a network's short name"),
        ("-x", None, "'-x' cannot be a network's short name"),
        ("south-coast", "Mars/Base", "you gave 'Mars/Base' (not a time zone peerbot knows)"),
        ("a" * 31, None, "The option 'slug' must be at most 30 characters"),
    ],
)
async def test_create_with_bad_input_answers_clearly_and_creates_nothing(
    kernel: Kernel, slug: str, timezone: str | None, expected: str
) -> None:
    options = {"name": SOUTH, "slug": slug}
    if timezone is not None:
        options["timezone"] = timezone
    reply = await invoke(kernel, ADMIN_ID, "network create", **options)
    assert expected in private_text(reply)
    assert not APOLOGY.search(reply.text)
    assert await network_rows(kernel) == []


async def test_create_with_a_region_as_time_zone_answers_clearly(kernel: Kernel) -> None:
    # Regression: a region folder as time zone once gave the unexpected-error apology.
    reply = await invoke(
        kernel, ADMIN_ID, "network create", name=SOUTH, slug="south-coast", timezone="Australia"
    )
    assert "The option 'timezone' must be a time zone like Australia/Sydney" in (
        private_text(reply)
    )
    assert "you gave 'Australia' (not a time zone peerbot knows)" in private_text(reply)
    assert await network_rows(kernel) == []


async def test_create_with_a_taken_slug_answers_clearly(kernel: Kernel) -> None:
    await create_networks(kernel)
    reply = await invoke(kernel, ADMIN_ID, "network create", name="Other", slug="Hunter")
    assert private_text(reply) == (
        "There is already a network with the short name 'hunter'. Choose another."
    )
    assert [name for _, name, _ in await network_rows(kernel)] == [SOUTH, HUNTER]


async def test_create_without_a_name_says_which_option_is_missing(kernel: Kernel) -> None:
    reply = await invoke(kernel, ADMIN_ID, "network create", slug="south-coast")
    assert "/network create needs the option 'name'" in private_text(reply)
    assert await network_rows(kernel) == []


# ---- /network join, /network mine, /network leave ----------------------------------------


async def test_join_an_unknown_network_answers_clearly(kernel: Kernel) -> None:
    await create_networks(kernel)
    reply = await invoke(kernel, "alex", "network join", network="nowhere")
    assert private_text(reply) == (
        "There is no network called 'nowhere'. "
        "Type /network list to see the networks and their short names."
    )
    assert await membership_rows(kernel) == []


async def test_join_then_mine_lists_the_network_and_role(
    kernel: Kernel, networks_cog: NetworksCog
) -> None:
    await create_networks(kernel)
    reply = await invoke(kernel, "alex", "network join", network=" South-Coast ")
    assert private_text(reply).startswith(f"Welcome to {SOUTH}. You joined as a member.\n\n")
    hunter = await networks_cog.service.network_by_slug("hunter")
    assert hunter is not None
    await networks_cog.service.set_role("console:alex", hunter.id, Role.COORDINATOR)

    mine = await invoke(kernel, "alex", "network mine")
    assert private_text(mine) == (
        f"Your networks:\n- {HUNTER} (hunter): coordinator\n- {SOUTH} (south-coast): member"
    )
    assert await membership_rows(kernel) == [
        ("hunter", "console:alex", "coordinator"),
        ("south-coast", "console:alex", "member"),
    ]


async def test_joining_twice_says_so_and_keeps_the_role(
    kernel: Kernel, networks_cog: NetworksCog
) -> None:
    await create_networks(kernel)
    south = await networks_cog.service.network_by_slug("south-coast")
    assert south is not None
    await networks_cog.service.set_role("console:alex", south.id, Role.COORDINATOR)
    reply = await invoke(kernel, "alex", "network join", network="south-coast")
    assert private_text(reply) == f"You are already in {SOUTH}."
    assert await membership_rows(kernel) == [("south-coast", "console:alex", "coordinator")]


async def test_mine_when_in_no_network(kernel: Kernel) -> None:
    await create_networks(kernel)
    reply = await invoke(kernel, "alex", "network mine")
    assert private_text(reply) == (
        "You are not in any network yet. Type /network list to see them."
    )


async def test_leave_when_not_a_member_answers_clearly(kernel: Kernel) -> None:
    await create_networks(kernel)
    await invoke(kernel, "bob", "network join", network="south-coast")
    reply = await invoke(kernel, "alex", "network leave", network="south-coast")
    text = private_text(reply)
    assert text == f"You are not a member of {SOUTH}, so there is nothing to leave."
    assert await membership_rows(kernel) == [("south-coast", "console:bob", "member")]


async def test_leave_when_an_admin_who_is_not_a_member(kernel: Kernel) -> None:
    await create_networks(kernel)
    reply = await invoke(kernel, ADMIN_ID, "network leave", network="south-coast")
    assert private_text(reply) == (
        f"You are not a member of {SOUTH}, so there is nothing to leave."
    )


async def test_leave_a_network(kernel: Kernel) -> None:
    await create_networks(kernel)
    await invoke(kernel, "alex", "network join", network="south-coast")
    await invoke(kernel, "alex", "network join", network="hunter")
    reply = await invoke(kernel, "alex", "network leave", network="south-coast")
    assert private_text(reply) == f"You have left {SOUTH}. You can join again at any time."
    assert await membership_rows(kernel) == [("hunter", "console:alex", "member")]
    mine = await invoke(kernel, "alex", "network mine")
    assert f"{SOUTH}" not in mine.text
    assert f"- {HUNTER} (hunter): member" in mine.text


async def test_join_an_archived_network_is_refused(kernel: Kernel, clock: FakeClock) -> None:
    await create_networks(kernel)
    async with kernel.db.transaction() as tx:
        await tx.execute(
            "UPDATE networks SET archived_at = ? WHERE slug = 'hunter'", (to_db(clock.now()),)
        )
    reply = await invoke(kernel, "alex", "network join", network="hunter")
    assert "There is no network called 'hunter'." in private_text(reply)
    assert await membership_rows(kernel) == []
    listed = await invoke(kernel, "alex", "network list")
    assert "hunter" not in listed.text
    assert "(south-coast)" in listed.text


# ---- /network list -----------------------------------------------------------------------


async def test_list_with_no_networks(kernel: Kernel) -> None:
    reply = await invoke(kernel, "alex", "network list")
    assert private_text(reply) == (
        "There are no networks yet. An admin can create one with /network create."
    )


async def test_list_counts_members(kernel: Kernel) -> None:
    await create_networks(kernel)
    for person in ("alex", "bob"):
        await invoke(kernel, person, "network join", network="south-coast")
    await invoke(kernel, "alex", "network join", network="hunter")

    reply = await invoke(kernel, "casey", "network list")  # anyone may list
    assert private_text(reply) == (
        "Networks:\n"
        f"- {HUNTER} (hunter): 1 member, time zone Australia/Sydney\n"
        f"- {SOUTH} (south-coast): 2 members, time zone Australia/Sydney\n"
        "\nJoin one with /network join."
    )
    [card] = reply.cards
    assert [f.name for f in card.fields] == [f"{HUNTER} (hunter)", f"{SOUTH} (south-coast)"]


# ---- autocomplete ------------------------------------------------------------------------


async def test_autocomplete_suggests_matching_networks(kernel: Kernel) -> None:
    await create_networks(kernel)
    alex = user("alex")
    found = await kernel.registry.autocomplete(alex, None, "network join", "network", "sou")
    assert found == [Choice(label=SOUTH, value="south-coast")]
    by_name = await kernel.registry.autocomplete(alex, None, "network leave", "network", "HUNTER")
    assert by_name == [Choice(label=HUNTER, value="hunter")]
    everything = await kernel.registry.autocomplete(alex, None, "network join", "network", "")
    assert [c.value for c in everything] == ["hunter", "south-coast"]
    assert await kernel.registry.autocomplete(alex, None, "network join", "network", "xyz") == []


async def test_autocomplete_leaves_out_archived_networks(kernel: Kernel, clock: FakeClock) -> None:
    await create_networks(kernel)
    async with kernel.db.transaction() as tx:
        await tx.execute(
            "UPDATE networks SET archived_at = ? WHERE slug = 'south-coast'", (to_db(clock.now()),)
        )
    alex = user("alex")
    assert await kernel.registry.autocomplete(alex, None, "network join", "network", "sou") == []
