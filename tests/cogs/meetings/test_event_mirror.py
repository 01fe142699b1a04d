"""The native event of an announced meeting: wanted with the notice, made once the platform
can take it, never lost and never made twice (a create whose answer was lost is found)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FakeClock, to_db
from bot.identity import PlaceRef
from bot.ports import DeliveryError, EventSpec
from cogs.meetings.event_mirror import EventMirror, Mirrored
from tests.bot.fakes import RecordingPort
from tests.cogs.meetings.conftest import World
from tests.cogs.meetings.test_commands import schedule
from tests.cogs.meetings.test_notices import jobs_of
from tests.cogs.networks import invoke

START = datetime(2027, 3, 9, 23, 0, tzinfo=UTC)  # 10:00 AEDT on Wednesday 10 March 2027
ANNOUNCE = START - timedelta(days=14)
SPACE = PlaceRef(platform="console", id="local")
STATE_KEY = "meeting-event:1:2027-03-10:console:local"


class ProcessDied(BaseException):
    """kill -9 between the platform making the event and peerbot recording it."""


class CalendarPort(RecordingPort):
    """A platform with events, which can refuse for a while or die after creating."""

    def __init__(self) -> None:
        super().__init__("console")
        self.events: dict[str, EventSpec] = {}
        self.calls: list[str] = []
        self.refuse: DeliveryError | None = None
        self.die_after_create = False

    async def create_event(self, spec: EventSpec) -> str | None:
        self.calls.append("create")
        if self.refuse is not None:
            raise self.refuse
        event_id = f"event-{len(self.events) + 1}"
        self.events[event_id] = spec
        if self.die_after_create:
            self.die_after_create = False
            raise ProcessDied
        return event_id

    async def find_event(
        self, space: PlaceRef, name: str, start: datetime, *, taken: frozenset[str]
    ) -> str | None:
        self.calls.append("find")
        for event_id, spec in self.events.items():
            if spec.name == name and spec.start == start and event_id not in taken:
                return event_id
        return None

    async def update_event(self, space: PlaceRef, event_id: str, spec: EventSpec) -> None:
        self.calls.append("update")
        self.events[event_id] = spec

    async def delete_event(self, space: PlaceRef, event_id: str) -> None:
        self.calls.append("delete")
        self.events.pop(event_id, None)

    async def event_users(self, space: PlaceRef, event_id: str) -> set[str] | None:
        return None


@pytest.fixture
async def planned(world: World) -> World:
    async with world.kernel.db.transaction() as tx:
        await tx.execute(
            "INSERT INTO network_places (place_key, network_id, purpose, space_key) "
            "VALUES ('console:south-coast-announcements', ?, 'announcements', 'console:local')",
            (world.south,),
        )
    assert "Scheduled" in await schedule(world)
    # The event is wanted from the start (there is no meeting before this one): that job
    # runs at once, before any platform is there, and leaves the record waiting.
    await event_job_ran(world)
    return world


async def event_job_ran(world: World) -> None:
    for _ in range(500):
        if await world.kernel.db.fetch_one(
            "SELECT 1 FROM scheduled_runs WHERE key = 'meeting:1:2027-03-10:event'"
        ):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the event job never ran")


@pytest.fixture
def port(planned: World) -> CalendarPort:
    calendar = CalendarPort()
    planned.kernel.ports["console"] = calendar
    return calendar


async def announce(world: World) -> None:
    clock = world.kernel.clock
    assert isinstance(clock, FakeClock)
    clock.set(ANNOUNCE + timedelta(hours=1))
    jobs = {j.key: j for j in await jobs_of(world).planned_jobs(clock.now())}
    await world.kernel.scheduler.run_job(jobs["meeting:1:2027-03-10:announce"])


async def record(world: World) -> Mirrored:
    row = await world.kernel.db.fetch_one(
        "SELECT key, value FROM platform_state WHERE key = ?", (STATE_KEY,)
    )
    assert row is not None
    found = Mirrored.parse(str(row["key"]), str(row["value"]))
    assert found is not None
    return found


async def test_an_event_waits_for_the_platform_and_is_made_once(
    planned: World, port: CalendarPort
) -> None:
    port.refuse = DeliveryError("Discord has not sent the server yet", retryable=True)
    await announce(planned)
    assert port.events == {}
    waiting = await record(planned)
    assert waiting.wanted and waiting.dirty and waiting.event_id is None

    port.refuse = None
    await planned.kernel.events.space_available(SPACE)  # the server arrives
    assert list(port.events) == ["event-1"]
    assert port.events["event-1"].start == START
    assert port.events["event-1"].name == "South Coast meeting"
    made = await record(planned)
    assert made.event_id == "event-1" and not made.dirty and made.attempt is None

    await jobs_of(planned).events.sweep()  # the periodic retry, another arrival, a repeat
    await planned.kernel.events.space_available(SPACE)
    await announce(planned)
    # Refused once; then looked for (a refused attempt might have got through), made once.
    assert port.calls == ["create", "find", "create"]


async def test_a_create_whose_answer_was_lost_is_found_after_a_restart(
    planned: World, port: CalendarPort
) -> None:
    port.die_after_create = True
    with pytest.raises(ProcessDied):
        await announce(planned)
    assert list(port.events) == ["event-1"]  # the platform made it; peerbot never heard
    lost = await record(planned)
    assert lost.event_id is None and lost.attempt is not None

    restarted = EventMirror(planned.kernel, planned.service)  # a new process's memory
    await restarted.sync()
    assert port.calls == ["create", "find"]
    assert list(port.events) == ["event-1"]
    assert (await record(planned)).event_id == "event-1"


async def test_a_meeting_skipped_after_a_lost_create_has_that_event_deleted(
    planned: World, port: CalendarPort
) -> None:
    port.die_after_create = True
    with pytest.raises(ProcessDied):
        await announce(planned)
    reply = await invoke(
        planned.kernel, "carol", "meeting skip", network="south-coast", date="2027-03-10"
    )
    assert reply.private
    assert port.events == {}
    assert port.calls == ["create", "find", "delete"]
    gone = await record(planned)
    assert not gone.wanted and gone.event_id is None and not gone.dirty


async def test_no_event_is_made_once_the_meeting_started(
    planned: World, port: CalendarPort
) -> None:
    port.refuse = DeliveryError("Discord is busy", retryable=True)
    await announce(planned)
    clock = planned.kernel.clock
    assert isinstance(clock, FakeClock)
    clock.set(START + timedelta(minutes=5))
    port.refuse = None
    await jobs_of(planned).events.sweep()
    assert port.events == {} and port.calls == ["create"]
    assert not (await record(planned)).dirty  # nothing more to try


async def test_a_refusal_that_cannot_change_is_not_tried_again_until_the_meeting_changes(
    planned: World, port: CalendarPort
) -> None:
    port.refuse = DeliveryError("missing the Create Events permission", retryable=False)
    await announce(planned)
    await jobs_of(planned).events.sweep()
    assert port.calls == ["create"]
    assert "Create Events" in (await record(planned)).error
    port.refuse = None  # an admin gave the permission; the next change makes the event
    moved = await invoke(
        planned.kernel,
        "carol",
        "meeting edit",
        network="south-coast",
        date="2027-03-10",
        time="11:00",
    )
    assert moved.private, moved.text
    assert port.calls == ["create", "create"]
    assert [spec.start for spec in port.events.values()] == [START + timedelta(hours=1)]


async def test_an_event_recorded_by_an_older_peerbot_is_updated_not_made_again(
    planned: World, port: CalendarPort
) -> None:
    """Before, the record was the bare event id: it still counts as made."""
    port.events["event-7"] = EventSpec(
        space=SPACE, name="old", start=START, end=START + timedelta(hours=2)
    )
    async with planned.kernel.db.transaction() as tx:
        await tx.execute(
            "INSERT OR REPLACE INTO platform_state (key, value, updated_at) "
            "VALUES (?, 'event-7', ?)",
            (STATE_KEY, to_db(planned.kernel.clock.now())),
        )
    await announce(planned)  # the notice job (again) finds it made
    assert port.calls == []
    await jobs_of(planned).sync_events(1)  # a change to the series
    assert port.calls == ["update"]
    assert port.events["event-7"].name == "South Coast meeting"
