"""What a question to the coordinators is, and the checks on what people type (every refusal
says what was wrong and how to fix it, and that nothing was sent)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from bot.errors import UserError

#: A question, a reply or an answer: short enough that, with peerbot's words around it, it
#: fits in one Discord message (2000 characters).
TEXT_MAX = 1500
#: Questions /ask mine and /manage question list show.
LIST_MAX = 20


class Status(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ShareState(StrEnum):
    ASKED = "asked"  # the member was shown the de-identified text and asked
    SHARED = "shared"  # the member said yes: posted to the network
    DECLINED = "declined"  # the member said no


class Direction(StrEnum):
    QUESTION = "question"  # the member's question
    TO_MEMBER = "to_member"  # a coordinator's or executive's reply
    TO_STAFF = "to_staff"  # the member's answer back


@dataclass(frozen=True)
class Question:
    id: int
    network_id: int
    asker_key: str
    status: Status
    created_at: dt.datetime
    closed_at: dt.datetime | None
    forget_after: dt.datetime | None
    share_text: str | None
    share_state: ShareState | None
    share_revision: int

    @property
    def is_open(self) -> bool:
        return self.status is Status.OPEN


@dataclass(frozen=True)
class Message:
    id: int
    question_id: int
    direction: Direction
    author_key: str
    body: str
    created_at: dt.datetime


def check_text(text: str | None, what: str = "your question") -> str:
    """The text as it is kept: trailing spaces and runs of blank lines trimmed."""
    lines = [line.rstrip() for line in (text or "").strip().splitlines()]
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    clean = "\n".join(kept).strip()
    if not clean:
        raise UserError(f"Write {what} in the text. Nothing was sent.")
    if len(clean) > TEXT_MAX:
        raise UserError(
            f"{what[0].upper()}{what[1:]} can be at most {TEXT_MAX} characters; it has "
            f"{len(clean)}. Shorten it and send it again. Nothing was sent."
        )
    return clean
