"""Co-reflection end to end on Discord (issue 6, item 8): the real discord.py client and the
real peerbot against the fake Discord. A member starts a private thread (type 12, invitable
false) with two peers; each peer is invited by DM with Join and Decline, and only the one who
joins is added; a post with a phone number is held back with a private warning; the starter
closes the thread, which is archived and locked."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.fakediscord import FakeDiscord
from tests.e2e.peerbot_on_fake import ADMIN, PeerbotOnFake
from tests.e2e.test_networks_discord import (
    COORDINATOR,
    EPHEMERAL,
    answer,
    dm_to,
    run,
    setup_coast,
)

PRIVATE_THREAD = 12
BUTTON = 2
MODAL = 9
STARTER, JOINER, DECLINER = "bob", "dave", "erin"
PHONE = "0412 345 678"


@dataclass
class Started:
    bot: PeerbotOnFake
    fake: FakeDiscord
    reflection_channel: int
    thread_id: int
    number: int


async def reflect(
    fake: FakeDiscord, sub: str, options: dict[str, Any] | None = None, **kwargs: Any
) -> dict[str, Any]:
    return await answer(await fake.send_slash_command("reflect", options, subcommand=sub, **kwargs))


def buttons(message: dict[str, Any]) -> dict[str, str]:
    """Label -> custom_id of a message's buttons."""
    return {
        c["label"]: c["custom_id"]
        for row in message.get("components", [])
        for c in row["components"]
        if c["type"] == BUTTON
    }


def member_path(thread_id: int, fake: FakeDiscord, user: str) -> str:
    return f"/channels/{thread_id}/thread-members/{fake.user_id(user)}"


@pytest.fixture
async def bot(fake_discord: FakeDiscord, tmp_path: Path) -> AsyncIterator[PeerbotOnFake]:
    """Coast set up by carol (with its reflection channel) and three members."""
    for name in (JOINER, DECLINER):
        fake_discord.add_user(name)
    started = PeerbotOnFake(fake_discord, tmp_path)
    await started.start()
    try:
        fake = fake_discord
        created = await run(fake, "create", {"name": "Coast", "slug": "coast"}, user=ADMIN)
        assert "Created the network" in created["content"], created
        granted = await run(
            fake,
            "role",
            {"network": "coast", "member": COORDINATOR, "role": "coordinator"},
            user=ADMIN,
        )
        assert "is now a coordinator of Coast" in granted["content"], granted
        done = await setup_coast(fake)
        assert done["content"].startswith("Set up Coast here."), done
        for member in (STARTER, JOINER, DECLINER):
            joined = await run(fake, "join", {"network": "coast"}, user=member)
            assert joined["content"].startswith("Welcome to Coast."), joined
        yield started
    finally:
        await started.stop()


@pytest.fixture
async def started(bot: PeerbotOnFake, fake_discord: FakeDiscord) -> Started:
    """bob starts an open co-reflection with dave and erin; dave joins, erin declines."""
    fake = fake_discord
    reflection = fake.channel_id("coast-reflection")
    peers = f"<@{fake.user_id(JOINER)}>, {fake.user_id(DECLINER)}"
    reply = await reflect(
        fake, "start", {"format": "open", "peers": peers, "network": "coast"}, user=STARTER
    )
    assert reply["flags"] & EPHEMERAL, reply
    assert reply["content"].startswith("Started co-reflection number "), reply
    number = int(reply["content"].split("number ")[1].split(" ")[0])

    opened = await fake.wait_for_request("POST", f"/channels/{reflection}/threads")
    assert opened.status in (200, 201), opened
    assert opened.json["type"] == PRIVATE_THREAD, opened.json
    assert opened.json["invitable"] is False, opened.json
    thread_id = int(opened.response["id"])
    added = await fake.wait_for_request("PUT", member_path(thread_id, fake, STARTER))
    assert added.status in (200, 204), added

    invitations = {user: await dm_to(fake, user) for user in (JOINER, DECLINER)}
    for user, message in invitations.items():
        assert "invites you to a private co-reflection" in message["content"], (user, message)
        assert list(buttons(message)) == ["Join", "Decline"], message
    # Nobody is added before pressing Join.
    assert fake.requests_matching("PUT", member_path(thread_id, fake, JOINER)) == []
    assert fake.requests_matching("PUT", member_path(thread_id, fake, DECLINER)) == []

    joined = await answer(
        await fake.click_button(buttons(invitations[JOINER])["Join"], user=JOINER)
    )
    assert joined["flags"] & EPHEMERAL, joined
    assert joined["content"].startswith("Thank you. You agreed"), joined
    put = await fake.wait_for_request("PUT", member_path(thread_id, fake, JOINER))
    assert put.status in (200, 204), put

    declined = await answer(
        await fake.click_button(buttons(invitations[DECLINER])["Decline"], user=DECLINER)
    )
    assert declined["flags"] & EPHEMERAL, declined
    assert declined["content"].startswith("You declined. Nobody is told."), declined
    return Started(bot, fake, reflection, thread_id, number)


