"""Fixtures shared by the cog tests: the real App, with every cog, on a data folder in tmp_path."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.kernel import Kernel
from config.settings import Settings
from tests.cogs.networks import Apps, settings_for


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
