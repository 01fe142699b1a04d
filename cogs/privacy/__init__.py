"""Privacy: the policy built from every cog's statement, export, and deletion."""

from bot.kernel import Kernel
from cogs.privacy.commands import PrivacyCog


def setup(kernel: Kernel) -> PrivacyCog:
    return PrivacyCog(kernel)
