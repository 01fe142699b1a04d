"""Someone who leaves a network (or is removed, or deletes their data) is no longer counted or
listed as coming to its meetings and gets no more reminders; answers to meetings already held
stay, since attendance is marked from them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FakeClock
from bot.outbox import OutboxWorker
from bot.ports import DeliveryError
from cogs.meetings.models import Answer
from tests.cogs.meetings.conftest import World, key
from tests.cogs.meetings.test_commands import private, schedule
from tests.cogs.meetings.test_notices import EditingPort, jobs_of, rsvp
from tests.cogs.networks import invoke, press

START = datetime(2027, 3, 9, 23, 0, tzinfo=UTC)  # 10:00 AEDT on Wednesday 10 March 2027
ANNOUNCE = START - timedelta(days=14)
DAY_BEFORE = START - timedelta(days=1)
TWO_HOURS = START - timedelta(hours=2)


@pytest.fixture
async def answered(world: World) -> tuple[World, EditingPort]:
    """The 10 March meeting announced; mia said Going and max Maybe; the day-before reminder
    reached max, while mia's is still waiting in the outbox (her platform was refusing)."""
    kernel = world.kernel
    async with kernel.db.transaction() as tx:
        await tx.execute(
            "INSERT INTO network_places (place_key, network_id, purpose, space_key) "
            "VALUES ('console:south-coast-announcements', ?, 'announcements', 'console:local')",
            (world.south,),
        )
    assert "Scheduled" in await schedule(world)
    clock = kernel.clock
    assert isinstance(clock, FakeClock)
    port = EditingPort()
    kernel.ports["console"] = port
    worker = OutboxWorker(kernel.outbox, kernel.ports)
    jobs = {j.key: j for j in await jobs_of(world).planned_jobs(clock.now())}
    clock.set(ANNOUNCE)
    await kernel.scheduler.run_job(jobs["meeting:1:2027-03-10:announce"])
    await worker.run_once()
    await press(kernel, "mia", rsvp("going"))
    await press(kernel, "max", rsvp("maybe"))
    clock.set(DAY_BEFORE)
    port.fail_with = lambda k: DeliveryError("busy", retryable=True) if "mia" in k else None
    await kernel.scheduler.run_job(jobs["meeting:1:2027-03-10:reminder-1d"])
    await worker.run_once()
    port.fail_with = lambda k: None
    return world, port


async def reminders_to(world: World, who: str) -> list[tuple[str, str]]:
    rows = await world.kernel.db.fetch_all(
        "SELECT key, status FROM outbox WHERE key LIKE ? ORDER BY id",
        (f"%:reminder-%:{key(who)}",),
    )
    return [(str(r["key"]).split(":")[3], str(r["status"])) for r in rows]


async def test_a_member_who_leaves_is_not_listed_as_going_and_gets_no_reminder(
    answered: tuple[World, EditingPort],
) -> None:
    world, port = answered
    kernel = world.kernel
    left = await invoke(kernel, "mia", "network leave", network="south-coast")
    assert left.text.startswith("You have left South Coast."), left.text

    attendees = private(await invoke(kernel, "carol", "meeting attendees", network="south-coast"))
    assert "Going (0): nobody" in attendees and "Maybe (1): max" in attendees
    assert "mia" not in attendees
    await OutboxWorker(world.kernel.outbox, world.kernel.ports).run_once()  # the edit goes out
    assert port.edits[-1] == ("1", "Going: 0, Maybe: 1, Can't go: 0")  # the notice redrawn
    assert await reminders_to(world, "mia") == [("reminder-1d", "skipped")]  # withdrawn

    clock = kernel.clock
    assert isinstance(clock, FakeClock)
    clock.set(TWO_HOURS)
    jobs = {j.key: j for j in await jobs_of(world).planned_jobs(clock.now())}
    await kernel.scheduler.run_job(jobs["meeting:1:2027-03-10:reminder-2h"])
    sent_before = len(port.sent)
    await OutboxWorker(kernel.outbox, kernel.ports).run_once()
    assert [k for k, _, _ in port.sent[sent_before:]] == [
        f"meeting:1:2027-03-10:reminder-2h:{key('max')}"
    ]
    assert await reminders_to(world, "mia") == [("reminder-1d", "skipped")]


async def test_a_member_removed_by_a_coordinator_is_no_longer_counted(
    answered: tuple[World, EditingPort],
) -> None:
    world, port = answered
    removed = await invoke(
        world.kernel,
        "carol",
        "network role",
        network="south-coast",
        member="max",
        role="member",
        remove=True,
    )
    assert "is no longer a member of South Coast" in removed.text
    await OutboxWorker(world.kernel.outbox, world.kernel.ports).run_once()  # the edit goes out
    assert port.edits[-1] == ("1", "Going: 1, Maybe: 0, Can't go: 0")
    assert await world.service.rsvps(1, "2027-03-10") != []
    assert [r.user_key for r in await world.service.rsvps(1, "2027-03-10")] == [key("mia")]


async def test_answers_to_meetings_already_held_stay(world: World) -> None:
    """A monthly series: mia answered March and April; she leaves after the March meeting.
    March's answer stays (attendance is marked from it), April's goes."""
    assert "Scheduled" in await schedule(world, every=1)
    await world.service.rsvp(1, "2027-03-10", key("mia"), Answer.GOING)
    await world.service.rsvp(1, "2027-04-10", key("mia"), Answer.GOING)
    clock = world.kernel.clock
    assert isinstance(clock, FakeClock)
    clock.set(START + timedelta(hours=3))
    await invoke(world.kernel, "mia", "network leave", network="south-coast")
    assert [r.user_key for r in await world.service.rsvps(1, "2027-03-10")] == [key("mia")]
    assert await world.service.rsvps(1, "2027-04-10") == []
    marked = await invoke(world.kernel, "carol", "meeting attend", network="south-coast")
    assert "mia" in marked.text, marked.text


async def test_deleting_ones_data_withdraws_the_reminder_waiting_and_redraws_the_notice(
    answered: tuple[World, EditingPort],
) -> None:
    world, port = answered
    confirm = await invoke(world.kernel, "mia", "privacy delete")
    assert "Done." in private(await press(world.kernel, "mia", confirm.buttons[0].action))
    assert await reminders_to(world, "mia") == []  # gone with every outbox row to her
    await OutboxWorker(world.kernel.outbox, world.kernel.ports).run_once()  # the edit goes out
    assert port.edits[-1] == ("1", "Going: 0, Maybe: 1, Can't go: 0")
    sent_before = len(port.sent)
    await OutboxWorker(world.kernel.outbox, world.kernel.ports).run_once()
    assert port.sent[sent_before:] == []
