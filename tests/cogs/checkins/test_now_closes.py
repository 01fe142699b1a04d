"""Issue 20, item 8: an answer through /checkin now closes that day's scheduled check-in. No
reminder comes afterwards, a prompt not yet sent is not sent, one still queued is withdrawn,
and the prompt's own buttons then change that answer instead of adding a second one. A
restart (planning again) changes none of that."""

from __future__ import annotations

import datetime as dt

from tests.cogs.checkins.conftest import World, button, key
from tests.cogs.checkins.test_checkins import FIRST, opt_in, prompted

PROMPT = f"checkin:1:{FIRST:%Y-%m-%dT%H:%M:%SZ}:prompt"
REMINDER = f"checkin:1:{FIRST:%Y-%m-%dT%H:%M:%SZ}:reminder"
NEXT_DAY = FIRST + dt.timedelta(days=1)  # Wednesday 6 January, 09:00 AEDT: the reminder


def reminders(world: World, who: str) -> list[str]:
    return [m.text for m in world.dms(who) if m.text.startswith("A gentle reminder")]


def prompts(world: World, who: str) -> list[str]:
    return [m.text for m in world.dms(who) if "Your check-in for" in m.text]


async def now_answer(world: World, who: str, label: str) -> str:
    asked = await world.run(who, "checkin now")
    return (await world.press(who, button(asked, label))).text


async def test_an_answer_after_the_prompt_means_no_reminder(world: World) -> None:
    await opt_in(world)
    await opt_in(world, "max")  # answers nothing: his reminder still comes
    await prompted(world)
    world.clock.set(FIRST + dt.timedelta(hours=1))
    assert (await now_answer(world, "mia", "Amber")).startswith("Thank you. Your answer (Amber)")
    await world.run_due(NEXT_DAY)
    await world.kernel.scheduler.refresh("checkins")  # a restart plans again
    await world.run_due(NEXT_DAY + dt.timedelta(hours=2))
    assert reminders(world, "mia") == []
    assert len(reminders(world, "max")) == 1


async def test_an_answer_before_the_prompt_means_no_prompt_and_no_reminder(world: World) -> None:
    await opt_in(world)
    world.clock.set(FIRST - dt.timedelta(hours=2))  # 07:00 the same Tuesday in Sydney
    await now_answer(world, "mia", "Green")
    await world.run_due(FIRST)
    await world.run_due(NEXT_DAY)
    assert prompts(world, "mia") == [] and reminders(world, "mia") == []
    # The next week's check-in comes as usual.
    await prompted(world, at=FIRST + dt.timedelta(days=7))


async def test_an_answer_the_day_before_does_not_close_the_prompt(world: World) -> None:
    await opt_in(world)
    world.clock.set(FIRST - dt.timedelta(hours=10))  # 23:00 on Monday in Sydney
    await now_answer(world, "mia", "Green")
    await prompted(world)


async def test_a_prompt_still_queued_is_withdrawn(world: World) -> None:
    await opt_in(world)
    world.clock.set(FIRST)
    await world.kernel.scheduler.run_job((await world.jobs())[PROMPT])  # queued, not sent
    await now_answer(world, "mia", "Red")
    assert await world.kernel.outbox.status_of(PROMPT) == "skipped"
    await world.deliver()
    assert prompts(world, "mia") == []


async def test_the_prompt_buttons_then_change_that_answer(world: World) -> None:
    await opt_in(world)
    prompt = await prompted(world)
    world.clock.set(FIRST + dt.timedelta(hours=1))
    await now_answer(world, "mia", "Amber")
    changed = await world.press("mia", button(prompt, "Green"))
    assert changed.text.startswith("Changed: your answer is now Green (it was Amber).")
    assert [a.label for a in await world.cog.service.history(key("mia"))] == ["Green"]
    await world.run_due(NEXT_DAY)
    assert reminders(world, "mia") == []
