"""Connecting to a platform at start: a network failure is retried with a growing pause, and
said so in one line each time, instead of a traceback; a refusal (a wrong token) is not."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from bot.errors import PlatformUnreachable

log = logging.getLogger("peerbot")

T = TypeVar("T")

#: Seconds between attempts: doubling to five minutes, then every five minutes.
BACKOFF_SECONDS: tuple[float, ...] = (2, 4, 8, 16, 32, 64, 128, 300)
#: After this long without reaching the platform peerbot stops (exit status 5), so a service
#: manager can restart it and a person at a terminal is not left waiting for ever.
GIVE_UP_AFTER_SECONDS = 30 * 60


def pauses(
    backoff: Sequence[float] = BACKOFF_SECONDS, give_up_after: float = GIVE_UP_AFTER_SECONDS
) -> list[float]:
    """The pauses between attempts, ending once they add up to ``give_up_after``."""
    found: list[float] = []
    total = 0.0
    while True:
        pause = backoff[min(len(found), len(backoff) - 1)]
        if total + pause > give_up_after:
            return found
        found.append(pause)
        total += pause


async def connect_with_retries(
    what: str,
    attempt: Callable[[], Awaitable[T]],
    *,
    backoff: Sequence[float] = BACKOFF_SECONDS,
    give_up_after: float = GIVE_UP_AFTER_SECONDS,
) -> T:
    """``attempt()`` until it does not raise ``PlatformUnreachable``; after ``give_up_after``
    seconds of failures the last one is raised, to end peerbot with its exit status."""
    planned = pauses(backoff, give_up_after)
    for number in range(len(planned) + 1):
        try:
            return await attempt()
        except PlatformUnreachable as error:
            if number == len(planned):
                raise PlatformUnreachable(
                    f"{error} Gave up after {number + 1} attempts; start again once it can be "
                    "reached."
                ) from None
            pause = planned[number]
            log.warning(
                "%s Trying to connect to %s again in %.0f seconds (attempt %d); Ctrl-C stops.",
                error,
                what,
                pause,
                number + 2,
            )
            await asyncio.sleep(pause)
    raise AssertionError("unreachable")  # the loop returns or raises
