"""Members see the commands they can use (issue 14, item 8), on the fake Discord with the
real peerbot and the bot holding exactly what the README's invite link asks for.

Discord hides a command from anyone lacking the server permission its
``default_member_permissions`` names; the fake refuses such a command as Discord's client
cannot send it (CommandNotShown). peerbot's "peerbot staff" role carries that permission
and follows who is an admin, executive or coordinator."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.platforms.discord.commands_payload import STAFF_MARKER
from tests.e2e.fakediscord import FakeDiscord
from tests.e2e.fakediscord.interactions import CommandNotShown
from tests.e2e.peerbot_on_fake import ADMIN, PeerbotOnFake
from tests.e2e.test_networks_discord import COORDINATOR, MEMBER, answer
from tests.e2e.test_peerbot_discord import Launcher

README = Path(__file__).resolve().parents[2] / "README.md"
INVITE = int(re.search(r"permissions=(\d+)", README.read_text()).group(1))  # type: ignore[union-attr]
STAFF_ROLE = "peerbot staff"


def set_bot_permissions(fake: FakeDiscord, permissions: int) -> None:
    """The bot's own (managed) role holds exactly ``permissions``, as after an invite."""
    role = next(r for r in fake.guild.roles.values() if r.get("managed"))
    role["permissions"] = str(permissions)


@pytest.fixture
async def launcher(fake_discord: FakeDiscord, tmp_path: Path) -> AsyncIterator[Launcher]:
    set_bot_permissions(fake_discord, INVITE)
    started = Launcher(fake_discord, tmp_path)
    try:
        yield started
    finally:
        await started.stop_all()


async def started(launcher: Launcher) -> PeerbotOnFake:
    """peerbot, once it has reconciled the server's roles (the staff role included)."""
    bot: PeerbotOnFake = await launcher.start()
    assert bot.client is not None
    await bot.client.roles_reconciled.wait()
    return bot


async def run(fake: FakeDiscord, typed: str, options: dict[str, Any], user: str) -> str:
    content: str = (await answer(await fake.send_command(typed, options, user=user)))["content"]
    return content


def holds_staff_role(fake: FakeDiscord, name: str) -> bool:
    return STAFF_ROLE in fake.state.role_names_of(fake.guild_id, fake.user_id(name))


def menu(fake: FakeDiscord, name: str) -> set[str]:
    """Every command, subcommand and subcommand group the person sees in the server's menu."""
    held = fake.state.permissions_for(fake.guild_id, fake.user_id(name))
    seen: set[str] = set()
    for command in fake.state.guild(fake.guild_id).commands.values():
        needed = command.get("default_member_permissions")
        if command["type"] != 1 or (needed is not None and held & int(needed) != int(needed)):
            continue
        for option in command.get("options", []):
            if option["type"] == 1:
                seen.add(f"{command['name']} {option['name']}")
            elif option["type"] == 2:
                seen |= {
                    f"{command['name']} {option['name']} {s['name']}" for s in option["options"]
                }
        if not any(o["type"] in (1, 2) for o in command.get("options", [])):
            seen.add(command["name"])
    return seen


async def coast_with_coordinator(fake: FakeDiscord) -> None:
    created = await run(fake, "network create", {"name": "Coast", "slug": "coast"}, ADMIN)
    assert "Created the network" in created, created
    named = await run(
        fake,
        "manage network role",
        {"network": "coast", "member": COORDINATOR, "role": "coordinator"},
        ADMIN,
    )
    assert "is now a coordinator of Coast" in named, named


async def test_the_admin_sees_the_staff_commands_from_the_start_and_a_member_never(
    launcher: Launcher, fake_discord: FakeDiscord
) -> None:
    fake = fake_discord
    await started(launcher)
    role = next(r for r in fake.guild.roles.values() if r["name"] == STAFF_ROLE)
    assert int(role["permissions"]) & STAFF_MARKER
    assert holds_staff_role(fake, ADMIN) and not holds_staff_role(fake, MEMBER)
    await coast_with_coordinator(fake)  # the admin runs /manage network role
    joined = await run(fake, "network join", {"network": "coast"}, MEMBER)
    assert joined.startswith("Welcome to Coast."), joined
    for typed in ("manage meeting schedule", "library add", "mod lock"):
        with pytest.raises(CommandNotShown):
            await fake.send_command(typed, {"network": "coast"}, user=MEMBER)
    reported = await run(fake, "report concern", {"network": "coast", "concern": "a worry"}, MEMBER)
    assert "coordinators" in reported, reported


