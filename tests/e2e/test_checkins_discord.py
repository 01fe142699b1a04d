"""Check-ins end to end on Discord (issue 8): the real discord.py client and the real peerbot
against the fake Discord. A member opts in; the prompt arrives by direct message at 09:00
Sydney time with a button per answer; Red gets the private support reply with 000 first and a
"Let my coordinator know" button, which tells the coordinator by DM once; pause and resume;
and the coordinator's summary shows totals only once five people answered."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FakeClock
from cogs.checkins.commands import CheckinsCog
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
from tests.e2e.test_reflection_discord import buttons
from tests.e2e.typed import current

MEMBER = "bob"
MODAL = 9
OTHERS = ("dave", "erin", "fay", "gus")
NOW = dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC)  # Monday 4 January 2027, 20:00 AEDT
FIRST = dt.datetime(2027, 1, 4, 22, 0, tzinfo=dt.UTC)  # Tuesday 5 January, 09:00 AEDT


@dataclass
class Bot:
    bot: PeerbotOnFake
    fake: FakeDiscord
    clock: FakeClock

    async def due(self, at: dt.datetime) -> None:
        """Run the check-in jobs due at ``at`` as the scheduler would; the real outbox worker
        then delivers through the real DiscordPort."""
        self.clock.set(at)
        cog = self.bot.kernel.cogs["checkins"]
        assert isinstance(cog, CheckinsCog)
        for job in await cog.jobs.planned_jobs(at):
            if job.run_at <= at and job.key.endswith(":prompt"):
                await self.bot.kernel.scheduler.run_job(job)


async def checkin(
    fake: FakeDiscord, sub: str, options: dict[str, Any] | None = None, **kwargs: Any
) -> dict[str, Any]:
    return await answer(await fake.send_command(current(f"checkin {sub}"), options, **kwargs))


async def click(
    fake: FakeDiscord, message: dict[str, Any], label: str, user: str
) -> dict[str, Any]:
    return await answer(await fake.click_button(buttons(message)[label], user=user))


@pytest.fixture
async def world(fake_discord: FakeDiscord, tmp_path: Path) -> AsyncIterator[Bot]:
    """Coast (Australia/Sydney) with carol as coordinator and five members."""
    clock = FakeClock(NOW)
    for name in OTHERS:
        fake_discord.add_user(name)
    bot = PeerbotOnFake(fake_discord, tmp_path, clock=clock)
    await bot.start()
    try:
        fake = fake_discord
        await create_coast(fake, members=(MEMBER, *OTHERS), timezone="Australia/Sydney")
        yield Bot(bot, fake, clock)
    finally:
        await bot.stop()


async def opt_in(w: Bot, user: str = MEMBER) -> dict[str, Any]:
    return await checkin(
        w.fake, "start", {"day": "tuesday", "time": "09:00", "network": "coast"}, user=user
    )


async def test_prompt_red_support_reply_and_the_coordinator_button(world: Bot) -> None:
    fake = world.fake
    started = await opt_in(world)
    assert started["flags"] & EPHEMERAL, started
    assert started["content"].startswith("Check-ins are on (Coast)"), started
    assert "Tuesday 5 January 2027 at 09:00 AEDT" in started["content"]
    assert "Only you see your check-ins and answers" in started["content"]

    await world.due(FIRST)
    prompt = await dm_to(fake, MEMBER)
    assert prompt["content"].startswith("Your check-in for Tuesday 5 January 2027 at 09:00 AEDT")
    assert list(buttons(prompt)) == ["Green", "Amber", "Red"]
    dm_channel = fake.state.dm_by_user[fake.user_id(MEMBER)]
    posts = fake.requests_matching("POST", "/channels/{id}/messages")
    about_checkins = [r for r in posts if "check-in" in str(r.json.get("content", ""))]
    assert about_checkins and all(
        r.path == f"/channels/{dm_channel}/messages" for r in about_checkins
    )  # nothing posted in a channel

    reply = await click(fake, prompt, "Red", MEMBER)
    assert reply["flags"] & EPHEMERAL, reply
    text = reply["content"]
    assert text.startswith("Thank you for telling me (Red).")
    first_line = next(line for line in text.splitlines() if ": call " in line)
    assert first_line.startswith("- Emergency") and "call 000" in first_line
    assert "nobody watches it around the clock" in text
    assert list(buttons(reply)) == ["Let my coordinator know", "Add a private note"]

    note = await fake.click_button(buttons(reply)["Add a private note"], user=MEMBER)
    opened = await note.callback()
    assert opened["type"] == MODAL, opened
    saved = await answer(
        await fake.submit_modal(
            opened["data"]["custom_id"], {"note": "Long week on the ward"}, user=MEMBER, dm=True
        )
    )
    assert saved["content"].startswith("Your note is saved with that answer."), saved

    told = await click(fake, reply, "Let my coordinator know", MEMBER)
    assert told["flags"] & EPHEMERAL and told["content"].startswith("Done: the coordinators")
    notice = await dm_to(fake, COORDINATOR)
    assert notice["content"].startswith(f"<@{fake.user_id(MEMBER)}> asked peerbot to let you know")
    assert "Red" in notice["content"] and "Long week" not in notice["content"]

    again = await click(fake, reply, "Let my coordinator know", MEMBER)
    assert again["content"].startswith("Your coordinator was already told about this answer")
    twice = await click(fake, prompt, "Green", MEMBER)
    assert twice["content"].startswith("You already answered this check-in (Red).")
    carol_dm = fake.state.dm_by_user[fake.user_id(COORDINATOR)]
    assert len(fake.requests_matching("POST", f"/channels/{carol_dm}/messages")) == 1


async def test_pause_and_resume(world: Bot) -> None:
    fake = world.fake
    await opt_in(world)
    past = await checkin(fake, "pause", {"until": "2027-01-01"}, user=MEMBER)
    assert past["flags"] & EPHEMERAL and "must be after today" in past["content"]
    paused = await checkin(fake, "pause", {"until": "2027-01-20"}, user=MEMBER)
    assert paused["content"].startswith("Paused."), paused
    assert "Next check-in: Tuesday 26 January 2027 at 09:00 AEDT" in paused["content"]
    await world.due(FIRST)
    await checkin(fake, "settings", user=MEMBER)  # a round trip: a prompt would be out by now
    assert fake.user_id(MEMBER) not in fake.state.dm_by_user
    resumed = await checkin(fake, "resume", user=MEMBER)
    assert resumed["content"].startswith("Resumed."), resumed
    assert "Next check-in: Tuesday 12 January 2027 at 09:00 AEDT" in resumed["content"]


async def test_summary_shows_totals_only_once_five_people_answered(world: Bot) -> None:
    fake = world.fake
    people = (MEMBER, *OTHERS)
    for who in people:
        await opt_in(world, who)
    for who in people[:4]:
        now = await checkin(fake, "now", user=who)
        assert (await click(fake, now, "Green", who))["content"].startswith("Thank you.")
    few = await checkin(fake, "summary", {"network": "coast"}, user=COORDINATOR)
    assert few["flags"] & EPHEMERAL
    assert few["content"].startswith("Too few people answered check-ins in Coast"), few
    assert "Green" not in few["content"]
    with pytest.raises(CommandNotShown):  # a member's menu has no /manage
        await checkin(fake, "summary", {"network": "coast"}, user=MEMBER)

    now = await checkin(fake, "now", user=people[4])
    await click(fake, now, "Amber", people[4])
    world.clock.advance(dt.timedelta(days=7))  # whole weeks: this week's answers count Monday
    totals = await checkin(fake, "summary", {"network": "coast"}, user=COORDINATOR)
    assert totals["content"].startswith(
        "Check-in totals for Coast, the last 4 weeks: 5 people answered 5 times."
    ), totals
    assert "- Traffic light: Green: 4, Amber: 1, Red: 0" in totals["content"]
