"""For operators: ``/healthz`` (is the bot well?) and ``/metrics`` (Prometheus text format).

Neither says anything about a person: no user keys, no network names, no message text. The
labels are names fixed in the code (a command's name, an outcome, a job source, a platform),
so a scrape cannot grow with the people using the bot.

``/healthz`` is 200 when the database answers a real query, every configured platform is
connected, and the oldest message due in the outbox has waited less than ``STALE_OUTBOX``;
503 otherwise, with the same JSON saying which part is not.

``/metrics`` uses a registry of its own (never prometheus-client's global one), so two bots
in one process, or tests, never share counters. The counters follow the kernel's observers
(``bot/observe.py``); the gauges are read when scraped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from bot.clock import from_db, to_db
from bot.observe import JobOutcome, Observers, OutboxEvent, Outcome
from web.context import CONTEXT, WebContext
from web.feeds import SERVICE as FEEDS

log = logging.getLogger(__name__)

#: A due message older than this means delivery is stuck.
STALE_OUTBOX = timedelta(minutes=15)
#: How long /healthz waits for the database before calling it unreachable.
DATABASE_TIMEOUT_SECONDS = 3.0
#: Seconds: most commands answer in milliseconds; a slow one waits on a platform.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"


class Metrics:
    """The counters, in their own registry, fed by the kernel's observers."""

    def __init__(self, observers: Observers) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.commands = Counter(
            "peerbot_commands",
            "Commands run, by command and outcome (ok, refused, denied, error)",
            ["command", "outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "peerbot_command_seconds",
            "How long commands took to answer, by command",
            ["command"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.outbox = Counter(
            "peerbot_outbox_messages",
            "Outbox messages by what happened: queued, sent, retried, skipped, failed",
            ["event"],
            registry=self.registry,
        )
        self.jobs = Counter(
            "peerbot_scheduler_jobs",
            "Scheduled and periodic jobs run, by source and outcome",
            ["source", "outcome"],
            registry=self.registry,
        )
        for event in OutboxEvent:
            self.outbox.labels(event=event.value)  # every series shows, at 0
        observers.on_command(self._command)
        observers.on_outbox(self._outbox)
        observers.on_job(self._job)

    def _command(self, name: str, outcome: Outcome, seconds: float) -> None:
        self.commands.labels(command=name, outcome=outcome.value).inc()
        self.latency.labels(command=name).observe(seconds)

    def _outbox(self, event: OutboxEvent, count: int) -> None:
        self.outbox.labels(event=event.value).inc(count)

    def _job(self, source: str, outcome: JobOutcome) -> None:
        self.jobs.labels(source=source, outcome=outcome.value).inc()


class _Gauges(Collector):
    """What is true now, read when scraped: filled in by the handler just before."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def collect(self) -> Iterator[Any]:
        values = self.values
        yield _gauge("peerbot_outbox_pending", "Outbox messages not yet sent", values, "pending")
        yield _gauge(
            "peerbot_outbox_due", "Outbox messages due now and not yet sent", values, "due"
        )
        yield _gauge(
            "peerbot_outbox_oldest_due_seconds",
            "How long the oldest due message has waited",
            values,
            "oldest_due_seconds",
        )
        yield _gauge(
            "peerbot_scheduler_jobs_planned", "Jobs the scheduler holds now", values, "planned"
        )
        connected = GaugeMetricFamily(
            "peerbot_platform_connected", "1 when the platform is connected", labels=["platform"]
        )
        for platform, up in sorted(values.get("platforms", {}).items()):
            connected.add_metric([platform], 1.0 if up else 0.0)
        yield connected
        feeds = CounterMetricFamily(
            "peerbot_calendar_feed_answers",
            "Calendar feed answers: built, from the cache, or 304 not modified",
            labels=["result"],
        )
        for result, count in values.get("feeds", {}).items():
            feeds.add_metric([result], count)
        yield feeds


def _gauge(name: str, text: str, values: dict[str, Any], key: str) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, text, value=float(values.get(key) or 0))


METRICS: web.AppKey[Metrics] = web.AppKey("peerbot-metrics", Metrics)
GAUGES: web.AppKey[_Gauges] = web.AppKey("peerbot-gauges", _Gauges)


def add_routes(app: web.Application, context: WebContext) -> None:
    metrics = Metrics(context.kernel.observers)
    gauges = _Gauges()
    metrics.registry.register(gauges)
    app[METRICS] = metrics
    app[GAUGES] = gauges
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_page)


async def outbox_state(context: WebContext, now: datetime) -> dict[str, Any]:
    """Pending and due messages, and how long the oldest due one has waited: real queries,
    so they also prove the database answers."""
    db = context.kernel.db
    row = await db.fetch_one(
        """SELECT COUNT(*) AS pending,
                  SUM(CASE WHEN next_attempt_at <= ? THEN 1 ELSE 0 END) AS due,
                  MIN(CASE WHEN next_attempt_at <= ? THEN due_at END) AS oldest
           FROM outbox WHERE status = 'pending'""",
        (to_db(now), to_db(now)),
    )
    assert row is not None
    oldest = from_db(row["oldest"]) if row["oldest"] else None
    return {
        "pending": int(row["pending"] or 0),
        "due": int(row["due"] or 0),
        "oldest_due_seconds": round(max(0.0, (now - oldest).total_seconds()), 1) if oldest else 0.0,
    }


async def healthz(request: web.Request) -> web.Response:
    context = request.app[CONTEXT]
    now = context.clock.now()
    try:
        outbox = await asyncio.wait_for(outbox_state(context, now), DATABASE_TIMEOUT_SECONDS)
        database_ok = True
    except Exception as error:  # unreachable, locked, corrupt: say so, log the kind only
        log.warning("healthz: the database did not answer (%s)", type(error).__name__)
        outbox, database_ok = {"pending": None, "due": None, "oldest_due_seconds": None}, False
    platforms = {name: bool(up) for name, up in sorted(_platforms(context).items())}
    outbox_ok = database_ok and outbox["oldest_due_seconds"] < STALE_OUTBOX.total_seconds()
    healthy = database_ok and all(platforms.values()) and outbox_ok
    body = {
        "status": "ok" if healthy else "unhealthy",
        "database": {"ok": database_ok},
        "platforms": platforms,
        "outbox": {**outbox, "ok": outbox_ok},
        "scheduler": {"jobs": len(context.kernel.scheduler.job_ids())},
    }
    return web.json_response(
        body, status=200 if healthy else 503, headers={"Cache-Control": "no-store"}
    )


async def metrics_page(request: web.Request) -> web.Response:
    context = request.app[CONTEXT]
    gauges = request.app[GAUGES]
    values: dict[str, Any] = {"platforms": _platforms(context)}
    try:
        values.update(await outbox_state(context, context.clock.now()))
    except Exception as error:
        log.warning("metrics: the database did not answer (%s)", type(error).__name__)
    values["planned"] = len(context.kernel.scheduler.job_ids())
    service = request.app.get(FEEDS)
    if service is not None:
        stats = service.stats
        values["feeds"] = {
            "built": stats.built,
            "cached": stats.reused,
            "not_modified": stats.not_modified,
        }
    gauges.values = values
    text = generate_latest(request.app[METRICS].registry)
    return web.Response(
        body=text, headers={"Content-Type": PROMETHEUS_TEXT, "Cache-Control": "no-store"}
    )


def _platforms(context: WebContext) -> dict[str, bool]:
    try:
        return dict(context.platforms())
    except Exception as error:
        log.warning("platform states could not be read (%s)", type(error).__name__)
        return {}