def posts_in(fake: FakeDiscord, thread_id: int) -> list[dict[str, Any]]:
    return [r.json for r in fake.requests_matching("POST", f"/channels/{thread_id}/messages")]


async def test_start_opens_a_private_thread_and_adds_only_who_joins(started: Started) -> None:
    fake, thread_id = started.fake, started.thread_id
    # A round trip through the bot, so a wrong add for erin would have had its chance.
    await reflect(fake, "privacy", user=DECLINER)
    assert fake.requests_matching("PUT", member_path(thread_id, fake, DECLINER)) == []
    members = set(fake.state.thread_members[thread_id])
    assert fake.user_id(STARTER) in members and fake.user_id(JOINER) in members
    assert fake.user_id(DECLINER) not in members


async def post_form(s: Started, user: str) -> str:
    """``user`` runs /reflect post in the thread; the custom_id of the form it opens."""
    handle = await s.fake.send_slash_command(
        "reflect", {"number": s.number}, subcommand="post", user=user
    )
    callback = await handle.callback()
    assert callback["type"] == MODAL, callback
    custom_id: str = callback["data"]["custom_id"]
    return custom_id


async def test_a_post_with_a_phone_number_is_held_back_with_a_private_warning(
    started: Started,
) -> None:
    fake, thread_id = started.fake, started.thread_id
    before = len(posts_in(fake, thread_id))

    form = await post_form(started, JOINER)
    warned = await answer(
        await fake.submit_modal(
            form, {"text": f"They rang me on {PHONE} at midnight."}, user=JOINER
        )
    )
    assert warned["flags"] & EPHEMERAL, warned
    assert warned["content"].startswith("Nothing was posted"), warned
    assert "phone number" in warned["content"] and PHONE in warned["content"], warned
    assert set(buttons(warned)) == {"Write it again", "Post anyway"}, warned
    assert len(posts_in(fake, thread_id)) == before

    form = await post_form(started, JOINER)
    clean = "I found it hard to hold a boundary about late calls."
    posted = await answer(await fake.submit_modal(form, {"text": clean}, user=JOINER))
    assert posted["flags"] & EPHEMERAL, posted
    assert posted["content"] == "Posted in the thread.", posted
    sent = await fake.wait_for_request("POST", f"/channels/{thread_id}/messages")
    while clean not in sent.json.get("content", ""):
        sent = await fake.wait_for_request("POST", f"/channels/{thread_id}/messages")
    assert sent.json["content"].startswith(f"From <@{fake.user_id(JOINER)}>:"), sent.json
    assert all(PHONE not in m.get("content", "") for m in posts_in(fake, thread_id))


async def test_close_by_the_starter_archives_and_locks_the_thread(started: Started) -> None:
    fake, thread_id = started.fake, started.thread_id
    closed = await reflect(fake, "close", {"number": started.number}, user=STARTER)
    assert closed["flags"] & EPHEMERAL, closed
    assert closed["content"].startswith(f"Closed co-reflection number {started.number}"), closed
    patched = await fake.wait_for_request("PATCH", f"/channels/{thread_id}")
    assert patched.status == 200, patched
    assert patched.json["archived"] is True and patched.json["locked"] is True, patched.json
    metadata = fake.state.channel(thread_id)["thread_metadata"]
    assert metadata["archived"] is True and metadata["locked"] is True, metadata
