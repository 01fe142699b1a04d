"""The one place that wires settings, storage, cogs, scheduler, outbox and adapters together."""

from __future__ import annotations

import asyncio
import importlib
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Iterable
from datetime import timedelta

from bot.clock import Clock, SystemClock
from bot.cog import Cog
from bot.errors import log_failure
from bot.kernel import Kernel
from bot.migrations import migrate
from bot.outbox import OutboxWorker
from bot.ports import OutboundPort
from bot.stopping import STOP_SECONDS
from bot.storage import Database
from bot.storage_checks import startup_error
from cogs import ALL_COGS
from config.settings import Settings

log = logging.getLogger(__name__)

HOUSEKEEPING_EVERY = timedelta(hours=1)


class App:
    """Start-up and shut-down in the right order, so nothing runs against a half-ready kernel."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        cog_modules: Iterable[str] = ALL_COGS,
    ) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.cog_modules = tuple(cog_modules)
        self.kernel: Kernel | None = None
        self.worker: OutboxWorker | None = None
        self._db: Database | None = None
        #: Platform connections (the Discord client, the Matrix client), closed by ``stop``
        #: after the scheduler and the outbox worker, so no delivery loses its connection.
        self._connections: list[tuple[str, Callable[[], Awaitable[None]]]] = []
        #: Front ends that only take requests (the web page), closed first by ``stop`` so no
        #: request runs against cogs that are stopping.
        self._front_ends: list[tuple[str, Callable[[], Awaitable[None]]]] = []
        #: Each platform's name and how to tell whether it is connected now (for /healthz).
        self._connected: dict[str, Callable[[], bool]] = {}

    def add_connection(self, name: str, close: Callable[[], Awaitable[None]]) -> None:
        """A platform connection for ``stop`` to close, once nothing uses it any more."""
        self._connections.append((name, close))

    def add_front_end(self, name: str, close: Callable[[], Awaitable[None]]) -> None:
        """A front end for ``stop`` to close before anything else stops."""
        self._front_ends.append((name, close))

    def report_connection(self, platform: str, is_connected: Callable[[], bool]) -> None:
        """How a platform says whether it is connected, for the operators' /healthz."""
        self._connected[platform] = is_connected

    def connections(self) -> dict[str, bool]:
        """Each platform and whether it is connected now."""
        return {platform: bool(check()) for platform, check in self._connected.items()}

    async def start(self, ports: Iterable[OutboundPort] = ()) -> Kernel:
        """Start everything; ``ports`` are the adapters' outbound ports for the outbox."""
        kernel = await self.start_without_worker()
        self.start_worker(ports)
        return kernel

    def start_worker(self, ports: Iterable[OutboundPort]) -> None:
        """Start delivering the outbox (adapters often need the kernel to build their port)."""
        assert self.kernel is not None, "start the kernel first"
        self.kernel.ports.update({port.platform: port for port in ports})
        self.worker = OutboxWorker(self.kernel.outbox, self.kernel.ports)
        self.worker.start()

    async def start_without_worker(self) -> Kernel:
        self._db = await Database.open(
            self.settings.database_path, busy_timeout_ms=self.settings.database.busy_timeout_ms
        )
        try:
            applied = await migrate(self._db)
            if applied:
                log.info("applied %d migration(s): %s", len(applied), [m.filename for m in applied])
            kernel = Kernel.build(self.settings, self._db, self.clock)
            await kernel.people.load()
            for module_name in self.cog_modules:
                module = importlib.import_module(module_name)
                cog: Cog = module.setup(kernel)
                kernel.registry.add_cog(cog)
                kernel.cogs[cog.name] = cog
            for cog in kernel.cogs.values():
                await cog.start()
        except BaseException as error:
            await self._db.close()
            self._db = None
            if isinstance(error, sqlite3.Error):  # a damaged page, a full disk while migrating
                raise startup_error(error, self.settings.database_path) from error
            raise
        kernel.scheduler.add_periodic("housekeeping", self._housekeeping, HOUSEKEEPING_EVERY)
        await kernel.scheduler.start()
        self.kernel = kernel
        log.info(
            "peerbot started: %d commands from %d cogs, database %s",
            len(kernel.registry.commands),
            len(kernel.cogs),
            self.settings.database_path,
        )
        return kernel

    async def stop(self) -> None:
        """Stop in order: no new scheduled work, the jobs and the delivery in progress finish
        (each bounded), the cogs stop, then the platform connections close, and the database
        last. The database is closed even if an earlier step fails."""
        try:
            if self.kernel is not None or self.worker is not None:
                log.info("peerbot stopping: finishing the work in progress")
            await self._close(self._front_ends)
            await self._stop_work()
            await self._close(self._connections)
        finally:
            if self._db is not None:
                await self._db.close()
                self._db = None

    async def _stop_work(self) -> None:
        """The scheduler and the outbox worker stop together: each first stops taking new
        work, then waits (bounded) for what it is doing."""
        steps: list[Awaitable[None]] = []
        if self.kernel is not None:
            steps.append(self.kernel.scheduler.shutdown())
        if self.worker is not None:
            steps.append(self.worker.stop())
        for outcome in await asyncio.gather(*steps, return_exceptions=True):
            if isinstance(outcome, BaseException):
                if not isinstance(outcome, Exception):
                    raise outcome
                log_failure(log, outcome, "stopping the scheduler or the outbox worker failed")
        self.worker = None
        if self.kernel is not None:
            for cog in self.kernel.cogs.values():
                try:
                    await cog.stop()
                except Exception as error:
                    log_failure(log, error, "stopping the %s cog failed", cog.name)
            self.kernel = None

    @staticmethod
    async def _close(closers: list[tuple[str, Callable[[], Awaitable[None]]]]) -> None:
        """Newest first; each gets a bounded while, so a stop always ends."""
        while closers:
            name, close = closers.pop()
            try:
                await asyncio.wait_for(close(), STOP_SECONDS)
            except TimeoutError:
                log.warning("%s did not close within %.0f seconds; going on", name, STOP_SECONDS)
            except Exception as error:
                log_failure(log, error, "closing %s failed", name)

    async def _housekeeping(self) -> None:
        kernel = self.kernel
        if kernel is None:
            return
        expired = await kernel.confirmations.purge_expired()
        expired += await kernel.people.purge_expired()
        old = await kernel.outbox.purge_finished(
            timedelta(days=self.settings.retention.outbox_days)
        )
        log.info("housekeeping: removed %d expired confirmations, %d old outbox rows", expired, old)
