"""A member can suggest an agenda item without their name on it (issue 20, item 13): the
coordinators and other members see "a member"; the suggester's own export still holds it."""

from __future__ import annotations

import json

from tests.cogs.meetings.conftest import World
from tests.cogs.meetings.test_commands import schedule
from tests.cogs.networks import as_console_shows, invoke


async def test_an_anonymous_suggestion_is_shown_as_a_member(world: World) -> None:
    assert (await schedule(world)).startswith("Scheduled")
    kernel = world.kernel
    added = await invoke(
        kernel,
        "mia",
        "meeting agenda",
        network="south-coast",
        add="How do we talk about disclosure at work?",
        anonymous=True,
    )
    assert "shown as suggested by 'a member', to coordinators too" in added.text
    named = await invoke(kernel, "max", "meeting agenda", network="south-coast", add="Rosters")
    assert "a member" not in named.text

    listed = as_console_shows(
        await invoke(kernel, "carol", "meeting agenda", network="south-coast")
    )
    assert "1. How do we talk about disclosure at work? (a member)" in listed.text
    assert "2. Rosters (max)" in listed.text
    assert "mia" not in listed.text

    exported = await invoke(kernel, "mia", "privacy export")
    items = json.loads(exported.attachments[0].content)["data"]["meetings"]["agenda_items"]
    assert [(i["text"], i["anonymous"]) for i in items] == [
        ("How do we talk about disclosure at work?", 1)
    ]
