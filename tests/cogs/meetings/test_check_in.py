"""Layer 2: members check themselves in while a meeting is on (issue 20, item 3): a Check in
button on the "Starting now" post and /meeting here, only from 15 minutes before the start to
the end; a coordinator corrects it with /manage meeting attend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FakeClock
from bot.replies import ActionRef
from cogs.meetings.render import CHECK_IN_ACTION
from tests.cogs.meetings.conftest import World, key
from tests.cogs.meetings.test_commands import schedule
from tests.cogs.networks import invoke, press

FIRST = "2035-05-18"
START = datetime(2035, 5, 18, 0, tzinfo=UTC)  # 10:00 AEST, two hours
BUTTON = ActionRef(action=CHECK_IN_ACTION, payload=f"1:{FIRST}")


@pytest.fixture
async def planned(world: World) -> World:
    clock = world.kernel.clock
    assert isinstance(clock, FakeClock)
    clock.set(datetime(2035, 3, 1, tzinfo=UTC))
    assert "Scheduled" in await schedule(world, date=FIRST)
    return world


def at(world: World, when: datetime) -> None:
    clock = world.kernel.clock
    assert isinstance(clock, FakeClock)
    clock.set(when)


async def marked(world: World) -> list[tuple[str, float, str]]:
    rows = await world.kernel.db.fetch_all(
        "SELECT user_key, hours, marked_by FROM attendance ORDER BY user_key"
    )
    return [(str(r["user_key"]), float(r["hours"]), str(r["marked_by"])) for r in rows]


async def test_check_in_works_only_while_the_meeting_is_on(planned: World) -> None:
    kernel = planned.kernel
    at(planned, START - timedelta(minutes=16))
    early = await press(kernel, "mia", BUTTON)
    assert early.private and early.text.startswith("Check-in opens 15 minutes before")
    none_on = await invoke(kernel, "mia", "meeting here", network="south-coast")
    assert none_on.private and none_on.text.startswith("No meeting of that network is on now")
    assert await marked(planned) == []

    at(planned, START - timedelta(minutes=10))
    done = await press(kernel, "mia", BUTTON)
    assert done.text.startswith("Checked in at the")
    assert "2 hours on your record" in done.text
    at(planned, START + timedelta(minutes=30))
    typed = await invoke(kernel, "max", "meeting here", network="south-coast")
    assert typed.text.startswith("Checked in at the"), typed.text
    again = await invoke(kernel, "max", "meeting here", network="south-coast")
    assert again.text.startswith("You were already checked in")
    outsider = await press(kernel, "ben", BUTTON)  # Brisbane's member
    assert outsider.text.startswith("Only members of South Coast")

    at(planned, START + timedelta(hours=2))
    late = await press(kernel, "eve", BUTTON)
    assert late.text.startswith("That meeting (") and "check-in is closed" in late.text
    assert await marked(planned) == [
        (key("max"), 2.0, key("max")),
        (key("mia"), 2.0, key("mia")),
    ]

    # The coordinator corrects it: max left early, mia did not stay after all.
    await invoke(
        kernel, "carol", "manage meeting attend", network="south-coast", members="max", hours=1.5
    )
    await invoke(
        kernel, "carol", "manage meeting attend", network="south-coast", members="mia", remove=True
    )
    assert await marked(planned) == [(key("max"), 1.5, key("carol"))]
