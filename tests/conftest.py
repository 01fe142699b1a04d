"""Shared fixtures: a migrated SQLite file in tmp_path and a clock that stands still."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import hypothesis  # noqa: F401  - imported early: see the note below
import pytest

from bot.clock import FakeClock
from bot.migrations import migrate
from bot.storage import Database

# hypothesis is imported here, at collection, on purpose: when its pytest plugin imported it
# lazily at the end of a run with failures, CPython 3.11.7's ast module raised a spurious
# "AST constructor recursion depth mismatch" SystemError while pytest rewrote it.


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "peerbot.sqlite3")
    await migrate(database)
    yield database
    await database.close()
