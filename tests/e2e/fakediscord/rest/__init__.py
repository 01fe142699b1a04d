"""The REST API of the fake, one module per area, all under ``/api/v10``."""

from __future__ import annotations

from typing import Protocol

from aiohttp import web

from .channels import ChannelRoutes
from .common import API_PREFIX, RECORDED, Context, error_response, json_response
from .core import CoreRoutes
from .guilds import GuildRoutes
from .interactions import InteractionRoutes

__all__ = ["API_PREFIX", "RECORDED", "Context", "api_routes", "error_response", "json_response"]


class _RouteGroup(Protocol):
    def routes(self) -> list[web.RouteDef]: ...


def api_routes(ctx: Context) -> list[web.RouteDef]:
    """Every known route, prefixed. Order matters: ``/users/@me`` before ``/users/{id}``."""
    groups: list[_RouteGroup] = [
        CoreRoutes(ctx),
        ChannelRoutes(ctx),
        GuildRoutes(ctx),
        InteractionRoutes(ctx),
    ]
    return [
        web.route(route.method, API_PREFIX + route.path, route.handler)
        for group in groups
        for route in group.routes()
    ]
