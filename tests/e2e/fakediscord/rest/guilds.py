"""Guild routes: the guild, its channels, roles, members and scheduled events."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from .. import payloads as p
from ..payloads import Json
from ..state import DiscordError, GuildRecord
from .common import Context, body, copied, json_response, no_content, snowflake

_ROLE_FIELDS = ("name", "permissions", "hoist", "mentionable", "position", "unicode_emoji")
_EVENT_FIELDS = (
    "name",
    "description",
    "channel_id",
    "entity_type",
    "entity_metadata",
    "privacy_level",
    "scheduled_start_time",
    "scheduled_end_time",
    "status",
    "image",
    "recurrence_rule",
)


class GuildRoutes:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.state = ctx.state

    def routes(self) -> list[web.RouteDef]:
        g = "/guilds/{guild_id}"
        member = g + "/members/{user_id}"
        event = g + "/scheduled-events/{event_id}"
        return [
            web.get(g, self.get_guild),
            web.get(g + "/channels", self.list_channels),
            web.post(g + "/channels", self.create_channel),
            web.get(g + "/threads/active", self.active_threads),
            web.get(g + "/roles", self.list_roles),
            web.post(g + "/roles", self.create_role),
            web.patch(g + "/roles/{role_id}", self.edit_role),
            web.delete(g + "/roles/{role_id}", self.delete_role),
            web.get(g + "/members", self.list_members),
            web.get(member, self.get_member),
            web.patch(member, self.edit_member),
            web.put(member + "/roles/{role_id}", self.add_member_role),
            web.delete(member + "/roles/{role_id}", self.remove_member_role),
            web.get(g + "/scheduled-events", self.list_events),
            web.post(g + "/scheduled-events", self.create_event),
            web.get(event, self.get_event),
            web.get(event + "/users", self.event_users),
            web.patch(event, self.edit_event),
            web.delete(event, self.delete_event),
        ]

    def _guild(self, request: web.Request) -> GuildRecord:
        return self.state.guild(snowflake(request, "guild_id"))

    async def get_guild(self, request: web.Request) -> web.Response:
        record = self._guild(request)
        guild = self.state.guild_payload(record.id)
        if request.query.get("with_counts") in ("true", "1"):
            guild["approximate_member_count"] = len(record.members)
            guild["approximate_presence_count"] = 0
        return json_response(guild)

    # -- channels ---------------------------------------------------------------------------

    async def list_channels(self, request: web.Request) -> web.Response:
        return json_response(list(self.state.guild_channels(self._guild(request).id)))

    async def create_channel(self, request: web.Request) -> web.Response:
        record = self._guild(request)
        data = body(request)
        self.state.require_permission(record.id, p.MANAGE_CHANNELS)
        if data.get("permission_overwrites"):
            self.state.require_permission(record.id, p.MANAGE_ROLES)
        if not data.get("name"):
            raise DiscordError(400, 50035, "Invalid Form Body: name is required.")
        parent_id = data.get("parent_id")
        if parent_id is not None and self.state.channel(int(parent_id))["type"] != 4:
            raise DiscordError(400, 50035, "Invalid Form Body: parent_id is not a category.")
        channel = self.state.add_channel(
            record.id,
            data["name"],
            kind=int(data.get("type") or 0),
            parent_id=parent_id,
            permission_overwrites=data.get("permission_overwrites") or (),
            topic=data.get("topic"),
        )
        for key in ("nsfw", "rate_limit_per_user", "position"):
            if data.get(key) is not None:
                channel[key] = data[key]
        await self.ctx.emit("CHANNEL_CREATE", channel)
        return json_response(channel, status=201)

    async def active_threads(self, request: web.Request) -> web.Response:
        record = self._guild(request)
        threads = [
            t for t in self.state.guild_threads(record.id) if not t["thread_metadata"]["archived"]
        ]
        members = [
            m
            for t in threads
            for uid, m in self.state.thread_members[int(t["id"])].items()
            if uid == self.state.bot_id
        ]
        return json_response({"threads": threads, "members": members})

    # -- roles ------------------------------------------------------------------------------

    async def list_roles(self, request: web.Request) -> web.Response:
        return json_response(list(self._guild(request).roles.values()))

    async def create_role(self, request: web.Request) -> web.Response:
        record = self._guild(request)
        data = body(request)
        self.state.require_permission(record.id, p.MANAGE_ROLES)
        everyone = int(record.roles[record.id]["permissions"])
        permissions = data.get("permissions")
        if permissions is not None:
            self.state.require_grantable(record.id, int(permissions) & ~everyone)
        role = self.state.insert_role_at_bottom(
            record.id,
            data.get("name") or "new role",
            # Discord's default for a new role: the permissions @everyone has.
            permissions=everyone if permissions is None else int(permissions),
            hoist=bool(data.get("hoist", False)),
            mentionable=bool(data.get("mentionable", False)),
        )
        await self.ctx.emit("GUILD_ROLE_CREATE", {"guild_id": str(record.id), "role": role})
        return json_response(role)

    async def edit_role(self, request: web.Request) -> web.Response:
        record = self._guild(request)
        role = self.state.role(record.id, snowflake(request, "role_id"))
        self.state.require_permission(record.id, p.MANAGE_ROLES)
        self.state.require_above(record.id, int(role["id"]))
        data = body(request)
        if "permissions" in data:
            added = int(data["permissions"]) & ~int(role["permissions"])
            self.state.require_grantable(record.id, added)
        for key in _ROLE_FIELDS:
            if key in data:
                role[key] = str(data[key]) if key == "permissions" else data[key]
        await self.ctx.emit("GUILD_ROLE_UPDATE", {"guild_id": str(record.id), "role": role})
        return json_response(role)

    async def delete_role(self, request: web.Request) -> web.Response:
        record = self._guild(request)
        role_id = snowflake(request, "role_id")
        self.state.role(record.id, role_id)
        self.state.require_permission(record.id, p.MANAGE_ROLES)
        self.state.require_above(record.id, role_id)
        if role_id == record.id:
            raise DiscordError(400, 50028, "Invalid Role")
        del record.roles[role_id]
        for member in record.members.values():
            member["roles"] = [r for r in member["roles"] if r != str(role_id)]
        event = {"guild_id": str(record.id), "role_id": str(role_id)}
        await self.ctx.emit("GUILD_ROLE_DELETE", event)
        return no_content()

    # -- members ----------------------------------------------------------------------------

    async def list_members(self, request: web.Request) -> web.Response:
        """Discord: only with the Server Members Intent switched on (else 50001 Missing
        Access), at most 1,000 a page, in user id order after ``after``."""
        record = self._guild(request)
        if not self.ctx.gateway.members_intent_enabled:
            raise DiscordError(403, 50001, "Missing Access")
        after = int(request.query.get("after", "0"))
        limit = int(request.query.get("limit", "1"))
        if not 1 <= limit <= 1000:
            raise DiscordError(400, 50035, "Invalid Form Body: limit must be 1 to 1000.")
        members = sorted(record.members.items())
        return json_response([m for uid, m in members if uid > after][:limit])

    async def get_member(self, request: web.Request) -> web.Response:
        record = self._guild(request)
        return json_response(self.state.member(record.id, snowflake(request, "user_id")))

    async def edit_member(self, request: web.Request) -> web.Response:
        record = self._guild(request)
        member = self.state.member(record.id, snowflake(request, "user_id"))
        data = body(request)
        if "nick" in data:
            member["nick"] = data["nick"]
        if "roles" in data:
            for role_id in data["roles"]:
                self.state.role(record.id, int(role_id))
            member["roles"] = [str(r) for r in data["roles"]]
        await self._member_updated(record, member)
        return json_response(member)

    async def add_member_role(self, request: web.Request) -> web.Response:
        record, member, role_id = self._member_role(request)
        if role_id not in member["roles"]:
            member["roles"].append(role_id)
        await self._member_updated(record, member)
        return no_content()

    async def remove_member_role(self, request: web.Request) -> web.Response:
        record, member, role_id = self._member_role(request)
        member["roles"] = [r for r in member["roles"] if r != role_id]
        await self._member_updated(record, member)
        return no_content()

    def _member_role(self, request: web.Request) -> tuple[GuildRecord, Json, str]:
        """As Discord: Manage Roles, and the role below the bot's highest (50013); an unknown
        member is 10007 and an unknown role 10011."""
        record = self._guild(request)
        role_id = snowflake(request, "role_id")
        self.state.role(record.id, role_id)
        self.state.require_permission(record.id, p.MANAGE_ROLES)
        self.state.require_above(record.id, role_id)
        member = self.state.member(record.id, snowflake(request, "user_id"))
        return record, member, str(role_id)

    async def _member_updated(self, record: GuildRecord, member: Json) -> None:
        await self.ctx.emit("GUILD_MEMBER_UPDATE", {**member, "guild_id": str(record.id)})

    # -- scheduled events -------------------------------------------------------------------

    def _event(self, request: web.Request) -> tuple[GuildRecord, Json]:
        record = self._guild(request)
        event = record.scheduled_events.get(snowflake(request, "event_id"))
        if event is None:
            raise DiscordError(404, 10070, "Unknown Guild Scheduled Event")
        return record, event

    async def list_events(self, request: web.Request) -> web.Response:
        return json_response(list(self._guild(request).scheduled_events.values()))

    async def create_event(self, request: web.Request) -> web.Response:
        """As Discord: an external event needs the guild-level Create Events permission
        (Manage Events alone stopped being enough for bots in February 2026), and one that
        starts in the past is refused (400, 50035)."""
        record = self._guild(request)
        self.state.require_permission(record.id, p.CREATE_EVENTS)
        data = body(request)
        missing = [
            k
            for k in ("name", "scheduled_start_time", "entity_type", "privacy_level")
            if k not in data
        ]
        if data.get("entity_type") == 3 and not data.get("scheduled_end_time"):
            missing.append("scheduled_end_time")
        if missing:
            raise DiscordError(400, 50035, f"Invalid Form Body: {', '.join(missing)} required.")
        self._check_times(data)
        fields = {k: data[k] for k in _EVENT_FIELDS if k in data}
        event_id = self.state.snowflakes.next()
        event = p.scheduled_event(event_id, record.id, self.state.bot, fields)
        record.scheduled_events[event_id] = event
        await self.ctx.emit("GUILD_SCHEDULED_EVENT_CREATE", event)
        return json_response(event)

    def _check_times(self, data: Json, event: Json | None = None) -> None:
        merged = {**(event or {}), **data}
        start = datetime.fromisoformat(str(merged["scheduled_start_time"]))
        if "scheduled_start_time" in data and start <= self.state.now():
            raise DiscordError(
                400,
                50035,
                "Invalid Form Body: scheduled_start_time: Cannot schedule event in the past.",
            )
        end = merged.get("scheduled_end_time")
        if end and datetime.fromisoformat(str(end)) <= start:
            raise DiscordError(
                400, 50035, "Invalid Form Body: scheduled_end_time: must be after the start."
            )

    def _may_change_event(self, record: GuildRecord, event: Json) -> None:
        """Discord: the bot's own events with Create Events or Manage Events; anyone
        else's only with Manage Events."""
        wanted = p.MANAGE_EVENTS
        if event.get("creator_id") == self.state.bot["id"]:
            wanted |= p.CREATE_EVENTS
        self.state.require_permission(record.id, wanted)

    async def get_event(self, request: web.Request) -> web.Response:
        return json_response(self._event(request)[1])

    async def event_users(self, request: web.Request) -> web.Response:
        """As Discord: the users subscribed (Interested), ascending by id, at most ``limit``
        (default and most 100) after ``after`` or before ``before`` (``before`` wins)."""
        record, event = self._event(request)
        query = request.query
        limit = int(query.get("limit", 100))
        if not 1 <= limit <= 100:
            raise DiscordError(400, 50035, "Invalid Form Body: limit: must be 1 to 100.")
        ids = sorted(record.event_users.get(int(event["id"]), set()))
        if "before" in query:
            ids = [i for i in ids if i < int(query["before"])][-limit:]
        else:
            ids = [i for i in ids if i > int(query.get("after", 0))][:limit]
        with_member = query.get("with_member", "false").lower() in ("true", "1")
        found = []
        for user_id in ids:
            item: Json = {
                "guild_scheduled_event_id": event["id"],
                "user": copied(self.state.users[user_id]),
            }
            if with_member and user_id in record.members:
                item["member"] = copied(record.members[user_id])
            found.append(item)
        return json_response(found)

    async def edit_event(self, request: web.Request) -> web.Response:
        record, event = self._event(request)
        self._may_change_event(record, event)
        data = body(request)
        self._check_times(data, event)
        event.update({k: data[k] for k in _EVENT_FIELDS if k in data})
        await self.ctx.emit("GUILD_SCHEDULED_EVENT_UPDATE", event)
        return json_response(event)

    async def delete_event(self, request: web.Request) -> web.Response:
        record, event = self._event(request)
        self._may_change_event(record, event)
        del record.scheduled_events[int(event["id"])]
        await self.ctx.emit("GUILD_SCHEDULED_EVENT_DELETE", copied(event))
        return no_content()
