"""Outbox rows that change what is already on the platform: an edit of a posted message and
a thread's new name, each once per key, across crashes; and the hook that runs in the same
transaction as a delivery is recorded."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from bot.identity import MessageRef, PlaceRef
from bot.outbox import Outbox, OutboxWorker
from bot.ports import DeliveryError
from bot.replies import Reply
from bot.storage import Database, Transaction
from tests.bot.fakes import RecordingPort

CHANNEL = PlaceRef(platform="console", id="announcements")
NOTICE = MessageRef(place=CHANNEL, id="41")


async def edit(outbox: Outbox, key: str, text: str) -> bool:
    async with outbox.db.transaction() as tx:
        return await outbox.enqueue_edit(tx, key=key, message=NOTICE, new=Reply(text=text))


async def test_an_edit_is_made_once_per_key_and_recorded_against_the_message(
    db: Database, clock: FakeClock
) -> None:
    outbox = Outbox(db, clock)
    port = RecordingPort()
    assert await edit(outbox, "notice:1", "Moved to 14:00")
    assert not await edit(outbox, "notice:1", "Moved to 15:00")  # the key is taken
    worker = OutboxWorker(outbox, {"console": port})
    assert await worker.run_once() == 1
    assert [(m, k, r.text) for m, k, r in port.edited] == [("41", "notice:1", "Moved to 14:00")]
    assert port.sent == []  # nothing new was posted
    row = await db.fetch_one("SELECT status, sent_message_id, action FROM outbox")
    assert row is not None and tuple(row) == ("sent", "41", "edit")
    assert await OutboxWorker(outbox, {"console": port}).run_once() == 0  # a restart: nothing
    assert len(port.edited) == 1


async def test_an_edit_cut_off_by_a_crash_is_made_again_without_looking(
    db: Database, clock: FakeClock
) -> None:
    """An edit shows the same however often it is made, so an unfinished one is simply made
    again: no read of the channel first (that is only for new messages, which would double)."""
    outbox = Outbox(db, clock)
    await edit(outbox, "notice:2", "Skipped")
    async with db.transaction() as tx:
        await tx.execute("UPDATE outbox SET attempt_started_at = created_at")
    port = RecordingPort()
    await OutboxWorker(outbox, {"console": port}).run_once()
    assert [r.text for _, _, r in port.edited] == ["Skipped"]
    assert port.looked == []


async def test_a_refused_edit_fails_and_a_busy_platform_is_tried_again(
    db: Database, clock: FakeClock
) -> None:
    outbox = Outbox(db, clock)
    await edit(outbox, "notice:gone", "x")
    await edit(outbox, "notice:busy", "y")
    port = RecordingPort()
    port.fail_with = lambda key: (
        DeliveryError("Unknown Message", retryable=False)
        if key == "notice:gone"
        else DeliveryError("HTTP 503", retryable=True)
    )
    await OutboxWorker(outbox, {"console": port}).run_once()
    assert await outbox.status_of("notice:gone") == "failed"
    assert await outbox.status_of("notice:busy") == "pending"
    port.fail_with = lambda key: None
    clock.advance(timedelta(hours=1))
    await OutboxWorker(outbox, {"console": port}).run_once()
    assert await outbox.status_of("notice:busy") == "sent"
    assert [r.text for _, _, r in port.edited] == ["y"]


async def test_a_thread_is_renamed_once(db: Database, clock: FakeClock) -> None:
    outbox = Outbox(db, clock)
    thread = PlaceRef(platform="console", id="thread-41")
    async with db.transaction() as tx:
        assert await outbox.enqueue_rename(tx, key="thread:1", thread=thread, name="Minutes")
        assert not await outbox.enqueue_rename(tx, key="thread:1", thread=thread, name="Other")
    port = RecordingPort()
    await OutboxWorker(outbox, {"console": port}).run_once()
    await OutboxWorker(outbox, {"console": port}).run_once()
    assert port.renamed == [("thread-41", "Minutes")]


async def test_the_delivered_hook_runs_in_the_transaction_that_records_the_delivery(
    db: Database, clock: FakeClock
) -> None:
    outbox = Outbox(db, clock)
    seen: list[tuple[str, str, str]] = []

    async def remember(tx: Transaction, key: str, sent: MessageRef, message: Reply) -> None:
        status = await outbox.status_in(tx, key)
        seen.append((key, sent.id, f"{status}:{message.text}"))

    async def broken(tx: Transaction, key: str, sent: MessageRef, message: Reply) -> None:
        raise RuntimeError("a bug in a cog")

    outbox.on_delivered("notice:", remember)
    outbox.on_delivered("notice:", broken)
    await outbox.send(key="notice:a", target=CHANNEL, message=Reply(text="Hello"))
    await outbox.send(key="other:b", target=CHANNEL, message=Reply(text="Not for the hook"))
    port = RecordingPort()
    await OutboxWorker(outbox, {"console": port}).run_once()
    assert seen == [("notice:a", "1", "sent:Hello")]  # already recorded as sent, same tx
    assert await outbox.status_of("notice:a") == "sent"  # a failing hook loses nothing
    assert await outbox.status_of("other:b") == "sent"
