"""Questions to the coordinators end to end on Discord (issue 21, item 2): the real peerbot on
the fake Discord. A member's /ask coordinators reaches the coordinator's direct messages,
numbered, with Reply, Close and Ask permission to share; the reply (typed in a form) reaches
the member's direct messages, signed; the member's answer comes back; a member whose direct
messages are closed (Discord's 50007) makes the coordinator hear that the reply could not be
delivered and what to do; a de-identified version is posted in the general channel only after
the member presses Yes."""

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
QUESTION = "How much of my own story should I share with someone on their first day?"
REPLY = "Start small: share what helps them, and bring it back to them."


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(dt.datetime(2035, 3, 5, 1, tzinfo=dt.UTC))


@pytest.fixture
async def bot(
    fake_discord: FakeDiscord, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[PeerbotOnFake]:
    """Coast, set up (its general channel included), carol its coordinator, bob a member."""
    started = PeerbotOnFake(fake_discord, tmp_path, clock)
    await started.start()
    try:
        await create_coast(fake_discord, members=(MEMBER,))
        yield started
    finally:
        await started.stop()


async def next_dm(fake: FakeDiscord, user: str, starts: str) -> dict[str, Any]:
    """The next private message to ``user`` that starts with ``starts``."""
    while True:
        sent = await dm_to(fake, user)
        if sent.get("content", "").startswith(starts):
            return sent


async def asked(fake: FakeDiscord) -> dict[str, Any]:
    """bob asks (no network option: he is in one), and is told where it went."""
    told = await answer(
        await fake.send_command("ask coordinators", {"question": QUESTION}, user=MEMBER)
    )
    assert told["flags"] & EPHEMERAL
    assert told["content"].startswith(
        "Your question (question 1) has gone to the coordinators of Coast; their reply will "
        "come here, privately."
    ), told
    return told


async def in_the_form(
    fake: FakeDiscord, message: dict[str, Any], label: str, user: str, text: str
) -> dict[str, Any]:
    """Press ``label`` on ``message``, and send its form with ``text``."""
    handle = await fake.click_button(buttons(message)[label], user=user)
    modal = await handle.callback()
    assert modal["type"] == MODAL, modal
    return await answer(
        await fake.submit_modal(modal["data"]["custom_id"], {"text": text}, user=user)
    )


async def test_the_question_reaches_the_coordinator_and_the_reply_the_members_dm(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    fake = fake_discord
    bob = fake.user_id(MEMBER)
    carol = fake.user_id(COORDINATOR)
    await asked(fake)
    notice = await next_dm(fake, COORDINATOR, "Question 1 from")
    assert notice["content"].startswith(
        f"Question 1 from <@{bob}>, a member of Coast, asked privately:\n\n{QUESTION}\n\n"
    ), notice
    assert list(buttons(notice)) == ["Reply", "Close", "Ask permission to share"]
    assert not any(
        QUESTION in m.get("content", "") for m in fake.messages_in(fake.channel_id("coast-general"))
    )

    sent = await in_the_form(fake, notice, "Reply", COORDINATOR, REPLY)
    assert sent["flags"] & EPHEMERAL
    assert sent["content"].startswith("Sent your reply to the member who asked question 1")
    reply = await next_dm(fake, MEMBER, f"<@{carol}>, for the coordinators of Coast")
    assert f"replied to your question (question 1):\n\n{REPLY}\n\n" in reply["content"]
    assert list(buttons(reply)) == ["Answer", "Close my question"]

    # A restart sends nothing twice.
    await bot.stop()
    await bot.start()
    assert bot.app is not None and bot.app.worker is not None
    await bot.app.worker.run_once()
    bob_dm = dm_channel_of(fake, MEMBER)
    assert [REPLY in m.get("content", "") for m in fake.messages_in(bob_dm)].count(True) == 1
    carol_dm = dm_channel_of(fake, COORDINATOR)
    assert [QUESTION in m.get("content", "") for m in fake.messages_in(carol_dm)].count(True) == 1

    answered = await in_the_form(fake, reply, "Answer", MEMBER, "Thank you, that helps.")
    assert answered["content"] == (
        "Sent your answer about question 1 to the coordinators, privately."
    )
    back = await next_dm(fake, COORDINATOR, f"<@{bob}> answered about question 1")
    assert back["content"].endswith("\n\nThank you, that helps.")

    closed = await answer(await fake.click_button(buttons(reply)["Close my question"], user=MEMBER))
    assert closed["flags"] & EPHEMERAL
    assert closed["content"].startswith("Closed your question (question 1)"), closed
    told = await next_dm(fake, COORDINATOR, "Question 1 (Coast) was closed")
    assert "deleted in 30 days" in told["content"]


async def test_a_member_with_closed_dms_makes_the_coordinator_hear_the_reply_was_not_delivered(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    fake = fake_discord
    bob = fake.user_id(MEMBER)
    await asked(fake)
    await next_dm(fake, COORDINATOR, "Question 1 from")
    fake.close_dms(MEMBER)  # Discord answers 403, code 50007, to each message
    sent = await answer(
        await fake.send_command(
            "manage question reply", {"number": 1, "text": REPLY}, user=COORDINATOR
        )
    )
    assert sent["content"].startswith("Sent your reply"), sent
    told = await next_dm(fake, COORDINATOR, "peerbot could not tell 1 person")
    assert told["content"].startswith(
        "peerbot could not tell 1 person about your reply to question 1:\n"
        f"- <@{bob}> could not be told: they do not accept direct messages from this server."
    ), told
    assert "allow direct messages from this server" in told["content"]
    bob_dm = dm_channel_of(fake, MEMBER)
    assert all(REPLY not in m.get("content", "") for m in fake.messages_in(bob_dm))
    refused = fake.requests_matching("POST", f"/channels/{bob_dm}/messages")
    assert len(refused) == 1  # 50007 is not tried again


async def test_a_shared_version_is_posted_only_after_the_members_yes(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    fake = fake_discord
    general = fake.channel_id("coast-general")
    await asked(fake)
    notice = await next_dm(fake, COORDINATOR, "Question 1 from")
    handle = await fake.click_button(buttons(notice)["Ask permission to share"], user=COORDINATOR)
    modal = await handle.callback()
    assert modal["type"] == MODAL, modal
    [row] = modal["data"]["components"]
    assert row["components"][0]["value"] == QUESTION  # filled in, to edit
    held = await answer(
        await fake.submit_modal(
            modal["data"]["custom_id"],
            {"text": "Mrs Nguyen asked how much of my story I should share."},
            user=COORDINATOR,
        )
    )
    assert held["content"].startswith("The de-identification check found details"), held
    shared = "How much of my own story should I share with someone I have just met?"
    asking = await in_the_form(fake, notice, "Ask permission to share", COORDINATOR, shared)
    assert asking["content"].startswith("The member who asked question 1 is being shown")
    prompt = await next_dm(fake, MEMBER, "The coordinators of Coast think your question")
    assert f"A question from a peer worker:\n\n{shared}" in prompt["content"]
    assert "Nguyen" not in prompt["content"]
    assert list(buttons(prompt)) == ["Yes, share it", "No, keep it private"]
    assert not any(shared in m.get("content", "") for m in fake.messages_in(general))

    yes = await answer(await fake.click_button(buttons(prompt)["Yes, share it"], user=MEMBER))
    assert yes["flags"] & EPHEMERAL
    assert yes["content"].startswith("Thank you. The de-identified version is being posted")
    request = await fake.wait_for_request("POST", f"/channels/{general}/messages")
    assert request.json["content"].startswith(f"A question from a peer worker:\n\n{shared}")
    assert f"<@{fake.user_id(MEMBER)}>" not in request.json["content"]
    await next_dm(fake, COORDINATOR, "The member who asked question 1 (Coast) said yes")
