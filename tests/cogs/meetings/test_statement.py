"""Layer 2: a member's professional development statement and the coordinator's attendance
report (issue 20, item 4): topic and facilitator from each meeting's own plan, "1 hour" and
"1.5 hours", CSV and a printable page; per meeting and per year."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FakeClock
from tests.cogs.meetings.conftest import World
from tests.cogs.meetings.test_commands import private, schedule
from tests.cogs.networks import invoke

SOUTH = "south-coast"
HELD = (
    ("2035-05-18", 1.0, "mia, max"),
    ("2035-08-18", 1.5, "mia, max"),
    ("2036-02-18", 1.0, "mia"),
)


@pytest.fixture
async def held(world: World) -> World:
    """Three meetings of a quarterly series, the first two planned, each held and marked."""
    kernel = world.kernel
    clock = kernel.clock
    assert isinstance(clock, FakeClock)
    clock.set(datetime(2035, 3, 1, tzinfo=UTC))
    assert "Scheduled" in await schedule(world, date="2035-05-18", duration=60)
    private(
        await invoke(
            kernel,
            "carol",
            "manage meeting plan",
            network=SOUTH,
            date="2035-05-18",
            topic="Trauma-informed <practice>",
            facilitator="Dana Wills",
        )
    )
    private(
        await invoke(
            kernel,
            "carol",
            "manage meeting plan",
            network=SOUTH,
            date="2035-08-18",
            topic="Boundaries",
        )
    )
    for day, hours, who in HELD:
        clock.set(datetime.fromisoformat(day).replace(tzinfo=UTC) + timedelta(hours=12))
        marked = await invoke(
            kernel,
            "carol",
            "manage meeting attend",
            network=SOUTH,
            date=day,
            members=who,
            hours=hours,
        )
        assert marked.text.startswith("Marked"), marked.text
    return world


async def test_the_pd_statement_reads_right_and_comes_as_csv_and_a_page(held: World) -> None:
    reply = await invoke(held.kernel, "mia", "meeting record")
    text = private(reply)
    assert (
        "- 18 May 2035: South Coast, South Coast meeting, topic: Trauma-informed <practice>, "
        "facilitator: Dana Wills, 1 hour" in text
    )
    assert (
        "- 18 August 2035: South Coast, South Coast meeting, topic: Boundaries, 1.5 hours" in text
    )
    assert "- 18 February 2036: South Coast, South Coast meeting, 1 hour" in text
    assert "Total: 3.5 hours at 3 meetings." in text
    sheet, page = reply.attachments
    assert (sheet.filename, page.filename) == ("pd-statement.csv", "pd-statement.html")
    table = list(csv.reader(io.StringIO(sheet.content.decode("utf-8"))))
    assert table[0] == ["date", "network", "meeting", "topic", "facilitator", "hours"]
    assert table[1] == [
        "2035-05-18",
        "South Coast",
        "South Coast meeting",
        "Trauma-informed <practice>",
        "Dana Wills",
        "1",
    ]
    assert table[2][3:] == ["Boundaries", "", "1.5"]
    html = page.content.decode("utf-8")
    assert "<td>Trauma-informed &lt;practice&gt;</td>" in html  # escaped
    assert "<td>1 hour</td>" in html and "<td>1.5 hours</td>" in html
    assert "Total: 3.5 hours at 3 meetings." in html

    one_year = private(await invoke(held.kernel, "max", "meeting record", year=2035))
    assert "Total: 2.5 hours at 2 meetings." in one_year
    none = private(await invoke(held.kernel, "max", "meeting record", year=2036))
    assert none.startswith("No meeting attendance is recorded for you yet in 2036")


async def test_the_coordinator_sees_attendance_per_meeting_and_per_year(held: World) -> None:
    reply = await invoke(held.kernel, "carol", "manage meeting report", network=SOUTH)
    text = private(reply)
    assert (
        "- 18 May 2035: South Coast meeting (Trauma-informed <practice>): 2 people, "
        "2 hours in all" in text
    )
    assert "- 18 February 2036: South Coast meeting: 1 person, 1 hour in all" in text
    assert "2035: 2 meetings, 4 attendances, 5 hours of professional development in all." in text
    assert "2036: 1 meeting, 1 attendance, 1 hour of professional development in all." in text
    table = list(csv.reader(io.StringIO(reply.attachments[0].content.decode("utf-8"))))
    assert table[0] == ["date", "meeting", "topic", "attended", "hours"]
    assert len(table) == 4
    only = private(
        await invoke(held.kernel, "carol", "manage meeting report", network=SOUTH, year=2036)
    )
    assert "2035" not in only and "in 2036" in only
    denied = await invoke(held.kernel, "eve", "manage meeting report", network=SOUTH)
    assert "2 people" not in denied.text
