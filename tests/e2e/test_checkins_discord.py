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
    welcome = await dm_to(fake, MEMBER)  # sent first, to check a DM reaches bob
    assert welcome["content"].startswith("Hello from peerbot."), welcome

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
    assert list(buttons(reply)) == [
        "Let my coordinator know",
        "Yes, help me reach a peer",
        "No, thank you",
        "Add a private note",
        "Change my answer",
    ]

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
    assert told["flags"] & EPHEMERAL
    assert told["content"].startswith("Sending this answer (Red), and nothing else, to your")
    notice = await dm_to(fake, COORDINATOR)
    assert notice["content"].startswith(f"<@{fake.user_id(MEMBER)}> asked peerbot to let you know")
    assert "Red" in notice["content"] and "Long week" not in notice["content"]
    sent = await dm_to(fake, MEMBER)  # only now that carol has it
    assert sent["content"].startswith(
        f"Sent: <@{fake.user_id(COORDINATOR)}> (coordinator of Coast) now has your check-in "
        "answer (Red) and nothing else."
    ), sent

    again = await click(fake, reply, "Let my coordinator know", MEMBER)
    assert again["content"].startswith("Your coordinator was already told about this answer")
    changed = await click(fake, prompt, "Green", MEMBER)  # the same day: it replaces Red
    assert changed["content"].startswith("Changed: your answer is now Green (it was Red).")
    assert "Your coordinator was told about your earlier answer (Red)" in changed["content"]
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
    bob_dm = fake.state.dm_by_user[fake.user_id(MEMBER)]
    [welcome] = fake.messages_in(bob_dm)  # only the welcome /checkin start sent
    assert welcome["content"].startswith("Hello from peerbot.")
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


# ---- issue 16: the truth about delivery, and input as people type it ----------------------


async def test_a_coordinator_with_closed_dms_makes_let_my_coordinator_know_say_so(
    world: Bot,
) -> None:
    fake = world.fake
    fake.close_dms(COORDINATOR)  # Discord answers 403, code 50007, to each message
    await opt_in(world)
    await dm_to(fake, MEMBER)  # the welcome
    now = await checkin(fake, "now", user=MEMBER)
    support = await click(fake, now, "Red", MEMBER)
    told = await click(fake, support, "Let my coordinator know", MEMBER)
    assert told["content"].startswith("Sending this answer (Red)"), told
    assert "Done" not in told["content"] and "Sent" not in told["content"]

    outcome = await dm_to(fake, MEMBER)
    carol = fake.user_id(COORDINATOR)
    assert outcome["content"].startswith(
        "Not sent: peerbot could not reach any coordinator of Coast, so nobody has been told "
        "about your answer (Red).\n"
        f"- <@{carol}>: they do not accept direct messages from this server."
    ), outcome
    assert "a peer you trust" in outcome["content"] and "/support" in outcome["content"]
    assert "your supervisor" in outcome["content"]
    assert list(buttons(outcome)) == ["Let my coordinator know"]
    carol_dm = fake.state.dm_by_user[carol]
    assert fake.messages_in(carol_dm) == []  # Discord refused it: carol has nothing
    refused = fake.requests_matching("POST", f"/channels/{carol_dm}/messages")
    assert len(refused) == 1  # 50007 is not tried again


async def test_checkin_start_takes_9_00_and_australia_perth(world: Bot) -> None:
    started = await checkin(
        world.fake,
        "start",
        {"day": "tuesday", "time": "9:00", "timezone": "australia/perth", "network": "coast"},
        user=MEMBER,
    )
    assert started["flags"] & EPHEMERAL
    assert "every week on Tuesday at 09:00 (Australia/Perth)" in started["content"], started
    assert "Tuesday 5 January 2027 at 09:00 AWST" in started["content"]
    evening = await checkin(
        world.fake,
        "start",
        {"day": "friday", "time": "9:00 pm", "timezone": "Perth", "network": "coast"},
        user=OTHERS[0],
    )
    assert "every week on Friday at 21:00 (Australia/Perth)" in evening["content"], evening


async def test_a_misspelt_time_zone_gets_a_suggestion_and_zones_are_suggested_as_typed(
    world: Bot,
) -> None:
    fake = world.fake
    refused = await checkin(
        fake,
        "start",
        {"day": "tuesday", "time": "9am", "timezone": "Sydny", "network": "coast"},
        user=MEMBER,
    )
    assert refused["flags"] & EPHEMERAL
    assert "you gave 'Sydny' (did you mean Australia/Sydney?)" in refused["content"], refused
    assert fake.user_id(MEMBER) not in fake.state.dm_by_user  # refused before any DM
    typing = await fake.send_autocomplete(
        "checkin",
        {"day": "tuesday", "time": "9am", "timezone": "per"},
        subcommand="start",
        focused="timezone",
        user=MEMBER,
    )
    callback = await typing.callback()
    assert callback["data"]["choices"][0] == {
        "name": "Australia/Perth - Western Australia (most areas)",
        "value": "Australia/Perth",
    }
    empty = await fake.send_autocomplete(
        "checkin", {"timezone": ""}, subcommand="settings", focused="timezone", user=MEMBER
    )
    shown = [c["value"] for c in (await empty.callback())["data"]["choices"]]
    assert shown[0] == "Australia/Sydney" and "Australia/Perth" in shown


async def test_closed_dms_at_checkin_start_save_nothing_and_say_how_to_open_them(
    world: Bot,
) -> None:
    fake = world.fake
    fake.close_dms(MEMBER)
    refused = await opt_in(world)
    assert refused["flags"] & EPHEMERAL
    text = refused["content"]
    assert text.startswith(
        "peerbot could not send you a private message (you do not accept direct messages "
        "from this server), and check-ins come only that way, so they were not started. "
        "Nothing was saved."
    ), refused
    assert "click this server's name" in text and "Privacy Settings" in text
    assert "switch on Direct Messages" in text
    bob_dm = fake.state.dm_by_user[fake.user_id(MEMBER)]
    assert fake.messages_in(bob_dm) == []
    settings = await checkin(fake, "settings", user=MEMBER)
    assert settings["content"].startswith("You have not started check-ins."), settings
    cog = world.bot.kernel.cogs["checkins"]
    assert isinstance(cog, CheckinsCog)
    assert [j for j in await cog.jobs.planned_jobs(NOW) if j.key.startswith("checkin:")] == []

    fake.state.dms_closed.clear()  # bob switches Direct Messages on and tries again
    started = await opt_in(world)
    assert started["content"].startswith("Check-ins are on (Coast)"), started
    assert fake.messages_in(bob_dm)[0]["content"].startswith("Hello from peerbot.")
