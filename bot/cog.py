"""The base of every feature cog: it gets the kernel, declares commands, and may start work."""

from __future__ import annotations

from typing import ClassVar

from bot.commands import Context
from bot.kernel import Kernel
from bot.replies import Choice


class Cog:
    #: Short, stable name (``support``); used for hooks and logs.
    name: ClassVar[str]
    #: Heading for /help.
    title: ClassVar[str]

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel

    async def start(self) -> None:
        """Runs once the database is migrated and every cog is loaded."""

    async def stop(self) -> None:
        """Runs before the database closes."""

    async def complete_network(self, ctx: Context, partial: str) -> list[Choice]:
        """Autocomplete for any ``network`` option: the active networks whose short name or
        name contains what was typed. One provider for every cog, named in
        ``Option(autocomplete="complete_network")``."""
        partial = partial.strip().lower()
        return [
            Choice(label=info.name[:100], value=info.slug)
            for info in await self.kernel.registry.directory.networks()
            if partial in info.slug or partial in info.name.lower()
        ]
