"""What a test holds after sending an interaction: a handle to await the bot's answers."""

from __future__ import annotations

from enum import IntEnum
from typing import Any, NamedTuple

from .payloads import Json
from .recorder import RecordedRequest, RequestLog
from .state import FakeState, InteractionRecord


class OptionType(IntEnum):
    """Application command option types."""

    SUB_COMMAND = 1
    SUB_COMMAND_GROUP = 2
    STRING = 3
    INTEGER = 4
    BOOLEAN = 5
    USER = 6
    CHANNEL = 7
    ROLE = 8
    MENTIONABLE = 9
    NUMBER = 10
    ATTACHMENT = 11


class Typed(NamedTuple):
    """An option value with an explicit type, e.g. ``Typed(OptionType.USER, "alice")``, for
    commands the bot has not registered with the fake."""

    type: int
    value: Any


class Attached(NamedTuple):
    """A file the person attaches to an ATTACHMENT option, e.g. ``{"file": Attached(
    "form.pdf", data, "application/pdf")}``. As Discord's client does, the fake uploads it
    first: the option holds the attachment's id, ``resolved.attachments`` its details, and
    its ``url`` serves the bytes (on the fake's own address, where Discord uses its CDN)."""

    filename: str
    data: bytes
    content_type: str | None = None


class InteractionHandle:
    """One interaction sent to the bot; await what the bot does about it."""

    def __init__(self, record: InteractionRecord, log: RequestLog, state: FakeState) -> None:
        self.record = record
        self._log = log
        self._state = state

    @property
    def id(self) -> int:
        return self.record.id

    @property
    def token(self) -> str:
        return self.record.token

    def age(self, seconds: float) -> None:
        """Make the interaction ``seconds`` older, as if the bot had been that slow: past 3 s
        its callback is refused (10062), past 15 minutes its token (50027)."""
        self.record.created_at -= seconds

    @property
    def payload(self) -> Json:
        """The INTERACTION_CREATE data that was sent."""
        return self.record.payload

    @property
    def original_message(self) -> Json | None:
        """The response message as it is now (after edits), if the bot created one."""
        message_id = self.record.original_message_id
        return None if message_id is None else self._state.messages.get(message_id)

    async def callback_request(self) -> RecordedRequest:
        path = f"/interactions/{self.id}/{self.token}/callback"
        return await self._log.wait_for("POST", path)

    async def callback(self) -> Json:
        """The body of the bot's callback: ``{"type": 4, "data": {...}}`` and so on."""
        body: Json = (await self.callback_request()).json
        return body

    async def webhook_request(self, method: str, suffix: str = "") -> RecordedRequest:
        """The next request to this interaction's webhook, e.g. ``("PATCH",
        "/messages/@original")``."""
        path = f"/webhooks/{self._state.bot_id}/{self.token}{suffix}"
        return await self._log.wait_for(method, path)

    async def followup(self) -> Json:
        """The body of the bot's next follow-up message."""
        body: Json = (await self.webhook_request("POST", "")).json
        return body

    async def edit_original(self) -> Json:
        """The body of the bot's next edit of its original response."""
        body: Json = (await self.webhook_request("PATCH", "/messages/@original")).json
        return body
