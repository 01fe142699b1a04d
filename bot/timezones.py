"""Time zone names: one check used by settings, and the forgiving reading every command's
time zone option gets.

People type "australia/perth", "Perth" or "Sydny"; the kernel turns the first two into
Australia/Perth and answers the third with "did you mean Australia/Sydney?". It never guesses
a near miss on its own, and never takes an offset ("+10:00") or an abbreviation that is not
a zone's name ("AEST") for a zone: an abbreviation names no daylight-saving rules, and the same
one means different places (IST is India, Ireland and Israel).
"""

from __future__ import annotations

import functools
import importlib.resources
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from rapidfuzz import fuzz, process

from bot.replies import Choice

#: Shown first when nothing is typed yet: the zones of the networks peerbot was made for.
AUSTRALIA_FIRST = (
    "Australia/Sydney",
    "Australia/Melbourne",
    "Australia/Brisbane",
    "Australia/Adelaide",
    "Australia/Darwin",
    "Australia/Hobart",
    "Australia/Perth",
)
#: Names the tz database keeps for machines, never meant as a person's zone.
_NOT_FOR_PEOPLE = frozenset({"localtime", "Factory", "posixrules"})
#: What a near miss must score (rapidfuzz's 0 to 100) to be suggested.
_SUGGEST_CUTOFF = 80
_SPACES = re.compile(r"\s+")


def is_timezone(name: str) -> bool:
    """True for an IANA zone name. A region folder such as 'Australia' is not a zone
    (ZoneInfo raises IsADirectoryError for it, an OSError), nor is a path or an empty string."""
    if not name or name.strip() != name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


class UnknownTimezone(ValueError):
    """Not a zone; ``suggestions`` are the names it may have meant (possibly none)."""

    def __init__(self, message: str, suggestions: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.suggestions = suggestions


@dataclass(frozen=True)
class _Zones:
    #: Every name the database knows, by its lower-case spelling.
    by_lower: dict[str, str]
    #: The main zones (one per place, from zone.tab) with where they cover, for suggestions.
    main: dict[str, str]
    #: Main zones by their last part in lower case ("perth"), for a city typed alone.
    main_by_city: dict[str, tuple[str, ...]]
    #: Every zone by its last part, for a city only an older name has.
    all_by_city: dict[str, tuple[str, ...]]


def _key(text: str) -> str:
    """How names are compared: case and spaces do not matter ("new york" is New_York)."""
    text = _SPACES.sub(" ", text.strip()).replace(" / ", "/").replace("/ ", "/")
    return text.replace(" /", "/").replace(" ", "_").lower()


def _city(name: str) -> str:
    return name.rsplit("/", 1)[-1].lower()


def _main_zones(names: set[str]) -> dict[str, str]:
    """zone.tab from the tzdata package: each main zone and the area it covers."""
    try:
        text = (importlib.resources.files("tzdata.zoneinfo") / "zone.tab").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        return {name: "" for name in names if "/" in name}
    found: dict[str, str] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) >= 3 and parts[2] in names:
            found[parts[2]] = parts[3] if len(parts) > 3 else ""
    return found


def _by_city(names: list[str]) -> dict[str, tuple[str, ...]]:
    grouped: dict[str, list[str]] = {}
    for name in sorted(names):
        grouped.setdefault(_city(name), []).append(name)
    return {city: tuple(found) for city, found in grouped.items()}


@functools.cache
def _zones() -> _Zones:
    names = {n for n in available_timezones() if n not in _NOT_FOR_PEOPLE}
    main = _main_zones(names)
    main.setdefault("UTC", "Coordinated Universal Time")
    return _Zones(
        by_lower={n.lower(): n for n in names},
        main=main,
        main_by_city=_by_city(list(main)),
        all_by_city=_by_city(list(names)),
    )


def resolve_timezone(text: str) -> str:
    """The zone a person meant, spelt as the database spells it; raises UnknownTimezone
    (a ValueError) with what they may have meant when it is not one."""
    zones = _zones()
    key = _key(text)
    if not key:
        raise UnknownTimezone("an empty time zone")
    exact = zones.by_lower.get(key)
    if exact is not None and is_timezone(exact):
        return exact
    if "/" not in key:
        for index in (zones.main_by_city, zones.all_by_city):
            found = index.get(key, ())
            if len(found) == 1:
                return found[0]
            if found:
                raise UnknownTimezone(
                    "several time zones are called that: "
                    + ", ".join(found[:5])
                    + "; write the whole name",
                    found[:5],
                )
    suggestions = suggest_timezones(text)
    if suggestions:
        raise UnknownTimezone(f"did you mean {' or '.join(suggestions)}?", suggestions)
    raise UnknownTimezone("not a time zone peerbot knows")


def suggest_timezones(text: str, limit: int = 3) -> tuple[str, ...]:
    """Main zones close to what was typed ("Sydny" -> Australia/Sydney), best first."""
    key = _key(text)
    if not key or len(key) > 60:
        return ()
    zones = _zones()
    against = {name: (name.lower() if "/" in key else _city(name)) for name in zones.main}
    found = process.extract(
        key, against, scorer=fuzz.ratio, limit=limit, score_cutoff=_SUGGEST_CUTOFF
    )
    return tuple(str(name) for _, _, name in found)


def complete_timezones(partial: str, limit: int = 25) -> list[Choice]:
    """Suggestions as someone types a time zone (Discord's autocomplete): Australia's zones
    first when nothing is typed, then names and places that start with or contain the text,
    then near misses."""
    zones = _zones()
    key = _key(partial)
    if not key:
        return [_choice(name, zones.main[name]) for name in AUSTRALIA_FIRST[:limit]]
    ranked: list[tuple[int, str]] = []
    for name, area in zones.main.items():
        lower, city = name.lower(), _city(name)
        if lower.startswith(key) or city.startswith(key):
            rank = 0 if name in AUSTRALIA_FIRST else 1
        elif key in lower or key in _key(area):
            rank = 2
        else:
            continue
        ranked.append((rank, name))
    names = [name for _, name in sorted(ranked)]
    if len(names) < limit:
        names += [n for n in suggest_timezones(partial, limit) if n not in names]
    exact = zones.by_lower.get(key)
    if exact is not None and exact not in names:
        names.insert(0, exact)  # an older name typed in full (Australia/ACT) is fine too
    return [_choice(name, zones.main.get(name, "")) for name in names[:limit]]


def _choice(name: str, area: str) -> Choice:
    label = f"{name} - {area}" if area else name
    return Choice(label=label[:100], value=name)
