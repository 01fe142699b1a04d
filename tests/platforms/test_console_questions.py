"""Issue 21's /ask "done when", as a new user would try it on the console: a member's
question reaches the coordinator privately, numbered, with Reply, Close and Ask permission to
share; the reply reaches the member privately, signed; the member answers back; a version the
de-identification check flags is refused; the member sees the exact text before saying yes,
and only then is it posted, without a name; the member closes it."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from bot.app import App
from bot.clock import FakeClock
from bot.platforms.console import ConsoleAdapter
from config.settings import load_settings

SCRIPT = Path(__file__).with_name("questions_scenario.txt")


def flat(text: str) -> str:
    """The console wraps at 80 columns: compare words, not line breaks."""
    return " ".join(text.split())


async def test_questions_scenario(tmp_path: Path) -> None:
    settings = load_settings(
        None, environ={"PEERBOT_DATA_DIR": str(tmp_path), "PEERBOT_ADMINS": "console:you"}
    )
    app = App(settings, clock=FakeClock(dt.datetime(2035, 3, 5, 1, tzinfo=dt.UTC)))
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
    finally:
        await app.stop()
    text = flat(out.getvalue())
    assert (
        "Your question (question 1) has gone to the coordinators of South Coast; their reply "
        "will come here, privately."
    ) in text
    notice = (
        "[private message to casey] (only you can see this) Question 1 from matt, a member of "
        "South Coast, asked privately: A client I support at Wollongong Hospital asked about my "
        "own admission. How much should I say?"
    )
    assert text.count(notice) == 1
    assert "[1] Reply [2] Close [3] Ask permission to share" in text
    assert (
        "[private message to matt] (only you can see this) casey, for the coordinators of South "
        "Coast, replied to your question (question 1): Share what helps them, briefly, and bring "
        "it back to them."
    ) in text
    assert "matt answered about question 1 (South Coast): Thank you, that helps." in text
    refused = text.split("The de-identification check found details")[1].split("> ")[0]
    assert "a hospital or ward (Wollongong Hospital)" in refused
    assert "post anyway" not in refused and "Nothing was sent." in refused
    shared = "Someone I support asked about my own time in hospital. How much should I say?"
    before_yes = text.split("Thank you. The de-identified version is being posted")[0]
    assert "[posted in #south-coast-general]" not in before_yes
    assert (
        "It would be posted exactly like this, without your name: A question from a peer "
        f"worker: {shared}"
    ) in text
    post = f"[posted in #south-coast-general] A question from a peer worker: {shared}"
    assert text.count(post) == 1
    assert "Question 1 (South Coast) was closed by the member who asked it." in text
    assert "- Question 1 (South Coast): closed, deleted after the retention period." in text
    assert (
        "Wollongong" not in text.split("[posted in #south-coast-general]")[1].split("[private")[0]
    )
