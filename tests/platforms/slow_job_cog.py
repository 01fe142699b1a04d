"""A cog whose scheduled job is still running when the console's input ends: it starts soon
after start-up, says so, and then takes its time (or never finishes, when told to)."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta
from typing import ClassVar

from bot.cog import Cog
from bot.kernel import Kernel


class SlowJobCog(Cog):
    name: ClassVar[str] = "slowjob"
    title: ClassVar[str] = "Slow job"
    #: Set (from the event loop) once the job is running: the test ends the input then.
    started: ClassVar[threading.Event] = threading.Event()
    finished: ClassVar[threading.Event] = threading.Event()
    #: How long the job runs after it started; None: until it is cancelled.
    takes: ClassVar[float | None] = 0.5

    async def start(self) -> None:
        self.kernel.scheduler.add_periodic("slow-job", self._work, timedelta(seconds=0.05))

    async def _work(self) -> None:
        if SlowJobCog.started.is_set():
            return
        SlowJobCog.started.set()
        takes = SlowJobCog.takes
        if takes is None:
            await asyncio.Event().wait()
        else:
            await asyncio.sleep(takes)
        SlowJobCog.finished.set()


def setup(kernel: Kernel) -> SlowJobCog:
    return SlowJobCog(kernel)
