"""Co-reflection: private threads where peer workers think through hard situations together."""

from bot.kernel import Kernel
from cogs.reflection.commands import ReflectionCog


def setup(kernel: Kernel) -> ReflectionCog:
    return ReflectionCog(kernel)
