"""Serving Discord from ``peerbot run``: connect, deliver the outbox, explain start-up refusals."""

from __future__ import annotations

import aiohttp
import discord
import yarl
from discord.http import Route

from bot.app import App
from bot.connecting import connect_with_retries
from bot.errors import IntentMissing, LoginRefused, PlatformUnreachable, WrongSetting
from bot.kernel import Kernel
from bot.platforms.discord.client import PeerbotDiscordClient
from bot.platforms.discord.port import DiscordPort
from config.settings import Settings

#: How long one attempt to reach Discord's API may take before it counts as unreachable.
REACH_SECONDS = 15.0
#: The gateway's close code for an unaccepted token (discord.py raises ConnectionClosed).
AUTHENTICATION_FAILED = 4004
NETWORK_ERRORS = (aiohttp.ClientError, OSError, TimeoutError, discord.GatewayNotFound)


def _unreachable(error: BaseException) -> PlatformUnreachable:
    host = yarl.URL(Route.BASE).host or Route.BASE
    return PlatformUnreachable(
        f"Cannot reach Discord at {host} ({type(error).__name__}). Check this computer's "
        "internet connection, and any firewall or proxy between it and Discord."
    )


async def reach_discord() -> None:
    """Any answer from Discord's API (even a refusal) means it can be reached; only then log
    in, so a network failure is retried rather than ending in discord.py's traceback."""
    timeout = aiohttp.ClientTimeout(total=REACH_SECONDS)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.get(f"{Route.BASE}/gateway") as answer,
        ):
            await answer.read()
    except NETWORK_ERRORS as error:
        raise _unreachable(error) from None


async def serve_discord(app: App, kernel: Kernel, settings: Settings) -> None:
    """Connect to Discord and serve until stopped; nothing else opens unless configured.

    The client is closed by ``App.stop``, after the scheduler and the outbox worker stopped:
    a delivery still in progress when peerbot is told to stop keeps its connection."""
    assert settings.discord.token is not None
    await connect_with_retries("Discord", reach_discord)
    client = PeerbotDiscordClient(kernel, list(settings.discord.guild_ids))
    app.add_connection("the Discord client", client.close)
    app.report_connection("discord", lambda: client.is_ready() and not client.is_closed())
    app.start_worker([DiscordPort(client)])
    try:
        await client.start(settings.discord.token.get_secret_value())
    except discord.LoginFailure:
        raise LoginRefused(
            "Discord refused the token. Copy the bot token again from the Discord developer "
            "portal (Bot, then Reset Token) into PEERBOT_DISCORD__TOKEN or discord.token in "
            "config/peerbot.toml."
        ) from None
    except discord.PrivilegedIntentsRequired:
        raise IntentMissing(
            "Discord refused the Server Members intent. Switch on 'Server Members Intent' in "
            "the developer portal (Bot, then Privileged Gateway Intents) and start again."
        ) from None
    except discord.ConnectionClosed as error:
        if error.code == AUTHENTICATION_FAILED:
            raise LoginRefused(
                "Discord's gateway refused the token. Copy the bot token again from the "
                "developer portal (Bot, then Reset Token) and start again."
            ) from None
        raise
    except (discord.NotFound, discord.Forbidden) as error:
        # At start only the commands' sync asks a server: it is not one the bot is in.
        servers = ", ".join(str(g) for g in settings.discord.guild_ids) or "(none)"
        raise WrongSetting(
            f"Discord refused to put the commands on the server (guild) id {servers} "
            f"({error.status}, code {error.code}): the bot is not in it, or the id is wrong. "
            "Check discord.guild_ids (PEERBOT_DISCORD__GUILD_IDS), and invite the bot to the "
            "server with the link the README's Discord steps give."
        ) from None
    except NETWORK_ERRORS as error:  # lost between reaching Discord and logging in
        raise _unreachable(error) from None
