"""What the bot asked the fake: every request recorded, awaitable, and failable on demand."""

from __future__ import annotations

import asyncio
import re
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from .payloads import Json

PathPattern = str | re.Pattern[str]
AUDIT_REASON_HEADER = "x-audit-log-reason"
#: Discord refuses a reason longer than this many UTF-16 code units.
AUDIT_REASON_MAX = 512


def compile_path(pattern: PathPattern) -> re.Pattern[str]:
    """``/channels/{channel_id}/messages`` matches any one segment where a ``{name}`` stands.
    A compiled regular expression is used as is (full match)."""
    if isinstance(pattern, re.Pattern):
        return pattern
    parts = re.split(r"(\{[^/{}]*\})", pattern)
    regex = "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts)
    return re.compile(regex)


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request (``files[n]``)."""

    field: str
    filename: str
    content_type: str | None
    data: bytes


@dataclass
class RecordedRequest:
    """One request. ``path`` has the ``/api/v10`` prefix removed; ``json`` is the JSON body, or
    the parsed ``payload_json`` part of a multipart upload. ``status`` and ``response`` are what
    the fake answered."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    json: Any = None
    files: tuple[UploadedFile, ...] = ()
    status: int = 0
    response: Any = None
    #: perf_counter() when the request arrived (for benchmarks).
    received_at: float = field(default_factory=time.perf_counter)

    @property
    def audit_reason(self) -> str | None:
        """The ``X-Audit-Log-Reason`` header, decoded: discord.py URL-encodes it (keeping
        spaces and slashes), and Discord shows it in the server's audit log. None if absent."""
        for name, value in self.headers.items():
            if name.lower() == AUDIT_REASON_HEADER:
                return unquote(value)
        return None

    def matches(self, method: str, pattern: PathPattern) -> bool:
        return (
            self.method == method.upper() and compile_path(pattern).fullmatch(self.path) is not None
        )


@dataclass
class _Waiter:
    method: str
    pattern: PathPattern
    future: asyncio.Future[RecordedRequest]


class RequestLog:
    """All requests in arrival order. ``wait_for`` hands each recorded request out once, so a
    test can await "the next message the bot posts" without racing the bot."""

    def __init__(self, timeout: float = 5.0) -> None:
        self.timeout = timeout
        self.requests: list[RecordedRequest] = []
        self._claimed: set[int] = set()
        self._waiters: list[_Waiter] = []

    def add(self, request: RecordedRequest) -> None:
        self.requests.append(request)
        for waiter in list(self._waiters):
            if waiter.future.done():
                self._waiters.remove(waiter)
            elif request.matches(waiter.method, waiter.pattern):
                self._waiters.remove(waiter)
                self._claimed.add(id(request))
                waiter.future.set_result(request)
                return

    def matching(self, method: str, pattern: PathPattern) -> list[RecordedRequest]:
        return [r for r in self.requests if r.matches(method, pattern)]

    async def wait_for(self, method: str, pattern: PathPattern) -> RecordedRequest:
        """The oldest matching request not yet handed out, waiting up to ``self.timeout``
        seconds (wrap the call in ``asyncio.timeout`` for a shorter bound)."""
        timeout = self.timeout
        for request in self.requests:
            if id(request) not in self._claimed and request.matches(method, pattern):
                self._claimed.add(id(request))
                return request
        future: asyncio.Future[RecordedRequest] = asyncio.get_running_loop().create_future()
        self._waiters.append(_Waiter(method, pattern, future))
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            seen = "\n  ".join(f"{r.method} {r.path} -> {r.status}" for r in self.requests)
            raise TimeoutError(
                f"no {method} {pattern} within {timeout}s; requests so far:\n  {seen or '(none)'}"
            ) from None


@dataclass
class FailureRule:
    """Answer the next ``times`` matching requests with an error instead of handling them."""

    method: str
    pattern: PathPattern
    status: int
    body: Json
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1
    #: The request is carried out first and only its answer is replaced by the error: what a
    #: client sees when Discord did the work but the response was lost on the way back.
    after_handling: bool = False


