"""Mentoring on Synapse (issue 21, item 1), as Element users would do it: in a network set up
from a space, bea offers to mentor on working solo; cal finds her and asks by replying 1; no
room exists until bea accepts by replying 1 in her direct-message room; then peerbot opens an
invite-only room for the two, in the network's space, with the agreement pinned. Both get the
halfway check-in in their direct-message rooms (the clock set by the test); cal ends it by
number; bea is told; when the retention period has passed the deletion job empties the room.

One scenario: each step needs the one before, and Synapse round trips are slow."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import nio
import pytest

from bot.clock import FakeClock
from cogs.mentoring.commands import MentoringCog
from tests.e2e.matrix.peerbot_on_synapse import (
    PeerbotOnSynapse,
    Person,
    after,
    ask,
    from_bot,
    state_of,
)
from tests.e2e.matrix.synapse import SynapseServer, unique
from tests.e2e.matrix.test_matrix_reflection import set_up_in_a_space

#: Well after the real date: planned jobs are handed to APScheduler as real dates.
NOW = datetime(2035, 2, 1, 0, 0, tzinfo=UTC)


@pytest.fixture
async def peers(synapse: SynapseServer, tmp_path: Path) -> AsyncIterator[tuple[Person, Person]]:
    bea = await Person(synapse, synapse.register(unique("bea")), tmp_path / "bea").open()
    cal = await Person(synapse, synapse.register(unique("cal")), tmp_path / "cal").open()
    try:
        yield bea, cal
    finally:
        await bea.close()
        await cal.close()


async def test_mentoring_from_asking_to_deletion(  # noqa: PLR0915 (one story)
    clocked_bot: PeerbotOnSynapse,
    admin: Person,
    alex: Person,
    peers: tuple[Person, Person],
) -> None:
    bot = clocked_bot
    bea, cal = peers
    network_space, lobby, _ = await set_up_in_a_space(bot, admin, [alex, bea, cal])

    await ask(
        bea,
        lobby,
        bot,
        '!mentor offer network:coast topics:"working solo" availability:"weekly, online"',
        "Thank you for offering to mentor.",
    )
    found = await ask(
        cal, lobby, bot, '!mentor find network:coast topics:"working solo"', "Mentors for"
    )
    assert bea.user_id in found.body and "1. Ask mentor 1" in found.body, found.body
    mark = cal.mark()
    await cal.say(found.room_id, "1", reply_to=found.event_id)
    await cal.wait_for(after(cal, mark, bot, "to mentor you on working solo"), "asked")

    request = await bea.wait_for(from_bot(bot, "asks whether you would mentor them"), "asked")
    assert "1. Accept" in request.body and "2. Decline" in request.body, request.body
    row = await bot.kernel.db.fetch_one("SELECT status, thread_key FROM mentoring_pairs")
    assert row is not None and row["status"] == "asked" and row["thread_key"] is None, row

    mark = bea.mark()
    await bea.say(request.room_id, "1", reply_to=request.event_id)
    await bea.wait_for(after(bea, mark, bot, "Thank you. peerbot opened a private"), "accept")
    row = await bot.kernel.db.fetch_one("SELECT thread_key FROM mentoring_pairs")
    assert row is not None and row["thread_key"], row
    room = str(row["thread_key"]).removeprefix("matrix:")
    # cal's client syncs (and so accepts the invitation) while it waits for the news.
    told = await cal.wait_for(from_bot(bot, "accepted your request for mentoring"), "told")
    assert "matrix.to/#/" + room in told.body, told.body
    for person in (bea, cal):
        await person.wait_joined(room, person.user_id)
    state = await state_of(bea, room)
    assert state["m.room.join_rules|"] == {"join_rule": "invite"}
    assert f"m.space.parent|{network_space}" in state
    await cal.wait_for(
        lambda s: s.room_id == room and s.body.startswith("Mentoring agreement"), "agreement"
    )
    pinned = (await state_of(cal, room))["m.room.pinned_events|"]["pinned"]
    agreement = await cal.client.room_get_event(room, pinned[0])
    assert isinstance(agreement, nio.RoomGetEventResponse), agreement
    assert "This is not supervision" in agreement.event.body

    # Halfway: each hears "how is it going?" in their direct-message room.
    clock = bot.kernel.clock
    assert isinstance(clock, FakeClock)
    clock.advance(timedelta(days=46))
    bot.kernel.outbox.notify()
    checkins = {}
    for person in (bea, cal):
        checkins[person.user_id] = await person.wait_for(
            from_bot(bot, "How is your mentoring with"), "the halfway check-in"
        )
        assert "1. Extend by 3 months" in checkins[person.user_id].body
        assert "2. End it" in checkins[person.user_id].body

    # cal ends it by number, then confirms; bea is told kindly.
    checkin = checkins[cal.user_id]
    mark = cal.mark()
    await cal.say(checkin.room_id, "2", reply_to=checkin.event_id)
    sure = await cal.wait_for(after(cal, mark, bot, "End your mentoring with"), "asked first")
    mark = cal.mark()
    await cal.say(sure.room_id, "1", reply_to=sure.event_id)
    await cal.wait_for(after(cal, mark, bot, "Ended."), "ended")
    bye = await bea.wait_for(from_bot(bot, "has ended your mentoring on working solo"), "bye")
    assert "No reason is needed" in bye.body

    # After the retention period the deletion job empties the room.
    cog = bot.kernel.cogs["mentoring"]
    assert isinstance(cog, MentoringCog)
    [job] = [j for j in await cog.jobs.planned_jobs(clock.now()) if j.key.endswith(":delete")]
    assert job.run_at == clock.now() + timedelta(days=30), job
    clock.set(job.run_at)
    await bot.kernel.scheduler.run_job(job)
    removed = (await state_of(bea, room))[f"m.room.member|{bea.user_id}"]
    assert removed["membership"] == "leave", removed
    row = await bot.kernel.db.fetch_one("SELECT thread_key FROM mentoring_pairs")
    assert row is not None and row["thread_key"] is None, row
