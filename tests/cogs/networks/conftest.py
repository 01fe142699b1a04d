"""Fixtures for the networks cog: the service on a migrated SQLite file (layer 1), and the real
App with every cog on a data folder in tmp_path (layer 2)."""

from __future__ import annotations

import pytest

from bot.clock import FakeClock
from bot.kernel import Kernel
from bot.storage import Database
from cogs.networks.commands import NetworksCog
from cogs.networks.service import NetworkService
from tests.cogs.networks import ADMIN_KEY


@pytest.fixture
def service(db: Database, clock: FakeClock) -> NetworkService:
    """The service alone; ``console:admin`` is its one configured admin (not yet synced)."""
    return NetworkService(db, clock, frozenset({ADMIN_KEY}))


@pytest.fixture
def networks_cog(kernel: Kernel) -> NetworksCog:
    cog = kernel.cogs["networks"]
    assert isinstance(cog, NetworksCog)
    return cog
