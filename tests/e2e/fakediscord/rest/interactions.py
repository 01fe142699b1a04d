"""Interaction routes: the callback that answers an interaction, and the follow-up webhook.

Discord's rules the fake enforces, because a bot that breaks them fails in production:
one callback per interaction (400, code 40060, after that), and only within three seconds of
its creation (404, code 10062, Unknown interaction, after that); follow-ups only after the
callback (404 Unknown Webhook before) and only while the token lives, fifteen minutes (401,
code 50027, Invalid Webhook Token, after that); and callback types that fit the interaction.
"""

from __future__ import annotations

import time

from aiohttp import web

from .. import payloads as p
from ..mentions import INTERACTION_DEFAULT, allowed_from
from ..payloads import Json
from ..state import DiscordError, InteractionRecord, ModalRecord
from .common import (
    Context,
    body,
    json_response,
    no_content,
    snowflake,
    uploads,
)

PONG, MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE = 1, 4, 5, 6, 7
AUTOCOMPLETE_RESULT, MODAL = 8, 9
PING, COMMAND, COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5

# Which callback types each interaction type accepts.
_ALLOWED = {
    PING: {PONG},
    COMMAND: {MESSAGE, DEFERRED_MESSAGE, MODAL},
    COMPONENT: {MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE, MODAL},
    AUTOCOMPLETE: {AUTOCOMPLETE_RESULT},
    MODAL_SUBMIT: {MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE},
}


