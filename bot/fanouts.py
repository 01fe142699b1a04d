"""Fan-outs: what to tell the person who caused private messages to several people, when some
of those people could not be reached.

The outbox keeps the group (``Outbox.fan_out``); this module words the summary, so a sender
learns who was not told, why, and what they can do about it. A cog that must also say when
everyone was reached ("Sent") registers an ``OutcomeHandler`` and gets the whole ``Outcome``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.ports import NOT_ACCEPTING_DMS
from bot.replies import Reply

if TYPE_CHECKING:
    from bot.storage import Transaction

#: What a command says instead of promising that everyone will be told.
UNREACHED_PROMISE = "peerbot will let you know privately if someone cannot be reached."
DEFAULT_ADVICE = "You could tell them another way."
NOT_ACCEPTING_REASON = "they do not accept direct messages from this server"
OTHER_REASON = "peerbot could not deliver the message (the platform kept refusing it)"


@dataclass(frozen=True)
class FanOut:
    """A group of private messages queued together; pass it to ``Outbox.enqueue``."""

    id: int
    key: str


@dataclass(frozen=True)
class Unreached:
    """One recipient whose message finished as failed, and the reason the port gave."""

    recipient_key: str
    reason: str


@dataclass(frozen=True)
class Outcome:
    """How a fan-out ended, once its last message finished: who got their message
    (``reached``, recipient keys) and who did not (``unreached``). A message withdrawn or
    deleted before it was sent counts as neither."""

    key: str
    sender_key: str
    about: str
    advice: str
    reached: tuple[str, ...]
    unreached: tuple[Unreached, ...]


#: What a cog says to the sender when one of its fan-outs ends (``Outbox.on_fanout_closed``):
#: called inside the transaction that closes the group, so the cog can record the outcome
#: too; None sends nothing.
OutcomeHandler = Callable[["Transaction", Outcome], Awaitable[Reply | None]]


def label(user_key: str, on_platform: str) -> str:
    """A person as the reader's platform shows them: a Discord mention (shown as their name;
    peerbot sends no pings) to a Discord reader, the plain id anywhere else."""
    platform, _, user_id = user_key.partition(":")
    if platform == "discord" and on_platform == "discord":
        return f"<@{user_id}>"
    return user_id or user_key


def why(reason: str) -> str:
    """A port's delivery error, in the words a sender can act on."""
    if NOT_ACCEPTING_DMS in reason:
        return NOT_ACCEPTING_REASON
    return OTHER_REASON


def summary(about: str, advice: str, unreached: list[Unreached], on_platform: str) -> Reply:
    """The one private message to the sender: who could not be told about what, and why."""
    count = len(unreached)
    people = "1 person" if count == 1 else f"{count} people"
    lines = [f"peerbot could not tell {people} about {about}:"]
    for item in unreached:
        lines.append(
            f"- {label(item.recipient_key, on_platform)} could not be told: {why(item.reason)}."
        )
    lines.append(advice or DEFAULT_ADVICE)
    return Reply.private_text("\n".join(lines))
