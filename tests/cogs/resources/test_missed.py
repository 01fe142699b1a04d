"""Searches that found nothing (issue 18 item 10): coordinators see the words and how often,
per network, for 90 days; nobody can see who searched, as it is never stored."""

from __future__ import annotations

import datetime as dt

from tests.cogs.resources.conftest import GENERAL, World


async def test_coordinators_see_the_words_of_searches_that_found_nothing(world: World) -> None:
    await world.run("mia", "resources search", query="burnout")  # in a direct message
    await world.run("mia", "resources search", query="Burnout!")
    await world.run("max", "resources search", query="burnout", place=GENERAL)
    await world.run("max", "resources search", query="roster swap etiquette")
    await world.run("ben", "resources search", query="burnout")
    found = await world.run("max", "resources search", query="crisis")  # found: not counted
    assert "Lifeline" in found.text

    shown = await world.run("carol", "library missed", network="south-coast")
    assert shown.private
    lines = shown.text.splitlines()
    assert lines[0].startswith(
        "Searches by members of South Coast that found nothing in the last 90 days, most "
        "often first. peerbot keeps only the words, the day and how many times, never who "
        "searched."
    ), shown.text
    today = world.clock.now().date().isoformat()
    assert lines[1:] == [
        f"- 'burnout': 3 times, last on {today}",
        f"- 'roster swap etiquette': 1 time, last on {today}",
    ]
    brisbane = await world.run("bea", "library missed", network="brisbane")
    assert brisbane.text.splitlines()[1:] == [f"- 'burnout': 1 time, last on {today}"]
    refused = await world.run("eve", "library missed", network="south-coast")
    assert "coordinator" in refused.text and "burnout" not in refused.text

    columns = await world.kernel.db.fetch_all("PRAGMA table_info(resource_missed_searches)")
    assert {str(c["name"]) for c in columns} == {"network_id", "day", "query", "count"}
    for who in ("mia", "max"):
        exported = await world.kernel.privacy.export(world.kernel.db, f"console:{who}")
        assert "burnout" not in str(exported) and "roster" not in str(exported)


async def test_missed_searches_are_kept_for_90_days(world: World) -> None:
    await world.run("mia", "resources search", query="burnout")
    world.clock.advance(dt.timedelta(days=89))
    await world.run("mia", "resources search", query="rostering")
    kept = await world.run("carol", "library missed", network="south-coast")
    assert "'burnout': 1 time" in kept.text and "'rostering'" in kept.text
    world.clock.advance(dt.timedelta(days=1))
    later = await world.run("carol", "library missed", network="south-coast")
    assert "burnout" not in later.text and "'rostering': 1 time" in later.text
    rows = await world.kernel.db.fetch_all("SELECT query FROM resource_missed_searches")
    assert [str(r["query"]) for r in rows] == ["rostering"]
    world.clock.advance(dt.timedelta(days=90))
    empty = await world.run("carol", "library missed", network="south-coast")
    assert empty.text == (
        "Every search by members of South Coast in the last 90 days found something, or "
        "nobody searched."
    )
