"""Template and form files on library entries, through the registry as every platform runs
them: a coordinator attaches a PDF or DOCX, a member downloads it; the file is kept in the
data folder, judged by its content, size-limited, and covered by export and delete."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import pytest

from bot.commands import Upload
from bot.errors import UserError
from cogs.resources import attachments as files
from tests.cogs.resources.conftest import World, key

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def docx(content_type: str = MAIN) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types><Override PartName="/word/document.xml" '
            f'ContentType="{content_type}"/></Types>',
        )
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def upload(name: str, data: bytes, size: int | None = None) -> Upload:
    return Upload(filename=name, size=len(data) if size is None else size, data=data)


async def entry(world: World, title: str = "Supervision agreement template", **extra: Any) -> int:
    arguments: dict[str, Any] = {
        "title": title,
        "link": "https://example.org/supervision",
        "summary": "A template for agreeing peer supervision.",
        "area": "support",
        "type": "template",
        "network": "south-coast",
        **extra,
    }
    reply = await world.run("carol", "library add", **arguments)
    found = re.search(r"entry (\d+)", reply.text) or re.search(r"#(\d+)", reply.text)
    assert found, reply.text
    return int(found[1])


async def test_a_template_file_downloads(world: World) -> None:
    number = await entry(world)
    attached = await world.run(
        "carol", "library attach", entry=str(number), file=upload("Supervision agreement.pdf", PDF)
    )
    assert attached.private
    assert f"Attached Supervision agreement.pdf (PDF, 1 KB) to entry {number}" in attached.text
    assert f"/resources download entry:{number}" in attached.text

    got = await world.run("mia", "resources download", entry=str(number))
    assert got.private
    (attachment,) = got.attachments
    assert attachment.content == PDF
    assert attachment.filename == "Supervision agreement.pdf"
    assert attachment.mime_type == "application/pdf"
    assert "Supervision agreement.pdf (1 KB): the file of entry" in got.text


async def test_the_file_is_kept_in_the_data_folder_not_the_database(world: World) -> None:
    number = await entry(world)
    await world.run("carol", "library attach", entry=str(number), file=upload("form.docx", docx()))
    folder = world.kernel.settings.data_dir / files.FILES_FOLDER
    (stored,) = list(folder.iterdir())
    assert stored.name.startswith(f"{number}-") and stored.suffix == ".docx"
    assert stored.read_bytes() == docx()
    assert stored.stat().st_mode & 0o077 == 0  # private to peerbot's account, as exports are
    row = await world.kernel.db.fetch_one("SELECT * FROM resource_files")
    assert row is not None
    assert row["uploaded_by"] == key("carol") and row["size"] == len(docx())
    assert b"word/document.xml" not in b"".join(
        str(v).encode() for v in dict(row).values()
    )  # only the name and size, not the content


async def test_attaching_again_replaces_the_file(world: World) -> None:
    number = await entry(world)
    await world.run("carol", "library attach", entry=str(number), file=upload("v1.pdf", PDF))
    again = await world.run(
        "carol", "library attach", entry=str(number), file=upload("v2.docx", docx())
    )
    assert "It replaces v1.pdf." in again.text
    folder = world.kernel.settings.data_dir / files.FILES_FOLDER
    assert [p.suffix for p in folder.iterdir()] == [".docx"]  # the old file is gone
    got = await world.run("max", "resources download", entry=str(number))
    assert got.attachments[0].filename == "v2.docx"


async def test_a_file_is_judged_by_its_content_not_its_name(world: World) -> None:
    number = await entry(world)
    for name, data in (
        ("form.pdf", b"MZ\x90\x00 a Windows program"),
        ("form.docx", b"PK\x03\x04 not really a zip"),
        ("form.docx", docx("application/vnd.ms-word.document.macroEnabled.main+xml")),
        ("form.pdf", b""),
    ):
        reply = await world.run(
            "carol", "library attach", entry=str(number), file=upload(name, data)
        )
        assert reply.private
        assert "Nothing was changed" in reply.text, reply.text
    assert not (world.kernel.settings.data_dir / files.FILES_FOLDER).exists()
    renamed = await world.run(
        "carol", "library attach", entry=str(number), file=upload("form.pdf", docx())
    )
    assert "Attached form.pdf.docx (Word document (DOCX)" in renamed.text


async def test_a_file_over_the_size_limit_is_refused(world: World) -> None:
    number = await entry(world)
    big = upload("big.pdf", PDF, size=10 * files.MEGABYTE + 1)
    reply = await world.run("carol", "library attach", entry=str(number), file=big)
    assert "big.pdf is 10.0 MB; a library file may be at most 10.0 MB" in reply.text
    assert "file_max_mb" in reply.text and "Nothing was changed" in reply.text
    with pytest.raises(UserError, match=r"at most 1\.0 MB"):
        files.check_upload(upload("a.pdf", PDF + b" " * files.MEGABYTE), files.MEGABYTE)


async def test_only_the_entrys_curators_may_attach(world: World) -> None:
    number = await entry(world)
    member = await world.run("mia", "library attach", entry=str(number), file=upload("a.pdf", PDF))
    assert "Attached" not in member.text
    other = await world.run("bea", "library attach", entry=str(number), file=upload("a.pdf", PDF))
    assert "Attached" not in other.text and "that you can see" in other.text
    shared = await world.run("carol", "library attach", entry="Lifeline", file=upload("a.pdf", PDF))
    assert "only a peerbot admin of it can change it" in shared.text


async def test_download_without_a_file_or_entry_says_what_to_do(world: World) -> None:
    number = await entry(world)
    none = await world.run("mia", "resources download", entry=str(number))
    assert "has no file to download" in none.text and not none.attachments
    hidden = await world.run("ben", "resources download", entry=str(number))  # Brisbane only
    assert "that you can see" in hidden.text and not hidden.attachments


async def test_text_in_place_of_a_file_is_explained(world: World) -> None:
    number = await entry(world)
    reply = await world.run("carol", "library attach", entry=str(number), file="form.pdf")
    assert "no file came with it" in reply.text and "Nothing was changed" in reply.text


async def test_detach_takes_the_file_off(world: World) -> None:
    number = await entry(world)
    await world.run("carol", "library attach", entry=str(number), file=upload("a.pdf", PDF))
    gone = await world.run("carol", "library detach", entry=str(number))
    assert f"Took a.pdf off entry {number}" in gone.text
    assert not list((world.kernel.settings.data_dir / files.FILES_FOLDER).iterdir())
    again = await world.run("carol", "library detach", entry=str(number))
    assert "has no file" in again.text


async def test_export_names_the_uploader_and_delete_keeps_the_file(world: World) -> None:
    number = await entry(world)
    await world.run("carol", "library attach", entry=str(number), file=upload("a.pdf", PDF))
    exported = await world.kernel.privacy.export(world.kernel.db, key("carol"))
    (row,) = exported["resource-files"]
    assert row["entry"] == number and row["file"] == "a.pdf" and row["size_bytes"] == len(PDF)
    await world.kernel.privacy.delete(world.kernel.db, key("carol"))
    after = await world.kernel.db.fetch_one("SELECT uploaded_by FROM resource_files")
    assert after is not None and after["uploaded_by"] is None
    got = await world.run("mia", "resources download", entry=str(number))
    assert got.attachments[0].content == PDF  # the file is not personal data: it stays


@pytest.mark.parametrize(
    ("given", "kind", "shown"),
    [
        ("Form.pdf", "pdf", "Form.pdf"),
        ("../../etc/passwd", "pdf", "passwd.pdf"),
        ("C:\\Users\\sam\\My form.DOCX", "docx", "My form.docx"),
        ("<script>.pdf", "pdf", "script.pdf"),
        ("", "docx", "file.docx"),
    ],
)
def test_download_names_are_safe(given: str, kind: str, shown: str) -> None:
    assert files.download_name(given, kind) == shown


async def test_show_says_an_entry_has_a_file_and_its_button_downloads_it(world: World) -> None:
    number = await entry(world)
    plain = await world.run("mia", "resources show", entry=str(number))
    assert "File:" not in plain.text
    assert "Download the file" not in [b.label for b in plain.buttons]
    await world.run("carol", "library attach", entry=str(number), file=upload("Form.pdf", PDF))
    shown = await world.run("mia", "resources show", entry=str(number))
    assert (
        "File: Form.pdf (1 KB): download it with the button, or with "
        f"/resources download entry:{number}." in shown.text
    )
    assert shown.cards[0].fields[-1].name == "File"
    (button,) = [b for b in shown.buttons if b.label == "Download the file"]
    assert button.label == "Download the file"
    got = await world.press("mia", button.action)
    assert got.private and got.attachments[0].content == PDF
    stranger = await world.press("ben", button.action)  # Brisbane cannot see South Coast's entry
    assert not stranger.attachments and "that you can see" in stranger.text


async def test_linking_accounts_moves_who_attached_a_file(world: World) -> None:
    number = await entry(world)
    await world.run("carol", "library attach", entry=str(number), file=upload("a.pdf", PDF))
    async with world.kernel.db.transaction() as tx:
        moved = await world.kernel.privacy.move_in(tx, key("carol"), "discord:42")
    assert moved["resource-files"] == 1
    exported = await world.kernel.privacy.export(world.kernel.db, "discord:42")
    assert [row["file"] for row in exported["resource-files"]] == ["a.pdf"]
