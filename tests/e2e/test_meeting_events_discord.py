"""Meetings and Discord's own event, and what the best event bots do (issue 15, items 10
and 11), on the fake Discord: the real peerbot and discord.py, the bot holding only the
permissions the README's invite asks for (not Administrator), and a FakeClock the test sets.

- Interested on the meeting's Scheduled Event counts as Maybe for members of the network
  (GUILD_SCHEDULED_EVENT_USER_ADD/REMOVE), on the notice, in the attendees list and for the
  reminders; an answer on the notice wins over it; presses made while peerbot was down are
  counted at start from Discord's list of the event's users.
- The notice mentions the network's member role, and that mention is live (Mention Everyone
  in the invite); the network can turn it off, and can choose no Discord event at all, which
  deletes the one made.
- "Starting now" in the announcements channel at the start, with the link, once.
- Reminders carry the answer buttons ("Can't make it now").
- A capacity with a waitlist that moves up; the person moved up is told privately.
- A notice or an event refused for a missing permission is told to the coordinators, once.
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
from cogs.meetings.commands import MeetingsCog
from tests.e2e.fakediscord import FakeDiscord
from tests.e2e.fakediscord.payloads import Json
from tests.e2e.peerbot_on_fake import PeerbotOnFake
from tests.e2e.test_meetings_discord import meeting_cmd
from tests.e2e.test_networks_discord import COORDINATOR, answer, create_coast, dm_to
from tests.e2e.test_staff_menu_discord import INVITE, set_bot_permissions
from tests.e2e.typed import current

NOW = datetime(2035, 1, 4, 9, 0, tzinfo=UTC)
START = datetime(2035, 3, 13, 23, 0, tzinfo=UTC)  # 10:00 AEDT on Wednesday 14 March 2035
OCCURRENCE = "2035-03-14"
ANNOUNCE = START - timedelta(days=14)
DAY_BEFORE = START - timedelta(days=1)
LINK = "https://meet.example.org/coast"
GOING, MAYBE, OUTSIDER = "bob", "dave", "zed"
CREATE_EVENTS = 1 << 44


@dataclass
class Coast:
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

    @property
    def member_role(self) -> int:
        return next(
            int(r["id"]) for r in self.fake.guild.roles.values() if r["name"] == "Coast member"
        )

    async def start(self) -> PeerbotOnFake:
        bot = PeerbotOnFake(self.fake, self.data_dir, clock=self.clock)
        self.running.append(bot)
        await bot.start()
        return bot

    async def stop(self) -> None:
        while self.running:
            await self.running.pop().stop()

    async def run_job(self, kind: str, at: datetime) -> None:
        self.clock.set(at)
        cog = self.bot.kernel.cogs["meetings"]
        assert isinstance(cog, MeetingsCog)
        jobs = {j.key: j for j in await cog.jobs.planned_jobs(self.clock.now())}
        await self.bot.kernel.scheduler.run_job(
            jobs[f"meeting:{self.series_id}:{OCCURRENCE}:{kind}"]
        )

    async def until(self, what: str, check: Callable[[], Awaitable[bool] | bool]) -> None:
        for _ in range(500):
            found = check()
            if found if isinstance(found, bool) else await found:
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"never: {what}")

    async def event(self) -> Json:
        await self.until("the event is made", lambda: bool(self.fake.guild.scheduled_events))
        (event,) = self.fake.guild.scheduled_events.values()
        return event

    async def announce(self) -> Json:
        await self.run_job("announce", ANNOUNCE)
        posted = await self.fake.wait_for_request(
            "POST", f"/channels/{self.announcements}/messages"
        )
        assert posted.status == 200, posted.response
        return self.fake.state.messages[int(posted.response["id"])]

    def footer(self, notice: Json) -> str:
        shown = self.fake.state.messages[int(notice["id"])]
        return str(shown["embeds"][0]["footer"]["text"])

    async def footer_becomes(self, notice: Json, text: str) -> None:
        await self.until(f"the notice shows {text!r}", lambda: self.footer(notice) == text)

    def custom_id(self, choice: str) -> str:
        return f"pb:b:meeting.rsvp|{self.series_id}:{OCCURRENCE}:{choice}"

    async def click(self, notice: Json, who: str, choice: str) -> str:
        handle = await self.fake.click_button(self.custom_id(choice), message=notice, user=who)
        return str((await answer(handle))["content"])


@pytest.fixture
async def coast(fake_discord: FakeDiscord, tmp_path: Path) -> AsyncIterator[Coast]:
    set_bot_permissions(fake_discord, INVITE)  # what the invite asks for, not Administrator
    world = Coast(fake_discord, FakeClock(NOW), tmp_path)
    fake_discord.add_user(MAYBE)
    fake_discord.add_user(OUTSIDER)  # in the server, not in the network
    await world.start()
    try:
        await create_coast(fake_discord, members=(GOING, MAYBE), timezone="Australia/Sydney")
        scheduled = await meeting_cmd(
            fake_discord,
            "schedule",
            {
                "network": "coast",
                "date": OCCURRENCE,
                "time": "10:00",
                "duration": 120,
                "link": LINK,
            },
            user=COORDINATOR,
        )
        assert scheduled["content"].startswith("Scheduled "), scheduled
        world.series_id = int(scheduled["content"].split("(series number ")[1].split(")")[0])
        yield world
    finally:
        await world.stop()


async def manage(fake: FakeDiscord, sub: str, options: dict[str, Any]) -> str:
    handle = await fake.send_command(current(f"manage meeting {sub}"), options, user=COORDINATOR)
    return str((await answer(handle))["content"])


async def round_trip(coast: Coast, who: str = GOING) -> None:
    """A command answered: what the gateway sent before it has been handled."""
    await meeting_cmd(coast.fake, "next", {"network": "coast"}, user=who)


async def test_interested_counts_as_maybe_for_members_and_an_answer_wins(coast: Coast) -> None:
    fake = coast.fake
    event = await coast.event()  # made at once: there is no meeting before this one
    notice = await coast.announce()
    assert coast.footer(notice) == "Going: 0, Maybe: 0, Can't go: 0"

    assert await fake.press_interested(MAYBE, event["id"]) == 1  # the bot has the intent
    await coast.footer_becomes(notice, "Going: 0, Maybe: 1, Can't go: 0")
    await fake.press_interested(OUTSIDER, event["id"])  # not in the network: not counted
    await round_trip(coast)
    assert coast.footer(notice) == "Going: 0, Maybe: 1, Can't go: 0"
    listed = await manage(fake, "attendees", {"network": "coast"})
    assert f"Maybe (1): <@{fake.user_id(MAYBE)}>" in listed, listed
    assert str(fake.user_id(OUTSIDER)) not in listed

    # An answer on the notice wins: taking Interested back afterwards leaves it.
    assert (await coast.click(notice, MAYBE, "no")).startswith("Saved: Can't go")
    await coast.footer_becomes(notice, "Going: 0, Maybe: 0, Can't go: 1")
    await fake.press_interested(MAYBE, event["id"], interested=False)
    await round_trip(coast)
    assert coast.footer(notice) == "Going: 0, Maybe: 0, Can't go: 1"

    # Interested only, then taken back: the Maybe goes with it.
    await fake.press_interested(GOING, event["id"])
    await coast.footer_becomes(notice, "Going: 0, Maybe: 1, Can't go: 1")
    await fake.press_interested(GOING, event["id"], interested=False)
    await coast.footer_becomes(notice, "Going: 0, Maybe: 0, Can't go: 1")

    # Interested people get the reminders, which carry the buttons to change the answer.
    await fake.press_interested(GOING, event["id"])
    await coast.footer_becomes(notice, "Going: 0, Maybe: 1, Can't go: 1")
    await coast.run_job("reminder-1d", DAY_BEFORE)
    reminder = await dm_to(fake, GOING)
    assert "A reminder: the Coast meeting is tomorrow" in reminder["content"]
    labels = [b["label"] for row in reminder["components"] for b in row["components"]]
    assert labels == ["Going", "Maybe", "Can't make it now"]
    dm = fake.state.dm_by_user[fake.user_id(GOING)]
    (sent,) = fake.messages_in(dm)
    assert (await coast.click(sent, GOING, "no")).startswith("Saved: Can't go")
    await coast.footer_becomes(notice, "Going: 0, Maybe: 0, Can't go: 2")
    await round_trip(coast, MAYBE)
    assert fake.user_id(MAYBE) not in fake.state.dm_by_user  # Can't go: no reminder


async def test_interested_while_peerbot_was_down_is_counted_at_start(coast: Coast) -> None:
    fake = coast.fake
    event = await coast.event()
    notice = await coast.announce()
    await fake.press_interested(GOING, event["id"])
    await coast.footer_becomes(notice, "Going: 0, Maybe: 1, Can't go: 0")
    await coast.stop()

    # While down: dave presses Interested, bob takes his back; no gateway event reaches
    # anyone, so only Discord's list of the event's users says so.
    assert await fake.press_interested(MAYBE, event["id"]) == 0
    assert await fake.press_interested(GOING, event["id"], interested=False) == 0
    await coast.start()
    listed = await fake.wait_for_request(
        "GET", f"/guilds/{fake.guild_id}/scheduled-events/{event['id']}/users"
    )
    assert listed.status == 200
    await coast.footer_becomes(notice, "Going: 0, Maybe: 1, Can't go: 0")
    attendees = await manage(fake, "attendees", {"network": "coast"})
    assert f"Maybe (1): <@{fake.user_id(MAYBE)}>" in attendees, attendees


async def test_the_notice_mentions_the_member_role_once_and_the_network_can_turn_it_off(
    coast: Coast,
) -> None:
    fake = coast.fake
    notice = await coast.announce()
    role = coast.member_role
    assert notice["content"] == f"<@&{role}>"
    assert notice["mention_roles"] == [str(role)]  # live, with the bot's invite permissions
    (posted,) = fake.requests_matching("POST", f"/channels/{coast.announcements}/messages")
    allowed = posted.json["allowed_mentions"]
    assert [str(r) for r in allowed["roles"]] == [str(role)] and not allowed.get("parse")
    assert not allowed.get("users")

    said = await manage(fake, "settings", {"network": "coast", "mention": "off"})
    assert "notices mention nobody" in said, said
    await coast.until(
        "the notice no longer mentions the role",
        lambda: not fake.state.messages[int(notice["id"])]["content"],
    )
    fake.assert_pings_only(roles=[role])


async def test_no_discord_event_deletes_the_event_and_says_why(coast: Coast) -> None:
    fake = coast.fake
    event = await coast.event()
    shown = await manage(fake, "settings", {"network": "coast"})
    assert "which Discord shows to everyone in the server, not only the network" in shown
    said = await manage(fake, "settings", {"network": "coast", "discord_event": "off"})
    assert "meetings are not shown as Discord events" in said, said
    deleted = await fake.wait_for_request(
        "DELETE", f"/guilds/{fake.guild_id}/scheduled-events/{event['id']}"
    )
    assert deleted.status == 204
    assert fake.guild.scheduled_events == {}

    notice = await coast.announce()  # the notice still goes out, with no event
    assert notice["embeds"][0]["title"] == "Coast meeting"
    await round_trip(coast)
    assert fake.guild.scheduled_events == {}
    assert len(fake.requests_matching("POST", f"/guilds/{fake.guild_id}/scheduled-events")) == 1


async def test_starting_now_is_posted_once_with_the_link(coast: Coast) -> None:
    fake = coast.fake
    await coast.announce()
    await coast.run_job("starting", START)
    posted = await fake.wait_for_request("POST", f"/channels/{coast.announcements}/messages")
    assert posted.json["content"].startswith(
        "Starting now: Coast meeting, 10:00 to 12:00 AEDT.\nJoin online: " + LINK
    )
    await coast.stop()
    coast.clock.set(START + timedelta(minutes=10))
    await coast.start()  # a restart during the meeting posts nothing again
    await round_trip(coast)
    starts = [m for m in fake.messages_in(coast.announcements) if "Starting now" in m["content"]]
    assert len(starts) == 1


async def test_a_full_meeting_has_a_waitlist_that_moves_up(coast: Coast) -> None:
    fake = coast.fake
    notice = await coast.announce()
    said = await manage(fake, "capacity", {"network": "coast", "places": 1})
    assert "has 1 place. Going: 0." in said, said
    assert (await coast.click(notice, GOING, "going")).startswith("Saved: Going")
    await coast.footer_becomes(notice, "Going: 1 of 1 (full), Maybe: 0, Can't go: 0")
    waiting = await coast.click(notice, MAYBE, "going")
    assert "it is full, so you are number 1 on the waitlist" in waiting, waiting
    await coast.footer_becomes(notice, "Going: 1 of 1 (full, waitlist 1), Maybe: 0, Can't go: 0")
    listed = await manage(fake, "attendees", {"network": "coast"})
    assert f"Waitlist (1, in order): 1. <@{fake.user_id(MAYBE)}>" in listed, listed

    assert (await coast.click(notice, GOING, "no")).startswith("Saved: Can't go")
    told = await dm_to(fake, MAYBE)
    assert told["content"].startswith("A place opened at the Coast meeting on ")
    assert "it is yours" in told["content"]
    await coast.footer_becomes(notice, "Going: 1 of 1 (full), Maybe: 0, Can't go: 1")
    assert fake.user_id(GOING) not in fake.state.dm_by_user  # the one who dropped out: nothing


async def test_a_refused_notice_and_event_are_told_to_the_coordinators_once(
    coast: Coast,
) -> None:
    fake = coast.fake
    await coast.event()
    fake.fail_next("POST", f"/channels/{coast.announcements}/messages", status=403, code=50013)
    await coast.run_job("announce", ANNOUNCE)
    told = await dm_to(fake, COORDINATOR)
    text = told["content"]
    assert text.startswith(
        "peerbot could not post the notice of the Coast meeting on Wednesday 14 March 2035 "
        f"in <#{coast.announcements}>, and has stopped trying."
    ), text
    assert "(Discord code 50013)" in text
    assert (
        "How to fix it: peerbot's role needs the View Channel and Send Messages permission" in text
    )

    # Create Events taken away: the event's update after an edit is refused, and said once.
    role = next(r for r in fake.guild.roles.values() if r.get("managed"))
    role["permissions"] = str(int(role["permissions"]) & ~CREATE_EVENTS)
    for time in ("11:00", "12:00"):
        edited = await meeting_cmd(
            fake, "edit", {"network": "coast", "date": OCCURRENCE, "time": time}, user=COORDINATOR
        )
        assert "Nothing was changed" not in edited["content"], edited
    again = await dm_to(fake, COORDINATOR)
    assert again["content"].startswith(
        "peerbot could not make or change the Discord event of the Coast meeting on Wednesday "
        "14 March 2035 in this server"
    ), again
    assert "Create Events" in again["content"]
    await round_trip(coast, COORDINATOR)
    dm = fake.state.dm_by_user[fake.user_id(COORDINATOR)]
    troubles = [m for m in fake.messages_in(dm) if m["content"].startswith("peerbot could not")]
    assert len(troubles) == 2  # one for the notice, one for the event, however many tries
