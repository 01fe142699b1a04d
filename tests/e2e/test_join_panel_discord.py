"""The permanent "join a network" panel (issue 14, item 9): a coordinator posts it once in a
channel; its button and menu keep working after peerbot restarts and give the network's role
through the same join path as /network join; posting it again replaces it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.fakediscord import FakeDiscord
from tests.e2e.fakediscord.interactions import CommandNotShown
from tests.e2e.peerbot_on_fake import ADMIN
from tests.e2e.test_networks_discord import (
    COORDINATOR,
    EPHEMERAL,
    answer,
    create_coast,
    run,
    the_select,
)
from tests.e2e.test_peerbot_discord import Launcher

NEWCOMER = "dave"
OTHER = "erin"


@pytest.fixture
async def launcher(fake_discord: FakeDiscord, tmp_path: Path) -> AsyncIterator[Launcher]:
    started = Launcher(fake_discord, tmp_path)
    try:
        yield started
    finally:
        await started.stop_all()


def panels_in(fake: FakeDiscord, channel_id: int) -> list[dict[str, Any]]:
    return [
        m
        for m in fake.messages_in(channel_id)
        if m["content"].startswith("Join a peer worker network")
    ]


def button(message: dict[str, Any], label: str) -> str:
    for row in message["components"]:
        for component in row["components"]:
            if component["type"] == 2 and component["label"] == label:
                return str(component["custom_id"])
    raise KeyError(label)


async def test_the_panel_survives_a_restart_and_its_button_and_menu_give_the_role(
    launcher: Launcher, fake_discord: FakeDiscord
) -> None:
    fake, g = fake_discord, fake_discord.guild_id
    for name in (NEWCOMER, OTHER):
        fake.add_user(name)
    first = await launcher.start()
    await create_coast(fake)
    tablelands = await run(fake, "create", {"name": "Tablelands", "slug": "tablelands"}, user=ADMIN)
    assert "Created the network" in tablelands["content"], tablelands
    general = fake.channel_id("general")

    posted = await run(fake, "panel", {"network": "coast", "channel": "general"}, user=COORDINATOR)
    assert posted["flags"] & EPHEMERAL
    assert posted["content"].startswith(f"Posted Coast's join panel in <#{general}>."), posted
    [panel] = panels_in(fake, general)
    assert not panel["flags"] & EPHEMERAL  # everyone in the channel sees it
    menu = the_select(panel)
    assert {o["value"] for o in menu["options"]} == {"coast", "tablelands"}

    await first.stop()  # a restart: nothing of the panel is in memory any more
    await launcher.start()

    joined = await answer(
        await fake.click_button(button(panel, "Join Coast"), message=panel, user=NEWCOMER)
    )
    assert joined["flags"] & EPHEMERAL
    assert joined["content"].startswith("Welcome to Coast. You joined as a member."), joined
    dave = fake.user_id(NEWCOMER)
    assert "Coast member" in fake.state.role_names_of(g, dave)
    assert fake.state.can_see(g, dave, fake.channel_id("coast-general"))

    picked = await answer(
        await fake.choose_select(menu["custom_id"], ["coast"], message=panel, user=OTHER)
    )
    assert picked["content"].startswith("Welcome to Coast."), picked
    assert fake.state.can_see(g, fake.user_id(OTHER), fake.channel_id("coast-general"))

    again = await answer(
        await fake.click_button(button(panel, "Join Coast"), message=panel, user=NEWCOMER)
    )
    assert again["content"].startswith("You are already in Coast."), again

    mine = await run(fake, "mine", user=NEWCOMER)
    assert "Coast (coast): member" in mine["content"]


async def test_posting_the_panel_again_replaces_it(
    launcher: Launcher, fake_discord: FakeDiscord
) -> None:
    fake = fake_discord
    await launcher.start()
    await create_coast(fake)
    general, meetings = fake.channel_id("general"), fake.channel_id("meetings")
    await run(fake, "panel", {"network": "coast", "channel": "general"}, user=COORDINATOR)
    [old] = panels_in(fake, general)

    moved = await run(fake, "panel", {"network": "coast", "channel": "meetings"}, user=COORDINATOR)
    assert f"It replaces the earlier one in <#{general}>, which was removed." in moved["content"]
    assert panels_in(fake, general) == []
    assert len(panels_in(fake, meetings)) == 1
    assert fake.requests_matching("DELETE", f"/channels/{general}/messages/{old['id']}")

    with pytest.raises(CommandNotShown):  # a member's menu has no /manage
        await run(fake, "panel", {"network": "coast", "channel": "meetings"}, user="bob")
    assert len(panels_in(fake, meetings)) == 1
