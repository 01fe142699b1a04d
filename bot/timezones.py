"""Time zone names: one check used by settings and by every command that takes a zone."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


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
