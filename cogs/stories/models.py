"""What a story is and the stages it goes through, and the checks on what the author typed
(every refusal says what was wrong and how to fix it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from bot.errors import UserError

TITLE_MAX = 100
#: As long as one Discord form field takes.
BODY_MAX = 4000
NAME_MAX = 40
#: Stories one /story list shows.
LIST_MAX = 20


class Status(StrEnum):
    DRAFT = "draft"  # held by the de-identification check: the author edits or sends it
    REVIEW = "review"  # with the coordinators
    CHANGES = "changes"  # a coordinator asked the author for changes
    APPROVED = "approved"  # approved; waiting for the author's yes to publish
    PUBLISHED = "published"
    DECLINED = "declined"
    UNPUBLISHED = "unpublished"  # taken down by a coordinator

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    Status.DRAFT: "not sent yet (the check found details to look at)",
    Status.REVIEW: "waiting for a coordinator's review",
    Status.CHANGES: "a coordinator asked for changes",
    Status.APPROVED: "approved, waiting for your yes to publish it",
    Status.PUBLISHED: "published",
    Status.DECLINED: "declined by a coordinator",
    Status.UNPUBLISHED: "taken down by a coordinator",
}
#: Stages in which the author may change the text (a published story is withdrawn instead).
EDITABLE = frozenset(
    {
        Status.DRAFT,
        Status.REVIEW,
        Status.CHANGES,
        Status.APPROVED,
        Status.DECLINED,
        Status.UNPUBLISHED,
    }
)


@dataclass(frozen=True)
class Written:
    """What the author typed, checked."""

    title: str
    body: str
    shown_name: str


@dataclass(frozen=True)
class Story:
    id: int
    network_id: int
    author_key: str
    title: str
    body: str
    shown_name: str
    status: Status
    revision: int
    created_at: dt.datetime
    published_at: dt.datetime | None

    @property
    def written(self) -> Written:
        return Written(self.title, self.body, self.shown_name)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def check_written(title: str | None, body: str | None, name: str | None) -> Written:
    """The story as it will be kept: a title on one line, the text with its line breaks
    (trailing spaces and runs of blank lines trimmed), and the name on one line or empty."""
    clean_title = _one_line(title or "")
    if not clean_title:
        raise UserError("Give your story a title. Nothing was saved.")
    if len(clean_title) > TITLE_MAX:
        raise UserError(
            f"A title can be at most {TITLE_MAX} characters; yours has {len(clean_title)}. "
            "Shorten it and send it again. Nothing was saved."
        )
    lines = [line.rstrip() for line in (body or "").strip().splitlines()]
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    clean_body = "\n".join(kept).strip()
    if not clean_body:
        raise UserError("Write your story in the story field. Nothing was saved.")
    if len(clean_body) > BODY_MAX:
        raise UserError(
            f"A story can be at most {BODY_MAX} characters; yours has {len(clean_body)}. "
            "Shorten it and send it again. Nothing was saved."
        )
    clean_name = _one_line(name or "")
    if len(clean_name) > NAME_MAX:
        raise UserError(
            f"The name to show can be at most {NAME_MAX} characters; yours has "
            f"{len(clean_name)}. Leave it empty to publish without a name. Nothing was saved."
        )
    return Written(clean_title, clean_body, clean_name)


def published_as(shown_name: str) -> str:
    return f"Published as: {shown_name}" if shown_name else "Published without a name"
