"""No duplicate after a long outage, on Discord: the real peerbot on the fake Discord.

The process dies between Discord accepting a message and the outbox recording it (or before
Discord got it), the clock moves past Discord's nonce window (a few minutes; the fake holds a
nonce for five), and a new process starts on the same data folder. The person must see the
message exactly once, and the row must record the id of the message that is there.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.clock import FakeClock
from bot.identity import PlaceRef, UserRef
from bot.platforms.discord.port import DiscordPort
from bot.replies import ActionRef, Button, Reply
from tests.e2e.fakediscord import FakeDiscord
from tests.e2e.fakediscord.payloads import Json
from tests.e2e.peerbot_on_fake import PeerbotOnFake

LONG_OUTAGE = timedelta(minutes=45)  # well past Discord's few minutes of nonce checking


class ProcessDied(BaseException):
    """Stands for kill -9: the worker catches only Exception, so nothing after it runs."""


class Processes:
    """Bot processes on one data folder and one clock, shared with the fake Discord."""

    def __init__(self, fake: FakeDiscord, data_dir: Path) -> None:
        self.fake = fake
        self.data_dir = data_dir
        self.clock = FakeClock()
        fake.state.clock = self.clock.now
        self.running: list[PeerbotOnFake] = []

    async def start(self) -> PeerbotOnFake:
        bot = PeerbotOnFake(self.fake, self.data_dir, self.clock)
        self.running.append(bot)
        await bot.start()
        return bot

    async def crash(self, bot: PeerbotOnFake, died: asyncio.Event) -> None:
        """Wait until the worker died mid-delivery, then take the rest of the process down
        without it: the database holds exactly what a killed process leaves behind."""
        await asyncio.wait_for(died.wait(), 10)
        assert bot.app is not None and bot.app.worker is not None
        task = bot.app.worker._task
        assert task is not None
        with contextlib.suppress(ProcessDied):
            await asyncio.wait_for(task, 10)
        bot.app.worker = None  # dead: nothing left to stop
        await bot.stop()
        self.running.remove(bot)

    async def stop_all(self) -> None:
        for bot in reversed(self.running):
            await bot.stop()


@pytest.fixture
async def processes(fake_discord: FakeDiscord, tmp_path: Path) -> AsyncIterator[Processes]:
    started = Processes(fake_discord, tmp_path)
    try:
        yield started
    finally:
        await started.stop_all()


def dying(
    monkeypatch: pytest.MonkeyPatch, name: str, died: asyncio.Event, *, after_send: bool
) -> None:
    """Make ``DiscordPort.<name>`` die in this process, after or before Discord got it."""
    original: Callable[..., Awaitable[Any]] = getattr(DiscordPort, name)

    async def die(self: DiscordPort, *args: Any, **kwargs: Any) -> Any:
        if after_send:
            await original(self, *args, **kwargs)
        died.set()
        raise ProcessDied

    monkeypatch.setattr(DiscordPort, name, die)


async def row(bot: PeerbotOnFake, key: str) -> Json:
    found = await bot.kernel.outbox.db.fetch_one(
        "SELECT status, sent_message_id, attempt_started_at FROM outbox WHERE key = ?", (key,)
    )
    assert found is not None
    return dict(found)


async def until_sent(bot: PeerbotOnFake, key: str) -> Json:
    for _ in range(500):
        found = await row(bot, key)
        if found["status"] != "pending":
            return found
        await asyncio.sleep(0.01)
    raise AssertionError(f"{key} was never delivered")


def reads_of(fake: FakeDiscord, channel_id: int) -> int:
    return len(fake.requests_matching("GET", f"/channels/{channel_id}/messages"))


async def test_a_crash_after_discord_accepted_is_not_posted_again_after_a_long_outage(
    processes: Processes, fake_discord: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    channel = fake_discord.channel_id("meetings")
    key = "meeting:1:2027-03-10:announce"
    died = asyncio.Event()
    dying(monkeypatch, "post", died, after_send=True)
    first = await processes.start()
    await first.kernel.outbox.send(
        key=key,
        target=PlaceRef(platform="discord", id=str(channel)),
        message=Reply(text="The network meets on 10 March."),
    )
    await processes.crash(first, died)
    [posted] = fake_discord.messages_in(channel)
    monkeypatch.undo()

    processes.clock.advance(LONG_OUTAGE)
    second = await processes.start()
    recorded = await until_sent(second, key)
    assert [m["content"] for m in fake_discord.messages_in(channel)] == [
        "The network meets on 10 March."
    ]
    assert recorded["status"] == "sent"
    assert recorded["sent_message_id"] == posted["id"]
    assert len(fake_discord.requests_matching("POST", f"/channels/{channel}/messages")) == 1
    assert reads_of(fake_discord, channel) == 1  # it looked once, and only after the crash


async def test_a_crash_before_discord_received_it_is_delivered_once_after_restart(
    processes: Processes, fake_discord: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    channel = fake_discord.channel_id("meetings")
    key = "meeting:2:2027-03-10:announce"
    died = asyncio.Event()
    dying(monkeypatch, "post", died, after_send=False)
    first = await processes.start()
    await first.kernel.outbox.send(
        key=key,
        target=PlaceRef(platform="discord", id=str(channel)),
        message=Reply(text="The network meets on 11 March."),
    )
    await processes.crash(first, died)
    assert fake_discord.messages_in(channel) == []
    monkeypatch.undo()

    processes.clock.advance(LONG_OUTAGE)
    second = await processes.start()
    recorded = await until_sent(second, key)
    [posted] = fake_discord.messages_in(channel)
    assert posted["content"] == "The network meets on 11 March."
    assert recorded["sent_message_id"] == posted["id"]


async def test_a_private_message_already_in_the_dm_is_not_sent_again(
    processes: Processes, fake_discord: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    bob = fake_discord.user_id("bob")
    key = "checkin:bob:1"
    died = asyncio.Event()
    dying(monkeypatch, "send_private", died, after_send=True)
    first = await processes.start()
    await first.kernel.outbox.send(
        key=key,
        target=UserRef(platform="discord", id=str(bob)),
        message=Reply(text="How are you going this week?"),
    )
    await processes.crash(first, died)
    monkeypatch.undo()

    processes.clock.advance(LONG_OUTAGE)
    second = await processes.start()
    recorded = await until_sent(second, key)
    dm = int(fake_discord.state.dm_channel_for(bob)["id"])
    [sent] = fake_discord.messages_in(dm)
    assert sent["content"] == "How are you going this week?"
    assert recorded["sent_message_id"] == sent["id"]


async def test_a_long_message_cut_off_between_parts_gets_only_its_missing_parts(
    processes: Processes, fake_discord: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    channel = fake_discord.channel_id("meetings")
    key = "meeting:3:2027-03-10:minutes"
    paragraphs = [f"Part {n}: " + "notes from the meeting " * 80 for n in range(3)]
    message = Reply(
        text="\n\n".join(paragraphs),
        buttons=[Button(label="Read the agenda", action=ActionRef(action="agenda"))],
    )
    died = asyncio.Event()
    original = discord.abc.Messageable.send
    calls = 0

    async def send_two_then_die(self: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        sent = await original(self, *args, **kwargs)
        if calls == 2:  # two parts accepted, the third never sent
            died.set()
            raise ProcessDied
        return sent

    monkeypatch.setattr(discord.abc.Messageable, "send", send_two_then_die)
    first = await processes.start()
    await first.kernel.outbox.send(
        key=key, target=PlaceRef(platform="discord", id=str(channel)), message=message
    )
    await processes.crash(first, died)
    assert len(fake_discord.messages_in(channel)) == 2
    monkeypatch.undo()

    processes.clock.advance(LONG_OUTAGE)
    second = await processes.start()
    recorded = await until_sent(second, key)
    posted = fake_discord.messages_in(channel)
    assert [m["content"][:7] for m in posted] == ["Part 0:", "Part 1:", "Part 2:"]
    assert [bool(m["components"]) for m in posted] == [False, False, True]  # buttons last
    assert recorded["sent_message_id"] == posted[0]["id"]


async def test_an_identical_message_of_another_row_is_not_taken_for_the_lost_one(
    processes: Processes, fake_discord: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two reminders with the same words in one channel: the first was delivered and
    recorded; the second's process died before Discord got it. The second must still come."""
    channel = fake_discord.channel_id("meetings")
    target = PlaceRef(platform="discord", id=str(channel))
    text = Reply(text="Reminder: the network meets tomorrow.")
    first = await processes.start()
    await first.kernel.outbox.send(key="reminder:a", target=target, message=text)
    await until_sent(first, "reminder:a")
    assert reads_of(fake_discord, channel) == 0  # the normal path never reads the channel

    died = asyncio.Event()
    dying(monkeypatch, "post", died, after_send=False)
    await first.kernel.outbox.send(key="reminder:b", target=target, message=text)
    await processes.crash(first, died)
    monkeypatch.undo()

    processes.clock.advance(LONG_OUTAGE)
    second = await processes.start()
    recorded = await until_sent(second, "reminder:b")
    posted = fake_discord.messages_in(channel)
    assert [m["content"] for m in posted] == [text.text, text.text]
    assert recorded["sent_message_id"] == posted[1]["id"]
    assert (await row(second, "reminder:a"))["sent_message_id"] == posted[0]["id"]
