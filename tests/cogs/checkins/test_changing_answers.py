"""Layer 2: an answer can be changed the same day (in the person's time zone), replacing the
stored one; and after a low answer, "Would it help to talk to a peer?" (issue 16, item 11).
Nothing about the answer reaches anyone unless the person presses "Let someone know"."""

from __future__ import annotations

import datetime as dt

from tests.cogs.checkins.conftest import World, button, key, let_coordinator_know
from tests.cogs.checkins.test_checkins import opt_in, prompted

# Tuesday 5 January in Sydney ends at 13:00 UTC; in Perth at 16:00 UTC.
END_OF_TUESDAY_SYDNEY = dt.datetime(2027, 1, 5, 13, 0, tzinfo=dt.UTC)


async def rows(world: World) -> list[tuple[str, int, int, int]]:
    found = await world.kernel.db.fetch_all(
        "SELECT scale, value, score, low FROM checkin_answers ORDER BY id"
    )
    return [(str(r[0]), int(r[1]), int(r[2]), int(r[3])) for r in found]


async def test_an_answer_changed_the_same_day_replaces_the_stored_one(world: World) -> None:
    await opt_in(world)
    message = await prompted(world)
    first = await world.press("mia", button(message, "Amber"))
    opened = await world.press("mia", button(first, "Add a private note"))
    assert opened.form is not None
    await world.press("mia", opened.form.action, {"note": "Long shift"})
    world.clock.set(END_OF_TUESDAY_SYDNEY - dt.timedelta(minutes=1))  # 23:59 in Sydney
    offered = await world.press("mia", button(first, "Change my answer"))
    assert offered.text.startswith(
        "Your answer to this check-in is Amber. Choose your new answer; it replaces that one"
    )
    assert [b.label for b in offered.buttons] == ["Green", "Amber", "Red"]
    changed = await world.press("mia", button(offered, "Green"))
    assert changed.text.startswith(
        "Changed: your answer is now Green (it was Amber). It is saved privately"
    )
    assert await rows(world) == [("traffic-light", 3, 100, 0)]  # one answer, replaced
    [answer] = await world.cog.service.history(key("mia"))
    assert answer.note == "Long shift" and answer.label == "Green"
    # The prompt's own buttons change it too (they stay on Discord).
    again = await world.press("mia", button(message, "Red"))
    assert again.text.startswith("Changed: your answer is now Red (it was Green). Thank you")
    assert await rows(world) == [("traffic-light", 1, 0, 1)]
    same = await world.press("mia", button(message, "Red"))
    assert same.text == "Your answer to this check-in is already Red, so nothing was changed."


async def test_the_next_day_the_answer_stays_as_it_was(world: World) -> None:
    await opt_in(world)
    message = await prompted(world)
    first = await world.press("mia", button(message, "Amber"))
    world.clock.set(END_OF_TUESDAY_SYDNEY)  # midnight: Wednesday in Sydney
    for refused in (
        await world.press("mia", button(message, "Green")),
        await world.press("mia", button(first, "Change my answer")),
    ):
        assert refused.text.startswith(
            "You answered this check-in on Tuesday 5 January 2027 (Amber). An answer can be "
            "changed only on the day it was given"
        )
        assert "Nothing was changed." in refused.text
    assert await rows(world) == [("traffic-light", 2, 50, 0)]


async def test_the_day_is_the_persons_own_time_zone(world: World) -> None:
    """Perth is three hours behind Sydney: at 01:00 on Wednesday in Sydney it is still
    Tuesday in Perth, so pia may still change her answer."""
    await opt_in(world, "pia")
    world.clock.set(END_OF_TUESDAY_SYDNEY - dt.timedelta(hours=12))
    now = await world.run("pia", "checkin now")
    answered = await world.press("pia", button(now, "Green"))
    world.clock.set(END_OF_TUESDAY_SYDNEY + dt.timedelta(hours=1))
    offered = await world.press("pia", button(answered, "Change my answer"))
    changed = await world.press("pia", button(offered, "Amber"))
    assert changed.text.startswith("Changed: your answer is now Amber (it was Green).")


async def test_a_change_after_telling_the_coordinator_says_they_are_not_told_again(
    world: World,
) -> None:
    await opt_in(world)
    support = await world.press("mia", button(await prompted(world), "Red"))
    await let_coordinator_know(world, "mia", support)
    await world.deliver()
    await world.deliver()
    offered = await world.press("mia", button(support, "Change my answer"))
    changed = await world.press("mia", button(offered, "Amber"))
    assert changed.text.endswith(
        "Your coordinator was told about your earlier answer (Red) when you asked; peerbot "
        "does not tell them about this change."
    )
    await world.deliver()
    notices = [t for _, target, t in world.port.sent if target == "carol"]
    assert len(notices) == 1 and "Amber" not in notices[0]


