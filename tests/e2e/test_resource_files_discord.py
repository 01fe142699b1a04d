"""A template file on Discord, as a coordinator and a member use it: the coordinator attaches
a PDF to ``/library attach`` (Discord uploads it first and sends its id, with the attachment
in ``resolved``), peerbot fetches it from the attachment's url, and a member's
``/resources download`` answers privately with the file, sent as discord.py sends files:
a multipart request whose ``payload_json`` lists the attachment."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from cogs.resources.attachments import FILES_FOLDER
from tests.e2e.fakediscord import Attached, FakeDiscord
from tests.e2e.peerbot_on_fake import PeerbotOnFake
from tests.e2e.test_networks_discord import COORDINATOR, EPHEMERAL, answer, create_coast

MEMBER = "bob"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


@pytest.fixture
async def bot(fake_discord: FakeDiscord, tmp_path: Path) -> AsyncIterator[PeerbotOnFake]:
    """Coast, with carol its coordinator and bob a member."""
    started = PeerbotOnFake(fake_discord, tmp_path)
    await started.start()
    try:
        await create_coast(fake_discord, members=(MEMBER,), set_up=False)
        yield started
    finally:
        await started.stop()


async def add_template(fake: FakeDiscord) -> str:
    options = {
        "title": "Supervision agreement template",
        "link": "https://example.org/agreement",
        "summary": "A template agreement for peer supervision sessions.",
        "area": "support",
        "type": "template",
        "network": "coast",
    }
    added = await answer(await fake.send_command("library add", options, user=COORDINATOR))
    footer = added["embeds"][0]["footer"]["text"]  # "Entry 26 · added ..."
    found = re.match(r"Entry (\d+)", footer)
    assert found, added
    return found[1]


def test_the_file_option_is_an_attachment(bot: PeerbotOnFake, fake_discord: FakeDiscord) -> None:
    library = fake_discord.state.find_command("library", fake_discord.guild_id)
    assert library is not None
    attach = next(o for o in library["options"] if o["name"] == "attach")
    file = next(o for o in attach["options"] if o["name"] == "file")
    assert file["type"] == 11 and file["required"] is True


async def test_a_template_file_downloads(bot: PeerbotOnFake, fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    number = await add_template(fake)
    attached = await answer(
        await fake.send_command(
            "library attach",
            {"entry": number, "file": Attached("Agreement.pdf", PDF, "application/pdf")},
            user=COORDINATOR,
        )
    )
    assert attached["flags"] & EPHEMERAL
    assert attached["content"].startswith(f"Attached Agreement.pdf (PDF, 1 KB) to entry {number}")
    assert (bot.data_dir / FILES_FOLDER).is_dir()

    handle = await fake.send_command("resources download", {"entry": number}, user=MEMBER)
    request = await handle.callback_request()
    body = request.json
    assert body["type"] == 4 and body["data"]["flags"] & EPHEMERAL
    (upload,) = request.files  # multipart: files[0], listed in payload_json's attachments
    assert upload.filename == "Agreement.pdf" and upload.data == PDF
    (listed,) = body["data"]["attachments"]
    assert listed["filename"] == "Agreement.pdf"
    assert "the file of entry" in body["data"]["content"]


async def test_a_program_renamed_pdf_is_refused(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    number = await add_template(fake_discord)
    refused = await answer(
        await fake_discord.send_command(
            "library attach",
            {
                "entry": number,
                "file": Attached("form.pdf", b"MZ\x90\x00program", "application/pdf"),
            },
            user=COORDINATOR,
        )
    )
    assert refused["flags"] & EPHEMERAL
    assert "is not a PDF or a Word document (DOCX)" in refused["content"]
    got = await answer(
        await fake_discord.send_command("resources download", {"entry": number}, user=MEMBER)
    )
    assert "has no file to download" in got["content"]


async def test_the_entrys_download_button_sends_the_file(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    fake = fake_discord
    number = await add_template(fake)
    await answer(
        await fake.send_command(
            "library attach",
            {"entry": number, "file": Attached("Agreement.pdf", PDF, "application/pdf")},
            user=COORDINATOR,
        )
    )
    shown = await answer(await fake.send_command("resources show", {"entry": number}, user=MEMBER))
    fields = shown["embeds"][0]["fields"]
    assert fields[-1]["name"] == "File" and "Agreement.pdf (1 KB)" in fields[-1]["value"]
    (row,) = shown["components"]
    (button,) = [b for b in row["components"] if b["label"] == "Download the file"]
    handle = await fake.click_button(button["custom_id"], user=MEMBER)
    request = await handle.callback_request()
    assert request.json["data"]["flags"] & EPHEMERAL
    (upload,) = request.files
    assert upload.filename == "Agreement.pdf" and upload.data == PDF
