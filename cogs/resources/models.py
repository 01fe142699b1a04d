"""What a library entry is: the four framework areas, the resource types, regions, audiences,
and the validated draft every way in (a command, a form, the seed, an import) goes through."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

TITLE_MAX = 150
SUMMARY_MAX = 600
LINK_MAX = 500
CONTACT_MAX = 100
TAGS_MAX = 200
KEY_MAX = 80
QUERY_MAX = 200
NUMBER_DIGITS_MAX = 15  # entry, submission and page numbers typed or in buttons


class Area(StrEnum):
    """The four areas of the Western Australian Association for Mental Health (WAAMH) Peer Work
    Strategic Framework, which the field uses to organise itself, and one outside it for crisis
    and support lines: a line for anyone in distress is not "peer worker support and
    development", and filing it there would say it is."""

    DEFINING = "defining"
    SUPPORT = "support"
    SYSTEM = "system"
    DEVELOPING = "developing"
    HELP_LINES = "help-lines"

    @property
    def label(self) -> str:
        return AREA_LABELS[self]


AREA_LABELS = {
    Area.DEFINING: "Defining peer work",
    Area.SUPPORT: "Peer worker support and development",
    Area.SYSTEM: "System support for peer workers",
    Area.DEVELOPING: "Developing the peer worker",
    Area.HELP_LINES: "Crisis and support lines",
}


class Kind(StrEnum):
    """The type of a resource."""

    FORM = "form"
    TEMPLATE = "template"
    GUIDELINE = "guideline"
    RESEARCH = "research"
    TRAINING = "training"
    JOB = "job"
    SERVICE = "service"
    SUPPORT_LINE = "support-line"
    STORY = "story"
    EVENT = "event"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS = {
    Kind.FORM: "Form",
    Kind.TEMPLATE: "Template",
    Kind.GUIDELINE: "Guideline",
    Kind.RESEARCH: "Research",
    Kind.TRAINING: "Training",
    Kind.JOB: "Job posting",
    Kind.SERVICE: "Service directory entry",
    Kind.SUPPORT_LINE: "Support line",
    Kind.STORY: "Story or reflection",
    Kind.EVENT: "Event",
}
#: The words each type is found by in a search (with stemming, so "jobs" finds "job"). The
#: index reads them from a generated column that migration 0018 writes the same way.
KIND_WORDS = {
    Kind.FORM: "form",
    Kind.TEMPLATE: "template",
    Kind.GUIDELINE: "guideline",
    Kind.RESEARCH: "research",
    Kind.TRAINING: "training course",
    Kind.JOB: "job posting vacancy",
    Kind.SERVICE: "service directory",
    Kind.SUPPORT_LINE: "support line helpline",
    Kind.STORY: "story reflection",
    Kind.EVENT: "event",
}
#: Only these types may carry a closing date, after which they are hidden. With a closing date
#: and a network, an entry of one of them is also a notice on the noticeboard.
CLOSING_KINDS = frozenset({Kind.JOB, Kind.TRAINING, Kind.EVENT})
#: How far ahead "closing soon" looks.
CLOSING_SOON = dt.timedelta(days=14)


class Region(StrEnum):
    """Where an entry applies. National and international entries apply everywhere, so a
    filter for one state keeps them."""

    NATIONAL = "national"
    INTERNATIONAL = "international"
    NSW = "nsw"
    VIC = "vic"
    QLD = "qld"
    WA = "wa"
    SA = "sa"
    TAS = "tas"
    ACT = "act"
    NT = "nt"

    @property
    def label(self) -> str:
        return REGION_LABELS[self]


REGION_LABELS = {
    Region.NATIONAL: "National",
    Region.INTERNATIONAL: "International",
    Region.NSW: "New South Wales (NSW)",
    Region.VIC: "Victoria (VIC)",
    Region.QLD: "Queensland (QLD)",
    Region.WA: "Western Australia (WA)",
    Region.SA: "South Australia (SA)",
    Region.TAS: "Tasmania (TAS)",
    Region.ACT: "Australian Capital Territory (ACT)",
    Region.NT: "Northern Territory (NT)",
}


class Audience(StrEnum):
    PEER_WORKERS = "peer-workers"
    COORDINATORS = "coordinators"
    ORGANISATIONS = "organisations"
    ANYONE = "anyone"

    @property
    def label(self) -> str:
        return AUDIENCE_LABELS[self]


AUDIENCE_LABELS = {
    Audience.PEER_WORKERS: "Peer workers",
    Audience.COORDINATORS: "Coordinators, supervisors and managers",
    Audience.ORGANISATIONS: "Organisations that employ peer workers",
    Audience.ANYONE: "Anyone",
}

