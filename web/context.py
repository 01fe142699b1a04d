"""What every page handler needs, kept on the aiohttp application under one typed key.

The web page is one more front end: it reads and changes things only through the kernel and the
cogs' services, with the same permissions as the chat commands. Modules that serve pages add
their routes with a ``RouteAdder``; ``web/server.py`` calls each one when it builds the app.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from aiohttp import web

from bot.clock import Clock
from bot.kernel import Kernel
from config.settings import WebSettings


def _no_platforms() -> Mapping[str, bool]:
    return {}


@dataclass(frozen=True)
class WebContext:
    kernel: Kernel
    settings: WebSettings
    clock: Clock
    #: Each configured platform's name and whether it is connected now, for /healthz.
    platforms: Callable[[], Mapping[str, bool]] = field(default=_no_platforms)

    @property
    def base_url(self) -> str:
        return self.settings.base_url


CONTEXT: web.AppKey[WebContext] = web.AppKey("peerbot", WebContext)

#: Adds a module's routes (and anything else it needs) to the application being built.
RouteAdder = Callable[[web.Application, WebContext], None]


def context_of(request: web.Request) -> WebContext:
    return request.app[CONTEXT]
