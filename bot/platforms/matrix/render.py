"""A neutral Reply as a Matrix message: HTML ``formatted_body`` and a plain-text ``body``.

As on Discord, cards (when a reply has them) carry the whole message in the formatted body,
and ``text`` is their plain equivalent, used as the plain body. Buttons and menu items become
a numbered list with one line saying how to answer.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

from bot.mentions import PLAIN, MarkStyle, link_parts, render
from bot.mentions import person as person_mark
from bot.platforms.matrix.choices import KEYCAPS, entries_of
from bot.replies import Card, Reply

MSGTYPE = "m.notice"  # bots send notices, so other bots do not answer them
PLATFORM = "matrix"


def intentional_mentions(reply: Reply | None = None) -> dict[str, Any]:
    """``m.mentions`` (intentional mentions, Matrix 1.7): whom a message notifies.

    With it present, clients notify only the users listed (and the room only for ``"room":
    true``, which peerbot never sends), never because a name or ``@room`` appears in text a
    person typed. Without it, clients fall back to matching display names in the body.
    """
    users = [] if reply is None else reply.mentions.user_ids(PLATFORM)
    return {"user_ids": users} if users else {}


def bang_commands(text: str, words: frozenset[str]) -> str:
    """``/support`` in the cogs' words becomes ``!support``, the way it is typed on Matrix.

    Only known command words after a space or at a line start change, so links and paths
    (``https://...``, ``a/b``) stay as they are.
    """
    if not words:
        return text
    pattern = re.compile(
        r"(?<![\w/.:<])/(" + "|".join(re.escape(w) for w in sorted(words)) + r")\b"
    )
    return pattern.sub(r"!\1", text)


#: A web address in already escaped text; a full stop or bracket after it is not part of it.
_URL = re.compile(r"https://[^\s<>\"]+?(?=[.,;:!?)]*(?:\s|<|$))")


def _linked(escaped: str) -> str:
    """Web addresses (https://...) as links, so every client makes them clickable."""
    return _URL.sub(lambda m: f'<a href="{m[0]}">{m[0]}</a>', escaped)


def _html_text(text: str) -> str:
    """Paragraphs and line breaks kept; everything escaped; web addresses linked."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    return "".join(
        "<p>" + "<br>".join(_linked(escape(line)) for line in p.splitlines()) + "</p>"
        for p in paragraphs
    )


def card_html(card: Card) -> str:
    title = escape(card.title)
    if card.url:
        title = f'<a href="{escape(card.url, quote=True)}">{title}</a>'
    parts = [f"<h4>{title}</h4>"]
    if card.description:
        parts.append(_html_text(card.description))
    if card.fields:
        items = "".join(
            f"<li><strong>{escape(f.name)}</strong>: "
            + "<br>".join(_linked(escape(line)) for line in f.value.splitlines())
            + "</li>"
            for f in card.fields
        )
        parts.append(f"<ul>{items}</ul>")
    if card.footer:
        parts.append(f"<p><em>{escape(card.footer)}</em></p>")
    return "".join(parts)


def card_plain(card: Card) -> str:
    lines = [card.title]
    if card.description:
        lines.append(card.description)
    lines += [f"- {f.name}: {f.value}" for f in card.fields]
    if card.url:
        lines.append(card.url)
    if card.footer:
        lines.append(card.footer)
    return "\n".join(lines)


def how_to_answer(reply: Reply) -> str:
    """One line saying how to choose: by reply always, by reaction when there are few."""
    entries = entries_of(reply)
    many = reply.select is not None and reply.select.max_values > 1
    if many:
        assert reply.select is not None
        return (
            "To choose, reply to this message with the numbers, separated by spaces "
            f"(up to {reply.select.max_values})."
        )
    if len(entries) <= len(KEYCAPS):
        return (
            "To choose, reply to this message with the number, "
            f"or react with the number's emoji ({KEYCAPS[0]} is 1)."
        )
    return "To choose, reply to this message with the number."


#: The server to join rooms through when a room id names none (room version 12 ids do not):
#: the bot's own, set when the adapter starts.
HOME_SERVER: list[str] = []


def set_home_server(server: str) -> None:
    HOME_SERVER[:] = [server] if server else []


def _href(matrix_id: str) -> str:
    """A matrix.to link; a room's says which server to join through (``via``), since a room
    id alone cannot be joined over federation and a version 12 id names no server."""
    if not matrix_id.startswith("!"):
        return f"https://matrix.to/#/{matrix_id}"
    _, sep, server = matrix_id.partition(":")
    via = server if sep else (HOME_SERVER[0] if HOME_SERVER else "")
    return f"https://matrix.to/#/{matrix_id}" + (f"?via={via}" if via else "")


def _pill(matrix_id: str, label: str) -> str:
    href = escape(_href(matrix_id), quote=True)
    return f'<a href="{href}">{label or escape(matrix_id)}</a>'


def _person_html(key: str, name: str) -> str:
    platform, _, user_id = key.partition(":")
    return _pill(user_id, name) if platform == "matrix" else (name or escape(user_id))


def _place_html(key: str, name: str) -> str:
    platform, _, place_id = key.partition(":")
    room_id = place_id.partition("/")[0]  # a thread's room
    if platform == "matrix" and room_id.startswith("!"):
        return _pill(room_id, name and f"#{name}")
    return f"#{name or escape(place_id)}"


def _room_link(value: str) -> str | None:
    """A matrix.to link to a room (a thread's room), with the server to join it through."""
    platform, _, place_id = link_parts(value)[0].partition(":")
    room_id = place_id.partition("/")[0]
    if platform != "matrix" or not room_id.startswith("!"):
        return None
    server = room_id.partition(":")[2]
    return f"https://matrix.to/#/{room_id}" + (f"?via={server}" if server else "")


def _link_html(value: str, name: str) -> str:
    href = _room_link(value)
    if href is None:
        return _place_html(link_parts(value)[0], name)
    return f'<a href="{escape(href, quote=True)}">{escape(name) if name else escape(href)}</a>'


def _link_plain(value: str, name: str) -> str:
    return _room_link(value) or PLAIN.place(link_parts(value)[0], name)


def _person_plain(key: str, name: str) -> str:
    return name or key.partition(":")[2]


#: In the HTML body, people and rooms on Matrix are matrix.to pills (clients show them as
#: names); the plain body has their names or Matrix ids. Times are the network's local time.
HTML_MARKS = MarkStyle(person=_person_html, place=_place_html, time=PLAIN.time, link=_link_html)
PLAIN_MARKS = MarkStyle(person=_person_plain, place=PLAIN.place, time=PLAIN.time, link=_link_plain)


def to_content(reply: Reply, command_words: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The ``m.room.message`` content for a reply (attachments are sent separately)."""
    content = _content(reply, command_words)
    # Marks survive HTML escaping (private-use characters), so they are written last.
    content["formatted_body"] = render(content["formatted_body"], HTML_MARKS)
    content["body"] = render(content["body"], PLAIN_MARKS)
    return content


def _content(reply: Reply, command_words: frozenset[str]) -> dict[str, Any]:
    plain: list[str] = []
    html: list[str] = []
    if reply.text:
        plain.append(reply.text)
    if reply.cards:
        html += [card_html(card) for card in reply.cards]
        if not reply.text:
            plain += [card_plain(card) for card in reply.cards]
    elif reply.text:
        html.append(_html_text(reply.text))
    entries = entries_of(reply)
    if entries:
        if reply.select is not None:
            plain.append(reply.select.placeholder)
            html.append(f"<p>{escape(reply.select.placeholder)}</p>")
        plain.append("\n".join(f"{n}. {e.label}" for n, e in enumerate(entries, start=1)))
        html.append("<ol>" + "".join(f"<li>{escape(e.label)}</li>" for e in entries) + "</ol>")
        rule = how_to_answer(reply)
        plain.append(rule)
        html.append(f"<p><em>{escape(rule)}</em></p>")
    if not plain:
        plain.append("Done.")
        html.append("<p>Done.</p>")
    return {
        "msgtype": MSGTYPE,
        "body": bang_commands("\n\n".join(plain), command_words),
        "format": "org.matrix.custom.html",
        "formatted_body": bang_commands("".join(html), command_words),
        "m.mentions": intentional_mentions(reply),
    }


def text_content(
    text: str, command_words: frozenset[str] = frozenset(), *, mention: str | None = None
) -> dict[str, Any]:
    """A short plain message (a form's question, a pointer to the direct-message room).
    ``mention``: the Matrix id of the one person it notifies (the reply's addressee, as the
    spec asks of replies), named at its start with a pill."""
    text = bang_commands(text, command_words)
    if mention is not None:
        text = f"{person_mark(f'{PLATFORM}:{mention}')}: {text}"
    return {
        "msgtype": MSGTYPE,
        "body": render(text, PLAIN_MARKS),
        "format": "org.matrix.custom.html",
        "formatted_body": render(_html_text(text), HTML_MARKS),
        "m.mentions": {"user_ids": [mention]} if mention is not None else intentional_mentions(),
    }
