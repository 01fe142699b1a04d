"""Issue 8's "done when" on the console: a member opts in, the prompt arrives as a private
message at 09:00 Sydney time, the member answers red (here with /checkin now, because each run
below is a fresh console; answering a waiting private message by its number is tested in
test_console.py) and gets the support reply with 000 first,
presses "Let my coordinator know", and the coordinator's summary shows totals only once five
people have answered."""

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
        assert "Check-ins are on (South Coast)" in opted
        assert "Tuesday 5 January 2027 at 09:00 AEDT" in opted
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
        delivered = flat(out.getvalue())
        assert "[private message to robin]" in delivered
        assert "Your check-in for Tuesday 5 January 2027 at 09:00 AEDT" in delivered

        answered = await run("/as robin\n/checkin now\n3\n1\n")
        assert "Thank you for telling me (Red)." in answered
        support = answered.split("Support lines, open 24 hours a day:")[1].split("\n")
        assert support[1].startswith("- Emergency") and "call 000" in support[1]
        assert "nobody watches it around the clock" in answered
        assert "Sending this answer (Red), and nothing else, to your coordinator" in answered
        assert "Done" not in answered and "Sent:" not in answered
        await app.worker.run_once()
        told = flat(out.getvalue()).split("[private message to casey]")[1]  # then, to robin:
        assert (
            "Sent: casey (coordinator of South Coast) now has your check-in answer (Red)"
            in (told.split("[private message to robin]")[1])
        )

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
        assert (
            "Check-in totals for South Coast, the last 4 weeks: 5 people answered 5 times."
            in totals
        )
        assert "Traffic light: Green: 4, Amber: 0, Red: 1" in totals
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
