"""Issue 21's stories "done when", as a new user would try it on the console: a member shares
a story in the form, the coordinator approves it from the review message by number, nothing
is posted until the author says yes, it is posted once in the stories channel under the name
he chose and listed, a story with a phone number is held back, and withdrawing deletes the
post, the review message and the preview at once."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from bot.app import App
from bot.clock import FakeClock
from bot.platforms.console import ConsoleAdapter
from config.settings import load_settings

SCRIPT = Path(__file__).with_name("stories_scenario.txt")


def flat(text: str) -> str:
    """The console wraps at 80 columns: compare words, not line breaks."""
    return " ".join(text.split())


async def test_stories_scenario(tmp_path: Path) -> None:
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
    assert "Thank you for sharing your story. 'Finding my feet' (story 1)" in text
    assert "[private message to casey]" in text
    assert "A member submitted a story for South Coast (story 1)." in text
    before_yes = text.split("Approved story 1.")[0]
    assert "[posted in #south-coast-stories]" not in before_yes
    assert "It will be posted in #south-coast-stories, exactly like this:" in text
    assert "Published as: Matt." in text
    post = (
        "[posted in #south-coast-stories] A story of peer work: Finding my feet The first year "
        "was hard. What helped was a peer who listened. Shared by Matt. (Story 1."
    )
    assert text.count(post) == 1
    assert "- Story 1: Finding my feet, shared by Matt (5 March 2035)." in text
    assert "is saved but not sent yet: the check found something" in text
    assert "a phone number (0412 345 678)" in text
    assert "Withdraw your story (story 2)? Its text is deleted at once" in text
    assert "Withdrawn: your story (story 2) is gone." in text
    assert "- Story 1: Finding my feet (shared as Matt): published." in text
    assert "Withdrawn: your story (story 1) is gone." in text
    assert "Its posts in the network's channels are deleted." in text
    after = text.split("Withdrawn: your story (story 1) is gone.")[1]
    assert "No stories are published yet." in after
    assert after.count("[deleted message") == 0  # the deletions came before the reply
    gone = text.split("> /story withdraw number:1")[1].split("Withdrawn: your story (story 1)")[0]
    assert gone.count("[deleted message") >= 3  # the post, the review message, the preview
