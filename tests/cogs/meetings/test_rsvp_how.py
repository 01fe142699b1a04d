"""Layer 2: an answer says how the person comes, in the room or online, with optional access
needs that only coordinators see (issue 20, item 2); covered by privacy export and delete."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.clock import FakeClock
from bot.registry import ActionInvocation
from bot.replies import ActionRef
from cogs.meetings.commands import ACCESS_ACTION, HOW_ACTION
from cogs.meetings.notices import RSVP_ACTION
from tests.cogs.meetings.conftest import World
from tests.cogs.meetings.test_commands import schedule
from tests.cogs.networks import invoke, press, user

FIRST = "2035-05-18"
NEEDS = "Step-free access and a hearing loop"


@pytest.fixture
async def planned(world: World) -> World:
    clock = world.kernel.clock
    assert isinstance(clock, FakeClock)
    clock.set(datetime(2035, 3, 1, tzinfo=UTC))
    assert "Scheduled" in await schedule(world, date=FIRST)
    return world


async def test_going_asks_how_and_the_coordinator_sees_it(planned: World) -> None:
    kernel = planned.kernel
    going = await press(kernel, "mia", ActionRef(action=RSVP_ACTION, payload=f"1:{FIRST}:going"))
    assert going.private and going.text.startswith("Saved: Going to the meeting on")
    assert "How will you come: in the room or online?" in going.text
    assert [b.label for b in going.buttons] == ["In the room", "Online", "Access needs"]
    assert going.buttons[1].action == ActionRef(action=HOW_ACTION, payload=f"1:{FIRST}:online")
    online = await press(kernel, "mia", going.buttons[1].action)
    assert online.private and online.text == "Saved. You come online."

    form = await press(kernel, "mia", going.buttons[2].action)
    assert going.buttons[2].action.action == ACCESS_ACTION
    assert form.form is not None and form.form.fields[0].long
    saved = await kernel.registry.invoke_action(
        ActionInvocation(
            user=user("mia"), place=None, action=form.form.action, fields={"needs": NEEDS}
        )
    )
    assert saved.text == "Saved. You come online. The coordinators can see your access needs."

    said = await invoke(
        kernel, "max", "meeting rsvp", answer="going", network="south-coast", how="room"
    )
    assert said.text.endswith("AEST. You come in the room.")

    seen = await invoke(kernel, "carol", "manage meeting attendees", network="south-coast")
    assert "(online)" in seen.text and "(in the room)" in seen.text
    assert "Going in the room: 1; going online: 1; not said: 0." in seen.text
    assert f": {NEEDS}" in seen.text and "for coordinators only" in seen.text
    # An executive runs the same command but does not see the access needs themselves.
    exec_seen = await invoke(kernel, "eve", "manage meeting attendees", network="south-coast")
    assert NEEDS not in exec_seen.text
    assert "1 person has told the coordinators of access needs" in exec_seen.text

    # Can't go clears how and the access needs; how without an answer is refused.
    await invoke(kernel, "mia", "meeting rsvp", answer="no", network="south-coast")
    assert (
        NEEDS
        not in (
            await invoke(kernel, "carol", "manage meeting attendees", network="south-coast")
        ).text
    )
    refused = await press(kernel, "mia", going.buttons[0].action)
    assert refused.private and refused.text.startswith("Say Going or Maybe first")


async def test_access_needs_are_exported_and_deleted(planned: World) -> None:
    kernel = planned.kernel
    await invoke(kernel, "mia", "meeting rsvp", answer="maybe", network="south-coast", access=NEEDS)
    exported = await invoke(kernel, "mia", "privacy export")
    data = json.loads(exported.attachments[0].content)["data"]["meetings"]
    assert [(a["answer"], a["mode"], a["access_needs"]) for a in data["answers"]] == [
        ("maybe", None, NEEDS)
    ]
    confirm = await invoke(kernel, "mia", "privacy delete")
    assert "Done." in (await press(kernel, "mia", confirm.buttons[0].action)).text
    row = await kernel.db.fetch_one(
        "SELECT COUNT(*) AS n FROM rsvps WHERE access_needs IS NOT NULL"
    )
    assert row is not None and row["n"] == 0
