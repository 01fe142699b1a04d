"""Closing dates (issue 18, item 4): an entry cannot be added already closed; a suggestion
that closes while it waits is flagged to the reviewer and cannot be approved as live; browse
shows what closes soon; the person who suggested it is told the truth."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.replies import Reply
from tests.cogs.resources.conftest import World

LINK = "https://example.org/job"


def day(world: World, days: int) -> str:
    return (world.clock.now().date() + dt.timedelta(days=days)).isoformat()


def by_label(reply: Reply, label: str) -> Any:
    return next(b.action for b in reply.buttons if b.label == label)


async def add_job(world: World, title: str, closes: str, **extra: Any) -> Reply:
    return await world.run(
        "carol",
        "resources add",
        title=title,
        link=LINK,
        summary="A paid peer worker role.",
        area="system",
        type="job",
        closes=closes,
        network="south-coast",
        **extra,
    )


async def test_adding_an_entry_already_closed_is_refused(world: World) -> None:
    yesterday = day(world, -1)
    reply = await add_job(world, "Peer worker, Nowra", yesterday)
    today = world.clock.now().date().isoformat()
    assert reply.text == (
        f"The closing date {yesterday} has already passed (today is {today}), so the entry "
        "would never show. Give a later date, or leave the closing date out. Nothing was "
        "changed."
    )
    assert "nothing found" in (await world.run("mia", "resources search", query="nowra")).text
    closes_today = await add_job(world, "Peer worker, Nowra", today)
    assert closes_today.text.startswith("Added entry"), closes_today.text
    assert "(closing soon)" in closes_today.text


async def test_editing_to_a_past_closing_date_is_refused(world: World) -> None:
    added = await add_job(world, "Peer worker, Bega", day(world, 30))
    number = added.cards[0].footer.split()[1]
    reply = await world.run("carol", "resources edit", entry=number, closes=day(world, -2))
    assert "has already passed" in reply.text and reply.text.endswith("Nothing was changed.")
    shown = await world.run("mia", "resources show", entry=number)
    assert day(world, 30) in shown.text


async def submit_job(world: World, closes: str) -> Reply:
    opened = await world.run("mia", "resources submit", area="system", type="job")
    assert opened.form is not None
    fields = {
        "title": "Peer worker, Moruya",
        "link": LINK,
        "summary": "A peer worker role at the hospital.",
        "closes": closes,
    }
    return await world.press("mia", opened.form.action, fields)


async def test_a_suggestion_that_closes_while_waiting_cannot_be_approved(world: World) -> None:
    closes = day(world, 2)
    sent = await submit_job(world, closes)
    assert sent.text.endswith(
        f"It closes on {closes}: a suggestion not reviewed by then is not added, since it "
        "would already be closed."
    ), sent.text
    before = await world.run("carol", "resources review", network="south-coast")
    assert f"closes {closes} (closing soon)" in before.text
    assert [b.label for b in before.buttons] == ["Approve", "Edit, then approve", "Reject"]

    world.clock.advance(dt.timedelta(days=3))
    queue = await world.run("carol", "resources review", network="south-coast")
    assert f"This one closed on {closes} while it waited for review" in queue.text
    assert f"closes {closes} (closed while waiting for review)" in queue.text
    assert [b.label for b in queue.buttons] == ["Reject as closed", "Reject"]
    old_approve = await world.press("carol", by_label(before, "Approve"))
    assert old_approve.text.startswith(
        f"Suggestion 1 closed on {closes} while it waited for review, so it cannot be added"
    ), old_approve.text
    soon = await world.run("mia", "resources browse", closing_soon=True)
    assert "nothing found" in soon.text  # a suggestion is not an entry

    rejected = await world.press("carol", by_label(queue, "Reject as closed"))
    assert rejected.text.startswith("Rejected 'Peer worker, Moruya' as closed")
    assert "No suggestions are waiting" in rejected.text
    await world.deliver()
    assert world.dms("mia") == [
        f"Your suggestion 'Peer worker, Moruya' closed on {closes} before a reviewer got to "
        "it, so it was not added to the resource library. If it opens again, suggest it "
        "again with /resources submit."
    ]
    decided = await world.service.pending(world.south)
    assert decided == []


async def test_an_approved_suggestion_says_until_when_it_shows(world: World) -> None:
    closes = day(world, 20)
    await submit_job(world, closes)
    queue = await world.run("carol", "resources review", network="south-coast")
    approved = await world.press("carol", by_label(queue, "Approve"))
    assert approved.text.startswith("Approved: 'Peer worker, Moruya'"), approved.text
    await world.deliver()
    told = world.dms("mia")
    assert len(told) == 1 and f"It shows in searches until it closes on {closes}." in told[0]


async def test_a_suggestion_already_closed_is_refused_and_kept(world: World) -> None:
    sent = await submit_job(world, day(world, -1))
    assert sent.text.startswith(f"The closing date {day(world, -1)} has already passed")
    assert sent.form is not None
    assert [f.name for f in sent.form.fields] == ["closes"]  # only that field asked again
    fixed = await world.press("mia", sent.form.action, {"closes": day(world, 10)})
    assert fixed.text.startswith("Thank you. Your suggestion 'Peer worker, Moruya'"), fixed.text
    [waiting] = await world.service.pending(world.south)
    assert waiting.draft.closes_on == world.clock.now().date() + dt.timedelta(days=10)
    assert waiting.draft.summary == "A peer worker role at the hospital."


async def test_browse_shows_what_closes_soon(world: World) -> None:
    await add_job(world, "Peer worker, Ulladulla", day(world, 5))
    await add_job(world, "Peer worker, Goulburn", day(world, 1))
    await add_job(world, "Peer worker, Yass", day(world, 40))
    await world.run(
        "admin",
        "resources add",
        title="Shared peer workshop",
        link=LINK,
        summary="A workshop.",
        area="developing",
        type="training",
        closes=day(world, 9),
        shared=True,
        network="south-coast",
    )
    soon = await world.run("mia", "resources browse", closing_soon=True)
    assert soon.text.startswith(
        "Jobs and training closing in the next 14 days: 3 found, showing 1 to 3"
    ), soon.text
    names = [c.title for c in soon.cards[1:]]
    assert names == ["Peer worker, Goulburn", "Peer worker, Ulladulla", "Shared peer workshop"]
    assert f"closes {day(world, 1)} (closing soon)" in soon.text
    training = await world.run("ben", "resources browse", closing_soon=True, type="training")
    assert training.text.startswith(
        "Jobs and training closing in the next 14 days, Training: 1 found"
    ), training.text
    assert [c.title for c in training.cards[1:]] == ["Shared peer workshop"]
    far = await world.run("mia", "resources show", entry="Peer worker, Yass")
    assert "closing soon" not in far.text
    world.clock.advance(dt.timedelta(days=30))
    assert (
        "(closing soon)"
        in (await world.run("mia", "resources show", entry="Peer worker, Yass")).text
    )
    neither = await world.run("mia", "resources browse")
    assert neither.text.startswith("Say which area to browse"), neither.text


async def test_a_search_marks_closing_soon(world: World) -> None:
    await add_job(world, "Peer worker, Cooma", day(world, 3))
    found = await world.run("mia", "resources search", query="cooma")
    closes = next(f for f in found.cards[1].fields if f.name == "Closes")
    assert closes.value == f"{day(world, 3)} (closing soon)"
