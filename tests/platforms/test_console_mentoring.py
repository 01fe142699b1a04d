"""Issue 21's mentoring "done when" on the console, as each person sees it: a mentor offers, a
member finds them for working solo and asks (by number), the mentor accepts (by number), the
private thread opens with the agreement pinned, both get the halfway check-in (clock set), the
member ends it from hers, and the thread is deleted after the retention period."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import App
from bot.clock import FakeClock
from bot.platforms.console import ConsoleAdapter
from cogs.mentoring.commands import MentoringCog
from config.settings import load_settings

HERE = Path(__file__).parent


def flat(text: str) -> str:
    """The console wraps at 80 columns: compare words, not line breaks."""
    return " ".join(text.split())


async def test_mentoring_scenario(tmp_path: Path) -> None:  # noqa: PLR0915 (one story)
    settings = load_settings(
        None, environ={"PEERBOT_DATA_DIR": str(tmp_path), "PEERBOT_ADMINS": "console:you"}
    )
    clock = FakeClock(datetime(2035, 6, 1, tzinfo=UTC))
    app = App(settings, clock=clock)
    kernel = await app.start_without_worker()
    out = io.StringIO()

    console = ConsoleAdapter(kernel, stdin=io.StringIO(""), stdout=out, interactive=False)
    app.start_worker([console.port])
    assert app.worker is not None
    console.settle = app.worker.run_once

    async def play(script: str) -> None:
        """One console for the whole story (it holds the choices waiting for an answer)."""
        console.stdin = io.StringIO((HERE / script).read_text())
        console._lines = None  # read the new script from its start
        await console.run()
        assert app.worker is not None
        await app.worker.run_once()

    try:
        await play("mentoring_scenario.txt")
        text = flat(out.getvalue())
        assert "Thank you for offering to mentor." in text
        assert "Mentors for working solo, best fit first" in text
        assert "Asked max to mentor you on working solo." in text
        assert "[private message to max]" in text
        assert "mia, a member of South Coast, asks whether you would mentor them" in text
        # The thread opens only after max accepted, with both added and the agreement pinned.
        before_accept = text.split("mia, a member of South Coast, asks")[0]
        assert "[opened private thread 'Mentoring'" not in before_accept
        assert "[opened private thread 'Mentoring' in #south-coast-reflection]" in text
        assert "[added max to 'Mentoring']" in text and "[added mia to 'Mentoring']" in text
        assert "[pinned message" in text
        assert "Mentoring agreement" in text and "This is not supervision" in text
        assert "max accepted your request for mentoring on working solo" in text
        assert "Mentoring in South Coast: 1 active pairs, 0 requests waiting" in text
        assert "mia" not in text.split("Mentoring in South Coast:")[1].split(".")[0]

        # Halfway: each gets the check-in once.
        clock.advance(timedelta(days=46))
        await play("mentoring_scenario_end.txt")
        text = flat(out.getvalue())
        for who, other in (("mia", "max"), ("max", "mia")):
            sent = f"[private message to {who}] (only you can see this) How is your mentoring"
            assert text.count(f"{sent} with {other} going?") == 1
        assert "End your mentoring with max? No reason is needed." in text
        assert "Ended. max was told kindly" in text
        assert "[archived and locked 'thread-2']" in text
        assert "mia has ended your mentoring on working solo." in text
        assert "You have no mentor profile, request or mentoring pair." in text

        # After the retention period (30 days) the thread is deleted, once.
        cog = kernel.cogs["mentoring"]
        assert isinstance(cog, MentoringCog)
        [job] = await cog.jobs.planned_jobs(clock.now())
        assert job.run_at == clock.now() + timedelta(days=30)
        assert "[deleted thread" not in out.getvalue()
        clock.set(job.run_at)
        await kernel.scheduler.run_job(job)
        assert out.getvalue().count("[deleted thread 'thread-2']") == 1
        assert await cog.jobs.planned_jobs(clock.now()) == []
    finally:
        await app.stop()
