"""The outbound port: what scheduled and background work asks a platform to do.

Each adapter implements it. Moderation calls (lock, slowmode, archive, pin) take an optional
``reason``, which goes to the platform's own audit log where it has one (Discord's
``X-Audit-Log-Reason`` header); Matrix power levels and pins carry none, so it is ignored there.
Messages that must not be lost or doubled go through the outbox,
which calls ``post`` and ``send_private`` with the outbox key as ``idempotency_key`` so a
platform that supports it (Discord's nonce, Matrix's transaction id) can drop a repeat. Those
checks expire (Discord's after a few minutes, Synapse's after a day or with a new device), so
after a crash mid-delivery the outbox first asks ``find_sent`` whether the message got through.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from bot.errors import UserError
from bot.identity import MessageRef, PlaceRef, UserRef
from bot.replies import Reply

if TYPE_CHECKING:
    from bot.commands import Role


#: ``find_sent`` looks this far before the attempt's start, in case the platform's clock is a
#: little behind ours; ids other outbox rows recorded are left out, so it claims none of theirs.
LOOK_BACK_MARGIN = timedelta(seconds=30)

#: How a port says a person does not accept private messages from peerbot (Discord code 50007,
#: a Matrix invitation refused): the outbox tells whoever caused the message so they can tell
#: that person another way.
NOT_ACCEPTING_DMS = "this person does not accept direct messages"


class DeliveryError(Exception):
    """A platform refused or failed. ``retryable`` errors are tried again with backoff."""

    def __init__(self, reason: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retryable = retryable
        self.retry_after = retry_after


class MissingPermission(UserError):
    """The platform refused because the bot lacks a permission; says which, and how to fix it."""

    def __init__(self, permission: str, where: str) -> None:
        super().__init__(
            f"peerbot needs the {permission} permission {where} to do that. A server admin can "
            "give it to peerbot's role (Server Settings, then Roles), then try again."
        )
        self.permission = permission
        self.where = where


@dataclass(frozen=True)
class ChannelSpec:
    """A channel to create in a space (a Discord server, a Matrix space): its name, the category
    it sits in, who may see it (platform role ids; empty means everyone), whether only
    coordinators and the bot may post, and the roles that may always post there (a network's
    coordinator and executive roles: in a read-only channel, and when it is locked)."""

    space: PlaceRef
    name: str
    topic: str = ""
    category: PlaceRef | None = None
    visible_to_roles: tuple[str, ...] = ()
    read_only: bool = False
    posting_roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class EventSpec:
    """A native calendar event (Discord's Scheduled Events); platforms without one ignore it."""

    space: PlaceRef
    name: str
    start: datetime
    end: datetime
    description: str = ""
    location: str = ""

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("event times must be timezone-aware")
        if self.end <= self.start:
            raise ValueError("an event must end after it starts")


@dataclass(frozen=True)
class ThreadViewers:
    """Who can see every private thread in a channel without being added to it: on Discord,
    the server's owner, roles with Administrator, and roles with Manage Threads in that
    channel (role names), plus people who can by permissions of their own or by a mix of
    roles (user ids). The bot itself is left out: it is in its threads anyway."""

    owner: str | None = None
    admin_roles: tuple[str, ...] = ()
    thread_roles: tuple[str, ...] = ()
    people: tuple[str, ...] = ()

    @property
    def roles(self) -> tuple[str, ...]:
        return self.admin_roles + self.thread_roles


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

    async def find_sent(
        self,
        target: PlaceRef | UserRef,
        message: Reply,
        *,
        idempotency_key: str,
        since: datetime,
        taken: frozenset[str] = frozenset(),
    ) -> MessageRef | None:
        """Whether an earlier attempt to send ``message`` (begun at ``since``, its result never
        recorded) reached the platform: the reference ``post`` or ``send_private`` would have
        returned, or None when nothing of it arrived and it should be sent afresh. A long
        message sent in parts counts as found once its first part is there; the parts still
        missing are sent now, so it ends up whole and no part twice. ``taken`` are message ids
        other outbox rows own, never to be claimed. The outbox calls this only after an
        unfinished attempt; a platform that cannot look says None."""
        ...

    async def open_private_thread(self, parent: PlaceRef, name: str) -> PlaceRef:
        """Open a private thread that only invited people can see."""
        ...

    async def open_thread_from(self, message: MessageRef, name: str) -> PlaceRef:
        """Open a public thread under one of the bot's messages (minutes under a notice)."""
        ...

    async def add_to_thread(self, thread: PlaceRef, user: UserRef) -> None: ...

    async def rename_thread(self, thread: PlaceRef, name: str) -> None:
        """Give a thread the bot opened a new title (a meeting's minutes thread follows its
        meeting); a no-op where threads have no title of their own (Matrix, the console).
        Called by the outbox, so failures are ``DeliveryError``."""
        ...

    async def archive_thread(
        self, thread: PlaceRef, *, lock: bool = True, reason: str = ""
    ) -> None: ...

    async def reopen_thread(self, thread: PlaceRef, *, reason: str = "") -> None:
        """Undo ``archive_thread``: unlock and unarchive a thread (a closed co-reflection that
        is reopened), so its people can read and write in it again."""
        ...

    async def delete_thread(self, thread: PlaceRef) -> None:
        """Delete a thread and everything in it (retention); a thread already gone is fine."""
        ...

    async def keep_thread_active(self, thread: PlaceRef) -> datetime | None:
        """Keep a thread where its people find it: unarchive one the platform archived for
        inactivity (never one that is locked). Returns when someone other than the bot last
        wrote in it, or None when nobody has or the platform cannot say."""
        ...

    async def thread_viewers(self, parent: PlaceRef) -> ThreadViewers | None:
        """Who besides its members can see a private thread opened in ``parent``; None where
        the platform has no such people or cannot say."""
        ...

    async def restrict_thread_viewers(self, parent: PlaceRef) -> ThreadViewers | None:
        """Take the power to see private threads in ``parent`` away from every role the
        platform lets the bot take it from (never the bot's own); returns who still has it."""
        ...

    async def create_category(
        self, space: PlaceRef, name: str, visible_to_roles: tuple[str, ...] = ()
    ) -> PlaceRef: ...

    async def create_channel(self, spec: ChannelSpec) -> PlaceRef: ...

    async def lock_channel(
        self,
        place: PlaceRef,
        *,
        locked: bool,
        keep_posting: tuple[str, ...] = (),
        reason: str = "",
    ) -> None:
        """Stop (or allow) posting for everyone but the bot and the roles in ``keep_posting``
        (the network's coordinator and executive roles), so a lock never silences those who
        run the network."""
        ...

    async def edit_message(
        self, message: MessageRef, new: Reply, *, idempotency_key: str | None = None
    ) -> None:
        """Show ``new`` in one of the bot's messages (no buttons in ``new`` removes them).
        The outbox gives ``idempotency_key`` (and then wants ``DeliveryError`` on failure);
        a platform that can drop a repeated edit uses it (Matrix's transaction id)."""
        ...

    async def pin_message(self, message: MessageRef, *, pinned: bool, reason: str = "") -> None: ...

    async def set_slowmode(self, place: PlaceRef, seconds: int, *, reason: str = "") -> None:
        """Members may post once every ``seconds`` (0 turns it off)."""
        ...

    async def is_thread(self, place: PlaceRef) -> bool:
        """Whether a place is a thread (which can be archived) rather than a channel."""
        ...

    async def is_own_message(self, message: MessageRef) -> bool:
        """Whether the bot sent this message (moderators pin only the bot's notices)."""
        ...

    async def parents_of(self, place: PlaceRef) -> list[PlaceRef]:
        """Where a place sits, nearest first: a thread's channel, then that channel's category
        (a thread's room on Matrix); empty for a place at the top or one that is gone.
        Moderation asks it to know that a thread under a network's channel is the network's."""
        ...

    async def set_role_access(
        self,
        place: PlaceRef,
        space: PlaceRef,
        role_id: str,
        *,
        read_only: bool,
        can_post: bool = False,
    ) -> None:
        """Let a role see a channel (and post, unless ``read_only``; ``can_post`` lets it post
        even where others may not): set-up's repair. Nothing is sent when it already has it."""
        ...

    async def place_exists(self, place: PlaceRef) -> bool:
        """Whether a channel or room still exists (set-up repairs what was deleted)."""
        ...

    async def create_role(self, space: PlaceRef, name: str) -> str:
        """Create a platform role (a network's member role); returns its id."""
        ...

    async def create_staff_role(self, space: PlaceRef, name: str) -> str | None:
        """Create a role that marks a network's coordinators or executives; None where the
        platform has no such roles (on Matrix, power levels do this job)."""
        ...

    async def show_staff_commands(self, space: PlaceRef, role_id: str) -> bool:
        """Let the holders of a staff role see the staff commands in the platform's menu
        (Discord shows a command only to people holding the permission it names). True when
        done or not needed; False when the platform refused."""
        ...

    async def role_exists(self, space: PlaceRef, role_id: str) -> bool: ...

    async def rename_role(self, space: PlaceRef, role_id: str, name: str) -> None:
        """A network was renamed: its platform role follows."""
        ...

    async def rename_place(self, place: PlaceRef, name: str) -> None:
        """A network was renamed: its category (or space) follows."""
        ...

    async def role_holders(self, space: PlaceRef, role_id: str) -> set[str] | None:
        """The platform user ids that hold a role now, or None where the platform cannot say
        (reconciling then only adds what is missing)."""
        ...

    async def set_member_role(
        self, space: PlaceRef, user: UserRef, role_id: str, *, present: bool
    ) -> None:
        """Give (``present``) or take away a platform role."""
        ...

    async def set_member_rank(
        self, space: PlaceRef, role_id: str, user: UserRef, rank: Role
    ) -> None:
        """Give the person the platform's standing for their network role (``role_id`` is
        the network's platform role in ``space``): on Matrix, coordinators are moderators in
        the network's rooms. A no-op where the platform needs none."""
        ...

    async def delete_message(self, message: MessageRef, *, reason: str = "") -> bool:
        """Delete a message (a member's too, where the bot may); False if it was already
        gone. ``reason`` is for the platform's own audit log, where it has one."""
        ...

    async def create_event(self, spec: EventSpec) -> str | None:
        """Create a native event; returns its id, or None where the platform has none."""
        ...

    async def find_event(
        self, space: PlaceRef, name: str, start: datetime, *, taken: frozenset[str]
    ) -> str | None:
        """After a ``create_event`` whose result was never recorded (a crash, a timeout): the
        id of the event it made (the bot's own, with this name and start) if it is there, so
        it is never made twice. ``taken`` are event ids other meetings own. None where the
        platform has no events."""
        ...

    async def update_event(self, space: PlaceRef, event_id: str, spec: EventSpec) -> None: ...

    async def delete_event(self, space: PlaceRef, event_id: str) -> None: ...

    async def event_users(self, space: PlaceRef, event_id: str) -> set[str] | None:
        """The platform user ids who marked an event as interesting to them (Discord's
        Interested); None where the platform has no events or cannot say."""
        ...
