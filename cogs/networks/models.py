"""What a network is, and the rules for its short name and time zone."""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from bot.commands import Role
from bot.errors import UserError
from bot.timezones import is_timezone

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,28}[a-z0-9])?$")
MEMBER_ROLES = (Role.MEMBER, Role.EXECUTIVE, Role.COORDINATOR)


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
