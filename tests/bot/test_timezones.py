from __future__ import annotations

import pytest

from bot.timezones import is_timezone


@pytest.mark.parametrize(
    "name", ["Australia/Sydney", "Australia/Brisbane", "Australia/Perth", "Australia/Darwin", "UTC"]
)
def test_zone_names(name: str) -> None:
    assert is_timezone(name)


@pytest.mark.parametrize(
    "name", ["", "Australia", "Mars/Base", "../etc/passwd", " Australia/Sydney", "AEST"]
)
def test_not_zone_names(name: str) -> None:
    assert not is_timezone(name)
