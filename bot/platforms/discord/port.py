"""The outbound port on Discord: what scheduled work and cogs ask Discord to do.

Failures become ``DeliveryError`` (retryable for rate limits and Discord's own errors, which
discord.py has already retried a few times) or ``MissingPermission`` (with the permission
named, for the person and the log). Outbox keys become message nonces, so a repeat soon
after a crash is dropped by Discord instead of reaching people twice. Discord checks a nonce
only "in the past few minutes" and does not return it on fetched messages, so after a longer
outage ``find_sent`` reads the channel for a message that looks the same instead.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial
from typing import Any, Final, TypeVar

import discord

from bot.commands import Role
from bot.errors import UserError
from bot.identity import MessageRef, PlaceRef, UserRef
from bot.platforms.discord.commands_payload import STAFF_MARKER
from bot.platforms.discord.render import MessageParts, to_message
from bot.ports import (
    LOOK_BACK_MARGIN,
    NOT_ACCEPTING_DMS,
    ChannelSpec,
    DeliveryError,
    EventSpec,
    MissingPermission,
    ThreadViewers,
)
from bot.replies import Reply

log = logging.getLogger(__name__)

PLATFORM = "discord"
T = TypeVar("T")
#: How many messages after an interrupted attempt ``find_sent`` reads (five requests of 100).
FIND_SENT_LIMIT = 500
#: How long scheduled work waits for discord.py to be connected (logged in, READY) before
#: it fails as retryable. At start the outbox worker and the scheduler run before the client
#: has logged in, and discord.py has no HTTP session until then.
CONNECT_WAIT_SECONDS = 30.0
#: The events Discord (since February 2026) lets a bot create only with Create Events; with
#: it the bot may also edit and delete the events it created.
EVENTS_PERMISSION = "Create Events"
#: Discord's longest auto-archive duration, in minutes (a week): peerbot's private threads
#: stay active that long without a message, and peerbot unarchives them while they are open.
THREAD_ARCHIVE_MINUTES: Final = 10080
#: How many of a thread's latest messages ``keep_thread_active`` reads for one by a person.
ACTIVITY_LOOK_BACK = 25
#: Discord's "Thread is archived": adding a member to (or editing) an archived thread.
THREAD_ARCHIVED = 50083

#: What a message's reader sees of it, to recognise one sent earlier: Discord does not keep
#: the nonce with the message, so text, card titles and texts, and how many files.
Fingerprint = tuple[str, tuple[tuple[str, str], ...], int]


#: Discord takes at most 512 characters (UTF-16 code units) of an audit log reason, the
#: ``X-Audit-Log-Reason`` header that discord.py sends URL-encoded.
AUDIT_REASON_MAX = 512


def audit_reason(reason: str) -> str | None:
    """The reason for Discord's audit log, or None for none (discord.py then sends no header):
    one line, cut to what Discord takes (an emoji counts twice there)."""
    reason = " ".join(reason.split())  # a header holds one line
    while len(reason.encode("utf-16-le")) // 2 > AUDIT_REASON_MAX:
        reason = reason[:-1]
    return reason or None


def nonce_for(key: str) -> int:
    """Discord nonces are at most 25 characters: a 63-bit number derived from the outbox key."""
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big") >> 1


class DiscordPort:
    platform = PLATFORM

    def __init__(
        self, client: discord.Client, *, connect_wait: float = CONNECT_WAIT_SECONDS
    ) -> None:
        self.client = client
        self.connect_wait = connect_wait

    async def _connected(self) -> None:
        """Wait until discord.py is connected (READY), for up to ``connect_wait`` seconds;
        then a retryable DeliveryError, so the outbox tries again later. Before its login
        discord.py has no HTTP session at all, and scheduled work starts before it."""
        if self.client.is_ready():
            return
        deadline = time.monotonic() + self.connect_wait
        while not self.client.is_ready():
            left = deadline - time.monotonic()
            if self.client.is_closed() or left <= 0:
                raise DeliveryError("not connected to Discord yet", retryable=True)
            try:
                await asyncio.wait_for(self.client.wait_until_ready(), left)
            except RuntimeError:  # not logged in yet: discord.py has nothing to wait on
                await asyncio.sleep(min(0.05, left))
            except TimeoutError:
                continue

    # ---- messages -----------------------------------------------------------------------

    async def post(self, place: PlaceRef, message: Reply, *, idempotency_key: str) -> MessageRef:
        await self._connected()

        async def send() -> discord.Message:
            channel = await self._channel(place.id)
            if not isinstance(channel, discord.abc.Messageable):
                raise DeliveryError(f"channel {place.id} cannot hold messages", retryable=False)
            return await self._send(channel, to_message(message), idempotency_key)

        sent = await self._call(
            "View Channel and Send Messages", f"in <#{place.id}>", send, deliver=True
        )
        return MessageRef(place=place, id=str(sent.id))

    async def send_private(
        self, user: UserRef, message: Reply, *, idempotency_key: str
    ) -> MessageRef:
        await self._connected()

        async def send() -> discord.Message:
            person = self.client.get_user(int(user.id)) or await self.client.fetch_user(
                int(user.id)
            )
            dm = person.dm_channel or await person.create_dm()
            return await self._send(dm, to_message(message), idempotency_key)

        sent = await self._call("Send Messages", "in direct messages", send, deliver=True)
        return MessageRef(
            place=PlaceRef(platform=PLATFORM, id=str(sent.channel.id)), id=str(sent.id)
        )

    async def find_sent(
        self,
        target: PlaceRef | UserRef,
        message: Reply,
        *,
        idempotency_key: str,
        since: datetime,
        taken: frozenset[str] = frozenset(),
    ) -> MessageRef | None:
        """Read the bot's messages in the channel or DM from just before the interrupted
        attempt and match them on what they show, part by part (a nonce is only checked for
        a few minutes and is not returned on fetched messages). Parts of a long message that
        never arrived are sent now, with their own nonces."""
        await self._connected()
        is_user = isinstance(target, UserRef)
        where = "in direct messages" if is_user else f"in <#{target.id}>"

        async def look() -> discord.Message | None:
            channel = await (self._dm(target.id) if is_user else self._channel(target.id))
            if not isinstance(channel, discord.abc.Messageable):
                raise DeliveryError(f"channel {target.id} cannot hold messages", retryable=False)
            parts = to_message(message)
            wanted = _wanted_fingerprints(parts)
            me = self.client.user.id if self.client.user is not None else None
            found: list[discord.Message] = []
            async for earlier in channel.history(
                after=since - LOOK_BACK_MARGIN, limit=FIND_SENT_LIMIT, oldest_first=True
            ):
                if earlier.author.id != me or str(earlier.id) in taken:
                    continue
                if _fingerprint(earlier) == wanted[len(found)]:
                    found.append(earlier)
                    if len(found) == len(wanted):
                        break
            if not found:
                return None
            if len(found) < len(wanted):
                log.info(
                    "Discord: %d of %d parts had arrived; sending the rest",
                    len(found),
                    len(wanted),
                )
                await self._send(channel, parts, idempotency_key, start=len(found))
            return found[0]

        first = await self._call("Read Message History", where, look, deliver=True)
        if first is None:
            return None
        place = PlaceRef(platform=PLATFORM, id=str(first.channel.id)) if is_user else target
        assert isinstance(place, PlaceRef)
        return MessageRef(place=place, id=str(first.id))

    async def _dm(self, user_id: str) -> discord.DMChannel:
        person = self.client.get_user(int(user_id)) or await self.client.fetch_user(int(user_id))
        return person.dm_channel or await person.create_dm()

    async def edit_message(
        self, message: MessageRef, new: Reply, *, idempotency_key: str | None = None
    ) -> None:
        """Discord has no nonce on edits; an edit made twice shows the same. A reply without
        buttons sends ``components: []``, so the old buttons go."""
        await self._connected()
        parts = to_message(new)
        partial = await self._partial_message(message)
        await self._call(
            "Send Messages",
            f"in <#{message.place.id}>",
            lambda: partial.edit(
                content=parts.content,
                embeds=parts.embeds,
                view=parts.view,
                allowed_mentions=parts.allowed_mentions,
            ),
            deliver=idempotency_key is not None,
        )

    async def delete_message(self, message: MessageRef, *, reason: str = "") -> bool:
        """Delete a message (anyone's, with Manage Messages); False if it was already gone.
        ``reason`` goes to the server's audit log (X-Audit-Log-Reason)."""
        channel = await self._channel(message.place.id)

        async def delete() -> bool:
            try:
                await self.client.http.delete_message(
                    channel.id, int(message.id), reason=reason[:512] or None
                )
            except discord.NotFound:
                return False
            return True

        return await self._call("Manage Messages", f"in <#{message.place.id}>", delete)

    async def pin_message(self, message: MessageRef, *, pinned: bool, reason: str = "") -> None:
        message_partial = await self._partial_message(message)
        why = audit_reason(reason)
        await self._call(
            "Pin Messages",
            f"in <#{message.place.id}>",
            partial(message_partial.pin if pinned else message_partial.unpin, reason=why),
        )

    # ---- threads and channels -----------------------------------------------------------

    async def set_slowmode(self, place: PlaceRef, seconds: int, *, reason: str = "") -> None:
        channel = await self._channel(place.id)
        if not isinstance(channel, discord.TextChannel | discord.Thread):
            raise UserError("Slowmode works only in text channels and threads.")
        await self._call(
            "Manage Channels",
            f"in <#{place.id}>",
            lambda: channel.edit(slowmode_delay=seconds, reason=audit_reason(reason)),
        )

    async def is_thread(self, place: PlaceRef) -> bool:
        return isinstance(await self._channel(place.id), discord.Thread)

    async def parents_of(self, place: PlaceRef) -> list[PlaceRef]:
        if not place.id.isdigit():
            return []
        try:
            channel = await self._channel(place.id)
        except DeliveryError:
            return []  # gone: it sits nowhere
        parents: list[PlaceRef] = []
        if isinstance(channel, discord.Thread):
            parents.append(PlaceRef(platform=PLATFORM, id=str(channel.parent_id)))
        category_id = getattr(channel, "category_id", None)
        if category_id is not None:
            parents.append(PlaceRef(platform=PLATFORM, id=str(category_id)))
        return parents

    async def is_own_message(self, message: MessageRef) -> bool:
        partial = await self._partial_message(message)
        fetched = await self._call(
            "Read Message History", f"in <#{message.place.id}>", partial.fetch
        )
        return self.client.user is not None and fetched.author.id == self.client.user.id

    async def set_role_access(
        self,
        place: PlaceRef,
        space: PlaceRef,
        role_id: str,
        *,
        read_only: bool,
        can_post: bool = False,
    ) -> None:
        channel = await self._channel(place.id)
        guild = await self._guild(space.id)
        role = guild.get_role(int(role_id))
        if role is None or not isinstance(channel, discord.abc.GuildChannel):
            raise UserError("That role or channel no longer exists on this server.")
        current = channel.overwrites_for(role)
        overwrite = channel.overwrites_for(role)  # the rest of the overwrite stays as it is
        overwrite.update(
            view_channel=True, send_messages=False if read_only else (True if can_post else None)
        )
        if overwrite == current:
            return  # already so: set-up run again sends nothing
        await self._call(
            "Manage Roles",
            f"in <#{place.id}>",
            lambda: channel.set_permissions(role, overwrite=overwrite),
        )

    async def place_exists(self, place: PlaceRef) -> bool:
        if self.client.get_channel(int(place.id)) is not None:
            return True
        try:
            await self.client.fetch_channel(int(place.id))
        except discord.NotFound:
            return False
        return True

    async def create_role(self, space: PlaceRef, name: str) -> str:
        guild = await self._guild(space.id)
        role = await self._call(
            "Manage Roles", "in this server", lambda: guild.create_role(name=name[:100])
        )
        return str(role.id)

    async def create_staff_role(self, space: PlaceRef, name: str) -> str | None:
        return await self.create_role(space, name)

    async def show_staff_commands(self, space: PlaceRef, role_id: str) -> bool:
        """Give the role :data:`STAFF_MARKER` (View Server Insights) if it lacks it. Discord
        lets a bot grant only permissions it holds, so this fails (False) where peerbot was
        invited without it."""
        guild = await self._guild(space.id)
        role = guild.get_role(int(role_id))
        if role is None:
            return False
        held = role.permissions
        if held.value & STAFF_MARKER:
            return True
        wanted = discord.Permissions(held.value | STAFF_MARKER)
        why = "peerbot: coordinators and executives see the staff commands"
        try:
            await role.edit(permissions=wanted, reason=why)
        except discord.HTTPException as error:
            log.warning(
                "could not give a staff role View Server Insights (HTTP %s, code %s)",
                error.status,
                error.code,
            )
            return False
        return True

    async def role_exists(self, space: PlaceRef, role_id: str) -> bool:
        guild = await self._guild(space.id)
        return guild.get_role(int(role_id)) is not None

    async def rename_role(self, space: PlaceRef, role_id: str, name: str) -> None:
        guild = await self._guild(space.id)
        role = guild.get_role(int(role_id))
        if role is None or role.name == name[:100]:
            return  # gone (set-up recreates it with the new name) or already so
        await self._call(
            "Manage Roles",
            "in this server (and peerbot's role must be above the network's roles)",
            lambda: role.edit(name=name[:100], reason="peerbot: the network was renamed"),
        )

    async def rename_place(self, place: PlaceRef, name: str) -> None:
        channel = await self._channel(place.id)
        if not isinstance(channel, discord.CategoryChannel | discord.TextChannel):
            return
        if channel.name == name[:100]:
            return
        await self._call(
            "Manage Channels",
            f"for <#{place.id}>",
            lambda: channel.edit(name=name[:100], reason="peerbot: the network was renamed"),
        )

    async def role_holders(self, space: PlaceRef, role_id: str) -> set[str] | None:
        """From discord.py's member cache once the server is chunked (the Server Members
        intent), else from the REST member list, 1,000 a page."""
        guild = await self._guild(space.id)
        role = guild.get_role(int(role_id))
        if role is None:
            return set()
        if guild.chunked:
            return {str(member.id) for member in role.members}

        async def listed() -> set[str]:
            return {
                str(member.id)
                async for member in guild.fetch_members(limit=None)
                if member.get_role(role.id) is not None
            }

        return await self._call("View Channels", "in this server", listed)

    async def set_member_role(
        self, space: PlaceRef, user: UserRef, role_id: str, *, present: bool
    ) -> None:
        """Always asks Discord (the cache may lag the last change by a moment); someone who is
        not in the server is skipped: they see nothing there anyway."""
        guild = await self._guild(space.id)
        if guild.get_role(int(role_id)) is None:
            raise UserError(
                "This network's role no longer exists on the server. A coordinator can run "
                "/network setup to recreate it."
            )
        http = self.client.http
        change = http.add_role if present else http.remove_role

        async def apply() -> None:
            try:
                await change(guild.id, int(user.id), int(role_id), reason="peerbot network role")
            except discord.NotFound as error:
                if error.code != 10007:  # Unknown Member: not in this server
                    raise

        await self._call(
            "Manage Roles",
            "in this server (and peerbot's role must be above the network's roles)",
            apply,
        )

    async def set_member_rank(
        self, space: PlaceRef, role_id: str, user: UserRef, rank: Role
    ) -> None:
        """Discord needs nothing more: what a coordinator may do is checked by peerbot."""
        return None

    async def open_private_thread(self, parent: PlaceRef, name: str) -> PlaceRef:
        channel = await self._channel(parent.id)
        if not isinstance(channel, discord.TextChannel):
            raise MissingPermission("Create Private Threads", f"in <#{parent.id}> (a text channel)")
        thread = await self._call(
            "Create Private Threads",
            f"in <#{parent.id}>",
            lambda: channel.create_thread(
                name=name[:100],
                type=discord.ChannelType.private_thread,
                invitable=False,
                auto_archive_duration=THREAD_ARCHIVE_MINUTES,
            ),
        )
        return PlaceRef(platform=PLATFORM, id=str(thread.id), name=thread.name)

    async def open_thread_from(self, message: MessageRef, name: str) -> PlaceRef:
        partial = await self._partial_message(message)
        thread = await self._call(
            "Create Public Threads",
            f"in <#{message.place.id}>",
            lambda: partial.create_thread(name=name[:100]),
        )
        return PlaceRef(platform=PLATFORM, id=str(thread.id), name=thread.name)

    async def rename_thread(self, thread: PlaceRef, name: str) -> None:
        """Modify Channel on a thread: renaming needs Manage Threads, and the thread not to
        be archived (Discord refuses otherwise), so an archived one is opened for it and
        archived again."""

        async def rename() -> None:
            channel = await self._channel(thread.id)
            if not isinstance(channel, discord.Thread) or channel.name == name[:100]:
                return
            archived = channel.archived
            edited = await channel.edit(
                name=name[:100], archived=False, reason="peerbot: the meeting changed"
            )
            if archived:
                await edited.edit(archived=True)

        await self._call("Manage Threads", f"in <#{thread.id}>", rename, deliver=True)

    async def add_to_thread(self, thread: PlaceRef, user: UserRef) -> None:
        """Discord refuses to add anyone to an archived thread (50083), and archives a thread
        after a week without a message: it is unarchived first."""
        channel = await self._thread(thread.id)
        person = discord.Object(int(user.id))
        await self._call(
            "Send Messages in Threads",
            f"in <#{thread.id}>",
            lambda: self._while_active(channel, lambda: channel.add_user(person)),
        )

    async def archive_thread(
        self, thread: PlaceRef, *, lock: bool = True, reason: str = ""
    ) -> None:
        """Discord edits an archived thread only in a request that unarchives it, so a thread
        that archived itself is unarchived first, then archived (and locked)."""
        channel = await self._thread(thread.id)
        if channel.archived and (channel.locked or not lock):
            return  # already as asked
        why = audit_reason(reason)
        await self._call(
            "Manage Threads",
            f"in <#{thread.id}>",
            lambda: self._while_active(
                channel, lambda: channel.edit(archived=True, locked=lock, reason=why)
            ),
        )

    async def reopen_thread(self, thread: PlaceRef, *, reason: str = "") -> None:
        """Unlocking, and unarchiving a locked thread, need Manage Threads. Asks Discord
        (not the cache, which forgets archived threads) how the thread is."""
        channel = await self._thread(thread.id, fresh=True)
        if not channel.archived and not channel.locked:
            return  # already open
        why = audit_reason(reason)
        await self._call(
            "Manage Threads",
            f"in <#{thread.id}>",
            lambda: channel.edit(archived=False, locked=False, reason=why),
        )

    @staticmethod
    async def _while_active(channel: discord.Thread, call: Callable[[], Awaitable[Any]]) -> None:
        """Run a call that Discord allows only in an active thread: unarchive first when the
        thread is known to be archived. discord.py forgets archived threads and learns of an
        archive a moment late, so a thread that looked active may answer 50083: then
        unarchive, and try once more."""
        if channel.archived:
            await channel.edit(archived=False)
        try:
            await call()
        except discord.HTTPException as error:
            if error.code != THREAD_ARCHIVED:
                raise
            await channel.edit(archived=False)
            await call()

    async def keep_thread_active(self, thread: PlaceRef) -> datetime | None:
        """Asks Discord (not the cache, which forgets archived threads) how the thread is,
        unarchives it if it archived itself, and reads its latest messages for the newest by
        a person: peerbot's own (the posts it makes for people included) are counted by the
        reflection itself."""
        channel = await self._thread(thread.id, fresh=True)
        if channel.archived and not channel.locked:
            await self._unarchive(channel)
        me = self.client.user.id if self.client.user is not None else None

        async def newest_by_a_person() -> datetime | None:
            async for message in channel.history(limit=ACTIVITY_LOOK_BACK):
                if message.author.id != me:
                    return message.created_at
            return None

        return await self._call("Read Message History", f"in <#{thread.id}>", newest_by_a_person)

    async def _unarchive(self, channel: discord.Thread) -> None:
        await self._call(
            "Manage Threads", f"in <#{channel.id}>", lambda: channel.edit(archived=False)
        )

    async def _thread(self, thread_id: str, *, fresh: bool = False) -> discord.Thread:
        channel = await (self._fetch(thread_id) if fresh else self._channel(thread_id))
        if not isinstance(channel, discord.Thread):
            raise DeliveryError(f"channel {thread_id} is not a thread", retryable=False)
        return channel

    async def _fetch(self, channel_id: str) -> Any:
        try:
            return await self.client.fetch_channel(int(channel_id))
        except discord.NotFound:
            raise DeliveryError(f"channel {channel_id} no longer exists", retryable=False) from None

    # ---- who can see private threads ----------------------------------------------------

    async def thread_viewers(self, parent: PlaceRef) -> ThreadViewers | None:
        """Discord: "You must be invited to the thread to be able to view or participate in
        it, or be a moderator (MANAGE_THREADS permission)", and Administrator has every
        permission. Each role is judged by what it grants in the channel (``_role_grants``:
        the @everyone and role permissions, then their overwrites, as Discord computes them);
        then every member, for anyone who can by their own overwrite or by a mix of roles
        that no single role explains."""
        channel = await self._channel(parent.id)
        if not isinstance(channel, discord.TextChannel):
            return None
        return self._viewers(channel)

    async def restrict_thread_viewers(self, parent: PlaceRef) -> ThreadViewers | None:
        """Deny Manage Threads in the channel to @everyone and every role and person that has
        it there, except peerbot (its own overwrite keeps it, so it can still archive, lock
        and delete). Administrator cannot be denied by an overwrite, and the owner always
        sees everything: those are what is left, and are returned."""
        channel = await self._channel(parent.id)
        if not isinstance(channel, discord.TextChannel):
            return None
        guild = channel.guild
        me = guild.me
        why = "peerbot: only participants see co-reflection threads"
        if me is not None:
            own = channel.overwrites_for(me)
            if not (own.manage_threads and own.view_channel):
                own.update(view_channel=True, send_messages=True, manage_threads=True)
                await self._call(
                    "Manage Roles",
                    f"in <#{parent.id}>",
                    partial(channel.set_permissions, me, overwrite=own, reason=why),
                )
        targets: list[discord.Role | discord.Member] = [
            role
            for role in guild.roles
            if not self._is_own_role(role) and not role.permissions.administrator
        ]
        targets += [
            target
            for target in channel.overwrites
            if isinstance(target, discord.Member) and target != me
        ]
        for target in targets:
            overwrite = channel.overwrites_for(target)
            has_it = (
                _role_grants(channel, target).manage_threads
                if isinstance(target, discord.Role)
                else overwrite.manage_threads is True
            )
            if not has_it and overwrite.manage_threads is not True:
                continue
            overwrite.update(manage_threads=False)
            await self._call(
                "Manage Roles",
                f"in <#{parent.id}> (and the Manage Threads permission itself)",
                partial(channel.set_permissions, target, overwrite=overwrite, reason=why),
            )
        fresh = guild.get_channel(channel.id)
        return self._viewers(fresh if isinstance(fresh, discord.TextChannel) else channel)

    def _viewers(self, channel: discord.TextChannel) -> ThreadViewers:
        guild = channel.guild
        admin: list[str] = []
        threads: list[str] = []
        for role in sorted(guild.roles, key=lambda r: r.position, reverse=True):
            if self._is_own_role(role):
                continue
            perms = _role_grants(channel, role)
            if role.permissions.administrator or perms.administrator:
                admin.append(role.name)
            elif perms.manage_threads:  # seen by those of them who can see the channel
                threads.append(role.name)
        named = set(admin) | set(threads)
        people: list[str] = []
        for member in guild.members:
            if member == guild.me or member.id == guild.owner_id:
                continue
            perms = channel.permissions_for(member)
            if not (perms.administrator or (perms.manage_threads and perms.view_channel)):
                continue
            if not any(role.name in named for role in member.roles):
                people.append(str(member.id))
        owner = str(guild.owner_id) if guild.owner_id is not None else None
        return ThreadViewers(
            owner=owner, admin_roles=tuple(admin), thread_roles=tuple(threads), people=tuple(people)
        )

    def _is_own_role(self, role: discord.Role) -> bool:
        """peerbot's own managed role (Discord gives each bot one when it joins)."""
        me = self.client.user
        return (
            role.is_bot_managed()
            and me is not None
            and role.tags is not None
            and (role.tags.bot_id == me.id)
        )

    async def delete_thread(self, thread: PlaceRef) -> None:
        try:
            channel = await self._channel(thread.id)
        except DeliveryError:
            return  # already gone: nothing left to delete
        if not isinstance(channel, discord.Thread):
            raise UserError("Only threads are deleted this way; that place is not a thread.")
        await self._call("Manage Threads", f"in <#{thread.id}>", channel.delete)

    async def create_category(
        self, space: PlaceRef, name: str, visible_to_roles: tuple[str, ...] = ()
    ) -> PlaceRef:
        guild = await self._guild(space.id)
        category = await self._call(
            "Manage Channels",
            "in this server",
            lambda: guild.create_category(
                name[:100], overwrites=self._overwrites(guild, visible_to_roles, False)
            ),
        )
        return PlaceRef(platform=PLATFORM, id=str(category.id), name=category.name)

    async def create_channel(self, spec: ChannelSpec) -> PlaceRef:
        guild = await self._guild(spec.space.id)
        category: Any = None
        if spec.category is not None:
            # Not only from the cache: a category created a moment ago may not be there yet.
            category = guild.get_channel(int(spec.category.id)) or discord.Object(
                int(spec.category.id)
            )
        channel = await self._call(
            "Manage Channels",
            "in this server",
            lambda: guild.create_text_channel(
                spec.name[:100],
                topic=spec.topic[:1024] or None,  # type: ignore[arg-type]
                category=category,
                overwrites=self._overwrites(
                    guild, spec.visible_to_roles, spec.read_only, spec.posting_roles
                ),
            ),
        )
        return PlaceRef(platform=PLATFORM, id=str(channel.id), name=channel.name)

    async def lock_channel(
        self,
        place: PlaceRef,
        *,
        locked: bool,
        keep_posting: tuple[str, ...] = (),
        reason: str = "",
    ) -> None:
        """Locking denies Send Messages to @everyone. Role overwrites are applied after it and
        win, so the roles in ``keep_posting`` (the network's coordinators and executives) get
        an explicit Send Messages allow and keep posting; the members' role never has one
        (set-up leaves Send Messages to @everyone), so members are silenced."""
        channel = await self._channel(place.id)
        assert isinstance(channel, discord.abc.GuildChannel)
        everyone = channel.guild.default_role
        overwrite = channel.overwrites_for(everyone)  # keep View Channel and the rest as it is
        overwrite.update(send_messages=False if locked else None)
        why = audit_reason(reason)
        await self._call(
            "Manage Roles",
            f"in <#{place.id}>",
            lambda: channel.set_permissions(everyone, overwrite=overwrite, reason=why),
        )
        for role_id in keep_posting:
            role = channel.guild.get_role(int(role_id))
            if role is None:
                continue  # a role of another server, or deleted: set-up repairs it
            kept = channel.overwrites_for(role)
            if locked and kept.send_messages is not True:
                kept.update(send_messages=True)
                await self._call(
                    "Manage Roles",
                    f"in <#{place.id}>",
                    partial(channel.set_permissions, role, overwrite=kept, reason=why),
                )
            elif not locked and kept == discord.PermissionOverwrite(send_messages=True):
                # Only the lock put it there (set-up's overwrites also let the role see the
                # channel): unlocking leaves the channel as it was before the lock.
                await self._call(
                    "Manage Roles",
                    f"in <#{place.id}>",
                    partial(channel.set_permissions, role, overwrite=None, reason=why),
                )

    # ---- scheduled events ---------------------------------------------------------------

    async def create_event(self, spec: EventSpec) -> str | None:
        guild = await self._ready_guild(spec.space.id)
        event = await self._call(
            EVENTS_PERMISSION,
            "in this server",
            lambda: guild.create_scheduled_event(
                name=spec.name[:100],
                start_time=spec.start,
                end_time=spec.end,
                description=spec.description[:1000],
                entity_type=discord.EntityType.external,
                privacy_level=discord.PrivacyLevel.guild_only,
                location=(spec.location or "To be announced")[:100],
            ),
            deliver=True,
        )
        return str(event.id)

    async def find_event(
        self, space: PlaceRef, name: str, start: datetime, *, taken: frozenset[str]
    ) -> str | None:
        """The event an interrupted ``create_event`` may have made: one of the bot's own, with
        the same name and start, that no other meeting owns. Discord keeps no idempotency key
        for events, so they are matched on what they show."""
        guild = await self._ready_guild(space.id)
        events = await self._call(
            EVENTS_PERMISSION,
            "in this server",
            lambda: guild.fetch_scheduled_events(with_counts=False),
            deliver=True,
        )
        me = self.client.user.id if self.client.user is not None else None
        for event in events:
            if (
                event.creator_id == me
                and str(event.id) not in taken
                and event.name == name[:100]
                and int(event.start_time.timestamp()) == int(start.timestamp())
            ):
                return str(event.id)
        return None

    async def update_event(self, space: PlaceRef, event_id: str, spec: EventSpec) -> None:
        guild = await self._ready_guild(space.id)
        event = await self._call(
            EVENTS_PERMISSION,
            "in this server",
            lambda: guild.fetch_scheduled_event(int(event_id)),
            deliver=True,
        )
        await self._call(
            EVENTS_PERMISSION,
            "in this server",
            lambda: event.edit(
                name=spec.name[:100],
                start_time=spec.start,
                end_time=spec.end,
                description=spec.description[:1000],
                location=(spec.location or "To be announced")[:100],
            ),
            deliver=True,
        )

    async def delete_event(self, space: PlaceRef, event_id: str) -> None:
        """Delete an event; one already gone (deleted by hand in Discord) is fine."""
        await self._ready_guild(space.id)

        async def delete() -> None:
            try:
                await self.client.http.delete_scheduled_event(int(space.id), int(event_id))
            except discord.NotFound:
                return

        await self._call(EVENTS_PERMISSION, "in this server", delete, deliver=True)

    async def event_users(self, space: PlaceRef, event_id: str) -> set[str] | None:
        """Who pressed Interested on the event, through REST (the gateway's user add and
        remove events are missed while peerbot is down): Discord lists them 100 at a time,
        ascending by user id. None when the event is gone."""
        await self._ready_guild(space.id)

        async def listed() -> set[str] | None:
            found: set[str] = set()
            after = 0
            while True:
                try:
                    page = await self.client.http.get_scheduled_event_users(
                        int(space.id), int(event_id), limit=100, with_member=False, after=after
                    )
                except discord.NotFound:
                    return None
                found.update(str(item["user"]["id"]) for item in page)
                if len(page) < 100:
                    return found
                after = max(int(item["user"]["id"]) for item in page)

        return await self._call(EVENTS_PERMISSION, "in this server", listed, deliver=True)

    async def _ready_guild(self, guild_id: str) -> discord.Guild:
        """The server, once Discord has sent it: until then (at start, and during an outage
        of the server) a retryable DeliveryError, so the work waits for the server."""
        await self._connected()
        guild = await self._guild(guild_id)
        if guild.unavailable:
            raise DeliveryError(
                f"Discord has not sent the server {guild_id} yet (it is unavailable)",
                retryable=True,
            )
        return guild

    # ---- helpers ------------------------------------------------------------------------

    @staticmethod
    async def _send(
        channel: discord.abc.Messageable, parts: MessageParts, key: str, *, start: int = 0
    ) -> discord.Message:
        """Send a reply, split over several messages when long. Each part has its own nonce
        (from the outbox key), so a repeat soon after a crash posts no part twice; the buttons
        go on the last part, under the text they belong to. ``start`` skips the parts an
        interrupted attempt already delivered (``find_sent``)."""
        chunks: list[str | None] = [parts.content, *parts.more, *(None for _ in parts.more_cards)]
        cards = [parts.embeds, *([] for _ in parts.more), *parts.more_cards]
        first: discord.Message | None = None
        for index, chunk in enumerate(chunks):
            if index < start:
                continue
            kwargs: dict[str, Any] = {
                "nonce": nonce_for(key if index == 0 else f"{key}#{index}"),
                "allowed_mentions": parts.allowed_mentions,
            }
            if chunk is not None:
                kwargs["content"] = chunk
            if cards[index]:
                kwargs["embeds"] = cards[index]
            if index == 0 and parts.files:
                kwargs["files"] = parts.files
            if index == len(chunks) - 1 and parts.view is not None:
                kwargs["view"] = parts.view
            sent = await channel.send(**kwargs)
            first = first or sent
        assert first is not None
        return first

    @staticmethod
    def _overwrites(
        guild: discord.Guild,
        roles: tuple[str, ...],
        read_only: bool,
        posting_roles: tuple[str, ...] = (),
    ) -> dict[discord.Role | discord.Member | discord.Object, discord.PermissionOverwrite]:
        overwrites: dict[
            discord.Role | discord.Member | discord.Object, discord.PermissionOverwrite
        ] = {}
        if roles:
            overwrites[guild.default_role] = discord.PermissionOverwrite(view_channel=False)
            for role_id in roles:
                role = guild.get_role(int(role_id))
                if role is None:  # discord.py sends a bare id as a *member* overwrite
                    raise UserError(
                        f"The role {role_id} no longer exists on this server, so the channel "
                        "was not created. Run the set-up again to recreate the role."
                    )
                overwrites[role] = discord.PermissionOverwrite(
                    view_channel=True, send_messages=False if read_only else None
                )
        elif read_only:
            overwrites[guild.default_role] = discord.PermissionOverwrite(send_messages=False)
        for role_id in posting_roles:
            role = guild.get_role(int(role_id))
            if role is not None:  # a staff role that is gone is recreated by set-up
                overwrites[role] = discord.PermissionOverwrite(
                    view_channel=True, send_messages=True
                )
        if guild.me is not None:
            overwrites[guild.me] = discord.PermissionOverwrite(
                view_channel=True, send_messages=True, manage_threads=True
            )
        return overwrites

    async def _channel(self, channel_id: str) -> Any:
        found = self.client.get_channel(int(channel_id))
        if found is not None:
            return found
        try:
            return await self.client.fetch_channel(int(channel_id))
        except discord.NotFound:
            raise DeliveryError(f"channel {channel_id} no longer exists", retryable=False) from None

    async def _partial_message(self, message: MessageRef) -> discord.PartialMessage:
        channel = await self._channel(message.place.id)
        if not hasattr(channel, "get_partial_message"):
            raise DeliveryError(f"channel {message.place.id} holds no messages", retryable=False)
        partial: discord.PartialMessage = channel.get_partial_message(int(message.id))
        return partial

    async def _guild(self, guild_id: str) -> discord.Guild:
        guild = self.client.get_guild(int(guild_id))
        if guild is None:
            raise DeliveryError(f"peerbot is not in the server {guild_id}", retryable=False)
        return guild

    async def _call(
        self,
        permission: str,
        where: str,
        call: Callable[[], Awaitable[T]],
        *,
        deliver: bool = False,
    ) -> T:
        """Run one Discord call; name the permission when Discord refuses for lack of one.

        ``deliver`` calls (outbox messages) raise DeliveryError so the outbox decides on retries;
        others raise MissingPermission, which the registry shows to the person.
        """
        try:
            return await call()
        except discord.Forbidden as error:
            if error.code == 50007:
                log.info("Discord refused a direct message: the person does not accept them")
                raise DeliveryError(
                    f"{NOT_ACCEPTING_DMS} (Discord code 50007)",
                    retryable=False,
                ) from None
            log.warning(
                "Discord refused: peerbot lacks the %s permission %s (code %s)",
                permission,
                where,
                error.code,
            )
            if deliver:
                raise DeliveryError(
                    f"missing the {permission} permission {where} (Discord code {error.code})",
                    retryable=False,
                ) from None
            raise MissingPermission(permission, where) from None
        except discord.HTTPException as error:
            retryable = error.status == 429 or error.status >= 500
            log.warning("Discord answered HTTP %s (code %s) %s", error.status, error.code, where)
            if deliver:
                raise DeliveryError(
                    f"Discord answered HTTP {error.status} (code {error.code})",
                    retryable=retryable,
                ) from None
            if retryable:
                raise UserError(
                    f"Discord is busy or having trouble right now (HTTP {error.status}), so "
                    "nothing was done. Please try again in a minute."
                ) from None
            if isinstance(error, discord.NotFound):
                raise UserError(
                    "That channel, message or event no longer exists on Discord, so nothing "
                    "was changed."
                ) from None
            raise


def _role_grants(channel: discord.TextChannel, role: discord.Role) -> discord.Permissions:
    """What a role grants in a channel, as Discord computes it (the @everyone and role
    permissions, then their overwrites), before the denial of everything to someone who cannot
    see the channel: ``TextChannel.permissions_for`` applies that, and a role with Manage
    Threads that cannot see the channel still lets its holders who can (by another role) see
    every private thread there."""
    return discord.abc.GuildChannel.permissions_for(channel, role)


def _wanted_fingerprints(parts: MessageParts) -> list[Fingerprint]:
    """What each part ``_send`` posts will look like: the first carries the cards and files."""
    first: Fingerprint = ((parts.content or "").strip(), _cards(parts.embeds), len(parts.files))
    return [
        first,
        *(((chunk or "").strip(), (), 0) for chunk in parts.more),
        *(("", _cards(embeds), 0) for embeds in parts.more_cards),
    ]


def _cards(embeds: list[discord.Embed]) -> tuple[tuple[str, str], ...]:
    return tuple(((e.title or "").strip(), (e.description or "").strip()) for e in embeds)


def _fingerprint(message: discord.Message) -> Fingerprint:
    return (message.content.strip(), _cards(message.embeds), len(message.attachments))
