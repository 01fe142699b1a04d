"""What a reviewer found: two reviewers deciding one suggestion at once, typed entry numbers
the database cannot hold, and old paging buttons outliving a person's membership."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.errors import UserError
from bot.replies import ActionRef, Reply
from cogs.resources.commands import CHECKED_ACTION, PAGE_ACTION
from tests.cogs.resources.conftest import World, key
from tests.cogs.resources.test_commands import LINK, add, by_label

APOLOGY = "Sorry, something went wrong"


async def suggest(world: World, who: str = "mia", title: str = "Peer agreement") -> int:
    opened = await world.run(who, "resources submit", area="support", type="template")
    assert opened.form is not None
    fields = {"title": title, "link": LINK, "summary": "An agreement."}
    sent = await world.press(who, opened.form.action, fields)
    assert sent.text.startswith("Thank you."), sent.text
    pending = await world.service.pending(world.south)
    return pending[-1].id


async def entries_titled(world: World, title: str) -> int:
    row = await world.kernel.db.fetch_one(
        "SELECT count(*) AS n FROM resources WHERE title = ?", (title,)
    )
    assert row is not None
    return int(row["n"])


async def status_of(world: World, submission_id: int) -> str:
    row = await world.kernel.db.fetch_one(
        "SELECT status FROM resource_submissions WHERE id = ?", (submission_id,)
    )
    assert row is not None
    return str(row["status"])


# ---- two decisions at once --------------------------------------------------------------------


async def test_two_approvals_at_once_make_one_entry(world: World) -> None:
    number = await suggest(world)
    outcomes = await asyncio.gather(
        world.service.approve(number, key("carol")),
        world.service.approve(number, key("eve")),
        return_exceptions=True,
    )
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(errors) == 1, outcomes
    assert isinstance(errors[0], UserError)
    # The second reviewer's check ran either before the first committed (its transaction
    # then finds the submission decided) or after (its check sees it approved).
    assert str(errors[0]) in {
        f"Submission {number} was already decided. Nothing was changed.",
        f"Submission {number} was already approved. Nothing was changed.",
    }
    assert await entries_titled(world, "Peer agreement") == 1
    await world.deliver()
    assert sum("was approved" in text for text in world.dms("mia")) == 1


async def test_a_double_click_on_approve_makes_one_entry(world: World) -> None:
    await suggest(world)
    queue = await world.run("carol", "resources review", network="south-coast")
    approve = by_label(queue, "Approve")
    first, second = await asyncio.gather(
        world.press("carol", approve), world.press("carol", approve)
    )
    texts = sorted([first.text, second.text])
    assert sum(t.startswith("Approved:") for t in texts) == 1, texts
    assert sum("already" in t and "Nothing was changed" in t for t in texts) == 1, texts
    assert all(APOLOGY not in t for t in texts)
    assert await entries_titled(world, "Peer agreement") == 1


async def test_approve_and_reject_at_once_tell_the_truth(world: World) -> None:
    number = await suggest(world)
    queue = await world.run("carol", "resources review", network="south-coast")
    form = await world.press("eve", by_label(queue, "Reject"))
    assert form.form is not None
    approved, rejected = await asyncio.gather(
        world.press("carol", by_label(queue, "Approve")),
        world.press("eve", form.form.action, {"reason": "We already list it."}),
    )
    status = await status_of(world, number)
    if status == "approved":
        assert approved.text.startswith("Approved:"), approved.text
        assert "already" in rejected.text and not rejected.text.startswith("Rejected")
        assert await entries_titled(world, "Peer agreement") == 1
    else:
        assert status == "rejected"
        assert rejected.text.startswith("Rejected"), rejected.text
        assert "already" in approved.text and not approved.text.startswith("Approved")
        assert await entries_titled(world, "Peer agreement") == 0
    await world.deliver()
    assert len(world.dms("mia")) == 1


async def test_two_rejections_at_once_tell_the_person_once(world: World) -> None:
    number = await suggest(world)
    outcomes = await asyncio.gather(
        world.service.reject(number, key("carol"), "One."),
        world.service.reject(number, key("eve"), "Two."),
        return_exceptions=True,
    )
    assert sum(isinstance(o, UserError) for o in outcomes) == 1, outcomes
    await world.deliver()
    assert len(world.dms("mia")) == 1


# ---- typed entry numbers ----------------------------------------------------------------------


@pytest.mark.parametrize("entry", ["①", "#²", "²", "١٢", "99999999999999999999", "#" + "9" * 40])
async def test_odd_entry_numbers_get_a_clear_message(world: World, entry: str) -> None:
    added = await add(world, "carol", "Coast roster")
    assert added.text.startswith("Added entry")
    cases: list[tuple[str, dict[str, Any]]] = [
        ("resources show", {}),
        ("resources edit", {"title": "New"}),
        ("resources retire", {}),
    ]
    for command, extra in cases:
        reply = await world.run("carol", command, entry=entry, **extra)
        assert APOLOGY not in reply.text, (command, reply.text)
        assert "no entry" in reply.text, (command, reply.text)
    assert (await world.run("mia", "resources search", query="coast roster")).cards


async def test_a_number_too_long_to_be_an_entry_says_so(world: World) -> None:
    reply = await world.run("mia", "resources show", entry="99999999999999999999")
    assert reply.text == (
        "There is no entry number 99999999999999999999: entry numbers are at most 15 digits. "
        "Find one with /resources search; each result shows its number."
    )


async def test_a_fifteen_digit_number_is_simply_not_found(world: World) -> None:
    reply = await world.run("mia", "resources show", entry="9" * 15)
    assert f"There is no entry '{'9' * 15}' that you can see." in reply.text


@pytest.mark.parametrize("payload", ["①", "²", "99999999999999999999"])
async def test_forged_button_numbers_are_out_of_date(world: World, payload: str) -> None:
    await suggest(world)
    queue = await world.run("carol", "resources review", network="south-coast")
    approve = by_label(queue, "Approve").model_copy(update={"payload": payload})
    reply = await world.press("carol", approve)
    assert reply.text == "That button is out of date. Nothing was changed."
    reject = by_label(queue, "Reject").model_copy(update={"payload": payload})
    assert (await world.press("carol", reject)).text == reply.text


@pytest.mark.parametrize("page", ["①", "²", "99999999999999999999"])
async def test_forged_page_numbers_are_out_of_date(world: World, page: str) -> None:
    first = await world.run("mia", "resources search", query="crisis")
    token = by_label(first, "Next").payload.rpartition(":")[0]
    forged = ActionRef(action=PAGE_ACTION, payload=f"{token}:{page}")
    reply = await world.press("mia", forged)
    assert APOLOGY not in reply.text
    assert "out of date" in reply.text


@pytest.mark.parametrize("value", ["①", "²", "99999999999999999999"])
async def test_forged_stale_choices_are_ignored(world: World, value: str) -> None:
    checked = ActionRef(action=CHECKED_ACTION, payload=str(world.south))
    reply = await world.press("carol", checked, selected=(value,))
    assert reply.text == "Pick at least one entry. Nothing was changed."


# ---- paging after leaving a network -----------------------------------------------------------


async def pages(world: World, who: str, first: Reply) -> list[str]:
    """Every page's text, following Next buttons."""
    texts = [first.text]
    reply = first
    while any(b.label == "Next" for b in reply.buttons):
        reply = await world.press(who, by_label(reply, "Next"))
        texts.append(reply.text)
    return texts


