"""Serving Discord from ``peerbot run``: connect, deliver the outbox, explain start-up refusals."""

from __future__ import annotations

import discord

from bot.app import App
from bot.errors import StartupError
from bot.kernel import Kernel
from bot.platforms.discord.client import PeerbotDiscordClient
from bot.platforms.discord.port import DiscordPort
from config.settings import Settings


async def serve_discord(app: App, kernel: Kernel, settings: Settings) -> None:
    """Connect to Discord and serve until stopped; nothing else opens unless configured.

    The client is closed by ``App.stop``, after the scheduler and the outbox worker stopped:
    a delivery still in progress when peerbot is told to stop keeps its connection."""
    assert settings.discord.token is not None
    client = PeerbotDiscordClient(kernel, list(settings.discord.guild_ids))
    app.add_connection("the Discord client", client.close)
    app.start_worker([DiscordPort(client)])
    try:
        await client.start(settings.discord.token.get_secret_value())
    except discord.LoginFailure:
        raise StartupError(
            "Discord refused the token. Copy the bot token again from the Discord developer "
            "portal (Bot, then Reset Token) into discord.token or PEERBOT_DISCORD__TOKEN."
        ) from None
    except discord.PrivilegedIntentsRequired:
        raise StartupError(
            "Discord refused the Server Members intent. Switch on 'Server Members Intent' in "
            "the developer portal (Bot, then Privileged Gateway Intents) and start again."
        ) from None
