"""Stories of peer work (issue 21, item 4): a member shares a story privately, a coordinator
reviews it, and it is published only when the author says yes, under the name they chose (or
none); the author can withdraw it at any stage, and it is then deleted everywhere at once."""

from bot.kernel import Kernel
from cogs.stories.commands import StoriesCog

__all__ = ["setup"]


def setup(kernel: Kernel) -> StoriesCog:
    return StoriesCog(kernel)