async def test_a_coordinator_named_sees_them_at_once_and_loses_them_when_removed(
    launcher: Launcher, fake_discord: FakeDiscord
) -> None:
    fake = fake_discord
    await started(launcher)
    await coast_with_coordinator(fake)
    assert holds_staff_role(fake, COORDINATOR)
    done = await run(fake, "network setup", {"network": "coast"}, COORDINATOR)
    assert done.startswith("Set up Coast here."), done
    assert "View Server Insights" not in done
    scheduled = await run(
        fake,
        "manage meeting schedule",
        {"network": "coast", "date": "2027-03-10", "time": "18:00", "duration": 90},
        COORDINATOR,
    )
    assert "series number" in scheduled, scheduled
    removed = await run(
        fake,
        "manage network role",
        {"network": "coast", "member": COORDINATOR, "role": "coordinator", "remove": True},
        ADMIN,
    )
    assert "is no longer a coordinator" in removed, removed
    assert not holds_staff_role(fake, COORDINATOR)
    with pytest.raises(CommandNotShown):
        await fake.send_command("manage meeting skip", {"network": "coast"}, user=COORDINATOR)


async def test_a_members_menu_holds_only_what_members_run_and_the_first_steps(
    launcher: Launcher, fake_discord: FakeDiscord
) -> None:
    fake = fake_discord
    bot = await started(launcher)
    await coast_with_coordinator(fake)
    await run(fake, "network join", {"network": "coast"}, MEMBER)
    # peerbot's own commands (the tests' probe cog adds some of its own)
    specs = [s for s in bot.kernel.registry.commands.values() if not s.name.startswith("probe")]
    member_commands = {s.name for s in specs if s.role.name in ("EVERYONE", "MEMBER")}
    first_steps = {"network create", "network archive", "network setup"}
    ours = {s.name for s in specs}
    assert menu(fake, MEMBER) & ours == member_commands | first_steps
    assert menu(fake, COORDINATOR) & ours == ours


async def test_invited_without_view_server_insights_set_up_says_how_to_fix_it(
    launcher: Launcher, fake_discord: FakeDiscord
) -> None:
    fake = fake_discord
    set_bot_permissions(fake, INVITE & ~STAFF_MARKER)
    await started(launcher)
    role = next(r for r in fake.guild.roles.values() if r["name"] == STAFF_ROLE)
    assert not int(role["permissions"]) & STAFF_MARKER  # Discord refused it (50013)
    # The admin here is not a server administrator, so she does not see /manage either; a
    # server administrator (the owner) names the coordinator.
    with pytest.raises(CommandNotShown):
        await fake.send_command("manage network role", {"network": "coast"}, user=ADMIN)
    created = await run(fake, "network create", {"name": "Coast", "slug": "coast"}, ADMIN)
    assert "Created the network" in created
    done = await run(fake, "network setup", {"network": "coast"}, ADMIN)
    assert "View Server Insights" in done and "run /network setup" in done, done
    set_bot_permissions(fake, INVITE)  # the server admin gives peerbot's role the permission
    again = await run(fake, "network setup", {"network": "coast"}, ADMIN)
    assert "View Server Insights" not in again, again
    role = next(r for r in fake.guild.roles.values() if r["name"] == STAFF_ROLE)
    assert int(role["permissions"]) & STAFF_MARKER
    members = await run(fake, "manage network members", {"network": "coast"}, ADMIN)
    assert "Coast" in members, members


async def test_a_restart_puts_the_staff_role_right_after_changes_by_hand(
    launcher: Launcher, fake_discord: FakeDiscord
) -> None:
    fake = fake_discord
    first = await started(launcher)
    await coast_with_coordinator(fake)
    role = next(r for r in fake.guild.roles.values() if r["name"] == STAFF_ROLE)
    await first.stop()
    carol = fake.state.member(fake.guild_id, fake.user_id(COORDINATOR))
    carol["roles"] = [r for r in carol["roles"] if r != role["id"]]
    fake.state.member(fake.guild_id, fake.user_id(MEMBER))["roles"].append(role["id"])
    await started(launcher)
    assert holds_staff_role(fake, COORDINATOR) and not holds_staff_role(fake, MEMBER)
    assert [r["name"] for r in fake.guild.roles.values()].count(STAFF_ROLE) == 1
