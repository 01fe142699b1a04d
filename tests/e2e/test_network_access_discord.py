"""Invite-only networks and the peer directory on Discord (issue 20, items 17 and 18): the
real discord.py client and peerbot against the fake Discord. Asking to join gives no role; the
coordinator's direct message has Approve and Decline buttons; Approve gives the network's role
(and its channels), Decline gives none; the directory shows nobody who did not opt in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.fakediscord import FakeDiscord
from tests.e2e.test_join_panel_discord import button, panels_in
from tests.e2e.test_networks_discord import (
    COORDINATOR,
    EPHEMERAL,
    MEMBER,
    answer,
    create_coast,
    dm_channel_of,
    dm_to,
    run,
)
from tests.e2e.test_peerbot_discord import Launcher

ASKER = "sam"
OTHER = "tia"
AUTOCOMPLETE = 8


@pytest.fixture
async def launcher(fake_discord: FakeDiscord, tmp_path: Path) -> AsyncIterator[Launcher]:
    started = Launcher(fake_discord, tmp_path)
    try:
        yield started
    finally:
        await started.stop_all()


async def invite_only_coast(fake: FakeDiscord) -> None:
    await create_coast(fake, members=(MEMBER,))
    changed = await answer(
        await fake.send_command(
            "manage network edit", {"network": "coast", "joining": "approval"}, user=COORDINATOR
        )
    )
    assert "Joining Coast now needs a coordinator's approval" in changed["content"], changed


def buttons(message: dict[str, Any]) -> list[str]:
    return [c["label"] for row in message["components"] for c in row["components"]]


async def test_approve_gives_the_role_and_decline_gives_none(
    launcher: Launcher, fake_discord: FakeDiscord
) -> None:
    fake, g = fake_discord, fake_discord.guild_id
    for name in (ASKER, OTHER):
        fake.add_user(name)
    await launcher.start()
    await invite_only_coast(fake)
    general = fake.channel_id("coast-general")

    asked = await run(fake, "join", {"network": "coast"}, user=ASKER)
    assert asked["flags"] & EPHEMERAL
    assert asked["content"].startswith("Coast is invite-only: joining needs a coordinator's")
    sam = fake.user_id(ASKER)
    assert "Coast member" not in fake.state.role_names_of(g, sam)
    assert not fake.state.can_see(g, sam, general)

    ask = await dm_to(fake, COORDINATOR)
    assert ask["content"].startswith(f"<@{sam}> asked to join Coast"), ask
    assert buttons(ask) == ["Approve", "Decline"]
    shown = fake.messages_in(dm_channel_of(fake, COORDINATOR))[-1]
    assert shown["content"] == ask["content"]

    # The request is not visible to a stranger's /network info either.
    info = await run(fake, "info", {"network": "coast"}, user=ASKER)
    assert str(fake.user_id(COORDINATOR)) not in str(info)
    assert "Members" not in str(info)

    approved = await answer(
        await fake.click_button(button(shown, "Approve"), message=shown, user=COORDINATOR)
    )
    assert approved["flags"] & EPHEMERAL
    assert approved["content"].startswith(f"You approved <@{sam}>'s request."), approved
    welcome = await dm_to(fake, ASKER)
    assert welcome["content"].startswith("Welcome to Coast. You joined as a member."), welcome
    assert "Coast member" in fake.state.role_names_of(g, sam)
    assert fake.state.can_see(g, sam, general)

    # tia asks from the join panel, which says the network is invite-only; carol declines.
    await run(fake, "panel", {"network": "coast", "channel": "general"}, user=COORDINATOR)
    [panel] = panels_in(fake, fake.channel_id("general"))
    assert "it is invite-only, so a coordinator approves each request" in panel["content"]
    pressed = await answer(
        await fake.click_button(button(panel, "Ask to join Coast"), message=panel, user=OTHER)
    )
    assert pressed["content"].startswith("Coast is invite-only"), pressed
    second = await dm_to(fake, COORDINATOR)
    shown2 = fake.messages_in(dm_channel_of(fake, COORDINATOR))[-1]
    assert shown2["content"] == second["content"]
    declined = await answer(
        await fake.click_button(button(shown2, "Decline"), message=shown2, user=COORDINATOR)
    )
    assert declined["content"].startswith(f"You declined <@{fake.user_id(OTHER)}>'s request")
    told = await dm_to(fake, OTHER)
    assert told["content"].startswith("Thank you for asking to join Coast."), told
    tia = fake.user_id(OTHER)
    assert "Coast member" not in fake.state.role_names_of(g, tia)
    assert not fake.state.can_see(g, tia, general)


async def test_the_directory_shows_only_people_who_opted_in(
    launcher: Launcher, fake_discord: FakeDiscord
) -> None:
    fake = fake_discord
    fake.add_user(ASKER)
    await launcher.start()
    await create_coast(fake, members=(MEMBER, ASKER))

    nobody = await answer(await fake.send_command("peers find", {}, user=MEMBER))
    assert nobody["flags"] & EPHEMERAL
    assert nobody["content"].startswith("Nobody in your networks is in the peer directory yet.")
    offered = await fake.send_autocomplete(
        "reflect",
        {"format": "what", "peers": ""},
        subcommand="start",
        focused="peers",
        user=MEMBER,
        channel="coast-reflection",
    )
    callback = await offered.callback()
    assert callback["type"] == AUTOCOMPLETE
    assert callback["data"]["choices"] == []

    listed = await answer(
        await fake.send_command(
            "peers profile", {"title": "Peer worker", "region": "Illawarra"}, user=ASKER
        )
    )
    assert listed["content"].startswith("You are in the peer directory now."), listed
    assert "Name: Sam" in listed["content"]  # the server's display name, unless they give one
    sam = fake.user_id(ASKER)
    found = await answer(await fake.send_command("peers find", {}, user=MEMBER))
    assert f"- <@{sam}>: Name: Sam; Role: Peer worker; Region: Illawarra" in found["content"]

    offered = await fake.send_autocomplete(
        "reflect",
        {"format": "what", "peers": ""},
        subcommand="start",
        focused="peers",
        user=MEMBER,
        channel="coast-reflection",
    )
    choices = (await offered.callback())["data"]["choices"]
    assert [c["value"] for c in choices] == [str(sam)]
    assert choices[0]["name"].startswith("Sam (Role: Peer worker; Region: Illawarra")
