"""Check-ins through the registry: what must not leak or go wrong when things change. An old
button after a change of scale, totals that could single someone out (a scale one person
uses, a period that moves, two periods compared), a coordinator notice left after deletion,
a change of settings that forgets the start date or the fortnight, a prompt sent late after a
resume, answering once the outbox forgot the prompt, and payloads that are not plain digits."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.commands import Role
from bot.replies import ActionRef, Reply
from cogs.checkins.messages import ANSWER_ACTION, NOTE_ACTION
from tests.cogs.checkins.conftest import World, button, key, let_coordinator_know
from tests.cogs.checkins.test_checkins import FIRST, SECOND, answer_now, opt_in, prompted

UTC = dt.UTC
SOUTH = ("mia", "max", "kim", "lee", "ned")
CHANGED = (
    "Your check-in scale changed since this was sent; answer with /checkin now. Nothing was saved."
)


async def summary(world: World, period: str = "4-weeks") -> Reply:
    return await world.run("carol", "checkin summary", network="south-coast", period=period)


async def outbox_rows(world: World, like: str) -> list[tuple[str, str]]:
    rows = await world.kernel.db.fetch_all(
        "SELECT key, status FROM outbox WHERE key LIKE ? ORDER BY id", (like,)
    )
    return [(str(r["key"]), str(r["status"])) for r in rows]


# ---- 1. an old button after a change of scale ----------------------------------------------


async def test_an_old_prompt_is_refused_after_the_scale_changed(world: World) -> None:
    await opt_in(world, scale="burnout")
    old = await prompted(world)
    changed = await world.run("mia", "checkin settings", scale="traffic-light")
    assert changed.text.startswith("Changed.")
    for label in (
        "3: I am burning out: one or more symptoms, such as exhaustion",
        "1: I enjoy my work and have no symptoms of burnout",
    ):
        refused = await world.press("mia", button(old, label))
        assert refused.private and refused.text == CHANGED
    assert await world.cog.service.history(key("mia")) == []
    # The new scale's buttons work.
    now = await world.run("mia", "checkin now")
    assert (await world.press("mia", button(now, "Red"))).text.startswith("Thank you for")


async def test_a_button_without_its_scale_is_refused_clearly(world: World) -> None:
    await opt_in(world)
    old = button(await prompted(world), "Green")
    slot = old.payload.rsplit(":", 1)[0]  # as buttons were made before the scale was carried
    assert slot.endswith(":3")
    refused = await world.press("mia", ActionRef(action=ANSWER_ACTION, payload=slot))
    assert refused.text.startswith("That button is out of date. Nothing was saved.")
    assert await world.cog.service.history(key("mia")) == []


# ---- 2, 3, 4, 9. totals that cannot single anyone out --------------------------------------


async def test_scales_are_combined_so_one_person_on_a_scale_is_not_shown_apart(
    world: World,
) -> None:
    """carol alone answers on mood: her very low mood counts as "finding it hard" with the
    others, never under a scale of its own."""
    for who in SOUTH:
        await opt_in(world, who)
        await answer_now(world, who, "Green")
    await opt_in(world, "carol", scale="mood")
    await answer_now(world, "carol", "1 (very low)")
    world.clock.advance(dt.timedelta(days=7))
    totals = await summary(world)
    assert totals.text.startswith(
        "Check-in totals for South Coast, the last 4 weeks: 6 people answered. Totals count"
    )
    # 5 doing ok and 1 not: exact 5 would give away the 1 from the total of 6.
    assert "- Doing ok: 5 or more\n- Finding it hard at least once: fewer than 5" in totals.text
    assert "Mood" not in totals.text and "mood 1" not in totals.text.lower()


async def test_totals_cover_whole_weeks_so_running_again_reveals_nothing(world: World) -> None:
    for who in SOUTH:
        await opt_in(world, who)
        await answer_now(world, who, "Green")
    world.clock.advance(dt.timedelta(days=7))  # Monday 11 January 2027, evening in Sydney
    first = await summary(world)
    assert first.text.startswith("Check-in totals for South Coast, the last 4 weeks: 5 people")
    assert (
        "It covers whole weeks, Monday 14 December 2026 to Sunday 10 January 2027 "
        "(Australia/Sydney time)" in first.text
    )
    assert "- Doing ok: 5 or more\n- Finding it hard at least once: fewer than 5" in first.text
    await answer_now(world, "mia", "Red")
    world.clock.advance(dt.timedelta(days=6))  # Sunday: still the same week
    assert (await summary(world)).text == first.text
    world.clock.advance(dt.timedelta(days=1))  # the next Monday: a new week counts
    later = await summary(world)
    assert "5 people answered." in later.text and "6 times" not in later.text
    assert "- Doing ok: fewer than 5\n- Finding it hard at least once: fewer than 5" in later.text


async def test_people_are_counted_not_answers_and_exact_only_from_five(world: World) -> None:
    """Ten people: a count of people is exact only when both groups have 5 or more; someone
    who answers often counts once."""
    people = (*SOUTH, "ava", "bea", "cal", "dan", "eve")
    for who in people[5:]:
        await world.kernel.registry.directory.assign_role(key(who), world.south, Role.MEMBER)
    for who in people:
        await opt_in(world, who)
    for who in people[:5]:
        for _ in range(3):  # often: still one person each
            await answer_now(world, who, "Green")
    for who in people[5:]:
        await answer_now(world, who, "Green")
        await answer_now(world, who, "Red")
    world.clock.advance(dt.timedelta(days=7))
    totals = await summary(world)
    assert totals.text.startswith(
        "Check-in totals for South Coast, the last 4 weeks: 10 people answered."
    )
    assert "- Doing ok: 5 people\n- Finding it hard at least once: 5 people" in totals.text
    first_line = totals.text.splitlines()[0]
    assert "times" not in first_line and "20" not in first_line


@pytest.mark.parametrize("earlier", [("mia",), SOUTH])
async def test_a_longer_period_never_narrows_down_to_fewer_than_five(
    world: World, earlier: tuple[str, ...]
) -> None:
    """Weeks 5 to 13 back hold answers from ``earlier``: one person (not shown: comparing
    with the last 4 weeks would show her answer) or five (shown)."""
    for who in SOUTH:
        await opt_in(world, who)
    for who in earlier:
        await answer_now(world, who, "Red")
    world.clock.advance(dt.timedelta(weeks=5))
    for who in SOUTH:
        await answer_now(world, who, "Green")
    world.clock.advance(dt.timedelta(weeks=1))
    short = await summary(world)
    assert "- Doing ok: 5 or more\n- Finding it hard at least once: fewer than 5" in short.text
    long = await summary(world, "3-months")
    if len(earlier) == 1:
        assert long.text.startswith(
            "Check-in totals for South Coast, the last 3 months: not shown, because the weeks "
            "this period adds to the last 4 weeks had answers from fewer than 5 people"
        )
        assert "Doing ok" not in long.text and "Finding it hard" not in long.text
    else:
        assert long.text.startswith(
            "Check-in totals for South Coast, the last 3 months: 5 people answered."
        )
        assert "- Doing ok: fewer than 5\n- Finding it hard at least once: 5 or more" in long.text


async def test_no_period_is_longer_than_answers_are_kept(world: World) -> None:
    twelve = await summary(world, "12-months")
    assert twelve.private and "Check-in totals" not in twelve.text
    settings = world.kernel.settings
    world.kernel.settings = settings.model_copy(
        update={"retention": settings.retention.model_copy(update={"checkin_days": 60})}
    )
    refused = await summary(world, "3-months")
    assert refused.text.startswith(
        "Check-in answers are kept for only 60 days, so the last 3 months cannot be shown"
    )


# ---- 5. the coordinator notice goes with the answer ----------------------------------------


@pytest.mark.parametrize("how", ["privacy", "history"])
async def test_deleting_answers_deletes_the_coordinator_notice(
    world: World, how: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")
    await opt_in(world)
    support = await world.press("mia", button(await prompted(world), "Red"))
    await let_coordinator_know(world, "mia", support)
    round_key = "checkin-tell:1:r1"
    assert await outbox_rows(world, "checkin-tell:1:%") == [
        (f"{round_key}:console:carol", "pending")
    ]
    await world.deliver()
    await world.deliver()
    assert await outbox_rows(world, "%checkin-tell:1:%") == [
        (f"{round_key}:console:carol", "sent"),
        (f"fanout:{round_key}:coordinators:outcome", "sent"),  # "Sent: carol ... (Red)"
    ]
    if how == "privacy":
        await world.kernel.privacy.delete(world.kernel.db, key("mia"))
    else:
        stopped = await world.run("mia", "checkin stop")
        deleted = await world.press("mia", button(stopped, "Delete my check-in history"))
        assert deleted.text == "Deleted 1 check-in answer and their notes."
    assert await outbox_rows(world, "%checkin-tell:1:%") == []
    assert "Red" not in "\n".join(r.getMessage() for r in caplog.records)


# ---- 6. changing settings keeps the start and the fortnight; withdraws a queued prompt -----


async def test_settings_keep_a_start_date_still_to_come(world: World) -> None:
    await opt_in(world, starting="2027-03-01")
    changed = await world.run("mia", "checkin settings", time="17:30")
    assert "Next check-in: Tuesday 2 March 2027 at 17:30 AEDT" in changed.text


async def test_settings_keep_the_fortnight(world: World) -> None:
    await opt_in(world, every="fortnightly")  # Tuesdays 5 and 19 January, 2 February, ...
    world.clock.set(dt.datetime(2027, 1, 12, 23, 0, tzinfo=UTC))  # Wednesday 13 January
    changed = await world.run("mia", "checkin settings", day="thursday")
    assert "Next check-in: Thursday 21 January 2027 at 09:00 AEDT" in changed.text


async def test_settings_withdraw_a_prompt_still_queued(world: World) -> None:
    await opt_in(world)
    world.clock.set(FIRST)
    job = (await world.jobs())[f"checkin:1:{FIRST:%Y-%m-%dT%H:%M:%SZ}:prompt"]
    await world.kernel.scheduler.run_job(job)  # queued, not yet delivered
    await world.run("mia", "checkin settings", scale="mood")
    assert await outbox_rows(world, "checkin:1:%") == [(job.key, "skipped")]
    await world.deliver()
    assert world.dms("mia") == []


# ---- 7. no late prompt for a slot inside the pause -----------------------------------------


async def test_resuming_does_not_send_a_prompt_from_inside_the_pause(world: World) -> None:
    await opt_in(world)
    await world.run("mia", "checkin pause", until="2027-01-20")
    after = SECOND + dt.timedelta(hours=1)  # 10:00 on Tuesday 12 January, a paused slot
    world.clock.set(after)
    assert (await world.run("mia", "checkin resume")).text.startswith("Resumed.")
    await world.run_due(after + dt.timedelta(minutes=1))
    assert world.dms("mia") == []
    await prompted(world, at=SECOND + dt.timedelta(days=7))


# ---- 8. answering does not need the outbox to keep the prompt ------------------------------


async def test_answering_works_after_the_outbox_forgot_the_prompt(world: World) -> None:
    await opt_in(world)
    message = await prompted(world)
    world.clock.advance(dt.timedelta(days=2))
    assert await world.kernel.outbox.purge_finished(dt.timedelta(days=1)) >= 1
    assert await outbox_rows(world, "checkin:1:%") == []
    answered = await world.press("mia", button(message, "Green"))
    assert answered.text.startswith("Thank you.")
    # A check-in that is not one of hers is still refused.
    odd = int((FIRST + dt.timedelta(hours=1)).timestamp())
    forged = ActionRef(action=ANSWER_ACTION, payload=f"1:{odd}:s:3:traffic-light")
    assert (await world.press("mia", forged)).text.startswith("That check-in was never sent")


# ---- payloads are plain digits -------------------------------------------------------------


async def test_payloads_with_other_digits_are_refused(world: World) -> None:
    await opt_in(world)
    when = int(FIRST.timestamp())
    for ref in (
        ActionRef(action=NOTE_ACTION, payload="\u00b2"),
        ActionRef(action=NOTE_ACTION, payload="1" * 16),
        ActionRef(action=ANSWER_ACTION, payload=f"\u0661:{when}:s:3:traffic-light"),
        ActionRef(action=ANSWER_ACTION, payload=f"1:{when}:s:\u00b3:traffic-light"),
    ):
        refused = await world.press("mia", ref)
        assert refused.private and "out of date" in refused.text, refused.text


async def test_an_old_who5_prompt_is_refused_after_the_scale_changed(world: World) -> None:
    await opt_in(world, scale="who-5", every="fortnightly")
    old = await prompted(world)
    await world.run("mia", "checkin settings", scale="mood")
    refused = await world.press("mia", button(old, "3: More than half of the time"))
    assert refused.text == CHANGED
    assert await world.cog.service.history(key("mia")) == []
