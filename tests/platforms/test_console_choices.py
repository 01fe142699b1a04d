"""Numbered choices on the console, as a newcomer meets them: a meeting notice posted in a
channel is answered by its number, and a pending invitation is not lost under later messages
(``/as NAME`` offers every unanswered one, newest first, numbered one after another)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import App
from bot.clock import FakeClock
from bot.errors import UserError
from bot.identity import UserRef
from bot.kernel import Kernel
from bot.platforms.console import ConsoleAdapter
from bot.replies import ActionRef, Button, Reply
from cogs.meetings.commands import MeetingsCog
from config.settings import load_settings
from tests.platforms.test_console import FormCog

START = datetime(2035, 3, 14, 23, 0, tzinfo=UTC)  # 10:00 AEDT, Thursday 15 March 2035


@dataclass
class World:
    app: App
    kernel: Kernel
    clock: FakeClock
    console: ConsoleAdapter
    out: io.StringIO

    async def type(self, *lines: str) -> str:
        """Type lines as a person would; what the console printed meanwhile."""
        start = self.out.tell()
        for line in lines:
            try:
                await self.console.handle_line(line)
            except UserError as error:
                self.console.write(str(error))
            assert self.app.worker is not None
            await self.app.worker.run_once()  # what the line queued arrives before the next
        return self.out.getvalue()[start:]


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    clock = FakeClock(datetime(2035, 1, 4, 9, 0, tzinfo=UTC))
    settings = load_settings(
        None, environ={"PEERBOT_DATA_DIR": str(tmp_path), "PEERBOT_ADMINS": "console:you"}
    )
    app = App(settings, clock=clock)
    kernel = await app.start_without_worker()
    kernel.registry.add_cog(FormCog(kernel))
    out = io.StringIO()
    console = ConsoleAdapter(kernel, stdin=io.StringIO(""), stdout=out, interactive=False)
    app.start_worker([console.port])
    try:
        yield World(app, kernel, clock, console, out)
    finally:
        await app.stop()


async def _notice_posted(world: World) -> str:
    """A coordinator schedules a meeting; its notice goes out 14 days before."""
    await world.type(
        '/network create name:"South Coast" slug:south-coast',
        "/network role network:south-coast member:casey role:coordinator",
        "/as casey",
        "/network setup network:south-coast",
        "/manage meeting schedule date:2035-03-15 time:10:00 duration:120",
        "/as robin",
        "/network join network:south-coast",
        "/as sam",
        "/network join network:south-coast",
        "/as robin",
    )
    cog = world.kernel.cogs["meetings"]
    assert isinstance(cog, MeetingsCog)
    jobs = {j.key: j for j in await cog.jobs.planned_jobs(world.clock.now())}
    world.clock.set(START - timedelta(days=14))
    start = world.out.tell()
    await world.kernel.scheduler.run_job(jobs["meeting:1:2035-03-15:announce"])
    assert world.app.worker is not None
    await world.app.worker.run_once()
    return world.out.getvalue()[start:]


async def test_a_meeting_notice_in_a_channel_is_answered_by_its_number(world: World) -> None:
    posted = await _notice_posted(world)
    assert "[posted in #south-coast-announcements]" in posted
    assert "[1] Going" in posted and "Type a number to choose." in posted

    going = await world.type("1")  # robin, at the keyboard, sees the notice
    assert "Saved" in going, going
    assert "Going: 1, Maybe: 0, Can't go: 0" in going  # the notice, edited

    switched = await world.type("/as sam")  # sam has not answered it yet
    assert "A message with choices is waiting for your answer" in switched
    assert "posted in a channel" in switched
    maybe = await world.type("2")
    assert "Going: 1, Maybe: 1, Can't go: 0" in maybe

    again = await world.type("/as robin")  # robin answered: nothing waits for robin
    assert "waiting for your answer" not in again


async def test_a_command_reply_without_choices_still_stops_an_old_number(world: World) -> None:
    """The safety rule stays: after a reply of one's own, a number never presses an older
    button by surprise."""
    await _notice_posted(world)
    shown = await world.type("/help", "1")
    assert "There is nothing with that number to choose right now." in shown
    assert "Going: 1" not in shown


def _offer(text: str, payload: str) -> Reply:
    ping = ActionRef(action="formtest.ping", payload=payload)
    return Reply(text=text, private=True, buttons=[Button(label="Ping", action=ping)])


async def test_a_pending_invitation_is_not_lost_under_later_private_messages(
    world: World,
) -> None:
    port = world.console.port
    sam = UserRef(platform="console", id="sam", display_name="sam")
    await port.send_private(sam, _offer("Join the co-reflection?", "invite"), idempotency_key="a")
    await port.send_private(sam, Reply.private_text("A reminder."), idempotency_key="b")
    await port.send_private(sam, _offer("How are you today?", "checkin"), idempotency_key="c")

    shown = await world.type("/as sam")
    assert "2 messages with choices are waiting for your answer, newest first" in shown
    assert shown.index("How are you today?") < shown.index("Join the co-reflection?")
    assert "[1] Ping" in shown and "[2] Ping" in shown
    assert shown.count("Type a number to choose.") == 1

    assert "pong invite for sam" in await world.type("2")  # the older one, by its number
    left = await world.type("/as sam")
    assert "A message with choices is waiting for your answer" in left
    assert "Join the co-reflection?" not in left
    assert "pong checkin for sam" in await world.type("1")
    assert "waiting for your answer" not in await world.type("/as sam")
