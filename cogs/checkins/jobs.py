"""The scheduler's job source for check-ins: each prompt, its one reminder, and the daily
retention sweep, planned from the database.

A prompt is a job keyed ``checkin:SUBSCRIPTION:SLOT:prompt`` that queues an outbox message
with the same key, so a restart or crash at any point sends it exactly once: the scheduler
records the job after it ran, the outbox ignores a second queueing of the key, and the
platform ignores a second delivery of it. A prompt may go late on the day it was due, never on
a later day (``not_after`` is the end of that local day): one that came due while the bot was
down for longer is recorded as skipped. The reminder goes at the same local time the next day,
only if the check-in is still unanswered, and only that day. A prompt whose check-in came at
or before the person's last change (a resume, new settings) is never sent late: on resuming,
a check-in that fell inside the pause stays paused.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable

from bot.identity import user_from_key
from bot.kernel import Kernel
from bot.scheduler import PlannedJob
from cogs.checkins import repository as repo
from cogs.checkins.messages import Slot, prompt
from cogs.checkins.models import Subscription
from cogs.checkins.schedule import describe_instant, end_of_local_day, same_time_next_day
from cogs.checkins.service import JOB_SOURCE, SCHEDULED, CheckinService, prompt_key

log = logging.getLogger(__name__)

LOOK_BACK = dt.timedelta(days=3)  # recent check-ins: late, reminded, or recorded as skipped
LOOK_AHEAD = dt.timedelta(days=3)  # the periodic re-plan runs far more often than this
RETENTION_HOUR_UTC = 16  # 3am in Sydney in summer, 2am in winter: a quiet time


class CheckinJobs:
    name = JOB_SOURCE

    def __init__(self, kernel: Kernel, service: CheckinService) -> None:
        self.kernel = kernel
        self.service = service

    async def planned_jobs(self, now: dt.datetime) -> list[PlannedJob]:
        async with self.kernel.db.reading() as tx:
            subscriptions = await repo.all_subscriptions(tx)
        jobs: list[PlannedJob] = []
        for sub in subscriptions:
            for slot in sub.timing.slots(now - LOOK_BACK, now + LOOK_AHEAD):
                if sub.is_paused_for(slot):
                    continue
                zone = sub.timing.zone
                if sub.is_sendable(slot):
                    jobs.append(
                        PlannedJob(
                            key=prompt_key(sub.id, slot),
                            run_at=slot,
                            run=self._bind(self.send_prompt, sub.id, slot),
                            grace=end_of_local_day(slot, zone) - slot,
                        )
                    )
                remind_at = same_time_next_day(slot, zone)
                jobs.append(
                    PlannedJob(
                        key=prompt_key(sub.id, slot, "reminder"),
                        run_at=remind_at,
                        run=self._bind(self.send_reminder, sub.id, slot),
                        grace=end_of_local_day(remind_at, zone) - remind_at,
                    )
                )
        jobs += self._retention_jobs(now)
        return jobs

    def _retention_jobs(self, now: dt.datetime) -> list[PlannedJob]:
        jobs = []
        for days in (0, 1):
            day = now.date() + dt.timedelta(days=days)
            at = dt.datetime.combine(day, dt.time(RETENTION_HOUR_UTC), dt.UTC)
            jobs.append(
                PlannedJob(
                    key=f"checkin-retention:{day.isoformat()}",
                    run_at=at,
                    run=self._retention,
                    grace=dt.timedelta(hours=23),
                )
            )
        return jobs

    async def _retention(self) -> None:
        await self.service.delete_expired()

    @staticmethod
    def _bind(
        run: Callable[[int, dt.datetime], Awaitable[None]], sub_id: int, slot: dt.datetime
    ) -> Callable[[], Awaitable[None]]:
        async def job() -> None:
            await run(sub_id, slot)

        return job

    async def _still_due(self, sub: Subscription | None, slot: dt.datetime) -> bool:
        """The data may have changed since planning: only a live, unpaused slot is sent."""
        return sub is not None and sub.timing.is_slot(slot) and not sub.is_paused_for(slot)

    async def send_prompt(self, sub_id: int, slot: dt.datetime) -> None:
        async with self.kernel.db.transaction() as tx:
            sub = await repo.subscription_by_id(tx, sub_id)
            if sub is None or not await self._still_due(sub, slot) or not sub.is_sendable(slot):
                return
            if await self.service.closed_before(tx, sub, slot, self.kernel.clock.now()):
                log.info("check-in prompt %s not sent: answered with /checkin now", sub.id)
                return
            zone = sub.timing.zone
            await self.kernel.outbox.enqueue(
                tx,
                key=prompt_key(sub.id, slot),
                target=user_from_key(sub.user_key),
                message=prompt(
                    Slot(sub.id, slot, SCHEDULED), sub.scale, when=describe_instant(slot, zone)
                ),
                due_at=slot,
                not_after=end_of_local_day(slot, zone),
            )
        self.kernel.outbox.notify()

    async def send_reminder(self, sub_id: int, slot: dt.datetime) -> None:
        async with self.kernel.db.transaction() as tx:
            sub = await repo.subscription_by_id(tx, sub_id)
            if sub is None or not await self._still_due(sub, slot):
                return
            if await self.service.closed_before(tx, sub, slot, self.kernel.clock.now()):
                return  # answered, or closed by /checkin now since that day began
            if await self.kernel.outbox.status_in(tx, prompt_key(sub.id, slot)) != "sent":
                return  # never delivered (skipped while the bot was down): nothing to remind
            zone = sub.timing.zone
            remind_at = same_time_next_day(slot, zone)
            await self.kernel.outbox.enqueue(
                tx,
                key=prompt_key(sub.id, slot, "reminder"),
                target=user_from_key(sub.user_key),
                message=prompt(
                    Slot(sub.id, slot, SCHEDULED),
                    sub.scale,
                    when=describe_instant(slot, zone),
                    reminder=True,
                ),
                due_at=remind_at,
                not_after=end_of_local_day(remind_at, zone),
            )
        self.kernel.outbox.notify()
