"""``peerbot`` as a real process talking to a FakeDiscord of the test process.

    python -m tests.e2e.peerbot_process API_URL GATEWAY_URL run

points discord.py at the fake (the two addresses ``discord_pointed_at`` sets in-process) and
then runs ``bot.cli.main`` with the remaining arguments: the same start-up, signal handling
and stop as ``peerbot run``, with nothing else changed.
"""

from __future__ import annotations

import sys

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.cli import main

if __name__ == "__main__":
    api_url, gateway_url, *arguments = sys.argv[1:]
    Route.BASE = api_url
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    raise SystemExit(main(arguments))
