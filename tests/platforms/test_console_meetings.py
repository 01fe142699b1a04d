"""Issue 5's "done when" on the console: a coordinator schedules a quarterly meeting, members
answer, the notice and reminders arrive at the right times, minutes and attendance are recorded,
and a member downloads the calendar file and their record."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import App
from bot.clock import FakeClock
from bot.platforms.console import ConsoleAdapter
from cogs.meetings.commands import MeetingsCog
from config.settings import load_settings

START = datetime(2027, 3, 9, 23, 0, tzinfo=UTC)  # 10:00 AEDT, Wednesday 10 March 2027


async def test_meeting_scenario(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2027, 1, 4, 9, 0, tzinfo=UTC))
    settings = load_settings(
        None, environ={"PEERBOT_DATA_DIR": str(tmp_path), "PEERBOT_ADMINS": "console:you"}
    )
    app = App(settings, clock=clock)
    kernel = await app.start_without_worker()
    out = io.StringIO()

    async def run(script: str) -> str:
        start = out.tell()
        console = ConsoleAdapter(kernel, stdin=io.StringIO(script), stdout=out, interactive=False)
        if app.worker is None:  # deliveries print to the same output as the console
            app.start_worker([console.port])
        await console.run()
        return out.getvalue()[start:]

    try:
        first = await run(
            '/network create name:"South Coast" slug:south-coast\n'
            "/network role network:south-coast member:casey role:coordinator\n"
            "/as casey\n/network setup network:south-coast\n"
            "/meeting schedule network:south-coast date:2027-03-10 time:10:00 duration:120 "
            'location:"Wollongong, room 3" link:https://example.org/meet\n'
            "/as robin\n/network join network:south-coast\n"
            "/meeting rsvp network:south-coast answer:going\n"
            "/as sam\n/network join network:south-coast\n"
            "/meeting rsvp network:south-coast answer:maybe\n"
        )
        assert "Scheduled South Coast meeting" in first
        assert first.count("Saved: ") == 2

        cog = kernel.cogs["meetings"]
        assert isinstance(cog, MeetingsCog)
        jobs = {j.key: j for j in await cog.jobs.planned_jobs(clock.now())}
        assert app.worker is not None
        for job_key, at in (
            ("meeting:1:2027-03-10:announce", START - timedelta(days=14)),
            ("meeting:1:2027-03-10:reminder-1d", START - timedelta(days=1)),
            ("meeting:1:2027-03-10:reminder-2h", START - timedelta(hours=2)),
        ):
            clock.set(at)
            await kernel.scheduler.run_job(jobs[job_key])
            await app.worker.run_once()
        delivered = out.getvalue()
        assert "[posted in #south-coast-announcements]" in delivered
        assert "Going: 1, Maybe: 1, Can't go: 0" in delivered
        assert delivered.count("[private message to robin]") == 2  # a day and two hours before
        assert delivered.count("[private message to sam]") == 2

        clock.set(START + timedelta(hours=3))
        after = await run(
            "/as casey\n/meeting minutes network:south-coast date:2027-03-10\n"
            "We welcomed two new members and planned the next training.\n"
            "/meeting attend network:south-coast date:2027-03-10\n"
            "/as robin\n/meeting record\n/meeting ics network:south-coast whole:true\n"
        )
        assert "Saved the minutes" in after
        assert "posted in a thread under the meeting's notice" in after
        assert "robin" in after
        exports = sorted(p.name for p in (tmp_path / "exports").iterdir())
        assert any(name.endswith(".csv") for name in exports)
        assert any(name.endswith(".ics") for name in exports)
        csv_file = next(p for p in (tmp_path / "exports").iterdir() if p.suffix == ".csv")
        assert "South Coast" in csv_file.read_text() and "2027-03-10" in csv_file.read_text()
    finally:
        await app.stop()


async def test_capacity_waitlist_starting_now_and_reminder_choices_on_the_console(
    tmp_path: Path,
) -> None:
    """Issue 15, item 11 on the console: a full meeting's waitlist moves up and the person
    is told privately, "Starting now" is posted once with the link, and a reminder offers
    the answers, "Can't make it now" among them."""
    start = datetime(2035, 3, 13, 23, 0, tzinfo=UTC)  # 10:00 AEDT, Wednesday 14 March 2035
    clock = FakeClock(datetime(2035, 1, 4, 9, 0, tzinfo=UTC))
    settings = load_settings(
        None, environ={"PEERBOT_DATA_DIR": str(tmp_path), "PEERBOT_ADMINS": "console:you"}
    )
    app = App(settings, clock=clock)
    kernel = await app.start_without_worker()
    out = io.StringIO()

    async def run(script: str) -> str:
        begin = out.tell()
        console = ConsoleAdapter(kernel, stdin=io.StringIO(script), stdout=out, interactive=False)
        if app.worker is None:
            app.start_worker([console.port])
        await console.run()
        return " ".join(out.getvalue()[begin:].split())  # the console wraps long lines

    async def deliver(kind: str, at: datetime) -> str:
        begin = out.tell()
        cog = kernel.cogs["meetings"]
        assert isinstance(cog, MeetingsCog) and app.worker is not None
        jobs = {j.key: j for j in await cog.jobs.planned_jobs(clock.now())}
        clock.set(at)
        await kernel.scheduler.run_job(jobs[f"meeting:1:2035-03-14:{kind}"])
        await app.worker.run_once()
        return " ".join(out.getvalue()[begin:].split())

    try:
        await run(
            '/network create name:"South Coast" slug:south-coast\n'
            "/network role network:south-coast member:casey role:coordinator\n"
            "/as casey\n/network setup network:south-coast\n"
            "/meeting schedule network:south-coast date:2035-03-14 time:10:00 duration:120 "
            "link:https://example.org/meet\n"
            "/as robin\n/network join network:south-coast\n"
            "/as sam\n/network join network:south-coast\n"
        )
        capped = await run("/as casey\n/manage meeting capacity network:south-coast places:1\n")
        assert "has 1 place. Going: 0." in capped, capped
        answers = await run(
            "/as robin\n/meeting rsvp network:south-coast answer:going\n"
            "/as sam\n/meeting rsvp network:south-coast answer:going\n"
        )
        assert "Saved: Going to the South Coast meeting" in answers
        assert "it is full, so you are number 1 on the waitlist" in answers
        posted = await deliver("announce", start - timedelta(days=14))
        assert "Going: 1 of 1 (full, waitlist 1), Maybe: 0, Can't go: 0" in posted

        begin = out.tell()
        await run("/as robin\n/meeting rsvp network:south-coast answer:no\n")
        assert app.worker is not None
        await app.worker.run_once()
        told = " ".join(out.getvalue()[begin:].split())
        assert "[private message to sam]" in told
        assert "A place opened at the South Coast meeting" in told

        reminded = await deliver("reminder-1d", start - timedelta(days=1))
        assert "[private message to sam]" in reminded
        assert "Can't make it now" in reminded
        assert "[private message to robin]" not in reminded  # Can't go: no reminder

        begun = await deliver("starting", start)
        assert "[posted in #south-coast-announcements]" in begun
        assert "Starting now: South Coast meeting, 10:00 to 12:00 AEDT." in begun
        assert "Join online: https://example.org/meet" in begun
        again = await deliver("starting", start + timedelta(minutes=5))
        assert "Starting now" not in again  # once
    finally:
        await app.stop()
