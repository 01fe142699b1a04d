"""Pointing the real discord.py at a FakeDiscord, and running a client against it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from .server import FakeDiscord


@contextlib.contextmanager
def discord_pointed_at(fake: FakeDiscord) -> Iterator[None]:
    """Make every discord.py client in this process talk to ``fake``, then restore.

    discord.py reads ``Route.BASE`` for REST and webhooks (interaction callbacks included),
    and ``DiscordWebSocket.DEFAULT_GATEWAY`` for the first gateway connection; after READY it
    uses ``resume_gateway_url``, which the fake sets to itself.
    """
    old_base, old_gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE = fake.api_url
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    try:
        yield
    finally:
        Route.BASE = old_base
        DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


@contextlib.asynccontextmanager
async def running(client: discord.Client, fake: FakeDiscord) -> AsyncIterator[discord.Client]:
    """Log ``client`` in to ``fake``, wait for ``on_ready``, and close it afterwards.

    Create the client with ``guild_ready_timeout=0.05`` (a Client keyword): discord.py waits
    that long after the last GUILD_CREATE before it is ready (2 s by default).
    """
    timeout = fake.timeout
    await client.login(fake.token)
    connection = asyncio.create_task(client.connect(reconnect=True), name="fake-discord-client")
    ready = asyncio.create_task(client.wait_until_ready())
    try:
        done, _ = await asyncio.wait(
            {connection, ready}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if ready not in done:
            if connection in done:
                connection.result()  # raises what stopped the client
            raise TimeoutError(f"the client was not ready within {timeout}s")
        yield client
    finally:
        ready.cancel()
        await client.close()
        await asyncio.wait_for(connection, timeout)
