"""Networks on Discord: the platform's roles always match who peerbot thinks is in the network
(issue 14, items 1, 2, 3, 5 and 6). The real peerbot on the fake Discord; every test checks
what the person can see: their roles in the fake's guild state, and View Channel / Send
Messages computed from the guild's roles and the channels' overwrites as Discord does."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app import App
from bot.errors import StartupError
from bot.platforms.discord.serve import serve_discord
from config.settings import load_settings
from tests.e2e.fakediscord import FakeDiscord, discord_pointed_at
from tests.e2e.peerbot_on_fake import ADMIN, PeerbotOnFake
from tests.e2e.test_networks_discord import (
    COORDINATOR,
    MEMBER,
    STAFF_MENU_ROLE,
    answer,
    dm_to,
    mod,
    run,
    setup_coast,
    the_select,
)
from tests.e2e.test_peerbot_discord import Launcher

EXECUTIVE = "erin"
PURPOSES = ("announcements", "general", "reflection", "resources")


@pytest.fixture
async def launcher(fake_discord: FakeDiscord, tmp_path: Path) -> AsyncIterator[Launcher]:
    started = Launcher(fake_discord, tmp_path)
    try:
        yield started
    finally:
        await started.stop_all()


@pytest.fixture
async def bot(launcher: Launcher, fake_discord: FakeDiscord) -> PeerbotOnFake:
    """peerbot with Coast created by the admin and carol named its coordinator (no set-up)."""
    fake_discord.add_user(EXECUTIVE)
    started = await launcher.start()
    created = await run(fake_discord, "create", {"name": "Coast", "slug": "coast"}, user=ADMIN)
    assert "Created the network" in created["content"], created
    named = await run(
        fake_discord,
        "role",
        {"network": "coast", "member": COORDINATOR, "role": "coordinator"},
        user=ADMIN,
    )
    assert "is now a coordinator of Coast" in named["content"], named
    return started


def roles_of(fake: FakeDiscord, name: str) -> set[str]:
    """The person's network roles (the staff menu role is test_staff_menu_discord's)."""
    return fake.state.role_names_of(fake.guild_id, fake.user_id(name)) - {STAFF_MENU_ROLE}


def sees(fake: FakeDiscord, name: str, channel: str) -> bool:
    return fake.state.can_see(fake.guild_id, fake.user_id(name), fake.channel_id(channel))


def posts(fake: FakeDiscord, name: str, channel: str) -> bool:
    return fake.state.can_post(fake.guild_id, fake.user_id(name), fake.channel_id(channel))


def role_id(fake: FakeDiscord, name: str) -> int:
    return next(int(r["id"]) for r in fake.guild.roles.values() if r["name"] == name)


async def by_hand(fake: FakeDiscord, method: str, name: str, role: str) -> None:
    """A server admin gives or removes a role in Discord's own menu (the fake's REST route;
    the change is announced on the gateway like any other)."""
    path = f"/guilds/{fake.guild_id}/members/{fake.user_id(name)}/roles/{role_id(fake, role)}"
    async with (
        aiohttp.ClientSession() as http,
        http.request(
            method, fake.api_url + path, headers={"Authorization": f"Bot {fake.token}"}
        ) as done,
    ):
        assert done.status == 204, await done.text()


async def grant(fake: FakeDiscord, who: str, role: str, *, remove: bool = False) -> str:
    options: dict[str, Any] = {"network": "coast", "member": who, "role": role}
    if remove:
        options["remove"] = True
    reply = await run(fake, "role", options, user=ADMIN)
    content: str = reply["content"]
    return content


# ---- item 2: the natural order, and set-up run again -----------------------------------


async def test_the_coordinator_named_before_setup_sees_the_channels_she_made(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    fake = fake_discord
    joined = await run(fake, "join", {"network": "coast"}, user=MEMBER)  # before set-up
    assert joined["content"].startswith("Welcome to Coast."), joined
    assert roles_of(fake, MEMBER) == set()  # nothing to give yet

    done = await setup_coast(fake)
    assert done["content"].startswith("Set up Coast here."), done
    assert "gave 3 network roles to members" in done["content"], done
    assert roles_of(fake, COORDINATOR) == {"Coast member", "Coast coordinators"}
    assert roles_of(fake, MEMBER) == {"Coast member"}
    for purpose in PURPOSES:
        channel = f"coast-{purpose}"
        assert sees(fake, COORDINATOR, channel) and posts(fake, COORDINATOR, channel)
        assert sees(fake, MEMBER, channel)
        assert not sees(fake, "alice", channel)  # the admin is not in the network
    assert not posts(fake, MEMBER, "coast-announcements")  # members read announcements
    assert posts(fake, MEMBER, "coast-general")


async def test_setup_again_repairs_every_members_role_and_removes_stale_ones(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    fake = fake_discord
    await setup_coast(fake)
    await run(fake, "join", {"network": "coast"}, user=MEMBER)
    await by_hand(fake, "DELETE", MEMBER, "Coast member")
    await by_hand(fake, "PUT", "alice", "Coast member")  # not in the network
    assert not sees(fake, MEMBER, "coast-general") and sees(fake, "alice", "coast-general")

    again = await setup_coast(fake)
    assert "already set up" in again["content"], again
    assert "gave 1 network role to members" in again["content"], again
    assert "took 1 role from people no longer in it" in again["content"], again
    assert sees(fake, MEMBER, "coast-general") and not sees(fake, "alice", "coast-general")


async def test_at_start_roles_are_reconciled_once_the_server_arrives(
    bot: PeerbotOnFake, launcher: Launcher, fake_discord: FakeDiscord, caplog: Any
) -> None:
    fake = fake_discord
    await setup_coast(fake)
    await run(fake, "join", {"network": "coast"}, user=MEMBER)
    await bot.stop()
    # While peerbot is down: bob's role is removed by hand, alice is given one by hand.
    await by_hand(fake, "DELETE", MEMBER, "Coast member")
    await by_hand(fake, "PUT", "alice", "Coast member")

    fake.gateway.hold_guilds = True  # READY first; the server comes after discord.py is ready
    caplog.set_level(logging.INFO, logger="cogs.networks.roles")
    second = await launcher.start()
    assert second.client is not None
    waiting = second.client.get_guild(fake.guild_id)  # READY's placeholder: no roles, no members
    assert waiting is not None and waiting.unavailable and not waiting.roles
    assert not second.client.roles_reconciled.is_set()
    await fake.release_guilds()
    await second.client.roles_reconciled.wait()
    assert sees(fake, MEMBER, "coast-general") and not sees(fake, "alice", "coast-general")
    assert roles_of(fake, COORDINATOR) == {"Coast member", "Coast coordinators"}
    logged = [r.getMessage() for r in caplog.records if r.name == "cogs.networks.roles"]
    assert any("1 network(s) checked, 1 role(s) given, 1 taken away, 0 failed" in m for m in logged)
    assert not any(str(fake.user_id(MEMBER)) in m or MEMBER in m for m in logged)  # counts only


# ---- item 1: joining from the welcome message, and repairing --------------------------


async def test_joining_from_the_welcome_gives_the_role_and_join_again_repairs_it(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    fake = fake_discord
    await setup_coast(fake)
    await fake.member_joins("dave")
    welcome = await dm_to(fake, "dave")
    picked = await answer(
        await fake.choose_select(the_select(welcome)["custom_id"], ["coast"], user="dave")
    )
    assert picked["content"].startswith("Welcome to Coast. You joined as a member."), picked
    assert roles_of(fake, "dave") == {"Coast member"}
    assert sees(fake, "dave", "coast-general") and posts(fake, "dave", "coast-general")

    await by_hand(fake, "DELETE", "dave", "Coast member")
    assert not sees(fake, "dave", "coast-general")
    again = await run(fake, "join", {"network": "coast"}, user="dave")
    assert again["content"].startswith("You are already in Coast."), again
    assert roles_of(fake, "dave") == {"Coast member"}
    assert sees(fake, "dave", "coast-general")


async def test_a_role_peerbot_cannot_manage_is_said_and_join_repairs_it_later(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    """Discord's role hierarchy: peerbot (even as Administrator) can only give roles below
    its own highest role; a server admin who drags the network's role above it gets 50013."""
    fake = fake_discord
    await setup_coast(fake)
    member_role = fake.guild.roles[role_id(fake, "Coast member")]
    bot_role = next(r for r in fake.guild.roles.values() if r["managed"])
    member_role["position"], bot_role["position"] = bot_role["position"], member_role["position"]

    joined = await run(fake, "join", {"network": "coast"}, user=MEMBER)
    assert joined["content"].startswith("Welcome to Coast."), joined
    assert "peerbot's role must be above the network's roles" in joined["content"], joined
    assert roles_of(fake, MEMBER) == set()

    member_role["position"], bot_role["position"] = bot_role["position"], member_role["position"]
    repaired = await run(fake, "join", {"network": "coast"}, user=MEMBER)
    assert repaired["content"] == "You are already in Coast.", repaired
    assert roles_of(fake, MEMBER) == {"Coast member"}


