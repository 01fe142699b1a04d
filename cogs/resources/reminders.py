"""A private reminder to each network's coordinators, once a month, of the entries nobody has
checked for a while. Planned from the database: one job per network and month, its messages
keyed by network, month and coordinator, so a restart or a crash never sends one twice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

from bot.identity import user_from_key
from bot.kernel import Kernel
from bot.replies import Reply
from bot.scheduler import PlannedJob
from cogs.networks import queries as network_queries
from cogs.resources import repository as repo
from cogs.resources.service import ResourceService

SOURCE = "resources-stale"
#: When in the month: the 1st at 00:00 UTC (10 or 11 in the morning on the east coast).
REMIND_DAY = 1
#: A bot down on the 1st still reminds within the week; later, that month is skipped.
REMIND_GRACE = dt.timedelta(days=7)
LISTED_MAX = 25


def month_start(day: dt.date, ahead: int = 0) -> dt.datetime:
    index = day.year * 12 + day.month - 1 + ahead
    year, month = divmod(index, 12)
    return dt.datetime(year, month + 1, REMIND_DAY, tzinfo=dt.UTC)


class StaleReminders:
    """The scheduler's source of the monthly reminders (this month's and next month's)."""

    name = SOURCE

    def __init__(self, kernel: Kernel, service: ResourceService) -> None:
        self.kernel = kernel
        self.service = service

    async def planned_jobs(self, now: dt.datetime) -> list[PlannedJob]:
        jobs = []
        for info in await self.kernel.registry.directory.networks():
            for ahead in (0, 1):
                at = month_start(now.date(), ahead)
                month = at.strftime("%Y-%m")
                jobs.append(
                    PlannedJob(
                        key=f"resources:stale-reminder:{info.id}:{month}",
                        run_at=at,
                        run=self._runner(info.id, month),
                        grace=REMIND_GRACE,
                    )
                )
        return jobs

    def _runner(self, network_id: int, month: str) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            await self.remind(network_id, month)

        return run

    async def remind(self, network_id: int, month: str) -> int:
        """Queue the reminder for each coordinator of the network; returns how many. Nothing
        is sent when every entry was checked recently."""
        months = self.kernel.settings.resources.stale_months
        name = await self.service.network_name(network_id)
        slug = next(
            (n.slug for n in await self.kernel.registry.directory.networks() if n.id == network_id),
            "",
        )
        async with self.kernel.db.transaction() as tx:
            found = await repo.stale(
                tx, network_id, False, self.service.stale_before(), LISTED_MAX + 1
            )
            if not found:
                return 0
            coordinators = await network_queries.coordinators(tx, network_id)
            shown = found[:LISTED_MAX]
            more = " (the oldest 25 are listed)" if len(found) > LISTED_MAX else ""
            lines = [
                f"Monthly reminder for {name}'s resource library: these entries have not been "
                f"checked for {months} months or more{more}, oldest first.",
                *(
                    f"- {r.title} (entry {r.id}), last checked {r.last_checked.isoformat()}"
                    for r in shown
                ),
                f"Check each link and its details, then mark them checked with /library stale "
                f"network:{slug} (or fix one with /library edit, or take it out with "
                "/library retire).",
            ]
            for key in coordinators:
                await self.kernel.outbox.enqueue(
                    tx,
                    key=f"resources:stale:{network_id}:{month}:{key}",
                    target=user_from_key(key),
                    message=Reply(text="\n".join(lines), private=True),
                )
        self.kernel.outbox.notify()
        return len(coordinators)
