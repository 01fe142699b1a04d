"""How entries look: a card for platforms with embeds, and the same in plain text."""

from __future__ import annotations

import datetime as dt

from pydantic import ValidationError

from bot.errors import UserError
from bot.replies import Card, CardField
from cogs.resources.models import CLOSING_SOON, Page, Resource, Submission

FIELD_LABELS = {
    "title": "The title",
    "link": "The link",
    "contact": "The phone number",
    "summary": "The summary",
    "tags": "The tags",
    "closes_on": "The closing date",
    "area": "The area",
    "type": "The type",
    "region": "The region",
    "audience": "The audience",
}


def explain(error: ValidationError) -> UserError:
    """A draft's validation errors in plain words, one sentence each."""
    lines = []
    for problem in error.errors():
        name = str(problem["loc"][0]) if problem["loc"] else ""
        label = FIELD_LABELS.get(name, "The entry")
        message = str(problem["msg"]).removeprefix("Value error, ")
        if problem["type"] == "string_too_long":
            message = f"must be at most {problem['ctx']['max_length']} characters"
        elif problem["type"] in ("string_too_short", "missing"):
            message = "is needed"
        lines.append(f"{label} {message}.")
    return UserError(" ".join(lines) + " Nothing was changed.")


def _contact_line(resource: Resource) -> str:
    parts = []
    if resource.link:
        parts.append(resource.link)
    if resource.contact:
        parts.append(f"phone {resource.contact}")
    return ", ".join(parts)


def closes_text(resource: Resource, today: dt.date | None) -> str:
    """``2027-03-31``, with "closing soon" when that is within 14 days."""
    assert resource.closes_on is not None
    soon = today is not None and resource.closing_soon(today)
    return resource.closes_on.isoformat() + (" (closing soon)" if soon else "")


def card(resource: Resource, footer: str = "", today: dt.date | None = None) -> Card:
    fields = []
    if resource.contact:
        fields.append(CardField(name="Phone", value=resource.contact, inline=True))
    fields += [
        CardField(name="Type", value=resource.type.label, inline=True),
        CardField(name="Region", value=resource.region.label, inline=True),
        CardField(name="Area", value=resource.area.label, inline=True),
        CardField(name="For", value=resource.audience.label, inline=True),
        CardField(name="Last checked", value=resource.last_checked.isoformat(), inline=True),
    ]
    if resource.closes_on:
        fields.append(CardField(name="Closes", value=closes_text(resource, today), inline=True))
    if resource.tags:
        fields.append(CardField(name="Tags", value=resource.tags))
    return Card(
        title=resource.title[:256],
        description=resource.summary,
        fields=fields,
        url=resource.link,
        footer=f"Entry {resource.id}" + (f" · {footer}" if footer else ""),
    )


def text(resource: Resource, today: dt.date | None = None) -> str:
    """The entry in plain words, for the console and for Matrix."""
    lines = [
        f"{resource.title} (entry {resource.id})",
        f"  {resource.summary}",
        f"  {_contact_line(resource)}",
        f"  {resource.type.label}; {resource.region.label}; {resource.area.label}; "
        f"for {resource.audience.label.lower()}; last checked "
        f"{resource.last_checked.isoformat()}"
        + (f"; closes {closes_text(resource, today)}" if resource.closes_on else ""),
    ]
    if resource.tags:
        lines.append(f"  Tags: {resource.tags}")
    return "\n".join(lines)


def page_heading(page: Page, what: str) -> str:
    first = page.page * 5 + 1
    last = first + len(page.results) - 1
    heading = f"{what}: {page.total} found, showing {first} to {last} (page {page.page + 1} of "
    heading += f"{page.pages})."
    return heading


# Discord refuses a message whose embeds hold more than 6,000 characters in all.
EMBEDS_TEXT_MAX = 5500
CLIPPED_SUMMARY = 250


def card_size(shown: Card) -> int:
    fields = sum(len(f.name) + len(f.value) for f in shown.fields)
    return len(shown.title) + len(shown.description) + fields + len(shown.footer)


def page_cards(
    page: Page, heading: str, today: dt.date | None = None, note: str = ""
) -> list[Card]:
    """The heading (with a note under it) and a card per result; long summaries are
    shortened (the full entry is one /resources show away) when the page would be too long
    for one message."""
    cards = [Card(title=heading[:256], description=note)]
    cards += [card(r, today=today) for r in page.results]
    if sum(card_size(c) for c in cards) > EMBEDS_TEXT_MAX:
        cards = [
            c.model_copy(update={"description": _clip(c.description, CLIPPED_SUMMARY)})
            for c in cards
        ]
    return cards


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _submission_closes(closes_on: dt.date, today: dt.date | None) -> str:
    if today is not None and closes_on < today:
        return f"{closes_on.isoformat()} (closed while waiting for review)"
    if today is not None and closes_on - today <= CLOSING_SOON:
        return f"{closes_on.isoformat()} (closing soon)"
    return closes_on.isoformat()


def submission_card(found: Submission, today: dt.date | None = None) -> Card:
    draft = found.draft
    fields = [
        CardField(name="Type", value=draft.type.label, inline=True),
        CardField(name="Region", value=draft.region.label, inline=True),
        CardField(name="Area", value=draft.area.label, inline=True),
        CardField(name="For", value=draft.audience.label, inline=True),
    ]
    if draft.contact:
        fields.insert(0, CardField(name="Phone", value=draft.contact, inline=True))
    if draft.closes_on:
        closes = _submission_closes(draft.closes_on, today)
        fields.append(CardField(name="Closes", value=closes, inline=True))
    if draft.tags:
        fields.append(CardField(name="Tags", value=draft.tags))
    return Card(
        title=draft.title[:256],
        description=draft.summary,
        fields=fields,
        url=draft.link,
        footer=f"Suggestion {found.id}, sent {found.submitted_at.date().isoformat()}",
    )


def submission_text(found: Submission, today: dt.date | None = None) -> str:
    draft = found.draft
    contact = ", ".join(
        p for p in (draft.link or "", f"phone {draft.contact}" if draft.contact else "") if p
    )
    return "\n".join(
        [
            f"Suggestion {found.id}: {draft.title}",
            f"  {draft.summary}",
            f"  {contact}",
            f"  {draft.type.label}; {draft.region.label}; {draft.area.label}; "
            f"for {draft.audience.label.lower()}"
            + (f"; closes {_submission_closes(draft.closes_on, today)}" if draft.closes_on else ""),
        ]
        + ([f"  Tags: {draft.tags}"] if draft.tags else [])
    )