async def test_changing_a_who5_answer_asks_the_five_questions_again(world: World) -> None:
    await opt_in(world, scale="who-5", every="fortnightly")
    step = await prompted(world)
    for _ in range(5):
        step = await world.press("mia", button(step, "4: Most of the time"))
    assert step.text.startswith("Thank you. Your answer (wellbeing okay over the last two weeks)")
    again = await world.press("mia", button(step, "Change my answer"))
    assert "question 1 of 5" in again.text and len(again.buttons) == 6
    for _ in range(4):
        again = await world.press("mia", button(again, "1: Some of the time"))
        assert await rows(world) == [("who-5", 80, 80, 0)]  # unchanged until the fifth
    done = await world.press("mia", button(again, "1: Some of the time"))
    assert done.text.startswith(
        "Changed: your answer is now wellbeing very low over the last two weeks (it was "
        "wellbeing okay over the last two weeks)."
    )
    assert await rows(world) == [("who-5", 20, 20, 1)]


async def test_someone_else_cannot_change_your_answer(world: World) -> None:
    await opt_in(world)
    message = await prompted(world)
    answered = await world.press("mia", button(message, "Green"))
    refused = await world.press("max", button(answered, "Change my answer"))
    assert refused.text.startswith("That answer no longer exists")
    assert (await world.press("max", button(message, "Red"))).text.startswith(
        "That check-in is no longer open"
    )
    assert await rows(world) == [("traffic-light", 3, 100, 0)]


# ---- "Would it help to talk to a peer?" ---------------------------------------------------


async def test_yes_says_how_to_reach_a_peer_and_tells_nobody(world: World) -> None:
    await opt_in(world)
    support = await world.press("mia", button(await prompted(world), "Red"))
    sent_before = list(world.port.sent)
    yes = await world.press("mia", button(support, "Yes, help me reach a peer"))
    assert yes.private
    assert yes.text.startswith("Talking it through with a peer can help.")
    assert "/reflect start" in yes.text
    assert "- the coordinators of South Coast: carol. They know nothing about your answer" in (
        yes.text.replace("\ue000person\x1fconsole:carol\x1f\ue001", "carol")
    )
    assert yes.text.endswith(
        "Nobody has been told about your answer, and nobody will be unless you choose."
    )
    assert "Red" not in yes.text  # it repeats nothing
    assert [b.label for b in yes.buttons] == ["Let someone know"]
    no = await world.press("mia", button(support, "No, thank you"))
    assert no.text.startswith("That is fine. Nobody has been told about your answer.")
    await world.deliver()
    assert world.port.sent == sent_before  # nobody was messaged
    [answer] = await world.cog.service.history(key("mia"))
    assert answer.coordinator_told_at is None


async def test_yes_names_the_networks_general_channel_on_the_persons_platform(
    world: World,
) -> None:
    async with world.kernel.db.transaction() as tx:
        for place, space in (("console:coast-general", "console:space"), ("matrix:!r", "m:s")):
            await tx.execute(
                """INSERT INTO network_places (network_id, space_key, purpose, place_key)
                   VALUES (?, ?, 'general', ?)""",
                (world.south, space, place),
            )
    await opt_in(world)
    support = await world.press("mia", button(await world.run("mia", "checkin now"), "Red"))
    yes = await world.press("mia", button(support, "Yes, help me reach a peer"))
    assert "console:coast-general" in yes.text and "matrix:!r" not in yes.text
    assert "where everyone in South Coast can read it" in yes.text


async def test_the_follow_up_buttons_are_the_persons_own(world: World) -> None:
    await opt_in(world)
    support = await world.press("mia", button(await prompted(world), "Red"))
    for label in ("Yes, help me reach a peer", "No, thank you"):
        refused = await world.press("max", button(support, label))
        assert refused.text.startswith("That answer no longer exists")


async def test_no_follow_up_after_an_answer_that_is_not_low(world: World) -> None:
    await opt_in(world)
    thanks = await world.press("mia", button(await prompted(world), "Green"))
    assert "talk to a peer" not in thanks.text
    assert [b.label for b in thanks.buttons] == ["Add a private note", "Change my answer"]
