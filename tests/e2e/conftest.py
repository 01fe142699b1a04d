"""Fixtures for end-to-end tests against the fake Discord.

- ``fake_discord``: a started FakeDiscord with discord.py pointed at it; stopped and restored
  afterwards. A test that hits a route the fake does not know fails (opt out with
  ``@pytest.mark.allow_unknown_routes``). When a test runs peerbot (``fake.check_pings``), it
  also fails if any message peerbot sent could ping someone it did not mean to (text people
  type must never add anyone to a private thread).
- every test here fails if discord.py logged an ERROR (an exception in an event handler, a
  view, a command...), since discord.py swallows those and the test might otherwise pass.
  Opt out with ``@pytest.mark.discord_errors_expected``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator

import pytest

from tests.e2e.fakediscord import FakeDiscord, discord_pointed_at


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "discord_errors_expected: the test expects discord.py to log errors"
    )
    config.addinivalue_line(
        "markers", "allow_unknown_routes: the test may call routes the fake Discord lacks"
    )


class _ErrorRecords(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []
        self.setFormatter(logging.Formatter("%(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def fail_on_discord_errors(request: pytest.FixtureRequest) -> Iterator[list[logging.LogRecord]]:
    """Collect ERROR records of the "discord" logger; fail the test at teardown if any."""
    handler = _ErrorRecords()
    logger = logging.getLogger("discord")
    logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)
    if handler.records and request.node.get_closest_marker("discord_errors_expected") is None:
        text = "\n\n".join(handler.format(r) for r in handler.records)
        pytest.fail(f"discord.py logged errors:\n{text}", pytrace=False)


@pytest.fixture
async def fake_discord(request: pytest.FixtureRequest) -> AsyncIterator[FakeDiscord]:
    """A running fake Discord with discord.py pointed at it."""
    fake = FakeDiscord()
    await fake.start()
    try:
        with discord_pointed_at(fake):
            yield fake
    finally:
        await fake.stop()
    if request.node.get_closest_marker("allow_unknown_routes") is None:
        fake.assert_no_unknown_requests()
    if fake.check_pings:
        fake.assert_pings_only(fake.may_ping_users, fake.may_ping_roles)
