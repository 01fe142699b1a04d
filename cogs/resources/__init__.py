"""The resource library: curated, searchable forms, guidelines, training, jobs, services and
support lines, organised by the four areas of the peer work framework."""

from bot.kernel import Kernel
from cogs.resources.cli import add_cli_commands
from cogs.resources.commands import ResourcesCog

__all__ = ["add_cli_commands", "setup"]


def setup(kernel: Kernel) -> ResourcesCog:
    return ResourcesCog(kernel)
