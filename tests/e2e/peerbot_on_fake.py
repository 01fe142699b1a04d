"""Running the real peerbot (App, kernel, cogs, Discord client) against the fake Discord."""

from __future__ import annotations

import contextlib
from pathlib import Path

from bot.app import App
from bot.clock import Clock
from bot.kernel import Kernel
from bot.platforms.discord.client import PeerbotDiscordClient
from bot.platforms.discord.port import DiscordPort
from cogs import ALL_COGS
from config.settings import load_settings
from tests.e2e.fakediscord import FakeDiscord, running

ADMIN = "alice"


class PeerbotOnFake:
    """One bot process: start it, stop it, start a new one on the same data folder."""

    def __init__(
        self,
        fake: FakeDiscord,
        data_dir: Path,
        clock: Clock | None = None,
        *,
        global_commands: bool = False,
        environ: dict[str, str] | None = None,
    ) -> None:
        self.fake = fake
        fake.check_pings = True  # every message peerbot sends must ping nobody by accident
        self.guild_ids = [] if global_commands else [fake.guild_id]
        self.data_dir = data_dir
        self.clock = clock
        self.environ = environ or {}  # more settings, as PEERBOT_... variables
        self._stack: contextlib.AsyncExitStack | None = None
        self.app: App | None = None
        self.client: PeerbotDiscordClient | None = None

    @property
    def kernel(self) -> Kernel:
        assert self.app is not None and self.app.kernel is not None
        return self.app.kernel

    async def start(self, *, defer_after: float | None = None) -> PeerbotDiscordClient:
        settings = load_settings(
            None,
            environ={
                "PEERBOT_DATA_DIR": str(self.data_dir),
                "PEERBOT_ADMINS": f"discord:{self.fake.user_id(ADMIN)}",
                "PEERBOT_DISCORD__TOKEN": self.fake.token,
                "PEERBOT_DISCORD__GUILD_IDS": ",".join(str(g) for g in self.guild_ids),
                **self.environ,
            },
        )
        self.app = App(settings, clock=self.clock, cog_modules=(*ALL_COGS, "tests.e2e.probe_cog"))
        kernel = await self.app.start_without_worker()
        client = PeerbotDiscordClient(kernel, self.guild_ids, guild_ready_timeout=0.05)
        if defer_after is not None:
            client.handler.defer_after = defer_after
        self.app.start_worker([DiscordPort(client)])
        self._stack = contextlib.AsyncExitStack()
        await self._stack.enter_async_context(running(client, self.fake))
        # As serve_discord does: the app closes the client after its scheduler and outbox.
        self.app.add_connection("the Discord client", self._stack.aclose)
        self.client = client
        return client

    async def stop(self) -> None:
        """Stop as ``peerbot run`` does: the scheduler and the outbox worker finish what
        they are doing, then the client closes, then the database."""
        if self.app is not None:
            await self.app.stop()
            self.app = None
        if self._stack is not None:  # a start that failed before the app took the client
            await self._stack.aclose()
            self._stack = None
        self.client = None
