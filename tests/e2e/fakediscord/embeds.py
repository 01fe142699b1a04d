"""Discord's limits on a message's embeds, as the API enforces them (Message resource,
"Embed Limits"): at most 10 embeds; a title of 256 characters, a description of 4096, 25
fields of 256 (name) and 1024 (value), a footer of 2048, an author name of 256; and all of
these together, across every embed of the message, at most 6000. A message past any of them
is refused with 400, code 50035 Invalid Form Body, and nothing is posted."""

from __future__ import annotations

from typing import Any

from .errors import DiscordError

EMBEDS_MAX = 10
TOTAL_MAX = 6000
FIELDS_MAX = 25
_LIMITS = {"title": 256, "description": 4096}


def _invalid(detail: str) -> DiscordError:
    return DiscordError(400, 50035, f"Invalid Form Body: embeds: {detail}")


def _length(text: Any, limit: int, where: str) -> int:
    size = len(text or "")
    if size > limit:
        raise _invalid(f"{where} must be {limit} or fewer in length.")
    return size


def check_embeds(embeds: Any) -> None:
    """Raise as Discord would for embeds past its limits; None or [] is fine."""
    if not embeds:
        return
    if len(embeds) > EMBEDS_MAX:
        raise _invalid(f"Must be {EMBEDS_MAX} or fewer in length.")
    total = 0
    for index, embed in enumerate(embeds):
        for key, limit in _LIMITS.items():
            total += _length(embed.get(key), limit, f"{index}.{key}")
        fields = embed.get("fields") or []
        if len(fields) > FIELDS_MAX:
            raise _invalid(f"{index}.fields must be {FIELDS_MAX} or fewer in length.")
        for field in fields:
            total += _length(field.get("name"), 256, f"{index}.fields.name")
            total += _length(field.get("value"), 1024, f"{index}.fields.value")
        total += _length((embed.get("footer") or {}).get("text"), 2048, f"{index}.footer.text")
        total += _length((embed.get("author") or {}).get("name"), 256, f"{index}.author.name")
    if total > TOTAL_MAX:
        raise _invalid(f"Embed size exceeds maximum size of {TOTAL_MAX}")
