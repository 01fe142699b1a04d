"""The person is always told: when Discord refuses or loses peerbot's answer to a command, the
answer still arrives, in place, as a private follow-up, or by direct message, and only once.

The fake Discord models what goes wrong: the three seconds to acknowledge (10062), the
fifteen-minute token (50027), one callback only (40060), 429 and 5xx bursts, and answers lost
after Discord carried the request out. discord.py retries 5xx itself after one second, so the
tests with a lost answer take a second or two.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.platforms.discord.answers import BY_DM, FORM_BY_DM
from tests.e2e.fakediscord import FakeDiscord, InteractionHandle
from tests.e2e.peerbot_on_fake import PeerbotOnFake
from tests.e2e.probe_cog import ProbeCog

EPHEMERAL = 64
LOADING = 128
CALLBACK = "/interactions/{id}/{token}/callback"
ORIGINAL = "/webhooks/{app}/{token}/messages/@original"
FOLLOWUP = "/webhooks/{app}/{token}"
DONE = "Finally done."


class Answers:
    """Counts finished answers, so a test knows the bot is done with an interaction."""

    def __init__(self, bot: PeerbotOnFake) -> None:
        assert bot.client is not None
        self.done: asyncio.Queue[int] = asyncio.Queue()
        answerer = bot.client.handler.answerer
        original = answerer.answer

        async def answer(interaction: Any, reply: Any, state: Any) -> None:
            try:
                await original(interaction, reply, state)
            finally:
                self.done.put_nowait(interaction.id)

        answerer.answer = answer  # type: ignore[method-assign]

    async def finished(self, handle: InteractionHandle) -> None:
        assert await asyncio.wait_for(self.done.get(), 30) == handle.id


@pytest.fixture
async def started(fake_discord: FakeDiscord, tmp_path: Path) -> AsyncIterator[PeerbotOnFake]:
    bot = PeerbotOnFake(fake_discord, tmp_path)
    ProbeCog.release = asyncio.Event()
    try:
        yield bot
    finally:
        ProbeCog.release.set()
        await bot.stop()


async def slow(fake: FakeDiscord) -> InteractionHandle:
    return await fake.send_slash_command("probe", subcommand="slow", user="bob")


async def dm_texts(bot: PeerbotOnFake, fake: FakeDiscord, handle: InteractionHandle) -> list[str]:
    """The direct messages bob has, once the fallback answer's outbox row has finished."""
    key = f"discord:interaction:{handle.id}:answer"
    for _ in range(500):
        if await bot.kernel.outbox.status_of(key) in ("sent", "failed"):
            break
        await asyncio.sleep(0.01)
    assert await bot.kernel.outbox.status_of(key) == "sent"
    dm = fake.state.dm_by_user[fake.user_id("bob")]
    return [m["content"] for m in fake.messages_in(dm)]


async def no_dm_queued(bot: PeerbotOnFake, handle: InteractionHandle) -> bool:
    return await bot.kernel.outbox.status_of(f"discord:interaction:{handle.id}:answer") is None


def webhook_posts(fake: FakeDiscord) -> list[Any]:
    return fake.requests_matching("POST", FOLLOWUP)


