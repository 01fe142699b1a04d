"""Scheduled jobs are rebuilt from the database: never run twice, late ones run or skipped."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from bot.clock import FakeClock, SystemClock
from bot.scheduler import Decision, PlannedJob, Scheduler, decide
from bot.storage import Database


class ListSource:
    name = "test"

    def __init__(self, jobs: list[PlannedJob]) -> None:
        self.jobs = jobs

    async def planned_jobs(self, now: datetime) -> list[PlannedJob]:
        return self.jobs


def job(
    key: str, at: datetime, ran: list[str], grace: timedelta = timedelta(hours=1)
) -> PlannedJob:
    async def run() -> None:
        ran.append(key)

    return PlannedJob(key=key, run_at=at, run=run, grace=grace)


def test_decide(clock: FakeClock) -> None:
    now = clock.now()
    ran: list[str] = []
    assert decide(job("a", now + timedelta(minutes=1), ran), now, set()) is Decision.SCHEDULE
    assert decide(job("b", now - timedelta(minutes=59), ran), now, set()) is Decision.RUN_LATE
    assert decide(job("c", now - timedelta(minutes=61), ran), now, set()) is Decision.SKIP
    assert decide(job("d", now - timedelta(days=1), ran), now, {"d"}) is Decision.ALREADY_DONE


async def test_rebuild_after_downtime(db: Database, clock: FakeClock) -> None:
    ran: list[str] = []
    now = clock.now()
    source = ListSource(
        [
            job("future", now + timedelta(days=1), ran),
            job("slightly-late", now - timedelta(minutes=10), ran),
            job("too-late", now - timedelta(hours=5), ran),
        ]
    )
    scheduler = Scheduler(db, clock)
    scheduler.add_source(source)
    decisions = await scheduler.refresh("test")
    assert decisions == {
        "future": Decision.SCHEDULE,
        "slightly-late": Decision.RUN_LATE,
        "too-late": Decision.SKIP,
    }
    rows = await db.fetch_all("SELECT key, outcome FROM scheduled_runs")
    assert {(r["key"], r["outcome"]) for r in rows} == {("too-late", "skipped")}
    assert scheduler.job_ids() == ["future", "slightly-late"]


async def test_a_job_never_runs_twice_across_restarts(db: Database, clock: FakeClock) -> None:
    ran: list[str] = []
    planned = job("once", clock.now() + timedelta(minutes=5), ran)
    first = Scheduler(db, clock)
    first.add_source(ListSource([planned]))
    await first.refresh("test")
    await first.run_job(planned)
    await first.run_job(planned)  # a duplicate trigger changes nothing
    clock.advance(timedelta(minutes=10))
    second = Scheduler(db, clock)  # the restart
    second.add_source(ListSource([planned]))
    assert await second.refresh("test") == {"once": Decision.ALREADY_DONE}
    assert ran == ["once"]


async def test_failed_job_is_not_recorded(db: Database, clock: FakeClock) -> None:
    async def boom() -> None:
        raise RuntimeError("platform down")

    failing = PlannedJob(key="retry-me", run_at=clock.now(), run=boom)
    scheduler = Scheduler(db, clock)
    await scheduler.run_job(failing)
    assert await db.fetch_all("SELECT * FROM scheduled_runs") == []


async def test_refresh_replaces_jobs_when_data_changes(db: Database, clock: FakeClock) -> None:
    ran: list[str] = []
    source = ListSource([job("old", clock.now() + timedelta(days=1), ran)])
    scheduler = Scheduler(db, clock)
    scheduler.add_source(source)
    await scheduler.refresh("test")
    source.jobs = [job("new", clock.now() + timedelta(days=2), ran)]
    await scheduler.refresh("test")
    assert scheduler.job_ids() == ["new"]


async def test_apscheduler_runs_the_job(db: Database) -> None:
    done = asyncio.Event()
    clock = SystemClock()

    async def run() -> None:
        done.set()

    scheduler = Scheduler(db, clock)
    scheduler.add_source(
        ListSource(
            [PlannedJob(key="soon", run_at=clock.now() + timedelta(milliseconds=50), run=run)]
        )
    )
    await scheduler.start()
    try:
        await asyncio.wait_for(done.wait(), 10)
        for _ in range(500):  # the record is written just after the job returns
            if await db.fetch_one("SELECT 1 FROM scheduled_runs WHERE key = 'soon'"):
                break
            await asyncio.sleep(0.01)
    finally:
        await scheduler.shutdown()
    row = await db.fetch_one("SELECT outcome FROM scheduled_runs WHERE key = 'soon'")
    assert row is not None and row["outcome"] == "done"


async def test_shutdown_waits_for_a_running_job_and_starts_no_new_one(db: Database) -> None:
    """A job half-way through (its notice queued, its event being made) is not cut off by
    a stop: the stop waits for it; a job that had not started stays for the next start."""
    clock = SystemClock()
    started, release = asyncio.Event(), asyncio.Event()
    later_ran: list[str] = []
    later = job("later", clock.now() + timedelta(hours=1), later_ran)

    async def slow() -> None:
        started.set()
        await release.wait()

    scheduler = Scheduler(db, clock)
    scheduler.add_source(
        ListSource(
            [PlannedJob(key="running", run_at=clock.now() - timedelta(seconds=1), run=slow), later]
        )
    )
    await scheduler.start()
    await asyncio.wait_for(started.wait(), 10)
    stopping = asyncio.create_task(scheduler.shutdown())
    await asyncio.sleep(0)  # the stop begins: no new runs from here on
    await scheduler.run_job(later)  # as APScheduler would fire it now: refused
    assert not stopping.done()  # still waiting for the running job
    release.set()
    await asyncio.wait_for(stopping, 10)
    rows = await db.fetch_all("SELECT key, outcome FROM scheduled_runs")
    assert {(r["key"], r["outcome"]) for r in rows} == {("running", "done")}
    assert later_ran == []  # not started while stopping; the next start plans it again
    assert await scheduler.refresh("test") == {}  # nothing is planned once stopping


async def test_shutdown_cancels_a_job_that_outlives_its_grace(db: Database) -> None:
    clock = SystemClock()
    started = asyncio.Event()

    async def stuck() -> None:
        started.set()
        await asyncio.Event().wait()

    scheduler = Scheduler(db, clock)
    scheduler.add_source(
        ListSource([PlannedJob(key="stuck", run_at=clock.now() - timedelta(seconds=1), run=stuck)])
    )
    await scheduler.start()
    await asyncio.wait_for(started.wait(), 10)
    await asyncio.wait_for(scheduler.shutdown(grace_seconds=0.05), 10)
    assert await db.fetch_all("SELECT * FROM scheduled_runs") == []  # runs again at next start
