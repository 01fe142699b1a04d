"""What every REST handler shares: the context, JSON answers, and path parameters."""

from __future__ import annotations

import copy
import json
from typing import Any

from aiohttp import web

from ..gateway import Gateway
from ..payloads import Json
from ..recorder import RecordedRequest
from ..state import DiscordError, FakeState

API_PREFIX = "/api/v10"
RECORDED = web.RequestKey("recorded", RecordedRequest)


class Context:
    """The state the handlers read and change, and the gateway they announce changes on."""

    def __init__(self, state: FakeState, gateway: Gateway) -> None:
        self.state = state
        self.gateway = gateway

    async def emit(self, event: str, data: Json) -> None:
        """Send a gateway event about a change, as Discord does after a successful call."""
        await self.gateway.dispatch(event, copy.deepcopy(data))

    async def add_mentioned(self, message: Json) -> None:
        """A new message in a thread adds whoever it mentions live, and says so on the
        gateway, as Discord does (see ``FakeState.add_mentioned_to_thread``)."""
        added = self.state.add_mentioned_to_thread(message)
        if not added:
            return
        thread = self.state.channel(int(message["channel_id"]))
        await self.emit(
            "THREAD_MEMBERS_UPDATE",
            {
                "id": thread["id"],
                "guild_id": thread["guild_id"],
                "member_count": thread["member_count"],
                "added_members": added,
            },
        )


def json_response(data: Any, status: int = 200) -> web.Response:
    """A JSON answer whose Content-Type is exactly ``application/json``: discord.py compares
    the header verbatim and treats ``application/json; charset=utf-8`` as text."""
    return web.Response(
        body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"}
    )


def no_content() -> web.Response:
    return web.Response(status=204)


def error_response(error: DiscordError) -> web.Response:
    return json_response({"code": error.code, "message": error.message}, status=error.status)


def recorded(request: web.Request) -> RecordedRequest:
    return request[RECORDED]


def body(request: web.Request) -> Json:
    """The request's JSON object (or multipart ``payload_json``); ``{}`` when there is none."""
    data = recorded(request).json
    return data if isinstance(data, dict) else {}


def body_list(request: web.Request) -> list[Json]:
    data = recorded(request).json
    if not isinstance(data, list):
        raise DiscordError(400, 50109, "The request body contains invalid JSON.")
    return data


def uploads(request: web.Request) -> list[tuple[str, int, str | None]]:
    """(filename, size, content type) of each uploaded file."""
    return [(f.filename, len(f.data), f.content_type) for f in recorded(request).files]


def snowflake(request: web.Request, name: str) -> int:
    value = request.match_info[name]
    if not value.isdigit():
        raise DiscordError(400, 50035, f"Invalid Form Body: {name} is not snowflake.")
    return int(value)


def user_param(request: web.Request, name: str, state: FakeState) -> int:
    """A user id path parameter where ``@me`` means the bot."""
    if request.match_info[name] == "@me":
        return state.bot_id
    return snowflake(request, name)


def copied(data: Any) -> Any:
    return copy.deepcopy(data)
