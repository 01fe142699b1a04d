"""A fake Discord (REST + gateway) for end-to-end tests of discord.py bots, in-process.

Typical use (the ``fake_discord`` fixture does the first two steps)::

    async with FakeDiscord() as fake:
        with discord_pointed_at(fake):
            client = discord.Client(intents=intents, guild_ready_timeout=0.05)
            async with running(client, fake):
                handle = await fake.send_slash_command("ping")
                assert (await handle.callback())["type"] == 4

Time: ``fake.state.clock`` (real time unless a test replaces it, e.g. with a FakeClock's
``now``) stamps new ids and messages and measures the nonce window: a repeated nonce with
``enforce_nonce`` returns the earlier message only within five minutes, as Discord checks
it only "in the past few minutes", and a fetched message carries no nonce.
"""

from .handles import Attached, InteractionHandle, OptionType, Typed
from .harness import discord_pointed_at, running
from .payloads import Json
from .recorder import RecordedRequest, UploadedFile
from .server import FakeDiscord
from .state import DiscordError, FakeState, GuildRecord

__all__ = [
    "Attached",
    "DiscordError",
    "FakeDiscord",
    "FakeState",
    "GuildRecord",
    "InteractionHandle",
    "Json",
    "OptionType",
    "RecordedRequest",
    "Typed",
    "UploadedFile",
    "discord_pointed_at",
    "running",
]
