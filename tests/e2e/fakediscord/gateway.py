"""The fake gateway: the websocket discord.py keeps open for events.

It speaks plain JSON text frames (discord.py asks for zlib-stream compression but accepts
uncompressed text), answers HELLO/IDENTIFY/HEARTBEAT/RESUME/REQUEST_GUILD_MEMBERS, and
dispatches events only to sessions whose intents cover them, as Discord does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from typing import Any

from aiohttp import WSMsgType, web

from .payloads import APPLICATION_FLAGS, Json
from .state import FakeState

# Opcodes.
DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE_UPDATE = 0, 1, 2, 3
RESUME, RECONNECT, REQUEST_GUILD_MEMBERS, INVALID_SESSION = 6, 7, 8, 9
HELLO, HEARTBEAT_ACK = 10, 11
CHUNK_SIZE = 1000

# Intent bits.
GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_MESSAGES = 1 << 9
DIRECT_MESSAGES = 1 << 12
MESSAGE_CONTENT = 1 << 15
GUILD_SCHEDULED_EVENTS = 1 << 16

_EVENT_INTENTS = {
    "GUILD_CREATE": GUILDS,
    "GUILD_UPDATE": GUILDS,
    "GUILD_ROLE_CREATE": GUILDS,
    "GUILD_ROLE_UPDATE": GUILDS,
    "GUILD_ROLE_DELETE": GUILDS,
    "CHANNEL_CREATE": GUILDS,
    "CHANNEL_UPDATE": GUILDS,
    "CHANNEL_DELETE": GUILDS,
    "THREAD_CREATE": GUILDS,
    "THREAD_UPDATE": GUILDS,
    "THREAD_DELETE": GUILDS,
    "THREAD_MEMBERS_UPDATE": GUILDS,
    "GUILD_MEMBER_ADD": GUILD_MEMBERS,
    "GUILD_MEMBER_UPDATE": GUILD_MEMBERS,
    "GUILD_MEMBER_REMOVE": GUILD_MEMBERS,
    "GUILD_SCHEDULED_EVENT_CREATE": GUILD_SCHEDULED_EVENTS,
    "GUILD_SCHEDULED_EVENT_UPDATE": GUILD_SCHEDULED_EVENTS,
    "GUILD_SCHEDULED_EVENT_DELETE": GUILD_SCHEDULED_EVENTS,
    "GUILD_SCHEDULED_EVENT_USER_ADD": GUILD_SCHEDULED_EVENTS,
    "GUILD_SCHEDULED_EVENT_USER_REMOVE": GUILD_SCHEDULED_EVENTS,
}


def required_intent(event: str, data: Json) -> int:
    """The intent a session needs to receive ``event`` (0: always sent)."""
    if event.startswith("MESSAGE_"):
        return GUILD_MESSAGES if "guild_id" in data else DIRECT_MESSAGES
    return _EVENT_INTENTS.get(event, 0)


class GatewaySession:
    """One websocket connection from a client."""

    def __init__(self, gateway: Gateway, ws: web.WebSocketResponse) -> None:
        self.gateway = gateway
        self.ws = ws
        self.session_id = uuid.uuid4().hex
        self.sequence = 0
        self.intents = 0
        self.identified = False
        self._send_lock = asyncio.Lock()

    async def send(self, payload: Json) -> None:
        async with self._send_lock:
            if not self.ws.closed:
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await self.ws.send_str(json.dumps(payload))

    async def dispatch(self, event: str, data: Json) -> None:
        self.sequence += 1
        await self.send({"op": DISPATCH, "t": event, "s": self.sequence, "d": data})

    async def serve(self) -> None:
        interval = self.gateway.heartbeat_interval_ms
        await self.send({"op": HELLO, "d": {"heartbeat_interval": interval}})
        async for message in self.ws:
            if message.type is not WSMsgType.TEXT:
                break
            await self._receive(json.loads(message.data))

    async def _receive(self, payload: Json) -> None:
        op, d = payload.get("op"), payload.get("d")
        data: Json = d if isinstance(d, dict) else {}
        if op == HEARTBEAT:
            await self.send({"op": HEARTBEAT_ACK})
        elif op == IDENTIFY:
            await self._identify(data)
        elif op == RESUME:
            await self._resume(data)
        elif op == REQUEST_GUILD_MEMBERS:
            await self._send_member_chunk(data)
        elif op == PRESENCE_UPDATE:
            self.gateway.presence_updates.append(data)

    async def _identify(self, data: Json) -> None:
        self.gateway.identifies.append(data)
        if data.get("token") != self.gateway.token:
            await self.ws.close(code=4004, message=b"Authentication failed.")
            return
        self.intents = int(data.get("intents", 0))
        if self.intents & GUILD_MEMBERS and not self.gateway.members_intent_enabled:
            await self.ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        state = self.gateway.state
        self.gateway.sessions_by_id[self.session_id] = self
        await self.dispatch(
            "READY",
            {
                "v": 10,
                "user": dict(state.bot),
                "guilds": [{"id": str(g), "unavailable": True} for g in state.guilds],
                "session_id": self.session_id,
                "resume_gateway_url": self.gateway.url,
                "application": {"id": state.bot["id"], "flags": APPLICATION_FLAGS},
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "guild_join_requests": [],
                "geo_ordered_rtc_regions": [],
                "shard": [0, 1],
            },
        )
        self.identified = True
        if not self.gateway.hold_guilds:
            await self.send_guilds()
        self.gateway.notify_connected()

    async def send_guilds(self) -> None:
        """GUILD_CREATE for every guild: at once after READY, or later when held (Discord
        sends them after READY, and for a big bot well after discord.py stopped waiting)."""
        state = self.gateway.state
        for guild_id in state.guilds:
            payload = state.guild_create(
                guild_id, all_members=self.gateway.all_members_in_guild_create
            )
            await self.dispatch("GUILD_CREATE", payload)

    async def _resume(self, data: Json) -> None:
        previous = self.gateway.sessions_by_id.get(str(data.get("session_id")))
        if previous is None or data.get("token") != self.gateway.token:
            await self.send({"op": INVALID_SESSION, "d": False})
            return
        self.session_id = previous.session_id
        self.sequence = max(previous.sequence, int(data.get("seq") or 0))
        self.intents = previous.intents
        self.gateway.sessions_by_id[self.session_id] = self
        self.gateway.resumes.append(data)
        await self.dispatch("RESUMED", {})
        self.identified = True
        self.gateway.notify_connected()

    async def _send_member_chunk(self, data: Json) -> None:
        self.gateway.member_requests.append(data)
        guild_id = int(data["guild_id"])
        record = self.gateway.state.guild(guild_id)
        members = list(record.members.values())
        if data.get("user_ids"):
            wanted = {str(u) for u in data["user_ids"]}
            members = [m for m in members if m["user"]["id"] in wanted]
        query = str(data.get("query") or "").lower()
        if query:
            members = [m for m in members if m["user"]["username"].lower().startswith(query)]
        limit = int(data.get("limit") or 0)
        if limit:
            members = members[:limit]
        # Like Discord: at most 1,000 members per chunk, each chunk numbered.
        chunks = [members[i : i + CHUNK_SIZE] for i in range(0, len(members), CHUNK_SIZE)] or [[]]
        for index, part in enumerate(chunks):
            chunk: Json = {
                "guild_id": str(guild_id),
                "members": part,
                "chunk_index": index,
                "chunk_count": len(chunks),
                "not_found": [],
            }
            if data.get("nonce") is not None:
                chunk["nonce"] = data["nonce"]
            await self.dispatch("GUILD_MEMBERS_CHUNK", chunk)


class Gateway:
    """All gateway sessions, and the way the rest of the fake sends events to the bot."""

    def __init__(
        self,
        state: FakeState,
        *,
        token: str,
        heartbeat_interval_ms: int = 45_000,
        all_members_in_guild_create: bool = False,
        timeout: float = 5.0,
    ) -> None:
        self.state = state
        self.timeout = timeout
        self.token = token
        self.url = ""
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.all_members_in_guild_create = all_members_in_guild_create
        #: When set, GUILD_CREATE waits for :meth:`release_guilds`.
        self.hold_guilds = False
        #: The developer portal's Server Members Intent switch (a privileged intent).
        self.members_intent_enabled = True
        self.sessions: list[GatewaySession] = []
        self.sessions_by_id: dict[str, GatewaySession] = {}
        self.identifies: list[Json] = []
        self.resumes: list[Json] = []
        self.member_requests: list[Json] = []
        self.presence_updates: list[Any] = []
        self._connected = asyncio.Event()

    @property
    def live_sessions(self) -> list[GatewaySession]:
        return [s for s in self.sessions if s.identified and not s.ws.closed]

    def notify_connected(self) -> None:
        self._connected.set()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        session = GatewaySession(self, ws)
        self.sessions.append(session)
        try:
            await session.serve()
        finally:
            self.sessions.remove(session)
            if not self.live_sessions:
                self._connected.clear()
        return ws

    async def wait_connected(self) -> None:
        """Until a client has identified (or resumed) and received its guilds."""
        timeout = self.timeout
        try:
            await asyncio.wait_for(self._connected.wait(), timeout)
        except TimeoutError:
            raise TimeoutError(f"no client identified on the gateway within {timeout}s") from None

    async def dispatch(self, event: str, data: Json) -> int:
        """Send an event to every identified session whose intents cover it. Returns how many
        sessions got it."""
        needed = required_intent(event, data)
        sent = 0
        for session in self.live_sessions:
            if needed == 0 or session.intents & needed:
                await session.dispatch(event, data)
                sent += 1
        return sent

    async def release_guilds(self) -> None:
        """Send the held GUILD_CREATE events to every identified session."""
        self.hold_guilds = False
        for session in self.live_sessions:
            await session.send_guilds()

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT, as Discord does before moving a session; clients resume."""
        for session in self.live_sessions:
            await session.send({"op": RECONNECT, "d": None})

    async def close(self) -> None:
        for session in list(self.sessions):
            await session.ws.close(code=1001, message=b"fake discord stopping")
