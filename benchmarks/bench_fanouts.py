"""What fan-outs cost the outbox: queueing group messages, and the summary step every worker
pass runs, with many groups still open and some recipients unreachable; the same messages
without groups for comparison.

Prints figures; asserts nothing (shared machines are noisy, so targets are read, not tested).
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.clock import FakeClock
from bot.identity import MessageRef, PlaceRef, UserRef
from bot.migrations import migrate
from bot.outbox import Outbox, OutboxWorker
from bot.ports import NOT_ACCEPTING_DMS, DeliveryError
from bot.replies import Reply
from bot.storage import Database

GROUPS = 1_000
PEOPLE = 10


class Port:
    """Delivers instantly; every tenth person does not accept direct messages."""

    platform = "console"

    def __init__(self) -> None:
        self.sent = 0

    async def send_private(
        self, user: UserRef, message: Reply, *, idempotency_key: str
    ) -> MessageRef:
        if user.id.endswith("-0"):
            raise DeliveryError(NOT_ACCEPTING_DMS, retryable=False)
        self.sent += 1
        return MessageRef(place=PlaceRef(platform="console", id=user.id), id=str(self.sent))


async def run(folder: str, grouped: bool) -> None:
    label = "in groups" if grouped else "without groups"
    db = await Database.open(Path(folder) / f"bench-{grouped}.sqlite3")
    await migrate(db)
    outbox = Outbox(db, FakeClock(datetime(2027, 1, 1, tzinfo=UTC)))
    started = time.perf_counter()
    for g in range(GROUPS):
        async with db.transaction() as tx:
            group = None
            if grouped:
                group = await outbox.fan_out(
                    tx, key=f"meeting:{g}", sender_key=f"console:sender{g}", about="a meeting"
                )
            for p in range(PEOPLE):
                await outbox.enqueue(
                    tx,
                    key=f"meeting:{g}:{p}",
                    target=UserRef(platform="console", id=f"person-{g}-{p}"),
                    message=Reply.private_text("The meeting is cancelled."),
                    fanout=group,
                )
    queued = time.perf_counter() - started
    print(
        f"{label}: queued {GROUPS:,} changes of {PEOPLE} messages each in {queued:.2f} s "
        f"({GROUPS * PEOPLE / queued:,.0f} messages a second)"
    )
    t0 = time.perf_counter()
    await outbox.summarise_fanouts()
    open_ms = (time.perf_counter() - t0) * 1000
    worker = OutboxWorker(outbox, {"console": Port()})  # type: ignore[dict-item]
    t0 = time.perf_counter()
    handled = await worker.run_once()
    elapsed = time.perf_counter() - t0
    print(f"{label}: delivered {handled:,} rows in {elapsed:.2f} s", end="")
    if grouped:
        t1 = time.perf_counter()
        await outbox.summarise_fanouts()
        closed_ms = (time.perf_counter() - t1) * 1000
        print(
            f" ({GROUPS:,} of them summaries to senders); summary step with every group open "
            f"{open_ms:.1f} ms, with all closed {closed_ms:.2f} ms"
        )
    else:
        print()
    await db.close()


async def main() -> None:
    logging.disable(logging.CRITICAL)  # a thousand refusals would drown the figures
    with tempfile.TemporaryDirectory() as folder:
        await run(folder, grouped=False)
        await run(folder, grouped=True)


if __name__ == "__main__":
    asyncio.run(main())
