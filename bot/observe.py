"""What the kernel tells anyone watching it: commands run, outbox rows moving, scheduled jobs.

A plain callback registry, so the kernel imports nothing to be measured: the web page's
``/metrics`` (``web/ops.py``) subscribes and turns the calls into Prometheus counters. Only
names fixed in the code go out (a command's name, an outcome, a job source's name), never
who ran something, in which network, or what a message said. A watcher that raises is logged
and the kernel goes on: being watched must never break the work.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import StrEnum

log = logging.getLogger(__name__)


class Outcome(StrEnum):
    OK = "ok"
    #: Bad input or a rule: the person was told what to fix.
    REFUSED = "refused"
    #: Their role is too low.
    DENIED = "denied"
    #: Unexpected: they saw an apology with an error id.
    ERROR = "error"


class OutboxEvent(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    RETRIED = "retried"
    SKIPPED = "skipped"
    FAILED = "failed"


class JobOutcome(StrEnum):
    DONE = "done"
    FAILED = "failed"
    #: Came due while the bot was down, too long ago.
    SKIPPED = "skipped"
    #: The database refused its write; tried again in a while.
    RETRIED = "retried"


#: (command name, outcome, seconds it took)
CommandWatcher = Callable[[str, Outcome, float], None]
#: (what happened, how many rows)
OutboxWatcher = Callable[[OutboxEvent, int], None]
#: (job source name, outcome)
JobWatcher = Callable[[str, JobOutcome], None]


class Observers:
    def __init__(self) -> None:
        self._commands: list[CommandWatcher] = []
        self._outbox: list[OutboxWatcher] = []
        self._jobs: list[JobWatcher] = []

    def on_command(self, watcher: CommandWatcher) -> None:
        self._commands.append(watcher)

    def on_outbox(self, watcher: OutboxWatcher) -> None:
        self._outbox.append(watcher)

    def on_job(self, watcher: JobWatcher) -> None:
        self._jobs.append(watcher)

    def command(self, name: str, outcome: Outcome, seconds: float) -> None:
        for watcher in self._commands:
            _call(watcher, name, outcome, seconds)

    def outbox(self, event: OutboxEvent, count: int = 1) -> None:
        if count <= 0:
            return
        for watcher in self._outbox:
            _call(watcher, event, count)

    def job(self, source: str, outcome: JobOutcome) -> None:
        for watcher in self._jobs:
            _call(watcher, source, outcome)


def _call(watcher: Callable[..., None], *arguments: object) -> None:
    try:
        watcher(*arguments)
    except Exception:
        log.exception("an observer (%s) failed; the work goes on", watcher)
