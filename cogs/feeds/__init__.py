"""Calendar feeds: a private subscription address for each network's meetings and for each
person's own (the meetings they said Going or Maybe to). This cog holds the tokens and builds
the documents; ``web/feeds.py`` serves them over HTTP."""

from bot.kernel import Kernel
from cogs.feeds.commands import FeedsCog

__all__ = ["setup"]


def setup(kernel: Kernel) -> FeedsCog:
    return FeedsCog(kernel)
