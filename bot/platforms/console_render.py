"""Turning a neutral Reply into readable terminal text, with numbered buttons and choices."""

from __future__ import annotations

import textwrap

from bot.mentions import PLAIN, render_marks
from bot.replies import Card, Reply

WIDTH = 78
CHOOSE_LINE = "Type a number to choose."


def render_card(card: Card) -> list[str]:
    lines = [f"+-- {card.title}"]
    if card.description:
        lines += ["| " + line for line in textwrap.wrap(card.description, WIDTH - 2)]
    for field in card.fields:
        wrapped = textwrap.wrap(f"{field.name}: {field.value}", WIDTH - 2) or [field.name]
        lines += ["| " + line for line in wrapped]
    if card.url:
        lines.append(f"| {card.url}")
    if card.footer:
        lines.append(f"| {card.footer}")
    lines.append("+--")
    return lines


def render_reply(reply: Reply, *, show_cards: bool, first: int = 1) -> list[str]:
    """The reply as lines of text. Cards repeat the text on the console, so they are optional.
    People and places show by the names peerbot knows, times in the network's zone. Choices
    are numbered from ``first`` (several messages can be answerable at once)."""
    reply = render_marks(reply, PLAIN)
    lines: list[str] = []
    if reply.private:
        lines.append("(only you can see this)")
    if reply.text:
        for line in reply.text.splitlines():
            hanging = "  " if line.startswith(("- ", "/")) else ""
            lines += textwrap.wrap(
                line, WIDTH, subsequent_indent=hanging, break_on_hyphens=False
            ) or [""]
    if show_cards or not reply.text:
        for card in reply.cards:
            lines += render_card(card)
    number = first
    for button in reply.buttons:
        lines.append(f"  [{number}] {button.label}")
        number += 1
    if reply.select is not None:
        lines.append(reply.select.placeholder)
        for choice in reply.select.choices:
            extra = f" - {choice.description}" if choice.description else ""
            lines.append(f"  [{number}] {choice.label}{extra}")
            number += 1
    if number > first:
        lines.append(CHOOSE_LINE)
    return lines
