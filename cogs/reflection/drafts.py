"""Posts the de-identification check held back, kept in memory for a short while so the
person can edit what they wrote instead of writing it again.

Reflection text is never stored on disk or logged: a draft lives only in this process, only
for ``DRAFT_MINUTES``, and only its writer can take it back. A restart loses it, and the form
then says so.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

#: As long as Discord keeps a form open: after that the person has moved on.
DRAFT_MINUTES = 30
#: Drafts held at once; the oldest goes first (a bound, not a limit anyone should meet).
DRAFTS_MAX = 500


@dataclass(frozen=True)
class Draft:
    user_key: str
    reflection_id: int
    fields: dict[str, str]
    until: datetime


class Drafts:
    def __init__(self) -> None:
        self._held: dict[str, Draft] = {}

    def hold(self, user_key: str, reflection_id: int, fields: dict[str, str], now: datetime) -> str:
        """Keep what someone wrote; the token to get it back (it fits in a button's id)."""
        self._forget_expired(now)
        while len(self._held) >= DRAFTS_MAX:
            del self._held[next(iter(self._held))]
        token = secrets.token_hex(8)
        until = now + timedelta(minutes=DRAFT_MINUTES)
        self._held[token] = Draft(user_key, reflection_id, dict(fields), until)
        return token

    def get(self, token: str, user_key: str, reflection_id: int, now: datetime) -> Draft | None:
        """The draft, if it is still held and is this person's, for this reflection."""
        self._forget_expired(now)
        draft = self._held.get(token)
        if draft is None or draft.user_key != user_key or draft.reflection_id != reflection_id:
            return None
        return draft

    def drop(self, token: str) -> None:
        self._held.pop(token, None)

    def drop_person(self, user_key: str) -> None:
        """Their data is being deleted: drafts go too."""
        for token in [t for t, d in self._held.items() if d.user_key == user_key]:
            del self._held[token]

    def _forget_expired(self, now: datetime) -> None:
        for token in [t for t, d in self._held.items() if d.until <= now]:
            del self._held[token]
