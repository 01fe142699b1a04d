"""The crisis and support lines: the data file's shape, its rules, and which lines to show.

Numbers and hours change, so they live in ``config/support_lines.toml``, not in code. A wrong
file stops start-up with a message that names the file, the entry and the key: a person in
distress must never be shown a wrong number, or a list without 000 or without a 24/7 line.
Everything here is pure, so the ordering rules are tested without a bot.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.errors import ConfigError

EMERGENCY_NUMBER = "000"
MIN_GENERAL_CRISIS_LINES = 2
ALWAYS_OPEN = "24 hours a day, 7 days a week"
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


class Kind(StrEnum):
    EMERGENCY = "emergency"
    CRISIS = "crisis"
    SUPPORT = "support"  # support or counselling that is not a crisis line


class Tag(StrEnum):
    """What a filter selects a service by: a state or territory, or a community."""

    NSW = "nsw"
    VIC = "vic"
    QLD = "qld"
    WA = "wa"
    SA = "sa"
    TAS = "tas"
    ACT = "act"
    NT = "nt"
    FIRST_NATIONS = "first-nations"
    LGBTIQ = "lgbtiq"

    @property
    def is_state(self) -> bool:
        return self in STATES


#: The eight states and territories, in the order Australia usually lists them.
STATES = (Tag.NSW, Tag.VIC, Tag.QLD, Tag.WA, Tag.SA, Tag.TAS, Tag.ACT, Tag.NT)

#: Each state's and territory's name, as a person would type it.
STATE_NAMES = {
    Tag.NSW: "New South Wales",
    Tag.VIC: "Victoria",
    Tag.QLD: "Queensland",
    Tag.WA: "Western Australia",
    Tag.SA: "South Australia",
    Tag.TAS: "Tasmania",
    Tag.ACT: "Australian Capital Territory",
    Tag.NT: "Northern Territory",
}


def state_name(tag: Tag) -> str:
    """``Western Australia (WA)``: the name with its abbreviation beside it."""
    return f"{STATE_NAMES[tag]} ({tag.value.upper()})"


class LineFilter(StrEnum):
    """The choices of ``/support filter``: everything, a state or territory, or a community.

    Typed text is read forgivingly: any case, the short name or the full name
    ("WA", "western australia", "First Nations", "LGBTIQ+").
    """

    ALL = "all"
    NSW = "nsw"
    VIC = "vic"
    QLD = "qld"
    WA = "wa"
    SA = "sa"
    TAS = "tas"
    ACT = "act"
    NT = "nt"
    FIRST_NATIONS = "first-nations"
    LGBTIQ = "lgbtiq"

    @classmethod
    def _missing_(cls, value: object) -> LineFilter | None:
        if not isinstance(value, str):
            return None
        return _FILTER_ALIASES.get(_alias_key(value))

    @property
    def label(self) -> str:
        """How the choice reads in a menu (the registry uses this for choice labels)."""
        return _FILTER_LABELS[self]

    @property
    def audience(self) -> str:
        """Who the filter is for, to use inside a sentence."""
        return _FILTER_AUDIENCES[self]

    @property
    def tag(self) -> Tag | None:
        return None if self is LineFilter.ALL else Tag(self.value)


def _alias_key(text: str) -> str:
    """``Western Australia`` and ``western-australia`` alike: lower case, words joined by -."""
    return "-".join(re.findall(r"[a-z0-9]+", text.casefold()))


_TERRITORIES = (Tag.ACT, Tag.NT)


def _in(tag: Tag) -> str:
    """``in Victoria (VIC)``, ``in the Northern Territory (NT)``."""
    return ("in the " if tag in _TERRITORIES else "in ") + state_name(tag)


_FILTER_LABELS = {
    LineFilter.ALL: "All lines",
    **{LineFilter(t.value): f"People {_in(t)}" for t in STATES},
    LineFilter.FIRST_NATIONS: "Aboriginal and Torres Strait Islander people",
    LineFilter.LGBTIQ: "Lesbian, gay, bisexual, trans, intersex and queer (LGBTIQ+) people",
}

_FILTER_AUDIENCES = {
    LineFilter.ALL: "everyone",
    **{LineFilter(t.value): f"people {_in(t)}" for t in STATES},
    LineFilter.FIRST_NATIONS: "Aboriginal and Torres Strait Islander people",
    LineFilter.LGBTIQ: "lesbian, gay, bisexual, trans, intersex and queer (LGBTIQ+) people",
}

#: What people type for each filter, besides its value: names, and common other spellings.
_FILTER_ALIASES: dict[str, LineFilter] = {
    **{f.value: f for f in LineFilter},
    **{_alias_key(STATE_NAMES[t]): LineFilter(t.value) for t in STATES},
    "the-australian-capital-territory": LineFilter.ACT,
    "the-northern-territory": LineFilter.NT,
    "everyone": LineFilter.ALL,
    "first-nations-people": LineFilter.FIRST_NATIONS,
    "aboriginal": LineFilter.FIRST_NATIONS,
    "torres-strait-islander": LineFilter.FIRST_NATIONS,
    "aboriginal-and-torres-strait-islander": LineFilter.FIRST_NATIONS,
    "aboriginal-and-torres-strait-islander-people": LineFilter.FIRST_NATIONS,
    "lgbt": LineFilter.LGBTIQ,
    "lgbti": LineFilter.LGBTIQ,
    "lgbtiqa": LineFilter.LGBTIQ,
    "lgbtqi": LineFilter.LGBTIQ,
    "lgbtqia": LineFilter.LGBTIQ,
}

_PHONE = re.compile(r"^\d+( \d+)*$")
_PHONE_DIGITS = (3, 6, 10)  # 000; 13 xx xx; 1300, 1800 and mobile numbers
_WEBSITE = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+(/\S*)?$")
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_SOURCE = re.compile(r"^https://[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(/\S*)?$")


def _check_phone(value: str) -> str:
    digits = value.replace(" ", "")
    if not _PHONE.match(value) or len(digits) not in _PHONE_DIGITS:
        raise ValueError(
            f"{value!r} is not an Australian phone number; write 3, 6 or 10 digits grouped "
            "with single spaces, like 000, 13 11 14 or 1800 011 511"
        )
    return value


def _check_website(value: str) -> str:
    if not _WEBSITE.match(value):
        raise ValueError(
            f"{value!r} is not a website; write it in lower case without https://, "
            "like lifeline.org.au"
        )
    return value


def _check_source(value: str) -> str:
    if not _SOURCE.match(value):
        raise ValueError(
            f"{value!r} is not a web page address; write the page where the service publishes "
            "its number, starting with https://"
        )
    return value


def _check_id(value: str) -> str:
    if not _ID.match(value):
        raise ValueError(
            f"{value!r} is not a valid id; use lower-case letters, digits and dashes, "
            "like suicide-call-back-service"
        )
    return value


PhoneNumber = Annotated[str, AfterValidator(_check_phone)]
Website = Annotated[str, AfterValidator(_check_website)]
SourcePage = Annotated[str, AfterValidator(_check_source)]
LineId = Annotated[str, AfterValidator(_check_id)]
Text = Annotated[str, Field(min_length=1, max_length=200)]


class _RuleError(ValueError):
    """A rule broken by a whole entry or file, with the key the person should fix."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


