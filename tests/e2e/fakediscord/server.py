"""FakeDiscord: the aiohttp server (REST under /api/v10, websocket gateway at /gateway) and the
API tests use to arrange the world, drive the bot, and inspect what it did."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterable
from types import TracebackType
from typing import Any, Self

from aiohttp import BodyPartReader, web

from . import payloads as p
from .gateway import Gateway
from .interactions import InteractionDriver
from .mentions import message_body, pings_beyond
from .payloads import Json
from .recorder import (
    AUDIT_REASON_MAX,
    FailureRule,
    Failures,
    PathPattern,
    RateLimit,
    RecordedRequest,
    RequestLog,
    SlowAnswer,
    UploadedFile,
    failure_rule,
)
from .rest import API_PREFIX, RECORDED, Context, api_routes, error_response, json_response
from .state import DiscordError, FakeState, GuildRecord

_NO_AUTH_PREFIXES = ("/interactions/", "/webhooks/")


class FakeDiscord(InteractionDriver):
    """A small Discord on 127.0.0.1 that the real discord.py client can log in to.

    Out of the box it has a bot user (whose id is also the application id), one guild with an
    @everyone role, a managed bot role with ``bot_permissions``, text channels and human
    members. Everything else the bot creates through the API is stored and answered
    consistently, and announced on the gateway as Discord would.
    """

    def __init__(
        self,
        *,
        token: str = "fake-bot-token",
        bot_name: str = "peerbot",
        guild_name: str = "Peer Workers",
        channel_names: Iterable[str] = ("general", "meetings", "reflection"),
        member_names: Iterable[str] = ("alice", "bob", "carol"),
        bot_permissions: int = p.ADMINISTRATOR,
        all_members_in_guild_create: bool = False,
        heartbeat_interval_ms: int = 45_000,
        timeout: float = 5.0,
        requests_per_second: int | None = None,
        hold_guilds: bool = False,
        members_intent_enabled: bool = True,
    ) -> None:
        """``timeout`` bounds every wait of the fake (requests, callbacks, connections) so
        a test never hangs; change it later through :attr:`timeout`. ``requests_per_second``
        (default: no limit) enforces a global rate limit on authorized API requests: see
        :attr:`rate_limit`. ``hold_guilds`` sends READY alone, and each guild's GUILD_CREATE
        only at :meth:`release_guilds`, so the bot starts without its guilds in the cache.
        ``members_intent_enabled`` is the developer portal's *Server Members Intent* switch:
        off, Discord closes a gateway that asks for GUILD_MEMBERS with 4014 (Disallowed
        intents) and refuses the REST member list with 50001 (Missing Access)."""
        self.token = token
        self.state = FakeState(bot_name)
        self.gateway = Gateway(
            self.state,
            token=token,
            heartbeat_interval_ms=heartbeat_interval_ms,
            all_members_in_guild_create=all_members_in_guild_create,
            timeout=timeout,
        )
        self.gateway.hold_guilds = hold_guilds
        self.gateway.members_intent_enabled = members_intent_enabled
        self.log = RequestLog(timeout)
        self.failures = Failures()
        #: When set, API requests (not interaction callbacks or webhooks) over the limit are
        #: answered 429 with ``global`` and ``retry_after``, which discord.py waits out.
        self.rate_limit = None if requests_per_second is None else RateLimit(requests_per_second)
        self.unknown_requests: list[RecordedRequest] = []
        self.slow_answers: list[SlowAnswer] = []
        #: Whether the ``fake_discord`` fixture checks, when the test ends, that every message
        #: the bot sent pings nobody but :attr:`may_ping_users` and :attr:`may_ping_roles`
        #: (see :meth:`assert_pings_only`). peerbot's tests turn it on.
        self.check_pings = False
        self.may_ping_users: set[int] = set()
        self.may_ping_roles: set[int] = set()
        self._runner: web.AppRunner | None = None
        self._port = 0
        guild = self.add_guild(
            guild_name,
            channel_names=channel_names,
            member_names=member_names,
            bot_permissions=bot_permissions,
        )
        self.guild_id = guild.id

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/attachments/{attachment_id}/{filename}", self._attached_file)
        app.add_routes(api_routes(Context(self.state, self.gateway)))
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._unknown_route)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = int(self._runner.addresses[0][1])
        self.gateway.url = self.gateway_url

    async def stop(self) -> None:
        """Close gateway sessions and the server. Close discord.py clients first: a client
        that loses its gateway tries to reconnect, and logs an error when it cannot."""
        for slow in self.slow_answers:
            slow.release()
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def timeout(self) -> float:
        """Seconds any wait of the fake gives up after (default 5)."""
        return self.log.timeout

    @timeout.setter
    def timeout(self, seconds: float) -> None:
        self.log.timeout = self.gateway.timeout = seconds

    @property
    def url(self) -> str:
        """The server root, e.g. ``http://127.0.0.1:43117``."""
        return f"http://127.0.0.1:{self._port}"

    @property
    def api_url(self) -> str:
        """What ``discord.http.Route.BASE`` must be set to."""
        return self.url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        """What ``DiscordWebSocket.DEFAULT_GATEWAY`` must point at (as a ``yarl.URL``)."""
        return f"ws://127.0.0.1:{self._port}/gateway"

    # -- the world --------------------------------------------------------------------------

    @property
    def bot_user(self) -> Json:
        return self.state.bot

    @property
    def bot_id(self) -> int:
        return self.state.bot_id

    @property
    def application_id(self) -> int:
        """The same as the bot's user id, as for every bot created since 2020 or so."""
        return self.state.bot_id

    @property
    def guild(self) -> GuildRecord:
        return self.state.guild(self.guild_id)

    def add_guild(
        self,
        name: str,
        *,
        channel_names: Iterable[str] = ("general",),
        member_names: Iterable[str] = (),
        bot_permissions: int = p.ADMINISTRATOR,
    ) -> GuildRecord:
        """A guild the bot is in (add guilds before the client connects)."""
        state = self.state
        record = state.add_guild(name, owner_id=int(state.owner["id"]))
        # The role Discord gives a bot when it joins: managed, tagged with the bot's id.
        bot_role = state.add_role(
            record.id,
            state.bot["username"],
            permissions=bot_permissions,
            managed=True,
            tags={"bot_id": str(state.bot_id)},
        )
        state.add_member(record.id, state.bot_id, [int(bot_role["id"])])
        for channel_name in channel_names:
            state.add_channel(record.id, channel_name)
        for member_name in member_names:
            self.add_user(member_name, guild_id=record.id)
        return record

    def add_user(
        self, name: str, *, guild_id: int | None = None, role_ids: Iterable[int] = ()
    ) -> Json:
        """A human user, made a member of ``guild_id`` (default: the default guild). Use
        :meth:`member_joins` instead once the client is connected."""
        user = self.state.add_user(name)
        self.state.add_member(guild_id or self.guild_id, int(user["id"]), role_ids)
        return user

    async def member_joins(self, name: str, *, guild_id: int | None = None) -> Json:
        """A new user joins a guild while the bot is running (GUILD_MEMBER_ADD)."""
        guild_id = guild_id or self.guild_id
        user = self.state.add_user(name)
        member = self.state.add_member(guild_id, int(user["id"]))
        await self.dispatch("GUILD_MEMBER_ADD", {**member, "guild_id": str(guild_id)})
        return user

    async def press_interested(
        self,
        name: str,
        event_id: int | str,
        *,
        interested: bool = True,
        guild_id: int | None = None,
    ) -> int:
        """A member presses (or un-presses) Interested on a scheduled event: Discord keeps the
        subscription (listed by GET .../users) and sends GUILD_SCHEDULED_EVENT_USER_ADD (or
        _REMOVE) to sessions with the GUILD_SCHEDULED_EVENTS intent. Returns how many got it;
        with no bot connected (downtime) nobody does, and only the REST list shows it."""
        record = self.state.guild(guild_id or self.guild_id)
        if int(event_id) not in record.scheduled_events:
            raise KeyError(f"no scheduled event {event_id}")
        user_id = self.user_id(name)
        users = record.event_users.setdefault(int(event_id), set())
        if interested:
            users.add(user_id)
        else:
            users.discard(user_id)
        event = "GUILD_SCHEDULED_EVENT_USER_" + ("ADD" if interested else "REMOVE")
        data = {
            "guild_scheduled_event_id": str(event_id),
            "user_id": str(user_id),
            "guild_id": str(record.id),
        }
        return await self.dispatch(event, data)

    def add_role(self, name: str, *, guild_id: int | None = None, **fields: Any) -> Json:
        return self.state.add_role(guild_id or self.guild_id, name, **fields)

    def add_channel(self, name: str, *, guild_id: int | None = None, **fields: Any) -> Json:
        """A guild channel; ``fields`` as for :func:`payloads.guild_channel` (``kind``,
        ``parent_id``, ``permission_overwrites``, ``topic``)."""
        return self.state.add_channel(guild_id or self.guild_id, name, **fields)

    def close_dms(self, name: str) -> None:
        """The user turns off direct messages from server members: the bot can still open
        the DM channel, but each message in it is refused (403, code 50007)."""
        self.state.dms_closed.add(self.user_id(name))

    def user(self, name: str) -> Json:
        return self.state.user_named(name)

    def user_id(self, name: str) -> int:
        return int(self.state.user_named(name)["id"])

    def channel(self, name: str, *, guild_id: int | None = None) -> Json:
        return self.state.channel_named(name, guild_id or self.guild_id)

    def channel_id(self, name: str, *, guild_id: int | None = None) -> int:
        return int(self.channel(name, guild_id=guild_id)["id"])

    def member_posts(self, name: str, channel: str | int, content: str) -> Json:
        """A member posts a message in a channel. Nothing is sent on the gateway: peerbot
        asks for no message intents, and Discord sends a bot message events only for those."""
        channel_id = channel if isinstance(channel, int) else self.channel_id(channel)
        return self.state.create_message(channel_id, self.user(name), {"content": content})

    def messages_in(self, channel_id: int) -> list[Json]:
        """The messages in a channel now, oldest first."""
        return [m for m in self.state.messages.values() if m["channel_id"] == str(channel_id)]

    # -- the gateway ------------------------------------------------------------------------

    @property
    def identify(self) -> Json | None:
        """The last IDENTIFY payload a client sent (token, intents, properties...)."""
        return self.gateway.identifies[-1] if self.gateway.identifies else None

    @property
    def intents(self) -> int | None:
        """The intents value the client identified with."""
        identify = self.identify
        return None if identify is None else int(identify.get("intents", 0))

    async def dispatch(self, event: str, data: Json) -> int:
        """Send any gateway event to the connected client(s)."""
        return await self.gateway.dispatch(event, data)

    async def wait_connected(self) -> None:
        """Until a client has identified (or resumed) on the gateway."""
        await self.gateway.wait_connected()

    async def release_guilds(self) -> None:
        """Send the GUILD_CREATE events held back by ``hold_guilds``."""
        await self.gateway.release_guilds()

    async def request_reconnect(self) -> None:
        """Ask clients to reconnect (op 7); discord.py then RESUMEs its session."""
        await self.gateway.request_reconnect()

    # -- requests ---------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.log.requests

    def requests_matching(self, method: str, pattern: PathPattern) -> list[RecordedRequest]:
        """All recorded requests like ``("POST", "/channels/{id}/messages")``."""
        return self.log.matching(method, pattern)

    async def wait_for_request(self, method: str, pattern: PathPattern) -> RecordedRequest:
        """The oldest matching request not returned by an earlier wait, waiting up to
        :attr:`timeout` if needed. ``pattern`` is a path without ``/api/v10``; ``{name}``
        matches one segment, a compiled regex must match the whole path."""
        return await self.log.wait_for(method, pattern)

    def fail_next(
        self,
        method: str,
        pattern: PathPattern,
        *,
        status: int = 429,
        times: int = 1,
        retry_after: float = 0.05,
        is_global: bool = False,
        code: int | None = None,
        message: str | None = None,
        after_handling: bool = False,
    ) -> None:
        """Answer the next ``times`` matching requests with ``status`` and Discord's error
        body: 429 (retried by discord.py after ``retry_after``), 403 (code 50013, Missing
        Permissions), 404, 5xx... Note discord.py retries 500/502/504 after 1 s, 3 s...
        (slow), but raises DiscordServerError on 503 at once; its webhook and interaction
        calls retry every 5xx, up to five tries. ``after_handling`` carries the request out
        and only then answers with the error: the work was done but the answer was lost."""
        self.failures.add(
            failure_rule(
                method,
                pattern,
                status=status,
                times=times,
                retry_after=retry_after,
                is_global=is_global,
                code=code,
                message=message,
                after_handling=after_handling,
            )
        )

    def answer_slowly(self, method: str, pattern: PathPattern) -> SlowAnswer:
        """Carry out the next matching request at once but hold its answer until the
        returned :class:`SlowAnswer` is released (or the fake stops): Discord answering
        slowly, with the work already done."""
        slow = SlowAnswer(method, pattern, self.timeout)
        self.slow_answers.append(slow)
        return slow

    def message_requests(self) -> list[tuple[RecordedRequest, Json]]:
        """Every request that created or edited a message (channel posts, DMs, edits,
        interaction responses and follow-ups), with the message JSON it carried."""
        found = []
        for request in self.log.requests:
            carried = message_body(request.method, request.path, request.json)
            if carried is not None:
                found.append((request, dict(carried)))
        return found

    def assert_pings_only(self, users: Iterable[int] = (), roles: Iterable[int] = ()) -> None:
        """Every message request set ``allowed_mentions`` to ping nobody beyond ``users``
        and ``roles``: no parsing of the text, no @everyone, no replied-to author."""
        users, roles = set(users), set(roles)
        problems = [
            f"{request.method} {request.path}: {why}"
            for request, carried in self.message_requests()
            if (why := pings_beyond(carried, users, roles)) is not None
        ]
        if problems:
            raise AssertionError("messages that could ping people:\n  " + "\n  ".join(problems))

    def assert_no_unknown_requests(self) -> None:
        if self.unknown_requests:
            lines = "\n  ".join(f"{r.method} {r.path}" for r in self.unknown_requests)
            raise AssertionError(f"the bot called routes the fake does not know:\n  {lines}")

    # -- plumbing ---------------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """Record every API request, apply injected failures and the token check, and turn
        DiscordError into Discord's JSON error answers. The response is written before the
        request is logged, so a test woken by the log never runs ahead of the answer."""
        if not request.path.startswith(API_PREFIX + "/"):
            response: web.StreamResponse = await handler(request)
            return response
        record = await _read_request(request)
        request[RECORDED] = record
        wait = 0.0
        if self.rate_limit is not None and not record.path.startswith(_NO_AUTH_PREFIXES):
            wait = self.rate_limit.wait(time.monotonic())
        if wait > 0:
            rule: FailureRule | None = failure_rule(
                record.method, record.path, status=429, retry_after=wait, is_global=True
            )
        else:
            rule = self.failures.take(record.method, record.path)
        try:
            if rule is not None and rule.after_handling:
                with contextlib.suppress(DiscordError):
                    await handler(request)
                response = json_response(rule.body, status=rule.status)
                response.headers.update(rule.headers)
            elif rule is not None:
                response = json_response(rule.body, status=rule.status)
                response.headers.update(rule.headers)
            elif not self._authorized(request, record.path):
                response = json_response(p.error(0, "401: Unauthorized"), status=401)
            elif (reason := record.audit_reason) is not None and (
                len(reason.encode("utf-16-le")) // 2 > AUDIT_REASON_MAX
            ):
                response = json_response(
                    p.error(50035, "Invalid Form Body: the audit log reason is too long"),
                    status=400,
                )
            else:
                await self.archive_idle_threads()  # what Discord archived meanwhile
                response = await handler(request)
        except DiscordError as error:
            response = error_response(error)
        record.status = response.status
        body = response.body if isinstance(response, web.Response) else None
        if isinstance(body, bytes) and response.content_type == "application/json":
            record.response = json.loads(body)
        slow = next((a for a in self.slow_answers if a.matches(record.method, record.path)), None)
        if slow is not None:
            await slow.hold(record)
        await response.prepare(request)
        await response.write_eof()
        self.log.add(record)
        return response

    def _authorized(self, request: web.Request, path: str) -> bool:
        if path.startswith(_NO_AUTH_PREFIXES):
            return True
        return request.headers.get("Authorization") == f"Bot {self.token}"

    async def _attached_file(self, request: web.Request) -> web.Response:
        """The bytes of a file attached to a command (Discord serves them from its CDN)."""
        data = self.state.attached_files.get(int(request.match_info["attachment_id"]))
        if data is None:
            return web.Response(status=404, text="404: Not Found")
        return web.Response(body=data, content_type="application/octet-stream")

    async def _unknown_route(self, request: web.Request) -> web.Response:
        record = request[RECORDED]
        self.unknown_requests.append(record)
        body = {
            "code": 0,
            "message": "404: Not Found",
            "fake_discord": f"no route for {record.method} {record.path}",
        }
        return json_response(body, status=404)


async def _read_request(request: web.Request) -> RecordedRequest:
    """Parse a request once, for the log and the handlers: JSON, or multipart with
    ``payload_json`` and files."""
    arrived = time.perf_counter()  # before the body is read, so its size does not count
    body: Any = None
    files: list[UploadedFile] = []
    if request.content_type.startswith("multipart/"):
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                continue
            if part.name == "payload_json":
                body = json.loads(await part.text())
            else:
                data = bytes(await part.read())
                ctype = part.headers.get("Content-Type")
                files.append(UploadedFile(part.name or "", part.filename or "", ctype, data))
    elif request.can_read_body:
        text = await request.text()
        if text:
            body = json.loads(text)
    return RecordedRequest(
        method=request.method,
        path=request.path.removeprefix(API_PREFIX),
        query=dict(request.query),
        headers=dict(request.headers),
        json=body,
        files=tuple(files),
        received_at=arrived,
    )
