"""peerbot's web server: one aiohttp application on the bot's own event loop, so pages, feeds
and /healthz read the same kernel the chat commands use, with no second process to run.

Off unless ``[web] enabled``; it listens on 127.0.0.1 by default, so nothing is reachable from
outside until an operator puts it behind an HTTPS proxy on purpose. There is no access log:
a calendar feed's address is its secret, and a log of paths would keep every one.
"""

from __future__ import annotations

import errno
from collections.abc import Iterable
from pathlib import Path

from aiohttp import web

from bot.errors import WrongSetting
from web import feeds, ops
from web.context import CONTEXT, RouteAdder, WebContext
from web.pages import render

STATIC_DIR = Path(__file__).parent / "static"
#: Every module that serves something adds its routes here, in this order.
ROUTE_ADDERS: tuple[RouteAdder, ...] = (feeds.add_routes, ops.add_routes)
#: Nothing peerbot serves takes a body larger than a form.
MAX_REQUEST_BYTES = 64 * 1024


class WebServerError(WrongSetting):
    """The web server cannot listen where it is configured to (a port in use, say): a
    setting to change, so the same exit status as any other wrong setting (2)."""


async def home(request: web.Request) -> web.Response:
    return render("home.html")


def build_app(context: WebContext, adders: Iterable[RouteAdder] = ROUTE_ADDERS) -> web.Application:
    """The application with every module's routes, the stylesheet and the home page."""
    app = web.Application(client_max_size=MAX_REQUEST_BYTES)
    app[CONTEXT] = context
    app.router.add_get("/", home)
    app.router.add_static("/static", STATIC_DIR, append_version=False)
    for add in adders:
        add(app, context)
    return app


class WebServer:
    """Starts and stops the application on the running loop, with a clear message when the
    address cannot be used."""

    def __init__(self, context: WebContext, adders: Iterable[RouteAdder] = ROUTE_ADDERS) -> None:
        self.context = context
        self._app = build_app(context, adders)
        self._runner: web.AppRunner | None = None

    @property
    def address(self) -> str:
        """Where people open it: the configured public address, else where it listens."""
        return self.context.base_url

    async def start(self) -> None:
        settings = self.context.settings
        runner = web.AppRunner(self._app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, settings.host, settings.port)
        try:
            await site.start()
        except OSError as error:
            await runner.cleanup()
            raise WebServerError(_cannot_listen(settings.host, settings.port, error)) from None
        self._runner = runner

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


def _cannot_listen(host: str, port: int, error: OSError) -> str:
    where = f"{host}:{port}"
    if error.errno == errno.EADDRINUSE:
        return (
            f"the web page cannot listen on {where}: something else is using that port. Stop "
            "it, or choose another port with web.port (PEERBOT_WEB__PORT) in the configuration."
        )
    if error.errno == errno.EACCES:
        return (
            f"the web page may not listen on {where} (ports below 1024 need special rights). "
            "Choose a port above 1024 with web.port, and a proxy in front for port 443."
        )
    if error.errno == errno.EADDRNOTAVAIL:
        return (
            f"the web page cannot listen on {where}: this machine has no address {host}. "
            "Set web.host to 127.0.0.1, or to one of this machine's addresses."
        )
    return f"the web page cannot listen on {where} ({error.strerror or error})."
