"""What every page handler needs, kept on the aiohttp application under one typed key.

The web page is one more front end: it reads and changes things only through the kernel and the
cogs' services, with the same permissions as the chat commands. Modules that serve pages add
their routes with a ``RouteAdder``; ``web/server.py`` calls each one when it builds the app.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from aiohttp import web

from bot.clock import Clock
from bot.commands import Role
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


@dataclass(frozen=True)
class Viewer:
    """Who is looking at a page: the person as the chat platforms know them (a user key such as
    ``discord:123`` or ``console:you``), signed in through a /dashboard link."""

    user_key: str
    session_id: int


class Authoriser(Protocol):
    async def __call__(self, request: web.Request, network_id: int | None, needed: Role) -> Viewer:
        """The signed-in viewer if they hold ``needed`` in that network (their highest role
        anywhere when None), checked on every request like the chat commands. Raises
        ``web.HTTPSeeOther`` to the signed-out page when nobody is signed in and
        ``web.HTTPForbidden`` (403) when their role is too low."""
        ...


#: Set by the sign-in module (web/auth.py) when the server is built; page modules call it.
AUTHORISER: web.AppKey[Authoriser] = web.AppKey("peerbot-authoriser", Authoriser)
