"""The one place that wires settings, storage, cogs, scheduler, outbox and adapters together."""

from __future__ import annotations

import importlib
import logging
import sqlite3
from collections.abc import Iterable
from datetime import timedelta

from bot.clock import Clock, SystemClock
from bot.cog import Cog
from bot.kernel import Kernel
from bot.migrations import migrate
from bot.outbox import OutboxWorker
from bot.ports import OutboundPort
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
        """Stop in reverse order; the database is closed even if an earlier step fails."""
        try:
            if self.worker is not None:
                await self.worker.stop()
                self.worker = None
            if self.kernel is not None:
                await self.kernel.scheduler.shutdown()
                for cog in self.kernel.cogs.values():
                    await cog.stop()
                self.kernel = None
        finally:
            if self._db is not None:
                await self._db.close()
                self._db = None

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
