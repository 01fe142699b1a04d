"""Check-ins through the registry, the path every adapter takes: opting in, the prompt at the
right local time (once, whatever happens), answering, the low-answer reply, telling the
coordinator, managing, history, totals, retention and privacy."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bot.clock import from_db
from bot.identity import UserRef
from bot.replies import Reply
from cogs.checkins.messages import NOT_WATCHED, WHO_SEES
from tests.cogs.checkins.conftest import World, button, key, let_coordinator_know

UTC = dt.UTC
# mia asks for Tuesdays at 09:00 Sydney time; the clock is Monday 4 January 2027, 20:00 AEDT.
FIRST = dt.datetime(2027, 1, 4, 22, 0, tzinfo=UTC)  # Tuesday 5 January 09:00 AEDT
SECOND = FIRST + dt.timedelta(days=7)


async def opt_in(world: World, who: str = "mia", **options: str) -> Reply:
    arguments = {"day": "tuesday", "time": "09:00", **options}
    return await world.run(who, "checkin start", **arguments)


async def prompted(world: World, who: str = "mia", at: dt.datetime = FIRST) -> Reply:
    """Run the jobs due at ``at``; the check-in prompt ``who`` received."""
    await world.run_due(at)
    prompts = [m for m in world.dms(who) if "Your check-in for" in m.text]
    assert prompts, [m.text for m in world.dms(who)]
    return prompts[-1]


async def outbox_keys(world: World, like: str) -> list[str]:
    rows = await world.kernel.db.fetch_all(
        "SELECT key FROM outbox WHERE key LIKE ? ORDER BY id", (like,)
    )
    return [str(r["key"]) for r in rows]


# ---- opting in ----------------------------------------------------------------------------


async def test_start_confirms_privately_and_says_who_sees_what(world: World) -> None:
    reply = await opt_in(world)
    assert reply.private
    assert reply.text.startswith("Check-ins are on (South Coast): Traffic light, every week on ")
    assert "Tuesday 5 January 2027 at 09:00 AEDT" in reply.text
    assert WHO_SEES in reply.text
    assert "deleted after 180 days" in reply.text
    jobs = await world.jobs()
    assert jobs[f"checkin:1:{FIRST:%Y-%m-%dT%H:%M:%SZ}:prompt"].run_at == FIRST


async def test_start_takes_a_time_zone_or_the_networks(world: World) -> None:
    perth = await opt_in(world, "pia")
    assert "(Australia/Perth)" in perth.text and "09:00 AWST" in perth.text
    other = await opt_in(
        world, "max", timezone="Australia/Brisbane", scale="mood", every="fortnightly"
    )
    assert "Mood, every two weeks on Tuesday at 09:00 (Australia/Brisbane)" in other.text
    monthly = await opt_in(world, "kim", every="monthly", day="monday", time="07:00")
    assert "on the first Monday of each month at 07:00 (Australia/Sydney)" in monthly.text
    assert "Monday 1 February 2027 at 07:00 AEDT" in monthly.text  # 4 January's has passed


async def test_bad_input_is_refused_clearly_and_changes_nothing(world: World) -> None:
    refusals = {
        "zone": await opt_in(world, timezone="Mars/Olympus"),
        "who5": await opt_in(world, scale="who-5", every="weekly"),
        "gap": await opt_in(world, day="sunday", time="02:30", starting="2027-10-03"),
        "past": await opt_in(world, starting="2026-12-01"),
        "time": await opt_in(world, time="25:00"),
    }
    assert "The option 'timezone' must be a time zone like Australia/Sydney" in (
        refusals["zone"].text
    )
    assert "at most fortnightly" in refusals["who5"].text
    assert (
        "02:30 on Sunday 3 October 2027 does not exist in Australia/Sydney" in refusals["gap"].text
    )
    assert "has already passed" in refusals["past"].text
    assert "The option 'time' must be a time written like 18:30 or 6:30pm" in refusals["time"].text
    assert all(r.private and "Nothing was changed" in r.text for r in refusals.values())
    assert await world.cog.service.subscription(key("mia")) is None
    assert (await world.run("mia", "checkin settings")).text.startswith("You have not started")


async def test_dates_far_ahead_are_refused_with_the_allowed_range(world: World) -> None:
    """Issue 13: /checkin start starting:9999-12-31 ended in an apology; now the kernel says
    the range, and the cog keeps start and pause dates within a year."""
    far = await opt_in(world, starting="9999-12-31")
    assert "The option 'starting' must be a date from 2000-01-01 to 2100-12-31" in far.text
    ahead = await opt_in(world, starting="2028-01-06")  # today is 4 January 2027
    assert "at most a year ahead, so by Wednesday 5 January 2028" in ahead.text
    assert await world.cog.service.subscription(key("mia")) is None
    assert (await opt_in(world, starting="2028-01-05")).text.startswith("Check-ins are on")
    pause = await world.run("mia", "checkin pause", until="2099-01-01")
    assert "The date to pause until can be at most a year ahead" in pause.text
    assert all("Nothing was changed" in r.text for r in (far, ahead, pause))
    sub = await world.cog.service.subscription(key("mia"))
    assert sub is not None and sub.paused_until is None


async def test_starting_twice_is_refused(world: World) -> None:
    await opt_in(world)
    again = await opt_in(world, day="friday")
    assert again.text.startswith("Your check-ins are already on.")
    sub = await world.cog.service.subscription(key("mia"))
    assert sub is not None and sub.timing.weekday == 1


# ---- the prompt ---------------------------------------------------------------------------


async def test_prompt_arrives_privately_at_the_local_time_with_a_button_per_answer(
    world: World,
) -> None:
    await opt_in(world)
    ran = await world.run_due(FIRST - dt.timedelta(minutes=1))
    assert ran == [] and world.dms("mia") == []
    message = await prompted(world)
    assert "Your check-in for Tuesday 5 January 2027 at 09:00 AEDT" in message.text
    assert [b.label for b in message.buttons] == ["Green", "Amber", "Red"]
    [welcome, first] = world.port.sent
    assert welcome[0].startswith("checkin-welcome:console:mia:")  # when she opted in
    assert first[0] == f"checkin:1:{FIRST:%Y-%m-%dT%H:%M:%SZ}:prompt"
    assert all(target == "mia" for _, target, _ in world.port.sent)  # only to her, no channel


async def test_a_prompt_is_sent_once_whatever_runs_again(world: World) -> None:
    await opt_in(world)
    await prompted(world)
    jobs = await world.jobs()
    job = jobs[f"checkin:1:{FIRST:%Y-%m-%dT%H:%M:%SZ}:prompt"]
    await job.run()  # as if the scheduler ran it again before recording it (a crash)
    await world.kernel.scheduler.refresh("checkins")  # a restart re-plans
    await world.deliver()
    assert len([m for m in world.dms("mia") if "Your check-in for" in m.text]) == 1


async def test_a_prompt_that_came_due_days_ago_is_skipped_and_recorded_not_sent(
    world: World,
) -> None:
    await opt_in(world)
    world.clock.set(FIRST + dt.timedelta(days=2))  # the bot was down for two days
    decisions = await world.kernel.scheduler.refresh("checkins")
    key_first = f"checkin:1:{FIRST:%Y-%m-%dT%H:%M:%SZ}:prompt"
    assert decisions[key_first] == "skip"
    row = await world.kernel.db.fetch_one(
        "SELECT outcome FROM scheduled_runs WHERE key = ?", (key_first,)
    )
    assert row is not None and row["outcome"] == "skipped"
    await world.deliver()
    assert world.dms("mia") == []


async def test_a_queued_prompt_not_delivered_that_day_is_skipped(world: World) -> None:
    await opt_in(world)
    world.clock.set(FIRST)
    for job in (await world.jobs()).values():
        if job.run_at == FIRST:
            await world.kernel.scheduler.run_job(job)
    world.clock.set(FIRST + dt.timedelta(hours=16))  # past midnight in Sydney
    await world.deliver()
    assert world.dms("mia") == []
    status = await world.kernel.outbox.status_of(f"checkin:1:{FIRST:%Y-%m-%dT%H:%M:%SZ}:prompt")
    assert status == "skipped"


async def test_one_reminder_the_next_day_only_if_unanswered(world: World) -> None:
    await opt_in(world)
    await opt_in(world, "max")
    message = await prompted(world)
    await world.press("mia", button(message, "Green"))
    next_day = FIRST + dt.timedelta(days=1)
    await world.run_due(next_day)
    await world.run_due(next_day + dt.timedelta(hours=1))
    reminders = [m for m in world.dms("max") if m.text.startswith("A gentle reminder")]
    assert len(reminders) == 1
    assert "This is the only reminder." in reminders[0].text
    assert [b.label for b in reminders[0].buttons] == ["Green", "Amber", "Red"]
    assert not [m for m in world.dms("mia") if m.text.startswith("A gentle reminder")]


# ---- answering ----------------------------------------------------------------------------


async def test_green_is_thanked_and_saved_privately(world: World) -> None:
    await opt_in(world)
    reply = await world.press("mia", button(await prompted(world), "Green"))
    assert reply.private
    assert reply.text.startswith("Thank you. Your answer (Green) is saved privately")
    assert "You can change it until the end of the day." in reply.text
    assert [b.label for b in reply.buttons] == ["Add a private note", "Change my answer"]


async def test_red_gets_people_first_then_the_crisis_lines_with_000_once(world: World) -> None:
    await opt_in(world)
    reply = await world.press("mia", button(await prompted(world), "Red"))
    assert reply.private
    text = reply.text
    assert text.startswith("Thank you for telling me (Red). It sounds like things are really hard")
    people = text.index("- a peer you trust, or your peer supervisor;")
    boss = text.index("- your supervisor or coordinator;")
    eap = text.index("- your organisation's employee assistance programme (EAP): free,")
    lines = [line for line in text.splitlines() if line.startswith("- ") and ": call " in line]
    emergency = text.index("- 000 (emergency), if you or someone else is in danger now;")
    assert people < boss < eap < emergency < text.index(lines[0])
    # Lines from the support data file: its 24/7 crisis lines for everyone.
    crisis = [s for s in world.cog.support_lines.lines_for() if s.is_general_crisis_line]
    assert lines == [f"- {s.describe()}" for s in crisis] and len(lines) >= 2
    assert text.count("000") == 1 and "police" not in text.lower()
    assert text.count("EAP") == 1 and "percent" not in text
    assert NOT_WATCHED in text
    assert text.rstrip().endswith(
        "Would it help to talk to a peer? (Answering is up to you; nobody is told either way.)"
    )
    assert [b.label for b in reply.buttons] == [
        "Let someone know",
        "Yes, help me reach a peer",
        "No, thank you",
        "Add a private note",
        "Change my answer",
    ]
    assert world.port.sent[-1][1] == "mia"  # carol was told nothing


@pytest.mark.parametrize(
    ("scale", "label", "words"),
    [
        ("burnout", "3: I am burning out: one or more symptoms, such as exhaustion", "burning out"),
        ("mood", "2", "mood low"),
        ("traffic-light", "Amber", "Amber"),
    ],
)
async def test_a_tired_week_gets_rest_and_peers_and_no_crisis_lines(
    world: World, scale: str, label: str, words: str
) -> None:
    """Burnout 3 is low but not among the lowest: rest, a peer, peer supervision, workload,
    the employee assistance programme, in that order, and no crisis lines. Amber and mood 2
    are thanked with one gentle line."""
    await opt_in(world, scale=scale)
    reply = await world.press("mia", button(await world.run("mia", "checkin now"), label))
    text = reply.text
    assert "000" not in text and "Lifeline" not in text and "police" not in text.lower()
    assert not any(ch.isdigit() for ch in text.split(").")[0])  # no score in the words
    if scale == "burnout":
        assert text.startswith(f"Thank you for telling me ({words}). That sounds like a tiring")
        order = [
            "- rest:",
            "- a peer you trust",
            "- peer supervision",
            "- your workload: raising it with your supervisor or coordinator",
            "- your organisation's employee assistance programme (EAP)",
            "If things get harder, /support lists support lines",
        ]
        assert [text.index(o) for o in order] == sorted(text.index(o) for o in order)
        assert "Let someone know" in [b.label for b in reply.buttons]
    else:
        assert text.startswith(f"Thank you. Your answer ({words}) is saved privately")
        assert text.endswith(
            "\n\nWeeks like this happen. If it would help, take a little rest, or have a word "
            "with a peer you trust before it builds up."
        )
        assert [b.label for b in reply.buttons] == ["Add a private note", "Change my answer"]


@pytest.mark.parametrize(
    ("scale", "label", "lowest"),
    [
        ("burnout", "4: The symptoms won't go away; I think about work a lot", True),
        ("burnout", "5: I feel completely burned out and may need to seek help", True),
        ("mood", "1 (very low)", True),
        ("mood", "3", False),
    ],
)
async def test_only_the_lowest_answers_show_crisis_lines(
    world: World, scale: str, label: str, lowest: bool
) -> None:
    await opt_in(world, scale=scale)
    reply = await world.press("mia", button(await world.run("mia", "checkin now"), label))
    assert ("- 000 (emergency)" in reply.text) is lowest
    assert ("Lifeline: call 13 11 14" in reply.text) is lowest


async def test_the_coordinator_is_told_only_on_the_button_and_only_once(world: World) -> None:
    await opt_in(world)
    support = await world.press("mia", button(await prompted(world), "Red"))
    await world.deliver()
    assert world.dms("carol") == []
    told = await let_coordinator_know(world, "mia", support)
    assert told.text.startswith(
        "Sending this answer (Red), and nothing else, to your coordinator in South Coast. "
        "peerbot will message you privately as soon as it has reached them"
    )
    assert "Done" not in told.text and "Sent" not in told.text  # not known yet
    pending = await let_coordinator_know(world, "mia", support)
    assert pending.text.startswith("peerbot is still sending this answer to your coordinator.")
    await world.deliver()
    notices = world.dms("carol")
    assert len(notices) == 1
    assert notices[0].text.startswith("mia asked peerbot to let you know")
    assert "Red" in notices[0].text
    await world.deliver()
    [sent] = [m.text for m in world.dms("mia") if m.text.startswith("Sent:")]
    assert sent.startswith(
        "Sent: carol (coordinator of South Coast) now has your check-in answer (Red) and "
        "nothing else."
    )
    again = await let_coordinator_know(world, "mia", support)
    assert again.text.startswith("Your coordinator was already told about this answer")
    await world.deliver()
    assert len(world.dms("carol")) == 1


async def test_answering_after_the_check_in_closed_is_refused(world: World) -> None:
    await opt_in(world, "max")
    late = await prompted(world, "max", SECOND)  # max's first is on the 12th; let it close
    world.clock.set(SECOND + dt.timedelta(days=7))
    closed = await world.press("max", button(late, "Green"))
    assert closed.text.startswith("That check-in has closed")
    assert await world.cog.service.history(key("max")) == []


async def test_a_weekly_check_in_closes_when_the_next_one_comes(world: World) -> None:
    await opt_in(world)
    first = await prompted(world)
    await prompted(world, at=SECOND)
    closed = await world.press("mia", button(first, "Green"))
    assert closed.text.startswith("That check-in has closed")
    world.clock.set(SECOND - dt.timedelta(minutes=1))
    assert (await world.press("mia", button(first, "Green"))).text.startswith("Thank you.")


async def test_someone_else_cannot_answer_your_check_in(world: World) -> None:
    await opt_in(world)
    reply = await world.press("max", button(await prompted(world), "Green"))
    assert reply.text.startswith("That check-in is no longer open")
    assert await world.cog.service.history(key("mia")) == []


async def test_a_private_note_is_saved_with_the_answer(world: World) -> None:
    await opt_in(world)
    thanks = await world.press("mia", button(await prompted(world), "Amber"))
    opened = await world.press("mia", button(thanks, "Add a private note"))
    assert opened.form is not None and opened.form.fields[0].name == "note"
    saved = await world.press("mia", opened.form.action, {"note": "Busy week on the ward"})
    assert saved.text.startswith("Your note is saved")
    assert (await world.cog.service.history(key("mia")))[0].note == "Busy week on the ward"
    too_long = await world.press("mia", opened.form.action, {"note": "x" * 501})
    assert "at most 500 characters" in too_long.text


async def test_who5_is_five_questions_then_one_answer(world: World) -> None:
    await opt_in(world, scale="who-5", every="fortnightly")
    message = await prompted(world)
    assert "question 1 of 5" in message.text and "cheerful and in good spirits" in message.text
    assert len(message.buttons) == 6
    step = message
    for index, pick in enumerate(
        ["2: Less than half of the time"] * 2 + ["3: More than half of the time"] * 2
    ):
        step = await world.press("mia", button(step, pick))
        assert f"question {index + 2} of 5" in step.text
    assert await world.cog.service.history(key("mia")) == []  # nothing kept until the end
    done = await world.press("mia", button(step, "2: Less than half of the time"))
    # 48 percent: under 50, low, but not the lowest band: no crisis lines, and no percentage
    assert done.text.startswith(
        "Thank you for telling me (wellbeing low over the last two weeks). That sounds like "
        "a tiring stretch"
    )
    assert "percent" not in done.text and "13 11 14" not in done.text


async def test_checkin_now_answers_at_once(world: World) -> None:
    assert (await world.run("mia", "checkin now")).text.startswith("You have not started")
    await opt_in(world, scale="mood")
    now = await world.run("mia", "checkin now")
    assert now.buttons[0].label == "1 (very low)"
    low = await world.press("mia", button(now, "1 (very low)"))
    assert low.text.startswith("Thank you for telling me (mood very low).")
    world.clock.advance(dt.timedelta(days=2))
    stale = await world.run("mia", "checkin now")
    assert (await world.press("mia", button(stale, "4"))).text.startswith("Thank you.")


# ---- managing -----------------------------------------------------------------------------


async def test_pause_until_a_date_then_resume(world: World) -> None:
    await opt_in(world)
    past = await world.run("mia", "checkin pause", until="2027-01-04")
    assert "must be after today" in past.text and "Nothing was changed" in past.text
    paused = await world.run("mia", "checkin pause", until="2027-01-20")
    assert paused.text.startswith("Paused.")
    assert "Next check-in: Tuesday 26 January 2027 at 09:00 AEDT" in paused.text
    await world.run_due(FIRST)
    await world.run_due(SECOND)
    assert world.dms("mia") == []
    resumed = await world.run("mia", "checkin resume")
    assert resumed.text.startswith("Resumed.")
    await prompted(world, at=SECOND + dt.timedelta(days=7))
    again = await world.run("mia", "checkin resume")
    assert again.text.startswith("Your check-ins are not paused")


async def test_settings_show_and_change(world: World) -> None:
    await opt_in(world)
    shown = await world.run("mia", "checkin settings")
    assert shown.text.startswith("Your check-ins: Traffic light, every week on Tuesday at 09:00")
    changed = await world.run("mia", "checkin settings", time="17:30", day="wednesday")
    assert "Next check-in: Wednesday 6 January 2027 at 17:30 AEDT" in changed.text
    refused = await world.run("mia", "checkin settings", scale="who-5")
    assert "at most fortnightly" in refused.text
    sub = await world.cog.service.subscription(key("mia"))
    assert sub is not None and sub.scale.value == "traffic-light"


async def test_stop_offers_to_delete_the_history(world: World) -> None:
    await opt_in(world)
    await world.press("mia", button(await prompted(world), "Green"))
    stopped = await world.run("mia", "checkin stop")
    assert stopped.text.startswith("Check-ins are stopped.")
    assert "You have 1 saved answer." in stopped.text
    deleted = await world.press("mia", button(stopped, "Delete my check-in history"))
    assert deleted.text == "Deleted 1 check-in answer and their notes."
    assert await world.cog.service.history(key("mia")) == []
    used = await world.press("mia", button(stopped, "Delete my check-in history"))
    assert "nothing was deleted" in used.text
    await world.run_due(SECOND)
    assert len(world.dms("mia")) == 1  # no more prompts


async def test_stop_then_start_again_never_reuses_old_keys(world: World) -> None:
    await opt_in(world)
    old = await prompted(world)
    await world.run("mia", "checkin stop")
    await opt_in(world)
    stale = await world.press("mia", button(old, "Green"))
    assert stale.text.startswith("That check-in is no longer open")
    await prompted(world, at=SECOND)
    assert await outbox_keys(world, "checkin:2:%:prompt") == [
        f"checkin:2:{SECOND:%Y-%m-%dT%H:%M:%SZ}:prompt"
    ]


# ---- history, totals, retention, privacy ---------------------------------------------------


async def test_history_is_text_and_a_chart_with_alt_text(world: World) -> None:
    await opt_in(world)
    empty = await world.run("mia", "checkin history")
    assert empty.text.startswith("You have no saved check-in answers yet")
    for at, label in ((FIRST, "Green"), (SECOND, "Amber"), (SECOND + dt.timedelta(days=7), "Red")):
        await world.press("mia", button(await prompted(world, at=at), label))
    reply = await world.run("mia", "checkin history")
    assert reply.private
    assert "Tuesday 5 January 2027, 09:00: Green" in reply.text
    assert reply.text.splitlines()[-1].endswith("Red")
    (chart,) = reply.attachments
    assert chart.mime_type == "image/png" and chart.content.startswith(b"\x89PNG")
    # 09:00 in Sydney is the evening before in UTC: the dates are the person's own.
    assert chart.description.startswith(
        "A line chart of your 3 check-in answers from Tuesday 5 January 2027 to "
        "Tuesday 19 January 2027,"
    ), chart.description
    assert "Your more recent answers are lower than your earlier ones." in chart.description
    assert "The latest answer is Red." in chart.description


async def answer_now(world: World, who: str, label: str) -> None:
    world.clock.advance(dt.timedelta(minutes=1))
    reply = await world.run(who, "checkin now")
    answered = await world.press(who, button(reply, label))
    assert answered.text.startswith(("Thank you.", "Thank you for telling me")), answered.text


async def test_summary_shows_totals_only_once_five_people_answered(world: World) -> None:
    people = ("mia", "max", "kim", "lee", "ned")
    for who in people:
        await opt_in(world, who)
    for who, label in zip(people[:4], ("Green", "Green", "Amber", "Red"), strict=True):
        await answer_now(world, who, label)
    await answer_now(world, "mia", "Amber")  # five answers, four people
    few = await world.run("carol", "checkin summary", network="south-coast")
    assert few.private and few.text.startswith("Too few people answered check-ins in South Coast")
    assert not any(word in few.text for word in ("Green", "Amber", "Red", "4 people", "five"))
    await answer_now(world, "ned", "Green")
    still = await world.run("carol", "checkin summary", network="south-coast")
    assert still.text.startswith("Too few people")  # this week's answers count from Monday
    world.clock.advance(dt.timedelta(days=7))
    totals = await world.run("carol", "checkin summary", network="south-coast")
    assert totals.text.startswith(
        "Check-in totals for South Coast, the last 4 weeks: 5 people answered. Totals count "
        "people, never answers"
    )
    assert "6 times" not in totals.text and "6" not in totals.text.split("\n")[0]
    assert "- Doing ok: fewer than 5\n- Finding it hard at least once: fewer than 5" in (
        totals.text
    )
    assert "mia" not in totals.text
    member = await world.run("mia", "checkin summary", network="south-coast")
    assert member.text.startswith("You need to be a coordinator in South Coast")


async def test_answers_older_than_the_retention_are_deleted_daily(world: World) -> None:
    await opt_in(world)
    await answer_now(world, "mia", "Green")
    world.clock.advance(dt.timedelta(days=100))
    await answer_now(world, "mia", "Amber")
    world.clock.advance(dt.timedelta(days=81))  # the first is now 181 days old
    jobs = await world.jobs()
    retention = [j for k, j in jobs.items() if k.startswith("checkin-retention:")]
    assert len(retention) == 2
    await world.kernel.scheduler.run_job(retention[0])
    assert [a.label for a in await world.cog.service.history(key("mia"))] == ["Amber"]
    row = await world.kernel.db.fetch_one(
        "SELECT outcome FROM scheduled_runs WHERE key = ?", (retention[0].key,)
    )
    assert row is not None and row["outcome"] == "done"


async def test_privacy_export_and_delete_cover_check_ins(world: World) -> None:
    await opt_in(world)
    support = await world.press("mia", button(await prompted(world), "Red"))
    await let_coordinator_know(world, "mia", support)
    thanks_form = await world.press("mia", button(support, "Add a private note"))
    assert thanks_form.form is not None
    await world.press("mia", thanks_form.form.action, {"note": "Rough shift"})
    exported = await world.kernel.privacy.export(world.kernel.db, key("mia"))
    mine = exported["checkins"]
    assert mine["subscription"]["time"] == "09:00"
    (answer,) = mine["answers"]
    assert answer["answer"] == "Red" and answer["note"] == "Rough shift"
    assert from_db(answer["coordinator_told_at"]) == FIRST
    json.dumps(exported)  # it must be writable as a file
    counts = await world.kernel.privacy.delete(world.kernel.db, key("mia"))
    assert counts["checkins"] == 2
    assert await world.cog.service.subscription(key("mia")) is None
    assert await world.cog.service.history(key("mia")) == []
    assert (await world.kernel.privacy.export(world.kernel.db, key("mia")))["checkins"] == {
        "subscription": None,
        "let_someone_know": [],
        "told_by_others": [],
        "answers": [],
    }


async def test_answers_and_notes_never_reach_the_log(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")  # the app keeps aiosqlite (which logs parameters) at WARNING
    await opt_in(world)
    support = await world.press("mia", button(await prompted(world), "Red"))
    form = (await world.press("mia", button(support, "Add a private note"))).form
    assert form is not None
    await world.press("mia", form.action, {"note": "Secret words about my week"})
    await world.run("mia", "checkin history")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Secret words" not in logged and "Red" not in logged


def test_user_ref_key_shape() -> None:
    assert UserRef(platform="console", id="mia").key == key("mia")


async def test_a_prompt_queued_but_not_yet_sent_is_dropped_when_paused(world: World) -> None:
    await opt_in(world)
    world.clock.set(FIRST)
    for job in (await world.jobs()).values():
        if job.run_at == FIRST:
            await world.kernel.scheduler.run_job(job)  # queued, not delivered yet
    await world.run("mia", "checkin pause", until="2027-01-20")
    await world.deliver()
    assert world.dms("mia") == []
    status = await world.kernel.outbox.status_of(f"checkin:1:{FIRST:%Y-%m-%dT%H:%M:%SZ}:prompt")
    assert status == "skipped"


async def test_linking_accounts_moves_check_ins_and_keeps_one_subscription(world: World) -> None:
    await opt_in(world)
    await opt_in(world, "max", day="friday")
    await answer_now(world, "mia", "Amber")
    await answer_now(world, "max", "Green")
    async with world.kernel.db.transaction() as tx:
        moved = await world.kernel.privacy.move_in(tx, key("mia"), key("max"))
    assert moved["checkins"] >= 1
    kept = await world.cog.service.subscription(key("max"))
    assert kept is not None and kept.timing.weekday == 4  # the main account's own
    assert await world.cog.service.subscription(key("mia")) is None
    assert sorted(a.label for a in await world.cog.service.history(key("max"))) == [
        "Amber",
        "Green",
    ]
