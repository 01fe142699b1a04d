"""Fixtures for the support cog: the real data file, and a kernel with no platform attached."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.identity import UserRef
from bot.kernel import Kernel
from bot.migrations import migrate
from bot.registry import Invocation
from bot.replies import Reply
from bot.storage import Database
from cogs.support import SupportCog
from cogs.support.commands import default_data_file

ADMIN = UserRef(platform="console", id="admin")
ALEX = UserRef(platform="console", id="alex")

Invoke = Callable[..., Awaitable[Reply]]


@pytest.fixture
def admin() -> UserRef:
    """The one configured admin of the test kernel."""
    return ADMIN


@pytest.fixture
def data_file() -> Path:
    """The real config/support_lines.toml."""
    return default_data_file()


@pytest.fixture
def data_text(data_file: Path) -> str:
    return data_file.read_text(encoding="utf-8")


@pytest.fixture
def write_data(tmp_path: Path) -> Callable[[str], Path]:
    """Write a support lines file into tmp_path and return its path."""

    def write(text: str) -> Path:
        path = tmp_path / "support_lines.toml"
        path.write_text(text, encoding="utf-8")
        return path

    return write


def stand_in_settings(admins: list[str]) -> Any:
    """Only what Kernel.build reads, so these tests do not depend on the settings file or env."""
    return SimpleNamespace(admins=admins, retention=SimpleNamespace(confirmation_minutes=15))


@pytest.fixture
async def kernel(tmp_path: Path) -> AsyncIterator[Kernel]:
    """A migrated database in tmp_path and a kernel with the support cog; no networks cog."""
    db = await Database.open(tmp_path / "t.sqlite3")
    try:
        await migrate(db)
        kernel = Kernel.build(stand_in_settings([ADMIN.key]), db, FakeClock())
        kernel.registry.add_cog(SupportCog(kernel))
        yield kernel
    finally:
        await db.close()


@pytest.fixture
def invoke(kernel: Kernel) -> Invoke:
    """Run a command through the registry, the way an adapter does: ``await invoke("support")``."""

    async def run(name: str, *, user: UserRef = ALEX, **arguments: Any) -> Reply:
        invocation = Invocation(user=user, place=None, name=name, arguments=arguments)
        return await kernel.registry.invoke(invocation)

    return run
