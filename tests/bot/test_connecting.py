"""Connecting at start: a network failure is tried again with a doubling pause, then given up
(exit status 5); anything else is not retried."""

from __future__ import annotations

import logging

import pytest

from bot.connecting import connect_with_retries, pauses
from bot.errors import LoginRefused, PlatformUnreachable


def test_the_pauses_double_up_to_the_cap_and_end_at_the_limit() -> None:
    assert pauses((1, 2, 4), give_up_after=20) == [1, 2, 4, 4, 4, 4]
    assert pauses((2, 4, 8, 16, 32, 64, 128, 300))[:9] == [2, 4, 8, 16, 32, 64, 128, 300, 300]
    assert sum(pauses()) <= 30 * 60


async def test_it_tries_again_then_succeeds(caplog: pytest.LogCaptureFixture) -> None:
    failures = [PlatformUnreachable("Cannot reach X."), PlatformUnreachable("Cannot reach X.")]

    async def attempt() -> str:
        if failures:
            raise failures.pop()
        return "connected"

    with caplog.at_level(logging.WARNING, logger="peerbot"):
        assert await connect_with_retries("X", attempt, backoff=(0.01, 0.02)) == "connected"
    said = [r.getMessage() for r in caplog.records]
    assert said == [
        "Cannot reach X. Trying to connect to X again in 0 seconds (attempt 2); Ctrl-C stops.",
        "Cannot reach X. Trying to connect to X again in 0 seconds (attempt 3); Ctrl-C stops.",
    ]


async def test_it_gives_up_with_exit_status_5() -> None:
    tried = 0

    async def attempt() -> None:
        nonlocal tried
        tried += 1
        raise PlatformUnreachable("Cannot reach X.")

    with pytest.raises(PlatformUnreachable, match="Gave up after 4 attempts") as raised:
        await connect_with_retries("X", attempt, backoff=(0.01,), give_up_after=0.035)
    assert tried == 4 and raised.value.exit_status == 5


async def test_a_refusal_is_not_retried() -> None:
    tried = 0

    async def attempt() -> None:
        nonlocal tried
        tried += 1
        raise LoginRefused("wrong token")

    with pytest.raises(LoginRefused):
        await connect_with_retries("X", attempt, backoff=(0.01,))
    assert tried == 1
