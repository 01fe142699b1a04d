"""Meetings at scale: the start-up rebuild of every schedule, and one big round of reminders.

Part 1 (no Discord): on a real SQLite file, ``--networks`` networks each with one quarterly
series, then the full rebuild start-up does (``scheduler.refresh("meetings")``): seconds and
jobs planned. Part 2: one meeting with ``--people`` people who answered Going; its reminder job
enqueues one DM each, and the real OutboxWorker delivers them through the real DiscordPort to
the fake Discord, which enforces ``--rate`` requests a second (429 with ``retry_after`` when over).
Prints the time against the floor that limit sets (accepted requests / rate), and the people who
got no reminder (lost) or more than one (duplicated); both must be 0.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from bot.app import App
from bot.clock import to_db
from bot.kernel import Kernel
from bot.platforms.discord.client import PeerbotDiscordClient
from bot.platforms.discord.port import DiscordPort
from cogs.meetings.commands import MeetingsCog
from cogs.meetings.notices import MeetingJobs, job_key
from config.settings import load_settings
from tests.e2e.fakediscord import FakeDiscord, discord_pointed_at, running
from tests.e2e.fakediscord.recorder import RateLimit

TIMEZONE = "Australia/Sydney"
REMINDER = timedelta(days=1)


def meeting_jobs(kernel: Kernel) -> MeetingJobs:
    cog = kernel.cogs["meetings"]
    assert isinstance(cog, MeetingsCog)
    return cog.jobs


async def add_networks(kernel: Kernel, count: int, first: date) -> None:
    """``count`` networks, each with one quarterly series starting on ``first``."""
    now = to_db(kernel.clock.now())
    async with kernel.db.transaction() as tx:
        for i in range(count):
            await tx.execute(
                """INSERT INTO networks (id, slug, name, timezone, created_at)
                   VALUES (?, ?, ?, ?, ?)""",
                (i + 1, f"net-{i}", f"Network {i}", TIMEZONE, now),
            )
            await tx.execute(
                """INSERT INTO meeting_series (id, network_id, name, first_date, start_time,
                       duration_minutes, timezone, interval_months, created_by, created_at,
                       updated_at)
                   VALUES (?, ?, ?, ?, '18:30', 90, ?, 3, 'console:admin', ?, ?)""",
                (i + 1, i + 1, f"Network {i} meeting", first.isoformat(), TIMEZONE, now, now),
            )


async def add_rsvps(kernel: Kernel, series_id: int, key: str, user_ids: list[int]) -> None:
    now = to_db(kernel.clock.now())
    async with kernel.db.transaction() as tx:
        for user_id in user_ids:
            user_key = f"discord:{user_id}"
            await tx.execute(
                """INSERT INTO memberships (network_id, user_key, role, joined_at)
                   VALUES (?, ?, 'member', ?)""",
                (series_id, user_key, now),
            )
            await tx.execute(
                """INSERT INTO rsvps (series_id, occurrence_key, user_key, answer, answered_at)
                   VALUES (?, ?, ?, 'going', ?)""",
                (series_id, key, user_key, now),
            )


async def part_one(kernel: Kernel, networks: int, first: date) -> None:
    t0 = time.perf_counter()
    await add_networks(kernel, networks, first)
    print(
        f"created {networks} networks with a quarterly series in {time.perf_counter() - t0:.1f} s"
    )
    t0 = time.perf_counter()
    decisions = await kernel.scheduler.refresh("meetings")
    elapsed = time.perf_counter() - t0
    print(
        f"part 1: rebuilt all meeting schedules in {elapsed:.2f} s: {len(decisions)} jobs "
        f"planned, {len(kernel.scheduler.job_ids())} held by the scheduler"
    )


async def pending(kernel: Kernel, prefix: str) -> int:
    row = await kernel.db.fetch_one(
        "SELECT COUNT(*) AS n FROM outbox WHERE status = 'pending' AND key LIKE ?",
        (prefix + "%",),
    )
    return 0 if row is None else int(row["n"])


async def part_two(app: App, fake: FakeDiscord, people: int, rate: int, first: date) -> None:
    kernel = app.kernel
    assert kernel is not None
    user_ids = [int(fake.add_user(f"person{i}")["id"]) for i in range(people)]
    key = first.isoformat()
    await add_rsvps(kernel, 1, key, user_ids)
    client = PeerbotDiscordClient(kernel, [fake.guild_id], guild_ready_timeout=0.05)
    app.start_worker([DiscordPort(client)])
    async with running(client, fake):
        jobs = await meeting_jobs(kernel).planned_jobs(kernel.clock.now())
        wanted = job_key(1, key, "reminder-1d")
        job = next(j for j in jobs if j.key == wanted)
        fake.rate_limit = limit = RateLimit(rate)
        first_request = len(fake.requests)
        t0 = time.perf_counter()
        await kernel.scheduler.run_job(job)
        print(f"part 2: reminder job enqueued {people} DMs in {time.perf_counter() - t0:.2f} s")
        last_report = time.perf_counter()
        while (left := await pending(kernel, wanted)) > 0:
            await asyncio.sleep(0.2)
            if time.perf_counter() - last_report >= 15:
                last_report = time.perf_counter()
                print(f"  {people - left} of {people} delivered after {last_report - t0:.0f} s")
        elapsed = time.perf_counter() - t0
        fake.rate_limit = None
    statuses = await kernel.db.fetch_all(
        "SELECT status, COUNT(*) AS n FROM outbox WHERE key LIKE ? GROUP BY status",
        (wanted + "%",),
    )
    window = fake.requests[first_request:]
    accepted = [r for r in window if r.status != 429]
    kinds = Counter(f"{r.method} {route(r.path)}" for r in accepted)
    floor = len(accepted) / rate
    burst_floor = max(0, len(accepted) - rate) / rate  # the first second's allowance is free
    dm_user = {
        int(channel["id"]): int(channel["recipients"][0]["id"])
        for channel in fake.state.channels.values()
        if channel.get("recipients")
    }
    per_user = Counter(
        dm_user.get(int(m["channel_id"]))
        for m in fake.state.messages.values()
        if str(m.get("content", "")).startswith("A reminder:")
    )
    lost = sum(1 for u in user_ids if per_user[u] == 0)
    duplicated = sum(1 for u in user_ids if per_user[u] > 1)
    rows = ", ".join(f"{row['status']} {row['n']}" for row in statuses)
    print(f"  outbox rows: {rows}")
    print(
        f"  requests accepted {len(accepted)} ({', '.join(f'{k}: {n}' for k, n in kinds.items())}),"
        f" answered 429: {limit.rejected}"
    )
    print(
        f"  delivered in {elapsed:.1f} s against a floor of {floor:.1f} s "
        f"({len(accepted)} requests / {rate} a second): {elapsed / floor:.2f}x the floor; "
        f"{burst_floor:.1f} s if the first second's {rate} count as free"
    )
    print(f"  messages lost: {lost}, duplicated: {duplicated} (both must be 0)")


def route(path: str) -> str:
    """``/channels/123/messages`` -> ``/channels/{id}/messages``."""
    return "/".join("{id}" if part.isdigit() else part for part in path.split("/"))


async def main(networks: int, people: int, rate: int) -> None:
    logging.getLogger().setLevel(logging.ERROR)
    logging.getLogger("discord").setLevel(logging.ERROR)  # a warning per 429 otherwise
    first = datetime.now(UTC).date() + timedelta(days=30)
    with tempfile.TemporaryDirectory() as folder:
        async with FakeDiscord(timeout=60) as fake:
            with discord_pointed_at(fake):
                settings = load_settings(
                    None,
                    environ={
                        "PEERBOT_DATA_DIR": folder,
                        "PEERBOT_DISCORD__GUILD_IDS": str(fake.guild_id),
                    },
                )
                app = App(settings)
                kernel = await app.start_without_worker()
                try:
                    await part_one(kernel, networks, first)
                    await part_two(app, fake, people, rate, first)
                finally:
                    await app.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--networks", type=int, default=1000)
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--rate", type=int, default=50, help="requests a second the fake allows")
    args = parser.parse_args()
    asyncio.run(main(max(1, args.networks), args.people, args.rate))