async def test_an_answer_whose_response_was_lost_is_shown_once(
    started: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    await started.start()
    answers = Answers(started)
    # Discord shows the answer, but the bot hears 500; discord.py tries again after a second.
    fake_discord.fail_next("POST", CALLBACK, status=500, after_handling=True)
    handle = await fake_discord.send_slash_command("support", user="bob")
    await answers.finished(handle)
    tries = fake_discord.requests_matching("POST", CALLBACK)
    assert [t.status for t in tries] == [500, 400]
    assert tries[1].response["code"] == 40060  # already acknowledged: the first one landed
    assert handle.original_message is not None
    assert "000" in json.dumps(handle.original_message["embeds"])  # the crisis lines
    assert webhook_posts(fake_discord) == []
    assert await no_dm_queued(started, handle)


async def test_too_late_for_the_callback_the_answer_comes_by_dm_once(
    started: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    await started.start(defer_after=60.0)  # so slow a handler that nothing was acknowledged
    answers = Answers(started)
    handle = await slow(fake_discord)
    handle.age(3.5)
    assert ProbeCog.release is not None
    ProbeCog.release.set()
    await answers.finished(handle)
    refused = fake_discord.requests_matching("POST", CALLBACK)
    assert [(r.status, r.response["code"]) for r in refused] == [(404, 10062)]  # not again
    texts = await dm_texts(started, fake_discord, handle)
    assert texts == [f"{BY_DM}\n\n{DONE}"]
    assert handle.original_message is None and webhook_posts(fake_discord) == []


async def test_a_rate_limit_burst_on_thinking_is_tried_again(
    started: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    await started.start(defer_after=0.05)
    answers = Answers(started)
    # Five 429s: discord.py waits each out, then gives up; peerbot tries once more.
    fake_discord.fail_next("POST", CALLBACK, status=429, times=5, retry_after=0.01)
    handle = await slow(fake_discord)
    for _ in range(6):
        await handle.callback_request()
    assert ProbeCog.release is not None
    ProbeCog.release.set()
    await answers.finished(handle)
    statuses = [r.status for r in fake_discord.requests_matching("POST", CALLBACK)]
    assert statuses == [429] * 5 + [200]
    assert handle.original_message is not None
    assert handle.original_message["content"] == DONE
    assert handle.original_message["flags"] == EPHEMERAL
    assert await no_dm_queued(started, handle)


async def test_a_lost_edit_of_thinking_is_not_shown_twice(
    started: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    await started.start(defer_after=0.05)
    answers = Answers(started)
    fake_discord.fail_next("PATCH", ORIGINAL, status=500, after_handling=True)
    handle = await slow(fake_discord)
    await handle.callback()
    assert ProbeCog.release is not None
    ProbeCog.release.set()
    await answers.finished(handle)
    edits = fake_discord.requests_matching("PATCH", ORIGINAL)
    assert [e.status for e in edits] == [500, 200]  # the same edit twice: one message
    shown = [m for m in fake_discord.state.messages.values() if m.get("content") == DONE]
    assert len(shown) == 1
    assert webhook_posts(fake_discord) == []
    assert await no_dm_queued(started, handle)


async def test_when_thinking_cannot_be_edited_a_private_followup_carries_it(
    started: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    await started.start(defer_after=0.05)
    answers = Answers(started)
    fake_discord.fail_next("PATCH", ORIGINAL, status=429, times=10, retry_after=0.01)
    handle = await slow(fake_discord)
    await handle.callback()
    assert ProbeCog.release is not None
    ProbeCog.release.set()
    await answers.finished(handle)
    [followup] = webhook_posts(fake_discord)
    assert followup.status == 200
    assert followup.json["content"] == DONE and followup.json["flags"] == EPHEMERAL
    assert await no_dm_queued(started, handle)


async def test_when_the_followup_fails_too_the_answer_comes_by_dm(
    started: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    await started.start(defer_after=0.05)
    answers = Answers(started)
    fake_discord.fail_next("PATCH", ORIGINAL, status=429, times=10, retry_after=0.01)
    fake_discord.fail_next("POST", FOLLOWUP, status=429, times=5, retry_after=0.01)
    handle = await slow(fake_discord)
    await handle.callback()
    assert ProbeCog.release is not None
    ProbeCog.release.set()
    await answers.finished(handle)
    assert await dm_texts(started, fake_discord, handle) == [f"{BY_DM}\n\n{DONE}"]
    assert [r.status for r in webhook_posts(fake_discord)] == [429] * 5  # tried once, no more


async def test_after_fifteen_minutes_the_answer_comes_by_dm(
    started: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    await started.start(defer_after=0.05)
    answers = Answers(started)
    handle = await slow(fake_discord)
    await handle.callback()
    handle.age(15 * 60 + 1)
    assert ProbeCog.release is not None
    ProbeCog.release.set()
    await answers.finished(handle)
    [edit] = fake_discord.requests_matching("PATCH", ORIGINAL)
    assert (edit.status, edit.response["code"]) == (401, 50027)
    assert await dm_texts(started, fake_discord, handle) == [f"{BY_DM}\n\n{DONE}"]
    assert webhook_posts(fake_discord) == []  # a follow-up would fail the same way
    assert handle.original_message is not None
    assert handle.original_message["flags"] & LOADING  # Discord still shows "thinking..."


async def test_a_lost_thinking_is_known_by_40060_and_answered_in_place(
    started: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    await started.start(defer_after=0.05)
    answers = Answers(started)
    fake_discord.fail_next("POST", CALLBACK, status=500, after_handling=True)
    handle = await slow(fake_discord)
    first = await handle.callback_request()
    again = await handle.callback_request()  # discord.py, a second later
    assert (first.status, again.status, again.response["code"]) == (500, 400, 40060)
    assert ProbeCog.release is not None
    ProbeCog.release.set()
    await answers.finished(handle)
    assert handle.original_message is not None
    assert handle.original_message["content"] == DONE
    assert webhook_posts(fake_discord) == []
    assert await no_dm_queued(started, handle)


async def test_a_form_too_late_to_open_says_so_by_dm(
    started: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    await started.start()
    answers = Answers(started)
    fake_discord.fail_next("POST", CALLBACK, status=404, code=10062, message="Unknown interaction")
    handle = await fake_discord.send_slash_command("probe", subcommand="form", user="bob")
    await answers.finished(handle)
    assert await dm_texts(started, fake_discord, handle) == [FORM_BY_DM]
    assert fake_discord.state.modals == {}
