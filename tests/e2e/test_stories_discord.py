"""Stories end to end on Discord (issue 21, item 4): the real peerbot on the fake Discord. A
member shares a story in the form, the coordinator approves it from the private review
message, nothing is posted until the author presses Yes, the post appears once in the
channel linked as the stories channel (a restart posts nothing again), and withdrawing
deletes it from the channel, with the coordinator's review message and the author's
preview, at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FakeClock
from tests.e2e.fakediscord import FakeDiscord
from tests.e2e.peerbot_on_fake import PeerbotOnFake
from tests.e2e.test_networks_discord import (
    COORDINATOR,
    EPHEMERAL,
    answer,
    create_coast,
    dm_channel_of,
    dm_to,
)
from tests.e2e.test_reflection_discord import MODAL, buttons

MEMBER = "bob"
TITLE = "Finding my feet"
BODY = "The first year was hard.\n\nWhat helped was a peer who listened."


async def story(
    fake: FakeDiscord, sub: str, options: dict[str, Any] | None = None, **kwargs: Any
) -> dict[str, Any]:
    return await answer(await fake.send_command(f"story {sub}", options, **kwargs))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(dt.datetime(2035, 3, 5, 1, tzinfo=dt.UTC))


@pytest.fixture
async def bot(
    fake_discord: FakeDiscord, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[PeerbotOnFake]:
    """Coast, carol its coordinator, bob a member, coast-stories linked as its stories channel."""
    started = PeerbotOnFake(fake_discord, tmp_path, clock)
    await started.start()
    try:
        await create_coast(fake_discord, members=(MEMBER,), set_up=False)
        channel = fake_discord.add_channel("coast-stories")
        linked = await answer(
            await fake_discord.send_command(
                "manage network link",
                {"network": "coast", "channel": channel["id"], "purpose": "stories"},
                user=COORDINATOR,
            )
        )
        assert linked["content"] == "Linked that channel as Coast's stories channel.", linked
        yield started
    finally:
        await started.stop()


async def one_pass(bot: PeerbotOnFake) -> None:
    assert bot.app is not None and bot.app.worker is not None
    await bot.app.worker.run_once()


async def next_dm(fake: FakeDiscord, user: str, starts: str) -> dict[str, Any]:
    """The next private message to ``user`` that starts with ``starts``."""
    while True:
        sent = await dm_to(fake, user)
        if sent.get("content", "").startswith(starts):
            return sent


async def submitted_in_the_form(fake: FakeDiscord) -> dict[str, Any]:
    handle = await fake.send_command("story submit", {"network": "coast"}, user=MEMBER)
    callback = await handle.callback()
    assert callback["type"] == MODAL, callback
    labels = [row["components"][0]["label"] for row in callback["data"]["components"]]
    assert labels == ["Title", "Your story", "Name to show (empty: no name)"]
    return await answer(
        await fake.submit_modal(
            callback["data"]["custom_id"],
            {"title": TITLE, "story": BODY, "name": "Bob"},
            user=MEMBER,
        )
    )


async def test_a_story_is_posted_only_after_the_authors_yes_and_withdrawn_from_the_channel(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    fake = fake_discord
    channel = fake.channel_id("coast-stories")
    thanked = await submitted_in_the_form(fake)
    assert thanked["flags"] & EPHEMERAL
    assert thanked["content"].startswith("Thank you for sharing your story."), thanked

    review = await next_dm(fake, COORDINATOR, "A member submitted a story for Coast")
    assert f"Title: {TITLE}\nPublished as: Bob\n\n{BODY}" in review["content"]
    assert list(buttons(review)) == ["Approve", "Ask for changes", "Decline"]
    approved = await answer(await fake.click_button(buttons(review)["Approve"], user=COORDINATOR))
    assert approved["flags"] & EPHEMERAL
    assert approved["content"].startswith("Approved story 1. It is not published yet")

    preview = await next_dm(fake, MEMBER, "A coordinator approved your story")
    post = f"A story of peer work: {TITLE}\n\n{BODY}\n\nShared by Bob."
    assert (
        f"It will be posted in <#{channel}>, exactly like this:\n\n{post}" in (preview["content"])
    )
    assert "Published as: Bob." in preview["content"]
    await one_pass(bot)
    assert fake.messages_in(channel) == []  # approving did not publish

    yes = await answer(await fake.click_button(buttons(preview)["Yes, publish it"], user=MEMBER))
    assert yes["flags"] & EPHEMERAL
    assert yes["content"].startswith("Published: your story (story 1) is being posted in")
    request = await fake.wait_for_request("POST", f"/channels/{channel}/messages")
    assert request.json["content"].startswith(post), request.json
    [shown] = fake.messages_in(channel)

    # A restart posts nothing again.
    await bot.stop()
    await bot.start()
    await one_pass(bot)
    assert len(fake.messages_in(channel)) == 1

    listed = await story(fake, "list", {"network": "coast"}, user=COORDINATOR)
    assert listed["flags"] & EPHEMERAL
    assert f"- Story 1: {TITLE}, shared by Bob (5 March 2035)." in listed["content"]

    withdrawn = await story(fake, "withdraw", {"number": 1}, user=MEMBER)
    assert withdrawn["flags"] & EPHEMERAL
    assert withdrawn["content"].startswith("Withdrawn: your story (story 1) is gone."), withdrawn
    deleted = fake.requests_matching("DELETE", f"/channels/{channel}/messages/{shown['id']}")
    assert len(deleted) == 1
    assert fake.messages_in(channel) == []
    carol_dm = dm_channel_of(fake, COORDINATOR)
    assert fake.requests_matching("DELETE", f"/channels/{carol_dm}/messages/{{id}}")
    assert all(TITLE not in m.get("content", "") for m in fake.messages_in(carol_dm))
    bob_dm = dm_channel_of(fake, MEMBER)
    assert fake.requests_matching("DELETE", f"/channels/{bob_dm}/messages/{{id}}")
    assert all(TITLE not in m.get("content", "") for m in fake.messages_in(bob_dm))
    gone = await story(fake, "list", {"network": "coast"}, user=COORDINATOR)
    assert gone["content"].startswith("No stories are published yet."), gone


async def test_a_story_with_a_phone_number_is_held_back_and_nothing_reaches_coordinators(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    fake = fake_discord
    held = await story(
        fake,
        "submit",
        {"network": "coast", "title": "A hard day", "story": "Ring me on 0412 345 678."},
        user=MEMBER,
    )
    assert held["flags"] & EPHEMERAL
    assert "is saved but not sent yet" in held["content"], held
    assert "phone number (0412 345 678)" in held["content"]
    assert list(buttons(held)) == ["Edit my story", "Send it as it is", "Withdraw my story"]
    form = await fake.click_button(buttons(held)["Edit my story"], user=MEMBER)
    modal = await form.callback()
    assert modal["type"] == MODAL, modal
    values = [row["components"][0].get("value", "") for row in modal["data"]["components"]]
    assert values == ["A hard day", "Ring me on 0412 345 678.", ""]
    await one_pass(bot)
    sent = fake.requests_matching("POST", "/channels/{id}/messages")
    assert all("A hard day" not in r.json.get("content", "") for r in sent)


async def test_the_withdraw_button_on_the_preview_asks_once_then_deletes_the_dms(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    fake = fake_discord
    await submitted_in_the_form(fake)
    review = await next_dm(fake, COORDINATOR, "A member submitted a story for Coast")
    await answer(await fake.click_button(buttons(review)["Approve"], user=COORDINATOR))
    preview = await next_dm(fake, MEMBER, "A coordinator approved your story")
    asked = await answer(
        await fake.click_button(buttons(preview)["Withdraw my story"], user=MEMBER)
    )
    assert asked["flags"] & EPHEMERAL
    assert asked["content"].startswith("Withdraw your story (story 1)?"), asked
    assert list(buttons(asked)) == ["Withdraw it now", "Keep it"]
    done = await answer(await fake.click_button(buttons(asked)["Withdraw it now"], user=MEMBER))
    assert done["content"].startswith("Withdrawn: your story (story 1) is gone."), done
    assert "It was not published." in done["content"]
    for user in (COORDINATOR, MEMBER):
        dm = dm_channel_of(fake, user)
        assert fake.requests_matching("DELETE", f"/channels/{dm}/messages/{{id}}")
        left = [m for m in fake.messages_in(dm) if TITLE in m.get("content", "")]
        assert left == [], (user, [m["content"][:80] for m in left])
    await one_pass(bot)
    assert fake.messages_in(fake.channel_id("coast-stories")) == []
    # The review message's buttons are gone with it; the story cannot be approved now.
    row = await bot.kernel.db.fetch_one("SELECT count(*) AS n FROM stories")
    assert row is not None and row["n"] == 0
