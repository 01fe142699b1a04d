"""What "no duplicate after a long outage" costs: the attempt recorded before every send, and
the look on Discord (the fake, on 127.0.0.1) for a row whose attempt never finished.

Prints figures; asserts nothing (shared machines are noisy, so targets are read, not tested).
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import discord

from bot.clock import FakeClock
from bot.identity import PlaceRef, UserRef
from bot.migrations import migrate
from bot.outbox import Outbox, OutboxItem, OutboxWorker
from bot.platforms.console import ConsolePort
from bot.platforms.discord.port import DiscordPort
from bot.replies import Reply
from bot.storage import Database
from tests.e2e.fakediscord import FakeDiscord, discord_pointed_at, running

ROWS = 2000
ROUNDS = 3
LOOKS = 20


async def drain(folder: Path, name: str, *, record_attempts: bool) -> float:
    """Deliver ROWS rows to a quiet console port; returns rows per second."""
    db = await Database.open(folder / f"{name}.sqlite3")
    await migrate(db)
    outbox = Outbox(db, FakeClock())
    if not record_attempts:  # the delivery step as it was before attempts were recorded

        async def no_record(item: OutboxItem) -> datetime:
            return outbox.clock.now()

        outbox.mark_attempt = no_record  # type: ignore[method-assign]
    async with db.transaction() as tx:
        for i in range(ROWS):
            await outbox.enqueue(
                tx,
                key=f"bench:{i}",
                target=UserRef(platform="console", id=f"m{i % 200}"),
                message=Reply(text="A reminder about the meeting tomorrow."),
            )
    started = time.perf_counter()
    handled = await OutboxWorker(outbox, {"console": ConsolePort(lambda text: None)}).run_once()
    elapsed = time.perf_counter() - started
    await db.close()
    return handled / elapsed


async def normal_path() -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        with_record: list[float] = []
        without: list[float] = []
        for round_number in range(ROUNDS):  # alternate, so load changes hit both alike
            with_record.append(await drain(folder, f"with{round_number}", record_attempts=True))
            without.append(await drain(folder, f"without{round_number}", record_attempts=False))
    print(
        f"outbox, {ROWS} rows, median of {ROUNDS}: {statistics.median(with_record):.0f}/s with "
        f"the attempt recorded before each send, {statistics.median(without):.0f}/s without "
        f"(runs: {[round(r) for r in with_record]} vs {[round(r) for r in without]})"
    )


async def looks_on_discord() -> None:
    async with FakeDiscord(timeout=30) as fake:
        with discord_pointed_at(fake):
            now = [datetime(2027, 1, 4, 9, 0, tzinfo=UTC)]
            fake.state.clock = lambda: now[0]
            intents = discord.Intents.none()
            intents.guilds = True
            client = discord.Client(intents=intents, guild_ready_timeout=0.05)
            async with running(client, fake):
                port = DiscordPort(client)
                channel_id = fake.channel_id("general")
                place = PlaceRef(platform="discord", id=str(channel_id))
                attempt = now[0]
                now[0] += timedelta(seconds=1)
                wanted = Reply(text="The network meets on 10 March.")
                await port.post(place, wanted, idempotency_key="meeting:1")
                for number in range(499):  # a busy channel after the lost delivery
                    now[0] += timedelta(milliseconds=50)
                    fake.state.create_message(
                        channel_id, fake.state.bot, {"content": f"other notice {number}"}
                    )
                missing = Reply(text="A notice that never arrived.")
                for label, reply in (("first after the attempt", wanted), ("absent", missing)):
                    samples: list[float] = []
                    requests_before = len(fake.requests)
                    for _ in range(LOOKS):
                        started = time.perf_counter()
                        await port.find_sent(
                            place, reply, idempotency_key="meeting:x", since=attempt
                        )
                        samples.append((time.perf_counter() - started) * 1000)
                    reads = (len(fake.requests) - requests_before) / LOOKS
                    print(
                        f"find_sent on Discord, 500 messages after the attempt, message {label}: "
                        f"median {statistics.median(samples):.1f} ms, {reads:.0f} request(s)"
                    )


async def main() -> None:
    await normal_path()
    await looks_on_discord()


if __name__ == "__main__":
    asyncio.run(main())
