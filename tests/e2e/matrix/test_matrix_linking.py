"""One person on both platforms (issue 9, item 6): bob runs /link start on the fake Discord and
``!link confirm`` from his Matrix account (alex's client here). Then his answers to one meeting
from Matrix and from Discord are one answer, ``!network mine`` on Matrix shows the networks he
joined on Discord, and a check-in started on Matrix sends its prompt to his main account (a
Discord direct message)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.scheduler import PlannedJob
from cogs.checkins.commands import CheckinsCog
from cogs.meetings.commands import MeetingsCog
from tests.e2e.fakediscord import FakeDiscord
from tests.e2e.matrix.peerbot_on_synapse import Person, after, ask, from_bot
from tests.e2e.matrix.synapse import SynapseServer
from tests.e2e.matrix.test_matrix_both_platforms import (
    OCCURRENCE,
    Both,
    coast_on_discord,
    coast_on_matrix,
    peerbot_on_both,
)
from tests.e2e.peerbot_on_fake import ADMIN
from tests.e2e.test_networks_discord import MEMBER, answer, dm_to, run


async def link_from_discord_to_matrix(
    fake: FakeDiscord, bot: Both, room_id: str, me: Person
) -> None:
    """/link start on Discord gives a code; ``!link confirm`` on Matrix uses it."""
    started = await answer(
        await fake.send_slash_command("link", None, subcommand="start", user=MEMBER)
    )
    assert "Your linking code is" in started["content"], started
    code = started["content"].split("/link confirm code:")[1].split()[0]
    linked = await ask(me, room_id, bot, f"!link confirm code:{code}", "Linked: ")
    assert linked.room_id != room_id  # said privately
    assert f"Discord ({fake.user_id(MEMBER)})" in linked.body, linked.body
    assert bot.kernel.people.person_of(f"matrix:{me.user_id}") == f"discord:{fake.user_id(MEMBER)}"


async def test_linked_accounts_are_one_person_across_discord_and_matrix(
    fake_discord: FakeDiscord, synapse: SynapseServer, admin: Person, alex: Person, tmp_path: Path
) -> None:
    fake = fake_discord
    async with peerbot_on_both(fake, synapse, admin, tmp_path / "data") as bot:
        series_id = await coast_on_discord(fake)
        created = await run(fake, "create", {"name": "Hills", "slug": "hills"}, user=ADMIN)
        assert "Created the network" in created["content"], created
        joined = await run(fake, "join", {"network": "hills"}, user=MEMBER)
        assert joined["content"].startswith("Welcome to Hills."), joined
        room_id = await coast_on_matrix(bot, admin, alex)
        await link_from_discord_to_matrix(fake, bot, room_id, alex)
        main_key = f"discord:{fake.user_id(MEMBER)}"

        # ---- one person's networks, seen from Matrix -----------------------------------------
        mine = await ask(alex, room_id, bot, "!network mine", "Your networks:")
        assert "Hills (hills): member" in mine.body, mine.body
        assert mine.body.count("Coast (coast)") == 1, mine.body

        # ---- one answer to a meeting, whichever platform it comes from ------------------------
        cog = bot.kernel.cogs["meetings"]
        assert isinstance(cog, MeetingsCog)
        jobs = {j.key: j for j in await cog.jobs.planned_jobs(bot.clock.now())}
        announce = jobs[f"meeting:{series_id}:{OCCURRENCE}:announce"]
        bot.clock.set(announce.run_at)
        await bot.kernel.scheduler.run_job(announce)
        posted = await fake.wait_for_request(
            "POST", f"/channels/{fake.channel_id('coast-announcements')}/messages"
        )
        notice = await alex.wait_for(from_bot(bot, "1. Going"), "the Matrix notice")
        reply = await answer(
            await fake.click_button(
                f"pb:b:meeting.rsvp|{series_id}:{OCCURRENCE}:going",
                message=int(posted.response["id"]),
                user=MEMBER,
            )
        )
        assert reply["content"].startswith("Saved: Going"), reply
        mark = alex.mark()
        await alex.react(room_id, notice.event_id, "2️⃣")
        await alex.wait_for(after(alex, mark, bot, "Saved: Maybe"), "the Matrix RSVP")
        await alex.wait_for(
            lambda s: s.room_id == room_id and "Going: 0, Maybe: 1" in s.body,
            "the notice counting one person once",
        )
        rows = await bot.kernel.db.fetch_all(
            "SELECT user_key, answer FROM rsvps WHERE series_id = ?", (series_id,)
        )
        assert [(r["user_key"], r["answer"]) for r in rows] == [(main_key, "maybe")]

        # ---- a check-in started on Matrix prompts the main account ----------------------------
        await ask(alex, room_id, bot, "!checkin start day:tuesday time:09:00", "Check-ins are on")
        checkins = bot.kernel.cogs["checkins"]
        assert isinstance(checkins, CheckinsCog)
        prompts: list[PlannedJob] = []
        for _ in range(8):  # the jobs are planned a short way ahead: walk to the first one
            planned = await checkins.jobs.planned_jobs(bot.clock.now())
            prompts = [j for j in planned if j.key.endswith(":prompt")]
            if prompts:
                break
            bot.clock.advance(timedelta(days=1))
        prompt = min(prompts, key=lambda j: j.run_at)
        subscribed = await bot.kernel.db.fetch_all("SELECT user_key FROM checkin_subscriptions")
        assert [r["user_key"] for r in subscribed] == [main_key]
        bot.clock.set(prompt.run_at)
        await bot.kernel.scheduler.run_job(prompt)
        asked = await dm_to(fake, MEMBER)
        while "Your check-in for" not in asked["content"]:  # the welcome /checkin start sent
            asked = await dm_to(fake, MEMBER)
        assert asked.get("components"), asked  # answered with buttons on Discord
