"""Linked accounts: one person on two platforms (Discord and Matrix) is one person to peerbot."""

from bot.kernel import Kernel
from cogs.accounts.commands import AccountsCog


def setup(kernel: Kernel) -> AccountsCog:
    return AccountsCog(kernel)
