"""Issue 21's noticeboard "done when", as a new user would try it on the console: a training
notice posted with a closing date is posted once in the notices channel, appears in /notices
list, in a subscriber's weekly digest once, and is retired the day after it closes; a member's
notice waits for review; a closing date already past is refused."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app import App
from bot.clock import FakeClock
from bot.platforms.console import ConsoleAdapter
from cogs.noticeboard.commands import NoticeboardCog
from config.settings import load_settings

SCRIPT = Path(__file__).with_name("noticeboard_scenario.txt")
SYDNEY = ZoneInfo("Australia/Sydney")
#: After the digest went (Monday 9am) and the training closed (midnight into Tuesday).
AFTER = "/as sam\n/notices list\n/notices unsubscribe\n"


def sydney(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2035, 3, day, hour, minute, tzinfo=SYDNEY).astimezone(dt.UTC)


async def test_noticeboard_scenario(tmp_path: Path) -> None:
    settings = load_settings(
        None, environ={"PEERBOT_DATA_DIR": str(tmp_path), "PEERBOT_ADMINS": "console:you"}
    )
    clock = FakeClock(sydney(3, 10))  # Saturday 3 March 2035
    app = App(settings, clock=clock)
    kernel = await app.start_without_worker()
    out = io.StringIO()
    console = ConsoleAdapter(
        kernel, stdin=io.StringIO(SCRIPT.read_text()), stdout=out, interactive=False
    )
    app.start_worker([console.port])
    assert app.worker is not None
    console.settle = app.worker.run_once
    cog = kernel.cogs["noticeboard"]
    assert isinstance(cog, NoticeboardCog)
    try:
        await console.run()
        await app.worker.run_once()
        for when in (sydney(5, 9, 5), sydney(5, 15), sydney(6, 0, 10), sydney(6, 1)):
            clock.set(when)
            await cog.sweep()
            await app.worker.run_once()
        after = ConsoleAdapter(kernel, stdin=io.StringIO(AFTER), stdout=out, interactive=False)
        after.settle = app.worker.run_once
        await after.run()
    finally:
        await app.stop()
    text = out.getvalue()
    posted = "[posted in #south-coast-notices]\nTraining notice: Intentional Peer Support"
    assert text.count(posted) == 1
    assert text.count("[posted in #south-coast-notices]\nEvent notice: Carer peer work") == 1
    assert "The closing date 2035-03-01 has already passed" in text
    assert "is waiting for a\ncoordinator or executive to review it" in text
    listed = text[text.index("> /notices list\n") : text.index("> /notices list type:job")]
    assert "- Training: Intentional Peer Support core training" in listed
    assert "No open notices (job)." in text
    assert text.count("Your weekly noticeboard digest: 1 new notice for South Coast") == 1
    assert text.count("[edited message 1]\nClosed: Training notice 'Intentional Peer") == 1
    closed = text[text.rindex("> /notices list") :]
    assert "Carer peer work forum" in closed and "Intentional" not in closed
    assert "Stopped: you will get no more weekly noticeboard digests." in closed
