"""What a network is, and the rules for its short name and time zone."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from bot.commands import Role
from bot.errors import UserError
from bot.timezones import is_timezone

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,28}[a-z0-9])?$")
MEMBER_ROLES = (Role.MEMBER, Role.EXECUTIVE, Role.COORDINATOR)
#: How a network is joined (``networks.joining``).
OPEN = "open"
APPROVAL = "approval"


class Network(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    slug: str
    name: str
    timezone: str
    description: str
    created_at: datetime
    archived_at: datetime | None = None
    guidelines: str = ""
    #: "open": anyone joins at once; "approval": a join is a request a coordinator decides.
    joining: str = OPEN

    @property
    def invite_only(self) -> bool:
        return self.joining == APPROVAL


class Membership(BaseModel):
    model_config = ConfigDict(frozen=True)

    network_slug: str
    network_name: str
    role: str
    joined_at: datetime


def check_slug(slug: str) -> str:
    slug = slug.strip().lower()
    if not SLUG_PATTERN.match(slug):
        raise UserError(
            f"'{slug}' cannot be a network's short name. Use 1 to 30 lower-case letters, "
            "digits and hyphens, starting and ending with a letter or digit, like south-coast."
        )
    return slug


#: Characters that show nothing although Unicode calls them letters or symbols (Hangul
#: fillers, the braille blank, the Khmer inherent vowels), used to make names look empty.
_BLANK_LOOKING = frozenset("\u115f\u1160\u17b4\u17b5\u2800\u3164\uffa0")
#: Unicode categories that draw nothing on their own: controls, formatting (zero-width
#: spaces, right-to-left marks), separators (spaces), combining marks, and unassigned ones.
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp", "Mn", "Me"})


def _invisible(char: str) -> bool:
    return char in _BLANK_LOOKING or unicodedata.category(char) in _INVISIBLE


def check_name(name: str) -> str:
    """A network's full name: something people can see and read. Invisible characters at
    the ends are dropped; control characters (a line break, a tab) are refused anywhere."""
    name = name.strip()
    while name and _invisible(name[0]):
        name = name[1:]
    while name and _invisible(name[-1]):
        name = name[:-1]
    if not name:
        raise UserError(
            "A network needs a name people can see, like 'South Coast Peer Network'. That "
            "name had only spaces or invisible characters (such as zero-width spaces or "
            "direction marks). Nothing was changed."
        )
    if any(unicodedata.category(c) == "Cc" for c in name):
        raise UserError(
            "A network's name must be one line of text, without tabs, line breaks or other "
            "control characters. Nothing was changed."
        )
    return name


def check_timezone(name: str) -> str:
    if not is_timezone(name):
        raise UserError(
            f"'{name}' is not a time zone name. Use an IANA name like Australia/Sydney, "
            "Australia/Brisbane or Australia/Perth."
        )
    return name


def role_from_text(text: str) -> Role:
    try:
        return Role[text.upper()]
    except KeyError:
        raise ValueError(f"unknown role {text!r}") from None
