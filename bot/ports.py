"""The outbound port: what scheduled and background work asks a platform to do.

Each adapter implements it. Messages that must not be lost or doubled go through the outbox,
which calls ``post`` and ``send_private`` with the outbox key as ``idempotency_key`` so a
platform that supports it (Discord's nonce, Matrix's transaction id) can drop a repeat.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.identity import MessageRef, PlaceRef, UserRef
from bot.replies import Reply


class DeliveryError(Exception):
    """A platform refused or failed. ``retryable`` errors are tried again with backoff."""

    def __init__(self, reason: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retryable = retryable
        self.retry_after = retry_after


@dataclass(frozen=True)
class ChannelSpec:
    """A channel to create: its name, the category it sits in, and who may see and post."""

    name: str
    topic: str = ""
    category: PlaceRef | None = None
    visible_to_roles: tuple[str, ...] = ()
    read_only: bool = False


class OutboundPort(Protocol):
    platform: str

    async def post(self, place: PlaceRef, message: Reply, *, idempotency_key: str) -> MessageRef:
        """Post a message in a channel, room or thread."""
        ...

    async def send_private(
        self, user: UserRef, message: Reply, *, idempotency_key: str
    ) -> MessageRef:
        """Message one person privately (a Discord DM, a Matrix direct room)."""
        ...

    async def open_private_thread(self, parent: PlaceRef, name: str) -> PlaceRef:
        """Open a private thread that only invited people can see."""
        ...

    async def add_to_thread(self, thread: PlaceRef, user: UserRef) -> None: ...

    async def archive_thread(self, thread: PlaceRef, *, lock: bool = True) -> None: ...

    async def create_channel(self, spec: ChannelSpec) -> PlaceRef: ...

    async def lock_channel(self, place: PlaceRef, *, locked: bool) -> None: ...
