"""Channel routes: channels, messages, permission overwrites, threads and their members."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .. import payloads as p
from ..mentions import MESSAGE_DEFAULT, allowed_from
from ..payloads import Json
from ..state import DiscordError
from .common import (
    Context,
    body,
    copied,
    json_response,
    no_content,
    snowflake,
    uploads,
    user_param,
)

_CHANNEL_FIELDS = (
    "name",
    "topic",
    "position",
    "nsfw",
    "rate_limit_per_user",
    "default_auto_archive_duration",
    "flags",
    "type",
)


class ChannelRoutes:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.state = ctx.state

    def routes(self) -> list[web.RouteDef]:
        ch = "/channels/{channel_id}"
        msg = ch + "/messages/{message_id}"
        return [
            web.get(ch, self.get_channel),
            web.patch(ch, self.edit_channel),
            web.delete(ch, self.delete_channel),
            web.get(ch + "/messages", self.list_messages),
            web.post(ch + "/messages", self.create_message),
            web.get(msg, self.get_message),
            web.patch(msg, self.edit_message),
            web.delete(msg, self.delete_message),
            web.post(msg + "/threads", self.thread_from_message),
            web.put(ch + "/messages/pins/{message_id}", self.pin_message),
            web.delete(ch + "/messages/pins/{message_id}", self.unpin_message),
            web.post(ch + "/typing", self.typing),
            web.put(ch + "/permissions/{target_id}", self.edit_permissions),
            web.delete(ch + "/permissions/{target_id}", self.delete_permissions),
            web.post(ch + "/threads", self.create_thread),
            web.get(ch + "/thread-members", self.list_thread_members),
            web.put(ch + "/thread-members/{user_id}", self.add_thread_member),
            web.delete(ch + "/thread-members/{user_id}", self.remove_thread_member),
        ]

    def _channel(self, request: web.Request) -> Json:
        return self.state.channel(snowflake(request, "channel_id"))

    # -- channels ---------------------------------------------------------------------------

    async def get_channel(self, request: web.Request) -> web.Response:
        return json_response(self._channel(request))

    async def edit_channel(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        changes = body(request)
        is_thread = channel["type"] in p.THREAD_TYPES
        if not is_thread and channel.get("guild_id") is not None:
            self.state.require_permission(
                int(channel["guild_id"]), p.MANAGE_CHANNELS, int(channel["id"])
            )
        if is_thread:
            self._may_edit_thread(channel, changes)
        for key in _CHANNEL_FIELDS:
            if key in changes and key != "type":
                channel[key] = changes[key]
        if "parent_id" in changes and not is_thread:
            parent = changes["parent_id"]
            channel["parent_id"] = None if parent is None else str(parent)
        if "permission_overwrites" in changes and not is_thread:
            channel["permission_overwrites"] = [
                p.overwrite(o["id"], o["type"], o.get("allow", 0), o.get("deny", 0))
                for o in changes["permission_overwrites"]
            ]
        if is_thread:
            self._edit_thread(channel, changes)
        await self.ctx.emit("THREAD_UPDATE" if is_thread else "CHANNEL_UPDATE", channel)
        return json_response(channel)

    def _may_edit_thread(self, thread: Json, changes: Json) -> None:
        """Discord's rules for editing a thread (Modify Channel, JSON Params (Thread); Threads,
        Editing & Deleting Threads): the thread must be active or be unarchived by this very
        request (else 50083); ``locked``, and unarchiving a locked thread, need Manage
        Threads; an auto-archive duration is one of 60, 1440, 4320 or 10080 minutes."""
        metadata = thread["thread_metadata"]
        unarchiving = changes.get("archived") is False
        if metadata["archived"] and not unarchiving:
            raise DiscordError(400, 50083, "Thread is archived")
        guild_id, thread_id = int(thread["guild_id"]), int(thread["id"])
        if "locked" in changes or (unarchiving and metadata["locked"]):
            self.state.require_permission(guild_id, p.MANAGE_THREADS, thread_id)
        duration = changes.get("auto_archive_duration")
        if duration is not None and duration not in p.AUTO_ARCHIVE_DURATIONS:
            raise DiscordError(
                400, 50035, "Invalid Form Body: auto_archive_duration is not 60, 1440, 4320, 10080."
            )

    def _edit_thread(self, thread: Json, changes: Json) -> None:
        metadata = thread["thread_metadata"]
        for key in ("locked", "invitable"):
            if key in changes:
                metadata[key] = changes[key]
        duration = changes.get("auto_archive_duration")
        if duration is not None and duration != metadata["auto_archive_duration"]:
            metadata["auto_archive_duration"] = duration
            metadata["archive_timestamp"] = p.iso(self.state.now())
            self.state.thread_active_at[int(thread["id"])] = self.state.now()  # activity
        if "archived" in changes:
            self.state.set_archived(thread, bool(changes["archived"]))

    async def delete_channel(self, request: web.Request) -> web.Response:
        channel = self.state.delete_channel(snowflake(request, "channel_id"))
        if channel["type"] in p.THREAD_TYPES:
            event: Json = {k: channel[k] for k in ("id", "guild_id", "parent_id", "type")}
            await self.ctx.emit("THREAD_DELETE", event)
        elif channel["type"] != p.DM:
            await self.ctx.emit("CHANNEL_DELETE", channel)
        return json_response(channel)

    async def typing(self, request: web.Request) -> web.Response:
        self._channel(request)
        return no_content()

    # -- messages ---------------------------------------------------------------------------

    async def list_messages(self, request: web.Request) -> web.Response:
        channel_id = snowflake(request, "channel_id")
        self.state.channel(channel_id)
        found = [m for m in self.state.messages.values() if m["channel_id"] == str(channel_id)]
        before, after = request.query.get("before"), request.query.get("after")
        limit = int(request.query.get("limit", "50"))
        if after:
            # The ``limit`` messages right after that id (discord.py pages on from the
            # newest of them), answered newest first like every page.
            found = [m for m in found if int(m["id"]) > int(after)][:limit]
            found.reverse()
            return json_response(found)
        found.reverse()  # newest first, as Discord answers
        if before:
            found = [m for m in found if int(m["id"]) < int(before)]
        return json_response(found[:limit])

    async def create_message(self, request: web.Request) -> web.Response:
        channel_id = snowflake(request, "channel_id")
        channel = self.state.channel(channel_id)
        was_archived = self._may_post_in_thread(channel)
        data = body(request)
        if not any(data.get(k) for k in ("content", "embeds", "components", "poll")) and not (
            uploads(request) or data.get("sticker_ids")
        ):
            raise DiscordError(400, 50006, "Cannot send an empty message")
        if channel["type"] == p.DM and self._recipient(channel) in self.state.dms_closed:
            raise DiscordError(403, 50007, "Cannot send messages to this user")
        allowed = allowed_from(data, MESSAGE_DEFAULT)
        repeated = self._same_nonce(channel_id, data)
        if repeated is not None:
            return json_response(self.state.with_nonce(repeated))
        kind = 19 if data.get("message_reference") else 0
        message = self.state.create_message(
            channel_id,
            self.state.bot,
            data,
            message_type=kind,
            files=uploads(request),
            allowed=allowed,
        )
        if was_archived:
            # The message unarchived the thread: Discord says so before the message.
            await self.ctx.emit("THREAD_UPDATE", channel)
        await self.ctx.emit("MESSAGE_CREATE", self.state.with_nonce(message))
        await self.ctx.add_mentioned(message)
        return json_response(self.state.with_nonce(message))

    def _may_post_in_thread(self, channel: Json) -> bool:
        """Whether the post unarchives a thread. "Sending a message will automatically
        unarchive the thread, unless the thread has been locked by a moderator" (50083);
        in a locked thread that is still active only Manage Threads may post (160005)."""
        if channel["type"] not in p.THREAD_TYPES:
            return False
        metadata = channel["thread_metadata"]
        if metadata["archived"] and metadata["locked"]:
            raise DiscordError(400, 50083, "Thread is archived")
        if metadata["locked"]:
            guild_id, thread_id = int(channel["guild_id"]), int(channel["id"])
            if not self.state.permissions_for(guild_id, self.state.bot_id, thread_id) & (
                p.MANAGE_THREADS
            ):
                raise DiscordError(400, 160005, "Thread is locked")
        return bool(metadata["archived"])

    @staticmethod
    def _recipient(channel: Json) -> int:
        return int(channel["recipients"][0]["id"])

    def _same_nonce(self, channel_id: int, data: Json) -> Json | None:
        """With ``enforce_nonce`` (discord.py sets it whenever a nonce is given), Discord
        returns the bot's earlier message with that nonce instead of posting it again, but
        only "in the past few minutes" (``NONCE_WINDOW``): after that it posts it again."""
        nonce = data.get("nonce")
        if nonce is None or not data.get("enforce_nonce"):
            return None
        return self.state.recent_with_nonce(channel_id, self.state.bot_id, nonce)

    async def get_message(self, request: web.Request) -> web.Response:
        message = self.state.message(
            snowflake(request, "message_id"), snowflake(request, "channel_id")
        )
        return json_response(message)

    async def edit_message(self, request: web.Request) -> web.Response:
        message_id = snowflake(request, "message_id")
        message = self.state.message(message_id, snowflake(request, "channel_id"))
        if message["author"]["id"] != self.state.bot["id"]:
            raise DiscordError(403, 50005, "Cannot edit a message authored by another user")
        thread = self.state.channel(int(message["channel_id"]))
        if thread["type"] in p.THREAD_TYPES and thread["thread_metadata"]["archived"]:
            # "Users cannot edit messages ... in archived threads" (Threads).
            raise DiscordError(400, 50083, "Thread is archived")
        data = body(request)
        allowed = allowed_from(data, MESSAGE_DEFAULT)
        edited = self.state.edit_message(message_id, data, uploads(request), allowed=allowed)
        await self.ctx.emit("MESSAGE_UPDATE", edited)
        return json_response(edited)

    async def delete_message(self, request: web.Request) -> web.Response:
        channel_id = snowflake(request, "channel_id")
        message = self.state.delete_message(snowflake(request, "message_id"), channel_id)
        event: Json = {k: message[k] for k in ("id", "channel_id", "guild_id") if k in message}
        await self.ctx.emit("MESSAGE_DELETE", event)
        return no_content()

    async def pin_message(self, request: web.Request) -> web.Response:
        return await self._set_pinned(request, pinned=True)

    async def unpin_message(self, request: web.Request) -> web.Response:
        return await self._set_pinned(request, pinned=False)

    async def _set_pinned(self, request: web.Request, *, pinned: bool) -> web.Response:
        channel_id = snowflake(request, "channel_id")
        message = self.state.message(snowflake(request, "message_id"), channel_id)
        guild_id = self.state.channel(channel_id).get("guild_id")
        if guild_id is not None:
            self.state.require_permission(int(guild_id), p.PIN_MESSAGES, channel_id)
        message["pinned"] = pinned
        channel = self.state.channel(channel_id)
        event: Json = {"channel_id": str(channel_id), "last_pin_timestamp": p.iso()}
        if channel.get("guild_id"):
            event["guild_id"] = channel["guild_id"]
        await self.ctx.emit("CHANNEL_PINS_UPDATE", event)
        return no_content()

    # -- permission overwrites --------------------------------------------------------------

    async def edit_permissions(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        target = snowflake(request, "target_id")
        data = body(request)
        if data.get("type") not in (0, 1):
            raise DiscordError(400, 50035, "Invalid Form Body: type must be 0 or 1.")
        self._may_edit_overwrites(channel, int(data.get("allow") or 0) | int(data.get("deny") or 0))
        new = p.overwrite(target, data["type"], data.get("allow", 0), data.get("deny", 0))
        others = [o for o in channel["permission_overwrites"] if o["id"] != str(target)]
        channel["permission_overwrites"] = [*others, new]
        await self.ctx.emit("CHANNEL_UPDATE", channel)
        return no_content()

    async def delete_permissions(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        target = str(snowflake(request, "target_id"))
        self._may_edit_overwrites(channel, 0)
        overwrites = channel["permission_overwrites"]
        channel["permission_overwrites"] = [o for o in overwrites if o["id"] != target]
        await self.ctx.emit("CHANNEL_UPDATE", channel)
        return no_content()

    def _may_edit_overwrites(self, channel: Json, bits: int) -> None:
        """Discord: Manage Roles in the channel (50001 if the bot cannot even see it), and the
        bot may only allow or deny permissions it has there itself (50013)."""
        guild_id = int(channel["guild_id"])
        channel_id = int(channel["id"])
        self.state.require_permission(guild_id, p.MANAGE_ROLES, channel_id)
        if bits & ~self.state.permissions_for(guild_id, self.state.bot_id, channel_id):
            raise DiscordError(403, 50013, "Missing Permissions")

    # -- threads ----------------------------------------------------------------------------

    async def create_thread(self, request: web.Request) -> web.Response:
        data = body(request)
        kind = int(data.get("type", p.PRIVATE_THREAD))
        if kind not in p.THREAD_TYPES:
            raise DiscordError(400, 50035, "Invalid Form Body: type is not a thread type.")
        return await self._start_thread(request, data, kind=kind, thread_id=None)

    async def thread_from_message(self, request: web.Request) -> web.Response:
        message_id = snowflake(request, "message_id")
        self.state.message(message_id, snowflake(request, "channel_id"))
        data = body(request)
        return await self._start_thread(request, data, kind=p.PUBLIC_THREAD, thread_id=message_id)

    async def _start_thread(
        self, request: web.Request, data: Json, *, kind: int, thread_id: int | None
    ) -> web.Response:
        if not data.get("name"):
            raise DiscordError(400, 50035, "Invalid Form Body: name is required.")
        duration = int(data.get("auto_archive_duration") or 4320)
        if duration not in p.AUTO_ARCHIVE_DURATIONS:
            raise DiscordError(
                400, 50035, "Invalid Form Body: auto_archive_duration is not 60, 1440, 4320, 10080."
            )
        options: dict[str, Any] = {
            "kind": kind,
            "invitable": bool(data.get("invitable", True)),
            "auto_archive_duration": duration,
        }
        thread = self.state.add_thread(
            snowflake(request, "channel_id"),
            self.state.bot_id,
            data["name"],
            thread_id=thread_id,
            **options,
        )
        if data.get("rate_limit_per_user"):
            thread["rate_limit_per_user"] = data["rate_limit_per_user"]
        await self.ctx.emit("THREAD_CREATE", {**thread, "newly_created": True})
        answer = copied(thread)
        answer["member"] = self.state.thread_members[int(thread["id"])][self.state.bot_id]
        return json_response(answer, status=201)

    def _thread(self, request: web.Request) -> Json:
        thread = self._channel(request)
        if thread["type"] not in p.THREAD_TYPES:
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")
        return thread

    async def list_thread_members(self, request: web.Request) -> web.Response:
        thread = self._thread(request)
        return json_response(list(self.state.thread_members[int(thread["id"])].values()))

    async def add_thread_member(self, request: web.Request) -> web.Response:
        thread = self._thread(request)
        thread_id = int(thread["id"])
        user_id = user_param(request, "user_id", self.state)
        guild_id = int(thread["guild_id"])
        self.state.member(guild_id, user_id)
        if thread["thread_metadata"]["archived"]:
            raise DiscordError(400, 50083, "Thread is archived")
        added = self.state.add_thread_member(thread_id, user_id)
        await self.ctx.emit(
            "THREAD_MEMBERS_UPDATE",
            {
                "id": str(thread_id),
                "guild_id": str(guild_id),
                "member_count": thread["member_count"],
                "added_members": [added],
            },
        )
        return no_content()

    async def remove_thread_member(self, request: web.Request) -> web.Response:
        thread = self._thread(request)
        user_id = user_param(request, "user_id", self.state)
        self.state.remove_thread_member(int(thread["id"]), user_id)
        await self.ctx.emit(
            "THREAD_MEMBERS_UPDATE",
            {
                "id": thread["id"],
                "guild_id": thread["guild_id"],
                "member_count": thread["member_count"],
                "removed_member_ids": [str(user_id)],
            },
        )
        return no_content()
