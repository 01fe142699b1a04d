"""Linking two accounts of one person (issue 9, "one network, two platforms"), through the
registry as every adapter runs it: started on one platform, confirmed on the other; from then
on both accounts are one person, whose data lives under the account that started."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.commands import Role
from bot.identity import PlaceRef, UserRef
from bot.kernel import Kernel
from bot.people import normalise_code
from bot.registry import ActionInvocation, Invocation
from bot.replies import Reply
from cogs.networks.commands import NetworksCog
from tests.bot.fakes import RecordingPort
from tests.cogs.networks import ADMIN_ID, Apps, invoke, settings_for

DISCORD = UserRef(platform="discord", id="111")
MATRIX = UserRef(platform="matrix", id="@sam:example.org")
OTHER_DISCORD = UserRef(platform="discord", id="222")


async def run(kernel: Kernel, who: UserRef, command: str, /, **arguments: Any) -> Reply:
    return await kernel.registry.invoke(
        Invocation(user=who, place=None, name=command, arguments=arguments)
    )


def code_in(reply: Reply) -> str:
    found = re.search(r"code:([A-Z0-9]{8})", reply.text)
    assert found, reply.text
    return found[1]


async def links(kernel: Kernel) -> list[tuple[str, str]]:
    rows = await kernel.db.fetch_all("SELECT alias_key, person_key FROM person_links")
    return [(str(r["alias_key"]), str(r["person_key"])) for r in rows]


async def link(kernel: Kernel) -> Reply:
    code = code_in(await run(kernel, DISCORD, "link start"))
    return await run(kernel, MATRIX, "link confirm", code=code)


@pytest.fixture
async def coast(kernel: Kernel) -> Kernel:
    for name, slug in (("Coast", "coast"), ("Inland", "inland")):
        created = await invoke(kernel, ADMIN_ID, "network create", name=name, slug=slug)
        assert created.text.startswith("Created the network"), created.text
    return kernel


async def test_start_then_confirm_makes_one_person(coast: Kernel) -> None:
    started = await run(coast, DISCORD, "link start")
    assert started.private and "works once, for 15 minutes" in started.text
    linked = await run(coast, MATRIX, "link confirm", code=code_in(started))
    assert linked.private and linked.text.startswith("Linked:"), linked.text
    assert await links(coast) == [(MATRIX.key, DISCORD.key)]
    for who in (DISCORD, MATRIX):
        listed = await run(coast, who, "link list")
        assert "Main account: Discord (111)" in listed.text
        assert "Linked: Matrix (@sam:example.org)" in listed.text
    # Joining from Matrix is the person joining: Discord sees it too.
    await run(coast, MATRIX, "network join", network="coast")
    assert "Coast" in (await run(coast, DISCORD, "network mine")).text


async def test_the_other_accounts_data_moves_keeping_the_higher_role(coast: Kernel) -> None:
    directory = coast.registry.directory
    coast_net = await directory.network_by_slug("coast")
    inland = await directory.network_by_slug("inland")
    assert coast_net is not None and inland is not None
    await directory.assign_role(DISCORD.key, coast_net.id, _role("member"))
    await directory.assign_role(MATRIX.key, coast_net.id, _role("executive"))
    await directory.assign_role(MATRIX.key, inland.id, _role("coordinator"))
    linked = await link(coast)
    assert "records from this account moved" in linked.text
    rows = await coast.db.fetch_all(
        "SELECT network_id, user_key, role FROM memberships ORDER BY network_id"
    )
    assert [(r["network_id"], r["user_key"], r["role"]) for r in rows] == [
        (coast_net.id, DISCORD.key, "executive"),
        (inland.id, DISCORD.key, "coordinator"),
    ]
    # The person has the role from either account.
    for who in (DISCORD, MATRIX):
        assert await directory.role_of(coast.people.person_of(who.key), inland.id) == _role(
            "coordinator"
        )


def _role(name: str) -> Role:
    return Role[name.upper()]


async def test_bad_codes_are_refused_and_change_nothing(coast: Kernel, clock: FakeClock) -> None:
    code = code_in(await run(coast, DISCORD, "link start"))
    wrong = await run(coast, MATRIX, "link confirm", code="ABCD-EFGH")
    assert "not valid" in wrong.text and "Nothing was changed" in wrong.text
    same_platform = await run(coast, OTHER_DISCORD, "link confirm", code=code)
    assert "other platform" in same_platform.text
    own = await run(coast, DISCORD, "link confirm", code=code)
    assert "already linked" in own.text or "other platform" in own.text
    clock.advance(timedelta(minutes=16))
    late = await run(coast, MATRIX, "link confirm", code=code)
    assert "older than 15" in late.text
    assert await links(coast) == []


async def test_a_code_works_once_and_typing_is_forgiving(coast: Kernel) -> None:
    code = code_in(await run(coast, DISCORD, "link start"))
    typed = f" {code[:4].lower()}-{code[4:]} "
    assert normalise_code(typed) == code
    assert (await run(coast, MATRIX, "link confirm", code=typed)).text.startswith("Linked:")
    again = await run(coast, UserRef(platform="matrix", id="@x:y.org"), "link confirm", code=code)
    assert "not valid" in again.text
    assert await links(coast) == [(MATRIX.key, DISCORD.key)]


async def test_a_linked_account_cannot_start_or_be_linked_twice(coast: Kernel) -> None:
    await link(coast)
    from_alias = await run(coast, MATRIX, "link start")
    assert "linked already" in from_alias.text
    other = UserRef(platform="matrix", id="@other:example.org")
    code = code_in(await run(coast, DISCORD, "link start"))
    # A second Matrix account for the same person is refused: one per platform.
    second = await run(coast, other, "link confirm", code=code)
    assert "already has a linked matrix account" in second.text, second.text
    assert await links(coast) == [(MATRIX.key, DISCORD.key)]


async def test_unlink_from_either_side(coast: Kernel) -> None:
    await link(coast)
    removed = await run(coast, MATRIX, "link remove")
    assert removed.text.startswith("Unlinked Matrix (@sam:example.org)")
    assert await links(coast) == [] and coast.people.person_of(MATRIX.key) == MATRIX.key
    await link(coast)
    removed = await run(coast, DISCORD, "link remove")
    assert removed.text.startswith("Unlinked Matrix")
    nothing = await run(coast, DISCORD, "link remove")
    assert "No other account is linked" in nothing.text


async def test_a_configured_admin_is_admin_from_the_linked_account(tmp_path: Path) -> None:
    clock = FakeClock()
    apps = Apps(settings_for(tmp_path, PEERBOT_ADMINS=MATRIX.key), clock)
    try:
        _, kernel = await apps.start()
        refused = await run(kernel, DISCORD, "network create", name="Coast", slug="coast")
        assert "Created" not in refused.text
        await link(kernel)
        created = await run(kernel, DISCORD, "network create", name="Coast", slug="coast")
        assert created.text.startswith("Created the network"), created.text
    finally:
        await apps.stop_all()


async def test_privacy_export_and_delete_cover_both_accounts(coast: Kernel) -> None:
    await link(coast)
    await run(coast, MATRIX, "network join", network="coast")
    exported = await run(coast, MATRIX, "privacy export")
    document = exported.attachments[0].content.decode()
    assert '"main_account": "discord:111"' in document
    assert "matrix:@sam:example.org" in document
    asked = await run(coast, MATRIX, "privacy delete")
    [delete_button] = [b for b in asked.buttons if b.label == "Delete my data"]
    done = await coast.registry.invoke_action(
        ActionInvocation(user=MATRIX, place=None, action=delete_button.action)
    )
    assert done.text.startswith("Done."), done.text
    assert await links(coast) == []
    assert coast.people.person_of(MATRIX.key) == MATRIX.key
    rows = await coast.db.fetch_all("SELECT user_key FROM memberships")
    assert rows == []


async def test_the_main_account_is_told_of_every_link(coast: Kernel) -> None:
    await link(coast)
    rows = await coast.db.fetch_all(
        "SELECT platform, target_id, message_json FROM outbox WHERE key LIKE 'accounts:linked:%'"
    )
    assert [(r["platform"], r["target_id"]) for r in rows] == [("discord", "111")]
    assert "If that was not you, run /link remove" in str(rows[0]["message_json"])


async def test_audit_entries_about_a_person_follow_the_link_and_are_forgotten_on_delete(
    coast: Kernel,
) -> None:
    await run(coast, MATRIX, "network join", network="coast")
    networks = coast.cogs["networks"]
    assert isinstance(networks, NetworksCog)
    found = await coast.registry.directory.network_by_slug("coast")
    assert found is not None
    await networks.service.change_role(
        actor_key="console:admin",
        actor_role=Role.ADMIN,
        network_id=found.id,
        target_key=MATRIX.key,
        role=Role.EXECUTIVE,
        remove=False,
    )
    targets = {str(r["target"]) for r in await coast.db.fetch_all("SELECT target FROM audit_log")}
    assert MATRIX.key in targets
    await link(coast)
    targets = {str(r["target"]) for r in await coast.db.fetch_all("SELECT target FROM audit_log")}
    assert MATRIX.key not in targets and DISCORD.key in targets
    async with coast.db.transaction() as tx:
        await coast.privacy.delete_in(tx, DISCORD.key)
    targets = {str(r["target"]) for r in await coast.db.fetch_all("SELECT target FROM audit_log")}
    assert DISCORD.key not in targets


async def test_people_typed_on_a_platform_become_person_keys(coast: Kernel) -> None:
    await link(coast)
    typed = "@sam:example.org, @kim:example.org <@333>"
    assert coast.people.persons_typed(typed, "matrix") == [
        DISCORD.key,  # Sam's Matrix account is linked: the person is the Discord account
        "matrix:@kim:example.org",
        "matrix:333",
    ]
    assert coast.people.persons_typed("<@111> 222", "discord") == [DISCORD.key, OTHER_DISCORD.key]


class RolePort(RecordingPort):
    """Records platform role changes: (space id, user id, role id, present)."""

    def __init__(self, platform: str) -> None:
        super().__init__(platform)
        self.role_changes: list[tuple[str, str, str, bool]] = []

    async def set_member_role(
        self, space: PlaceRef, user: UserRef, role_id: str, *, present: bool
    ) -> None:
        self.role_changes.append((space.id, user.id, role_id, present))


async def test_leaving_takes_the_role_away_on_every_platform(coast: Kernel) -> None:
    found = await coast.registry.directory.network_by_slug("coast")
    assert found is not None
    async with coast.db.transaction() as tx:
        for space, role in (("discord:900", "d-role"), ("matrix:!space:example.org", "m-space")):
            await tx.execute(
                "INSERT INTO network_roles (network_id, space_key, role_id) VALUES (?, ?, ?)",
                (found.id, space, role),
            )
    ports = {platform: RolePort(platform) for platform in ("discord", "matrix")}
    coast.ports.update(ports)
    await link(coast)
    await run(coast, DISCORD, "network join", network="coast")
    # Joining on Discord gives the network's role on both platforms, to each account.
    assert ports["discord"].role_changes == [("900", "111", "d-role", True)]
    assert ports["matrix"].role_changes == [
        ("!space:example.org", "@sam:example.org", "m-space", True)
    ]
    for port in ports.values():
        port.role_changes.clear()
    left = await run(coast, MATRIX, "network leave", network="coast")
    assert "Coast" in left.text, left.text
    assert ports["discord"].role_changes == [("900", "111", "d-role", False)]
    assert ports["matrix"].role_changes == [
        ("!space:example.org", "@sam:example.org", "m-space", False)
    ]


async def test_privacy_delete_takes_every_role_and_standing_away_on_both_platforms(
    coast: Kernel,
) -> None:
    """/privacy delete from the linked Matrix account: the Discord account loses the
    network's roles (member and executives) and the Matrix account its space and level."""
    found = await coast.registry.directory.network_by_slug("coast")
    assert found is not None
    rows = (
        ("discord:900", "d-member"),
        ("discord:900|executive", "d-executives"),
        ("discord:900|coordinator", "d-coordinators"),
        ("matrix:!space:example.org", "m-space"),
    )
    async with coast.db.transaction() as tx:
        for space, role in rows:
            await tx.execute(
                "INSERT INTO network_roles (network_id, space_key, role_id) VALUES (?, ?, ?)",
                (found.id, space, role),
            )
    ports = {platform: RolePort(platform) for platform in ("discord", "matrix")}
    coast.ports.update(ports)
    await link(coast)
    await run(coast, DISCORD, "network join", network="coast")
    await coast.registry.directory.assign_role(DISCORD.key, found.id, Role.EXECUTIVE)
    for port in ports.values():
        port.role_changes.clear()
        port.ranks.clear()

    asked = await run(coast, MATRIX, "privacy delete")
    delete_button = next(b for b in asked.buttons if "Delete" in b.label)
    done = await coast.registry.invoke_action(
        ActionInvocation(user=MATRIX, place=None, action=delete_button.action)
    )
    assert done.text.startswith("Done."), done.text
    assert sorted(ports["discord"].role_changes) == [
        ("900", "111", "d-coordinators", False),
        ("900", "111", "d-executives", False),
        ("900", "111", "d-member", False),
    ]
    assert ports["matrix"].role_changes == [
        ("!space:example.org", "@sam:example.org", "m-space", False)
    ]
    assert ports["matrix"].ranks == [("m-space", MATRIX.key, Role.MEMBER)]
