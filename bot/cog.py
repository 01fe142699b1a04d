"""The base of every feature cog: it gets the kernel, declares commands, and may start work."""

from __future__ import annotations

from typing import ClassVar

from bot.kernel import Kernel


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
