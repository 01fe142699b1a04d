"""Questions to the coordinators (issue 21, item 2): ``/ask coordinators`` opens a private
exchange between a member and their network's coordinators and executives, like modmail but
peer to peer. A de-identified version is shared with the network only on the member's yes,
and a closed exchange is deleted after the retention period."""

from bot.kernel import Kernel
from cogs.questions.commands import QuestionsCog

__all__ = ["setup"]


def setup(kernel: Kernel) -> QuestionsCog:
    return QuestionsCog(kernel)
