"""Neutral marks for a person, a place and a moment inside Reply text.

A cog cannot know how its reply will be shown: Discord writes a person as ``<@id>`` (shown as
their name), a channel as ``<#id>`` (a link) and a time as ``<t:EPOCH:f>`` (in each reader's
own zone); Matrix links people and rooms with matrix.to pills; the console shows plain names.
So cogs write ``person(key)``, ``place(key)`` and ``moment(at)`` into their text, and each
adapter's renderer turns the marks into its own form with ``render``. Text that reaches a
person without a renderer (a log line, a test) reads fine through ``plain``.

A mark is ``\\ue000KIND\\x1fVALUE\\x1fLABEL\\ue001``: private-use characters that nobody
types, so a member's own text can never be mistaken for a mark.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.replies import Card, CardField, Choice, Reply

OPEN = "\ue000"
CLOSE = "\ue001"
SEP = "\x1f"
_MARK = re.compile(
    f"{OPEN}(person|place|time|link){SEP}([^{OPEN}{CLOSE}{SEP}]*){SEP}([^{OPEN}{CLOSE}]*){CLOSE}"
)
_UNSAFE = re.compile(f"[{OPEN}{CLOSE}{SEP}]")


def _clean(value: str) -> str:
    return _UNSAFE.sub("", value)


def strip_marks(text: str) -> str:
    """What a person typed, without the mark characters: their text can never become a mark
    (a mention or a channel link someone else did not write)."""
    return text.replace(OPEN, "").replace(CLOSE, "") if OPEN in text or CLOSE in text else text


def person(user_key: str, name: str = "") -> str:
    """A person by their stored key (``discord:123``), with their display name if known."""
    return f"{OPEN}person{SEP}{_clean(user_key)}{SEP}{_clean(name)}{CLOSE}"


def place(place_key: str, name: str = "") -> str:
    """A channel, room or thread by its stored key (``discord:456``), with its name if known."""
    return f"{OPEN}place{SEP}{_clean(place_key)}{SEP}{_clean(name)}{CLOSE}"


def link(place_key: str, space_key: str = "", name: str = "") -> str:
    """A link that opens a place from anywhere, a direct message too (a "jump link"): on
    Discord ``https://discord.com/channels/SERVER/CHANNEL`` (``space_key`` is the server), on
    Matrix a matrix.to room link, on the console the place's plain name."""
    value = f"{_clean(place_key)} {_clean(space_key)}".strip()
    return f"{OPEN}link{SEP}{value}{SEP}{_clean(name)}{CLOSE}"


def link_parts(value: str) -> tuple[str, str]:
    """A link mark's value as (place key, space key); the space key may be empty."""
    place_key, _, space_key = value.partition(" ")
    return place_key, space_key


def local_time(at: datetime) -> str:
    """``Wed 2 Dec 2026, 14:05 AEDT``: an aware time in its own zone, with the abbreviation."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("local_time needs an aware datetime")
    return f"{at:%a} {at.day} {at:%b %Y}, {at:%H:%M} {at.tzname()}"


def moment(at: datetime) -> str:
    """A time, already in the network's zone: written there with its abbreviation everywhere,
    and on Discord also as a timestamp each reader sees in their own zone."""
    return f"{OPEN}time{SEP}{int(at.timestamp())}{SEP}{_clean(local_time(at))}{CLOSE}"


def _local_id(key: str) -> str:
    return key.partition(":")[2] or key


@dataclass(frozen=True)
class MarkStyle:
    """How one adapter writes each kind of mark: (key or epoch, label) -> text."""

    person: Callable[[str, str], str]
    place: Callable[[str, str], str]
    time: Callable[[str, str], str]
    #: (place key and space key, label) -> text; None writes a link as its place.
    link: Callable[[str, str], str] | None = None


def _plain_person(key: str, name: str) -> str:
    return name or _local_id(key)


def _plain_place(key: str, name: str) -> str:
    return f"#{name or _local_id(key)}"


def _plain_time(epoch: str, label: str) -> str:
    return label


PLAIN = MarkStyle(person=_plain_person, place=_plain_place, time=_plain_time)


def render(text: str, style: MarkStyle) -> str:
    if OPEN not in text:
        return text

    def one(found: re.Match[str]) -> str:
        kind, value, label = found.group(1), found.group(2), found.group(3)
        if kind == "link":
            if style.link is not None:
                return style.link(value, label)
            kind, value = "place", link_parts(value)[0]
        write = {"person": style.person, "place": style.place, "time": style.time}[kind]
        return write(value, label)

    return _MARK.sub(one, text)


def plain(text: str) -> str:
    """The text with names for people and places and local times: the console's way."""
    return render(text, PLAIN)


def _card(card: Card, style: MarkStyle) -> Card:
    return card.model_copy(
        update={
            "title": render(card.title, style),
            "description": render(card.description, style),
            "footer": render(card.footer, style),
            "fields": [
                CardField(name=render(f.name, style), value=render(f.value, style), inline=f.inline)
                for f in card.fields
            ],
        }
    )


def render_marks(reply: Reply, style: MarkStyle) -> Reply:
    """The reply with every mark in its text, cards and menu written the adapter's way."""
    update: dict[str, object] = {"text": render(reply.text, style)}
    if reply.cards:
        update["cards"] = [_card(c, style) for c in reply.cards]
    if reply.select is not None:
        update["select"] = reply.select.model_copy(
            update={
                "placeholder": render(reply.select.placeholder, style),
                "choices": [
                    Choice(
                        label=render(c.label, style)[:100],
                        value=c.value,
                        description=render(c.description, style)[:100],
                    )
                    for c in reply.select.choices
                ],
            }
        )
    return reply.model_copy(update=update)
