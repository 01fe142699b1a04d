"""Test doubles for the outbound port."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from bot.commands import Role
from bot.identity import MessageRef, PlaceRef, UserRef
from bot.ports import ChannelSpec, EventSpec, ThreadViewers
from bot.replies import Reply


class RecordingPort:
    """Records every delivery; ``gate`` lets a test hold a delivery in flight."""

    def __init__(self, platform: str = "console") -> None:
        self.platform = platform
        self.sent: list[tuple[str, str, str]] = []  # (idempotency key, target id, text)
        self.replies: list[Reply] = []  # what each of ``sent`` was, buttons and all
        self.fail_with: Callable[[str], Exception | None] = lambda key: None
        self.gate: asyncio.Event | None = None
        self.entered = asyncio.Event()
        self.pinned: list[str] = []  # message ids pinned, in order
        self.pin_error: Exception | None = None
        self.ranks: list[tuple[str, str, Role]] = []  # (role id, user key, rank) given
        #: Raised once the platform has accepted a message, before the port returns: the
        #: process dying between the platform's answer and the outbox recording it.
        self.crash_after_send: BaseException | None = None
        self.looked: list[str] = []  # idempotency keys find_sent was asked about
        self._ids: dict[str, MessageRef] = {}  # what the platform holds, by key
        self.parents: dict[str, list[PlaceRef]] = {}  # place id -> where it sits
        self.deleted: list[tuple[str, str, str]] = []  # (place id, message id, reason)
        self.gone_messages: set[tuple[str, str]] = set()  # (place id, message id) deleted
        self.edited: list[tuple[str, str | None, Reply]] = []  # (message id, key, new content)
        self.renamed: list[tuple[str, str]] = []  # (thread id, new name)
        self.kept_active: list[str] = []  # threads keep_thread_active was asked about
        self.thread_activity: dict[str, datetime] = {}  # thread id -> a person last wrote
        self.viewers: ThreadViewers | None = None  # what thread_viewers answers
        self.viewers_left: ThreadViewers | None = None  # ... and restrict_thread_viewers
        self.restricted: list[str] = []  # channels restrict_thread_viewers was asked about

    async def _deliver(self, key: str, target: str, message: Reply) -> MessageRef:
        self.entered.set()
        if self.gate is not None:
            await self.gate.wait()
        error = self.fail_with(key)
        if error is not None:
            raise error
        self.sent.append((key, target, message.text))
        self.replies.append(message)
        ref = MessageRef(place=PlaceRef(platform=self.platform, id=target), id=str(len(self.sent)))
        self._ids.setdefault(key, ref)
        if self.crash_after_send is not None:
            crash, self.crash_after_send = self.crash_after_send, None
            raise crash
        return ref

    async def find_sent(
        self,
        target: PlaceRef | UserRef,
        message: Reply,
        *,
        idempotency_key: str,
        since: datetime,
        taken: frozenset[str] = frozenset(),
    ) -> MessageRef | None:
        """As Matrix does with its hidden marker: the message sent under this key, if any."""
        self.looked.append(idempotency_key)
        found = self._ids.get(idempotency_key)
        return None if found is None or found.id in taken else found

    async def post(self, place: PlaceRef, message: Reply, *, idempotency_key: str) -> MessageRef:
        return await self._deliver(idempotency_key, place.id, message)

    async def send_private(
        self, user: UserRef, message: Reply, *, idempotency_key: str
    ) -> MessageRef:
        return await self._deliver(idempotency_key, user.id, message)

    async def open_private_thread(self, parent: PlaceRef, name: str) -> PlaceRef:
        return PlaceRef(platform=self.platform, id="thread", name=name)

    async def open_thread_from(self, message: MessageRef, name: str) -> PlaceRef:
        return PlaceRef(platform=self.platform, id=f"thread-{message.id}", name=name)

    async def add_to_thread(self, thread: PlaceRef, user: UserRef) -> None:
        return None

    async def archive_thread(
        self, thread: PlaceRef, *, lock: bool = True, reason: str = ""
    ) -> None:
        return None

    async def reopen_thread(self, thread: PlaceRef, *, reason: str = "") -> None:
        return None

    async def delete_thread(self, thread: PlaceRef) -> None:
        return None

    async def keep_thread_active(self, thread: PlaceRef) -> datetime | None:
        self.kept_active.append(thread.id)
        return self.thread_activity.get(thread.id)

    async def thread_viewers(self, parent: PlaceRef) -> ThreadViewers | None:
        return self.viewers

    async def restrict_thread_viewers(self, parent: PlaceRef) -> ThreadViewers | None:
        self.restricted.append(parent.id)
        return self.viewers_left

    async def create_category(
        self, space: PlaceRef, name: str, visible_to_roles: tuple[str, ...] = ()
    ) -> PlaceRef:
        return PlaceRef(platform=self.platform, id=f"category-{name}", name=name)

    async def create_channel(self, spec: ChannelSpec) -> PlaceRef:
        return PlaceRef(platform=self.platform, id=spec.name, name=spec.name)

    async def lock_channel(
        self,
        place: PlaceRef,
        *,
        locked: bool,
        keep_posting: tuple[str, ...] = (),
        reason: str = "",
    ) -> None:
        return None

    async def edit_message(
        self, message: MessageRef, new: Reply, *, idempotency_key: str | None = None
    ) -> None:
        error = self.fail_with(idempotency_key or "")
        if error is not None:
            raise error
        self.edited.append((message.id, idempotency_key, new))

    async def rename_thread(self, thread: PlaceRef, name: str) -> None:
        self.renamed.append((thread.id, name))

    async def delete_message(self, message: MessageRef, *, reason: str = "") -> bool:
        self.deleted.append((message.place.id, message.id, reason))
        return (message.place.id, message.id) not in self.gone_messages

    async def pin_message(self, message: MessageRef, *, pinned: bool, reason: str = "") -> None:
        if self.pin_error is not None:
            raise self.pin_error
        if pinned:
            self.pinned.append(message.id)

    async def set_slowmode(self, place: PlaceRef, seconds: int, *, reason: str = "") -> None:
        return None

    async def is_thread(self, place: PlaceRef) -> bool:
        return place.id.startswith("thread")

    async def is_own_message(self, message: MessageRef) -> bool:
        return True

    async def parents_of(self, place: PlaceRef) -> list[PlaceRef]:
        return list(self.parents.get(place.id, ()))

    async def set_role_access(
        self,
        place: PlaceRef,
        space: PlaceRef,
        role_id: str,
        *,
        read_only: bool,
        can_post: bool = False,
    ) -> None:
        return None

    async def place_exists(self, place: PlaceRef) -> bool:
        return True

    async def create_role(self, space: PlaceRef, name: str) -> str:
        return f"role-{name}"

    async def create_staff_role(self, space: PlaceRef, name: str) -> str | None:
        return None

    async def show_staff_commands(self, space: PlaceRef, role_id: str) -> bool:
        return True

    async def role_exists(self, space: PlaceRef, role_id: str) -> bool:
        return True

    async def rename_role(self, space: PlaceRef, role_id: str, name: str) -> None:
        return None

    async def rename_place(self, place: PlaceRef, name: str) -> None:
        return None

    async def role_holders(self, space: PlaceRef, role_id: str) -> set[str] | None:
        return None

    async def set_member_role(
        self, space: PlaceRef, user: UserRef, role_id: str, *, present: bool
    ) -> None:
        return None

    async def set_member_rank(
        self, space: PlaceRef, role_id: str, user: UserRef, rank: Role
    ) -> None:
        self.ranks.append((role_id, user.key, rank))

    async def create_event(self, spec: EventSpec) -> str | None:
        return None

    async def find_event(
        self, space: PlaceRef, name: str, start: datetime, *, taken: frozenset[str]
    ) -> str | None:
        return None

    async def update_event(self, space: PlaceRef, event_id: str, spec: EventSpec) -> None:
        return None

    async def delete_event(self, space: PlaceRef, event_id: str) -> None:
        return None

    async def event_users(self, space: PlaceRef, event_id: str) -> set[str] | None:
        return None

    @property
    def keys(self) -> list[str]:
        return [key for key, _, _ in self.sent]