class InteractionRoutes:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.state = ctx.state

    def routes(self) -> list[web.RouteDef]:
        hook = "/webhooks/{app_id}/{token}"
        return [
            web.post("/interactions/{interaction_id}/{token}/callback", self.callback),
            web.post(hook, self.followup),
            web.get(hook + "/messages/{message_id}", self.get_message),
            web.patch(hook + "/messages/{message_id}", self.edit_message),
            web.delete(hook + "/messages/{message_id}", self.delete_message),
        ]

    # -- the callback -----------------------------------------------------------------------

    async def callback(self, request: web.Request) -> web.Response:
        record = self.state.interactions.get(request.match_info["token"])
        if record is None or record.id != snowflake(request, "interaction_id"):
            raise DiscordError(404, 10062, "Unknown interaction")
        if record.response_type is not None:
            raise DiscordError(400, 40060, "Interaction has already been acknowledged.")
        if time.monotonic() - record.created_at > self.state.callback_window:
            raise DiscordError(404, 10062, "Unknown interaction")
        answer = body(request)
        kind = answer.get("type")
        if kind not in _ALLOWED.get(record.kind, set()):
            raise DiscordError(
                400, 50035, f"Invalid Form Body: callback type {kind} for interaction {record.kind}"
            )
        data: Json = answer.get("data") or {}
        info: Json = {"id": str(record.id), "type": record.kind}
        resource: Json | None = None
        if kind in (MESSAGE, DEFERRED_MESSAGE):
            message = await self._respond_with_message(request, record, kind, data)
            flags = message["flags"]
            info["response_message_id"] = message["id"]
            info["response_message_loading"] = kind == DEFERRED_MESSAGE
            info["response_message_ephemeral"] = bool(flags & p.EPHEMERAL)
            resource = {"type": kind, "message": message}
        elif kind in (DEFERRED_UPDATE, UPDATE):
            message = await self._update_source(request, record, kind, data)
            info["response_message_id"] = message["id"]
            info["response_message_loading"] = False
            info["response_message_ephemeral"] = bool(message["flags"] & p.EPHEMERAL)
            if kind == UPDATE:
                resource = {"type": kind, "message": message}
        elif kind == MODAL:
            self._check_modal(data)
            self.state.modals[data["custom_id"]] = ModalRecord(data=data, opened_by=record)
        record.response_type = kind
        if request.query.get("with_response") not in ("1", "true", "True"):
            return no_content()
        result: Json = {"interaction": info}
        if resource is not None:
            result["resource"] = resource
        return json_response(result)

    async def _respond_with_message(
        self, request: web.Request, record: InteractionRecord, kind: int, data: Json
    ) -> Json:
        flags = int(data.get("flags") or 0) & p.EPHEMERAL
        allowed = allowed_from(data, INTERACTION_DEFAULT)
        if kind == DEFERRED_MESSAGE:
            content: Json = {"flags": flags | p.LOADING}
        else:
            content = {**data, "flags": int(data.get("flags") or 0)}
        message = self.state.create_message(
            record.channel_id,
            self.state.bot,
            content,
            message_type=20 if record.kind == COMMAND else 0,
            webhook_id=self.state.bot_id,
            files=uploads(request),
            allowed=allowed,
        )
        message["interaction_metadata"] = {
            "id": str(record.id),
            "type": record.kind,
            "user": self.state.user(record.user_id),
            "authorizing_integration_owners": record.payload["authorizing_integration_owners"],
        }
        record.original_message_id = int(message["id"])
        await self._announce("MESSAGE_CREATE", message)
        await self.ctx.add_mentioned(message)
        return message

    async def _update_source(
        self, request: web.Request, record: InteractionRecord, kind: int, data: Json
    ) -> Json:
        if record.source_message_id is None:
            raise DiscordError(400, 50035, "Invalid Form Body: interaction has no message")
        allowed = allowed_from(data, INTERACTION_DEFAULT)
        record.original_message_id = record.source_message_id
        if kind == DEFERRED_UPDATE:
            return self.state.message(record.source_message_id)
        message = self.state.edit_message(
            record.source_message_id, data, uploads(request), allowed=allowed
        )
        await self._announce("MESSAGE_UPDATE", message)
        return message

    @staticmethod
    def _check_modal(data: Json) -> None:
        if not data.get("custom_id") or not data.get("title") or not data.get("components"):
            raise DiscordError(
                400, 50035, "Invalid Form Body: a modal needs custom_id, title and components"
            )
        if len(data["components"]) > 5:
            raise DiscordError(400, 50035, "Invalid Form Body: a modal has at most 5 components")

    async def _announce(self, event: str, message: Json) -> None:
        """Ephemeral messages are never sent over the gateway."""
        if not message["flags"] & p.EPHEMERAL:
            await self.ctx.emit(event, message)

    # -- follow-ups -------------------------------------------------------------------------

    def _interaction(self, request: web.Request) -> InteractionRecord:
        record = self.state.interactions.get(request.match_info["token"])
        if snowflake(request, "app_id") != self.state.bot_id or record is None:
            raise DiscordError(404, 10015, "Unknown Webhook")
        if time.monotonic() - record.created_at > self.state.token_lifetime:
            raise DiscordError(401, 50027, "Invalid Webhook Token")
        if record.response_type is None:
            raise DiscordError(404, 10015, "Unknown Webhook")
        return record

    def _message_id(self, request: web.Request, record: InteractionRecord) -> int:
        if request.match_info["message_id"] == "@original":
            if record.original_message_id is None:
                raise DiscordError(404, 10008, "Unknown Message")
            return record.original_message_id
        return snowflake(request, "message_id")

    async def followup(self, request: web.Request) -> web.Response:
        record = self._interaction(request)
        data = body(request)
        allowed = allowed_from(data, INTERACTION_DEFAULT)
        original = record.original_message_id
        loading = original is not None and self.state.message(original)["flags"] & p.LOADING
        if loading and original is not None:
            # After a deferred ("thinking") response, the first follow-up replaces the
            # loading message instead of posting a new one.
            message = self.state.edit_message(original, data, uploads(request), allowed=allowed)
            await self._announce("MESSAGE_UPDATE", message)
            await self.ctx.add_mentioned(message)
        else:
            flags = int(data.get("flags") or 0)
            message = self.state.create_message(
                record.channel_id,
                self.state.bot,
                {**data, "flags": flags},
                webhook_id=self.state.bot_id,
                files=uploads(request),
                allowed=allowed,
            )
            await self._announce("MESSAGE_CREATE", message)
            await self.ctx.add_mentioned(message)
        if request.query.get("wait") not in ("1", "true", "True"):
            return no_content()
        return json_response(message)

    async def get_message(self, request: web.Request) -> web.Response:
        record = self._interaction(request)
        return json_response(self.state.message(self._message_id(request, record)))

    async def edit_message(self, request: web.Request) -> web.Response:
        record = self._interaction(request)
        message_id = self._message_id(request, record)
        data = body(request)
        allowed = allowed_from(data, INTERACTION_DEFAULT)
        message = self.state.edit_message(message_id, data, uploads(request), allowed=allowed)
        await self._announce("MESSAGE_UPDATE", message)
        return json_response(message)

    async def delete_message(self, request: web.Request) -> web.Response:
        record = self._interaction(request)
        message = self.state.delete_message(self._message_id(request, record))
        if not message["flags"] & p.EPHEMERAL:
            event: Json = {k: message[k] for k in ("id", "channel_id", "guild_id") if k in message}
            await self.ctx.emit("MESSAGE_DELETE", event)
        return no_content()
