"""Layer 1: Interested on a meeting's event counted as Maybe, a meeting's capacity and its
waitlist, and coordinators told once when a meeting's post fails for good (issue 15,
items 10 and 11)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import FakeClock
from bot.errors import UserError
from bot.outbox import OutboxItem
from bot.replies import Reply
from bot.storage import Database
from cogs.meetings import repository as repo
from cogs.meetings import trouble
from cogs.meetings.models import Answer
from cogs.meetings.service import MeetingService
from tests.cogs.meetings.conftest import key
from tests.cogs.meetings.test_service import quarterly

KEY = "2027-03-10"


async def dms(db: Database, contains: str) -> list[tuple[str, str]]:
    rows = await db.fetch_all(
        "SELECT key, target_id FROM outbox WHERE target_kind = 'user' AND key LIKE ? ORDER BY key",
        (f"%{contains}%",),
    )
    return [(str(r["key"]), str(r["target_id"])) for r in rows]


async def test_interested_is_maybe_for_members_only_and_never_overrides_an_answer(
    service: MeetingService,
) -> None:
    series = (await quarterly(service)).series
    assert await service.interest(series.id, KEY, key("mia"), True)
    assert not await service.interest(series.id, KEY, key("ben"), True)  # Brisbane, not here
    assert not await service.interest(series.id, KEY, key("mia"), True)  # pressed again
    assert await service.rsvp_counts(series.id, KEY) == {"going": 0, "maybe": 1, "no": 0}
    assert await service.reminder_recipients(series.id, KEY) == [key("mia")]

    await service.rsvp(series.id, KEY, key("mia"), Answer.NO)  # her answer wins
    assert not await service.interest(series.id, KEY, key("mia"), False)
    assert not await service.interest(series.id, KEY, key("mia"), True)
    assert await service.my_answer(series.id, KEY, key("mia")) is Answer.NO

    await service.interest(series.id, KEY, key("max"), True)
    await service.interest(series.id, KEY, key("max"), False)
    assert await service.my_answer(series.id, KEY, key("max")) is None


async def test_reconciling_adds_the_new_and_drops_only_interested_maybes(
    service: MeetingService,
) -> None:
    series = (await quarterly(service)).series
    await service.interest(series.id, KEY, key("mia"), True)
    await service.rsvp(series.id, KEY, key("eve"), Answer.MAYBE)  # answered herself
    # Listed now: max (pressed while peerbot was down) and ben (not a member); not mia.
    assert await service.reconcile_interest(series.id, KEY, {key("max"), key("ben")})
    answers = {r.user_key: r.answer for r in await service.rsvps(series.id, KEY)}
    assert answers == {key("max"): Answer.MAYBE, key("eve"): Answer.MAYBE}
    assert not await service.reconcile_interest(series.id, KEY, {key("max"), key("ben")})


async def test_nothing_is_counted_once_the_meeting_started(
    service: MeetingService, clock: FakeClock
) -> None:
    series = (await quarterly(service)).series
    meeting = await service.meeting(series.id, KEY)
    assert meeting is not None
    clock.set(meeting.occurrence.start + timedelta(minutes=1))
    assert not await service.interest(series.id, KEY, key("mia"), True)


async def test_a_waitlist_moves_up_when_someone_drops_out_and_the_person_is_told_once(
    service: MeetingService, db: Database, clock: FakeClock
) -> None:
    series = (await quarterly(service)).series
    meeting = await service.meeting(series.id, KEY)
    assert meeting is not None
    assert await service.set_capacity(actor_key=key("carol"), meeting=meeting, places=1) == (0, 0)
    await service.rsvp(series.id, KEY, key("mia"), Answer.GOING)
    clock.advance(timedelta(minutes=1))
    await service.rsvp(series.id, KEY, key("max"), Answer.GOING)
    clock.advance(timedelta(minutes=1))
    await service.rsvp(series.id, KEY, key("eve"), Answer.GOING)
    assert await service.waitlist(series.id, KEY) == [key("max"), key("eve")]
    assert await service.waitlist_place(series.id, KEY, key("eve")) == 2
    assert await service.rsvp_counts(series.id, KEY) == {
        "going": 3,
        "maybe": 0,
        "no": 0,
        "places": 1,
    }
    assert key("max") not in await service.reminder_recipients(series.id, KEY)

    await service.rsvp(series.id, KEY, key("mia"), Answer.GOING)  # again: keeps her place
    assert await service.waitlist(series.id, KEY) == [key("max"), key("eve")]
    await service.rsvp(series.id, KEY, key("mia"), Answer.NO)
    assert await service.waitlist(series.id, KEY) == [key("eve")]
    told = await dms(db, ":placed:")
    assert [target for _, target in told] == ["max"]

    # Leaving the network hands the place on too; raising the capacity moves everyone up.
    async with db.transaction() as tx:
        await service.drop_upcoming_answers(tx, key("max"), 1)
    assert await service.waitlist(series.id, KEY) == []
    assert [target for _, target in await dms(db, ":placed:")] == ["eve", "max"]
    assert await service.set_capacity(actor_key=key("carol"), meeting=meeting, places=None) == (
        1,
        0,
    )


async def test_privacy_delete_hands_a_place_on(
    service: MeetingService, db: Database, clock: FakeClock
) -> None:
    series = (await quarterly(service)).series
    meeting = await service.meeting(series.id, KEY)
    assert meeting is not None
    await service.set_capacity(actor_key=key("carol"), meeting=meeting, places=1)
    await service.rsvp(series.id, KEY, key("mia"), Answer.GOING)
    clock.advance(timedelta(minutes=1))
    await service.rsvp(series.id, KEY, key("max"), Answer.GOING)
    assert await service.waitlist(series.id, KEY) == [key("max")]
    async with db.transaction() as tx:
        await service.delete_person(tx, key("mia"))
    assert await service.waitlist(series.id, KEY) == []
    assert [target for _, target in await dms(db, ":placed:")] == ["max"]


async def test_a_capacity_out_of_range_is_refused(service: MeetingService) -> None:
    series = (await quarterly(service)).series
    meeting = await service.meeting(series.id, KEY)
    assert meeting is not None
    with pytest.raises(UserError, match="1 to 10000 places"):
        await service.set_capacity(actor_key=key("carol"), meeting=meeting, places=10001)
    async with service.db.reading() as tx:
        assert await repo.capacity_of(tx, series.id, KEY) is None


async def test_a_failed_notice_is_told_to_each_coordinator_once(
    service: MeetingService, db: Database, clock: FakeClock
) -> None:
    series = (await quarterly(service)).series
    reason = "missing the View Channel and Send Messages permission in <#9> (Discord code 50013)"
    for revision in (1, 2):  # two edits of one notice fail: one message
        item = OutboxItem(
            id=revision,
            key=f"meeting:{series.id}:{KEY}:notice:discord:9:{revision}",
            platform="discord",
            target_kind="place",
            target_id="9",
            message=Reply(text="notice"),
            due_at=clock.now(),
            not_after=None,
            attempts=8,
            action="edit",
        )
        async with db.transaction() as tx:
            await trouble.outbox_failed(service.outbox, tx, item, reason)
    assert await dms(db, ":trouble:") == [
        (f"meeting:{series.id}:{KEY}:trouble:notice:discord:9:console:carol", "carol")
    ]
    row = await db.fetch_one("SELECT message_json FROM outbox WHERE key LIKE '%:trouble:%'")
    assert row is not None
    text = Reply.model_validate_json(row["message_json"]).text
    assert "could not update the notice of the South Coast meeting on Wednesday 10 March 2027" in (
        text
    )
    assert "How to fix it: peerbot's role needs the View Channel and Send Messages" in text

    reminder = OutboxItem(  # a private message failing is the person's, not the coordinators'
        id=3,
        key=f"meeting:{series.id}:{KEY}:reminder-1d:console:mia",
        platform="console",
        target_kind="user",
        target_id="mia",
        message=Reply(text="reminder"),
        due_at=clock.now(),
        not_after=None,
        attempts=1,
    )
    async with db.transaction() as tx:
        await trouble.outbox_failed(service.outbox, tx, reminder, "closed direct messages")
    assert len(await dms(db, ":trouble:")) == 1
