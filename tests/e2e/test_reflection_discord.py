"""Co-reflection end to end on Discord (issue 6, item 8): the real discord.py client and the
real peerbot against the fake Discord. A member starts a private thread (type 12, invitable
false) with two peers; each peer is invited by DM with Join and Decline, and only the one who
joins is added, and the group is told who joined (never who declined); the agreement is pinned;
a post with a phone number is held back with a private warning; a facilitator moves a case
consultation through its phases with the button; the starter closes the thread, which is
archived and locked, and the thread is deleted when the network's retention period has passed
(the clock set by the test)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FakeClock
from cogs.reflection.commands import ReflectionCog
from tests.e2e.fakediscord import FakeDiscord
from tests.e2e.fakediscord.interactions import CommandNotShown
from tests.e2e.peerbot_on_fake import PeerbotOnFake
from tests.e2e.test_networks_discord import (
    COORDINATOR,
    EPHEMERAL,
    answer,
    create_coast,
    dm_to,
)
from tests.e2e.typed import current

PRIVATE_THREAD = 12
BUTTON = 2
MODAL = 9
STARTER, JOINER, DECLINER = "bob", "dave", "erin"
PHONE = "0412 345 678"
#: Well after the real date: planned jobs are handed to APScheduler as real dates.
NOW = datetime(2035, 2, 1, 0, 0, tzinfo=UTC)


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
    return await answer(await fake.send_command(current(f"reflect {sub}"), options, **kwargs))


def buttons(message: dict[str, Any]) -> dict[str, str]:
    """Label -> custom_id of a message's buttons."""
    return {
        c["label"]: c["custom_id"]
        for row in message.get("components", [])
        for c in row["components"]
        if c["type"] == BUTTON
    }


async def close_confirmed(fake: FakeDiscord, number: int, user: str) -> dict[str, Any]:
    """/reflect close asks first (a one-time button); pressing Close it closes."""
    asked = await reflect(fake, "close", {"number": number}, user=user)
    assert asked["flags"] & EPHEMERAL, asked
    assert asked["content"].startswith(f"Close co-reflection number {number} for everyone"), asked
    assert list(buttons(asked)) == ["Close it", "Keep it open"], asked
    return await answer(await fake.click_button(buttons(asked)["Close it"], user=user))


def member_path(thread_id: int, fake: FakeDiscord, user: str) -> str:
    return f"/channels/{thread_id}/thread-members/{fake.user_id(user)}"


@pytest.fixture
async def bot(fake_discord: FakeDiscord, tmp_path: Path) -> AsyncIterator[PeerbotOnFake]:
    """Coast set up by carol (with its reflection channel) and three members."""
    for name in (JOINER, DECLINER):
        fake_discord.add_user(name)
    started = PeerbotOnFake(fake_discord, tmp_path, clock=FakeClock(NOW))
    await started.start()
    try:
        await create_coast(fake_discord, members=(STARTER, JOINER, DECLINER))
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
    assert set(buttons(warned)) == {"Edit my post", "Post as it is"}, warned
    assert len(posts_in(fake, thread_id)) == before

    form = await post_form(started, JOINER)
    clean = "I found it hard to hold a boundary about late calls."
    posted = await answer(await fake.submit_modal(form, {"text": clean}, user=JOINER))
    assert posted["flags"] & EPHEMERAL, posted
    assert posted["content"].startswith("Posted in the thread."), posted
    sent = await fake.wait_for_request("POST", f"/channels/{thread_id}/messages")
    while clean not in sent.json.get("content", ""):
        sent = await fake.wait_for_request("POST", f"/channels/{thread_id}/messages")
    assert sent.json["content"].startswith(f"From <@{fake.user_id(JOINER)}>:"), sent.json
    assert all(PHONE not in m.get("content", "") for m in posts_in(fake, thread_id))


