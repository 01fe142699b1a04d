"""Mentoring: peer workers offer to mentor, others ask, and two who both agreed get a private
thread with an agreement, check-ins and an end date."""

from bot.kernel import Kernel
from cogs.mentoring.commands import MentoringCog


def setup(kernel: Kernel) -> MentoringCog:
    return MentoringCog(kernel)
