"""The draft every way in goes through: links, phone numbers, areas, types, closing dates."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import ValidationError

from cogs.resources.models import Draft, clean_tags, split_link

BASE: dict[str, Any] = {
    "title": "Peer supervision template",
    "link": "https://example.org/template",
    "summary": "A template for peer supervision notes.",
    "area": "support",
    "type": "template",
}


def test_a_good_draft() -> None:
    draft = Draft.model_validate({**BASE, "tags": "Supervision, notes notes"})
    assert draft.region.value == "national"
    assert draft.tags == "supervision notes"


@pytest.mark.parametrize(
    "link", ["ftp://example.org", "javascript:alert(1)", "example.org", "www.example.org"]
)
def test_a_link_must_be_http_or_https(link: str) -> None:
    with pytest.raises(ValidationError, match="http:// or https://"):
        Draft.model_validate({**BASE, "link": link})


def test_a_phone_number_is_a_contact() -> None:
    assert split_link("13 11 14") == (None, "13 11 14")
    assert split_link("https://lifeline.org.au") == ("https://lifeline.org.au", None)
    draft = Draft.model_validate({**BASE, "link": None, "contact": "1800 011 511"})
    assert draft.contact == "1800 011 511"


def test_a_link_or_a_contact_is_needed() -> None:
    with pytest.raises(ValidationError, match="needs a link"):
        Draft.model_validate({**BASE, "link": ""})


@pytest.mark.parametrize(("name", "value"), [("area", "feelings"), ("type", "poem")])
def test_unknown_area_or_type(name: str, value: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Draft.model_validate({**BASE, name: value})
    assert raised.value.errors()[0]["loc"] == (name,)


def test_only_jobs_and_training_close() -> None:
    closes = dt.date(2027, 3, 31)
    assert Draft.model_validate({**BASE, "type": "job", "closes_on": closes}).closes_on == closes
    with pytest.raises(ValidationError, match="only jobs, training and events"):
        Draft.model_validate({**BASE, "closes_on": closes})


def test_tags_keep_only_word_characters() -> None:
    assert clean_tags("LGBTIQ+, 24/7  first-nations;") == "lgbtiq+ 247 first-nations"