async def test_names_places_ages_and_wards_are_held_and_can_be_edited_or_posted_as_is(
    started: Started,
) -> None:
    fake, thread_id = started.fake, started.thread_id
    before = len(posts_in(fake, thread_id))
    text = "Priya, aged 34, was on Ward 3B after moving to Dapto on 3 March."
    warned = await answer(
        await fake.submit_modal(await post_form(started, JOINER), {"text": text}, user=JOINER)
    )
    assert warned["flags"] & EPHEMERAL, warned
    content = warned["content"]
    for found in (
        "a first name (Priya)",
        "an age (aged 34)",
        "a hospital or ward (Ward 3B)",
        "a town or suburb (Dapto)",
        "a date (3 March)",
        "This check cannot catch everything",
    ):
        assert found in content, content
    assert len(posts_in(fake, thread_id)) == before

    # Edit my post: the form comes back holding what they wrote.
    opened = await fake.click_button(buttons(warned)["Edit my post"], user=JOINER)
    modal = await opened.callback()
    assert modal["type"] == MODAL, modal
    [row] = modal["data"]["components"]
    assert row["components"][0]["value"] == text, modal

    # Post as it is: one press posts exactly that text, from them.
    posted = await answer(await fake.click_button(buttons(warned)["Post as it is"], user=JOINER))
    assert posted["flags"] & EPHEMERAL, posted
    assert posted["content"].startswith("Posted in the thread as you wrote it."), posted
    contents = [m.get("content", "") for m in posts_in(fake, thread_id)]
    assert any(text in c and c.startswith(f"From <@{fake.user_id(JOINER)}>:") for c in contents)


async def test_close_by_the_starter_archives_and_locks_the_thread(started: Started) -> None:
    fake, thread_id = started.fake, started.thread_id
    closed = await close_confirmed(fake, started.number, STARTER)
    assert closed["flags"] & EPHEMERAL, closed
    assert closed["content"].startswith(f"Closed co-reflection number {started.number}"), closed
    patched = await fake.wait_for_request("PATCH", f"/channels/{thread_id}")
    assert patched.status == 200, patched
    assert patched.json["archived"] is True and patched.json["locked"] is True, patched.json
    metadata = fake.state.channel(thread_id)["thread_metadata"]
    assert metadata["archived"] is True and metadata["locked"] is True, metadata


async def test_the_agreement_is_pinned_and_the_group_hears_who_joined(started: Started) -> None:
    fake, thread_id = started.fake, started.thread_id
    pin = await fake.wait_for_request("PUT", f"/channels/{thread_id}/messages/pins/{{id}}")
    assert pin.status == 204, pin
    pinned = [m for m in fake.state.messages.values() if m.get("pinned")]
    assert len(pinned) == 1 and pinned[0]["channel_id"] == str(thread_id), pinned
    assert "A made-up name is not enough" in pinned[0]["content"], pinned
    assert "deleted 30 days after it closes" in pinned[0]["content"], pinned

    joined_note = f"<@{fake.user_id(JOINER)}> accepted the agreement and joined."
    sent = await fake.wait_for_request("POST", f"/channels/{thread_id}/messages")
    while joined_note not in sent.json.get("content", ""):
        sent = await fake.wait_for_request("POST", f"/channels/{thread_id}/messages")
    await reflect(fake, "privacy", user=DECLINER)  # a round trip, so a wrong notice had its time
    decliner = str(fake.user_id(DECLINER))
    assert all(decliner not in m.get("content", "") for m in posts_in(fake, thread_id))


async def latest_thread_post(fake: FakeDiscord, thread_id: int, text: str) -> dict[str, Any]:
    """Wait for the bot's post in the thread containing ``text``."""
    sent = await fake.wait_for_request("POST", f"/channels/{thread_id}/messages")
    while text not in sent.json.get("content", ""):
        sent = await fake.wait_for_request("POST", f"/channels/{thread_id}/messages")
    return fake.state.message(int(sent.response["id"]))


