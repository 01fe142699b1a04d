"""Meetings across restarts, downtime and leaving, on the fake Discord (issue 15, items 4 to 6):
the real peerbot and discord.py with a FakeClock the test sets.

- A meeting's Scheduled Event is made when the meeting before it ends (the first one's at
  once). A bot down at that moment and started before Discord has sent the server (at READY
  the servers are unavailable and come later in GUILD_CREATE) makes it once the server
  arrives; a restart makes no second one, and neither does a crash between Discord making it
  and peerbot recording it.
- A bot down over both reminders sends one, worded for the time left.
- A member who left gets no reminder, is not listed as Going, and is told once that their
  check-ins stopped.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.platforms.discord.port import DiscordPort
from cogs.checkins.service import WELCOME
from cogs.meetings.commands import MeetingsCog
from tests.e2e.fakediscord import FakeDiscord
from tests.e2e.peerbot_on_fake import PeerbotOnFake
from tests.e2e.test_checkins_discord import checkin
from tests.e2e.test_meetings_discord import meeting_cmd
from tests.e2e.test_networks_discord import COORDINATOR, answer, create_coast, dm_to, run

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
START = datetime(2027, 3, 9, 23, 0, tzinfo=UTC)  # 10:00 AEDT on Wednesday 10 March 2027
OCCURRENCE = "2027-03-10"
ANNOUNCE = START - timedelta(days=14)
DAY_BEFORE = START - timedelta(days=1)
END = START + timedelta(hours=2)
JUNE = "2027-06-10"
JUNE_START = datetime(2027, 6, 10, 0, 0, tzinfo=UTC)  # 10:00 AEST
GOING, MAYBE = "bob", "dave"
WHEN = "Wednesday 10 March 2027, 10:00 to 12:00 AEDT"


class ProcessDied(BaseException):
    """kill -9: the mirror catches only Exception, so nothing after it runs."""


@dataclass
class Coast:
    """Coast with a quarterly meeting on 10 March; bots started on one data folder."""

    fake: FakeDiscord
    clock: FakeClock
    data_dir: Path
    series_id: int = 0
    running: list[PeerbotOnFake] = field(default_factory=list)

    @property
    def bot(self) -> PeerbotOnFake:
        return self.running[-1]

    @property
    def announcements(self) -> int:
        return self.fake.channel_id("coast-announcements")

    async def start(self) -> PeerbotOnFake:
        bot = PeerbotOnFake(self.fake, self.data_dir, clock=self.clock)
        self.running.append(bot)
        await bot.start()
        return bot

    async def stop(self) -> None:
        while self.running:
            await self.running.pop().stop()

    async def run_job(self, kind: str, occurrence: str = OCCURRENCE) -> None:
        cog = self.bot.kernel.cogs["meetings"]
        assert isinstance(cog, MeetingsCog)
        jobs = {j.key: j for j in await cog.jobs.planned_jobs(self.clock.now())}
        await self.bot.kernel.scheduler.run_job(jobs[self.key(kind, occurrence)])

    def key(self, kind: str, occurrence: str = OCCURRENCE) -> str:
        return f"meeting:{self.series_id}:{occurrence}:{kind}"

    async def until(self, what: str, check: Callable[[], Awaitable[bool]]) -> None:
        """Wait for work the bot does on its own (a job run late at start)."""
        for _ in range(500):
            if await check():
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"never: {what}")

    async def job_done(self, kind: str, occurrence: str = OCCURRENCE) -> bool:
        row = await self.bot.kernel.db.fetch_one(
            "SELECT outcome FROM scheduled_runs WHERE key = ?", (self.key(kind, occurrence),)
        )
        return row is not None

    async def events_made(self, count: int) -> None:
        async def made() -> bool:
            return len(self.fake.guild.scheduled_events) >= count

        await self.until(f"{count} event(s) made", made)

    def event_starts(self) -> list[str]:
        return sorted(e["scheduled_start_time"] for e in self.fake.guild.scheduled_events.values())

    def event_posts(self) -> list[Any]:
        return self.fake.requests_matching("POST", f"/guilds/{self.fake.guild_id}/scheduled-events")


@pytest.fixture
async def coast(fake_discord: FakeDiscord, tmp_path: Path) -> AsyncIterator[Coast]:
    world = Coast(fake_discord, FakeClock(NOW), tmp_path)
    fake_discord.add_user(MAYBE)
    await world.start()
    try:
        await create_coast(fake_discord, members=(GOING, MAYBE), timezone="Australia/Sydney")
        scheduled = await meeting_cmd(
            fake_discord,
            "schedule",
            {"network": "coast", "date": OCCURRENCE, "time": "10:00", "duration": 120},
            user=COORDINATOR,
        )
        assert scheduled["content"].startswith("Scheduled "), scheduled
        world.series_id = int(scheduled["content"].split("(series number ")[1].split(")")[0])
        yield world
    finally:
        await world.stop()


async def rsvp(world: Coast, who: str, choice: str) -> None:
    custom_id = f"pb:b:meeting.rsvp|{world.series_id}:{OCCURRENCE}:{choice}"
    reply = await answer(await world.fake.click_button(custom_id, user=who))
    assert reply["content"].startswith("Saved: "), reply


async def test_a_bot_down_when_a_meeting_ended_makes_the_next_event_once_the_server_arrives(
    coast: Coast,
) -> None:
    fake = coast.fake
    await coast.events_made(1)  # the first meeting's event: made when it was scheduled
    assert coast.event_starts() == [START.isoformat()]
    await coast.stop()
    coast.clock.set(END + timedelta(hours=3))  # down when the March meeting ended
    fake.gateway.hold_guilds = True  # Discord sends the server only after READY
    bot = await coast.start()
    await coast.until("June's event job ran late", lambda: coast.job_done("event", JUNE))
    assert coast.event_starts() == [START.isoformat()]  # the server is not there yet
    assert len(coast.event_posts()) == 1

    await fake.release_guilds()  # GUILD_CREATE: now June's event can be made
    await coast.events_made(2)
    assert bot.client is not None
    await asyncio.wait_for(bot.client.roles_reconciled.wait(), 5)
    assert coast.event_starts() == [START.isoformat(), JUNE_START.isoformat()]
    june = [
        e
        for e in fake.guild.scheduled_events.values()
        if e["scheduled_start_time"] == JUNE_START.isoformat()
    ]
    assert [e["name"] for e in june] == ["Coast meeting"]

    await coast.stop()  # a restart, with the server sent at once this time
    restarted = await coast.start()
    assert restarted.client is not None
    await asyncio.wait_for(restarted.client.roles_reconciled.wait(), 5)
    await meeting_cmd(fake, "next", {"network": "coast"}, user=GOING)  # a round trip
    assert len(coast.event_posts()) == 2
    assert len(fake.guild.scheduled_events) == 2


async def test_an_event_made_just_before_a_crash_is_found_not_made_again(
    coast: Coast, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = coast.fake
    await coast.events_made(1)
    original = DiscordPort.create_event

    async def dies_after_discord_made_it(self: DiscordPort, spec: Any) -> str | None:
        await original(self, spec)
        raise ProcessDied

    monkeypatch.setattr(DiscordPort, "create_event", dies_after_discord_made_it)
    coast.clock.set(END + timedelta(minutes=1))  # March is over: June's event is due
    with pytest.raises(ProcessDied):
        await coast.run_job("event", JUNE)
    assert len(fake.guild.scheduled_events) == 2
    monkeypatch.undo()
    await coast.stop()

    restarted = await coast.start()  # the event job was not recorded: it runs again
    looked = await fake.wait_for_request("GET", f"/guilds/{fake.guild_id}/scheduled-events")
    assert looked.status == 200
    assert restarted.client is not None
    await asyncio.wait_for(restarted.client.roles_reconciled.wait(), 5)
    await coast.until("the event job ran again", lambda: coast.job_done("event", JUNE))
    assert len(coast.event_posts()) == 2
    assert len(fake.guild.scheduled_events) == 2
    (event,) = [
        e
        for e in fake.guild.scheduled_events.values()
        if e["scheduled_start_time"] == JUNE_START.isoformat()
    ]
    kept = await restarted.kernel.platform_state.get(
        f"meeting-event:{coast.series_id}:{JUNE}:discord:{fake.guild_id}"
    )
    assert kept is not None and f'"id": "{event["id"]}"' in kept


async def test_a_bot_down_over_both_reminders_sends_one_worded_for_the_time_left(
    coast: Coast,
) -> None:
    fake = coast.fake
    coast.clock.set(ANNOUNCE)
    await coast.run_job("announce")
    await fake.wait_for_request("POST", f"/channels/{coast.announcements}/messages")
    await rsvp(coast, GOING, "going")
    await coast.stop()

    coast.clock.set(START - timedelta(minutes=20))  # down over the day-before and 2-hour times
    await coast.start()
    reminder = await dm_to(fake, GOING)
    assert f"is today, {WHEN}. It starts <t:{int(START.timestamp())}:R>." in reminder["content"]
    assert "tomorrow" not in reminder["content"]
    await coast.until("the reminder job ran", lambda: coast.job_done("reminder-2h"))
    await meeting_cmd(fake, "next", {"network": "coast"}, user=GOING)  # a round trip
    dm = fake.state.dm_by_user[fake.user_id(GOING)]
    assert [m["content"] for m in fake.messages_in(dm)] == [reminder["content"]]
    skipped = await coast.bot.kernel.db.fetch_one(
        "SELECT outcome FROM scheduled_runs WHERE key = ?", (coast.key("reminder-1d"),)
    )
    assert skipped is not None and skipped["outcome"] == "skipped"


async def test_a_member_who_left_gets_nothing_and_is_not_listed_as_going(coast: Coast) -> None:
    fake = coast.fake
    coast.clock.set(ANNOUNCE)
    await coast.run_job("announce")
    posted = await fake.wait_for_request("POST", f"/channels/{coast.announcements}/messages")
    notice_path = f"/channels/{coast.announcements}/messages/{posted.response['id']}"
    await rsvp(coast, GOING, "going")
    await rsvp(coast, MAYBE, "maybe")
    started = await checkin(
        fake, "start", {"day": "tuesday", "time": "09:00", "network": "coast"}, user=GOING
    )
    assert started["content"].startswith("Check-ins are on (Coast)"), started

    left = await run(fake, "leave", {"network": "coast"}, user=GOING)
    assert left["content"].startswith("You have left Coast."), left
    assert left["content"].count("Your wellbeing check-ins have stopped too") == 1
    redrawn = [r.json for r in fake.requests_matching("PATCH", notice_path)]
    assert redrawn[-1]["embeds"][0]["footer"]["text"] == "Going: 0, Maybe: 1, Can't go: 0"
    listed = await meeting_cmd(fake, "attendees", {"network": "coast"}, user=COORDINATOR)
    assert "Going (0): nobody" in listed["content"], listed
    assert str(fake.user_id(GOING)) not in listed["content"]

    coast.clock.set(DAY_BEFORE)
    await coast.run_job("reminder-1d")
    told = await dm_to(fake, MAYBE)
    assert f"is tomorrow, {WHEN}." in told["content"]
    await meeting_cmd(fake, "next", {"network": "coast"}, user=MAYBE)  # a round trip
    dm = fake.state.dm_by_user[fake.user_id(GOING)]
    assert [m["content"] for m in fake.messages_in(dm)] == [WELCOME]  # no reminder, no check-in
    settings = await checkin(fake, "settings", user=GOING)
    assert "not started check-ins" in settings["content"], settings
