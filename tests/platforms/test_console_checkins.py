"""Issue 8's "done when" on the console: a member opts in, the prompt arrives as a private
message at 09:00 Sydney time, the member answers red (here with /checkin now, because each run
below is a fresh console; answering a waiting private message by its number is tested in
test_console.py) and gets the support reply with 000 first, presses "Let someone know" and
"My coordinator" with a line on how to reach them, and the coordinator's summary shows totals
only once five people have answered."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import App
from bot.clock import FakeClock
from bot.platforms.console import ConsoleAdapter
from cogs.checkins.commands import CheckinsCog
from config.settings import load_settings


def flat(text: str) -> str:
    """Lines joined back, except list items and markers, which start on their own line."""
    return "\n".join(
        " ".join(part.split())
        for part in text.replace("\n- ", "\x00- ")
        .replace("\n[", "\x00[")
        .replace("\n>", "\x00>")
        .replace("\n  [", "\x00  [")
        .split("\x00")
    )


FIRST = datetime(2027, 1, 4, 22, 0, tzinfo=UTC)  # Tuesday 5 January 2027, 09:00 AEDT


async def test_checkin_scenario(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2027, 1, 4, 9, 0, tzinfo=UTC))
    settings = load_settings(
        None, environ={"PEERBOT_DATA_DIR": str(tmp_path), "PEERBOT_ADMINS": "console:you"}
    )
    app = App(settings, clock=clock)
    kernel = await app.start_without_worker()
    out = io.StringIO()

    async def run(script: str) -> str:
        """Run the lines; what the console printed, with its line wrapping undone."""
        start = out.tell()
        console = ConsoleAdapter(kernel, stdin=io.StringIO(script), stdout=out, interactive=False)
        if app.worker is None:  # deliveries print to the same output as the console
            app.start_worker([console.port])
        await console.run()
        return flat(out.getvalue()[start:])

    try:
        opted = await run(
            '/network create name:"South Coast" slug:south-coast\n'
            "/as casey coordinator network:south-coast\n"
            "/as robin member network:south-coast\n"
            "/checkin start day:tuesday time:09:00\n"
        )
        assert "Check-ins are on (South Coast)" in opted and "at 09:00 AEDT" in opted
        # The welcome that checks peerbot can reach robin privately came first.
        assert opted.index(
            "[private message to robin] (only you can see this) Hello from peerbot."
        ) < opted.index("Check-ins are on")

        cog = kernel.cogs["checkins"]
        assert isinstance(cog, CheckinsCog)
        assert app.worker is not None
        clock.set(FIRST)
        for job in await cog.jobs.planned_jobs(clock.now()):
            if job.run_at == FIRST:
                await kernel.scheduler.run_job(job)
        await app.worker.run_once()
        delivered = flat(out.getvalue()).split("[private message to robin]")[-1]
        assert "Your check-in for Tuesday 5 January 2027 at 09:00 AEDT" in delivered

        # Red; then the reply's first button, Let someone know; My coordinator; the form's
        # one field, how to reach robin.
        answered = await run("/as robin\n/checkin now\n3\n1\n1\nText me after 5pm\n")
        # People first, then the lines, with 000 once as "000 (emergency)" and no "police".
        assert answered.index("- a peer you trust, or your peer supervisor;") < answered.index(
            "- 000 (emergency), if you or someone else is in danger now;"
        )
        support = answered.split("these lines are open 24 hours a day:")[1].split("\n")
        assert support[1] == "- 000 (emergency), if you or someone else is in danger now;"
        assert support[2].startswith("- Lifeline: call 13 11 14") and "police" not in answered
        for words in (
            "Thank you for telling me (Red).",
            "nobody watches it around the clock",
            "Who would you like to know about this answer (Red)",
            "Sending this answer (Red), and nothing else, to your coordinator",
        ):
            assert words in answered
        assert "Done" not in answered and "Sent:" not in answered
        await app.worker.run_once()
        told = flat(out.getvalue()).split("[private message to casey]")[1]  # then, to robin:
        assert 'How to reach them, in their words: "Text me after 5pm"' in told
        sent = "Sent: casey (coordinator of South Coast) now has your check-in answer (Red)"
        assert sent in told.split("[private message to robin]")[1]

        few = await run("/as casey\n/checkin summary network:south-coast\n")
        assert "Too few people answered check-ins in South Coast" in few
        people = ("sam", "ali", "jo", "lee")
        script = "".join(
            f"/as {who} member network:south-coast\n/checkin start day:tuesday time:09:00\n"
            "/checkin now\n1\n"
            for who in people
        )
        clock.advance(timedelta(minutes=5))
        await run(script)
        clock.advance(timedelta(days=7))  # whole weeks: this week's answers count from Monday
        totals = await run("/as casey\n/checkin summary network:south-coast\n")
        assert "Check-in totals for South Coast, the last 4 weeks: 5 people answered." in totals
        assert "- Doing ok: fewer than 5\n- Finding it hard at least once: fewer than 5" in totals
    finally:
        await app.stop()


async def test_times_and_zones_as_people_type_them_and_a_change_the_same_day(
    tmp_path: Path,
) -> None:
    """Issue 16 on the console: "9:00 pm" and "australia/perth" are taken, a misspelt zone
    gets a suggestion, and an answer is changed with its button, all as typed lines."""
    clock = FakeClock(datetime(2027, 1, 4, 9, 0, tzinfo=UTC))
    settings = load_settings(
        None, environ={"PEERBOT_DATA_DIR": str(tmp_path), "PEERBOT_ADMINS": "console:you"}
    )
    app = App(settings, clock=clock)
    kernel = await app.start_without_worker()
    out = io.StringIO()
    console = ConsoleAdapter(
        kernel,
        stdin=io.StringIO(
            '/network create name:"South Coast" slug:south-coast\n'
            "/as robin member network:south-coast\n"
            "/checkin start day:tuesday time:9am timezone:Sydny\n"
            '/checkin start day:tuesday time:"9:00 pm" timezone:australia/perth\n'
            "/checkin now\n2\n"
            # Amber; then the reply's second button, Change my answer; then Green
            "2\n1\n"
        ),
        stdout=out,
        interactive=False,
    )
    app.start_worker([console.port])
    assert app.worker is not None
    console.settle = app.worker.run_once
    try:
        await console.run()
        printed = flat(out.getvalue())
        assert "you gave 'Sydny' (did you mean Australia/Sydney?). Nothing was changed." in printed
        assert "every week on Tuesday at 21:00 (Australia/Perth)" in printed
        assert "Your answer to this check-in is Amber. Choose your new answer" in printed
        assert "Changed: your answer is now Green (it was Amber)." in printed
    finally:
        await app.stop()


async def test_issue_20_replies_in_proportion_a_chosen_peer_and_now_closes_the_day(
    tmp_path: Path,
) -> None:
    """Issue 20 items 6 to 8 as typed lines: a burnout answer of 3 gets rest, peers, workload
    and the employee assistance programme, no crisis lines and no score; robin lets a peer
    she chooses know, with how to reach her; sam is asked first, says yes, sees it and presses
    "I have seen this"; robin is told. An answer through /checkin now on the Tuesday means no
    prompt that day and no reminder."""
    clock = FakeClock(datetime(2027, 1, 4, 9, 0, tzinfo=UTC))
    settings = load_settings(
        None, environ={"PEERBOT_DATA_DIR": str(tmp_path), "PEERBOT_ADMINS": "console:you"}
    )
    app = App(settings, clock=clock)
    kernel = await app.start_without_worker()
    out = io.StringIO()

    def console(script: str) -> ConsoleAdapter:
        adapter = ConsoleAdapter(kernel, stdin=io.StringIO(script), stdout=out, interactive=False)
        if app.worker is None:
            app.start_worker([adapter.port])
        assert app.worker is not None
        adapter.settle = app.worker.run_once
        return adapter

    try:
        await console(
            '/network create name:"South Coast" slug:south-coast\n'
            "/as casey coordinator network:south-coast\n"
            "/as sam member network:south-coast\n"
            "/as robin member network:south-coast\n"
            "/checkin start day:tuesday time:09:00 scale:burnout\n"
            "/checkin now\n3\n"  # 3: I am burning out
            "1\n2\n"  # Let someone know, then A peer I choose
            '/checkin tell peer:sam reach:"Call me after work"\n'
            "/as sam\n1\n"  # the waiting request: Yes, show me
            "1\n"  # I have seen this
        ).run()
        printed = flat(out.getvalue())
        burnout = printed.split("Thank you for telling me (burning out).")[1].split("> ")[0]
        assert "- rest: a proper break" in burnout
        assert "- your workload: raising it with your supervisor or coordinator" in burnout
        assert "employee assistance programme (EAP)" in burnout
        assert "000" not in burnout and "Lifeline" not in burnout and "police" not in burnout
        assert "3 of 5" not in burnout and "percent" not in burnout
        assert "Type /checkin tell peer:THEIR-NAME" not in printed  # it says "type ..."
        assert "To let a peer know, type /checkin tell peer:THEIR-NAME" in printed
        request = printed.split("[private message to sam]")[1]
        assert request.split("> ")[0].count("burning out") == 0  # asked first, shown nothing
        assert "robin, a peer in South Coast, would like to let you know privately" in request
        assert (
            "robin chose you, as a peer in South Coast, to know that their wellbeing check-in "
            "answer was: burning out." in printed.replace("check- in", "check-in")
        )  # flat() joins a line broken at a hyphen with a space
        assert 'How to reach them, in their words: "Call me after work"' in printed
        assert "Thank you. robin will be told that you have seen it." in printed
        assert app.worker is not None
        await app.worker.run_once()
        assert (
            flat(out.getvalue())
            .rstrip()
            .endswith(
                "[private message to robin] (only you can see this) sam has seen your message "
                "about your check-in answer."
            )
        )

        # Item 8: an answer through /checkin now on the Tuesday closes that day's check-in.
        cog = kernel.cogs["checkins"]
        assert isinstance(cog, CheckinsCog)
        clock.set(FIRST - timedelta(hours=2))  # 07:00 on Tuesday in Sydney
        await console("/as robin\n/checkin now\n2\n").run()  # 2: some stress
        before = out.tell()
        for at in (FIRST, FIRST + timedelta(days=1)):  # the prompt, then the reminder
            clock.set(at)
            for job in await cog.jobs.planned_jobs(at):
                if job.run_at == at:
                    await kernel.scheduler.run_job(job)
            await app.worker.run_once()
        assert out.getvalue()[before:] == ""  # nothing: no prompt, no reminder
    finally:
        await app.stop()
