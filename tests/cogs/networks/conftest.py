"""Fixtures for the networks cog: the service on a migrated SQLite file (layer 1), and the real
App with every cog on a data folder in tmp_path (layer 2)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.kernel import Kernel
from bot.storage import Database
from cogs.networks.commands import NetworksCog
from cogs.networks.service import NetworkService
from config.settings import Settings
from tests.cogs.networks import ADMIN_KEY, Apps, settings_for


@pytest.fixture
def service(db: Database, clock: FakeClock) -> NetworkService:
    """The service alone; ``console:admin`` is its one configured admin (not yet synced)."""
    return NetworkService(db, clock, frozenset({ADMIN_KEY}))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return settings_for(tmp_path)


@pytest.fixture
async def apps(settings: Settings, clock: FakeClock) -> AsyncIterator[Apps]:
    started = Apps(settings, clock)
    try:
        yield started
    finally:
        await started.stop_all()


@pytest.fixture
async def kernel(apps: Apps) -> Kernel:
    """The kernel of a started App (no outbox worker, so nothing is delivered)."""
    _, kernel = await apps.start()
    return kernel


@pytest.fixture
def networks_cog(kernel: Kernel) -> NetworksCog:
    cog = kernel.cogs["networks"]
    assert isinstance(cog, NetworksCog)
    return cog
