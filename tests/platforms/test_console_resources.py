"""Issue 7's "done when" on the console, as a new user would try it: on a fresh start a search
for crisis finds Lifeline, a misspelt supervision finds supervision resources, and a member's
suggestion reaches the coordinator's review queue and, once approved, is found by search."""

from __future__ import annotations

import io
from pathlib import Path

from bot.app import App
from bot.clock import FakeClock
from bot.platforms.console import ConsoleAdapter
from config.settings import load_settings


async def test_resources_scenario(tmp_path: Path) -> None:
    settings = load_settings(
        None, environ={"PEERBOT_DATA_DIR": str(tmp_path), "PEERBOT_ADMINS": "console:you"}
    )
    app = App(settings, clock=FakeClock())
    kernel = await app.start_without_worker()
    out = io.StringIO()

    async def run(script: str) -> str:
        start = out.tell()
        console = ConsoleAdapter(kernel, stdin=io.StringIO(script), stdout=out, interactive=False)
        if app.worker is None:  # deliveries print to the same output as the console
            app.start_worker([console.port])
        assert app.worker is not None
        console.settle = app.worker.run_once  # as `peerbot run` does: deliver before each line
        await console.run()
        return " ".join(out.getvalue()[start:].split())  # the console wraps long lines

    try:
        fresh = await run(
            "/as newcomer\n/resources search query:crisis\n/resources search query:supervison\n"
        )
        assert "Lifeline (entry" in fresh and "13 11 14" in fresh
        assert "close matches: check the spelling" in fresh
        assert "National Lived Experience (Peer) Workforce Development Guidelines" in fresh

        suggested = await run(
            '/as you\n/network create name:"South Coast" slug:south-coast\n'
            "/network role network:south-coast member:casey role:coordinator\n"
            "/as robin\n/network join network:south-coast\n"
            "/resources submit area:support type:template network:south-coast\n"
            "Peer supervision agreement template\n"
            "https://example.org/agreement\n"
            "A template agreement for peer supervision sessions.\n"
            "supervision agreement\n"
            "\n"
        )
        assert "is waiting for review" in suggested

        reviewed = await run(
            "/as casey\n/resources review network:south-coast\n1\n"
            "/as robin\n/resources search query:agreement\n"
        )
        assert "1 suggestion waiting" in reviewed
        assert "Approved: 'Peer supervision agreement template'" in reviewed
        assert "[private message to robin]" in reviewed
        assert reviewed.count("Peer supervision agreement template (entry") == 1
    finally:
        await app.stop()
