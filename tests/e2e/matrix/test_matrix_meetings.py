"""A meeting notice on Matrix: posted by the outbox in the network's announcements room with
numbered RSVP choices, answered by a reaction and by a reply, the answers counted."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.clock import FakeClock
from cogs.meetings.commands import MeetingsCog
from tests.e2e.matrix.peerbot_on_synapse import PeerbotOnSynapse, Person, after, from_bot
from tests.e2e.matrix.test_matrix_inbound import room_with_bot

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
OCCURRENCE = "2027-03-10"


async def test_rsvp_by_reaction_and_by_reply_on_a_meeting_notice(
    clocked_bot: PeerbotOnSynapse, admin: Person, alex: Person
) -> None:
    bot = clocked_bot
    room_id = await room_with_bot(admin, bot, alex)
    commands = [
        "!network create name:Coast slug:coast timezone:Australia/Sydney",
        f"!network link network:coast channel:{room_id} purpose:announcements",
        f"!meeting schedule network:coast date:{OCCURRENCE} time:10:00 duration:120 "
        'location:"Community Hall"',
    ]
    expected = ["Created the network", "Linked that channel", "Scheduled "]
    for command, answer in zip(commands, expected, strict=True):
        mark = admin.mark()
        await admin.say(room_id, command)
        await admin.wait_for(after(admin, mark, bot, answer), answer)
    scheduled = next(s for s in reversed(admin.seen) if "(series number " in s.body)
    series_id = int(scheduled.body.split("(series number ")[1].split(")")[0])
    for person in (alex, admin):
        mark = person.mark()
        await person.say(room_id, "!network join network:coast")
        await person.wait_for(after(person, mark, bot, "Coast"), "joined")

    cog = bot.kernel.cogs["meetings"]
    assert isinstance(cog, MeetingsCog)
    jobs = {j.key: j for j in await cog.jobs.planned_jobs(bot.kernel.clock.now())}
    announce = jobs[f"meeting:{series_id}:{OCCURRENCE}:announce"]
    clock = bot.kernel.clock
    assert isinstance(clock, FakeClock)
    clock.set(announce.run_at)
    await bot.kernel.scheduler.run_job(announce)

    notice = await alex.wait_for(from_bot(bot, "1. Going"), "the notice with its choices")
    assert notice.room_id == room_id
    assert "2. Maybe" in notice.body and "3. Can't go" in notice.body
    assert "Community Hall" in notice.html

    mark = alex.mark()
    await alex.react(room_id, notice.event_id, "1️⃣")
    saved = await alex.wait_for(after(alex, mark, bot, "Saved: Going"), "alex's RSVP")
    assert saved.room_id != room_id  # the confirmation is private
    mark = admin.mark()
    await admin.say(room_id, "2", reply_to=notice.event_id)
    await admin.wait_for(after(admin, mark, bot, "Saved: Maybe"), "the admin's RSVP")

    edited = await alex.wait_for(
        lambda s: (
            s.event.sender == bot.user_id
            and s.room_id == room_id
            and "Going: 1, Maybe: 1" in s.body
        ),
        "the notice's counts updated",
    )
    assert edited.content["m.relates_to"]["event_id"] == notice.event_id
    rows = await bot.kernel.db.fetch_all(
        "SELECT user_key, answer FROM rsvps WHERE series_id = ? ORDER BY answer", (series_id,)
    )
    assert [(r["user_key"], r["answer"]) for r in rows] == [
        (f"matrix:{alex.user_id}", "going"),
        (f"matrix:{admin.user_id}", "maybe"),
    ]
