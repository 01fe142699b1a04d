"""What notices look like: the post in a notices channel (open, then closed), a line of
/notices list, and the weekly digest. Plain words; dates spelled out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.replies import ActionRef, Button, Reply
from cogs.noticeboard.models import NoticeKind
from cogs.resources.models import Region, Resource

OPT_OUT_ACTION = "notices-optout"
OPT_OUT_LABEL = "Stop these digests"


def day(date: dt.date) -> str:
    """Tuesday 10 March 2035."""
    return f"{date:%A} {date.day} {date:%B %Y}"


def kind_label(resource: Resource) -> str:
    return NoticeKind(resource.type.value).label


def _where(resource: Resource) -> str:
    return resource.link or f"Phone: {resource.contact}"


def _tags(resource: Resource) -> str:
    return f"\nTags: {', '.join(resource.tags.split())}" if resource.tags else ""


def _region(resource: Resource) -> str:
    return "" if resource.region is Region.NATIONAL else f" ({resource.region.label})"


def post(resource: Resource, zone: str) -> Reply:
    """The notice as posted in the network's notices channel."""
    assert resource.closes_on is not None
    return Reply(
        text=(
            f"{kind_label(resource)} notice: {resource.title}\n"
            f"{resource.summary}\n"
            f"Region: {resource.region.label}. Closes at the end of {day(resource.closes_on)} "
            f"({zone} time).\n"
            f"{_where(resource)}{_tags(resource)}\n"
            f"Notice {resource.id}. Type /notices list to see every open notice."
        )
    )


def closed(resource: Resource, *, withdrawn: bool) -> Reply:
    """The post once the notice closed (or a coordinator took it down): the details go, so
    nobody applies to something that has closed."""
    assert resource.closes_on is not None
    if withdrawn:
        why = "It was taken off the noticeboard before its closing date."
    else:
        why = f"It closed at the end of {day(resource.closes_on)}."
    return Reply(
        text=f"Closed: {kind_label(resource)} notice '{resource.title}' (notice {resource.id}). "
        f"{why} Type /notices list to see the notices still open."
    )


def line(resource: Resource) -> str:
    assert resource.closes_on is not None
    return (
        f"- {kind_label(resource)}: {resource.title}{_region(resource)}, closes "
        f"{day(resource.closes_on)}. {_where(resource)} (notice {resource.id})"
    )


def digest(found: Sequence[Resource], names: Sequence[str]) -> Reply:
    """The weekly digest: the new notices, and a one-click way to stop."""
    count = len(found)
    shown = "\n".join(line(r) for r in found)
    return Reply(
        text=(
            f"Your weekly noticeboard digest: {count} new notice{'s' if count != 1 else ''} "
            f"for {', '.join(names)} matching what you follow.\n{shown}\n"
            "Type /notices list to see every open notice. Press Stop these digests to stop "
            "them (you can subscribe again any time with /notices subscribe)."
        ),
        buttons=[Button(label=OPT_OUT_LABEL, action=ActionRef(action=OPT_OUT_ACTION))],
        private=True,
    )
