"""A fan-out's sender is told once, privately, who could not be reached, and why."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from bot.clock import FakeClock
from bot.fanouts import Outcome, OutcomeHandler
from bot.identity import UserRef
from bot.migrations import migrate
from bot.outbox import Outbox, OutboxWorker
from bot.ports import NOT_ACCEPTING_DMS, DeliveryError
from bot.replies import Reply
from bot.storage import Database, Transaction
from tests.bot.fakes import RecordingPort

SENDER = UserRef(platform="console", id="coordinator")
PEOPLE = ["sam", "kim", "lee"]


async def fan_out_to(outbox: Outbox, people: list[str], key: str = "meeting:1:cancelled") -> None:
    async with outbox.db.transaction() as tx:
        group = await outbox.fan_out(
            tx, key=key, sender_key=SENDER.key, about="the cancelled meeting on 10 March"
        )
        for person in people:
            await outbox.enqueue(
                tx,
                key=f"{key}:{person}",
                target=UserRef(platform="console", id=person),
                message=Reply.private_text("The meeting is cancelled."),
                fanout=group,
            )


def closed_dms_for(*people: str) -> Callable[[str], Exception | None]:
    def fail(key: str) -> Exception | None:
        if any(key.endswith(f":{p}") for p in people):
            return DeliveryError(f"{NOT_ACCEPTING_DMS} (code 50007)", retryable=False)
        return None

    return fail


def to_sender(port: RecordingPort) -> list[str]:
    return [text for _, target, text in port.sent if target == SENDER.id]


async def test_the_sender_is_told_once_who_could_not_be_reached(
    db: Database, clock: FakeClock
) -> None:
    outbox = Outbox(db, clock)
    await fan_out_to(outbox, PEOPLE)
    port = RecordingPort()
    port.fail_with = closed_dms_for("kim")
    worker = OutboxWorker(outbox, {"console": port})
    await worker.run_once()
    await worker.run_once()  # a second pass sends nothing more
    assert sorted(t for _, t, _ in port.sent if t != SENDER.id) == ["lee", "sam"]
    [summary] = to_sender(port)
    assert "could not tell 1 person about the cancelled meeting on 10 March" in summary
    assert "kim could not be told: they do not accept direct messages from this server" in summary
    assert "sam" not in summary and "lee" not in summary
    assert "You could tell them another way." in summary


async def test_nobody_unreached_means_no_summary(db: Database, clock: FakeClock) -> None:
    outbox = Outbox(db, clock)
    await fan_out_to(outbox, PEOPLE)
    port = RecordingPort()
    await OutboxWorker(outbox, {"console": port}).run_once()
    assert len(port.sent) == 3
    assert to_sender(port) == []


async def test_the_summary_waits_for_a_message_still_being_retried(
    db: Database, clock: FakeClock
) -> None:
    outbox = Outbox(db, clock)
    await fan_out_to(outbox, PEOPLE)
    port = RecordingPort()
    busy = {"lee": 1}

    def fail(key: str) -> Exception | None:
        if key.endswith(":kim"):
            return DeliveryError(f"{NOT_ACCEPTING_DMS} (code 50007)", retryable=False)
        if key.endswith(":lee") and busy["lee"]:
            busy["lee"] -= 1
            return DeliveryError("Discord answered HTTP 503", retryable=True)
        return None

    port.fail_with = fail
    worker = OutboxWorker(outbox, {"console": port}, base_delay=1.0)
    await worker.run_once()
    assert to_sender(port) == []  # lee's message is still to be tried again
    clock.advance(timedelta(minutes=5))
    await worker.run_once()
    [summary] = to_sender(port)
    assert "kim could not be told" in summary and "lee" not in summary


async def test_a_message_that_never_goes_through_is_reported_with_its_reason(
    db: Database, clock: FakeClock
) -> None:
    outbox = Outbox(db, clock)
    await fan_out_to(outbox, ["sam"])
    port = RecordingPort()
    port.fail_with = lambda key: (
        DeliveryError("HTTP 503", retryable=True) if key.endswith(":sam") else None
    )
    worker = OutboxWorker(outbox, {"console": port}, max_attempts=2, base_delay=1.0)
    await worker.run_once()
    clock.advance(timedelta(minutes=5))
    await worker.run_once()
    [summary] = to_sender(port)
    assert "sam could not be told: peerbot could not deliver the message" in summary


async def test_a_crash_before_the_summary_is_made_up_for_after_a_restart(
    tmp_path, clock: FakeClock
) -> None:
    path = tmp_path / "outbox.sqlite3"
    db = await Database.open(path)
    await migrate(db)
    outbox = Outbox(db, clock)
    await fan_out_to(outbox, PEOPLE)
    port = RecordingPort()
    port.fail_with = closed_dms_for("sam", "lee")
    # The old process delivered every row, then stopped before its summary step.
    worker = OutboxWorker(outbox, {"console": port})
    await worker._deliver_due()
    assert to_sender(port) == []
    await db.close()

    db = await Database.open(path)
    worker = OutboxWorker(Outbox(db, clock), {"console": port})
    await worker.run_once()
    await worker.run_once()
    await db.close()
    [summary] = to_sender(port)
    assert "could not tell 2 people" in summary
    assert "sam could not be told" in summary and "lee could not be told" in summary


async def test_queueing_the_same_fan_out_twice_changes_nothing(
    db: Database, clock: FakeClock
) -> None:
    outbox = Outbox(db, clock)
    await fan_out_to(outbox, PEOPLE)
    await fan_out_to(outbox, PEOPLE)
    port = RecordingPort()
    port.fail_with = closed_dms_for("kim")
    await OutboxWorker(outbox, {"console": port}).run_once()
    assert len([t for _, t, _ in port.sent if t != SENDER.id]) == 2
    assert len(to_sender(port)) == 1


async def test_a_discord_sender_sees_mentions_not_pings(db: Database, clock: FakeClock) -> None:
    outbox = Outbox(db, clock)
    async with db.transaction() as tx:
        group = await outbox.fan_out(tx, key="report:3", sender_key="discord:1", about="report 3")
        await outbox.enqueue(
            tx,
            key="report:3:discord:2",
            target=UserRef(platform="discord", id="2"),
            message=Reply.private_text("A report."),
            fanout=group,
        )
    port = RecordingPort(platform="discord")
    port.fail_with = lambda key: (
        None if key.startswith("fanout:") else DeliveryError(NOT_ACCEPTING_DMS, retryable=False)
    )
    await OutboxWorker(outbox, {"discord": port}).run_once()
    [(_, target, summary)] = port.sent
    assert target == "1"
    assert "<@2> could not be told" in summary


# ---- a cog that words the outcome itself: told whatever happened ----------------------------


def outcome_said(seen: list[Outcome]) -> OutcomeHandler:
    async def say(tx: Transaction, outcome: Outcome) -> Reply | None:
        seen.append(outcome)
        reached = ", ".join(outcome.reached) or "nobody"
        missed = ", ".join(u.recipient_key for u in outcome.unreached) or "nobody"
        return Reply.private_text(f"Reached: {reached}. Missed: {missed}.")

    return say


async def test_a_cog_can_tell_the_sender_the_outcome_even_when_everyone_was_reached(
    db: Database, clock: FakeClock
) -> None:
    outbox = Outbox(db, clock)
    seen: list[Outcome] = []
    outbox.on_fanout_closed("meeting:", outcome_said(seen))
    await fan_out_to(outbox, PEOPLE)
    port = RecordingPort()
    worker = OutboxWorker(outbox, {"console": port})
    await worker.run_once()
    await worker.run_once()
    assert to_sender(port) == ["Reached: console:sam, console:kim, console:lee. Missed: nobody."]
    [outcome] = seen
    assert outcome.key == "meeting:1:cancelled" and outcome.sender_key == SENDER.key
    status = await outbox.status_of("fanout:meeting:1:cancelled:outcome")
    assert status == "sent"


async def test_the_outcome_names_who_was_reached_and_who_was_not(
    db: Database, clock: FakeClock
) -> None:
    outbox = Outbox(db, clock)
    seen: list[Outcome] = []
    outbox.on_fanout_closed("meeting:", outcome_said(seen))
    await fan_out_to(outbox, PEOPLE)
    port = RecordingPort()
    port.fail_with = closed_dms_for("sam", "kim", "lee")
    await OutboxWorker(outbox, {"console": port}).run_once()
    assert to_sender(port) == ["Reached: nobody. Missed: console:sam, console:kim, console:lee."]
    assert all(NOT_ACCEPTING_DMS in u.reason for u in seen[0].unreached)


async def test_a_message_withdrawn_before_it_was_sent_is_neither_reached_nor_missed(
    db: Database, clock: FakeClock
) -> None:
    outbox = Outbox(db, clock)
    seen: list[Outcome] = []
    outbox.on_fanout_closed("meeting:1:", outcome_said(seen))
    await fan_out_to(outbox, PEOPLE)
    async with db.transaction() as tx:
        await outbox.skip_pending(tx, "meeting:1:cancelled:kim", "withdrawn")
    await OutboxWorker(outbox, {"console": RecordingPort()}).run_once()
    assert seen[0].reached == ("console:sam", "console:lee") and seen[0].unreached == ()


async def test_other_fan_outs_keep_the_plain_summary(db: Database, clock: FakeClock) -> None:
    outbox = Outbox(db, clock)
    outbox.on_fanout_closed("checkin-tell:", outcome_said([]))
    await fan_out_to(outbox, PEOPLE)
    port = RecordingPort()
    port.fail_with = closed_dms_for("kim")
    await OutboxWorker(outbox, {"console": port}).run_once()
    [summary] = to_sender(port)
    assert summary.startswith("peerbot could not tell 1 person")


async def test_a_failing_outcome_handler_falls_back_to_the_plain_summary(
    db: Database, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(tx: Transaction, outcome: Outcome) -> Reply | None:
        raise LookupError("a bug in the cog")

    outbox = Outbox(db, clock)
    outbox.on_fanout_closed("meeting:", broken)
    await fan_out_to(outbox, PEOPLE)
    await fan_out_to(outbox, ["sam"], key="meeting:2:cancelled")
    port = RecordingPort()
    port.fail_with = closed_dms_for("kim")
    await OutboxWorker(outbox, {"console": port}).run_once()
    [summary] = to_sender(port)  # the second group, all reached, says nothing
    assert summary.startswith("peerbot could not tell 1 person")
    assert "outcome failed" in caplog.text
