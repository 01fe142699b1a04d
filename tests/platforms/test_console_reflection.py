"""Issue 6's "done when", as a new user would try it on the console: a member starts a case
consultation with three peers, two accept and one declines, a post with a phone number is
flagged before posting, the facilitator runs the phases, the thread is closed and, once the
network's retention period has passed, deleted; each person's takeaway stays theirs alone."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import App
from bot.clock import FakeClock, from_db
from bot.platforms.console import ConsoleAdapter
from cogs.reflection.commands import ReflectionCog
from config.settings import load_settings

SCRIPT = Path(__file__).with_name("reflection_scenario.txt")
PHONE = "0412 345 678"


async def test_reflection_scenario(tmp_path: Path) -> None:  # noqa: PLR0915 (one story)
    settings = load_settings(
        None, environ={"PEERBOT_DATA_DIR": str(tmp_path), "PEERBOT_ADMINS": "console:you"}
    )
    clock = FakeClock()
    app = App(settings, clock=clock)
    kernel = await app.start_without_worker()
    out = io.StringIO()
    console = ConsoleAdapter(
        kernel, stdin=io.StringIO(SCRIPT.read_text()), stdout=out, interactive=False
    )
    app.start_worker([console.port])
    assert app.worker is not None
    console.settle = app.worker.run_once
    try:
        await console.run()
        await app.worker.run_once()
        text = out.getvalue()
        thread = "Co-reflection: Group case consultation"

        # Started, with the agreement pinned and only the starter in the thread.
        assert "Started co-reflection number 1" in text
        assert f"[added mia to '{thread}']" in text
        assert "[pinned message" in text
        assert "This thread is deleted 14 days after it closes." in text
        for peer in ("max", "kim", "lee"):
            assert f"[private message to {peer}]" in text

        # Two accept and are added; the one who declines is not, and nobody hears of it.
        assert "[added max to 'thread-1']" in text and "[added kim to 'thread-1']" in text
        assert "[added lee to" not in text
        assert "max accepted the agreement and joined." in text
        assert "lee accepted" not in text and "You declined. Nobody is told." in text

        # The phone number is flagged, and never reaches the thread.
        assert "Nothing was posted: the check found something" in text
        posted = text.split("[posted in #")
        assert not any(PHONE in part.split("\n> ")[0] for part in posted[1:])
        assert "Posted in the thread." in text
        assert "A person I support often calls me late at night." in text

        # Only the facilitator moves the phases, and only up to the last one.
        assert "Only the facilitator moves to the next phase." in text
        for number, name in enumerate(
            ["Clarifying questions", "The presenter's question", "Reflections", "What helped"], 2
        ):
            assert f"Phase {number} of 5: {name}." in text
        assert "This is the last phase (What helped)." in text

        # Closed: thanks, archived and locked, takeaways offered privately.
        assert "Thank you, everyone, for what you shared" in text
        assert "[archived and locked 'thread-1']" in text
        assert "Saved. Only you can see it, with /reflect notes." in text
        kim_notes, max_notes = text.split("> /reflect notes")[1:3]
        assert "You have no takeaway notes yet." in kim_notes
        assert "Leaving: Lighter\nSaying no can be a way of caring." in max_notes

        # Later: the thread is deleted when the network's 14 days have passed.
        cog = kernel.cogs["reflection"]
        assert isinstance(cog, ReflectionCog)
        [job] = await cog.jobs.planned_jobs(clock.now())
        closed = await kernel.db.fetch_one("SELECT closed_at FROM reflections WHERE id = 1")
        assert closed is not None
        assert job.run_at == from_db(str(closed["closed_at"])) + timedelta(days=14)
        assert "[deleted thread" not in out.getvalue()
        clock.set(job.run_at)
        await kernel.scheduler.run_job(job)
        assert "[deleted thread 'thread-1']" in out.getvalue()
        assert await cog.jobs.planned_jobs(clock.now()) == []
    finally:
        await app.stop()


PANEL_SCRIPT = Path(__file__).with_name("reflection_panel_scenario.txt")


def flat(text: str) -> str:
    """The console wraps at 80 columns: compare words, not line breaks."""
    return " ".join(text.split())


async def test_panel_late_invite_session_close_and_reopen_scenario(  # noqa: PLR0915 (one story)
    tmp_path: Path,
) -> None:
    """Issue 16 item 6 on the console, as each person sees it: the panel (posted twice, so
    replaced), pressed with /look; a check-in round; a peer added later who accepts; a live
    session with one reminder each to those who joined; closing asks first; reopening."""
    settings = load_settings(
        None, environ={"PEERBOT_DATA_DIR": str(tmp_path), "PEERBOT_ADMINS": "console:you"}
    )
    clock = FakeClock(datetime(2035, 6, 1, tzinfo=UTC))
    app = App(settings, clock=clock)
    kernel = await app.start_without_worker()
    out = io.StringIO()
    console = ConsoleAdapter(
        kernel, stdin=io.StringIO(PANEL_SCRIPT.read_text()), stdout=out, interactive=False
    )
    app.start_worker([console.port])
    assert app.worker is not None
    console.settle = app.worker.run_once
    try:
        await console.run()
        await app.worker.run_once()
        text = flat(out.getvalue())

        # The panel, posted twice: the second replaces the first.
        assert text.count("[posted in #south-coast-reflection] Start a co-reflection") == 2
        assert "[deleted message 1]" in text
        assert "It replaces the earlier one, which was removed." in text
        # mia presses its button (/look), picks a format and fills in the form.
        assert "[the newest message with buttons, in #south-coast-reflection]" in text
        assert "How would you like to reflect together?" in text
        assert "[5] Open reflection - talk it through in your own way." in text
        assert "Begin with a check-in round? yes or no: [opened private thread" in text
        assert "Started co-reflection number 1 (What? So what? Now what?)" in text
        assert "if someone cannot be reached. The thread: #thread-3" in text
        # The thread opens with the agreement, then the check-in round, then the prompts.
        agreement = text.index("[posted in #thread-3] Our confidentiality agreement:")
        checkin = text.index("[posted in #thread-3] Check-in round, before we begin: how are")
        prompts = text.index("[posted in #thread-3] What? So what? Now what?: three short")
        assert agreement < checkin < prompts

        # Every private message about it ends with where the thread is.
        assert "Decline tells no one. The thread (it opens for you once you join): #thread-3" in (
            text
        )
        assert "Post with /reflect post inside it. The thread: #thread-3" in text

        # kim, added after the start, is told it has begun, and is in only after Join.
        late = text.split("> /reflect invite peers:kim")[1]
        assert "Invited privately to co-reflection number 1: kim." in late
        assert "It started on 2035-06-01; once you join you can read what was shared so far." in (
            late
        )
        assert late.index("[private message to kim]") < late.index("[added kim to 'thread-3']")
        assert "kim accepted the agreement and joined. Welcome." in late

        # The live session, in the network's zone.
        assert (
            "Planned a live session for co-reflection number 1 on Sun 10 Jun 2035, 18:30 AEST"
            in (text)
        )
        assert "mia planned a live session for Sun 10 Jun 2035, 18:30 AEST." in text

        # Closing asks first; Keep it open changes nothing; Close it closes.
        closing = text.split("> /reflect close")
        assert "Close co-reflection number 1 for everyone in it?" in closing[1]
        assert "Co-reflection number 1 stays open. Nothing was changed." in closing[1]
        assert "[archived" not in closing[1]
        assert "[archived and locked 'thread-3']" in closing[2]
        assert "Closed co-reflection number 1: the thread is archived and locked" in closing[2]
        offer = "(only you can see this) Thank you for taking part in co-reflection number 1."
        for person in ("mia", "max", "kim"):
            assert f"[private message to {person}] {offer}" in text

        # Reopened by its starter: the thread is unarchived and unlocked, the group told.
        assert "[unarchived and unlocked 'thread-3']" in text
        assert "Reopened co-reflection number 1: the thread is unarchived and unlocked" in text
        assert "mia reopened this co-reflection." in text

        # An hour before the session, each who joined is reminded once; running the job
        # again (as after a restart before it was recorded) sends nothing more.
        cog = kernel.cogs["reflection"]
        assert isinstance(cog, ReflectionCog)
        [job] = await cog.sessions.planned_jobs(clock.now())
        assert job.run_at == datetime(2035, 6, 10, 7, 30, tzinfo=UTC)
        clock.set(job.run_at)
        before = len(out.getvalue())
        await kernel.scheduler.run_job(job)
        await kernel.scheduler.run_job(job)
        await app.worker.run_once()
        reminders = flat(out.getvalue()[before:])
        for person in ("mia", "max", "kim"):
            assert reminders.count(f"[private message to {person}]") == 1, reminders
        reminder = "Reminder: the live session of co-reflection number 1 is at Sun 10 Jun 2035"
        assert reminders.count(reminder) == 3, reminders
        assert "there later. The thread: #thread-3" in reminders
    finally:
        await app.stop()
