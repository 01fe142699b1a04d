"""The noticeboard: training, job and event notices with a closing date, posted once to a
network's notices channel, listed by /notices list, retired the day after they close (in the
network's time zone), and a weekly private digest for members who subscribe.

A notice is a resource library entry (types job, training and event, with a closing date and a
network), so review, search, regions and tags stay one code path; this cog adds where each
notice was posted and the digest subscriptions."""

from bot.kernel import Kernel
from cogs.noticeboard.commands import NoticeboardCog

__all__ = ["setup"]


def setup(kernel: Kernel) -> NoticeboardCog:
    return NoticeboardCog(kernel)
