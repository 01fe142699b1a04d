"""Audit lines as people read them: dates in words, never ISO text (issue 20 item 16)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.audit import AuditEntry
from bot.mentions import plain
from cogs.moderation.lines import audit_line

SYDNEY = ZoneInfo("Australia/Sydney")


def line(action: str, target: str, detail: str = "") -> str:
    at = datetime(2035, 2, 4, 23, 30, tzinfo=UTC)
    entry = AuditEntry(1, at, "a-member", action, 1, target, detail)
    return plain(audit_line(entry, SYDNEY))


def test_meeting_targets_and_details_name_the_day() -> None:
    assert line("meeting.edit", "series:1:2035-02-05", "time") == (
        "Mon 5 Feb 2035, 10:30 AEDT | a member | meeting.edit | "
        "the meeting on Monday 5 February 2035 (series number 1) | time"
    )
    assert line("meeting.capacity", "meeting:2:2035-02-05", "12 places").endswith(
        "| the meeting on Monday 5 February 2035 (series number 2) | 12 places"
    )
    assert line("meeting.schedule", "series:1", "every 3 months from 2035-02-05").endswith(
        "| meeting series number 1 | every 3 months from 5 February 2035"
    )


def test_numbered_targets_and_odd_text_stay_readable() -> None:
    assert line("reflection.start", "7", "whatsowhat, 2 invited").endswith(
        "| co-reflection number 7 | whatsowhat, 2 invited"
    )
    assert line("mentoring.accept", "3").endswith("| mentoring pair number 3")
    # Not a real date, or not a meeting: left as it was rather than guessed at.
    assert line("meeting.edit", "series:1:2035-02-30").endswith("| series:1:2035-02-30")
    assert line("network.edit", "south-coast", "timezone").endswith("| south-coast | timezone")
