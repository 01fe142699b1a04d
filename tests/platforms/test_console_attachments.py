"""A template file on the console, as a coordinator and a member would do it: the coordinator
attaches a local PDF by its path, a member downloads it, and the console saves the download in
the data folder's exports."""

from __future__ import annotations

import io
import re
from pathlib import Path

from bot.app import App
from bot.clock import FakeClock
from bot.platforms.console import ConsoleAdapter
from config.settings import load_settings

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


async def test_a_template_file_attached_by_path_downloads_to_exports(tmp_path: Path) -> None:
    data = tmp_path / "data"
    settings = load_settings(
        None, environ={"PEERBOT_DATA_DIR": str(data), "PEERBOT_ADMINS": "console:you"}
    )
    app = App(settings, clock=FakeClock())
    kernel = await app.start_without_worker()
    out = io.StringIO()
    form = tmp_path / "My forms" / "Reflection log.pdf"
    form.parent.mkdir()
    form.write_bytes(PDF)

    async def run(script: str) -> str:
        start = out.tell()
        console = ConsoleAdapter(kernel, stdin=io.StringIO(script), stdout=out, interactive=False)
        await console.run()
        return " ".join(out.getvalue()[start:].split())  # the console wraps long lines

    try:
        added = await run(
            '/network create name:"South Coast" slug:south-coast\n'
            '/library add title:"Reflection log template" link:https://example.org/log '
            'summary:"A log for co-reflection." area:support type:template network:south-coast\n'
        )
        number = re.findall(r"entry (\d+)", added)[-1]
        missing = await run(f'/library attach entry:{number} file:"{tmp_path}/nowhere.pdf"\n')
        assert "The option 'file' must be a file attached on Discord, or a file's path" in missing
        assert "give the path of a file that exists" in missing
        assert "Nothing was changed." in missing
        attached = await run(f'/library attach entry:{number} file:"{form}"\n')
        assert f"Attached Reflection log.pdf (PDF, 1 KB) to entry {number}" in attached

        got = await run(
            f"/as robin\n/network join network:south-coast\n/resources download entry:{number}\n"
        )
        saved = data / "exports" / "Reflection log.pdf"
        assert saved.read_bytes() == PDF
        assert "Reflection log.pdf" in got and "exports" in got
    finally:
        await app.stop()
