"""Reminders after downtime: only the latest due one goes out, in words that fit the time left
(never "tomorrow" on the day), and nothing once the meeting has started."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FakeClock
from bot.outbox import OutboxWorker
from bot.ports import DeliveryError
from bot.scheduler import Decision, Scheduler
from cogs.meetings.models import Meeting
from cogs.meetings.reminders import reminder, superseded
from tests.bot.fakes import RecordingPort
from tests.cogs.meetings.conftest import World, key
from tests.cogs.meetings.test_commands import schedule
from tests.cogs.meetings.test_notices import jobs_of, rsvp
from tests.cogs.networks import press

# 10:00 AEDT on Wednesday 10 March 2027 is 23:00 UTC the day before.
START = datetime(2027, 3, 9, 23, 0, tzinfo=UTC)
ANNOUNCE = START - timedelta(days=14)
DAY_BEFORE = START - timedelta(days=1)
TWO_HOURS = START - timedelta(hours=2)
MIDNIGHT_BEFORE = datetime(2027, 3, 9, 13, 0, tzinfo=UTC)  # 00:00 AEDT on 10 March
OFFSETS = (timedelta(days=1), timedelta(hours=2))


@pytest.fixture
async def answered(world: World) -> World:
    """The 10 March meeting announced; mia said Going."""
    async with world.kernel.db.transaction() as tx:
        await tx.execute(
            "INSERT INTO network_places (place_key, network_id, purpose, space_key) "
            "VALUES ('console:south-coast-announcements', ?, 'announcements', 'console:local')",
            (world.south,),
        )
    assert "Scheduled" in await schedule(world)
    clock = world.kernel.clock
    assert isinstance(clock, FakeClock)
    clock.set(ANNOUNCE)
    jobs = {j.key: j for j in await jobs_of(world).planned_jobs(clock.now())}
    await world.kernel.scheduler.run_job(jobs["meeting:1:2027-03-10:announce"])
    await press(world.kernel, "mia", rsvp("going"))
    await OutboxWorker(world.kernel.outbox, {"console": RecordingPort()}).run_once()  # notice
    return world


async def meeting_of(world: World) -> Meeting:
    found = await world.service.meeting(1, "2027-03-10")
    assert found is not None
    return found


def test_a_reminder_is_superseded_only_by_a_later_one_that_is_also_due() -> None:
    day, two = OFFSETS
    assert not superseded(day, OFFSETS, START, DAY_BEFORE + timedelta(hours=1))
    assert superseded(day, OFFSETS, START, TWO_HOURS + timedelta(minutes=1))
    assert superseded(day, OFFSETS, START, TWO_HOURS)  # the later one is due at this instant
    assert not superseded(two, OFFSETS, START, START - timedelta(minutes=20))  # the latest


async def test_words_fit_the_time_left(answered: World) -> None:
    meeting = await meeting_of(answered)
    when = "Wednesday 10 March 2027, 10:00 to 12:00 AEDT"

    day_before = reminder(meeting, DAY_BEFORE, platform="console")
    assert f"is tomorrow, {when}." in day_before.message.text
    assert day_before.not_after == MIDNIGHT_BEFORE  # "tomorrow" is wrong from midnight
    assert day_before.message.private

    late_evening = reminder(meeting, MIDNIGHT_BEFORE - timedelta(minutes=30), platform="console")
    assert "is tomorrow," in late_evening.message.text  # 23:30 AEDT on the 9th
    just_after_midnight = reminder(meeting, MIDNIGHT_BEFORE + timedelta(minutes=30), platform="x")
    assert f"is today, {when}." in just_after_midnight.message.text
    assert just_after_midnight.not_after == START

    twenty_minutes = reminder(meeting, START - timedelta(minutes=20), platform="discord")
    text = twenty_minutes.message.text
    assert f"is today, {when}. It starts <t:{int(START.timestamp())}:R>." in text
    assert "tomorrow" not in text and "2 hours" not in text

    days_ahead = reminder(meeting, START - timedelta(days=3), platform="console")
    assert f"is on {when}." in days_ahead.message.text
    assert days_ahead.not_after == START


async def test_after_downtime_over_both_reminders_only_the_latest_goes_out(
    answered: World,
) -> None:
    """Down from before the day-before reminder until 20 minutes before the meeting: the
    two-hour reminder goes, worded for today; the day-before one is recorded as skipped."""
    kernel = answered.kernel
    clock = kernel.clock
    assert isinstance(clock, FakeClock)
    clock.set(START - timedelta(minutes=20))
    restarted = Scheduler(kernel.db, clock)
    restarted.add_source(jobs_of(answered))
    decisions = await restarted.refresh("meetings")
    assert decisions["meeting:1:2027-03-10:reminder-1d"] is Decision.SKIP
    assert decisions["meeting:1:2027-03-10:reminder-2h"] is Decision.RUN_LATE
    skipped = await kernel.db.fetch_one(
        "SELECT outcome FROM scheduled_runs WHERE key = 'meeting:1:2027-03-10:reminder-1d'"
    )
    assert skipped is not None and skipped["outcome"] == "skipped"
    jobs = {j.key: j for j in await jobs_of(answered).planned_jobs(clock.now())}
    await restarted.run_job(jobs["meeting:1:2027-03-10:reminder-2h"])
    await restarted.shutdown()

    port = RecordingPort()
    await OutboxWorker(kernel.outbox, {"console": port}).run_once()
    assert [k for k, _, _ in port.sent] == [f"meeting:1:2027-03-10:reminder-2h:{key('mia')}"]
    assert "is today, Wednesday 10 March 2027, 10:00 to 12:00 AEDT" in port.sent[0][2]
    assert "tomorrow" not in port.sent[0][2]


async def test_a_day_before_reminder_still_waiting_is_replaced_by_the_two_hour_one(
    answered: World,
) -> None:
    """The platform refused the day-before reminder until the two-hour one came: only the
    two-hour one is delivered, never both."""
    kernel = answered.kernel
    clock = kernel.clock
    assert isinstance(clock, FakeClock)
    jobs = {j.key: j for j in await jobs_of(answered).planned_jobs(clock.now())}
    port = RecordingPort()
    port.fail_with = lambda k: DeliveryError("down", retryable=True) if "1d" in k else None
    worker = OutboxWorker(kernel.outbox, {"console": port})
    clock.set(DAY_BEFORE)
    await kernel.scheduler.run_job(jobs["meeting:1:2027-03-10:reminder-1d"])
    await worker.run_once()
    assert port.sent == []  # still waiting in the outbox
    clock.set(TWO_HOURS)
    await kernel.scheduler.run_job(jobs["meeting:1:2027-03-10:reminder-2h"])
    port.fail_with = lambda k: None
    await worker.run_once()
    assert [k for k, _, _ in port.sent] == [f"meeting:1:2027-03-10:reminder-2h:{key('mia')}"]
    day_before = f"meeting:1:2027-03-10:reminder-1d:{key('mia')}"
    assert await kernel.outbox.status_of(day_before) == "skipped"


async def test_a_tomorrow_reminder_is_never_delivered_on_the_day(answered: World) -> None:
    kernel = answered.kernel
    clock = kernel.clock
    assert isinstance(clock, FakeClock)
    jobs = {j.key: j for j in await jobs_of(answered).planned_jobs(clock.now())}
    clock.set(DAY_BEFORE)
    await kernel.scheduler.run_job(jobs["meeting:1:2027-03-10:reminder-1d"])
    clock.set(MIDNIGHT_BEFORE + timedelta(minutes=5))  # the outbox was stopped until now
    port = RecordingPort()
    await OutboxWorker(kernel.outbox, {"console": port}).run_once()
    assert port.sent == []
    day_before = f"meeting:1:2027-03-10:reminder-1d:{key('mia')}"
    assert await kernel.outbox.status_of(day_before) == "skipped"


async def test_no_reminder_is_queued_once_the_meeting_started(answered: World) -> None:
    kernel = answered.kernel
    clock = kernel.clock
    assert isinstance(clock, FakeClock)
    clock.set(START + timedelta(minutes=1))
    await jobs_of(answered).remind(1, "2027-03-10", timedelta(hours=2))
    queued = await kernel.db.fetch_all("SELECT key FROM outbox WHERE key LIKE '%reminder%'")
    assert queued == []