def failure_rule(
    method: str,
    pattern: PathPattern,
    *,
    status: int,
    times: int = 1,
    retry_after: float = 0.05,
    is_global: bool = False,
    code: int | None = None,
    message: str | None = None,
    after_handling: bool = False,
) -> FailureRule:
    """Build a rule whose body and headers look like Discord's for that status.

    A 429 carries the rate limit headers and, importantly, ``Via``: discord.py treats a 429
    without ``Via`` as a Cloudflare ban and raises instead of retrying.
    """
    headers: dict[str, str] = {}
    if status == 429:
        body: Json = {
            "message": message or "You are being rate limited.",
            "retry_after": retry_after,
            "global": is_global,
        }
        if code is not None:
            body["code"] = code
        headers = {
            "Retry-After": str(max(1, round(retry_after))),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset-After": str(retry_after),
            "X-RateLimit-Scope": "shared" if not is_global else "global",
            "Via": "1.1 google",
        }
        if is_global:
            headers["X-RateLimit-Global"] = "true"
    else:
        defaults = {
            400: (50035, "Invalid Form Body"),
            401: (0, "401: Unauthorized"),
            403: (50013, "Missing Permissions"),
            404: (0, "404: Not Found"),
        }
        default_code, default_message = defaults.get(status, (0, f"{status}: Server Error"))
        body = {
            "code": default_code if code is None else code,
            "message": message or default_message,
        }
    return FailureRule(method.upper(), pattern, status, body, headers, times, after_handling)


class Failures:
    """The pending failure rules, consumed in the order they were added."""

    def __init__(self) -> None:
        self.rules: list[FailureRule] = []

    def add(self, rule: FailureRule) -> None:
        self.rules.append(rule)

    def take(self, method: str, path: str) -> FailureRule | None:
        for rule in self.rules:
            if rule.method == method and compile_path(rule.pattern).fullmatch(path):
                rule.times -= 1
                if rule.times <= 0:
                    self.rules.remove(rule)
                return rule
        return None


class SlowAnswer:
    """A request Discord carries out at once but answers only when released: a slow answer,
    or one that is still on its way when the client stops. ``wait_arrived`` returns once the
    request was handled (the message exists); the client waits until :meth:`release`."""

    def __init__(self, method: str, pattern: PathPattern, timeout: float) -> None:
        self.method = method.upper()
        self.pattern = pattern
        self.timeout = timeout
        self.request: RecordedRequest | None = None
        self._arrived = asyncio.Event()
        self._released = asyncio.Event()

    def matches(self, method: str, path: str) -> bool:
        return (
            self.request is None
            and method == self.method
            and bool(compile_path(self.pattern).fullmatch(path))
        )

    async def hold(self, request: RecordedRequest) -> None:
        self.request = request
        self._arrived.set()
        await self._released.wait()

    async def wait_arrived(self) -> RecordedRequest:
        try:
            await asyncio.wait_for(self._arrived.wait(), self.timeout)
        except TimeoutError:
            raise TimeoutError(f"no {self.method} {self.pattern} within {self.timeout}s") from None
        assert self.request is not None
        return self.request

    def release(self) -> None:
        self._released.set()


class RateLimit:
    """Discord's global limit: at most ``per_second`` requests in any sliding one-second
    window. Requests over it are answered 429 (global) and counted in :attr:`rejected`."""

    def __init__(self, per_second: int) -> None:
        if per_second < 1:
            raise ValueError("per_second must be at least 1")
        self.per_second = per_second
        self.rejected = 0
        self._accepted: deque[float] = deque()

    def wait(self, now: float) -> float:
        """0.0 if a request arriving at ``now`` may go (it is then counted), else the seconds
        until it may."""
        while self._accepted and now - self._accepted[0] >= 1.0:
            self._accepted.popleft()
        if len(self._accepted) < self.per_second:
            self._accepted.append(now)
            return 0.0
        self.rejected += 1
        return self._accepted[0] + 1.0 - now
