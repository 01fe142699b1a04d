"""Calendar feeds over HTTP: ``/calendar/{token}.ics`` (a network's meetings) and
``/calendar/me/{token}.ics`` (a person's own).

Calendars poll these for ever, so the answers are cheap to repeat: an ETag (a hash of the
body) and a Last-Modified, and 304 with no body when the calendar already has this version
(If-None-Match wins over If-Modified-Since, as RFC 9110 says). An unknown token gets the same
bare 404 as any missing page, so a guess learns nothing. No sign-in: the token is the key,
which is what lets Google, Outlook and Apple subscribe.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from aiohttp import web

from cogs.feeds.repository import Kind
from cogs.feeds.service import FeedDocument, FeedService
from web.context import WebContext

#: A calendar (or a proxy) may reuse an answer this long without asking again.
MAX_AGE_SECONDS = 300
CACHE_CONTROL = f"private, max-age={MAX_AGE_SECONDS}"
_TOKEN = r"[A-Za-z0-9_-]{16,64}"
SERVICE: web.AppKey[FeedService] = web.AppKey("peerbot-feeds", FeedService)


def add_routes(app: web.Application, context: WebContext) -> None:
    app[SERVICE] = _service(context)
    app.router.add_get("/calendar/me/{token:" + _TOKEN + "}.ics", _person)
    app.router.add_get("/calendar/{token:" + _TOKEN + "}.ics", _network)


def _service(context: WebContext) -> FeedService:
    """The feeds cog's service (one cache for everything), or a service of our own when the
    cog is not loaded."""
    cog = context.kernel.cogs.get("feeds")
    found = getattr(cog, "service", None)
    if isinstance(found, FeedService):
        return found
    kernel = context.kernel
    return FeedService(kernel.db, kernel.clock, kernel.audit)


async def _network(request: web.Request) -> web.StreamResponse:
    return await _answer(request, "network", "meetings.ics")


async def _person(request: web.Request) -> web.StreamResponse:
    return await _answer(request, "person", "my-meetings.ics")


async def _answer(request: web.Request, kind: Kind, filename: str) -> web.StreamResponse:
    service = request.app[SERVICE]
    document = await service.document(kind, request.match_info["token"])
    if document is None:
        raise web.HTTPNotFound()
    headers = {
        "ETag": document.etag,
        "Last-Modified": format_datetime(document.last_modified, usegmt=True),
        "Cache-Control": CACHE_CONTROL,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
    if not_modified(request, document):
        service.stats.not_modified += 1
        return web.Response(status=304, headers=headers)
    headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return web.Response(
        body=document.body, content_type="text/calendar", charset="utf-8", headers=headers
    )


def not_modified(request: web.Request, document: FeedDocument) -> bool:
    """Whether the caller already holds this version of the document."""
    match = request.headers.get("If-None-Match")
    if match is not None:
        return etag_matches(match, document.etag)
    since = _http_date(request.headers.get("If-Modified-Since"))
    return since is not None and document.last_modified <= since


def etag_matches(header: str, etag: str) -> bool:
    """Weak comparison (a ``W/`` prefix is ignored); ``*`` matches anything."""
    if header.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(part.strip().removeprefix("W/") == wanted for part in header.split(","))


def _http_date(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)
