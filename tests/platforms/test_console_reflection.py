"""Issue 6's "done when", as a new user would try it on the console: a member starts a case
consultation with three peers, two accept and one declines, a post with a phone number is
flagged before posting, the facilitator runs the phases, the thread is closed and, once the
network's retention period has passed, deleted; each person's takeaway stays theirs alone."""

from __future__ import annotations

import io
from datetime import timedelta
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
        assert "Saying no can be a way of caring." in max_notes

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
