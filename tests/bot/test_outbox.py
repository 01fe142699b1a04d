"""The outbox delivers each message exactly once, across stops, restarts and failures."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.clock import FakeClock
from bot.identity import PlaceRef, UserRef
from bot.migrations import migrate
from bot.outbox import Outbox, OutboxItem, OutboxWorker
from bot.ports import DeliveryError
from bot.replies import Reply
from bot.storage import Database
from tests.bot.fakes import RecordingPort

CHANNEL = PlaceRef(platform="console", id="announcements")


async def queue(outbox: Outbox, count: int, prefix: str = "m") -> list[str]:
    keys = [f"{prefix}:{i}" for i in range(count)]
    async with outbox.db.transaction() as tx:
        for key in keys:
            await outbox.enqueue(tx, key=key, target=CHANNEL, message=Reply(text=key))
    return keys


async def test_same_key_is_queued_once(db: Database, clock: FakeClock) -> None:
    outbox = Outbox(db, clock)
    assert await outbox.send(key="k", target=CHANNEL, message=Reply(text="a"))
    assert not await outbox.send(key="k", target=CHANNEL, message=Reply(text="b"))
    port = RecordingPort()
    await OutboxWorker(outbox, {"console": port}).run_once()
    assert port.sent == [("k", "announcements", "a")]


async def test_enqueue_is_part_of_the_callers_transaction(db: Database, clock: FakeClock) -> None:
    outbox = Outbox(db, clock)
    try:
        async with db.transaction() as tx:
            await outbox.enqueue(tx, key="lost", target=CHANNEL, message=Reply(text="x"))
            raise RuntimeError("the change that caused the message failed")
    except RuntimeError:
        pass
    assert await outbox.status_of("lost") is None


async def test_stopped_mid_way_and_restarted_delivers_each_exactly_once(
    tmp_path, clock: FakeClock
) -> None:
    path = tmp_path / "outbox.sqlite3"

    db = await Database.open(path)
    await migrate(db)
    keys = await queue(Outbox(db, clock), 10)
    port = RecordingPort()
    port.gate = asyncio.Event()
    worker = OutboxWorker(Outbox(db, clock), {"console": port})
    worker.start()
    await port.entered.wait()  # the first delivery is in flight
    stopping = asyncio.create_task(worker.stop())
    await asyncio.sleep(0.01)
    port.gate.set()  # let the in-flight delivery finish while the worker is stopping
    await stopping
    delivered_before = list(port.keys)
    assert 1 <= len(delivered_before) < 10
    await db.close()

    # A new process: a new connection, a new worker, the same file.
    db = await Database.open(path)
    port.gate = None
    handled = await OutboxWorker(Outbox(db, clock), {"console": port}).run_once()
    await db.close()
    assert handled == 10 - len(delivered_before)
    assert sorted(port.keys) == sorted(keys)
    assert len(port.keys) == len(set(port.keys))


class ProcessDied(BaseException):
    """Stands for kill -9: nothing in the worker catches it, nothing after it runs."""


async def sent_row(db: Database, key: str) -> tuple[str, str | None]:
    row = await db.fetch_one("SELECT status, sent_message_id FROM outbox WHERE key = ?", (key,))
    assert row is not None
    return str(row["status"]), row["sent_message_id"]


async def test_a_crash_after_the_platform_accepted_is_not_sent_again_after_a_long_outage(
    tmp_path: Path, clock: FakeClock
) -> None:
    path = tmp_path / "outbox.sqlite3"
    db = await Database.open(path)
    await migrate(db)
    await queue(Outbox(db, clock), 1)
    port = RecordingPort()
    port.crash_after_send = ProcessDied()
    with contextlib.suppress(ProcessDied):
        await OutboxWorker(Outbox(db, clock), {"console": port}).run_once()
    await db.close()
    assert attempt_recorded_but_pending(path)
    assert port.keys == ["m:0"]  # the platform has it; the outbox never heard

    clock.advance(timedelta(hours=30))  # longer than any platform keeps its duplicate check
    db = await Database.open(path)
    await OutboxWorker(Outbox(db, clock), {"console": port}).run_once()
    assert port.keys == ["m:0"]
    assert port.looked == ["m:0"]
    assert await sent_row(db, "m:0") == ("sent", "1")  # the id of the message already there
    await db.close()


def attempt_recorded_but_pending(path: Path) -> bool:
    """Read the file as the next process will find it."""
    with contextlib.closing(sqlite3.connect(path)) as raw:
        status, started = raw.execute(
            "SELECT status, attempt_started_at FROM outbox WHERE key = 'm:0'"
        ).fetchone()
    return bool(status == "pending" and started)


async def test_a_crash_before_the_platform_received_it_delivers_once_after_restart(
    db: Database, clock: FakeClock
) -> None:
    await queue(Outbox(db, clock), 1)
    port = RecordingPort()
    died = iter([ProcessDied()])

    def die_once(key: str) -> Exception | None:
        error = next(died, None)
        if error is not None:
            raise error
        return None

    port.fail_with = die_once  # the attempt is recorded, then the process dies before sending
    with contextlib.suppress(ProcessDied):
        await OutboxWorker(Outbox(db, clock), {"console": port}).run_once()
    assert port.keys == []
    clock.advance(timedelta(hours=2))
    await OutboxWorker(Outbox(db, clock), {"console": port}).run_once()
    assert port.looked == ["m:0"]  # it looked, found nothing, and sent
    assert port.keys == ["m:0"]
    assert await sent_row(db, "m:0") == ("sent", "1")


async def test_the_normal_path_never_looks_on_the_platform(db: Database, clock: FakeClock) -> None:
    outbox = Outbox(db, clock)
    await queue(outbox, 3)
    port = RecordingPort()
    await OutboxWorker(outbox, {"console": port}).run_once()
    assert port.keys == ["m:0", "m:1", "m:2"]
    assert port.looked == []


async def test_a_retry_after_an_error_looks_first_since_a_timeout_may_have_delivered(
    db: Database, clock: FakeClock
) -> None:
    outbox = Outbox(db, clock)
    await queue(outbox, 1)
    port = RecordingPort()
    failures = iter([DeliveryError("the platform timed out", retryable=True)])
    port.fail_with = lambda key: next(failures, None)
    worker = OutboxWorker(outbox, {"console": port}, base_delay=5)
    await worker.run_once()
    assert port.looked == []
    clock.advance(timedelta(minutes=1))
    await worker.run_once()
    assert port.looked == ["m:0"]
    assert port.keys == ["m:0"]
    assert await outbox.status_of("m:0") == "sent"


async def test_rate_limit_is_retried_with_backoff(db: Database, clock: FakeClock) -> None:
    outbox = Outbox(db, clock)
    await queue(outbox, 1)
    port = RecordingPort()
    failures = iter([DeliveryError("429 rate limited", retryable=True, retry_after=30)])
    port.fail_with = lambda key: next(failures, None)
    worker = OutboxWorker(outbox, {"console": port}, base_delay=5)
    assert await worker.run_once() == 1
    assert port.sent == []
    assert await outbox.status_of("m:0") == "pending"
    clock.advance(timedelta(seconds=20))
    await worker.run_once()
    assert port.sent == []  # retry_after of 30 seconds is respected
    clock.advance(timedelta(seconds=15))
    await worker.run_once()
    assert port.keys == ["m:0"]
    assert await outbox.status_of("m:0") == "sent"


async def test_gives_up_after_max_attempts(db: Database, clock: FakeClock) -> None:
    outbox = Outbox(db, clock)
    await queue(outbox, 1)
    port = RecordingPort()
    port.fail_with = lambda key: DeliveryError("503", retryable=True)
    worker = OutboxWorker(outbox, {"console": port}, max_attempts=3, base_delay=1)
    for _ in range(5):
        await worker.run_once()
        clock.advance(timedelta(hours=1))
    row = await db.fetch_one("SELECT status, attempts FROM outbox WHERE key = 'm:0'")
    assert row is not None
    assert (row["status"], row["attempts"]) == ("failed", 3)


async def test_permanent_error_fails_at_once(db: Database, clock: FakeClock) -> None:
    outbox = Outbox(db, clock)
    await outbox.send(key="dm", target=UserRef(platform="console", id="alex"), message=Reply())
    port = RecordingPort()
    port.fail_with = lambda key: DeliveryError("403 missing permission", retryable=False)
    await OutboxWorker(outbox, {"console": port}).run_once()
    assert await outbox.status_of("dm") == "failed"


async def test_too_late_is_skipped_and_recorded(db: Database, clock: FakeClock) -> None:
    outbox = Outbox(db, clock)
    now = clock.now()
    await outbox.send(
        key="late",
        target=CHANNEL,
        message=Reply(text="x"),
        due_at=now - timedelta(hours=3),
        not_after=now - timedelta(hours=1),
    )
    await outbox.send(
        key="fine",
        target=CHANNEL,
        message=Reply(text="y"),
        due_at=now - timedelta(hours=3),
        not_after=now + timedelta(hours=1),
    )
    port = RecordingPort()
    await OutboxWorker(outbox, {"console": port}).run_once()
    assert port.keys == ["fine"]
    assert await outbox.status_of("late") == "skipped"


async def test_future_messages_wait_and_other_platforms_are_left(
    db: Database, clock: FakeClock
) -> None:
    outbox = Outbox(db, clock)
    await outbox.send(
        key="later", target=CHANNEL, message=Reply(), due_at=clock.now() + timedelta(days=1)
    )
    await outbox.send(key="discord", target=PlaceRef(platform="discord", id="1"), message=Reply())
    port = RecordingPort()
    worker = OutboxWorker(outbox, {"console": port})
    assert await worker.run_once() == 0
    clock.advance(timedelta(days=1))
    assert await worker.run_once() == 1
    assert port.keys == ["later"]
    assert await outbox.status_of("discord") == "pending"


async def test_worker_wakes_when_a_message_is_queued(db: Database, clock: FakeClock) -> None:
    outbox = Outbox(db, clock)
    port = RecordingPort()
    worker = OutboxWorker(outbox, {"console": port}, idle_poll=3600)
    worker.start()
    try:
        await asyncio.sleep(0.01)
        await outbox.send(key="now", target=CHANNEL, message=Reply(text="hi"))
        await asyncio.wait_for(port.entered.wait(), 5)
    finally:
        await worker.stop()
    assert port.keys == ["now"]


async def test_purge_keeps_pending(db: Database, clock: FakeClock) -> None:
    outbox = Outbox(db, clock)
    await queue(outbox, 2)
    await outbox.send(
        key="future", target=CHANNEL, message=Reply(), due_at=clock.now() + timedelta(days=90)
    )
    await OutboxWorker(outbox, {"console": RecordingPort()}).run_once()
    clock.advance(timedelta(days=31))
    assert await outbox.purge_finished(timedelta(days=30)) == 2
    assert await outbox.status_of("future") == "pending"


async def test_overlapping_passes_never_deliver_a_row_twice(db: Database, clock: FakeClock) -> None:
    outbox = Outbox(db, clock)
    await queue(outbox, 5)
    port = RecordingPort()
    worker = OutboxWorker(outbox, {"console": port})
    await asyncio.gather(worker.run_once(), worker.run_once(), worker.run_once())
    assert sorted(port.keys) == [f"m:{i}" for i in range(5)]


async def test_a_message_marked_pin_is_pinned_once_posted(db: Database, clock: FakeClock) -> None:
    outbox = Outbox(db, clock)
    await outbox.send(key="agreement", target=CHANNEL, message=Reply(text="a", pin=True))
    await outbox.send(key="other", target=CHANNEL, message=Reply(text="b"))
    port = RecordingPort()
    await OutboxWorker(outbox, {"console": port}).run_once()
    assert [key for key, _, _ in port.sent] == ["agreement", "other"]
    assert port.pinned == ["1"]


async def test_a_failed_pin_leaves_the_message_sent_and_is_not_retried(
    db: Database, clock: FakeClock
) -> None:
    outbox = Outbox(db, clock)
    await outbox.send(key="agreement", target=CHANNEL, message=Reply(text="a", pin=True))
    port = RecordingPort()
    port.pin_error = DeliveryError("cannot pin here", retryable=True)
    worker = OutboxWorker(outbox, {"console": port})
    await worker.run_once()
    clock.advance(timedelta(hours=1))
    await worker.run_once()
    assert port.sent == [("agreement", "announcements", "a")]
    assert await outbox.status_of("agreement") == "sent"


async def test_skip_pending_withdraws_only_unsent_messages_under_the_exact_prefix(
    db: Database, clock: FakeClock
) -> None:
    outbox = Outbox(db, clock)
    for key in ("checkin:1:a", "checkin:1:b", "checkin:10:a", "checkin_1:a"):
        await outbox.send(key=key, target=CHANNEL, message=Reply(text=key))
    port = RecordingPort()
    async with db.transaction() as tx:
        assert await outbox.status_in(tx, "checkin:1:a") == "pending"
    # One is sent first; withdrawing afterwards leaves it sent.
    async with db.transaction() as tx:
        await tx.execute("UPDATE outbox SET status = 'sent' WHERE key = 'checkin:1:a'")
    async with db.transaction() as tx:
        assert await outbox.skip_pending(tx, "checkin:1:", "stopped") == 1
    await OutboxWorker(outbox, {"console": port}).run_once()
    assert sorted(key for key, _, _ in port.sent) == ["checkin:10:a", "checkin_1:a"]
    assert await outbox.status_of("checkin:1:a") == "sent"
    assert await outbox.status_of("checkin:1:b") == "skipped"
    async with db.transaction() as tx:
        assert await outbox.status_in(tx, "never") is None


async def test_a_row_that_became_too_late_after_it_was_delivered_is_recorded_as_sent(
    db: Database, clock: FakeClock
) -> None:
    outbox = Outbox(db, clock)
    await outbox.send(
        key="reminder",
        target=CHANNEL,
        message=Reply(text="The meeting starts in an hour."),
        not_after=clock.now() + timedelta(hours=1),
    )
    await outbox.send(
        key="never-sent",
        target=CHANNEL,
        message=Reply(text="The meeting starts in two hours."),
        not_after=clock.now() + timedelta(hours=1),
    )
    port = RecordingPort()
    port.crash_after_send = ProcessDied()
    with contextlib.suppress(ProcessDied):
        await OutboxWorker(outbox, {"console": port}).run_once()
    clock.advance(timedelta(hours=3))  # the outage outlasted both messages' usefulness
    await OutboxWorker(outbox, {"console": port}).run_once()
    assert port.keys == ["reminder"]
    assert await sent_row(db, "reminder") == ("sent", "1")
    assert await outbox.status_of("never-sent") == "skipped"


async def test_a_failure_for_good_calls_the_failed_hook_once_in_its_transaction(
    db: Database, clock: FakeClock
) -> None:
    """Outbox.on_failed: a row that keeps failing reaches the hook once, after its last
    retry (not at each retry), and what the hook queues is delivered with the next pass."""
    outbox = Outbox(db, clock)
    seen: list[tuple[str, str]] = []

    async def tell(tx: Any, item: OutboxItem, reason: str) -> None:
        seen.append((item.key, reason))
        await outbox.enqueue(
            tx,
            key=f"told:{item.key}",
            target=UserRef(platform="console", id="casey"),
            message=Reply(text=f"{item.key} failed: {reason}"),
        )

    outbox.on_failed("m:", tell)
    await queue(outbox, 1)
    await queue(outbox, 1, prefix="other")  # not the hook's prefix
    port = RecordingPort()
    port.fail_with = lambda key: (
        DeliveryError("503", retryable=True) if key.startswith(("m:", "other:")) else None
    )
    worker = OutboxWorker(outbox, {"console": port}, max_attempts=3, base_delay=1)
    for _ in range(5):
        await worker.run_once()
        clock.advance(timedelta(hours=1))
    assert seen == [("m:0", "503")]
    assert await outbox.status_of("other:0") == "failed"
    assert [(key, text) for key, _, text in port.sent] == [("told:m:0", "m:0 failed: 503")]
