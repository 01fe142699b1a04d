"""The homeserver's error responses become the errors the outbox and the person understand."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import aiohttp
from nio import ErrorResponse, RoomSendError

from bot.errors import UserError
from bot.platforms.matrix.errors import (
    MatrixMissingPermission,
    error_for,
    transport_error_for,
)
from bot.platforms.matrix.port import txn_id_for
from bot.ports import DeliveryError, MissingPermission

WHERE = "in the room !abc:test"


def response(code: str | None, status: int | None = None, retry_ms: int | None = None) -> Any:
    made = ErrorResponse("the server's words", code, retry_ms)
    if status is not None:
        made.transport_response = SimpleNamespace(status=status)
    return made


def test_forbidden_names_the_power_level_to_grant() -> None:
    error = error_for(response("M_FORBIDDEN", 403), permission="send messages", where=WHERE)
    assert isinstance(error, MissingPermission)
    assert isinstance(error, MatrixMissingPermission)
    assert "power level high enough to send messages in the room !abc:test" in str(error)
    assert "Server Settings" not in str(error)  # no Discord words on Matrix


def test_forbidden_for_an_outbox_message_is_final() -> None:
    error = error_for(
        response("M_FORBIDDEN", 403), permission="send messages", where=WHERE, deliver=True
    )
    assert isinstance(error, DeliveryError)
    assert not error.retryable
    assert "M_FORBIDDEN" in str(error)


def test_rate_limit_is_retryable_after_the_servers_delay() -> None:
    error = error_for(
        response("M_LIMIT_EXCEEDED", 429, retry_ms=2500),
        permission="send messages",
        where=WHERE,
        deliver=True,
    )
    assert isinstance(error, DeliveryError)
    assert error.retryable
    assert error.retry_after == 2.5


def test_rate_limit_outside_the_outbox_asks_the_person_to_try_again() -> None:
    error = error_for(response("M_LIMIT_EXCEEDED", 429), permission="lock", where=WHERE)
    assert type(error) is UserError
    assert "try again" in str(error)


def test_server_errors_are_retryable_even_without_an_error_code() -> None:
    error = error_for(response(None, 502), permission="send messages", where=WHERE, deliver=True)
    assert isinstance(error, DeliveryError)
    assert error.retryable
    assert error.retry_after is None


def test_unknown_room_is_clear_and_final() -> None:
    delivered = error_for(
        response("M_NOT_FOUND", 404), permission="send messages", where=WHERE, deliver=True
    )
    assert isinstance(delivered, DeliveryError)
    assert not delivered.retryable
    assert "no longer exists" in str(delivered)
    asked = error_for(response("M_NOT_FOUND", 404), permission="pin", where=WHERE)
    assert type(asked) is UserError
    assert "no longer exists" in str(asked)


def test_other_refusals_are_final_and_keep_the_error_code() -> None:
    error = error_for(
        RoomSendError("too big", "M_TOO_LARGE"), permission="send messages", where=WHERE
    )
    assert isinstance(error, DeliveryError)
    assert not error.retryable
    assert "M_TOO_LARGE" in str(error)


def test_lost_connection_is_retryable() -> None:
    error = transport_error_for(aiohttp.ClientConnectionError(), deliver=True)
    assert isinstance(error, DeliveryError)
    assert error.retryable
    asked = transport_error_for(TimeoutError())
    assert type(asked) is UserError


def test_transaction_ids_follow_the_outbox_key() -> None:
    assert txn_id_for("meeting:1:notice") == txn_id_for("meeting:1:notice")
    assert txn_id_for("meeting:1:notice") != txn_id_for("meeting:2:notice")
    assert len(txn_id_for("x" * 500)) < 64
