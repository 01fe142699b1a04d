"""Bounded stops: cancel what runs and wait a while, never for ever.

A task that does not end when cancelled (it caught the cancellation as an error, or waits on
something that never comes) would otherwise hold the whole shutdown, and with it a restart
or a test run. After ``seconds`` the stop goes on without it and says which task it left.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

log = logging.getLogger(__name__)

#: How long a stop waits for cancelled tasks to end.
STOP_SECONDS = 10.0


async def cancel_and_wait(
    tasks: Iterable[asyncio.Task[object]] | asyncio.Task[object],
    what: str,
    seconds: float = STOP_SECONDS,
) -> bool:
    """Cancel the tasks and wait up to ``seconds`` for them to end; False (logged) if some
    did not. Their errors are not raised: a stop goes on whatever they ended with."""
    pending = {tasks} if isinstance(tasks, asyncio.Task) else set(tasks)
    pending.discard(asyncio.current_task())  # type: ignore[arg-type,unused-ignore]
    if not pending:
        return True
    for task in pending:
        task.cancel()
    # asyncio.wait neither raises the tasks' errors nor cancels them again when its own
    # waiting is cancelled, so the caller's cancellation still reaches the caller.
    _done, left = await asyncio.wait(pending, timeout=seconds)
    for task in pending - left:
        if not task.cancelled() and task.exception() is not None:
            log.debug("%s ended with %r while stopping", what, task.exception())
    if left:
        log.error(
            "%s: %d task(s) did not stop within %.0f seconds of being cancelled and were left "
            "running: %s",
            what,
            len(left),
            seconds,
            ", ".join(sorted(task.get_name() for task in left)),
        )
        return False
    return True
