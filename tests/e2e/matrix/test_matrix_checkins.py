"""A check-in on Matrix: the prompt arrives in the direct-message room and is answered by a
reply with a number; the private note that follows is a guided form."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.clock import FakeClock
from cogs.checkins.commands import CheckinsCog
from tests.e2e.matrix.peerbot_on_synapse import PeerbotOnSynapse, Person, after
from tests.e2e.matrix.test_matrix_inbound import room_with_bot

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


async def test_a_check_in_prompt_in_the_direct_message_room_answered_by_reply(
    clocked_bot: PeerbotOnSynapse, admin: Person, alex: Person
) -> None:
    bot = clocked_bot
    room_id = await room_with_bot(admin, bot, alex)
    mark = admin.mark()
    await admin.say(room_id, "!network create name:Coast slug:coast")
    await admin.wait_for(after(admin, mark, bot, "Created the network"), "the network")
    mark = alex.mark()
    await alex.say(room_id, "!network join network:coast")
    await alex.wait_for(after(alex, mark, bot, "Coast"), "joined")
    mark = alex.mark()
    await alex.say(room_id, "!checkin start day:tuesday time:09:00")
    started = await alex.wait_for(after(alex, mark, bot, "Check-ins are on"), "started")
    dm_room = started.room_id
    assert dm_room != room_id

    cog = bot.kernel.cogs["checkins"]
    assert isinstance(cog, CheckinsCog)
    jobs = await cog.jobs.planned_jobs(bot.kernel.clock.now())
    prompt = min((j for j in jobs if j.key.endswith(":prompt")), key=lambda j: j.run_at)
    clock = bot.kernel.clock
    assert isinstance(clock, FakeClock)
    clock.set(prompt.run_at)
    mark = alex.mark()
    await bot.kernel.scheduler.run_job(prompt)
    asked = await alex.wait_for(after(alex, mark, bot, "1. "), "the check-in prompt")
    assert asked.room_id == dm_room
    assert "reply to this message with the number" in asked.body

    mark = alex.mark()
    await alex.say(dm_room, "1")
    thanked = await alex.wait_for(after(alex, mark, bot, "Thank you. Your answer"), "thanks")
    assert thanked.room_id == dm_room
    rows = await bot.kernel.db.fetch_all(
        "SELECT * FROM checkin_answers WHERE user_key = ?", (f"matrix:{alex.user_id}",)
    )
    assert len(rows) == 1

    mark = alex.mark()
    await alex.react(dm_room, thanked.event_id, "1️⃣")  # "Add a private note": a form
    await alex.wait_for(after(alex, mark, bot, "question 1 of 1"), "the note's question")
    mark = alex.mark()
    await alex.say(dm_room, "A long week, but a good one.")
    saved = await alex.wait_for(after(alex, mark, bot, "note"), "the note saved")
    assert saved.room_id == dm_room
    row = await bot.kernel.db.fetch_one(
        "SELECT note FROM checkin_answers WHERE user_key = ?", (f"matrix:{alex.user_id}",)
    )
    assert row is not None and row["note"] == "A long week, but a good one."
