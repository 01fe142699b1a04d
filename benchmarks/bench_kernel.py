"""How fast the kernel starts, answers commands and drains the outbox, on a real SQLite file.

Prints figures; asserts nothing (shared machines are noisy, so targets are read, not tested).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
import tracemalloc

from bot.app import App
from bot.identity import UserRef
from bot.outbox import OutboxWorker
from bot.platforms.console import ConsolePort
from bot.registry import Invocation
from bot.replies import Reply
from config.settings import load_settings


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(
            None, environ={"PEERBOT_DATA_DIR": folder, "PEERBOT_ADMINS": "console:admin"}
        )
        started = time.perf_counter()
        app = App(settings)
        kernel = await app.start_without_worker()
        elapsed_ms = (time.perf_counter() - started) * 1000
        print(f"start-up (migrate an empty database, load cogs): {elapsed_ms:.0f} ms")

        admin = UserRef(platform="console", id="admin")
        await kernel.registry.invoke(
            Invocation(admin, None, "network create", {"name": "Coast", "slug": "coast"})
        )
        for i in range(200):
            member = UserRef(platform="console", id=f"m{i}")
            await kernel.registry.invoke(
                Invocation(member, None, "network join", {"network": "coast"})
            )

        for name, args in (("support", {"filter": "nsw"}), ("network list", {}), ("help", {})):
            samples = []
            for i in range(500):
                user = UserRef(platform="console", id=f"m{i % 200}")
                t0 = time.perf_counter()
                await kernel.registry.invoke(Invocation(user, None, name, args))
                samples.append((time.perf_counter() - t0) * 1000)
            print(
                f"/{name}: median {statistics.median(samples):.2f} ms, "
                f"95th percentile {percentile(samples, 0.95):.2f} ms over {len(samples)} runs"
            )

        count = 5000
        tracemalloc.start()
        t0 = time.perf_counter()
        async with kernel.db.transaction() as tx:
            for i in range(count):
                await kernel.outbox.enqueue(
                    tx,
                    key=f"bench:{i}",
                    target=UserRef(platform="console", id=f"m{i % 200}"),
                    message=Reply(text="A reminder about the meeting tomorrow."),
                )
        queued = time.perf_counter() - t0
        t0 = time.perf_counter()
        quiet_port = ConsolePort(lambda text: None)
        handled = await OutboxWorker(kernel.outbox, {"console": quiet_port}).run_once()
        drained = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"outbox: queued {count} in {queued * 1000:.0f} ms ({count / queued:.0f}/s)")
        print(
            f"outbox: delivered {handled} in {drained * 1000:.0f} ms ({handled / drained:.0f}/s), "
            f"peak traced memory {peak / 1024 / 1024:.1f} MiB"
        )
        size = await asyncio.to_thread(os.path.getsize, settings.database_path)
        print(f"database file after the run: {size / 1024:.0f} KiB")
        await app.stop()


if __name__ == "__main__":
    asyncio.run(main())
