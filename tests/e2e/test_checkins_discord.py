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
    # People first, then the lines: 000 once, as "000 (emergency)", and no "police".
    lines = text.split("these lines are open 24 hours a day:\n")[1].splitlines()
    assert lines[0] == "- 000 (emergency), if you or someone else is in danger now;"
    assert lines[1].startswith("- Lifeline: call 13 11 14")
    assert text.index("- a peer you trust, or your peer supervisor;") < text.index(lines[0])
    assert text.count("000") == 1 and "police" not in text.lower()
    assert "nobody watches it around the clock" in text
    assert list(buttons(reply)) == [
        "Let someone know",
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

    told = await tell_coordinator(fake, reply, "Text me after 5pm")
    assert told["flags"] & EPHEMERAL
    assert told["content"].startswith("Sending this answer (Red), and nothing else, to your")
    notice = await dm_to(fake, COORDINATOR)
    assert notice["content"].startswith(f"<@{fake.user_id(MEMBER)}> asked peerbot to let you know")
    assert "Red" in notice["content"] and "Long week" not in notice["content"]
    assert 'How to reach them, in their words: "Text me after 5pm"' in notice["content"]
    sent = await dm_to(fake, MEMBER)  # only now that carol has it
    assert sent["content"].startswith(
        f"Sent: <@{fake.user_id(COORDINATOR)}> (coordinator of Coast) now has your check-in "
        "answer (Red) and nothing else."
    ), sent
    await seen_once(fake, notice)

    again = await tell_coordinator(fake, reply)
    assert again["content"].startswith("Your coordinator was already told about this answer")
    changed = await click(fake, prompt, "Green", MEMBER)  # the same day: it replaces Red
    assert changed["content"].startswith("Changed: your answer is now Green (it was Red).")
    assert "Your coordinator was told about your earlier answer (Red)" in changed["content"]
    carol_dm = fake.state.dm_by_user[fake.user_id(COORDINATOR)]
    assert len(fake.requests_matching("POST", f"/channels/{carol_dm}/messages")) == 1


async def seen_once(fake: FakeDiscord, notice: dict[str, Any]) -> None:
    """carol presses "I have seen this" in her direct messages; bob is told, once."""
    thanked = await click(fake, notice, "I have seen this", COORDINATOR)
    assert thanked["content"] == (
        f"Thank you. <@{fake.user_id(MEMBER)}> will be told that you have seen it."
    ), thanked
    seen = await dm_to(fake, MEMBER)
    assert seen["content"] == (
        f"<@{fake.user_id(COORDINATOR)}> has seen your message about your check-in answer."
    ), seen
    twice = await click(fake, notice, "I have seen this", COORDINATOR)
    assert twice["content"].startswith("You have already said you have seen this")


async def tell_coordinator(
    fake: FakeDiscord, reply: dict[str, Any], reach: str = ""
) -> dict[str, Any]:
    """Let someone know, then My coordinator: a modal with the line on how to reach bob."""
    choice = await click(fake, reply, "Let someone know", MEMBER)
    assert list(buttons(choice)) == ["My coordinator", "A peer I choose"], choice
    handle = await fake.click_button(buttons(choice)["My coordinator"], user=MEMBER)
    opened = await handle.callback()
    if opened["type"] != MODAL:  # refused before the form: nobody could be told
        assert opened["data"]["flags"] & EPHEMERAL, opened
        refused: dict[str, Any] = opened["data"]
        return refused
    return await answer(
        await fake.submit_modal(opened["data"]["custom_id"], {"reach": reach}, user=MEMBER, dm=True)
    )


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
        "Check-in totals for Coast, the last 4 weeks: 5 people answered. Totals count people, "
        "never answers"
    ), totals
    assert "times" not in totals["content"].splitlines()[0]
    assert (
        "- Doing ok: 5 or more\n- Finding it hard at least once: fewer than 5"
        in (totals["content"])
    )


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
    told = await tell_coordinator(fake, support)
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
    assert list(buttons(outcome)) == ["Let someone know"]
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


# ---- issue 20: replies in proportion, a chosen peer, /checkin now closes the day ----------


