"""A cog whose start fails, for tests/bot/test_app.py."""

from __future__ import annotations

from typing import ClassVar

from bot.cog import Cog
from bot.kernel import Kernel


class BrokenCog(Cog):
    name: ClassVar[str] = "broken"
    title: ClassVar[str] = "Broken"

    async def start(self) -> None:
        raise RuntimeError("this cog cannot start")


def setup(kernel: Kernel) -> BrokenCog:
    return BrokenCog(kernel)
