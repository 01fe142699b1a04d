"""Support and help: the crisis and support lines (/support) and the list of commands (/help)."""

from __future__ import annotations

from bot.kernel import Kernel
from cogs.support.commands import SupportCog, support_reply
from cogs.support.lines import LineFilter, SupportDirectory, SupportLine, load_support_lines

__all__ = [
    "LineFilter",
    "SupportCog",
    "SupportDirectory",
    "SupportLine",
    "load_support_lines",
    "setup",
    "support_reply",
]


def setup(kernel: Kernel) -> SupportCog:
    return SupportCog(kernel)
