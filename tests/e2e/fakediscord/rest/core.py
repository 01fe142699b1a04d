"""Login and application routes: gateway info, users, DMs, the application, its commands."""

from __future__ import annotations

from aiohttp import web

from .. import payloads as p
from ..state import DiscordError
from .common import (
    Context,
    body,
    body_list,
    copied,
    json_response,
    no_content,
    snowflake,
)

STRING, INTEGER, NUMBER = 3, 4, 10
NUMBER_LIMIT = 2**53  # min_value and max_value: -2^53 to 2^53
LENGTH_MAX = 6000  # min_length 0 to 6000, max_length 1 to 6000


def check_option_limits(command: p.Json, where: str = "") -> None:
    """Refuse option limits as Discord does (400, Invalid Form Body): min_value and max_value
    only on INTEGER and NUMBER options and within -2^53..2^53, min_length and max_length only
    on STRING options and within 0..6000 and 1..6000."""
    for index, option in enumerate(command.get("options", [])):
        path = f"{where}options.{index}"
        check_option_limits(option, f"{path}.")
        kind = option.get("type")
        for key in ("min_value", "max_value"):
            if key not in option:
                continue
            value = option[key]
            if kind not in (INTEGER, NUMBER) or isinstance(value, bool):
                raise DiscordError(400, 50035, f"Invalid Form Body: {path}.{key} not allowed")
            if not -NUMBER_LIMIT <= value <= NUMBER_LIMIT:
                raise DiscordError(
                    400, 50035, f"Invalid Form Body: {path}.{key} must be within -2^53..2^53"
                )
        for key, low in (("min_length", 0), ("max_length", 1)):
            if key not in option:
                continue
            if kind != STRING:
                raise DiscordError(400, 50035, f"Invalid Form Body: {path}.{key} not allowed")
            if not low <= option[key] <= LENGTH_MAX:
                raise DiscordError(
                    400, 50035, f"Invalid Form Body: {path}.{key} must be {low} to {LENGTH_MAX}"
                )


class CoreRoutes:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.state = ctx.state

    def routes(self) -> list[web.RouteDef]:
        cmds = "/applications/{app_id}/commands"
        guild_cmds = "/applications/{app_id}/guilds/{guild_id}/commands"
        return [
            web.get("/gateway", self.gateway),
            web.get("/gateway/bot", self.gateway_bot),
            web.get("/users/@me", self.me),
            web.post("/users/@me/channels", self.create_dm),
            web.get("/users/{user_id}", self.get_user),
            web.get("/oauth2/applications/@me", self.application),
            web.get("/applications/@me", self.application),
            web.get(cmds, self.list_commands),
            web.put(cmds, self.overwrite_commands),
            web.post(cmds, self.create_command),
            web.get(cmds + "/{command_id}", self.get_command),
            web.patch(cmds + "/{command_id}", self.edit_command),
            web.delete(cmds + "/{command_id}", self.delete_command),
            web.get(guild_cmds, self.list_commands),
            web.put(guild_cmds, self.overwrite_commands),
            web.post(guild_cmds, self.create_command),
            web.get(guild_cmds + "/{command_id}", self.get_command),
            web.patch(guild_cmds + "/{command_id}", self.edit_command),
            web.delete(guild_cmds + "/{command_id}", self.delete_command),
        ]

    async def gateway(self, request: web.Request) -> web.Response:
        return json_response({"url": self.ctx.gateway.url})

    async def gateway_bot(self, request: web.Request) -> web.Response:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return json_response(
            {"url": self.ctx.gateway.url, "shards": 1, "session_start_limit": limit}
        )

    async def me(self, request: web.Request) -> web.Response:
        return json_response(self.state.bot)

    async def get_user(self, request: web.Request) -> web.Response:
        return json_response(self.state.user(snowflake(request, "user_id")))

    async def create_dm(self, request: web.Request) -> web.Response:
        recipient = body(request).get("recipient_id")
        if recipient is None:
            raise DiscordError(400, 50035, "Invalid Form Body: recipient_id is required.")
        return json_response(copied(self.state.dm_channel_for(int(recipient))))

    async def application(self, request: web.Request) -> web.Response:
        state = self.state
        return json_response(p.application(state.bot_id, state.bot, state.owner))

    # -- commands ---------------------------------------------------------------------------

    def _scope(self, request: web.Request) -> int | None:
        if snowflake(request, "app_id") != self.state.bot_id:
            raise DiscordError(403, 50001, "Missing Access")
        if "guild_id" not in request.match_info:
            return None
        guild_id = snowflake(request, "guild_id")
        self.state.guild(guild_id)
        return guild_id

    def _command(self, request: web.Request) -> tuple[int | None, int]:
        scope = self._scope(request)
        command_id = snowflake(request, "command_id")
        if command_id not in self.state.commands(scope):
            raise DiscordError(404, 10063, "Unknown application command")
        return scope, command_id

    async def list_commands(self, request: web.Request) -> web.Response:
        return json_response(list(self.state.commands(self._scope(request)).values()))

    async def overwrite_commands(self, request: web.Request) -> web.Response:
        scope = self._scope(request)
        bodies = body_list(request)
        for command in bodies:
            check_option_limits(command)
        return json_response(self.state.overwrite_commands(scope, bodies))

    async def create_command(self, request: web.Request) -> web.Response:
        scope = self._scope(request)
        command = body(request)
        check_option_limits(command)
        return json_response(self.state.upsert_command(scope, command), status=201)

    async def get_command(self, request: web.Request) -> web.Response:
        scope, command_id = self._command(request)
        return json_response(self.state.commands(scope)[command_id])

    async def edit_command(self, request: web.Request) -> web.Response:
        scope, command_id = self._command(request)
        command = self.state.commands(scope)[command_id]
        command.update({k: v for k, v in body(request).items() if k not in ("id", "type")})
        return json_response(command)

    async def delete_command(self, request: web.Request) -> web.Response:
        scope, command_id = self._command(request)
        del self.state.commands(scope)[command_id]
        return no_content()
