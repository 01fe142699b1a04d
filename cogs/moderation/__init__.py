"""Moderation: lock, slowmode, archive and pin; guidelines; members' reports; the audit log."""

from bot.kernel import Kernel
from cogs.moderation.commands import ModerationCog


def setup(kernel: Kernel) -> ModerationCog:
    return ModerationCog(kernel)
