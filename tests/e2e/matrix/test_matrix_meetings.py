"""A meeting notice on Matrix: posted by the outbox in the network's announcements room with
numbered RSVP choices, answered by a reaction and by a reply, the answers counted; then moved
(the notice edited with m.replace, the person coming told privately) and skipped (the notice
says so and lists no choices; a later reaction gets a private, kind answer)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from bot.clock import FakeClock
from cogs.meetings.commands import MeetingsCog
from tests.e2e.matrix.peerbot_on_synapse import PeerbotOnSynapse, Person, Seen, after, from_bot
from tests.e2e.matrix.test_matrix_inbound import room_with_bot

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
OCCURRENCE = "2027-03-10"


async def coast_notice(bot: PeerbotOnSynapse, admin: Person, alex: Person) -> tuple[str, int, Seen]:
    """Coast, its announcements room, a quarterly meeting, and its notice posted: (room id,
    series number, the notice as alex saw it)."""
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
    return room_id, series_id, notice


async def test_rsvp_by_reaction_and_by_reply_on_a_meeting_notice(
    clocked_bot: PeerbotOnSynapse, admin: Person, alex: Person
) -> None:
    bot = clocked_bot
    room_id, series_id, notice = await coast_notice(bot, admin, alex)
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


async def test_a_moved_then_skipped_notice_follows_and_late_reactions_are_answered_privately(
    clocked_bot: PeerbotOnSynapse, admin: Person, alex: Person
) -> None:
    bot = clocked_bot
    room_id, series_id, notice = await coast_notice(bot, admin, alex)
    mark = alex.mark()
    await alex.react(room_id, notice.event_id, "1️⃣")
    await alex.wait_for(after(alex, mark, bot, "Saved: Going"), "alex's RSVP")

    def edit_of_notice(text: str, mark: int) -> Callable[[Seen], bool]:
        def wanted(seen: Seen) -> bool:
            relates = seen.content.get("m.relates_to", {})
            return (
                alex.seen.index(seen) >= mark
                and seen.event.sender == bot.user_id
                and relates.get("rel_type") == "m.replace"
                and relates.get("event_id") == notice.event_id
                and text in seen.content.get("m.new_content", {}).get("body", "")
            )

        return wanted

    mark = alex.mark()
    await admin.say(room_id, f"!meeting edit network:coast date:{OCCURRENCE} time:14:00")
    moved = await alex.wait_for(
        edit_of_notice("14:00 to 16:00 AEDT", mark), "the notice edited to the new time"
    )
    assert "1. Going" in moved.content["m.new_content"]["body"]  # still open
    told = await alex.wait_for(after(alex, mark, bot, "has moved"), "alex told privately")
    assert told.room_id != room_id
    assert "It was: Wednesday 10 March 2027, 10:00 to 12:00 AEDT" in told.body
    assert "It is now: Wednesday 10 March 2027, 14:00 to 16:00 AEDT" in told.body
    assert "You said you would come, so your answer stays Going." in told.body

    mark = alex.mark()
    await admin.say(room_id, f"!meeting skip network:coast date:{OCCURRENCE}")
    skipped = await alex.wait_for(edit_of_notice("Skipped", mark), "the notice saying Skipped")
    new_body = skipped.content["m.new_content"]["body"]
    assert new_body.startswith("Skipped: Coast meeting\nSkipped. This meeting will not take place")
    assert "1. Going" not in new_body and "To choose" not in new_body

    mark = alex.mark()
    await alex.react(room_id, notice.event_id, "2️⃣")
    kind = await alex.wait_for(after(alex, mark, bot, "Thank you, but"), "a kind private answer")
    assert kind.room_id != room_id
    assert "was skipped, so it needs no answer" in kind.body
    rows = await bot.kernel.db.fetch_all(
        "SELECT answer FROM rsvps WHERE series_id = ?", (series_id,)
    )
    assert [r["answer"] for r in rows] == ["going"]  # the late reaction saved nothing
