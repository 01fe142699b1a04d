"""Dates as people read them: "Monday 5 February 2035" and "5 February 2035", never
"2035-02-05". Stored keys and files keep ISO dates (machines read those); anything a person
reads goes through here."""

from __future__ import annotations

import re
from datetime import date

_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def day_text(day: date) -> str:
    """``Monday 5 February 2035``: a day with its weekday, for a meeting or a deadline."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def date_text(day: date) -> str:
    """``5 February 2035``: a day without its weekday, for "last checked" and "since"."""
    return f"{day.day} {day:%B %Y}"


def iso_date(text: str) -> date | None:
    """The date in ``2035-02-05``, or None when the text is not one real ISO date."""
    found = _ISO_DATE.fullmatch(text.strip())
    if not found:
        return None
    try:
        return date(int(found[1]), int(found[2]), int(found[3]))
    except ValueError:
        return None


def readable_dates(text: str) -> str:
    """Text with every ISO date in it written as people read it: "every 3 months from
    2035-02-05" becomes "every 3 months from 5 February 2035". Stored audit details keep ISO
    text, so entries written before this reads them well too."""

    def _one(found: re.Match[str]) -> str:
        day = iso_date(found[0])
        return date_text(day) if day else found[0]

    return _ISO_DATE.sub(_one, text)
