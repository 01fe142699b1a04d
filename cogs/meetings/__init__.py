"""Meetings: quarterly network meetings."""

from bot.kernel import Kernel
from cogs.meetings.commands import MeetingsCog


def setup(kernel: Kernel) -> MeetingsCog:
    return MeetingsCog(kernel)
