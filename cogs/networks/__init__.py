"""Networks: several peer worker networks in one space, and who holds which role in each."""

from bot.kernel import Kernel
from cogs.networks.commands import NetworksCog


def setup(kernel: Kernel) -> NetworksCog:
    return NetworksCog(kernel)
