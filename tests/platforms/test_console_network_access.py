"""Issue 20, items 17 and 18, on the console as people would try them: a coordinator makes a
network invite-only; one person's request is approved by its number, another's declined
after a withdrawal and a second ask; the person waiting sees nothing of the network; the peer
directory shows only who opted in; the audit log records each step without anyone's words."""

from __future__ import annotations

import io
from pathlib import Path

from bot.app import App
from bot.clock import FakeClock
from bot.platforms.console import ConsoleAdapter
from config.settings import load_settings

SCRIPT = Path(__file__).with_name("network_access_scenario.txt")


async def run_script(tmp_path: Path) -> str:
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
        await app.worker.run_once()
    finally:
        await app.stop()
    return out.getvalue()


def after(text: str, line: str, occurrence: int = 1) -> str:
    """What the console printed after the ``occurrence``-th time ``line`` was typed, up to
    the next typed line."""
    start = -1
    for _ in range(occurrence):
        start = text.index(f"> {line}\n", start + 1)
    rest = text[start + len(line) + 3 :]
    return rest.split("\n> ", 1)[0]


async def test_invite_only_network_and_peer_directory_on_the_console(tmp_path: Path) -> None:
    text = await run_script(tmp_path)
    flat = " ".join(text.split())  # the console wraps long lines

    edited = " ".join(after(text, "/manage network edit network:yarn joining:approval").split())
    assert "Joining Yarning Circle now needs a coordinator's approval" in edited

    listed = " ".join(after(text, "/network list").split())
    assert "Yarning Circle (yarn): invite-only (a coordinator approves each request)" in listed
    assert "member" not in listed  # not even a count for someone outside it

    asked = " ".join(after(text, "/network join network:yarn").split())
    assert asked.startswith("(only you can see this) Yarning Circle is invite-only")
    assert "[private message to casey]" in asked
    assert "robin asked to join Yarning Circle" in asked and "[1] Approve [2] Decline" in asked

    info = " ".join(after(text, "/network info network:yarn").split())
    assert "casey" not in info and "Members" not in info and "Next meeting" not in info
    refused = " ".join(after(text, "/meeting list network:yarn").split())
    assert "You need to be a member in Yarning Circle to do that." in refused

    listing = " ".join(after(text, "/manage network requests network:yarn").split())
    assert "2 requests to join Yarning Circle, oldest first:" in listing
    assert "[1] Approve request 1 [2] Decline request 1 [3] Approve request 3" in listing
    approved = " ".join(after(text, "1").split())
    assert approved.startswith("(only you can see this) You approved robin's request.")
    assert "[private message to robin] (only you can see this) Welcome to Yarning Circle." in (
        approved
    )
    declined = " ".join(after(text, "2").split())
    assert declined.startswith("(only you can see this) You declined sam's request")
    assert "[private message to sam] (only you can see this) Thank you for asking" in declined

    assert "- Yarning Circle (yarn): member" in after(text, "/network mine", 1)
    assert "You are not in any network yet." in after(text, "/network mine", 2)

    # The directory: sam (in no network) is seen by nobody; robin only once he opted in.
    assert "Nobody in your networks is in the peer directory yet." in " ".join(
        after(text, "/peers find", 1).split()
    )
    assert "nobody sees it until you join one" in " ".join(
        after(
            text, '/peers profile title:"Peer worker" region:Illawarra topics:"working solo"'
        ).split()
    )
    assert "You are not in the peer directory" in after(text, "/peers profile")
    assert "sam" not in after(text, "/peers find", 2)
    found = " ".join(after(text, "/peers find topic:grief").split())
    assert "- robin: Region: Illawarra; Happy to talk about: boundaries, grief" in found

    audit = text[text.rindex("Audit log") :]
    for line in (
        "| casey | network.join.decline | sam",
        "| casey | network.join.approve | robin",
        "| sam | network.join.withdraw | -",
        "| robin | network.join.ask | -",
        "| casey | network.edit | yarn | joining: approval",
    ):
        assert line in audit, line
    assert "grief" not in audit and "Illawarra" not in audit
    assert "Traceback" not in flat
