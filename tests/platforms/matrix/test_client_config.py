"""nio's retries are bounded: a rate limit or a timeout reaches peerbot after one retry, as an
error the outbox retries later (with the homeserver's retry-after), instead of nio sleeping
and retrying inside one call without end. Checked against a tiny homeserver stand-in on
127.0.0.1 that always limits, or never answers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import nio
import pytest
from aiohttp import web

from bot.platforms.matrix.client import MAX_LIMIT_EXCEEDED, MAX_TIMEOUTS, client_config
from bot.platforms.matrix.errors import TRANSPORT_ERRORS, error_for, transport_error_for
from bot.ports import DeliveryError

ROOM = "!room:example.test"


class StandIn:
    """Answers every message send with 429 M_LIMIT_EXCEEDED, or (``hang``) never answers."""

    def __init__(self) -> None:
        self.requests = 0
        self.hang = False
        self.release = asyncio.Event()

    async def send(self, request: web.Request) -> web.Response:
        self.requests += 1
        if self.hang:
            await self.release.wait()
        return web.json_response(
            {"errcode": "M_LIMIT_EXCEEDED", "error": "Too many requests", "retry_after_ms": 1},
            status=429,
        )


@pytest.fixture
async def stand_in() -> AsyncIterator[tuple[StandIn, str]]:
    server = StandIn()
    app = web.Application()
    app.router.add_put("/_matrix/client/r0/rooms/{room}/send/{type}/{txn}", server.send)
    app.router.add_put("/_matrix/client/v3/rooms/{room}/send/{type}/{txn}", server.send)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield server, f"http://127.0.0.1:{port}"
    finally:
        server.release.set()
        await runner.cleanup()


def client_for(base_url: str, request_timeout: float = 5.0) -> nio.AsyncClient:
    config = client_config(encryption=False, request_timeout=request_timeout)
    client = nio.AsyncClient(base_url, "@peerbot:example.test", config=config)
    client.restore_login("@peerbot:example.test", "DEVICE", "token")
    return client


def test_the_bots_client_retries_at_most_once() -> None:
    config = client_config(encryption=False)
    assert config.max_limit_exceeded == MAX_LIMIT_EXCEEDED == 1
    assert config.max_timeouts == MAX_TIMEOUTS == 1
    assert config.request_timeout > 30  # longer than a long-polling sync


async def test_a_rate_limit_becomes_a_retryable_delivery_error_with_retry_after(
    stand_in: tuple[StandIn, str],
) -> None:
    server, base_url = stand_in
    client = client_for(base_url)
    try:
        response = await client.room_send(
            ROOM, "m.room.message", {"msgtype": "m.text", "body": "hello"}
        )
    finally:
        await client.close()
    assert isinstance(response, nio.RoomSendError), response
    assert server.requests == MAX_LIMIT_EXCEEDED + 1
    error = error_for(response, permission="send messages", where=ROOM, deliver=True)
    assert isinstance(error, DeliveryError) and error.retryable, error
    assert error.retry_after == 0.001


async def test_a_timeout_reaches_the_caller_as_a_retryable_error(
    stand_in: tuple[StandIn, str],
) -> None:
    server, base_url = stand_in
    server.hang = True
    client = client_for(base_url, request_timeout=0.05)
    try:
        with pytest.raises(TRANSPORT_ERRORS) as raised:
            await client.room_send(ROOM, "m.room.message", {"msgtype": "m.text", "body": "hi"})
    finally:
        await client.close()
    assert server.requests == MAX_TIMEOUTS + 1
    error = transport_error_for(raised.value, deliver=True)
    assert isinstance(error, DeliveryError) and error.retryable, error
