"""Issue 20, item 7: "Let someone know" offers the coordinator or a peer the person chooses
(a member of the same network, asked first, who can say no), an optional line on how to reach
them (shown only to who they chose, never logged), and "I have seen this", after which the
person hears "X has seen your message". Through the outbox: nothing twice after a restart;
covered by /privacy export and delete."""

from __future__ import annotations

from typing import Any

import pytest

from bot.mentions import PLAIN, render_marks
from bot.ports import NOT_ACCEPTING_DMS, DeliveryError
from bot.replies import ActionRef, Reply
from tests.cogs.checkins.conftest import World, button, key, let_coordinator_know
from tests.cogs.checkins.test_checkins import opt_in

REACH = "Text me after 5pm, I am on the late shift"


async def run(world: World, who: str, command: str, /, **arguments: Any) -> Reply:
    """A command as the console shows its reply (names, not marks)."""
    return render_marks(await world.run(who, command, **arguments), PLAIN)


async def press(world: World, who: str, action: ActionRef) -> Reply:
    return render_marks(await world.press(who, action), PLAIN)


async def red(world: World, who: str = "mia") -> Reply:
    await opt_in(world, who)
    return await world.press(who, button(await world.run(who, "checkin now"), "Red"))


def texts(world: World, who: str) -> list[str]:
    return [m.text for m in world.dms(who)]


async def deliver_all(world: World) -> None:
    for _ in range(3):  # notices, then the fan-out's outcome
        await world.deliver()


async def share_rows(world: World) -> list[tuple[str, str | None]]:
    rows = await world.kernel.db.fetch_all("SELECT status, reach FROM checkin_shares ORDER BY id")
    return [(str(r["status"]), r["reach"]) for r in rows]


