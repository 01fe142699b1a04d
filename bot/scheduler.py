"""Scheduled work: the database is the truth, APScheduler only holds what was rebuilt from it.

Cogs register job sources. At start (and whenever a cog says its data changed) the scheduler
asks each source for its planned jobs, drops the ones already recorded in ``scheduled_runs``,
records as skipped the ones that came due too long ago (the bot was down), runs the slightly
late ones at once, and hands the rest to APScheduler with a date trigger.

Stopping (``shutdown``) first stops new runs, then waits a while for the runs in progress to
finish (a job cancelled half-way could have done part of its work on a platform without
recording it), and only then shuts APScheduler down: its own shutdown cancels running jobs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.clock import Clock, to_db
from bot.errors import log_failure
from bot.observe import JobOutcome, Observers
from bot.stopping import cancel_and_wait
from bot.storage import Database
from bot.storage_checks import CANNOT_SAVE, problem_of

log = logging.getLogger(__name__)

#: How soon a job whose write the disk refused is tried again.
STORAGE_RETRY = timedelta(minutes=1)
#: How long a stop waits for the jobs already running to finish before cancelling them.
STOP_GRACE_SECONDS = 30.0


@dataclass(frozen=True)
class PlannedJob:
    """One piece of future work. ``key`` is unique for all time (it names the run, not a task)."""

    key: str
    run_at: datetime
    run: Callable[[], Awaitable[None]]
    grace: timedelta = timedelta(hours=1)


class JobSource(Protocol):
    name: str

    async def planned_jobs(self, now: datetime) -> list[PlannedJob]:
        """The jobs the data calls for from now on (and recently overdue ones)."""
        ...


class Decision(StrEnum):
    SCHEDULE = "schedule"
    RUN_LATE = "run-late"
    SKIP = "skip"
    ALREADY_DONE = "already-done"


def decide(job: PlannedJob, now: datetime, recorded: set[str]) -> Decision:
    """What to do with a planned job, given the time and the runs already recorded."""
    if job.key in recorded:
        return Decision.ALREADY_DONE
    if job.run_at > now:
        return Decision.SCHEDULE
    if now - job.run_at <= job.grace:
        return Decision.RUN_LATE
    return Decision.SKIP


class Scheduler:
    def __init__(self, db: Database, clock: Clock, observers: Observers | None = None) -> None:
        self.db = db
        self.clock = clock
        #: Told each job's source and outcome (never its key: keys name people), for /metrics.
        self.observers = observers or Observers()
        self._sources: dict[str, JobSource] = {}
        self._aps = AsyncIOScheduler(timezone="UTC")
        self._job_ids: dict[str, set[str]] = {}
        self._stopping = False
        #: The runs in progress (APScheduler runs each as a task of its own).
        self._running: set[asyncio.Task[object]] = set()

    def add_source(self, source: JobSource) -> None:
        if source.name in self._sources:
            raise ValueError(f"job source {source.name!r} registered twice")
        self._sources[source.name] = source

    def add_periodic(
        self, name: str, func: Callable[[], Awaitable[None]], every: timedelta
    ) -> None:
        """Housekeeping that repeats (retention sweeps); it sends nothing, so it needs no key."""
        self._aps.add_job(
            self._guarded(name, func),
            IntervalTrigger(seconds=every.total_seconds()),
            id=f"periodic:{name}",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
        )

    async def start(self) -> None:
        self._aps.start()
        for name in self._sources:
            await self.refresh(name)

    async def shutdown(self, grace_seconds: float = STOP_GRACE_SECONDS) -> None:
        """Stop taking new work, let the runs in progress finish (for up to ``grace_seconds``,
        then cancel them), then shut APScheduler down. A job that did not start is not
        recorded, so the next start plans it again (late, or skipped if too late)."""
        self._stopping = True
        if self._aps.running:
            self._aps.pause()  # no new runs; those already started go on
        running = {task for task in self._running if not task.done()}
        if running:
            log.info("scheduler: waiting for %d running job(s) to finish", len(running))
            _done, left = await asyncio.wait(running, timeout=grace_seconds)
            if left:
                log.warning(
                    "scheduler: %d job(s) still running after %.0fs; cancelling them",
                    len(left),
                    grace_seconds,
                )
                await cancel_and_wait(left, "scheduled jobs")
        if self._aps.running:
            self._aps.shutdown(wait=False)

    @property
    def stopping(self) -> bool:
        return self._stopping

    def job_ids(self) -> list[str]:
        return sorted(job.id for job in self._aps.get_jobs())

    async def refresh(self, source_name: str) -> dict[str, Decision]:
        """Rebuild one source's jobs from the database; call it after changing that data.
        While stopping nothing is planned (the next start rebuilds everything)."""
        if self._stopping:
            return {}
        source = self._sources[source_name]
        for job_id in self._job_ids.pop(source_name, set()):
            if self._aps.get_job(job_id) is not None:
                self._aps.remove_job(job_id)
        now = self.clock.now()
        planned = await source.planned_jobs(now)
        recorded = await self._recorded({job.key for job in planned})
        decisions: dict[str, Decision] = {}
        ids: set[str] = set()
        for job in planned:
            decision = decide(job, now, recorded)
            decisions[job.key] = decision
            if decision is Decision.SKIP:
                await self._record(job, "skipped")
                self.observers.job(source_name, JobOutcome.SKIPPED)
                log.info("scheduled %s skipped: it came due while the bot was down", job.key)
            elif decision in (Decision.SCHEDULE, Decision.RUN_LATE):
                run_date = job.run_at if decision is Decision.SCHEDULE else None
                self._aps.add_job(
                    self._run_and_record(job, source_name),
                    DateTrigger(run_date=run_date, timezone="UTC"),
                    id=job.key,
                    replace_existing=True,
                    misfire_grace_time=int(job.grace.total_seconds()) or 1,
                )
                ids.add(job.key)
        self._job_ids[source_name] = ids
        return decisions

    async def run_job(self, job: PlannedJob) -> None:
        """Run a job now and record it (what APScheduler calls; tests call it directly)."""
        await self._run_and_record(job, self._source_of(job.key))()

    def _source_of(self, key: str) -> str:
        return next((name for name, ids in self._job_ids.items() if key in ids), "other")

    def _run_and_record(self, job: PlannedJob, source: str) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            if self._stopping:
                return  # not recorded: the next start plans it again
            with self._tracked():
                try:
                    outcome = await self._run_once_recorded(job)
                except Exception as error:
                    problem = problem_of(error)
                    if problem not in CANNOT_SAVE:
                        raise
                    self.observers.job(source, JobOutcome.RETRIED)
                    self._retry_later(job, run, str(problem))
                    return
                if outcome is not None:
                    self.observers.job(source, outcome)

        return run

    @contextlib.contextmanager
    def _tracked(self) -> Iterator[None]:
        """Count the current task as a run in progress, so a stop waits for it. A run the stop
        had to cancel ends quietly (one line in the log, no traceback from APScheduler): it was
        not recorded, so the next start plans it again."""
        task = asyncio.current_task()
        if task is None:
            yield
            return
        self._running.add(task)
        try:
            yield
        except asyncio.CancelledError:
            if not self._stopping:
                raise
            log.info("scheduler: a job cancelled by the stop; the next start plans it again")
        finally:
            self._running.discard(task)

    async def _run_once_recorded(self, job: PlannedJob) -> JobOutcome | None:
        """How the run went; None when it had already run."""
        recorded = await self._recorded({job.key})
        if job.key in recorded:
            return None
        try:
            await job.run()
        except Exception as error:
            if problem_of(error) in CANNOT_SAVE:
                raise  # the job could not save its work: try it again, below
            log_failure(
                log,
                error,
                "scheduled %s failed; it will be planned again at next rebuild",
                job.key,
            )
            return JobOutcome.FAILED
        await self._record(job, "done")
        return JobOutcome.DONE

    def _retry_later(self, job: PlannedJob, run: Callable[[], Awaitable[None]], why: str) -> None:
        """The database refused a write (a full disk): run the job again in a while, as long
        as it is still within its grace; a job's messages have unique outbox keys, so running
        it again never queues them twice."""
        if self.clock.now() - job.run_at > job.grace:
            log.warning(
                "scheduled %s cannot save (database %s) and is now too late; "
                "it is reconsidered at the next rebuild",
                job.key,
                why,
            )
            return
        at = datetime.now(UTC) + STORAGE_RETRY  # APScheduler keeps real time
        self._aps.add_job(
            run,
            DateTrigger(run_date=at, timezone="UTC"),
            id=job.key,
            replace_existing=True,
            misfire_grace_time=int(job.grace.total_seconds()) or 1,
        )
        log.warning(
            "scheduled %s cannot save (database %s); trying again in %.0fs",
            job.key,
            why,
            STORAGE_RETRY.total_seconds(),
        )

    def _guarded(
        self, name: str, func: Callable[[], Awaitable[None]]
    ) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            if self._stopping:
                return
            with self._tracked():
                try:
                    await func()
                except Exception as error:
                    log_failure(log, error, "periodic job %s failed", name)
                    self.observers.job(name, JobOutcome.FAILED)
                    return
                self.observers.job(name, JobOutcome.DONE)

        return run

    async def _recorded(self, keys: set[str]) -> set[str]:
        if not keys:
            return set()
        marks = ",".join("?" for _ in keys)
        rows = await self.db.fetch_all(
            f"SELECT key FROM scheduled_runs WHERE key IN ({marks})", tuple(keys)
        )
        return {str(r["key"]) for r in rows}

    async def _record(self, job: PlannedJob, outcome: str) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                """INSERT OR IGNORE INTO scheduled_runs (key, outcome, planned_for, recorded_at)
                   VALUES (?, ?, ?, ?)""",
                (job.key, outcome, to_db(job.run_at), to_db(self.clock.now())),
            )
