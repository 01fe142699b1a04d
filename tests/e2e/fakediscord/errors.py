"""The error the fake answers with, as Discord's JSON error body."""

from __future__ import annotations


class DiscordError(Exception):
    """A Discord API error: the REST layer answers it as ``status`` with Discord's JSON body."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
