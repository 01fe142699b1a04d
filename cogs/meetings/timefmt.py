"""How meeting times are written for people: local wall time with the zone's abbreviation
(AEDT/AEST, AWST...) and Discord timestamps that each reader sees in their own time zone."""

from __future__ import annotations

from datetime import datetime

from cogs.meetings.schedule import Occurrence

DISCORD_STYLES = frozenset("tTdDfFR")


def _clock(dt: datetime) -> str:
    return f"{dt.hour:02d}:{dt.minute:02d}"


def _day(dt: datetime) -> str:
    return f"{dt:%A} {dt.day} {dt:%B %Y}"


def describe(occurrence: Occurrence) -> str:
    """ "Wednesday 10 March 2027, 10:00 to 12:00 AEDT", in the series time zone.

    The abbreviation comes from the zone (``tzname()``). A meeting that ends on another local day
    names that day, and one that spans a daylight-saving change names both abbreviations:
    "Sunday 4 April 2027, 01:30 AEDT to 02:30 AEST".
    """
    start = occurrence.local_start
    end = occurrence.local_end
    end_text = _clock(end)
    if end.date() != start.date():
        end_text += f" on {_day(end)}"
    if start.tzname() == end.tzname():
        return f"{_day(start)}, {_clock(start)} to {end_text} {start.tzname()}"
    return f"{_day(start)}, {_clock(start)} {start.tzname()} to {end_text} {end.tzname()}"


def describe_start(dt: datetime) -> str:
    """ "Wednesday 10 March 2027, 10:00 AEDT" for an aware datetime (in its own zone)."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("describe_start needs an aware datetime")
    return f"{_day(dt)}, {_clock(dt)} {dt.tzname()}"


def discord_timestamp(dt: datetime, style: str = "F") -> str:
    """ "<t:EPOCH:F>": Discord shows it in each reader's own time zone and language.

    Styles: t (16:20), T (16:20:30), d (20/04/2021), D (20 April 2021), f (date and time),
    F (with the weekday), R (relative: "in 2 months").
    """
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("discord_timestamp needs an aware datetime")
    if style not in DISCORD_STYLES:
        raise ValueError(f"unknown Discord timestamp style {style!r}")
    return f"<t:{int(dt.timestamp())}:{style}>"
