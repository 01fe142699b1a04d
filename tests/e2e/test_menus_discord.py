"""Members see the commands they can use (issue 14, item 8), on the fake Discord.

Discord decides who sees a command in the menu from its ``default_member_permissions``, set
per top-level command; peerbot's kernel still checks every call. Admin-only commands need
Manage Server; groups that hold anything a member may run stay visible. /help lists only
what the person can run, by their role in any network.
"""

from __future__ import annotations

import pytest

from bot.platforms.discord.commands_payload import MANAGE_GUILD, STAFF_MARKER
from tests.e2e.fakediscord import FakeDiscord
from tests.e2e.fakediscord.interactions import CommandNotShown
from tests.e2e.peerbot_on_fake import ADMIN
from tests.e2e.test_networks_discord import (
    COORDINATOR,
    MEMBER,
    answer,
    bot,  # noqa: F401 (a fixture)
    launcher,  # noqa: F401 (a fixture)
    run,
)


def registered(fake: FakeDiscord) -> dict[str, str | None]:
    """Each registered command's default_member_permissions, as Discord stored it."""
    commands = fake.state.guild(fake.guild_id).commands.values()
    return {c["name"]: c["default_member_permissions"] for c in commands}


@pytest.mark.usefixtures("bot")
async def test_admin_only_commands_need_manage_server_and_the_rest_stay_visible(
    fake_discord: FakeDiscord,
) -> None:
    shown = registered(fake_discord)
    assert shown["probeadmin"] == str(MANAGE_GUILD)  # an admin-only top-level command
    for group in ("network", "report", "meeting", "resources", "help", "support", "privacy"):
        assert shown[group] is None, group  # each has commands members may run
    for group in ("manage", "library", "mod"):
        assert shown[group] == str(STAFF_MARKER), group  # staff only: the staff role shows it

    with pytest.raises(CommandNotShown):
        await fake_discord.send_slash_command("probeadmin", user=MEMBER)
    # alice is peerbot's admin, but Discord shows her the command only once she may manage
    # the server (the server's admins are the ones who hold that)
    with pytest.raises(CommandNotShown):
        await fake_discord.send_slash_command("probeadmin", user=ADMIN)
    managers = fake_discord.add_role("Server managers", permissions=MANAGE_GUILD)
    g, alice = fake_discord.guild_id, fake_discord.user_id(ADMIN)
    fake_discord.state.member(g, alice)["roles"].append(managers["id"])
    done = await answer(await fake_discord.send_slash_command("probeadmin", user=ADMIN))
    assert done["content"] == "Only admins see this."


def commands_in(help_text: str) -> set[str]:
    """The names in /help's short lists: ``  /meeting list, /meeting next``."""
    lines = [line for line in help_text.splitlines() if line.startswith("  /")]
    return {name.strip() for line in lines for name in line.split(",") if name.strip()}


@pytest.mark.usefixtures("bot")
async def test_help_lists_only_what_each_person_can_run(fake_discord: FakeDiscord) -> None:
    joined = await run(fake_discord, "join", {"network": "coast"}, user=MEMBER)
    assert joined["content"].startswith("Welcome to Coast."), joined

    async def help_for(user: str) -> set[str]:
        """Every command in the person's /help, across the messages a long answer takes."""
        handle = await fake_discord.send_slash_command("help", user=user)
        text = (await answer(handle))["content"]
        while "If you need support now" not in text:  # the last line of /help
            text += "\n" + (await handle.followup())["content"]
        return commands_in(text)

    member, coordinator, admin = (
        await help_for(MEMBER),
        await help_for(COORDINATOR),
        await help_for(ADMIN),
    )
    staff = {"/mod lock", "/mod audit", "/network setup", "/manage meeting schedule"}
    assert {"/report concern", "/network join", "/meeting next"} <= member
    assert not staff & member
    assert "/network create" not in member
    # carol coordinates one network (Coast): she sees coordinator commands, not admin ones
    assert staff <= coordinator
    assert "/network create" not in coordinator and "/network archive" not in coordinator
    assert {"/network create", "/network archive", "/probeadmin"} <= admin
    assert len(member) < len(coordinator) < len(admin)