class SupportLine(BaseModel):
    """One service: how to reach it, when, and who it is for."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    id: LineId
    name: Text
    kind: Kind
    phone: PhoneNumber
    text: PhoneNumber | None = None
    website: Website | None = None
    open_24_7: bool
    hours: Text | None = None
    scope: Text
    note: Text | None = None
    tags: tuple[Tag, ...] = ()
    source: SourcePage
    last_checked: dt.date

    @model_validator(mode="after")
    def _rules(self) -> SupportLine:
        if len([t for t in self.tags if t.is_state]) > 1:
            raise _RuleError("tags", "give at most one state or territory")
        if self.open_24_7 and self.hours is not None:
            raise _RuleError(
                "hours", "leave hours out when open_24_7 is true (it would say two things)"
            )
        if not self.open_24_7 and self.hours is None:
            raise _RuleError("hours", "say when it is open, because open_24_7 is false")
        return self

    @property
    def is_24_7(self) -> bool:
        return self.open_24_7

    @property
    def is_general_crisis_line(self) -> bool:
        """A 24/7 crisis line for everyone: shown whatever the filter."""
        return self.kind is Kind.CRISIS and self.open_24_7 and not self.tags

    @property
    def url(self) -> str | None:
        """The website as a link (``https://lifeline.org.au``), which every platform makes
        clickable; lower case, as the service writes it."""
        return f"https://{self.website}" if self.website else None

    @property
    def state(self) -> Tag | None:
        """The state or territory this line serves, or None for a national line."""
        return next((t for t in self.tags if t.is_state), None)

    @property
    def contact_text(self) -> str:
        """``call 13 11 14 or text 0477 13 11 14``."""
        if self.text:
            return f"call {self.phone} or text {self.text}"
        return f"call {self.phone}"

    @property
    def hours_text(self) -> str:
        return ALWAYS_OPEN if self.open_24_7 else str(self.hours)

    def details(self) -> list[str]:
        """The parts after the name, in reading order: contact, hours, scope, note, link."""
        parts = [self.contact_text, self.hours_text, self.scope]
        if self.note:
            parts.append(self.note)
        if self.url:
            parts.append(self.url)
        return parts

    def card_lines(self) -> list[str]:
        """The card's short lines, for a phone: how to call, when, who for, note, link."""
        contact = self.contact_text
        hours = "Open 24 hours, 7 days" if self.open_24_7 else str(self.hours)
        parts = [contact[0].upper() + contact[1:], hours, self.scope]
        if self.note:
            parts.append(self.note)
        if self.url:
            parts.append(self.url)  # never capitalised: a web address is written as it is
        return parts

    def short(self) -> str:
        """``NSW Mental Health Line: 1800 011 511``, for the list of state lines."""
        hours = "" if self.open_24_7 else " (not 24/7)"  # the filter shows its hours
        return f"{self.name}: {self.phone}{hours}"

    def describe(self) -> str:
        """One readable line: ``Lifeline: call 13 11 14 or text .... 24 hours a day, ...``."""
        sentences = [self.contact_text, self.hours_text, self.scope, self.note]
        parts = [_sentence(p) for p in sentences if p]
        if self.url:
            parts.append(self.url)  # no full stop after a web address: it reads as part of it
        return f"{self.name}: " + " ".join(parts)


def _sentence(part: str) -> str:
    return part if part.endswith((".", "!", "?")) else part + "."


class SupportDirectory(BaseModel):
    """Every line in the data file, checked against the rules that keep /support safe."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    services: tuple[SupportLine, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _invariants(self) -> SupportDirectory:
        seen: dict[str, int] = {}
        for index, line in enumerate(self.services):
            if line.id in seen:
                raise _RuleError(
                    f"services[{index}].id",
                    f"{line.id!r} is already the id of services[{seen[line.id]}]; ids are unique",
                )
            seen[line.id] = index
        emergencies = [i for i, s in enumerate(self.services) if s.kind is Kind.EMERGENCY]
        if len(emergencies) != 1:
            found = ", ".join(f"services[{i}]" for i in emergencies) or "none"
            raise _RuleError(
                "services",
                f'exactly one entry must have kind = "emergency" with phone = "000"; found {found}',
            )
        (index,) = emergencies
        emergency = self.services[index]
        if emergency.phone != EMERGENCY_NUMBER:
            raise _RuleError(f"services[{index}].phone", "the emergency entry must be 000")
        if not emergency.open_24_7 or emergency.tags:
            raise _RuleError(
                f"services[{index}]", "the emergency entry must be open_24_7 with no tags"
            )
        for i, line in enumerate(self.services):
            if i != index and EMERGENCY_NUMBER in (
                line.phone.replace(" ", ""),
                (line.text or "").replace(" ", ""),
            ):
                raise _RuleError(
                    f"services[{i}].phone", 'only the entry with kind = "emergency" may be 000'
                )
        general = [s for s in self.services if s.is_general_crisis_line]
        if len(general) < MIN_GENERAL_CRISIS_LINES:
            raise _RuleError(
                "services",
                f"at least {MIN_GENERAL_CRISIS_LINES} entries must be 24/7 crisis lines for "
                'everyone (kind = "crisis", open_24_7 = true, no tags), because every filter '
                f"shows them; found {len(general)}",
            )
        missing = [t.value for t in STATES if not any(s.state is t for s in self.services)]
        if missing:
            raise _RuleError(
                "services",
                "every state and territory needs at least one line (its filter shows it); "
                f"none for: {', '.join(missing)}",
            )
        return self

    @property
    def emergency(self) -> SupportLine:
        return next(s for s in self.services if s.kind is Kind.EMERGENCY)

    def last_checked_text(self, lines: list[SupportLine] | None = None) -> str:
        """``Numbers last checked 23 November 2026``: the oldest check of the lines shown."""
        d = self.last_checked(lines)
        return f"Numbers last checked {d.day} {_MONTHS[d.month - 1]} {d.year}"

    def last_checked(self, lines: list[SupportLine] | None = None) -> dt.date:
        return min(line.last_checked for line in (lines or self.services))

    def state_lines(self) -> list[SupportLine]:
        """Every state's and territory's lines, state by state, each in file order."""
        return [s for state in STATES for s in self.services if s.state is state]

    def line(self, line_id: str) -> SupportLine:
        """The service with this id; KeyError if there is none."""
        for service in self.services:
            if service.id == line_id:
                return service
        raise KeyError(line_id)

    def lines_for(self, filter: LineFilter | str = LineFilter.ALL) -> list[SupportLine]:
        """The lines to show, safest first.

        Always 000 first. With ``all``: the national lines, that is the 24/7 crisis lines, then
        the other 24/7 services, then the rest, each in file order (the state lines are listed
        apart, by ``state_lines``). With a filter: the services it selects right after 000,
        then the 24/7 crisis lines for everyone (at least two, checked at load time).
        """
        chosen = LineFilter(filter)
        emergency = self.emergency
        tag = chosen.tag
        rest = [s for s in self.services if s.id != emergency.id]
        if tag is None:
            rest = [s for s in rest if s.state is None]
            crisis = [s for s in rest if s.open_24_7 and s.kind is Kind.CRISIS]
            other = [s for s in rest if s.open_24_7 and s.kind is not Kind.CRISIS]
            closed_sometimes = [s for s in rest if not s.open_24_7]
            return [emergency, *crisis, *other, *closed_sometimes]
        matching = [s for s in rest if tag in s.tags]
        chosen_ids = {s.id for s in matching}
        general = [s for s in rest if s.is_general_crisis_line and s.id not in chosen_ids]
        return [emergency, *matching, *general]


def load_support_lines(path: Path) -> SupportDirectory:
    """Read and check the data file; any problem raises ConfigError naming file, entry and key."""
    shown = _display_path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{shown}: the support lines file does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{shown}: cannot read the support lines file: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{shown}: not valid TOML: {error}") from None
    try:
        return SupportDirectory.model_validate(raw)
    except ValidationError as error:
        problems = [_explain(shown, raw, problem) for problem in error.errors()]
        raise ConfigError("\n".join(problems)) from None


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _key(loc: tuple[int | str, ...]) -> str:
    key = ""
    for part in loc:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else part)
    return key


def _entry_name(raw: dict[str, Any], loc: tuple[int | str, ...]) -> str | None:
    if len(loc) >= 2 and loc[0] == "services" and isinstance(loc[1], int):
        services = raw.get("services")
        if isinstance(services, list) and 0 <= loc[1] < len(services):
            entry = services[loc[1]]
            if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                return str(entry["name"])
    return None


def _explain(shown: str, raw: dict[str, Any], problem: Any) -> str:
    loc: tuple[int | str, ...] = tuple(problem["loc"])
    kind = problem["type"]
    cause = (problem.get("ctx") or {}).get("error")
    if isinstance(cause, _RuleError):
        key = f"{_key(loc)}.{cause.key}" if loc else cause.key
        message = cause.message
    elif isinstance(cause, ValueError):
        key, message = _key(loc), str(cause)
    elif kind == "extra_forbidden":
        model = SupportLine if len(loc) > 2 else SupportDirectory
        allowed = ", ".join(model.model_fields)
        key, message = _key(loc), f"unknown key; the keys allowed here are: {allowed}"
    elif kind == "missing":
        key, message = _key(loc), "this key is required and missing"
    else:
        key = _key(loc)
        message = (
            f"{problem['msg'][0].lower()}{problem['msg'][1:]}; the file has {problem['input']!r}"
        )
    name = _entry_name(raw, loc)
    where = f" (the entry for {name})" if name else ""
    return f"{shown}: {key or 'the file'}: {message}{where}"