async def test_a_chosen_peer_is_asked_first_sees_it_after_yes_and_says_seen(world: Bot) -> None:
    fake = world.fake
    await opt_in(world)
    await dm_to(fake, MEMBER)  # the welcome
    now = await checkin(fake, "now", user=MEMBER)
    support = await click(fake, now, "Red", MEMBER)
    choice = await click(fake, support, "Let someone know", MEMBER)
    how = await click(fake, choice, "A peer I choose", MEMBER)
    assert how["flags"] & EPHEMERAL
    assert (
        "type /checkin tell peer:THEIR-NAME (on Discord, choose them from the list"
        in (how["content"])
    )
    peer = OTHERS[0]
    asked = await checkin(
        fake, "tell", {"peer": peer, "reach": "Call me after my shift"}, user=MEMBER
    )
    assert asked["flags"] & EPHEMERAL
    assert asked["content"].startswith(
        f"Asked: <@{fake.user_id(peer)}> is asked privately whether they can take on your "
        "latest check-in answer (Red)."
    ), asked
    request = await dm_to(fake, peer)
    assert request["content"].startswith(
        f"<@{fake.user_id(MEMBER)}>, a peer in Coast, would like to let you know privately"
    ), request
    assert "Red" not in request["content"] and "shift" not in request["content"]
    assert list(buttons(request)) == ["Yes, show me", "Not now"]
    shown = await click(fake, request, "Yes, show me", peer)
    assert shown["flags"] & EPHEMERAL
    assert "their wellbeing check-in answer was: Red." in shown["content"], shown
    assert 'How to reach them, in their words: "Call me after my shift"' in shown["content"]
    await click(fake, shown, "I have seen this", peer)
    seen = await dm_to(fake, MEMBER)
    assert seen["content"] == (
        f"<@{fake.user_id(peer)}> has seen your message about your check-in answer."
    ), seen
    carol_dm = fake.state.dm_by_user.get(fake.user_id(COORDINATOR))
    assert carol_dm is None or fake.messages_in(carol_dm) == []  # the coordinator: nothing


async def test_a_peer_saying_not_now_and_someone_outside_the_network(world: Bot) -> None:
    fake = world.fake
    fake.add_user("zed")  # on the server, not in Coast
    await opt_in(world)
    await dm_to(fake, MEMBER)
    now = await checkin(fake, "now", user=MEMBER)
    await click(fake, now, "Red", MEMBER)
    outside = await checkin(fake, "tell", {"peer": "zed"}, user=MEMBER)
    assert outside["content"].startswith("That person is not a member of Coast"), outside
    assert fake.user_id("zed") not in fake.state.dm_by_user
    peer = OTHERS[1]
    await checkin(fake, "tell", {"peer": peer}, user=MEMBER)
    request = await dm_to(fake, peer)
    declined = await click(fake, request, "Not now", peer)
    assert declined["content"].startswith("Thank you for saying so."), declined
    told = await dm_to(fake, MEMBER)
    assert told["content"].startswith(
        f"<@{fake.user_id(peer)}> cannot take this on right now, and saw nothing of your answer."
    ), told


async def test_burnout_gets_rest_and_peers_and_amber_one_gentle_line(world: Bot) -> None:
    fake = world.fake
    await checkin(
        fake,
        "start",
        {"day": "tuesday", "time": "09:00", "network": "coast", "scale": "burnout"},
        user=MEMBER,
    )
    now = await checkin(fake, "now", user=MEMBER)
    burnout = await click(
        fake, now, "3: I am burning out: one or more symptoms, such as exhaustion", MEMBER
    )
    text = burnout["content"]
    assert text.startswith("Thank you for telling me (burning out). That sounds like a tiring")
    for words in ("- rest:", "- a peer you trust", "- peer supervision", "- your workload"):
        assert words in text
    assert text.count("employee assistance programme (EAP)") == 1
    assert "000" not in text and "Lifeline" not in text and "3 of 5" not in text
    await opt_in(world, OTHERS[2])
    amber = await click(fake, await checkin(fake, "now", user=OTHERS[2]), "Amber", OTHERS[2])
    assert amber["content"].endswith(
        "Weeks like this happen. If it would help, take a little rest, or have a word with a "
        "peer you trust before it builds up."
    ), amber


async def test_checkin_now_closes_that_days_check_in_on_discord(world: Bot) -> None:
    fake = world.fake
    await opt_in(world)
    await dm_to(fake, MEMBER)  # the welcome
    world.clock.set(FIRST - dt.timedelta(hours=2))  # 07:00 on the Tuesday in Sydney
    now = await checkin(fake, "now", user=MEMBER)
    assert (await click(fake, now, "Green", MEMBER))["content"].startswith("Thank you.")
    cog = world.bot.kernel.cogs["checkins"]
    assert isinstance(cog, CheckinsCog)
    for at in (FIRST, FIRST + dt.timedelta(days=1)):  # the prompt, then the reminder
        world.clock.set(at)
        for job in await cog.jobs.planned_jobs(at):
            if job.run_at == at:
                await world.bot.kernel.scheduler.run_job(job)
    await checkin(fake, "settings", user=MEMBER)  # a round trip: a prompt would be out by now
    bob_dm = fake.state.dm_by_user[fake.user_id(MEMBER)]
    [welcome] = fake.messages_in(bob_dm)  # no prompt, no reminder
    assert welcome["content"].startswith("Hello from peerbot.")
