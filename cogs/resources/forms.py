"""The suggestion form: its fields, what was typed into it turned into a Draft, and which
fields to ask again when it is refused (the rest of what was typed is kept, never lost)."""

from __future__ import annotations

import datetime as dt

from pydantic import ValidationError

from bot.errors import UserError
from bot.replies import FormField
from cogs.resources import views
from cogs.resources.models import SUMMARY_MAX, TAGS_MAX, TITLE_MAX, Draft, split_link
from cogs.resources.service import closed_text

FORM_GONE = (
    "peerbot no longer holds what you typed into that form (it keeps it for a day). Run "
    "/resources submit again."
)
#: The suggestion form's fields, by the Draft field a problem is reported under.
FORM_FIELD_OF = {
    "title": "title",
    "link": "link",
    "contact": "link",
    "summary": "summary",
    "tags": "tags",
    "closes_on": "closes",
}


class FormProblem(UserError):
    """A refused form, with the fields to type again."""

    def __init__(self, message: str, fields: list[str]) -> None:
        super().__init__(message)
        self.fields = fields


def bad_fields(error: ValidationError) -> list[str]:
    names: list[str] = []
    for problem in error.errors():
        loc = str(problem["loc"][0]) if problem["loc"] else ""
        name = FORM_FIELD_OF.get(loc)
        if name is None:  # a rule about the whole entry
            name = "closes" if "closing date" in str(problem["msg"]) else "link"
        if name not in names:
            names.append(name)
    return names


def submit_fields(values: dict[str, str], only: list[str] | None = None) -> list[FormField]:
    """The suggestion form's fields, filled in with ``values``; ``only`` those named."""
    fields = [
        FormField(name="title", label="Title", max_length=TITLE_MAX),
        FormField(name="link", label="Link (https://...) or phone number", max_length=500),
        FormField(
            name="summary",
            label="What it is, in a sentence or two",
            long=True,
            max_length=SUMMARY_MAX,
        ),
        FormField(name="tags", label="Tags (words, optional)", required=False, max_length=TAGS_MAX),
        FormField(
            name="closes",
            label="Closing date, jobs/training (optional)",
            required=False,
            max_length=10,
            placeholder="2027-03-31",
        ),
    ]
    return [
        f.model_copy(update={"default": values.get(f.name, "")[: f.max_length]})
        for f in fields
        if only is None or f.name in only
    ]


def closing_date(text: str | None) -> dt.date | None:
    if text is None or not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(
            f"The closing date must be written like 2027-03-31; you gave '{text.strip()[:20]}'. "
            "Nothing was changed."
        ) from None


def form_draft(typed: dict[str, str], choices: list[str], today: dt.date) -> Draft:
    """The suggestion as a Draft, or a FormProblem naming the fields to type again."""
    area, kind, region, audience = choices
    try:
        closes = closing_date(typed.get("closes"))
    except UserError as error:
        message = str(error).removesuffix(" Nothing was changed.")
        raise FormProblem(message, ["closes"]) from None
    if closes is not None and (problem := closed_text(closes, today)):
        raise FormProblem(problem, ["closes"])
    link, contact = split_link(typed.get("link"))
    values = {
        "title": typed.get("title", ""),
        "link": link,
        "contact": contact,
        "summary": typed.get("summary", ""),
        "tags": typed.get("tags", ""),
        "closes_on": closes,
        "area": area,
        "type": kind,
        "region": region,
        "audience": audience,
    }
    try:
        return Draft.model_validate(values)
    except ValidationError as error:
        message = str(views.explain(error)).removesuffix(" Nothing was changed.")
        raise FormProblem(message, bad_fields(error)) from None
