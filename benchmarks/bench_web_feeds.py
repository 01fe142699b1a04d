"""Calendar feeds and /healthz under load, over real HTTP on 127.0.0.1.

On a real SQLite file: ``--networks`` networks, each with a quarterly series (one meeting
skipped, one with its own topic) and a feed token. The feed and ops routes are served by
aiohttp (a real TCPSite on 127.0.0.1, port 0) and polled by ``--concurrency`` clients at once:

1. first polls: every network's feed once (each built, nothing cached yet);
2. polling as calendars do: ``--polls`` requests spread over the networks, half sending the
   ETag they already have (If-None-Match), after ``--changed`` networks had a meeting moved;
3. ``/healthz`` loads, as many, at the same concurrency.

Prints p50 and p99 for each, the share answered 304, the share of 200s answered from the cache,
and how many feeds were rebuilt (it should be the changed ones only). Figures only: nothing
here is timed in the tests.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta

import aiohttp
from aiohttp import web

from bot.app import App
from bot.clock import to_db
from bot.kernel import Kernel
from cogs.feeds.commands import FeedsCog
from config.settings import load_settings
from web import feeds, ops
from web.context import CONTEXT, WebContext

TIMEZONE = "Australia/Sydney"


async def add_networks(kernel: Kernel, count: int, first: date) -> None:
    """``count`` networks, each with one quarterly series, a skipped meeting and a topic."""
    now = to_db(kernel.clock.now())
    skipped = (first + timedelta(days=92)).replace(day=first.day).isoformat()
    async with kernel.db.transaction() as tx:
        for i in range(1, count + 1):
            await tx.execute(
                "INSERT INTO networks (id, slug, name, timezone, created_at) VALUES (?,?,?,?,?)",
                (i, f"net-{i}", f"Network {i}", TIMEZONE, now),
            )
            await tx.execute(
                """INSERT INTO meeting_series (id, network_id, name, first_date, start_time,
                       duration_minutes, timezone, interval_months, created_by, created_at,
                       updated_at, location)
                   VALUES (?, ?, ?, ?, '18:30', 90, ?, 3, 'console:admin', ?, ?, 'Room 3')""",
                (i, i, f"Network {i} meeting", first.isoformat(), TIMEZONE, now, now),
            )
            await tx.execute(
                """INSERT INTO occurrence_changes (series_id, occurrence_key, skipped,
                       changed_by, changed_at) VALUES (?, ?, 1, 'console:admin', ?)""",
                (i, skipped, now),
            )
            await tx.execute(
                """INSERT INTO meeting_plans (series_id, occurrence_key, topic, planned_by,
                       planned_at) VALUES (?, ?, 'Boundaries', 'console:admin', ?)""",
                (i, first.isoformat(), now),
            )


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(label: str, seconds: list[float], extra: str = "") -> None:
    ms = [s * 1000 for s in seconds]
    print(
        f"{label}: {len(ms)} requests, p50 {statistics.median(ms):.1f} ms, "
        f"p99 {percentile(ms, 0.99):.1f} ms{extra}"
    )


async def load(
    concurrency: int, requests: list[Callable[[], Awaitable[int]]]
) -> tuple[list[float], list[int], float]:
    """Run the requests with ``concurrency`` in flight at once: (latencies, statuses, wall)."""
    queue = list(reversed(requests))
    latencies: list[float] = []
    statuses: list[int] = []

    async def worker() -> None:
        while queue:
            request = queue.pop()
            t0 = time.perf_counter()
            statuses.append(await request())
            latencies.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, statuses, time.perf_counter() - t0


class Poller:
    """Polls feeds as a calendar does: it keeps the ETag of each feed's last 200."""

    def __init__(self, session: aiohttp.ClientSession, base: str, tokens: dict[int, str]):
        self.session = session
        self.base = base
        self.tokens = tokens
        self.etags: dict[int, str] = {}

    def poll(self, network: int, conditional: bool) -> Callable[[], Awaitable[int]]:
        async def run() -> int:
            etag = self.etags.get(network) if conditional else None
            headers = {"If-None-Match": etag} if etag else {}
            url = f"{self.base}/calendar/{self.tokens[network]}.ics"
            async with self.session.get(url, headers=headers) as response:
                await response.read()
                if response.status == 200:
                    self.etags[network] = response.headers["ETag"]
                return response.status

        return run

    async def health(self) -> int:
        async with self.session.get(f"{self.base}/healthz") as response:
            await response.read()
            return response.status


