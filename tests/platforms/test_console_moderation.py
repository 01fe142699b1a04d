"""Issue 14, items 4 and 7 on the console: an executive of one network cannot lock the
server's #general or another network's channel, only their own; the audit log shows names
and local times, never stored keys or UTC."""

from __future__ import annotations

import io
import re
from pathlib import Path

from bot.app import App
from bot.clock import FakeClock
from bot.platforms.console import ConsoleAdapter
from config.settings import load_settings

SCRIPT = """\
/network create name:"South Coast" slug:south-coast
/network create name:"Southern Tablelands" slug:tablelands
/network role network:south-coast member:casey role:coordinator
/network role network:tablelands member:ed role:executive
/network setup network:tablelands
/as casey
/network setup network:south-coast
/as ed
/mod lock channel:general network:tablelands
/mod lock channel:south-coast-general network:tablelands
/mod lock channel:tablelands-general network:tablelands
/as you
/mod lock channel:general network:tablelands
/mod audit action:mod.
"""


async def test_an_executive_locks_only_their_networks_channels(tmp_path: Path) -> None:
    settings = load_settings(
        None, environ={"PEERBOT_DATA_DIR": str(tmp_path), "PEERBOT_ADMINS": "console:you"}
    )
    app = App(settings, clock=FakeClock())
    kernel = await app.start_without_worker()
    out = io.StringIO()
    console = ConsoleAdapter(kernel, stdin=io.StringIO(SCRIPT), stdout=out, interactive=False)
    app.start_worker([console.port])
    try:
        await console.run()
    finally:
        await app.stop()
    text = " ".join(out.getvalue().split())  # the console wraps long lines
    refusal = (
        "As an executive of Southern Tablelands, you can moderate only Southern Tablelands' "
        "own channels, the threads in them and the channels in its category: "
    )
    assert text.count(refusal) == 2, text
    assert "#tablelands-general" in text and "#tablelands-announcements" in text
    assert "That channel is not one of them: it belongs to the whole server" in text
    assert "That channel belongs to South Coast." in text
    # only ed's own channel and the admin's lock of #general were locked
    locks = re.findall(r"\[locked #([\w-]+)\]", out.getvalue())
    assert locks == ["tablelands-general", "general"]
    assert "you did this as an admin, which only admins can" in text
    audit = out.getvalue()[out.getvalue().rindex("Audit log") :]
    lines = [line for line in audit.splitlines() if "| mod.lock |" in line]
    assert [line.split(" | ", 1)[1] for line in lines] == [
        "you | mod.lock | #general",
        "ed | mod.lock | #tablelands-general",
    ]
    assert all(re.match(r"\w{3} \d{1,2} \w{3} \d{4}, \d\d:\d\d AE[DS]T \|", x) for x in lines)
    assert "console:" not in audit and "UTC" not in audit


HELP_SCRIPT = """\
/network create name:"South Coast" slug:south-coast
/network role network:south-coast member:casey role:coordinator
/as sam
/network join network:south-coast
/help
/as casey
/help
"""


async def test_help_lists_only_what_the_person_can_run(tmp_path: Path) -> None:
    settings = load_settings(
        None, environ={"PEERBOT_DATA_DIR": str(tmp_path), "PEERBOT_ADMINS": "console:you"}
    )
    app = App(settings, clock=FakeClock())
    kernel = await app.start_without_worker()
    out = io.StringIO()
    console = ConsoleAdapter(kernel, stdin=io.StringIO(HELP_SCRIPT), stdout=out, interactive=False)
    try:
        await console.run()
    finally:
        await app.stop()
    text = out.getvalue()
    member, coordinator = text.split("Commands you can use:")[1:3]
    for staff in ("/mod lock", "/mod audit", "/network setup"):
        assert staff not in member and staff in coordinator
    assert "/report concern" in member
    assert "/network create" not in member and "/network create" not in coordinator


MEETING_AUDIT_SCRIPT = """\
/network create name:"South Coast" slug:south-coast
/network role network:south-coast member:casey role:coordinator
/as casey
/network setup network:south-coast
/manage meeting schedule network:south-coast date:2035-02-05 time:10:00 duration:90
/manage meeting plan network:south-coast date:2035-02-05
Boundaries
Dana Wills
Check-in
/mod audit action:meeting.
"""


async def test_the_audit_log_writes_meeting_dates_as_people_read_them(tmp_path: Path) -> None:
    """Issue 20 item 16: "series:1:2035-02-05" and "from 2035-02-05" were ISO text."""
    settings = load_settings(
        None, environ={"PEERBOT_DATA_DIR": str(tmp_path), "PEERBOT_ADMINS": "console:you"}
    )
    app = App(settings, clock=FakeClock())
    kernel = await app.start_without_worker()
    out = io.StringIO()
    script = io.StringIO(MEETING_AUDIT_SCRIPT)
    console = ConsoleAdapter(kernel, stdin=script, stdout=out, interactive=False)
    app.start_worker([console.port])
    try:
        await console.run()
    finally:
        await app.stop()
    audit = " ".join(out.getvalue()[out.getvalue().rindex("Audit log") :].split())
    assert (
        "casey | meeting.plan | the meeting on Monday 5 February 2035 (series number 1) | "
        "topic, facilitator, agenda" in audit
    ), audit
    assert (
        "casey | meeting.schedule | meeting series number 1 | every 3 months from "
        "5 February 2035" in audit
    ), audit
    assert not re.search(r"\d{4}-\d\d-\d\d", audit), audit
    assert "UTC" not in audit
