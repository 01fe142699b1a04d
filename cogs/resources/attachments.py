"""Template and form files on library entries: which files are taken, where they are kept,
and the rows that say which entry has which file.

A file is judged by what it holds (its first bytes, and for DOCX the parts inside the ZIP), not
by its name: a renamed program or a macro-enabled Word file is refused. Files live in the data
folder (``data_dir/resource-files``), not in the database, so the database stays small and
``peerbot backup`` copies the folder beside the database copy. A file is not personal data;
who attached it is, and the privacy hooks cover that column.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.clock import from_db, to_db
from bot.commands import Upload
from bot.errors import UserError
from bot.private_files import write_private
from bot.storage import Transaction

FILES_FOLDER = "resource-files"
MEGABYTE = 1024 * 1024
PDF = "pdf"
DOCX = "docx"
MIME_TYPES = {
    PDF: "application/pdf",
    DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
KIND_NAMES = {PDF: "PDF", DOCX: "Word document (DOCX)"}
FILENAME_MAX = 80
#: A DOCX's [Content_Types].xml is a few kilobytes; reading more would only invite a ZIP bomb.
_CONTENT_TYPES_MAX = 256 * 1024
_DOCX_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_UNSAFE = re.compile(r"[^A-Za-z0-9 ._()-]+")


@dataclass(frozen=True)
class StoredFile:
    """The file of one entry, as its row says."""

    resource_id: int
    stored_name: str
    filename: str
    mime_type: str
    size: int
    sha256: str
    uploaded_by: str | None
    uploaded_at: dt.datetime

    @property
    def size_text(self) -> str:
        return size_text(self.size)


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed every check, ready to store."""

    kind: str
    data: bytes
    filename: str

    @property
    def mime_type(self) -> str:
        return MIME_TYPES[self.kind]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def size_text(size: int) -> str:
    """``120 KB`` or ``2.4 MB``: as a person reads a file's size."""
    if size < MEGABYTE:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / MEGABYTE:.1f} MB"


def kind_of(data: bytes) -> str | None:
    """``pdf`` or ``docx`` by the file's content; None for anything else."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"PK\x03\x04") and _is_docx(data):
        return DOCX
    return None


def _is_docx(data: bytes) -> bool:
    """A ZIP holding a Word document's main part, and not a macro-enabled one (DOCM)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "word/document.xml" not in names or "[Content_Types].xml" not in names:
                return False
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > _CONTENT_TYPES_MAX:
                return False
            types = archive.read(info)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError):
        return False
    return _DOCX_MAIN in types and b"macroEnabled" not in types


def shown_name(given: str) -> str:
    """The file's own name, safe to show: no folders, no odd characters."""
    name = _UNSAFE.sub("-", Path(given.replace("\\", "/")).name).strip(" .-")
    return name[:FILENAME_MAX] or "The file"


def download_name(given: str, kind: str) -> str:
    """The name members download it as: the given name's safe characters, with the
    extension of what the file really is (``Form.PDF.exe`` holding a PDF is ``Form.PDF.pdf``)."""
    stem = Path(given.replace("\\", "/")).name
    if stem.lower().endswith("." + kind):
        stem = stem[: -len(kind) - 1]
    stem = _UNSAFE.sub("-", stem).strip(" .-") or "file"
    return f"{stem[: FILENAME_MAX - len(kind) - 1]}.{kind}"


