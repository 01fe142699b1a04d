"""Notices, RSVP counts and reminders fire at the right instants, once, across restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FakeClock
from bot.identity import MessageRef, PlaceRef
from bot.outbox import OutboxWorker
from bot.ports import EventSpec
from bot.registry import ActionInvocation
from bot.replies import ActionRef, Reply
from bot.scheduler import Decision, Scheduler
from cogs.meetings.commands import MeetingsCog
from cogs.meetings.notices import RSVP_ACTION, MeetingJobs
from tests.bot.fakes import RecordingPort
from tests.cogs.meetings.conftest import World, key
from tests.cogs.meetings.test_commands import schedule
from tests.cogs.networks import invoke, press, user

# 10:00 AEDT on Wednesday 10 March 2027 is 23:00 UTC the day before.
START = datetime(2027, 3, 9, 23, 0, tzinfo=UTC)
ANNOUNCE = START - timedelta(days=14)
DAY_BEFORE = START - timedelta(days=1)
TWO_HOURS = START - timedelta(hours=2)


class EditingPort(RecordingPort):
    def __init__(self) -> None:
        super().__init__("console")
        self.edits: list[tuple[str, str]] = []

    async def edit_message(
        self, message: MessageRef, new: Reply, *, idempotency_key: str | None = None
    ) -> None:
        await super().edit_message(message, new, idempotency_key=idempotency_key)
        self.edits.append((message.id, new.cards[0].footer))


def rsvp(answer: str) -> ActionRef:
    return ActionRef(action=RSVP_ACTION, payload=f"1:2027-03-10:{answer}")


def jobs_of(world: World) -> MeetingJobs:
    cog = world.kernel.cogs["meetings"]
    assert isinstance(cog, MeetingsCog)
    return cog.jobs


@pytest.fixture
async def planned(world: World) -> World:
    async with world.kernel.db.transaction() as tx:
        await tx.execute(
            "INSERT INTO network_places (place_key, network_id, purpose, space_key) "
            "VALUES ('console:south-coast-announcements', ?, 'announcements', 'console:local')",
            (world.south,),
        )
    assert "Scheduled" in await schedule(world)
    return world


async def test_jobs_are_planned_at_the_right_instants(planned: World) -> None:
    jobs = await jobs_of(planned).planned_jobs(planned.kernel.clock.now())
    first = {job.key: job.run_at for job in jobs if "2027-03-10" in job.key}
    assert first == {
        "meeting:1:2027-03-10:announce": ANNOUNCE,
        # The coordinator is asked for its topic four weeks ahead (10:00 AEDT).
        "meeting:1:2027-03-10:plan-prompt": datetime(2027, 2, 9, 23, tzinfo=UTC),
        "meeting:1:2027-03-10:reminder-1d": DAY_BEFORE,
        "meeting:1:2027-03-10:reminder-2h": TWO_HOURS,
        "meeting:1:2027-03-10:held": START + timedelta(hours=2),  # its notice closes
        "meeting:1:2027-03-10:starting": START,  # "Starting now" in the channel
        # Its Discord event: at once, as there is no meeting before it.
        "meeting:1:2027-03-10:event": planned.kernel.clock.now(),
    }
    # the next quarter's meeting (10 June, AEST) is planned too, at 10:00 local = 00:00 UTC
    assert "meeting:1:2027-06-10:announce" in {job.key for job in jobs}
    # and its event is made as soon as the March meeting has ended
    at = {job.key: job.run_at for job in jobs}
    assert at["meeting:1:2027-06-10:event"] == START + timedelta(hours=2)


async def test_notice_rsvp_and_reminders(planned: World) -> None:
    kernel, clock = planned.kernel, planned.kernel.clock
    assert isinstance(clock, FakeClock)
    port = EditingPort()
    kernel.ports["console"] = port
    worker = OutboxWorker(kernel.outbox, kernel.ports)
    jobs = {j.key: j for j in await jobs_of(planned).planned_jobs(clock.now())}

    clock.set(ANNOUNCE)
    await kernel.scheduler.run_job(jobs["meeting:1:2027-03-10:announce"])
    await worker.run_once()
    assert port.sent[0][0] == "meeting:1:2027-03-10:announce:console:south-coast-announcements"
    assert "Confidentiality" in port.sent[0][2] and "Going: 0, Maybe: 0" in port.sent[0][2]

    going = await press(kernel, "mia", rsvp("going"))
    assert going.text.startswith("Saved: Going to the meeting on Wednesday 10 March 2027")
    await press(kernel, "max", rsvp("no"))
    await press(kernel, "eve", rsvp("maybe"))
    await worker.run_once()
    # Three answers before the worker's pass: each queued a newer version of the notice, which
    # withdrew the one before, so the notice is edited once, to the latest counts.
    assert port.edits == [("1", "Going: 1, Maybe: 1, Can't go: 1")]
    turned_off = await invoke(kernel, "eve", "meeting reminders", state="off")
    assert turned_off.private and "off" in turned_off.text

    clock.set(DAY_BEFORE)
    await kernel.scheduler.run_job(jobs["meeting:1:2027-03-10:reminder-1d"])
    await kernel.scheduler.run_job(jobs["meeting:1:2027-03-10:reminder-1d"])  # a repeat: nothing
    await worker.run_once()
    reminded = [k for k, _, _ in port.sent if "reminder-1d" in k]
    assert reminded == [f"meeting:1:2027-03-10:reminder-1d:{key('mia')}"]  # eve opted out
    text = next(t for k, _, t in port.sent if "reminder-1d" in k)
    assert "is tomorrow, Wednesday 10 March 2027, 10:00 to 12:00 AEDT" in text


async def test_a_restart_plans_nothing_twice_and_late_work_is_sent_or_skipped(
    planned: World,
) -> None:
    kernel, clock = planned.kernel, planned.kernel.clock
    assert isinstance(clock, FakeClock)
    jobs = {j.key: j for j in await jobs_of(planned).planned_jobs(clock.now())}
    clock.set(ANNOUNCE)
    await kernel.scheduler.run_job(jobs["meeting:1:2027-03-10:announce"])

    # Down from before the day-before reminder until after it: the meeting has not started.
    clock.set(DAY_BEFORE + timedelta(hours=3))
    restarted = Scheduler(kernel.db, clock)
    restarted.add_source(jobs_of(planned))
    decisions = await restarted.refresh("meetings")
    assert decisions["meeting:1:2027-03-10:announce"] is Decision.ALREADY_DONE
    assert decisions["meeting:1:2027-03-10:reminder-1d"] is Decision.RUN_LATE
    assert decisions["meeting:1:2027-03-10:reminder-2h"] is Decision.SCHEDULE
    await restarted.shutdown()

    # Down until the meeting had started: what was not sent is recorded as skipped.
    clock.set(START + timedelta(minutes=30))
    again = Scheduler(kernel.db, clock)
    again.add_source(jobs_of(planned))
    decisions = await again.refresh("meetings")
    assert decisions["meeting:1:2027-03-10:reminder-2h"] is Decision.SKIP
    row = await kernel.db.fetch_one(
        "SELECT outcome FROM scheduled_runs WHERE key = 'meeting:1:2027-03-10:reminder-2h'"
    )
    assert row is not None and row["outcome"] == "skipped"
    await again.shutdown()


async def test_skipping_an_occurrence_drops_its_jobs(planned: World) -> None:
    reply = await invoke(
        planned.kernel, "carol", "meeting skip", network="south-coast", date="2027-03-10"
    )
    assert reply.private
    keys = {j.key for j in await jobs_of(planned).planned_jobs(planned.kernel.clock.now())}
    assert not any("2027-03-10" in k for k in keys)
    assert "meeting:1:2027-06-10:announce" in keys


async def test_network_info_shows_the_next_meeting(planned: World) -> None:
    reply = await invoke(planned.kernel, "mia", "network info", network="south-coast")
    assert "Next meeting: Wednesday 10 March 2027, 10:00 to 12:00 AEDT" in reply.text


async def test_archiving_the_network_stops_its_schedules(planned: World) -> None:
    kernel = planned.kernel
    assert any(k.startswith("meeting:1:") for k in kernel.scheduler.job_ids())
    reply = await invoke(kernel, "admin", "network archive", network="south-coast")
    assert reply.text.startswith("Archived South Coast")
    assert not any(k.startswith("meeting:") for k in kernel.scheduler.job_ids())


class EventPort(EditingPort):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[str, str]] = []

    async def create_event(self, spec: EventSpec) -> str | None:
        self.events.append(("create", spec.start.isoformat()))
        return "event-1"

    async def find_event(
        self, space: PlaceRef, name: str, start: datetime, *, taken: frozenset[str]
    ) -> str | None:
        self.events.append(("find", start.isoformat()))
        return None

    async def update_event(self, space: PlaceRef, event_id: str, spec: EventSpec) -> None:
        self.events.append(("update", spec.start.isoformat()))

    async def delete_event(self, space: PlaceRef, event_id: str) -> None:
        self.events.append(("delete", event_id))

    async def event_users(self, space: PlaceRef, event_id: str) -> set[str] | None:
        return None


async def test_the_announced_meeting_is_mirrored_as_an_event(planned: World) -> None:
    kernel, clock = planned.kernel, planned.kernel.clock
    assert isinstance(clock, FakeClock)
    port = EventPort()
    kernel.ports["console"] = port
    jobs = {j.key: j for j in await jobs_of(planned).planned_jobs(clock.now())}
    clock.set(ANNOUNCE)
    await kernel.scheduler.run_job(jobs["meeting:1:2027-03-10:announce"])
    assert port.events == [("create", START.isoformat())]
    moved = await invoke(
        kernel, "carol", "meeting edit", network="south-coast", date="2027-03-10", time="11:00"
    )
    assert moved.private, moved.text
    assert port.events[-1] == ("update", (START + timedelta(hours=1)).isoformat())
    await invoke(kernel, "carol", "meeting skip", network="south-coast", date="2027-03-10")
    assert port.events[-1] == ("delete", "event-1")


async def test_minutes_are_posted_once_in_a_thread_under_the_notice(planned: World) -> None:
    kernel, clock = planned.kernel, planned.kernel.clock
    assert isinstance(clock, FakeClock)
    port = EditingPort()
    kernel.ports["console"] = port
    worker = OutboxWorker(kernel.outbox, kernel.ports)
    jobs = {j.key: j for j in await jobs_of(planned).planned_jobs(clock.now())}
    clock.set(ANNOUNCE)
    await kernel.scheduler.run_job(jobs["meeting:1:2027-03-10:announce"])
    await worker.run_once()
    clock.set(START + timedelta(hours=3))
    minutes = ActionRef(action="meeting-minutes", payload="1:2027-03-10")
    for _ in range(2):  # saved twice with the same text: posted once
        reply = await kernel.registry.invoke_action(
            ActionInvocation(
                user=user("carol"),
                place=None,
                action=minutes,
                fields={"minutes": "We welcomed two new members."},
            )
        )
        assert "posted in a thread under the meeting's notice" in reply.text
    await worker.run_once()
    posted = [(k, target, t) for k, target, t in port.sent if ":minutes:" in k]
    assert len(posted) == 1
    assert posted[0][1] == "thread-1"  # the thread opened under notice message 1
    assert posted[0][2].endswith("We welcomed two new members.")


async def test_a_withdrawn_answer_is_taken_back_only_while_it_stands(planned: World) -> None:
    """A Matrix reaction removed withdraws the answer it gave; a later answer stays; an
    action that cannot take anything back is left alone (the kernel says nothing)."""
    kernel, clock = planned.kernel, planned.kernel.clock
    assert isinstance(clock, FakeClock)
    clock.set(ANNOUNCE)

    async def withdraw(user_id: str, action: ActionRef) -> Reply:
        invocation = ActionInvocation(user=user(user_id), place=None, action=action, withdrawn=True)
        return await kernel.registry.invoke_action(invocation)

    async def answers() -> list[tuple[str, str]]:
        rows = await kernel.db.fetch_all("SELECT user_key, answer FROM rsvps ORDER BY user_key")
        return [(str(r["user_key"]), str(r["answer"])) for r in rows]

    await press(kernel, "mia", rsvp("going"))
    await press(kernel, "max", rsvp("going"))
    await press(kernel, "max", rsvp("maybe"))  # max changed their mind
    taken = await withdraw("mia", rsvp("going"))
    assert taken.private and taken.text.startswith("Taken back: you no longer answer Going")
    stale = await withdraw("max", rsvp("going"))  # the going max replaced
    assert stale.text == "" and not stale.cards
    assert await answers() == [(key("max"), "maybe")]
    other = await withdraw("max", ActionRef(action="meeting.keep-series", payload="1:x"))
    assert other.text == ""
