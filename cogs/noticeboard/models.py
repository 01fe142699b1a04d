"""What a notice is, as the noticeboard sees a resource entry, and the dates it works by: a
network's own today (its time zone, not UTC) and the ISO week a digest belongs to."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.errors import UserError
from cogs.resources.models import Area, Kind, Region, Resource, clean_tags


class NoticeKind(StrEnum):
    """The resource types that are notices when they have a closing date and a network."""

    TRAINING = "training"
    JOB = "job"
    EVENT = "event"

    @property
    def kind(self) -> Kind:
        return Kind(self.value)

    @property
    def label(self) -> str:
        return NOTICE_LABELS[self]


NOTICE_LABELS = {
    NoticeKind.TRAINING: "Training",
    NoticeKind.JOB: "Job",
    NoticeKind.EVENT: "Event",
}
NOTICE_KINDS = frozenset(k.kind for k in NoticeKind)
#: The framework area a notice posted with /notices post is filed under in the library.
AREA_FOR = {
    NoticeKind.TRAINING: Area.DEVELOPING,
    NoticeKind.JOB: Area.SYSTEM,
    NoticeKind.EVENT: Area.SUPPORT,
}
#: A digest goes out on this weekday (Monday) from this hour, in the network's time zone.
DIGEST_WEEKDAY = 0
DIGEST_HOUR = 9
#: Most notices one /notices list shows, and one digest lists.
LIST_MAX = 20
SUBSCRIBE_TAGS_MAX = 10


def is_notice(resource: Resource) -> bool:
    return (
        resource.type in NOTICE_KINDS
        and resource.closes_on is not None
        and resource.network_id is not None
    )


def local_now(now: dt.datetime, zone: str) -> dt.datetime:
    return now.astimezone(ZoneInfo(zone))


def local_today(now: dt.datetime, zone: str) -> dt.date:
    """The network's date: a notice closing on the 10th is open all of the 10th there."""
    return local_now(now, zone).date()


def week_of(day: dt.date) -> str:
    """The ISO week a digest belongs to, like 2035-W10."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def digest_due(now: dt.datetime, zone: str) -> bool:
    """Monday from 9am in the network's time zone: the digest's day. A bot down all Monday
    sends nothing late; the next Monday's digest carries everything new since."""
    here = local_now(now, zone)
    return here.weekday() == DIGEST_WEEKDAY and here.hour >= DIGEST_HOUR


#: Regions whose notices apply wherever a subscriber is.
EVERYWHERE = frozenset({Region.NATIONAL, Region.INTERNATIONAL})


def parse_regions(text: str | None) -> str:
    """Regions as stored: their codes, space separated, each once. Unknown ones are refused,
    naming the ones there are."""
    if text is None or not text.strip():
        return ""
    known = {r.value for r in Region}
    found: list[str] = []
    for word in text.replace(",", " ").lower().split():
        if word not in known:
            raise UserError(
                f"'{word[:40]}' is not a region. Use one or more of: "
                + ", ".join(r.value for r in Region)
                + ". Nothing was changed."
            )
        if word not in found:
            found.append(word)
    return " ".join(found)


def parse_tags(text: str | None) -> str:
    tags = clean_tags(text or "")
    if len(tags.split()) > SUBSCRIBE_TAGS_MAX:
        raise UserError(
            f"Give at most {SUBSCRIBE_TAGS_MAX} tags to follow; you gave "
            f"{len(tags.split())}. Nothing was changed."
        )
    return tags


@dataclass(frozen=True)
class Subscription:
    user_key: str
    network_id: int
    tags: str
    regions: str
    #: The newest entry number offered already; later ones are new to them.
    offered_through: int

    def matches(self, resource: Resource) -> bool:
        """Any one of the tags (none given: any), and one of the regions (national and
        international notices match every region, as in the library's region filter)."""
        if self.tags and not set(self.tags.split()) & set(resource.tags.split()):
            return False
        regions = set(self.regions.split())
        return not regions or resource.region.value in regions or resource.region in EVERYWHERE


@dataclass(frozen=True)
class Post:
    resource_id: int
    place_key: str
    network_id: int
    message_id: str | None
    closed_at: dt.datetime | None