async def test_the_facilitator_moves_the_phases_with_the_button(bot: PeerbotOnFake) -> None:
    fake = bot.fake
    peers = f"<@{fake.user_id(JOINER)}>"
    reply = await reflect(
        fake,
        "start",
        {"format": "case", "peers": peers, "network": "coast", "facilitator": peers},
        user=STARTER,
    )
    assert reply["content"].startswith("Started co-reflection number "), reply
    opened = await fake.wait_for_request(
        "POST", f"/channels/{fake.channel_id('coast-reflection')}/threads"
    )
    thread_id = int(opened.response["id"])
    invitation = await dm_to(fake, JOINER)
    joined = await answer(await fake.click_button(buttons(invitation)["Join"], user=JOINER))
    assert joined["content"].startswith("Thank you. You agreed"), joined

    prompts = await latest_thread_post(fake, thread_id, "Group case consultation")
    first = buttons(prompts)
    assert list(first) == ["Next phase: Clarifying questions"], prompts

    await latest_thread_post(fake, thread_id, "accepted the agreement and joined")
    # The starter is not the facilitator here: refused privately, nothing posted.
    before = len(posts_in(fake, thread_id))
    refused = await answer(
        await fake.click_button(first["Next phase: Clarifying questions"], user=STARTER)
    )
    assert refused["flags"] & EPHEMERAL, refused
    assert refused["content"].startswith("Only the facilitator"), refused
    assert len(posts_in(fake, thread_id)) == before

    moved = await answer(
        await fake.click_button(first["Next phase: Clarifying questions"], user=JOINER)
    )
    assert moved["flags"] & EPHEMERAL, moved
    phase = await latest_thread_post(fake, thread_id, "Phase 2 of 5: Clarifying questions.")
    assert "no advice" in phase["content"], phase
    assert list(buttons(phase)) == ["Next phase: The presenter's question"], phase

    # The forms follow role and phase: the peer asks a clarifying question, the presenter
    # answers; neither form says "The situation".
    for user, label in (
        (JOINER, "A clarifying question"),
        (STARTER, "Your answers to the questions"),
    ):
        handle = await fake.send_command("reflect post", {}, user=user, channel=thread_id)
        modal = await handle.callback()
        assert modal["type"] == MODAL, modal
        labels = [row["components"][0]["label"] for row in modal["data"]["components"]]
        assert labels == [label], modal

    # The old button again: no phase is skipped.
    again = await answer(
        await fake.click_button(first["Next phase: Clarifying questions"], user=JOINER)
    )
    assert again["content"].startswith("The group is already in phase 2"), again

    current = phase
    for number, name in ((3, "The presenter's question"), (4, "Reflections"), (5, "What helped")):
        [(label, custom_id)] = buttons(current).items()
        assert label == f"Next phase: {name}", current
        await answer(await fake.click_button(custom_id, user=JOINER))
        current = await latest_thread_post(fake, thread_id, f"Phase {number} of 5: {name}.")
    assert buttons(current) == {}, current  # the last phase has no next


