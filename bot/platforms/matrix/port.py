"""The outbound port on Matrix: what scheduled work and cogs ask a homeserver to do.

Places: a room is its room id; a thread is ``ROOM/ROOT_EVENT_ID`` (see ``rooms.py``). A
private thread (co-reflection) is a room of its own: invite only, history from joining, in
the network's space, with a retention policy. Matrix has no roles: a network's member "role"
is membership of the network's space (its channels are restricted to the space's members),
and coordinators are moderators (power level 50) in the network's rooms.

Every check of what the bot may do goes through ``power.py``, which knows that from room
version 12 a room's creator outranks every number without being listed. Outbox keys become
transaction ids, so a message resent soon after a crash is dropped by the homeserver. Synapse
keeps them per device, a day at most (synapse/rest/client/transactions.py: 30 to 60 minutes in
its request cache; ``event_txn_id_device_id`` rows a day), so every outbox event also carries a
hidden mark (``messages.OUTBOX_MARKER``) that ``find_sent`` looks for after a longer outage.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

import nio

from bot import mentions
from bot.commands import Role
from bot.errors import UserError
from bot.identity import MessageRef, PlaceRef, UserRef
from bot.platforms.matrix import power, rooms
from bot.platforms.matrix.dm import user_key
from bot.platforms.matrix.errors import (
    TRANSPORT_ERRORS,
    MatrixMissingPermission,
    error_for,
    transport_error_for,
)
from bot.platforms.matrix.html import edit_content, in_thread
from bot.platforms.matrix.messages import OUTBOX_MARKER, Messenger, marker_for
from bot.platforms.matrix.render import to_content
from bot.ports import (
    LOOK_BACK_MARGIN,
    ChannelSpec,
    DeliveryError,
    EventSpec,
    MissingPermission,
    ThreadViewers,
)
from bot.replies import Reply

log = logging.getLogger(__name__)

PLATFORM = "matrix"
R = TypeVar("R")
#: How long ``post`` waits for a new room to reach the bot's sync before the outbox retries.
ROOM_KNOWN_SECONDS = 10.0

WaitUntil = Callable[[Callable[[], bool], float], Awaitable[bool]]

#: How far back ``find_sent`` pages through the bot's own events (pages of 100).
FIND_SENT_PAGES = 5

SPACE_CHILD = "m.space.child"
SPACE_PARENT = "m.space.parent"


def txn_id_for(key: str) -> str:
    """A transaction id derived from the outbox key: the same key always gives the same id."""
    return "peerbot-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]


class MatrixPort:
    platform = PLATFORM

    def __init__(
        self,
        client: nio.AsyncClient,
        messenger: Messenger,
        *,
        wait_until: WaitUntil | None = None,
        retention_days: int | None = None,
        encrypt_private_rooms: bool = False,
    ) -> None:
        """``wait_until`` (the connection's: wait for a sync to make a condition true) lets
        ``post`` wait for a room created a moment ago, which an encrypting client must know
        before it may send there. ``retention_days`` (the reflection retention) becomes each
        private room's ``m.room.retention``; ``encrypt_private_rooms`` turns encryption on in
        them (the bot must then be able to encrypt, with the adapter's encryption store)."""
        self.client = client
        self.messenger = messenger
        self.wait_until = wait_until
        self.retention_days = retention_days
        self.encrypt_private_rooms = encrypt_private_rooms

    @property
    def user_id(self) -> str:
        return str(self.client.user_id)

    @property
    def server(self) -> str:
        return rooms.server_of(self.user_id)

    # ---- messages -----------------------------------------------------------------------

    async def post(self, place: PlaceRef, message: Reply, *, idempotency_key: str) -> MessageRef:
        room_id, root = rooms.split_place_id(place.id)
        txn = txn_id_for(idempotency_key)
        await self._room_known(room_id)
        try:
            if root is None:
                event_id = await self.messenger.send(room_id, message, txn_id=txn, deliver=True)
            else:
                content = in_thread(to_content(message), root)
                event_id = await self.messenger.send_content(room_id, content, txn, deliver=True)
                await self.messenger.choices.remember(event_id, room_id, message, user_key=None)
                for number, attachment in enumerate(message.attachments):
                    await self.messenger.send_file(
                        room_id, attachment, f"{txn}-file{number}", deliver=True
                    )
        except TRANSPORT_ERRORS as error:
            raise transport_error_for(error, deliver=True) from None
        return MessageRef(place=place, id=event_id)

    async def send_private(
        self, user: UserRef, message: Reply, *, idempotency_key: str
    ) -> MessageRef:
        try:
            room_id = await self.dm_room_for(user.id)
        except MissingPermission as error:
            raise DeliveryError(str(error), retryable=False) from None
        except UserError as error:
            raise DeliveryError(str(error), retryable=True) from None
        try:
            event_id = await self.messenger.send(
                room_id,
                message,
                answerer=user.id,
                txn_id=txn_id_for(idempotency_key),
                deliver=True,
            )
        except TRANSPORT_ERRORS as error:
            raise transport_error_for(error, deliver=True) from None
        return MessageRef(place=PlaceRef(platform=PLATFORM, id=room_id), id=event_id)

    async def find_sent(
        self,
        target: PlaceRef | UserRef,
        message: Reply,
        *,
        idempotency_key: str,
        since: datetime,
        taken: frozenset[str] = frozenset(),
    ) -> MessageRef | None:
        """Look back through the bot's own events in the room since the interrupted attempt
        for the outbox mark (``OUTBOX_MARKER``) of this key. If the message is there, its
        choices are remembered again (the crash may have come first) and any of its files
        still missing are sent, each under its own transaction id and mark."""
        if isinstance(target, UserRef):
            known = await self.messenger.dms.known(target.id)
            if known is None:
                return None  # no direct-message room yet: nothing was ever sent there
            room_id, answerer, place = (
                known,
                user_key(target.id),
                PlaceRef(platform=PLATFORM, id=known),
            )
        else:
            room_id, _ = rooms.split_place_id(target.id)
            answerer, place = None, target
        txn = txn_id_for(idempotency_key)
        marks = await self._own_marks_since(room_id, since - LOOK_BACK_MARGIN)
        event_id = marks.get(marker_for(txn))
        if event_id is None or event_id in taken:
            return None
        await self.messenger.choices.remember(event_id, room_id, message, user_key=answerer)
        try:
            for number, attachment in enumerate(message.attachments):
                file_txn = f"{txn}-file{number}"
                if marker_for(file_txn) not in marks:
                    await self.messenger.send_file(room_id, attachment, file_txn, deliver=True)
        except TRANSPORT_ERRORS as error:
            raise transport_error_for(error, deliver=True) from None
        return MessageRef(place=place, id=event_id)

    async def _own_marks_since(self, room_id: str, since: datetime) -> dict[str, str]:
        """Outbox mark -> event id of the bot's messages in the room from ``since`` on,
        newest first, at most ``FIND_SENT_PAGES`` pages back."""
        marks: dict[str, str] = {}
        since_ms = since.timestamp() * 1000
        only_mine = {"senders": [self.user_id], "types": ["m.room.message", "m.room.encrypted"]}
        start: str | None = None
        for _ in range(FIND_SENT_PAGES):
            page = await self._call(
                partial(
                    self.client.room_messages,
                    room_id,
                    start=start,
                    limit=100,
                    message_filter=only_mine,
                ),
                nio.RoomMessagesResponse,
                "read messages",
                self._where(room_id),
                deliver=True,
            )
            for event in page.chunk:
                source = getattr(event, "source", {}) or {}
                if (source.get("origin_server_ts") or 0) < since_ms:
                    return marks
                mark = (source.get("content") or {}).get(OUTBOX_MARKER)
                if isinstance(mark, str) and source.get("sender") == self.user_id:
                    marks.setdefault(mark, str(source.get("event_id")))
            if not page.chunk or not page.end or page.end == start:
                break
            start = page.end
        return marks

    async def dm_room_for(self, user_id: str) -> str:
        """The person's direct-message room with the bot, created on first need."""
        try:
            return await self.messenger.dms.room_for(user_id)
        except TRANSPORT_ERRORS as error:
            raise transport_error_for(error, deliver=True) from None

    async def edit_message(
        self, message: MessageRef, new: Reply, *, idempotency_key: str | None = None
    ) -> None:
        """An ``m.replace`` edit; with ``idempotency_key`` (the outbox) its transaction id
        comes from the key, so the homeserver drops a repeat. The message's numbered choices
        follow the new content when it has some (a notice's buttons after its meeting moved
        to another date); when it has none, the old ones stay remembered, so a late reaction
        still reaches the cog, which answers it privately."""
        room_id, _ = rooms.split_place_id(message.place.id)
        content = edit_content(message.id, new)
        deliver = idempotency_key is not None
        txn = None if idempotency_key is None else txn_id_for(idempotency_key)
        await self._room_known(room_id)
        await self._call(
            lambda: self.client.room_send(
                room_id, "m.room.message", content, tx_id=txn, ignore_unverified_devices=True
            ),
            nio.RoomSendResponse,
            "send messages",
            self._where(room_id),
            deliver=deliver,
        )
        if new.buttons or new.select is not None:
            await self.messenger.choices.replace(message.id, room_id, new)

    async def delete_message(self, message: MessageRef, *, reason: str = "") -> bool:
        """A redaction; Matrix keeps a redacted event's place, so "already gone" is not
        told apart (redacting twice is harmless)."""
        room_id, _ = rooms.split_place_id(message.place.id)
        await self._call(
            lambda: self.client.room_redact(room_id, message.id, reason=reason or None),
            nio.RoomRedactResponse,
            "remove messages",
            self._where(room_id),
        )
        return True

    async def pin_message(self, message: MessageRef, *, pinned: bool, reason: str = "") -> None:
        room_id, _ = rooms.split_place_id(message.place.id)
        current = await self._state_content(room_id, "m.room.pinned_events")
        pins = [str(p) for p in (current or {}).get("pinned", [])]
        if pinned and message.id not in pins:
            pins.append(message.id)
        elif not pinned and message.id in pins:
            pins.remove(message.id)
        else:
            return
        await self._put_state(room_id, "m.room.pinned_events", {"pinned": pins}, "pin messages")

    async def is_own_message(self, message: MessageRef) -> bool:
        room_id, _ = rooms.split_place_id(message.place.id)
        found = await self._call(
            lambda: self.client.room_get_event(room_id, message.id),
            nio.RoomGetEventResponse,
            "read messages",
            self._where(room_id),
        )
        return str(found.event.sender) == self.user_id

    # ---- threads ------------------------------------------------------------------------

    async def open_private_thread(self, parent: PlaceRef, name: str) -> PlaceRef:
        """A new room: invite only, its whole history visible to whoever joins (people
        join after the opening prompts are posted), no guests, a retention policy, in the
        parent room's space (when it has one). Only the bot is in it at first; people are
        invited one by one after they agree (``add_to_thread``)."""
        parent_room, _ = rooms.split_place_id(parent.id)
        space = await self._parent_space(parent_room)
        created = await self._call(
            lambda: self.client.room_create(
                name=name[:100],
                preset=nio.RoomPreset.private_chat,
                initial_state=rooms.private_thread_state(
                    parent_space=space,
                    via_server=self.server,
                    retention_days=self.retention_days,
                    encrypted=self.encrypt_private_rooms,
                ),
                power_level_override=rooms.power_override(),
            ),
            nio.RoomCreateResponse,
            "create rooms",
            "on this homeserver",
        )
        room_id = str(created.room_id)
        if space is not None:
            await self._link_child(space, room_id)
        return PlaceRef(platform=PLATFORM, id=room_id, name=name[:100])

    async def open_thread_from(self, message: MessageRef, name: str) -> PlaceRef:
        """A Matrix thread is replies related to a root event in the same room: nothing is
        sent now; ``post`` to the returned place replies in the thread."""
        room_id, root = rooms.split_place_id(message.place.id)
        return PlaceRef(
            platform=PLATFORM, id=rooms.thread_place_id(room_id, root or message.id), name=name
        )

    async def rename_thread(self, thread: PlaceRef, name: str) -> None:
        """A Matrix thread has no title of its own (renaming would rename the whole room)."""
        return None

    async def add_to_thread(self, thread: PlaceRef, user: UserRef) -> None:
        room_id, _ = rooms.split_place_id(thread.id)
        if await self._membership(room_id, user.id) in ("join", "invite"):
            return
        await self._call(
            lambda: self.client.room_invite(room_id, user.id),
            nio.RoomInviteResponse,
            "invite people",
            self._where(room_id),
        )

    async def archive_thread(
        self, thread: PlaceRef, *, lock: bool = True, reason: str = ""
    ) -> None:
        """Make a private room read-only for everyone but the bot (power levels), and mark it
        archived. The bot stays in the room so that ``delete_thread`` can clear it when the
        retention period ends; people keep reading what was said until then."""
        room_id, root = rooms.split_place_id(thread.id)
        if root is not None:
            raise UserError(
                "On Matrix a thread inside a room cannot be archived by itself. Lock the whole "
                "room with /mod lock instead. Nothing was changed."
            )
        if lock:
            powers = await self._powers(room_id)
            content = power.read_only_levels(powers, self.user_id)
            self._require(powers, "m.room.power_levels", "change power levels", room_id)
            await self._put_state(room_id, "m.room.power_levels", content, "change power levels")
        kind = await self._state_content(room_id, rooms.PLACE_KIND_EVENT) or {}
        await self._put_state(
            room_id, rooms.PLACE_KIND_EVENT, {**kind, "archived": True}, "change room settings"
        )

    async def reopen_thread(self, thread: PlaceRef, *, reason: str = "") -> None:
        """Undo ``archive_thread``: everyone in the room may post again (the default level)
        and the room is no longer marked archived."""
        room_id, root = rooms.split_place_id(thread.id)
        if root is not None:
            raise UserError("On Matrix a thread inside a room cannot be reopened by itself.")
        powers = await self._powers(room_id)
        if power.named_level(powers, "events_default") != 0:
            self._require(powers, "m.room.power_levels", "change power levels", room_id)
            content = power.with_events_default(powers, 0)
            for event in ("m.room.message", "m.reaction"):
                if event in content["events"]:
                    content["events"][event] = 0
            await self._put_state(room_id, "m.room.power_levels", content, "change power levels")
        kind = await self._state_content(room_id, rooms.PLACE_KIND_EVENT) or {}
        await self._put_state(
            room_id, rooms.PLACE_KIND_EVENT, {**kind, "archived": False}, "change room settings"
        )

    async def keep_thread_active(self, thread: PlaceRef) -> datetime | None:
        """Matrix rooms are never archived; peerbot does not read what people write, so it
        cannot say when someone last wrote (the reflection counts its own posts)."""
        return None

    async def thread_viewers(self, parent: PlaceRef) -> ThreadViewers | None:
        """A co-reflection room is a room of its own, invite only: no role sees into it."""
        return None

    async def restrict_thread_viewers(self, parent: PlaceRef) -> ThreadViewers | None:
        return None

    async def delete_thread(self, thread: PlaceRef) -> None:
        """Matrix rooms cannot be deleted by a bot, so peerbot empties the private room: it
        removes (redacts) every message, removes everyone else, then leaves and forgets the
        room. A room peerbot already left is fine: there is nothing more it can do."""
        room_id, root = rooms.split_place_id(thread.id)
        if room_id not in await self._joined_rooms():
            return
        kind = await self._state_content(room_id, rooms.PLACE_KIND_EVENT) or {}
        if root is not None or kind.get("kind") != rooms.PRIVATE_THREAD:
            raise UserError(
                "On Matrix peerbot deletes only the private rooms it opened for co-reflection; "
                "that place is not one. Nothing was changed."
            )
        for event_id in await self._message_event_ids(room_id):
            await self._call(
                partial(self.client.room_redact, room_id, event_id, reason="retention ended"),
                nio.RoomRedactResponse,
                "remove messages",
                self._where(room_id),
            )
        for user_id, membership in (await self._memberships(room_id)).items():
            if user_id != self.user_id and membership in ("join", "invite"):
                await self._call(
                    partial(self.client.room_kick, room_id, user_id, reason="retention ended"),
                    nio.RoomKickResponse,
                    "remove people",
                    self._where(room_id),
                )
        parent = await self._parent_space(room_id)
        if parent is not None:
            await self._unlink_child(parent, room_id)
        await self._call(
            lambda: self.client.room_leave(room_id),
            nio.RoomLeaveResponse,
            "leave",
            self._where(room_id),
        )
        await self._call(
            lambda: self.client.room_forget(room_id),
            nio.RoomForgetResponse,
            "forget",
            self._where(room_id),
        )

    async def parents_of(self, place: PlaceRef) -> list[PlaceRef]:
        """A thread (``ROOM/ROOT``) sits in its room; rooms are places of their own."""
        room_id, root = rooms.split_place_id(place.id)
        return [] if root is None else [PlaceRef(platform=PLATFORM, id=room_id)]

    async def is_thread(self, place: PlaceRef) -> bool:
        room_id, root = rooms.split_place_id(place.id)
        if root is not None:
            return True
        kind = await self._state_content(room_id, rooms.PLACE_KIND_EVENT) or {}
        return kind.get("kind") == rooms.PRIVATE_THREAD

    # ---- spaces, rooms and access -------------------------------------------------------

    async def create_role(self, space: PlaceRef, name: str) -> str:
        """Matrix has no roles: a network's member role is membership of a space of its own
        (invite only; ``set_member_role`` invites). Its room id is the role id, and the
        network's rooms are restricted to its members."""
        return await self._create_space(space, name, member_of=())

    async def create_staff_role(self, space: PlaceRef, name: str) -> str | None:
        """Matrix has no roles: coordinators' standing is their power level (set_member_rank)."""
        return None

    async def show_staff_commands(self, space: PlaceRef, role_id: str) -> bool:
        return True  # Matrix has no command menu: ``!help`` lists what a person may run

    async def role_exists(self, space: PlaceRef, role_id: str) -> bool:
        return role_id in await self._joined_rooms()

    async def rename_role(self, space: PlaceRef, role_id: str, name: str) -> None:
        """The member role is the network's space, renamed with its category (rename_place)."""
        return None

    async def rename_place(self, place: PlaceRef, name: str) -> None:
        room_id, _ = rooms.split_place_id(place.id)
        current = await self._state_content(room_id, "m.room.name") or {}
        if current.get("name") == name[:100]:
            return
        await self._put_state(room_id, "m.room.name", {"name": name[:100]}, "rename rooms")

    async def role_holders(self, space: PlaceRef, role_id: str) -> set[str] | None:
        """Not listed: a space's members include people invited by hand, who must not be
        removed by a reconcile. Joining and leaving change Matrix membership directly."""
        return None

    async def set_member_role(
        self, space: PlaceRef, user: UserRef, role_id: str, *, present: bool
    ) -> None:
        """Invite the person to the network's space (they may then join its rooms), or
        remove them from the space and from every room in it."""
        if present:
            await self.add_to_thread(PlaceRef(platform=PLATFORM, id=role_id), user)
            return
        for room_id in [role_id, *await self._children(role_id)]:
            if await self._membership(room_id, user.id) in ("join", "invite", "knock"):
                await self._call(
                    partial(self.client.room_kick, room_id, user.id, reason="left the network"),
                    nio.RoomKickResponse,
                    "remove people",
                    self._where(room_id),
                )

    async def create_category(
        self, space: PlaceRef, name: str, visible_to_roles: tuple[str, ...] = ()
    ) -> PlaceRef:
        """A category is a Matrix space. When the category is for one role, it *is* that
        role's space (renamed), so members see one space per network, not two."""
        joined = await self._joined_rooms()
        if len(visible_to_roles) == 1 and visible_to_roles[0] in joined:
            room_id = visible_to_roles[0]
            await self._put_state(room_id, "m.room.name", {"name": name[:100]}, "rename rooms")
        else:
            room_id = await self._create_space(space, name, member_of=visible_to_roles)
        return PlaceRef(platform=PLATFORM, id=room_id, name=name[:100])

    async def create_channel(self, spec: ChannelSpec) -> PlaceRef:
        """A room in the category's space, joinable by the members of the roles' spaces (or of
        the category's space when no role is given); invite only when there is neither."""
        parent = rooms.split_place_id(spec.category.id)[0] if spec.category else None
        member_of = spec.visible_to_roles or ((parent,) if parent else ())
        created = await self._call(
            lambda: self.client.room_create(
                name=spec.name[:100],
                preset=nio.RoomPreset.private_chat,
                initial_state=rooms.channel_state(
                    member_of=member_of,
                    parent_space=parent,
                    via_server=self.server,
                    topic=spec.topic[:1024],
                ),
                power_level_override=rooms.power_override(read_only=spec.read_only),
            ),
            nio.RoomCreateResponse,
            "create rooms",
            "on this homeserver",
        )
        room_id = str(created.room_id)
        if spec.read_only:
            await self._allow_answers(room_id)
        if parent is not None:
            await self._link_child(parent, room_id)
        return PlaceRef(platform=PLATFORM, id=room_id, name=spec.name[:100])

    async def set_role_access(
        self,
        place: PlaceRef,
        space: PlaceRef,
        role_id: str,
        *,
        read_only: bool,
        can_post: bool = False,
    ) -> None:
        """Let the members of a role's space join a room (restricted join rule), and post in
        it unless ``read_only`` (then only moderators and the bot post)."""
        room_id, _ = rooms.split_place_id(place.id)
        if room_id == role_id:
            return  # the role's own space
        rule = await self._state_content(room_id, "m.room.join_rules") or {}
        allowed = [
            str(a.get("room_id"))
            for a in rule.get("allow", [])
            if isinstance(a, dict) and a.get("type") == "m.room_membership"
        ]
        if rule.get("join_rule") != "restricted" or role_id not in allowed:
            content = rooms.restricted_join_rule((*dict.fromkeys([*allowed, role_id]),))
            await self._put_state(room_id, "m.room.join_rules", content, "change who may join")
        if read_only:
            await self.lock_channel(place, locked=True)
            await self._allow_answers(room_id)

    async def _allow_answers(self, room_id: str) -> None:
        """In a read-only room members still react to notices (their RSVP) and remove their
        reactions: ``m.reaction`` and ``m.room.redaction`` at the default level. Not at
        creation (``power_level_content_override`` replaces Synapse's whole ``events`` map,
        which guards power levels, encryption and history), but read, changed and written."""
        powers = await self._powers(room_id)
        if power.answers_allowed(powers):
            return
        self._require(powers, "m.room.power_levels", "change power levels", room_id)
        content = power.with_answers_allowed(powers)
        await self._put_state(room_id, "m.room.power_levels", content, "change power levels")

    async def place_exists(self, place: PlaceRef) -> bool:
        room_id, _ = rooms.split_place_id(place.id)
        return room_id in await self._joined_rooms()

    async def lock_channel(
        self,
        place: PlaceRef,
        *,
        locked: bool,
        keep_posting: tuple[str, ...] = (),
        reason: str = "",
    ) -> None:
        """Locked: only moderators (coordinators, level 50) and the bot may post; unlocked:
        everyone in the room may. (Matrix has no staff roles: ``keep_posting`` is empty.)"""
        room_id, _ = rooms.split_place_id(place.id)
        powers = await self._powers(room_id)
        level = power.READ_ONLY_POSTING if locked else 0
        if power.named_level(powers, "events_default") == level:
            return
        self._require(powers, "m.room.power_levels", "change power levels", room_id)
        content = power.with_events_default(powers, level)
        await self._put_state(room_id, "m.room.power_levels", content, "change power levels")

    async def set_slowmode(self, place: PlaceRef, seconds: int, *, reason: str = "") -> None:
        raise UserError(
            "Matrix has no slow mode, so nothing was changed. To stop posting for a while, "
            "lock the room with /mod lock."
        )

    async def set_member_rank(
        self, space: PlaceRef, role_id: str, user: UserRef, rank: Role
    ) -> None:
        """A network's role id on Matrix is its space: the person's power level follows
        their network role in that space and every room in it."""
        await self.set_role_power(PlaceRef(platform=PLATFORM, id=role_id), user, rank)

    async def set_role_power(self, network_space: PlaceRef, user: UserRef, role: Role) -> None:
        """Give a person the power level of their network role (coordinators: moderator, 50;
        everyone else: the room's default) in the network's space and every room in it."""
        space_id, _ = rooms.split_place_id(network_space.id)
        level = power.power_for_role(role)
        for room_id in [space_id, *await self._children(space_id)]:
            state = await self._room_state(room_id)
            if _kind(state) == rooms.PRIVATE_THREAD:
                continue  # co-reflection is among peers: no one moderates it from outside
            powers = power.powers_from_state(state)
            if powers.is_privileged_creator(user.id):
                continue  # a version 12 creator outranks every level already
            content = power.with_user_level(powers, user.id, level)
            if content.get("users") == (powers.levels or {}).get("users"):
                continue
            target = level if level is not None else power.named_level(powers, "users_default")
            if not power.can_set_user_level(powers, self.user_id, user.id, target):
                raise MatrixMissingPermission("change power levels", self._where(room_id))
            await self._put_state(room_id, "m.room.power_levels", content, "change power levels")

    # ---- scheduled events: Matrix has no native calendar --------------------------------

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

    # ---- helpers ------------------------------------------------------------------------

    def _where(self, room_id: str) -> str:
        return f"in the room {self._link(room_id)}"

    async def _call(
        self,
        call: Callable[[], Awaitable[object]],
        expected: type[R],
        permission: str,
        where: str,
        *,
        deliver: bool = False,
    ) -> R:
        """Run one homeserver call; turn an error response into the error peerbot raises."""
        try:
            response = await call()
        except TRANSPORT_ERRORS as error:
            raise transport_error_for(error, deliver=deliver) from None
        if isinstance(response, nio.ErrorResponse):
            raise error_for(response, permission=permission, where=where, deliver=deliver)
        if not isinstance(response, expected):
            raise DeliveryError(
                f"unexpected answer from the homeserver to {permission} {where}", retryable=True
            )
        return response

    async def _room_known(self, room_id: str) -> None:
        """An encrypting client refuses to send to a room no sync has shown it yet (it must
        know whether the room is encrypted): wait for the sync, or let the outbox retry."""
        if getattr(self.client, "olm", None) is None or room_id in self.client.rooms:
            return
        if room_id not in await self._joined_rooms(deliver=True):
            raise DeliveryError(
                f"peerbot is not in the room {room_id} (it was never invited, or was removed)",
                retryable=False,
            )
        if self.wait_until is not None and await self.wait_until(
            lambda: room_id in self.client.rooms, ROOM_KNOWN_SECONDS
        ):
            return
        raise DeliveryError(
            f"the room {room_id} has not reached peerbot's sync yet", retryable=True
        )

    def _require(self, powers: power.RoomPowers, event_type: str, what: str, room: str) -> None:
        if not power.can_send(powers, self.user_id, event_type, state=True):
            raise MatrixMissingPermission(what, self._where(room))

    async def _room_state(self, room_id: str) -> list[dict[str, Any]]:
        found = await self._call(
            lambda: self.client.room_get_state(room_id),
            nio.RoomGetStateResponse,
            "read the room's settings",
            self._where(room_id),
        )
        return [e for e in found.events if isinstance(e, dict)]

    async def _powers(self, room_id: str) -> power.RoomPowers:
        return power.powers_from_state(await self._room_state(room_id))

    async def _state_content(
        self, room_id: str, event_type: str, state_key: str = ""
    ) -> dict[str, Any] | None:
        """One state event's content; None when the room has no such event."""
        try:
            response = await self.client.room_get_state_event(room_id, event_type, state_key)
        except TRANSPORT_ERRORS as error:
            raise transport_error_for(error) from None
        if isinstance(response, nio.RoomGetStateEventError):
            if response.status_code == "M_NOT_FOUND":
                return None
            raise error_for(response, permission="read the room's settings", where=room_id)
        content = response.content
        return dict(content) if isinstance(content, dict) else None

    async def _put_state(
        self, room_id: str, event_type: str, content: dict[str, Any], what: str, key: str = ""
    ) -> None:
        await self._call(
            lambda: self.client.room_put_state(room_id, event_type, content, state_key=key),
            nio.RoomPutStateResponse,
            what,
            self._where(room_id),
        )

    async def _membership(self, room_id: str, user_id: str) -> str | None:
        content = await self._state_content(room_id, "m.room.member", user_id)
        membership = None if content is None else content.get("membership")
        return None if membership is None else str(membership)

    async def _memberships(self, room_id: str) -> dict[str, str]:
        return {
            str(e.get("state_key")): str((e.get("content") or {}).get("membership"))
            for e in await self._room_state(room_id)
            if e.get("type") == "m.room.member"
        }

    async def _joined_rooms(self, *, deliver: bool = False) -> set[str]:
        found = await self._call(
            self.client.joined_rooms,
            nio.JoinedRoomsResponse,
            "list its rooms",
            "",
            deliver=deliver,
        )
        return {str(room) for room in found.rooms}

    async def _children(self, space_id: str) -> list[str]:
        """The rooms listed in a space (``m.space.child`` with a ``via``) that the bot is
        still in: it can change nothing in the others."""
        joined = await self._joined_rooms()
        return [
            str(e.get("state_key"))
            for e in await self._room_state(space_id)
            if e.get("type") == SPACE_CHILD
            and (e.get("content") or {}).get("via")
            and e.get("state_key") in joined
        ]

    async def _parent_space(self, room_id: str) -> str | None:
        """The space a room sits in (its canonical ``m.space.parent``, else the first)."""
        parents = [
            e
            for e in await self._room_state(room_id)
            if e.get("type") == SPACE_PARENT and (e.get("content") or {}).get("via")
        ]
        parents.sort(key=lambda e: not (e.get("content") or {}).get("canonical"))
        return str(parents[0].get("state_key")) if parents else None

    async def _link_child(self, space_id: str, child_id: str) -> None:
        """List a room in a space. A space the bot may not edit (or is not in) is skipped:
        the room still works, it is only not listed there."""
        try:
            powers = await self._powers(space_id)
        except (UserError, DeliveryError):
            log.info("matrix: not listing a room in space %s: cannot read it", space_id)
            return
        if not power.can_send(powers, self.user_id, SPACE_CHILD, state=True):
            log.info("matrix: not listing a room in space %s: no power to", space_id)
            return
        await self._put_state(
            space_id,
            SPACE_CHILD,
            rooms.space_child_content(self.server),
            "list rooms in the space",
            key=child_id,
        )

    async def _unlink_child(self, space_id: str, child_id: str) -> None:
        """Take a room out of a space's list (an empty ``m.space.child``), where the bot may."""
        try:
            powers = await self._powers(space_id)
            if power.can_send(powers, self.user_id, SPACE_CHILD, state=True):
                await self._put_state(
                    space_id, SPACE_CHILD, {}, "list rooms in the space", child_id
                )
        except (UserError, DeliveryError):
            log.info("matrix: could not take room %s out of space %s", child_id, space_id)

    async def _create_space(self, space: PlaceRef, name: str, *, member_of: tuple[str, ...]) -> str:
        """A new space, listed in ``space`` when that is a space the bot may edit."""
        outer, _ = rooms.split_place_id(space.id)
        parent, admins = await self._space_to_list_in(outer)
        created = await self._call(
            lambda: self.client.room_create(
                name=name[:100],
                space=True,
                preset=nio.RoomPreset.private_chat,
                initial_state=rooms.space_state(
                    member_of=member_of, parent_space=parent, via_server=self.server
                ),
                power_level_override=rooms.power_override(space=True),
            ),
            nio.RoomCreateResponse,
            "create spaces",
            "on this homeserver",
        )
        room_id = str(created.room_id)
        if parent is not None:
            await self._link_child(parent, room_id)
        for admin in admins:  # they can always see and join what set-up made
            await self.add_to_thread(PlaceRef(platform=PLATFORM, id=room_id), admin)
        return room_id

    async def _space_to_list_in(self, outer: str) -> tuple[str | None, list[UserRef]]:
        """The space a network's new space goes in: ``outer`` when it is a space. Refused,
        before anything is created, when peerbot cannot read it (not a member) or may not
        add rooms to it (a space made in Element gives an invited bot level 0), saying which
        power level to raise and where, so set-up never seems to work while its rooms stay
        out of sight. Also the outer space's admins (level 100 or its creators), whom the
        network's new space invites."""
        try:
            state = await self._room_state(outer)
        except (UserError, DeliveryError):
            raise UserError(
                f"peerbot cannot read the space {self._link(outer)} that this room is in: it "
                "is not a member of the space. Invite peerbot to the space, give it power "
                "level 50 (Moderator) there so it can add the network's rooms, then run "
                "/network setup again. Nothing was created."
            ) from None
        create = next((e for e in state if e.get("type") == "m.room.create"), None)
        if create is None or (create.get("content") or {}).get("type") != "m.space":
            return None, []
        powers = power.powers_from_state(state)
        if power.can_send(powers, self.user_id, SPACE_CHILD, state=True):
            listed = set((powers.levels or {}).get("users") or {}) | powers.privileged_creators
            admins = [
                UserRef(platform=PLATFORM, id=str(user))
                for user in sorted(listed | {powers.creator})
                if user != self.user_id and power.user_level(powers, str(user)) >= 100
            ]
            return outer, admins
        needed = power.event_level(powers, SPACE_CHILD, state=True)
        mine = power.user_level(powers, self.user_id)
        raise UserError(
            f"peerbot may not add rooms to the space {self._link(outer)}: that takes power "
            f"level {needed} ({power.level_name(needed)}) there, and peerbot has {mine:.0f}. "
            f"A space admin can raise it: in Element, open the space's Settings, then Roles "
            f"& Permissions, and give peerbot the level {needed} ({power.level_name(needed)}). "
            "Then run /network setup again. Nothing was created."
        )

    def _link(self, room_id: str) -> str:
        """A room as a link people can click (a matrix.to pill), named when known."""
        room = self.client.rooms.get(room_id)
        name = getattr(room, "display_name", "") or ""
        return mentions.place(f"{PLATFORM}:{room_id}", name)

    async def _message_event_ids(self, room_id: str) -> list[str]:
        """Every message (and reaction) still in the room, newest first."""
        ids: list[str] = []
        start: str | None = None
        while True:
            page = await self._call(
                partial(self.client.room_messages, room_id, start=start, limit=100),
                nio.RoomMessagesResponse,
                "read messages",
                self._where(room_id),
            )
            for event in page.chunk:
                source = getattr(event, "source", {}) or {}
                redacted = (source.get("unsigned") or {}).get("redacted_because")
                if "state_key" not in source and not redacted and source.get("content"):
                    ids.append(str(source.get("event_id")))
            if not page.chunk or not page.end or page.end == start:
                return ids
            start = page.end


def _kind(state: list[dict[str, Any]]) -> str | None:
    """peerbot's mark on a room it opened (``rooms.PLACE_KIND_EVENT``), from its full state."""
    for event in state:
        if event.get("type") == rooms.PLACE_KIND_EVENT and event.get("state_key", "") == "":
            kind = (event.get("content") or {}).get("kind")
            return None if kind is None else str(kind)
    return None