# ---- item 3: coordinators and executives keep posting ---------------------------------


async def test_executives_and_coordinators_have_roles_and_a_lock_never_silences_them(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    fake = fake_discord
    await setup_coast(fake)
    await run(fake, "join", {"network": "coast"}, user=MEMBER)
    await run(fake, "join", {"network": "coast"}, user=EXECUTIVE)
    assert "is now an executive of Coast" in await grant(fake, EXECUTIVE, "executive")
    assert roles_of(fake, EXECUTIVE) == {"Coast member", "Coast executives"}
    assert posts(fake, EXECUTIVE, "coast-announcements")
    assert not posts(fake, MEMBER, "coast-announcements")

    locked = await mod(
        fake, "lock", {"channel": "coast-general", "network": "coast"}, user=EXECUTIVE
    )
    assert locked["content"].startswith("Locked"), locked
    assert not posts(fake, MEMBER, "coast-general") and sees(fake, MEMBER, "coast-general")
    assert posts(fake, EXECUTIVE, "coast-general")  # the executive who locked it
    assert posts(fake, COORDINATOR, "coast-general")
    assert not sees(fake, "alice", "coast-general")  # still private to the network

    unlocked = await mod(
        fake, "unlock", {"channel": "coast-general", "network": "coast"}, user=COORDINATOR
    )
    assert unlocked["content"].startswith("Unlocked"), unlocked
    assert posts(fake, MEMBER, "coast-general")

    demoted = await grant(fake, EXECUTIVE, "executive", remove=True)
    assert "no longer an executive" in demoted, demoted
    assert roles_of(fake, EXECUTIVE) == {"Coast member"}
    assert not posts(fake, EXECUTIVE, "coast-announcements")
    promoted = await grant(fake, EXECUTIVE, "coordinator")
    assert "is now a coordinator" in promoted, promoted
    assert roles_of(fake, EXECUTIVE) == {"Coast member", "Coast coordinators"}


# ---- item 5: leaving and deleting one's data take the roles away ----------------------


async def test_privacy_delete_and_leaving_take_every_network_role_away(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    fake = fake_discord
    await setup_coast(fake)
    await run(fake, "join", {"network": "coast"}, user=MEMBER)
    await run(fake, "join", {"network": "coast"}, user=EXECUTIVE)
    await grant(fake, EXECUTIVE, "executive")
    assert roles_of(fake, EXECUTIVE) == {"Coast member", "Coast executives"}

    ask = await answer(
        await fake.send_slash_command("privacy", subcommand="delete", user=EXECUTIVE)
    )
    confirm = next(
        c["custom_id"]
        for row in ask["components"]
        for c in row["components"]
        if "privacy.delete.confirm" in c.get("custom_id", "")
    )
    done = await answer(await fake.click_button(confirm, user=EXECUTIVE))
    assert done["content"].startswith("Done. peerbot deleted everything"), done
    mine = await run(fake, "mine", user=EXECUTIVE)
    assert "not in any network" in mine["content"]
    assert roles_of(fake, EXECUTIVE) == set()
    for purpose in PURPOSES:
        assert not sees(fake, EXECUTIVE, f"coast-{purpose}")

    left = await run(fake, "leave", {"network": "coast"}, user=COORDINATOR)
    assert left["content"].startswith("You have left Coast."), left
    assert roles_of(fake, COORDINATOR) == set()
    assert not sees(fake, COORDINATOR, "coast-general")
    assert sees(fake, MEMBER, "coast-general")  # nobody else lost anything


# ---- item 6: renaming, and names nobody can see ----------------------------------------


async def test_renaming_renames_the_category_and_roles_and_invisible_names_are_refused(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    fake = fake_discord
    await setup_coast(fake)
    renamed = await run(fake, "edit", {"network": "coast", "name": "South Coast"}, user=COORDINATOR)
    assert renamed["content"].startswith("Updated South Coast (coast)"), renamed
    assert fake.channel("South Coast")["type"] == 4  # the category
    names = {r["name"] for r in fake.guild.roles.values()}
    assert {"South Coast member", "South Coast executives", "South Coast coordinators"} <= names
    assert roles_of(fake, COORDINATOR) == {"South Coast member", "South Coast coordinators"}
    audit = await mod(fake, "audit", {"of": "coast"}, user=COORDINATOR)
    assert "network.edit" in audit["content"], audit

    patches = len(fake.requests_matching("PATCH", f"/guilds/{fake.guild_id}/roles/{{id}}"))
    blank = await run(fake, "edit", {"network": "coast", "name": " \t "}, user=COORDINATOR)
    assert "Nothing was changed" in blank["content"], blank  # a blank option is no option
    for invisible in ("\u200b\u200b", "\u200f \u200e", "\u3164", "\u2060\ufeff"):
        refused = await run(fake, "edit", {"network": "coast", "name": invisible}, user=COORDINATOR)
        assert "name people can see" in refused["content"], refused
        assert "Nothing was changed" in refused["content"]
    control = await run(
        fake, "edit", {"network": "coast", "name": "South\nCoast"}, user=COORDINATOR
    )
    assert "control characters" in control["content"], control
    made = await run(fake, "create", {"name": "\u200b", "slug": "blank"}, user=ADMIN)
    assert "name people can see" in made["content"], made
    assert len(fake.requests_matching("PATCH", f"/guilds/{fake.guild_id}/roles/{{id}}")) == patches
    listed = await run(fake, "list", user=MEMBER)
    names = {field["name"] for field in listed["embeds"][0]["fields"]}
    assert names == {"South Coast (coast)"}  # nothing was created


async def test_someone_back_in_the_server_gets_their_network_roles_again(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    fake = fake_discord
    await setup_coast(fake)
    await run(fake, "join", {"network": "coast"}, user=MEMBER)
    bob = fake.user_id(MEMBER)
    given = f"/guilds/{fake.guild_id}/members/{bob}/roles/{role_id(fake, 'Coast member')}"
    await fake.wait_for_request("PUT", given)  # the role from joining
    del fake.guild.members[bob]  # bob leaves the server; Discord forgets his roles
    await fake.dispatch(
        "GUILD_MEMBER_REMOVE", {"guild_id": str(fake.guild_id), "user": fake.user(MEMBER)}
    )
    member = fake.state.add_member(fake.guild_id, bob)  # and comes back
    await fake.dispatch("GUILD_MEMBER_ADD", {**member, "guild_id": str(fake.guild_id)})
    await fake.wait_for_request("PUT", given)  # given back
    assert roles_of(fake, MEMBER) == {"Coast member"}
    assert sees(fake, MEMBER, "coast-general")


async def test_without_the_server_members_intent_peerbot_says_how_to_switch_it_on(
    tmp_path: Path,
) -> None:
    """Roles are compared with the server's members, which Discord only sends with the
    privileged Server Members Intent: with it off in the portal, start-up stops and says so."""
    fake = FakeDiscord(members_intent_enabled=False)
    await fake.start()
    try:
        with discord_pointed_at(fake):
            settings = load_settings(
                None,
                environ={
                    "PEERBOT_DATA_DIR": str(tmp_path),
                    "PEERBOT_DISCORD__TOKEN": fake.token,
                    "PEERBOT_DISCORD__GUILD_IDS": str(fake.guild_id),
                },
            )
            app = App(settings)
            kernel = await app.start_without_worker()
            try:
                with pytest.raises(StartupError, match="Server Members Intent"):
                    await serve_discord(app, kernel, settings)
            finally:
                await app.stop()
    finally:
        await fake.stop()
    assert fake.identify is not None and fake.intents is not None and fake.intents & 2


async def test_a_coordinator_adding_someone_gives_the_role_at_once(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    fake = fake_discord
    await setup_coast(fake)
    added = await run(
        fake,
        "role",
        {"network": "coast", "member": str(fake.user_id(MEMBER)), "role": "member"},
        user=COORDINATOR,
    )
    assert "is now a member of Coast" in added["content"], added
    assert roles_of(fake, MEMBER) == {"Coast member"}
    assert sees(fake, MEMBER, "coast-general")
    removed = await run(
        fake,
        "role",
        {"network": "coast", "member": str(fake.user_id(MEMBER)), "role": "member", "remove": True},
        user=COORDINATOR,
    )
    assert "is no longer a member of Coast" in removed["content"], removed
    assert roles_of(fake, MEMBER) == set() and not sees(fake, MEMBER, "coast-general")
