"""Issue 4's "done when", as a new user would try it on the console: three networks, set-up for
one, two members join, one reports a concern, the coordinator sees and closes it, and the audit
log shows it all."""

from __future__ import annotations

import io
from pathlib import Path

from bot.app import App
from bot.clock import FakeClock
from bot.platforms.console import ConsoleAdapter
from config.settings import load_settings

SCRIPT = Path(__file__).with_name("network_scenario.txt")


async def test_network_scenario(tmp_path: Path) -> None:
    settings = load_settings(
        None, environ={"PEERBOT_DATA_DIR": str(tmp_path), "PEERBOT_ADMINS": "console:you"}
    )
    app = App(settings, clock=FakeClock())
    kernel = await app.start_without_worker()
    out = io.StringIO()
    console = ConsoleAdapter(
        kernel, stdin=io.StringIO(SCRIPT.read_text()), stdout=out, interactive=False
    )
    app.start_worker([console.port])
    assert app.worker is not None
    console.settle = app.worker.run_once  # as `peerbot run` does: deliver before each line
    try:
        await console.run()
        assert app.worker is not None
        await app.worker.run_once()  # deliver what is still queued
    finally:
        await app.stop()
    text = out.getvalue()
    for created in (
        "Illawarra Shoalhaven (illawarra)",
        "South Coast (south-coast)",
        "Southern Tablelands (tablelands)",
    ):
        assert f"Created the network {created}" in text
    assert "[created channel #south-coast-announcements]" in text
    assert "is already set up here" in text  # the second set-up created nothing
    assert text.count("Welcome to South Coast. You joined as a member.") == 2
    assert "Community guidelines for South Coast" in text
    assert "Your report (number 1) went privately to the coordinators" in text
    assert "[private message to casey]" in text and "New report (number 1)" in text
    assert "Closed report number 1." in text
    assert "[private message to sam]" in text
    audit = text[text.rindex("Audit log") :]
    for action in (
        "mod.close",
        "mod.report",
        "network.setup",
        "network.role.grant",
        "network.create",
    ):
        assert action in audit
    assert "street and suburb" not in audit  # the audit log never holds what people wrote
