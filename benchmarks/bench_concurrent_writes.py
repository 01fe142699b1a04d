"""200 writing commands at once through the registry: the real kernel and cogs, a real SQLite
file in a temporary folder, the console platform.

"200 concurrent" means two things here, both printed:

- **burst**: 200 writes started in the same instant (``asyncio.gather``), as when a meeting
  notice goes out and everyone answers at once; repeated ``--bursts`` times with fresh people.
- **closed loop**: 200 clients, each sending its next write as soon as the last was answered,
  ``--rounds`` writes each.

The mix, a quarter each: a meeting RSVP (``/meeting rsvp``), joining a network (``/network
join``, new people), a check-in answer (the button on a ``/checkin now`` prompt) and a
resource suggestion (the ``/resources submit`` form). Latency is per write, from the call to
the reply; every reply is checked to be the success message, and failures are counted.

Prints figures; asserts nothing (shared machines are noisy, so targets are read, not tested).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable, Coroutine
from datetime import date, timedelta
from typing import Any

from bot.app import App
from bot.identity import UserRef
from bot.kernel import Kernel
from bot.registry import ActionInvocation, Invocation
from bot.replies import ActionRef, Reply
from config.settings import load_settings
from tests.bot.fakes import RecordingPort

CONCURRENCY = 200
NETWORK = "coast"
Write = Callable[[], Coroutine[Any, Any, Reply]]


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def user(name: str) -> UserRef:
    return UserRef(platform="console", id=name)


async def run(kernel: Kernel, who: str, command: str, /, **arguments: Any) -> Reply:
    return await kernel.registry.invoke(Invocation(user(who), None, command, arguments))


async def press(
    kernel: Kernel, who: str, action: ActionRef, fields: dict[str, str] | None = None
) -> Reply:
    return await kernel.registry.invoke_action(
        ActionInvocation(user(who), None, action, fields or {})
    )


class Workload:
    """Prepares people and hands out writes of the mix, each for someone who has not done it."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.count = 0
        self.failures: list[str] = []

    async def setup(self) -> None:
        kernel = self.kernel
        await run(kernel, "admin", "network create", name="Coast", slug=NETWORK)
        meeting_day = date.today() + timedelta(days=40)
        reply = await run(
            kernel,
            "admin",
            "meeting schedule",
            network=NETWORK,
            date=meeting_day.isoformat(),
            time="10:00",
            duration=60,
            location="Room 3",
        )
        assert reply.text.startswith("Scheduled"), reply.text

    async def prepare(self, total: int) -> list[Write]:
        """``total`` writes of the mix, with the reads they need done beforehand."""
        kernel = self.kernel
        writes: list[Write] = []
        for i in range(total):
            who = f"p{self.count}"
            self.count += 1
            kind = i % 4
            if kind == 1:  # joins a network: a new person
                writes.append(
                    self._expect(run(kernel, who, "network join", network=NETWORK), "Welcome")
                )
                continue
            joined = await run(kernel, who, "network join", network=NETWORK)
            assert joined.private, joined.text
            if kind == 0:
                answer = ("going", "maybe", "no")[i % 3]
                call = run(kernel, who, "meeting rsvp", answer=answer, network=NETWORK)
                writes.append(self._expect(call, "Saved"))
            elif kind == 2:
                started = await run(kernel, who, "checkin start", day="tuesday", time="09:00")
                assert started.text.startswith("Check-ins are on"), started.text
                prompt = await run(kernel, who, "checkin now")
                assert prompt.buttons, prompt.text
                writes.append(
                    self._expect(
                        press(kernel, who, prompt.buttons[0].action), "Thank you. Your answer"
                    )
                )
            else:
                form = await run(
                    kernel, who, "resources submit", area="developing", type="guideline"
                )
                assert form.form is not None, form.text
                fields = {
                    "title": f"A guide number {i}",
                    "link": f"https://example.org/guide/{i}",
                    "summary": "How to look after yourself after a hard shift.",
                    "tags": "",
                    "closes": "",
                }
                writes.append(
                    self._expect(
                        press(kernel, who, form.form.action, fields), "Thank you. Your suggestion"
                    )
                )
        return writes

    def _expect(self, call: Awaitable[Reply], start: str) -> Write:
        async def write() -> Reply:
            reply = await call
            if not reply.text.startswith(start):
                self.failures.append(reply.text[:80])
            return reply

        return write


async def timed(write: Write, samples: list[float]) -> None:
    """From the moment the request is made to its reply. The write runs as a task of its
    own, as an interaction does, so the time it waits behind the others is counted even when
    a write never has to wait for a thread (and so never yields to the loop)."""
    t0 = time.perf_counter()
    await asyncio.create_task(write())
    samples.append((time.perf_counter() - t0) * 1000)


def report(label: str, samples: list[float], elapsed: float, cpu: float) -> None:
    """The latencies, and the processor time per write (all threads of this process): on a
    shared machine the latencies move with the other load, the processor time much less."""
    print(
        f"{label}: {len(samples)} writes, p50 {percentile(samples, 0.5):.1f} ms, "
        f"p95 {percentile(samples, 0.95):.1f} ms, p99 {percentile(samples, 0.99):.1f} ms, "
        f"max {max(samples):.1f} ms; {len(samples) / elapsed:.0f} writes/s; "
        f"processor {cpu * 1000 / len(samples):.2f} ms per write"
    )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bursts", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(
            None, environ={"PEERBOT_DATA_DIR": folder, "PEERBOT_ADMINS": "console:admin"}
        )
        app = App(settings)
        kernel = await app.start_without_worker()
        # /checkin start sends its welcome straight away: a port that keeps it in memory.
        kernel.ports["console"] = RecordingPort()
        try:
            await measure(kernel, args.bursts, args.rounds)
        finally:
            await app.stop()


async def measure(kernel: Kernel, bursts: int, rounds: int) -> None:
    workload = Workload(kernel)
    await workload.setup()

    burst_samples: list[float] = []
    burst_time = burst_cpu = 0.0
    for _ in range(bursts):
        writes = await workload.prepare(CONCURRENCY)
        t0, c0 = time.perf_counter(), time.process_time()
        await asyncio.gather(*(timed(w, burst_samples) for w in writes))
        burst_time += time.perf_counter() - t0
        burst_cpu += time.process_time() - c0
    report(f"burst of {CONCURRENCY} at once (x{bursts})", burst_samples, burst_time, burst_cpu)

    loop_samples: list[float] = []
    queues = [await workload.prepare(rounds) for _ in range(CONCURRENCY)]

    async def client(queue: list[Write]) -> None:
        for write in queue:
            await timed(write, loop_samples)

    t0, c0 = time.perf_counter(), time.process_time()
    await asyncio.gather(*(client(q) for q in queues))
    report(
        f"closed loop, {CONCURRENCY} clients x {rounds}",
        loop_samples,
        time.perf_counter() - t0,
        time.process_time() - c0,
    )
    if workload.failures:
        print(f"FAILED writes: {len(workload.failures)}, first: {workload.failures[0]!r}")
    else:
        print("every write got its success reply")


if __name__ == "__main__":
    asyncio.run(main())
