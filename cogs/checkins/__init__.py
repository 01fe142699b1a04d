"""Wellbeing check-ins: private, opt-in prompts that care for peer workers without watching them."""

from bot.kernel import Kernel
from cogs.checkins.commands import CheckinsCog


def setup(kernel: Kernel) -> CheckinsCog:
    return CheckinsCog(kernel)
