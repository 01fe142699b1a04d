"""Moderation acts only on a network's own channels (issue 14, item 4), and the audit log shows
people, channels and local times (item 7): the real peerbot on the fake Discord.

Bob is an executive of Tablelands; carol coordinates Coast; alice is the admin. Each refusal
is checked on the fake's state too: the channel's overwrites are unchanged, so members can
still post in it.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.fakediscord import FakeDiscord
from tests.e2e.peerbot_on_fake import ADMIN
from tests.e2e.test_networks_discord import (
    COORDINATOR,
    EPHEMERAL,
    MEMBER,
    SEND_MESSAGES,
    bot,  # noqa: F401 (a fixture)
    launcher,  # noqa: F401 (a fixture)
    mod,
    run,
    setup_coast,
)

EXECUTIVE = MEMBER  # bob, an executive of Tablelands


async def tablelands_with_an_executive(fake: FakeDiscord) -> None:
    """Coast set up by carol; Tablelands set up by the admin, with bob its executive."""
    assert (await setup_coast(fake))["content"].startswith("Set up Coast here.")
    done = await run(fake, "setup", {"network": "tablelands"}, user=ADMIN)
    assert done["content"].startswith("Set up Tablelands here."), done
    granted = await run(
        fake,
        "role",
        {"network": "tablelands", "member": EXECUTIVE, "role": "executive"},
        user=ADMIN,
    )
    assert "is now an executive of Tablelands" in granted["content"], granted


def everyone_can_post(fake: FakeDiscord, channel_id: int) -> bool:
    """Whether @everyone's overwrite in the channel still lets people post (not locked)."""
    g = fake.guild_id
    for overwrite in fake.state.channel(channel_id).get("permission_overwrites", []):
        if int(overwrite["id"]) == g:
            return not int(overwrite["deny"]) & SEND_MESSAGES
    return True


def lock_requests(fake: FakeDiscord, channel_id: int) -> list[Any]:
    return fake.requests_matching("PUT", f"/channels/{channel_id}/permissions/{{id}}")


@pytest.mark.usefixtures("bot")
async def test_an_executive_of_another_network_cannot_lock_general(
    fake_discord: FakeDiscord,
) -> None:
    """The issue's "Done when": an executive of another network cannot lock #general."""
    await tablelands_with_an_executive(fake_discord)
    general = fake_discord.channel_id("general")
    own = [fake_discord.channel_id(f"tablelands-{p}") for p in ("announcements", "general")]

    for sub, extra in (("lock", {}), ("slowmode", {"seconds": 30}), ("archive", {})):
        refused = await mod(
            fake_discord,
            sub,
            {"channel": "general", "network": "tablelands", **extra},
            user=EXECUTIVE,
        )
        assert refused["flags"] & EPHEMERAL
        text = refused["content"]
        assert text.startswith("As an executive of Tablelands, you can moderate only"), text
        # the network's own channels, as channel links
        for channel_id in own:
            assert f"<#{channel_id}>" in text, text
        assert "belongs to the whole server" in text and "Nothing was changed." in text
    assert lock_requests(fake_discord, general) == []
    assert fake_discord.requests_matching("PATCH", f"/channels/{general}") == []
    assert everyone_can_post(fake_discord, general)

    coast_general = fake_discord.channel_id("coast-general")
    other = await mod(
        fake_discord, "lock", {"channel": "coast-general", "network": "tablelands"}, user=EXECUTIVE
    )
    assert "That channel belongs to Coast." in other["content"], other
    assert lock_requests(fake_discord, coast_general) == []

    # their own network's channel: locked, and the reply links it
    mine = fake_discord.channel_id("tablelands-general")
    locked = await mod(
        fake_discord,
        "lock",
        {"channel": "tablelands-general", "network": "tablelands"},
        user=EXECUTIVE,
    )
    assert locked["content"].startswith(f"Locked <#{mine}>: members can read"), locked
    assert not everyone_can_post(fake_discord, mine)


@pytest.mark.usefixtures("bot")
async def test_threads_follow_their_channel_and_admins_may_act_anywhere(
    fake_discord: FakeDiscord,
) -> None:
    await tablelands_with_an_executive(fake_discord)
    coast_general = fake_discord.channel_id("coast-general")
    carol = fake_discord.user_id(COORDINATOR)
    thread = fake_discord.state.add_thread(coast_general, carol, "a hard shift")
    thread_id = int(thread["id"])

    refused = await mod(
        fake_discord, "archive", {"channel": thread_id, "network": "tablelands"}, user=EXECUTIVE
    )
    assert "That channel belongs to Coast." in refused["content"], refused
    assert fake_discord.requests_matching("PATCH", f"/channels/{thread_id}") == []

    archived = await mod(
        fake_discord, "archive", {"channel": thread_id, "network": "coast"}, user=COORDINATOR
    )
    assert archived["content"].startswith(f"Archived and locked the thread <#{thread_id}>")
    state = fake_discord.state.channel(thread_id)["thread_metadata"]
    assert state["archived"] and state["locked"]

    general = fake_discord.channel_id("general")
    by_admin = await mod(
        fake_discord, "lock", {"channel": "general", "network": "coast"}, user=ADMIN
    )
    assert by_admin["content"].startswith(f"Locked <#{general}>"), by_admin
    assert "you did this as an admin, which only admins can" in by_admin["content"]
    assert not everyone_can_post(fake_discord, general)


@pytest.mark.usefixtures("bot")
async def test_the_audit_log_shows_names_channels_and_local_times(
    fake_discord: FakeDiscord,
) -> None:
    """The issue's "Done when": the audit log shows names and local times."""
    await setup_coast(fake_discord)
    locked = await mod(
        fake_discord, "lock", {"channel": "coast-general", "network": "coast"}, user=COORDINATOR
    )
    assert locked["content"].startswith("Locked"), locked
    audit = await mod(fake_discord, "audit", {"of": "coast"}, user=COORDINATOR)
    text = audit["content"]
    carol, alice = fake_discord.user_id(COORDINATOR), fake_discord.user_id(ADMIN)
    general = fake_discord.channel_id("coast-general")
    lock_line = next(line for line in text.splitlines() if "| mod.lock |" in line)
    # "Wed 2 Dec 2026, 14:05 AEDT (<t:1796180700:f>) | <@carol> | mod.lock | <#general>"
    when, who, _, where = lock_line.split(" | ")
    assert re.fullmatch(r"\w{3} \d{1,2} \w{3} \d{4}, \d\d:\d\d AE[DS]T \(<t:\d+:f>\)", when), when
    assert (who, where) == (f"<@{carol}>", f"<#{general}>")
    role_line = next(line for line in text.splitlines() if "network.role.grant" in line)
    assert f"<@{alice}> | network.role.grant | <@{carol}> | coordinator" in role_line
    setup_line = next(line for line in text.splitlines() if "network.setup | general" in line)
    assert setup_line.endswith(f"<#{general}>"), setup_line
    for role in ("member", "executives", "coordinators"):
        assert f"| the network's {role} role" in text  # never the role's platform id
    # never a stored key, a raw id or a UTC time
    assert "discord:" not in text and "UTC" not in text and "Z |" not in text
    assert not re.search(r"\| \d{15,}", text), text