def check_upload(upload: Upload, max_bytes: int) -> CheckedFile:
    """The upload as a file to store, or a UserError saying what is wrong and what to do."""
    limit = size_text(max_bytes)
    if upload.size > max_bytes or (upload.data is not None and len(upload.data) > max_bytes):
        raise UserError(
            f"{shown_name(upload.filename)} is {size_text(upload.size)}; a "
            f"library file may be at most {limit} (the [resources] file_max_mb setting). "
            "Make it smaller (for example, save a PDF with smaller images) and attach it again. "
            "Nothing was changed."
        )
    if upload.data is None:
        raise UserError(
            "The file could not be fetched from the platform. Attach it again. Nothing was changed."
        )
    if not upload.data:
        raise UserError(
            "That file is empty. Attach the template or form itself. Nothing was changed."
        )
    kind = kind_of(upload.data)
    if kind is None:
        raise UserError(
            "That file is not a PDF or a Word document (DOCX): peerbot checks what a file holds, "
            "not only its name, and takes only those two (not macro-enabled Word files). Save "
            "the template or form as PDF or DOCX and attach it again. Nothing was changed."
        )
    return CheckedFile(kind=kind, data=upload.data, filename=download_name(upload.filename, kind))


class FileStore:
    """The folder of entry files: ``data_dir/resource-files/<entry>-<hash>.<kind>``, 0600."""

    def __init__(self, data_dir: Path) -> None:
        self.folder = data_dir / FILES_FOLDER

    def stored_name(self, resource_id: int, checked: CheckedFile) -> str:
        return f"{resource_id}-{checked.sha256[:16]}.{checked.kind}"

    def write(self, name: str, data: bytes) -> None:
        write_private(self.folder / name, data)

    def read(self, name: str) -> bytes | None:
        try:
            return (self.folder / name).read_bytes()
        except FileNotFoundError:
            return None

    def remove(self, name: str) -> None:
        (self.folder / name).unlink(missing_ok=True)


# ---- rows ------------------------------------------------------------------------------------


def _row(row: Any) -> StoredFile:
    return StoredFile(
        resource_id=int(row["resource_id"]),
        stored_name=str(row["stored_name"]),
        filename=str(row["filename"]),
        mime_type=str(row["mime_type"]),
        size=int(row["size"]),
        sha256=str(row["sha256"]),
        uploaded_by=row["uploaded_by"],
        uploaded_at=from_db(row["uploaded_at"]),
    )


async def file_of(tx: Transaction, resource_id: int) -> StoredFile | None:
    row = await tx.fetch_one("SELECT * FROM resource_files WHERE resource_id = ?", (resource_id,))
    return None if row is None else _row(row)


async def put_file(tx: Transaction, stored: StoredFile) -> None:
    """The entry's file, replacing any it had."""
    await tx.execute(
        """
        INSERT INTO resource_files
            (resource_id, stored_name, filename, mime_type, size, sha256, uploaded_by, uploaded_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (resource_id) DO UPDATE SET
            stored_name = excluded.stored_name, filename = excluded.filename,
            mime_type = excluded.mime_type, size = excluded.size, sha256 = excluded.sha256,
            uploaded_by = excluded.uploaded_by, uploaded_at = excluded.uploaded_at
        """,
        (
            stored.resource_id,
            stored.stored_name,
            stored.filename,
            stored.mime_type,
            stored.size,
            stored.sha256,
            stored.uploaded_by,
            to_db(stored.uploaded_at),
        ),
    )


async def remove_file(tx: Transaction, resource_id: int) -> None:
    await tx.execute("DELETE FROM resource_files WHERE resource_id = ?", (resource_id,))


async def files_by(tx: Transaction, user_key: str) -> list[StoredFile]:
    rows = await tx.fetch_all(
        "SELECT * FROM resource_files WHERE uploaded_by = ? ORDER BY resource_id", (user_key,)
    )
    return [_row(row) for row in rows]


async def forget_uploader(tx: Transaction, user_key: str) -> int:
    """The files stay in the library for everyone; they no longer name who attached them."""
    return await tx.execute(
        "UPDATE resource_files SET uploaded_by = NULL WHERE uploaded_by = ?", (user_key,)
    )


async def move_uploader(tx: Transaction, old_key: str, new_key: str) -> int:
    """Linked accounts: the files the old account attached are the main account's."""
    return await tx.execute(
        "UPDATE resource_files SET uploaded_by = ? WHERE uploaded_by = ?", (new_key, old_key)
    )
