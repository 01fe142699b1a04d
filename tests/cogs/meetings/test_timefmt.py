"""How meeting times are written: local time with AEDT/AEST, and Discord timestamps."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from cogs.meetings.schedule import Occurrence, SeriesRule, occurrences
from cogs.meetings.timefmt import describe, describe_start, discord_timestamp

NOW = datetime(2027, 1, 1, tzinfo=UTC)


def first(timezone: str, day: date, at: time = time(10), hours: float = 2) -> Occurrence:
    rule = SeriesRule(day, at, timedelta(hours=hours), timezone)
    return occurrences(rule, after=NOW, limit=1)[0]


def test_describe_sydney_summer_and_winter() -> None:
    assert (
        describe(first("Australia/Sydney", date(2027, 3, 10)))
        == "Wednesday 10 March 2027, 10:00 to 12:00 AEDT"
    )
    assert (
        describe(first("Australia/Sydney", date(2027, 6, 10)))
        == "Thursday 10 June 2027, 10:00 to 12:00 AEST"
    )


def test_describe_brisbane_and_perth() -> None:
    assert describe(first("Australia/Brisbane", date(2027, 3, 10))).endswith("10:00 to 12:00 AEST")
    assert describe(first("Australia/Perth", date(2027, 3, 10))).endswith("10:00 to 12:00 AWST")


def test_describe_across_midnight_and_across_a_change() -> None:
    late = first("Australia/Sydney", date(2027, 3, 10), time(23), hours=2)
    assert (
        describe(late) == "Wednesday 10 March 2027, 23:00 to 01:00 on Thursday 11 March 2027 AEDT"
    )
    change = first("Australia/Sydney", date(2027, 4, 4), time(1, 30), hours=2)
    assert describe(change) == "Sunday 4 April 2027, 01:30 AEDT to 02:30 AEST"


def test_describe_start() -> None:
    when = datetime(2027, 3, 10, 10, tzinfo=ZoneInfo("Australia/Sydney"))
    assert describe_start(when) == "Wednesday 10 March 2027, 10:00 AEDT"


def test_discord_timestamp() -> None:
    occurrence = first("Australia/Sydney", date(2027, 3, 10))
    epoch = int(datetime(2027, 3, 9, 23, tzinfo=UTC).timestamp())
    assert discord_timestamp(occurrence.start) == f"<t:{epoch}:F>"
    assert discord_timestamp(occurrence.local_start, "R") == f"<t:{epoch}:R>"
    with pytest.raises(ValueError, match="style"):
        discord_timestamp(occurrence.start, "X")
    with pytest.raises(ValueError, match="aware"):
        discord_timestamp(datetime(2027, 1, 1))
