"""The fake's in-memory Discord: users, guilds, channels, threads, messages, events, commands.

Objects are stored as the JSON payloads Discord would return, so REST answers and gateway
events are the stored dicts themselves (copied) and always agree with each other.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from . import payloads as p
from .components import find_component
from .embeds import check_embeds
from .errors import DiscordError
from .mentions import MESSAGE_DEFAULT, Allowed, live_users, written_in
from .payloads import Json

__all__ = ["DiscordError", "FakeState", "GuildRecord"]


@dataclass
class GuildRecord:
    """One guild. Channel payloads live in ``FakeState.channels``; this keeps their order."""

    id: int
    name: str
    owner_id: int
    roles: dict[int, Json] = field(default_factory=dict)
    members: dict[int, Json] = field(default_factory=dict)
    channel_ids: list[int] = field(default_factory=list)
    scheduled_events: dict[int, Json] = field(default_factory=dict)
    #: Who pressed Interested on each scheduled event (user ids), as Discord keeps them.
    event_users: dict[int, set[int]] = field(default_factory=dict)
    commands: dict[int, Json] = field(default_factory=dict)


@dataclass
class InteractionRecord:
    """An interaction the fake sent, and how the bot has answered it so far."""

    id: int
    token: str
    kind: int
    payload: Json
    channel_id: int
    guild_id: int | None
    user_id: int
    source_message_id: int | None = None
    response_type: int | None = None
    original_message_id: int | None = None
    #: perf_counter() when INTERACTION_CREATE was written to the gateway (for benchmarks).
    sent_at: float = 0.0
    #: monotonic() when the interaction was created: Discord accepts its callback for three
    #: seconds from then, and its token for fifteen minutes. ``InteractionHandle.age`` moves it.
    created_at: float = field(default_factory=time.monotonic)


@dataclass
class ModalRecord:
    """A modal the bot opened (callback type 9), remembered so a test can submit it."""

    data: Json
    opened_by: InteractionRecord


#: Discord checks a nonce with ``enforce_nonce`` "for uniqueness in the past few minutes"
#: (Create Message, discord-api-docs); five minutes here, so the fake is no kinder than that.
NONCE_WINDOW = timedelta(minutes=5)


class FakeState:
    """Everything the fake Discord knows. Not thread-safe; used from the event loop only.

    ``clock`` is the fake's time: new ids (snowflakes) and message timestamps carry it, and
    the nonce window is measured on it, so a test can move it forward as a long outage."""

    def __init__(self, bot_name: str = "peerbot") -> None:
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self.snowflakes = p.Snowflakes(self.now)
        #: Message id -> (nonce, when it was sent): Discord keeps a nonce only briefly.
        self.nonces: dict[int, tuple[str | int, datetime]] = {}
        self.users: dict[int, Json] = {}
        self.guilds: dict[int, GuildRecord] = {}
        self.channels: dict[int, Json] = {}
        self.messages: dict[int, Json] = {}
        self.thread_members: dict[int, dict[int, Json]] = {}
        #: Thread id -> when it was last active: "sending a message, unarchiving a thread, or
        #: changing the auto-archive time" (Threads, discord-api-docs). A thread idle for its
        #: ``auto_archive_duration`` minutes is archived (``archive_idle_threads``).
        self.thread_active_at: dict[int, datetime] = {}
        self.dm_by_user: dict[int, int] = {}
        self.global_commands: dict[int, Json] = {}
        self.interactions: dict[str, InteractionRecord] = {}
        #: Seconds after creation Discord still accepts an interaction's callback (else 10062).
        self.callback_window = 3.0
        #: Seconds an interaction token works for follow-ups and edits (else 50027).
        self.token_lifetime = 15 * 60.0
        #: Users who do not accept direct messages from the bot's servers: opening the DM
        #: channel works, sending in it is refused with 403, code 50007, as on Discord.
        self.dms_closed: set[int] = set()
        self.modals: dict[str, ModalRecord] = {}
        #: Attachment id -> the bytes of a file attached to a command option (``Attached``).
        self.attached_files: dict[int, bytes] = {}
        self.bot = self.add_user(bot_name, bot=True)
        self.owner = self.add_user("app-owner")

    def now(self) -> datetime:
        """The fake's time now (``clock`` may be replaced by a test at any moment)."""
        return self.clock()

    @property
    def bot_id(self) -> int:
        return int(self.bot["id"])

    # -- users and guilds -------------------------------------------------------------------

    def add_user(self, username: str, *, bot: bool = False) -> Json:
        user = p.user(self.snowflakes.next(), username, bot=bot)
        self.users[int(user["id"])] = user
        return user

    def user(self, user_id: int) -> Json:
        try:
            return self.users[user_id]
        except KeyError:
            raise DiscordError(404, 10013, "Unknown User") from None

    def user_named(self, username: str) -> Json:
        for user in self.users.values():
            if user["username"] == username:
                return user
        raise KeyError(f"no user named {username!r}")

    def add_guild(self, name: str, *, owner_id: int) -> GuildRecord:
        guild_id = self.snowflakes.next()
        record = GuildRecord(id=guild_id, name=name, owner_id=owner_id)
        # The @everyone role shares the guild's id.
        record.roles[guild_id] = p.role(
            guild_id, "@everyone", permissions=p.DEFAULT_EVERYONE_PERMISSIONS
        )
        self.guilds[guild_id] = record
        return record

    def guild(self, guild_id: int) -> GuildRecord:
        try:
            return self.guilds[guild_id]
        except KeyError:
            raise DiscordError(404, 10004, "Unknown Guild") from None

    def add_role(self, guild_id: int, name: str, **fields: Any) -> Json:
        record = self.guild(guild_id)
        fields.setdefault("position", len(record.roles))
        role = p.role(self.snowflakes.next(), name, **fields)
        record.roles[int(role["id"])] = role
        return role

    def insert_role_at_bottom(self, guild_id: int, name: str, **fields: Any) -> Json:
        """A role created through the API: Discord puts it at position 1, just above
        @everyone, and moves every other role up one."""
        record = self.guild(guild_id)
        for existing_id, existing in record.roles.items():
            if existing_id != guild_id:
                existing["position"] = int(existing["position"]) + 1
        return self.add_role(guild_id, name, position=1, **fields)

    def role(self, guild_id: int, role_id: int) -> Json:
        try:
            return self.guild(guild_id).roles[role_id]
        except KeyError:
            raise DiscordError(404, 10011, "Unknown Role") from None

    def add_member(self, guild_id: int, user_id: int, role_ids: Iterable[int] = ()) -> Json:
        record = self.guild(guild_id)
        member = p.member(self.user(user_id), role_ids=role_ids)
        record.members[user_id] = member
        return member

    def member(self, guild_id: int, user_id: int) -> Json:
        try:
            return self.guild(guild_id).members[user_id]
        except KeyError:
            raise DiscordError(404, 10007, "Unknown Member") from None

    # -- channels and threads ---------------------------------------------------------------

    def add_channel(self, guild_id: int, name: str, **fields: Any) -> Json:
        record = self.guild(guild_id)
        fields.setdefault("position", len(record.channel_ids))
        channel = p.guild_channel(self.snowflakes.next(), guild_id, name, **fields)
        self.channels[int(channel["id"])] = channel
        record.channel_ids.append(int(channel["id"]))
        return channel

    def channel(self, channel_id: int) -> Json:
        try:
            return self.channels[channel_id]
        except KeyError:
            raise DiscordError(404, 10003, "Unknown Channel") from None

    def channel_named(self, name: str, guild_id: int | None = None) -> Json:
        for channel in self.channels.values():
            if channel.get("name") == name and (
                guild_id is None or channel.get("guild_id") == str(guild_id)
            ):
                return channel
        raise KeyError(f"no channel named {name!r}")

    def guild_id_of(self, channel_id: int) -> int | None:
        guild_id = self.channel(channel_id).get("guild_id")
        return None if guild_id is None else int(guild_id)

    def guild_channels(self, guild_id: int) -> Iterator[Json]:
        """The guild's channels, threads excluded, in creation order."""
        for channel_id in self.guild(guild_id).channel_ids:
            channel = self.channels[channel_id]
            if channel["type"] not in p.THREAD_TYPES:
                yield channel

    def guild_threads(self, guild_id: int) -> Iterator[Json]:
        for channel_id in self.guild(guild_id).channel_ids:
            channel = self.channels[channel_id]
            if channel["type"] in p.THREAD_TYPES:
                yield channel

    def add_thread(
        self,
        parent_id: int,
        owner_id: int,
        name: str,
        *,
        thread_id: int | None = None,
        **fields: Any,
    ) -> Json:
        """A thread in ``parent_id``; a thread started from a message shares its id."""
        parent = self.channel(parent_id)
        if parent["type"] not in (p.GUILD_TEXT, 5, 15, 16):
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")
        guild_id = int(parent["guild_id"])
        thread_id = self.snowflakes.next() if thread_id is None else thread_id
        thread = p.thread(thread_id, guild_id, parent_id, owner_id, name, **fields)
        thread_id = int(thread["id"])
        now = self.now()
        thread["thread_metadata"]["archive_timestamp"] = p.iso(now)
        thread["thread_metadata"]["create_timestamp"] = p.iso(now)
        self.thread_active_at[thread_id] = now
        self.channels[thread_id] = thread
        self.guild(guild_id).channel_ids.append(thread_id)
        self.thread_members[thread_id] = {}
        self.add_thread_member(thread_id, owner_id)
        return thread

    def set_archived(self, thread: Json, archived: bool) -> None:
        """Archive or unarchive a thread now; unarchiving counts as activity."""
        metadata = thread["thread_metadata"]
        now = self.now()
        if metadata["archived"] != archived:
            metadata["archive_timestamp"] = p.iso(now)
        metadata["archived"] = archived
        if not archived:
            self.thread_active_at[int(thread["id"])] = now

    def archive_idle_threads(self) -> list[Json]:
        """Archive, as Discord does, every active thread that has had no activity for its
        ``auto_archive_duration`` minutes (by the fake's clock); the threads archived now.
        Discord archives at that moment; the fake does it when next asked anything."""
        now = self.now()
        archived: list[Json] = []
        for thread_id, since in self.thread_active_at.items():
            thread = self.channels.get(thread_id)
            if thread is None or thread["thread_metadata"]["archived"]:
                continue
            due = since + timedelta(minutes=int(thread["thread_metadata"]["auto_archive_duration"]))
            if now >= due:
                thread["thread_metadata"]["archived"] = True
                thread["thread_metadata"]["archive_timestamp"] = p.iso(due)
                archived.append(thread)
        return archived

    def add_thread_member(self, thread_id: int, user_id: int) -> Json:
        thread = self.channel(thread_id)
        if thread["type"] not in p.THREAD_TYPES:
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")
        self.user(user_id)
        members = self.thread_members[thread_id]
        entry = members.setdefault(user_id, p.thread_member(thread_id, user_id))
        thread["member_count"] = len(members)
        return entry

    def remove_thread_member(self, thread_id: int, user_id: int) -> None:
        members = self.thread_members.get(thread_id, {})
        members.pop(user_id, None)
        self.channel(thread_id)["member_count"] = len(members)

    def delete_channel(self, channel_id: int) -> Json:
        channel = self.channel(channel_id)
        del self.channels[channel_id]
        self.thread_active_at.pop(channel_id, None)
        guild_id = channel.get("guild_id")
        if guild_id is not None:
            self.guild(int(guild_id)).channel_ids.remove(channel_id)
        return channel

    def dm_channel_for(self, user_id: int) -> Json:
        """The DM channel between the bot and a user, created on first use as Discord does."""
        channel_id = self.dm_by_user.get(user_id)
        if channel_id is None:
            channel = p.dm_channel(self.snowflakes.next(), self.user(user_id))
            channel_id = int(channel["id"])
            self.channels[channel_id] = channel
            self.dm_by_user[user_id] = channel_id
        return self.channels[channel_id]

    # -- messages ---------------------------------------------------------------------------

    def create_message(
        self,
        channel_id: int,
        author: Json,
        body: Mapping[str, Any],
        *,
        message_type: int = 0,
        webhook_id: int | None = None,
        files: Iterable[tuple[str, int, str | None]] = (),
        allowed: Allowed | None = None,
    ) -> Json:
        """Store a message. ``files`` are (filename, size, content type) of uploaded files;
        ``allowed`` is the request's allowed mentions (validated), a regular message's
        default when None."""
        channel = self.channel(channel_id)
        check_embeds(body.get("embeds"))
        body = dict(body)
        uploaded = list(files)
        if uploaded:
            body["attachments"] = [
                p.attachment(self.snowflakes.next(), name, size, ctype)
                for name, size, ctype in uploaded
            ]
        else:
            body.pop("attachments", None)
        guild_id = channel.get("guild_id")
        message = p.message(
            self.snowflakes.next(),
            channel_id,
            author,
            body,
            guild_id=None if guild_id is None else int(guild_id),
            message_type=message_type,
            webhook_id=webhook_id,
            application_id=self.bot_id if webhook_id is not None else None,
        )
        message["timestamp"] = p.iso(self.clock())
        self.set_mentions(message, allowed)
        self.messages[int(message["id"])] = message
        if body.get("nonce") is not None:
            self.nonces[int(message["id"])] = (body["nonce"], self.clock())
        channel["last_message_id"] = message["id"]
        if channel["type"] in p.THREAD_TYPES:
            channel["message_count"] += 1
            channel["total_message_sent"] += 1
            # A message is activity, and unarchives the thread (the REST route refuses one
            # in a thread that is archived and locked before it gets here).
            self.set_archived(channel, False)
        return message

    def recent_with_nonce(self, channel_id: int, author_id: int, nonce: str | int) -> Json | None:
        """The author's message in the channel sent with this nonce within the nonce window."""
        now = self.clock()
        for message_id, (seen, at) in self.nonces.items():
            message = self.messages.get(message_id)
            if (
                message is not None
                and seen == nonce
                and now - at <= NONCE_WINDOW
                and message["channel_id"] == str(channel_id)
                and message["author"]["id"] == str(author_id)
            ):
                return message
        return None

    def with_nonce(self, message: Json) -> Json:
        """A copy of a stored message with its nonce, as the create answer and the
        MESSAGE_CREATE event carry it (a later fetch of the message does not)."""
        answer = copy.deepcopy(message)
        nonce = self.nonces.get(int(message["id"]))
        if nonce is not None:
            answer["nonce"] = nonce[0]
        return answer

    def message(self, message_id: int, channel_id: int | None = None) -> Json:
        message = self.messages.get(message_id)
        if message is None or (channel_id is not None and message["channel_id"] != str(channel_id)):
            raise DiscordError(404, 10008, "Unknown Message")
        return message

    def edit_message(
        self,
        message_id: int,
        body: Mapping[str, Any],
        files: Iterable[tuple[str, int, str | None]] = (),
        allowed: Allowed | None = None,
    ) -> Json:
        """Apply an edit. ``attachments`` in the body lists the existing ones to keep; new
        uploads (``files``) are added. New content has its mentions computed again from
        ``allowed`` (the edit's own, or a regular message's default when None)."""
        message = self.message(message_id)
        check_embeds(body.get("embeds"))
        for key in ("content", "embeds", "components", "poll"):
            if key in body:
                message[key] = body[key] if body[key] is not None else message[key]
        if "content" in body and body["content"] is None:
            # Edit Message: every field is nullable, and a null content removes the text
            # (discord.py: "Could be None to remove the content"), its mentions with it.
            message["content"] = ""
        if "content" in body:
            self.set_mentions(message, allowed)
        uploaded = list(files)
        if "attachments" in body or uploaded:
            existing = {a["id"]: a for a in message["attachments"]}
            keep = [str(a.get("id")) for a in body.get("attachments") or []]
            message["attachments"] = [existing[i] for i in keep if i in existing] + [
                p.attachment(self.snowflakes.next(), name, size, ctype)
                for name, size, ctype in uploaded
            ]
        if "flags" in body and body["flags"] is not None:
            # Only SUPPRESS_EMBEDS can be changed; EPHEMERAL stays, LOADING ends on edit.
            message["flags"] = (message["flags"] & p.EPHEMERAL) | (int(body["flags"]) & ~p.LOADING)
        else:
            message["flags"] &= ~p.LOADING
        message["edited_timestamp"] = p.iso()
        return message

    def delete_message(self, message_id: int, channel_id: int | None = None) -> Json:
        """As Discord: anyone's message in a server needs Manage Messages there; the bot's
        own message it may always delete."""
        message = self.message(message_id, channel_id)
        guild_id = message.get("guild_id")
        if guild_id is not None and message["author"]["id"] != self.bot["id"]:
            self.require_permission(int(guild_id), p.MANAGE_MESSAGES, int(message["channel_id"]))
        del self.messages[message_id]
        channel = self.channels.get(int(message["channel_id"]))
        if channel is not None and channel["type"] in p.THREAD_TYPES:
            channel["message_count"] = max(0, int(channel["message_count"]) - 1)
        return message

    # -- mentions ---------------------------------------------------------------------------

    def set_mentions(self, message: Json, allowed: Allowed | None) -> None:
        """``mentions``, ``mention_roles`` and ``mention_everyone`` as Discord computes them
        from the content: only what ``allowed`` lets be live (see ``mentions``)."""
        allowed = allowed or Allowed(parse=MESSAGE_DEFAULT)
        written = written_in(message.get("content"))
        guild_id = None if message.get("guild_id") is None else int(message["guild_id"])
        users = live_users(written, allowed, self.users)
        message["mentions"] = [self._mentioned(user_id, guild_id) for user_id in users]
        roles: list[int] = []
        everyone = False
        if guild_id is not None:
            record = self.guild(guild_id)
            author = int(message["author"]["id"])
            may_ping_all = author in record.members and bool(
                self.permissions_for(guild_id, author, int(message["channel_id"]))
                & p.MENTION_EVERYONE
            )
            roles = [
                role_id
                for role_id in written.roles
                if role_id in record.roles
                and role_id != guild_id
                and allowed.role(role_id)
                and (record.roles[role_id].get("mentionable") or may_ping_all)
            ]
            everyone = written.everyone and allowed.everyone and may_ping_all
        message["mention_roles"] = [str(role_id) for role_id in roles]
        message["mention_everyone"] = everyone

    def _mentioned(self, user_id: int, guild_id: int | None) -> Json:
        """A user in a message's ``mentions``, with a partial member in a guild."""
        user = copy.deepcopy(self.user(user_id))
        if guild_id is not None and user_id in self.guild(guild_id).members:
            member = copy.deepcopy(self.guild(guild_id).members[user_id])
            member.pop("user", None)
            user["member"] = member
        return user

    def add_mentioned_to_thread(self, message: Json) -> list[Json]:
        """Discord adds whoever a thread message mentions live (and the members of a role
        mentioned live) to the thread, private threads included, if they can see the parent
        channel. @everyone and @here add nobody. Returns the new thread members."""
        channel = self.channels.get(int(message["channel_id"]))
        if channel is None or channel["type"] not in p.THREAD_TYPES:
            return []
        if int(message.get("flags") or 0) & p.EPHEMERAL:
            return []  # only the person who ran the command sees it
        thread_id, guild_id = int(channel["id"]), int(channel["guild_id"])
        record = self.guild(guild_id)
        wanted = [int(u["id"]) for u in message.get("mentions", [])]
        for role_id in message.get("mention_roles", []):
            wanted += [uid for uid, m in record.members.items() if role_id in m["roles"]]
        added: list[Json] = []
        members = self.thread_members[thread_id]
        for user_id in dict.fromkeys(wanted):
            if user_id in members or user_id not in record.members:
                continue
            if not self.permissions_for(guild_id, user_id, thread_id) & p.VIEW_CHANNEL:
                continue
            added.append(copy.deepcopy(self.add_thread_member(thread_id, user_id)))
        return added

    def find_message_with_component(self, custom_id: str) -> Json:
        """The newest message holding a component with this custom_id."""
        for message in reversed(self.messages.values()):
            if find_component(message.get("components", []), custom_id) is not None:
                return message
        raise KeyError(f"no message has a component with custom_id {custom_id!r}")

    # -- permissions and gateway snapshots ----------------------------------------------------

    def permissions_for(self, guild_id: int, user_id: int, channel_id: int | None = None) -> int:
        """A member's effective permissions, by Discord's documented algorithm
        (https://discord.com/developers/docs/topics/permissions): the owner has all; the base
        is @everyone's permissions OR'd with every role of the member; Administrator gives
        all; then the channel's overwrites in order: @everyone, the member's roles (their
        allows and denies combined, allow winning), the member's own. Without View Channel a
        member has no permission in the channel at all (Discord's implicit denial)."""
        record = self.guild(guild_id)
        if user_id == record.owner_id:
            return p.ALL_PERMISSIONS
        member = self.member(guild_id, user_id)
        role_ids = {int(r) for r in member["roles"]}
        perms = int(record.roles[guild_id]["permissions"])
        for role_id in role_ids:
            if role_id in record.roles:
                perms |= int(record.roles[role_id]["permissions"])
        if perms & p.ADMINISTRATOR:
            return p.ALL_PERMISSIONS
        if channel_id is None:
            return perms
        channel = self.channel(channel_id)
        if channel["type"] in p.THREAD_TYPES:
            channel = self.channel(int(channel["parent_id"]))
        overwrites = {int(o["id"]): o for o in channel.get("permission_overwrites", [])}
        everyone = overwrites.get(guild_id)
        if everyone is not None:
            perms = (perms & ~int(everyone["deny"])) | int(everyone["allow"])
        allow = deny = 0
        for role_id in role_ids:
            ow = overwrites.get(role_id)
            if ow is not None and ow["type"] == 0:
                allow |= int(ow["allow"])
                deny |= int(ow["deny"])
        perms = (perms & ~deny) | allow
        own = overwrites.get(user_id)
        if own is not None and own["type"] == 1:
            perms = (perms & ~int(own["deny"])) | int(own["allow"])
        if not perms & p.VIEW_CHANNEL:
            return 0
        return perms

    def can_see(self, guild_id: int, user_id: int, channel_id: int) -> bool:
        """Whether the member sees the channel (View Channel, after every overwrite)."""
        return bool(self.permissions_for(guild_id, user_id, channel_id) & p.VIEW_CHANNEL)

    def can_post(self, guild_id: int, user_id: int, channel_id: int) -> bool:
        """Whether the member can post in the channel (View Channel and Send Messages)."""
        perms = self.permissions_for(guild_id, user_id, channel_id)
        return bool(perms & p.VIEW_CHANNEL and perms & p.SEND_MESSAGES)

    def role_names_of(self, guild_id: int, user_id: int) -> set[str]:
        """The names of a member's roles (what the person sees on their profile)."""
        record = self.guild(guild_id)
        return {
            str(record.roles[int(r)]["name"])
            for r in self.member(guild_id, user_id)["roles"]
            if int(r) in record.roles
        }

    def top_position(self, guild_id: int, user_id: int) -> int:
        """The position of a member's highest role (@everyone is 0)."""
        record = self.guild(guild_id)
        positions = [
            int(record.roles[int(r)]["position"])
            for r in self.member(guild_id, user_id)["roles"]
            if int(r) in record.roles
        ]
        return max(positions, default=0)

    def require_permission(
        self, guild_id: int, permission: int, channel_id: int | None = None
    ) -> None:
        """Refuse the bot as Discord does: 50001 Missing Access when it cannot see the
        channel, 50013 Missing Permissions when it lacks ``permission``."""
        bot = self.bot_id
        if channel_id is not None and not self.can_see(guild_id, bot, channel_id):
            raise DiscordError(403, 50001, "Missing Access")
        if not self.permissions_for(guild_id, bot, channel_id) & permission:
            raise DiscordError(403, 50013, "Missing Permissions")

    def require_grantable(self, guild_id: int, permissions: int) -> None:
        """Discord's rule for roles: a bot "can only grant permissions it has" to a role it
        creates or edits (Administrator has them all); else 50013 Missing Permissions."""
        held = self.permissions_for(guild_id, self.bot_id)
        if held & p.ADMINISTRATOR != p.ADMINISTRATOR and permissions & ~held:
            raise DiscordError(403, 50013, "Missing Permissions")

    def require_above(self, guild_id: int, role_id: int) -> None:
        """Discord's role hierarchy: the bot manages (assigns, edits, deletes) only roles
        below its highest role, whatever its permissions (Administrator included); the owner
        is above everything. Otherwise 50013 Missing Permissions."""
        record = self.guild(guild_id)
        role = self.role(guild_id, role_id)
        if self.bot_id == record.owner_id:
            return
        if int(role["position"]) >= self.top_position(guild_id, self.bot_id) or role["managed"]:
            raise DiscordError(403, 50013, "Missing Permissions")

    def member_payload(self, guild_id: int, user_id: int, channel_id: int | None = None) -> Json:
        """A member as interactions carry it: with the computed ``permissions`` string."""
        member = copy.deepcopy(self.member(guild_id, user_id))
        member["permissions"] = str(self.permissions_for(guild_id, user_id, channel_id))
        return member

    def guild_payload(self, guild_id: int) -> Json:
        record = self.guild(guild_id)
        return p.guild(record.id, record.name, record.owner_id, record.roles.values())

    def guild_create(self, guild_id: int, *, all_members: bool) -> Json:
        """GUILD_CREATE. Like Discord for bots, only the bot's own member is included unless
        ``all_members``; discord.py then asks for the rest with REQUEST_GUILD_MEMBERS."""
        record = self.guild(guild_id)
        members = [m for uid, m in record.members.items() if all_members or uid == self.bot_id]
        payload = self.guild_payload(guild_id)
        payload.update(
            {
                "joined_at": p.iso(),
                "large": len(record.members) > 250,
                "unavailable": False,
                "member_count": len(record.members),
                "members": members,
                "channels": list(self.guild_channels(guild_id)),
                # Only the active threads, as Discord sends them.
                "threads": [
                    t for t in self.guild_threads(guild_id) if not t["thread_metadata"]["archived"]
                ],
                "presences": [],
                "voice_states": [],
                "stage_instances": [],
                "guild_scheduled_events": list(record.scheduled_events.values()),
                "soundboard_sounds": [],
            }
        )
        return copy.deepcopy(payload)

    # -- application commands ---------------------------------------------------------------

    def commands(self, guild_id: int | None) -> dict[int, Json]:
        return self.global_commands if guild_id is None else self.guild(guild_id).commands

    @staticmethod
    def check_command(body: Mapping[str, Any]) -> None:
        """Discord's rules for what differs by type: a message or user command (type 3, 2)
        has a name of 1 to 32 characters (capitals and spaces allowed), no options, and an
        empty description or none (50035 Invalid Form Body otherwise)."""
        if body.get("type", 1) in (2, 3):
            name = str(body.get("name", ""))
            if not 1 <= len(name) <= 32:
                raise DiscordError(400, 50035, "Invalid Form Body: name must be 1-32 long.")
            if body.get("options"):
                raise DiscordError(400, 50035, "Invalid Form Body: options are not allowed.")
            if body.get("description"):
                raise DiscordError(400, 50035, "Invalid Form Body: description must be empty.")

    def upsert_command(self, guild_id: int | None, body: Mapping[str, Any]) -> Json:
        """Create or replace a command; like Discord, a command keeps its id across updates
        as long as its name and type stay the same."""
        self.check_command(body)
        store = self.commands(guild_id)
        kind = body.get("type", 1)
        same = (i for i, c in store.items() if c["name"] == body["name"] and c["type"] == kind)
        command_id = next(same, None) or self.snowflakes.next()
        command = p.application_command(command_id, self.bot_id, body, guild_id=guild_id)
        store[command_id] = command
        return command

    def overwrite_commands(self, guild_id: int | None, bodies: Iterable[Json]) -> list[Json]:
        store = self.commands(guild_id)
        old = dict(store)
        store.clear()
        result = []
        for body in bodies:
            kind = body.get("type", 1)
            keep = next(
                (i for i, c in old.items() if c["name"] == body["name"] and c["type"] == kind),
                None,
            )
            if keep is not None:
                store[keep] = old[keep]
            result.append(self.upsert_command(guild_id, body))
        return result

    def find_command(self, name: str, guild_id: int | None, kind: int = 1) -> Json | None:
        """The command an invocation of ``name`` in ``guild_id`` runs: guild, then global
        (``kind`` 1 a slash command, 3 a command in a message's menu)."""
        stores = [self.global_commands]
        if guild_id is not None:
            stores.insert(0, self.guild(guild_id).commands)
        for store in stores:
            for command in store.values():
                if command["name"] == name and command["type"] == kind:
                    return command
        return None
