"""Latency of a slash command through the real discord.py client and the fake Discord.

For ``/support`` answered by peerbot, and for a bare discord.py client that only answers
"pong", measured in the same run at the same rate: the time from the fake writing
INTERACTION_CREATE to the gateway to the interaction callback arriving at the fake.
Prints p50, p99 and their ratio. Target: /support p99 under 25 ms at 50 commands a second on
the 2-core machine, and a ratio under 1.5.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.app import App
from bot.platforms.discord.client import PeerbotDiscordClient
from bot.platforms.discord.port import DiscordPort
from config.settings import load_settings
from tests.e2e.fakediscord import FakeDiscord, discord_pointed_at, running

SendOne = Callable[[FakeDiscord], Awaitable[Any]]


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def measure(fake: FakeDiscord, count: int, rate: float, send: SendOne) -> list[float]:
    """Send ``count`` commands at ``rate`` per second (not waiting for answers in between)."""
    handles = []
    loop = asyncio.get_running_loop()
    start = loop.time()
    for i in range(count):
        delay = start + i / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        handles.append(await send(fake))
    latencies = []
    for handle in handles:
        request = await handle.callback_request()
        latencies.append((request.received_at - handle.record.sent_at) * 1000)
    return latencies


async def support(fake: FakeDiscord) -> Any:
    return await fake.send_slash_command("support", user="bob")


async def pong(fake: FakeDiscord) -> Any:
    return await fake.send_slash_command("ping", user="bob")


class PongClient(discord.Client):
    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message("pong", ephemeral=True)


def intents() -> discord.Intents:
    wanted = discord.Intents.none()
    wanted.guilds = wanted.members = True
    return wanted


def report(name: str, samples: list[float]) -> tuple[float, float]:
    p50, p99 = percentile(samples, 0.5), percentile(samples, 0.99)
    print(
        f"{name}: p50 {p50:.2f} ms, p99 {p99:.2f} ms, mean {statistics.fmean(samples):.2f} ms "
        f"over {len(samples)} commands"
    )
    return p50, p99


async def main(count: int, rate: float) -> None:
    logging.getLogger().setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        async with FakeDiscord(timeout=30) as fake:
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
                client = PeerbotDiscordClient(kernel, [fake.guild_id], guild_ready_timeout=0.05)
                app.start_worker([DiscordPort(client)])
                try:
                    async with running(client, fake):
                        await measure(fake, 20, rate, support)  # warm-up
                        ours = await measure(fake, count, rate, support)
                finally:
                    await app.stop()
                bare = PongClient(intents=intents(), guild_ready_timeout=0.05)
                async with running(bare, fake):
                    await measure(fake, 20, rate, pong)
                    theirs = await measure(fake, count, rate, pong)
    print(f"slash commands through the fake Discord, {count} each at {rate:g} a second:")
    our_p50, our_p99 = report("peerbot /support", ours)
    their_p50, their_p99 = report("bare discord.py pong", theirs)
    print(f"p99 ratio /support to pong: {our_p99 / their_p99:.2f} (target under 1.5)")
    print(f"p50 ratio /support to pong: {our_p50 / their_p50:.2f}")
    print(f"/support p99 target under 25 ms: {'met' if our_p99 < 25 else 'NOT met'}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--rate", type=float, default=50.0)
    args = parser.parse_args()
    asyncio.run(main(args.count, args.rate))