async def change_meetings(kernel: Kernel, count: int, key: str) -> None:
    async with kernel.db.transaction() as tx:
        for i in range(1, count + 1):
            await tx.execute(
                """INSERT INTO occurrence_changes (series_id, occurrence_key, location,
                       changed_by, changed_at) VALUES (?, ?, 'Room 5', 'console:admin', ?)""",
                (i, key, to_db(kernel.clock.now())),
            )


async def run_load(
    kernel: Kernel, cog: FeedsCog, poller: Poller, args: argparse.Namespace, first: date
) -> None:
    stats = cog.service.stats
    every = [poller.poll(i, False) for i in range(1, args.networks + 1)]
    latencies, _, wall = await load(args.concurrency, every)
    report(
        f"1. first polls of every feed ({args.concurrency} at once)",
        latencies,
        f", {wall:.1f} s in all, {stats.built} built",
    )

    await change_meetings(kernel, args.changed, first.isoformat())
    built, reused, not_modified = stats.built, stats.reused, stats.not_modified
    requests = [poller.poll(1 + n % args.networks, n % 2 == 0) for n in range(args.polls)]
    latencies, statuses, wall = await load(args.concurrency, requests)
    answered_304 = statuses.count(304)
    from_cache = stats.reused - reused
    report(
        f"2. polling ({args.concurrency} at once, half with If-None-Match, "
        f"{args.changed} feeds changed)",
        latencies,
        f", {wall:.1f} s in all",
    )
    print(
        f"   304 not modified: {answered_304} of {len(statuses)} "
        f"({answered_304 / len(statuses):.0%}); 200: {statuses.count(200)}; answered from the "
        f"cache (200 or 304, not rebuilt): {from_cache} ({from_cache / len(statuses):.0%}); "
        f"rebuilt: {stats.built - built} (changed: {args.changed}); 304s counted: "
        f"{stats.not_modified - not_modified}"
    )

    latencies, statuses, wall = await load(
        args.concurrency, [poller.health for _ in range(args.polls)]
    )
    report(
        f"3. /healthz ({args.concurrency} at once)",
        latencies,
        f", {wall:.1f} s in all, answered 200: {statuses.count(200)}",
    )


async def main(args: argparse.Namespace) -> None:
    logging.getLogger().setLevel(logging.ERROR)
    first = datetime.now(UTC).date() + timedelta(days=30)
    first = first.replace(day=min(first.day, 28))
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(
            None, environ={"PEERBOT_DATA_DIR": folder, "PEERBOT_WEB__ENABLED": "true"}
        )
        app = App(settings)
        kernel = await app.start_without_worker()
        try:
            cog = kernel.cogs["feeds"]
            assert isinstance(cog, FeedsCog)
            t0 = time.perf_counter()
            await add_networks(kernel, args.networks, first)
            ids = range(1, args.networks + 1)
            tokens = {i: await cog.service.token("network", i) for i in ids}
            print(
                f"created {args.networks} networks with a series and a feed token in "
                f"{time.perf_counter() - t0:.1f} s"
            )
            web_app = web.Application()
            context = WebContext(kernel=kernel, settings=settings.web, clock=kernel.clock)
            web_app[CONTEXT] = context
            feeds.add_routes(web_app, context)
            ops.add_routes(web_app, context)
            runner = web.AppRunner(web_app, access_log=None)
            await runner.setup()
            try:
                site = web.TCPSite(runner, "127.0.0.1", 0)
                await site.start()
                base = f"http://127.0.0.1:{runner.addresses[0][1]}"
                connector = aiohttp.TCPConnector(limit=args.concurrency)
                async with aiohttp.ClientSession(connector=connector) as session:
                    await run_load(kernel, cog, Poller(session, base, tokens), args, first)
            finally:
                await runner.cleanup()
        finally:
            await app.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--networks", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--polls", type=int, default=2000, help="requests in parts 2 and 3")
    parser.add_argument("--changed", type=int, default=50, help="feeds changed before part 2")
    parsed = parser.parse_args()
    for name in ("networks", "concurrency", "polls"):
        setattr(parsed, name, max(1, getattr(parsed, name)))
    parsed.changed = min(max(0, parsed.changed), parsed.networks)
    asyncio.run(main(parsed))
