"""Saving entries for later (issue 18 item 10): Save on an entry, /resources saved lists
them (only for the person, only entries they may still see), remove from there; covered by
the privacy export and delete."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.replies import Reply
from tests.cogs.resources.conftest import World, key


def button(reply: Reply, label: str) -> Any:
    return next(b.action for b in reply.buttons if b.label == label)


async def test_save_list_and_remove_entries(world: World) -> None:
    empty = await world.run("mia", "resources saved")
    assert empty.text.startswith("You have no saved entries.") and empty.select is None
    lifeline = await world.run("mia", "resources show", entry="lifeline")
    saved = await world.press("mia", button(lifeline, "Save"))
    assert saved.private and saved.text.startswith("Saved 'Lifeline' (entry "), saved.text
    again = await world.press("mia", button(lifeline, "Save"))
    assert "is already saved" in again.text
    added = await world.run(
        "carol",
        "library add",
        title="Coast roster",
        link="https://example.org/roster",
        summary="Who is on when.",
        area="support",
        type="form",
        network="south-coast",
    )
    assert added.text.startswith("Added entry")
    world.clock.advance(dt.timedelta(minutes=5))
    roster = await world.run("mia", "resources show", entry="Coast roster")
    await world.press("mia", button(roster, "Save"))

    listed = await world.run("mia", "resources saved")
    assert listed.private
    lines = listed.text.splitlines()
    assert lines[0] == "Your saved entries (2), newest first; only you can see them:"
    assert lines[1].startswith("- Coast roster (entry ")
    assert lines[1].endswith("): https://example.org/roster")
    assert lines[2].startswith("- Lifeline (entry ") and "lifeline.org.au" in lines[2]
    assert (await world.run("max", "resources saved")).text.startswith("You have no saved")

    # Someone else's pick from mia's menu removes nothing of mia's.
    assert listed.select is not None
    roster_id = next(c.value for c in listed.select.choices if c.label == "Coast roster")
    other = await world.press("max", listed.select.action, selected=(roster_id,))
    assert other.text == "Those entries were not saved any more. Nothing was changed."
    exported = await world.kernel.privacy.export(world.kernel.db, key("mia"))
    assert [e["title"] for e in exported["resources"]["saved_entries"]] == [
        "Lifeline",
        "Coast roster",
    ]
    removed = await world.press("mia", listed.select.action, selected=(roster_id,))
    assert removed.text == "Removed 1 entry from your saved entries."
    after = await world.run("mia", "resources saved")
    assert "Coast roster" not in after.text and "Lifeline" in after.text

    deleted = await world.kernel.privacy.delete(world.kernel.db, key("mia"))
    assert deleted["resources"] >= 1
    assert (await world.run("mia", "resources saved")).text.startswith("You have no saved")
    rows = await world.kernel.db.fetch_all("SELECT * FROM resource_bookmarks")
    assert rows == []


async def test_a_saved_entry_of_a_network_left_or_retired_is_not_shown(world: World) -> None:
    await world.run(
        "carol",
        "library add",
        title="Coast roster",
        link="https://example.org/roster",
        summary="Who is on when.",
        area="support",
        type="form",
        network="south-coast",
    )
    roster = await world.run("max", "resources show", entry="Coast roster")
    await world.press("max", button(roster, "Save"))
    hidden = await world.press("ben", button(roster, "Save"))  # not in South Coast
    assert hidden.text.startswith("There is no entry"), hidden.text
    assert (await world.run("ben", "resources saved")).text.startswith("You have no saved")
    await world.run("carol", "library retire", entry="Coast roster")
    assert (await world.run("max", "resources saved")).text.startswith("You have no saved")