async def test_the_coordinator_gets_the_line_and_says_they_have_seen_it(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")
    support = await red(world)
    choice = await world.press("mia", button(support, "Let someone know"))
    assert choice.text.startswith(
        "Who would you like to know about this answer (Red), and only this one?"
    )
    told = await let_coordinator_know(world, "mia", support, REACH)
    assert told.text.startswith("Sending this answer (Red), and nothing else")
    await deliver_all(world)
    [notice] = world.dms("carol")
    assert notice.text.startswith(
        "mia asked peerbot to let you know, as a coordinator of South Coast, that their "
        "wellbeing check-in answer was: Red."
    )
    assert f'How to reach them, in their words: "{REACH}"' in notice.text
    assert [b.label for b in notice.buttons] == ["I have seen this"]
    thanked = await press(world, "carol", button(notice, "I have seen this"))
    assert thanked.text == "Thank you. mia will be told that you have seen it."
    await deliver_all(world)
    assert texts(world, "mia")[-1] == "carol has seen your message about your check-in answer."
    again = await press(world, "carol", button(notice, "I have seen this"))
    assert again.text.startswith("You have already said you have seen this")
    await world.kernel.outbox.summarise_fanouts()  # as at a restart
    await deliver_all(world)
    assert len([t for t in texts(world, "mia") if "has seen your message" in t]) == 1
    # Someone else cannot press it for her.
    other = await press(world, "max", button(notice, "I have seen this"))
    assert other.text.startswith("That message is no longer there")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "late shift" not in logged and "Red" not in logged


async def test_a_peer_is_asked_first_and_sees_the_answer_only_after_yes(world: World) -> None:
    support = await red(world)
    choice = await world.press("mia", button(support, "Let someone know"))
    how = await world.press("mia", button(choice, "A peer I choose"))
    assert "/checkin tell peer:THEIR-NAME" in how.text
    asked = await run(world, "mia", "checkin tell", peer="max", reach=REACH)
    assert asked.text.startswith(
        "Asked: max is asked privately whether they can take on your latest check-in answer (Red)."
    )
    await deliver_all(world)
    [request] = world.dms("max")
    assert request.text.startswith("mia, a peer in South Coast, would like to let you know")
    assert "Red" not in request.text and "late shift" not in request.text
    assert [b.label for b in request.buttons] == ["Yes, show me", "Not now"]
    assert world.dms("carol") == []  # nobody else
    shown = await press(world, "max", button(request, "Yes, show me"))
    assert "their wellbeing check-in answer was: Red." in shown.text
    assert f'"{REACH}"' in shown.text
    assert await share_rows(world) == [("shown", REACH)]
    await press(world, "max", button(shown, "I have seen this"))
    assert await share_rows(world) == [("shown", None)]  # the line is forgotten once seen
    await deliver_all(world)
    assert texts(world, "mia")[-1] == "max has seen your message about your check-in answer."
    twice = await run(world, "mia", "checkin tell", peer="max")
    assert twice.text.startswith("You already asked max about this answer")


async def test_a_peer_can_say_not_now_and_sees_nothing(world: World) -> None:
    await red(world)
    await run(world, "mia", "checkin tell", peer="kim", reach=REACH)
    await deliver_all(world)
    [request] = world.dms("kim")
    declined = await press(world, "kim", button(request, "Not now"))
    assert declined.text.startswith("Thank you for saying so.")
    assert await share_rows(world) == [("declined", None)]
    await deliver_all(world)
    told = texts(world, "mia")[-1]
    assert told.startswith(
        "kim cannot take this on right now, and saw nothing of your answer. Nobody else has "
        "been told."
    )
    assert "a peer you trust" in told
    later = await press(world, "kim", button(request, "Yes, show me"))
    assert "Red" not in later.text and later.text.startswith("You said you cannot take this on")


async def test_who_can_be_chosen_is_checked_and_bad_input_sends_nothing(world: World) -> None:
    none_yet = await run(world, "mia", "checkin tell", peer="max")
    assert none_yet.text.startswith("You have no check-in answer to share yet.")
    await red(world)
    refusals = {
        "outside": await run(world, "mia", "checkin tell", peer="pia"),  # Perth, not South Coast
        "self": await run(world, "mia", "checkin tell", peer="mia"),
        "long": await run(world, "mia", "checkin tell", peer="max", reach="x" * 201),
    }
    assert refusals["outside"].text.startswith("That person is not a member of South Coast")
    assert refusals["self"].text.startswith("Choose someone other than yourself")
    assert refusals["long"].text.startswith(
        "The option 'reach' must be text of at most 200 characters"
    )
    assert all(r.private and "Nothing was" in r.text for r in refusals.values())
    await deliver_all(world)
    assert world.dms("pia") == [] and world.dms("max") == []
    assert await share_rows(world) == []


async def test_a_peer_who_cannot_be_reached_is_reported(world: World) -> None:
    def fail(outbox_key: str) -> Exception | None:
        if outbox_key.startswith("checkin-share:") and outbox_key.endswith(":ask"):
            return DeliveryError(f"{NOT_ACCEPTING_DMS} (code 50007)", retryable=False)
        return None

    world.port.fail_with = fail
    await red(world)
    await run(world, "mia", "checkin tell", peer="lee", reach=REACH)
    await deliver_all(world)
    assert texts(world, "mia")[-1].startswith(
        "Not sent: peerbot could not reach lee (they do not accept direct messages from this "
        "server), so nobody has been told about your answer."
    )
    assert await share_rows(world) == [("failed", None)]
    world.port.fail_with = lambda key: None
    again = await run(world, "mia", "checkin tell", peer="lee")  # once lee opens them
    assert again.text.startswith("Asked: lee")


async def test_export_and_delete_cover_who_was_told(world: World) -> None:
    await red(world)
    await run(world, "mia", "checkin tell", peer="max", reach=REACH)
    await deliver_all(world)
    [request] = world.dms("max")
    mine = (await world.kernel.privacy.export(world.kernel.db, key("mia")))["checkins"]
    [sent] = mine["let_someone_know"]
    assert sent["told"] == key("max") and sent["as"] == "peer" and sent["status"] == "asked"
    assert sent["how_to_reach_me"] == REACH
    theirs = (await world.kernel.privacy.export(world.kernel.db, key("max")))["checkins"]
    assert [(r["from"], r["status"]) for r in theirs["told_by_others"]] == [(key("mia"), "asked")]
    await world.kernel.privacy.delete(world.kernel.db, key("mia"))
    assert await share_rows(world) == []
    rows = await world.kernel.db.fetch_all(
        "SELECT key FROM outbox WHERE key LIKE '%checkin-share:%'"
    )
    assert rows == []
    gone = await press(world, "max", button(request, "Yes, show me"))
    assert gone.text.startswith("That message is no longer there")


async def test_the_peer_deleting_their_data_takes_what_was_shared_with_them(world: World) -> None:
    await red(world)
    await run(world, "mia", "checkin tell", peer="ned", reach=REACH)
    await deliver_all(world)
    [request] = world.dms("ned")
    await world.kernel.privacy.delete(world.kernel.db, key("ned"))
    assert await share_rows(world) == []
    rows = await world.kernel.db.fetch_all(
        "SELECT key FROM outbox WHERE key LIKE 'checkin-share:%'"
    )
    assert rows == []
    gone = await press(world, "ned", button(request, "Yes, show me"))
    assert gone.text.startswith("That message is no longer there") and "Red" not in gone.text
    # mia's own answer is hers and stays.
    assert [a.label for a in await world.cog.service.history(key("mia"))] == ["Red"]
