"""Rendering pages from the Jinja2 templates in ``web/templates``, with autoescaping on, so
nothing a person typed can turn into markup on someone else's page."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

import jinja2
from aiohttp import web


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("web", "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(
    template: str,
    values: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> web.Response:
    """A page from ``template`` (which extends ``base.html``). Pages about people are never
    cached by browsers or proxies."""
    html = environment().get_template(template).render(**(values or {}))
    response = web.Response(text=html, status=status, content_type="text/html", charset="utf-8")
    response.headers["Cache-Control"] = "no-store"
    response.headers.update(headers or {})
    return response
