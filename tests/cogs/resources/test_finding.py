"""Issue 18 through the registry, as people search: "peer" finds the entries titled Peer
first, type words find their type, "self care" and "youth" find nothing unrelated, and a
search for distress that finds nothing answers with 000 and the /support lines."""

from __future__ import annotations

from typing import Any

import pytest

from bot.replies import Reply
from tests.cogs.resources.conftest import World

LINK = "https://example.org/entry"


async def add(world: World, title: str, **extra: Any) -> Reply:
    arguments: dict[str, Any] = {
        "title": title,
        "link": LINK,
        "summary": "For peer workers in the network.",
        "area": "developing",
        "type": "template",
        "network": "south-coast",
        **extra,
    }
    reply = await world.run("carol", "resources add", **arguments)
    assert reply.text.startswith("Added entry"), reply.text
    return reply


def result_titles(reply: Reply) -> list[str]:
    return [c.title for c in reply.cards[1:]]


async def test_peer_lists_the_peer_entries_first(world: World) -> None:
    await add(world, "Peer supervision notes")
    await add(world, "Peer worker, Wollongong", type="job", region="nsw")
    reply = await world.run("mia", "resources search", query="peer")
    found = result_titles(reply)
    assert found[:2] == ["Peer supervision notes", "Peer worker, Wollongong"] or found[:2] == [
        "Peer worker, Wollongong",
        "Peer supervision notes",
    ], found
    assert "QLife" not in found  # later, after every title with peer in it
    while any(b.label == "Next" for b in reply.buttons):
        reply = await world.press("mia", next(b.action for b in reply.buttons if b.label == "Next"))
        found += result_titles(reply)
    with_peer = [title for title in found if "peer" in title.lower()]
    assert found[: len(with_peer)] == with_peer, found
    assert "QLife" in found[len(with_peer) :]


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("jobs", "Peer worker, Wollongong"),
        ("job", "Peer worker, Wollongong"),
        ("training", "Core workshop"),
        ("templates", "Supervision notes"),
        ("forms", "Leave request"),
    ],
)
async def test_type_words_find_that_type(world: World, query: str, title: str) -> None:
    await add(world, "Peer worker, Wollongong", type="job", region="nsw")
    await add(world, "Core workshop", type="training")
    await add(world, "Supervision notes", type="template")
    await add(world, "Leave request", type="form")
    reply = await world.run("mia", "resources search", query=query)
    assert title in result_titles(reply), reply.text
    assert "nothing" not in reply.text


async def test_self_care_and_youth_show_nothing_unrelated(world: World) -> None:
    await add(world, "South Coast roster")
    care = await world.run("mia", "resources search", query="self care")
    assert care.text.startswith("Resources for 'self care': nothing found."), care.text
    assert "Peer Work Strategic Framework" not in care.text and care.buttons == []
    youth = await world.run("mia", "resources search", query="youth")
    assert youth.text.startswith("Resources for 'youth': nothing found."), youth.text
    assert "South Coast roster" not in youth.text and youth.buttons == []


@pytest.mark.parametrize("query", ["self harm", "self-harm", "overdose", "hurt myself", "unsafe"])
async def test_distress_with_nothing_found_answers_with_000_and_the_lines(
    world: World, query: str
) -> None:
    support = await world.run("mia", "support")
    reply = await world.run("mia", "resources search", query=query)
    assert reply.private
    assert reply.text.startswith(f"Nothing in the resource library matched '{query}'.")
    assert "If you need support now, these lines can help." in reply.text
    assert support.text in reply.text  # the /support answer itself, from its data file
    assert "000" in reply.text and "13 11 14" in reply.text
    assert reply.cards[0].title == "Nothing found in the resource library"
    assert reply.cards[1:] == support.cards


async def test_distress_with_results_says_000_first(world: World) -> None:
    reply = await world.run("mia", "resources search", query="suicide")
    assert reply.text.splitlines()[1] == (
        "If you or someone else is in danger now, call 000. For 24/7 crisis and support "
        "lines, type /support."
    )
    assert reply.cards[0].description.startswith("If you or someone else is in danger now")
    plain = await world.run("mia", "resources search", query="supervision")
    assert "danger" not in plain.text


async def test_a_misspelt_distress_word_gets_the_lines_and_the_correction(world: World) -> None:
    reply = await world.run("mia", "resources search", query="sucide")
    assert "Did you mean 'suicide'?" in reply.text
    assert "13 11 14" in reply.text
    assert [b.label for b in reply.buttons] == ["Search for 'suicide'"]
