"""What a refusal or failure from the homeserver means for peerbot, decided in one place.

nio returns error responses instead of raising. ``deliver`` calls (outbox messages) become
``DeliveryError`` so the outbox decides on retries (rate limits, the homeserver's own errors
and lost connections are retryable; a refusal is not). Other calls become errors the person
who asked can read: ``MissingPermission`` naming the power level to grant, or ``UserError``.
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp
from nio import ErrorResponse
from nio.exceptions import LocalTransportError, RemoteTransportError, SendRetryError

from bot.errors import UserError
from bot.mentions import plain
from bot.ports import DeliveryError, MissingPermission

log = logging.getLogger(__name__)

#: Failures of the connection itself, worth trying again later.
TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (
    aiohttp.ClientError,
    asyncio.TimeoutError,
    TimeoutError,
    LocalTransportError,
    RemoteTransportError,
    SendRetryError,
)


class MatrixMissingPermission(MissingPermission):
    """MissingPermission with Matrix words: a power level, granted in the room's settings."""

    def __init__(self, permission: str, where: str) -> None:
        super().__init__(permission, where)
        self.args = (
            f"peerbot needs a power level high enough to {permission} {where}. A room admin "
            "can raise peerbot's power level (the room's settings, then Roles and "
            "Permissions), then try again.",
        )


def http_status(response: ErrorResponse) -> int | None:
    transport = response.transport_response
    status = getattr(transport, "status", None)
    return status if isinstance(status, int) else None


def error_for(
    response: ErrorResponse, *, permission: str, where: str, deliver: bool = False
) -> Exception:
    """The exception to raise for a homeserver's error response.

    ``permission`` says what peerbot was doing in words a room admin understands ("send
    messages", "change power levels") and ``where`` the room, both for the person and the log.
    """
    code = response.status_code or ""
    status = http_status(response)
    log.warning(
        "Matrix refused (%s, HTTP %s) to %s %s",
        code or "no code",
        status,
        permission,
        plain(where),
    )
    if code == "M_LIMIT_EXCEEDED" or status == 429:
        retry_after = response.retry_after_ms / 1000 if response.retry_after_ms else None
        if deliver:
            return DeliveryError(
                "the homeserver is rate limiting peerbot (M_LIMIT_EXCEEDED)",
                retryable=True,
                retry_after=retry_after,
            )
        return UserError(
            "The Matrix homeserver is limiting how fast peerbot may act, so nothing was done. "
            "Please try again in a minute."
        )
    if status is not None and status >= 500:
        if deliver:
            return DeliveryError(f"the homeserver answered HTTP {status}", retryable=True)
        return UserError(
            f"The Matrix homeserver is having trouble right now (HTTP {status}), so nothing "
            "was done. Please try again in a minute."
        )
    if code == "M_FORBIDDEN" or status == 403:
        if deliver:
            return DeliveryError(
                f"the homeserver refused: peerbot may not {permission} {where} (M_FORBIDDEN)",
                retryable=False,
            )
        return MatrixMissingPermission(permission, where)
    if code == "M_NOT_FOUND" or status == 404:
        if deliver:
            return DeliveryError(
                f"the room or event {where} no longer exists, or peerbot is not in it "
                "(M_NOT_FOUND)",
                retryable=False,
            )
        return UserError(
            "That room or message no longer exists on Matrix, or peerbot is no longer in the "
            "room, so nothing was changed."
        )
    return DeliveryError(
        f"the homeserver refused to {permission} {where} ({code or 'no code'}, HTTP {status})",
        retryable=False,
    )


def transport_error_for(error: BaseException, *, deliver: bool = False) -> Exception:
    """A lost or timed-out connection to the homeserver: retryable, it may well come back."""
    log.warning("Matrix homeserver unreachable: %s", type(error).__name__)
    if deliver:
        return DeliveryError(
            f"the homeserver could not be reached ({type(error).__name__})", retryable=True
        )
    return UserError(
        "peerbot could not reach the Matrix homeserver just now, so nothing was done. Please "
        "try again in a minute."
    )
