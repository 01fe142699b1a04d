"""The weekly link check, when ``[resources] check_links`` is on: each live entry's web address
is asked for with HEAD (then GET, as some servers refuse HEAD), 5 seconds each; a link that
stops working is flagged, its network's coordinators are told privately once, and it shows in
/library stale until it works again, is edited or is marked checked."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiohttp

from bot.identity import user_from_key
from bot.kernel import Kernel
from bot.replies import Reply
from bot.scheduler import PlannedJob
from bot.storage import Transaction
from cogs.networks import queries as network_queries

SOURCE = "resources-links"
TIMEOUT = aiohttp.ClientTimeout(total=5)
CHECK_GRACE = dt.timedelta(days=3)


@dataclass(frozen=True)
class Broken:
    id: int
    network_id: int | None
    title: str
    link: str
    problem: str
    since: dt.date


async def problem_of(session: aiohttp.ClientSession, url: str) -> str | None:
    """None when the address answers (HEAD, else GET, below 400); else what went wrong, in
    words a coordinator understands."""
    status = 0
    for method in ("HEAD", "GET"):
        try:
            async with session.request(method, url, allow_redirects=True) as answer:
                status = answer.status
        except TimeoutError:
            return "no answer within 5 seconds"
        except aiohttp.ClientError:
            return "the site could not be reached"
        if status < 400:
            return None
    return f"the site answered {status} (not found or refused)"


def week_start(day: dt.date, ahead: int = 0) -> dt.datetime:
    """Monday 00:00 UTC of the week of ``day`` (``ahead`` weeks later)."""
    monday = day - dt.timedelta(days=day.weekday()) + dt.timedelta(weeks=ahead)
    return dt.datetime(monday.year, monday.month, monday.day, tzinfo=dt.UTC)


class LinkChecks:
    """The scheduler's source of the weekly checks (none while check_links is off)."""

    name = SOURCE

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel

    async def planned_jobs(self, now: dt.datetime) -> list[PlannedJob]:
        if not self.kernel.settings.resources.check_links:
            return []
        jobs = []
        for ahead in (0, 1):
            at = week_start(now.date(), ahead)
            jobs.append(
                PlannedJob(
                    key=f"resources:link-check:{at.date().isoformat()}",
                    run_at=at,
                    run=self._runner(),
                    grace=CHECK_GRACE,
                )
            )
        return jobs

    def _runner(self) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            await self.check_all()

        return run

    async def check_all(self) -> list[Broken]:
        """Check every live entry's link; returns the ones newly found broken."""
        today = self.kernel.clock.now().date()
        rows = await self.kernel.db.fetch_all(
            """SELECT id, link FROM resources WHERE retired_at IS NULL AND link IS NOT NULL
               AND (closes_on IS NULL OR closes_on >= ?) ORDER BY id""",
            (today.isoformat(),),
        )
        found: dict[int, str | None] = {}
        async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
            for row in rows:
                found[int(row["id"])] = await problem_of(session, str(row["link"]))
                await asyncio.sleep(0)
        newly: list[Broken] = []
        async with self.kernel.db.transaction() as tx:
            for resource_id, problem in found.items():
                if problem is None:
                    await clear(tx, resource_id)
                    continue
                changed = await tx.execute(
                    """UPDATE resources SET link_problem = ?, link_broken_since = ?
                       WHERE id = ? AND link_broken_since IS NULL""",
                    (problem, today.isoformat(), resource_id),
                )
                await tx.execute(
                    "UPDATE resources SET link_problem = ? WHERE id = ?", (problem, resource_id)
                )
                if changed:
                    newly += [b for b in await broken(tx, None, True) if b.id == resource_id]
            for entry in newly:
                await self._tell(tx, entry)
        self.kernel.outbox.notify()
        return newly

    async def _tell(self, tx: Transaction, entry: Broken) -> None:
        """The coordinators of the entry's network (shared entries: nobody; admins see them
        in /library stale), once per breakage."""
        if entry.network_id is None:
            return
        text = (
            f"A link in your network's resource library stopped working: {entry.title} "
            f"(entry {entry.id}), {entry.link}: {entry.problem}. Fix it with /library edit, "
            "or take it out with /library retire; /library stale lists it until then."
        )
        for key in await network_queries.coordinators(tx, entry.network_id):
            await self.kernel.outbox.enqueue(
                tx,
                key=f"resources:broken:{entry.id}:{entry.since.isoformat()}:{key}",
                target=user_from_key(key),
                message=Reply(text=text, private=True),
            )


async def clear(tx: Transaction, resource_id: int) -> None:
    await tx.execute(
        "UPDATE resources SET link_problem = NULL, link_broken_since = NULL WHERE id = ?",
        (resource_id,),
    )


async def broken(tx: Transaction, network_id: int | None, shared: bool) -> list[Broken]:
    """Live entries whose link failed at the last check: the network's, and shared ones if
    asked (``network_id`` None and ``shared``: every one)."""
    scope = "network_id IS NULL" if shared else "0"
    if network_id is not None:
        scope = f"network_id = ? OR {scope}"
    elif shared:
        scope = "1"
    rows = await tx.fetch_all(
        f"""SELECT id, network_id, title, link, link_problem, link_broken_since FROM resources
            WHERE ({scope}) AND retired_at IS NULL AND link_broken_since IS NOT NULL
            ORDER BY link_broken_since, id""",
        () if network_id is None else (network_id,),
    )
    return [
        Broken(
            int(r["id"]),
            None if r["network_id"] is None else int(r["network_id"]),
            str(r["title"]),
            str(r["link"]),
            str(r["link_problem"]),
            dt.date.fromisoformat(str(r["link_broken_since"])),
        )
        for r in rows
    ]