async def test_paging_after_leaving_a_network_hides_its_entries(world: World) -> None:
    for number in range(12):
        await add(world, "carol", f"Coast template {number:02d}")
    first = await world.run("mia", "resources search", query="coast template")
    assert "12 found" in first.text
    left = await world.run("mia", "network leave", network="south-coast")
    assert left.text.startswith("You have left"), left.text
    later = await world.press("mia", by_label(first, "Next"))
    assert "Coast template" not in later.text
    assert "out of date" in later.text


async def test_browse_buttons_after_leaving_a_network_hide_its_entries(world: World) -> None:
    for number in range(7):
        await add(world, "carol", f"Coast template {number:02d}")
    reply = await world.run("mia", "resources browse", area="support")
    assert reply.select is not None
    await world.run("mia", "network leave", network="south-coast")
    chosen = await world.press("mia", reply.select.action, selected=("template",))
    assert "Coast template" not in chosen.text


async def test_another_person_pressing_old_buttons_sees_only_their_networks(
    world: World,
) -> None:
    for number in range(12):
        await add(world, "carol", f"Coast template {number:02d}")
    first = await world.run("mia", "resources search", query="coast template")
    texts = await pages(world, "mia", first)
    assert sum(t.count("Coast template") for t in texts) >= 12
    other = await world.press("ben", by_label(first, "Next"))
    assert "Coast template" not in other.text