async def test_the_thread_is_deleted_when_the_networks_retention_has_passed(
    bot: PeerbotOnFake,
) -> None:
    fake = bot.fake
    shown = await reflect(fake, "retention", {"network": "coast"}, user=COORDINATOR)
    assert "deleted 30 days after they close (the bot's default)" in shown["content"], shown
    with pytest.raises(CommandNotShown):  # a member's menu has no /manage
        await reflect(fake, "retention", {"network": "coast", "days": 7}, user=STARTER)
    changed = await reflect(fake, "retention", {"network": "coast", "days": 7}, user=COORDINATOR)
    assert "deleted 7 days after they close" in changed["content"], changed

    reply = await reflect(
        fake,
        "start",
        {"format": "open", "peers": f"<@{fake.user_id(JOINER)}>", "network": "coast"},
        user=STARTER,
    )
    number = int(reply["content"].split("number ")[1].split(" ")[0])
    opened = await fake.wait_for_request(
        "POST", f"/channels/{fake.channel_id('coast-reflection')}/threads"
    )
    thread_id = int(opened.response["id"])
    invitation = await dm_to(fake, JOINER)
    assert "deleted 7 days after it closes" in invitation["content"], invitation

    clock = bot.clock
    assert isinstance(clock, FakeClock)
    clock.advance(timedelta(hours=2))
    closed = await close_confirmed(fake, number, STARTER)
    closed_at = clock.now()
    assert "is deleted on" in closed["content"], closed

    cog = bot.kernel.cogs["reflection"]
    assert isinstance(cog, ReflectionCog)
    [job] = [j for j in await cog.jobs.planned_jobs(clock.now()) if str(number) in j.key]
    assert job.run_at == closed_at + timedelta(days=7), job
    assert fake.requests_matching("DELETE", f"/channels/{thread_id}") == []

    clock.set(job.run_at)
    await bot.kernel.scheduler.run_job(job)
    deleted = await fake.wait_for_request("DELETE", f"/channels/{thread_id}")
    assert deleted.status == 200, deleted
    assert thread_id not in fake.state.channels
    row = await bot.kernel.db.fetch_one(
        "SELECT thread_key, thread_deleted_at FROM reflections WHERE id = ?", (number,)
    )
    assert row is not None and row["thread_key"] is None and row["thread_deleted_at"], row
    # Recorded: the next plan has no deletion left for it, and running it again does nothing.
    assert not [j for j in await cog.jobs.planned_jobs(clock.now()) if str(number) in j.key]
    await bot.kernel.scheduler.run_job(job)
    assert len(fake.requests_matching("DELETE", f"/channels/{thread_id}")) == 1


async def test_inviting_peerbot_itself_is_refused_and_opens_nothing(bot: PeerbotOnFake) -> None:
    fake = bot.fake
    reply = await reflect(
        fake,
        "start",
        {"format": "open", "peers": f"<@{fake.state.bot['id']}>", "network": "coast"},
        user=STARTER,
    )
    assert reply["flags"] & EPHEMERAL, reply
    assert "not peerbot itself" in reply["content"], reply
    assert "Nothing was changed" in reply["content"], reply
    reflection = fake.channel_id("coast-reflection")
    assert fake.requests_matching("POST", f"/channels/{reflection}/threads") == []


async def test_mentions_typed_in_a_post_add_nobody_and_ping_nobody(started: Started) -> None:
    """A post naming someone outside the thread, a role, @everyone and @here: on Discord a
    live mention would add that person (or the role's members) to the private thread. The
    post goes out with no live mention, and the thread keeps exactly its members."""
    fake, thread_id = started.fake, started.thread_id
    role = fake.add_role("peer workers", mentionable=True)
    fake.state.member(fake.guild_id, fake.user_id(COORDINATOR))["roles"].append(role["id"])
    members = set(fake.state.thread_members[thread_id])
    outsider = fake.user_id(DECLINER)
    assert outsider not in members and fake.user_id(COORDINATOR) not in members

    typed = (
        f"<@{outsider}> should hear this, and <@&{role['id']}> too. "
        "@everyone @here I found it hard to hold a boundary."
    )
    form = await post_form(started, JOINER)
    posted = await answer(await fake.submit_modal(form, {"text": typed}, user=JOINER))
    assert posted["content"].startswith("Posted in the thread."), posted
    sent = await fake.wait_for_request("POST", f"/channels/{thread_id}/messages")
    while typed not in sent.json.get("content", ""):
        sent = await fake.wait_for_request("POST", f"/channels/{thread_id}/messages")

    assert sent.json["allowed_mentions"] == {"parse": []}, sent.json
    stored = fake.state.message(int(sent.response["id"]))
    assert typed in stored["content"]  # shown as typed, just not live
    assert stored["mentions"] == [] and stored["mention_roles"] == [], stored
    assert stored["mention_everyone"] is False, stored
    await reflect(fake, "privacy", user=DECLINER)  # a round trip, so a wrong add had its time
    assert set(fake.state.thread_members[thread_id]) == members