_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{1,20}[0-9]$")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
# A web address typed without its scheme: a host name with a dot and a top-level domain of
# letters (www.example.org, example.org.au/page), nothing that could be something else.
_BARE_HOST = re.compile(
    r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,63}(?::[0-9]{1,5})?(?:[/?#][^\s]*)?$",
    re.IGNORECASE,
)
_TAG = re.compile(r"[^a-z0-9+-]+")
_KEY = re.compile(r"^[a-z0-9][a-z0-9:._-]*$")


def is_phone(text: str) -> bool:
    return bool(_PHONE.match(text)) and sum(c.isdigit() for c in text) >= 3


def clean_tags(text: str) -> str:
    """Tags as stored: lower case words, space separated, each once, in the order given."""
    seen: list[str] = []
    for raw in re.split(r"[,\s]+", text.lower()):
        tag = _TAG.sub("", raw).strip("-")
        if tag and tag not in seen:
            seen.append(tag)
    return " ".join(seen)


class Draft(BaseModel):
    """A resource before it is stored. Every field is checked here, so a bad link or an unknown
    area is refused the same way whether it came from a command, a form or a file."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    title: str = Field(min_length=1, max_length=TITLE_MAX)
    link: str | None = Field(None, max_length=LINK_MAX)
    contact: str | None = Field(None, max_length=CONTACT_MAX)
    summary: str = Field(min_length=1, max_length=SUMMARY_MAX)
    area: Area
    type: Kind
    region: Region = Region.NATIONAL
    audience: Audience = Audience.PEER_WORKERS
    tags: str = Field("", max_length=TAGS_MAX)
    last_checked: dt.date | None = None
    closes_on: dt.date | None = None

    @field_validator("link", "contact", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("link")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is not None and not _URL.match(value):
            raise ValueError("must be a web address starting with http:// or https://")
        return value

    @field_validator("contact")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is not None and not is_phone(value):
            raise ValueError("must be a phone number, like 13 11 14 or 02 9999 9999")
        return value

    @field_validator("tags", mode="before")
    @classmethod
    def _tags(cls, value: object) -> object:
        if isinstance(value, list):
            value = " ".join(str(v) for v in value)
        return clean_tags(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _link_or_contact(self) -> Draft:
        if self.link is None and self.contact is None:
            raise ValueError("needs a link (https://...) or a phone number to contact")
        if self.closes_on is not None and self.type not in CLOSING_KINDS:
            raise ValueError("only jobs, training and events can have a closing date")
        return self


def with_scheme(text: str) -> str:
    """``www.example.org`` as ``https://www.example.org``: a host name typed without https://
    is taken as one, since nothing else is written that way. Anything else is left as typed
    (for the Draft's check to explain)."""
    value = text.strip()
    if "://" not in value and "@" not in value and _BARE_HOST.match(value):
        return "https://" + value
    return value


def split_link(text: str | None) -> tuple[str | None, str | None]:
    """One typed value into (link, contact): a web address (https:// added when left out) or
    a phone number. Anything else is passed on as a link, so the Draft's check explains what
    is wrong with it."""
    if text is None or not text.strip():
        return None, None
    value = text.strip()
    if is_phone(value):
        return None, value
    return with_scheme(value), None


def valid_key(key: str) -> bool:
    return len(key) <= KEY_MAX and bool(_KEY.match(key))


def is_digits(text: str) -> bool:
    """Only 0 to 9: ``str.isdigit`` alone also accepts ① and ², which ``int`` refuses."""
    return text.isascii() and text.isdigit()


def is_number(text: str) -> bool:
    """Digits few enough for a database number (SQLite's integers stop at 19 digits)."""
    return is_digits(text) and len(text) <= NUMBER_DIGITS_MAX


@dataclass(frozen=True)
class Resource:
    id: int
    key: str
    network_id: int | None
    title: str
    link: str | None
    contact: str | None
    summary: str
    area: Area
    type: Kind
    region: Region
    audience: Audience
    tags: str
    added_by: str | None
    added_at: dt.datetime
    last_checked: dt.date
    closes_on: dt.date | None
    retired_at: dt.datetime | None

    def closing_soon(self, today: dt.date) -> bool:
        """Still open, and closing within the next 14 days."""
        return self.closes_on is not None and today <= self.closes_on <= today + CLOSING_SOON

    def draft(self) -> Draft:
        return Draft(
            title=self.title,
            link=self.link,
            contact=self.contact,
            summary=self.summary,
            area=self.area,
            type=self.type,
            region=self.region,
            audience=self.audience,
            tags=self.tags,
            last_checked=self.last_checked,
            closes_on=self.closes_on,
        )


@dataclass(frozen=True)
class Submission:
    id: int
    network_id: int
    submitted_by: str
    submitted_at: dt.datetime
    draft: Draft
    status: str
    reason: str | None
    resource_id: int | None


@dataclass(frozen=True)
class Filters:
    """What a search is narrowed to, besides its words."""

    area: Area | None = None
    type: Kind | None = None
    region: Region | None = None
    #: Only entries that close on or before this day (and have not closed yet).
    closes_by: dt.date | None = None


@dataclass(frozen=True)
class Page:
    """One page of results. When not every word matched, ``suggestion`` is the query with
    its typos corrected, offered only when that finds entries with every word (its results
    are not shown: the person chooses whether to search for it)."""

    results: list[Resource]
    total: int
    page: int
    pages: int
    suggestion: str | None = None
