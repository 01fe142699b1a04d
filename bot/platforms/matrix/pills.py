"""Element's mentions ("pills") read as the Matrix ids they stand for.

When someone picks a person in Element's composer, the plain ``body`` holds only the display
name and the ``formatted_body`` holds ``<a href="https://matrix.to/#/@bea:example.org">Bea</a>``
(a room is ``https://matrix.to/#/!room:server?via=...`` or ``#alias:server``; newer clients
may write ``matrix:u/bea:example.org``). A command is read from the formatted body with each
pill replaced by its id, so ``peers:`` and ``member:`` get ids wherever a person is expected.
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import unquote

HTML_FORMAT = "org.matrix.custom.html"
_REPLY = re.compile(r"<mx-reply>.*?</mx-reply>", re.S | re.I)
_ANCHOR = re.compile(r"<a\s[^>]*?href\s*=\s*([\"'])(.*?)\1[^>]*>(.*?)</a\s*>", re.S | re.I)
_BREAK = re.compile(r"<br\s*/?>|</p\s*>|</li\s*>|</div\s*>", re.I)
_TAG = re.compile(r"<[^>]+>")
_SIGILS = "@!#"
_URI_KINDS = {"u": "@", "roomid": "!", "r": "#"}


def matrix_id_of_link(href: str) -> str | None:
    """``https://matrix.to/#/@bea:example.org`` (or ``matrix:u/bea:example.org``) -> the id;
    an event permalink gives its room; None for any other link."""
    href = html.unescape(href).strip()
    if href.startswith("https://matrix.to/#/"):
        path = href[len("https://matrix.to/#/") :].split("?", 1)[0]
        first = unquote(path.split("/", 1)[0])
        return first if first[:1] in _SIGILS and len(first) > 1 else None
    if href.startswith("matrix:"):
        parts = href[len("matrix:") :].split("?", 1)[0].split("/")
        if len(parts) >= 2 and parts[0] in _URI_KINDS and parts[1]:
            return _URI_KINDS[parts[0]] + unquote(parts[1])
    return None


def _replace_pill(match: re.Match[str]) -> str:
    found = matrix_id_of_link(match.group(2))
    return found if found is not None else match.group(3)


def html_to_text(formatted: str) -> str:
    """The text of a formatted body: pills as ids, other links as their words, tags gone."""
    text = _REPLY.sub("", formatted)
    text = _ANCHOR.sub(_replace_pill, text)
    text = _BREAK.sub("\n", text)
    text = _TAG.sub("", text)
    return html.unescape(text).strip()


def formatted_text(content: dict[str, Any]) -> str | None:
    """The text to read a command from when the message is formatted and holds a pill (or a
    reply quote), else None (the plain body is used)."""
    if content.get("format") != HTML_FORMAT:
        return None
    formatted = content.get("formatted_body")
    if not isinstance(formatted, str) or "<a" not in formatted.lower():
        return None
    return html_to_text(formatted)
