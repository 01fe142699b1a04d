"""Files peerbot writes are private to the account running it.

The database, the log, exports and backups hold what peer workers shared with each other, so no
other account on the computer may read them: folders 0700, files 0600, set when peerbot creates
them, and a warning at start naming any that were made looser since, with the ``chmod`` to fix it.
"""

from __future__ import annotations

import logging
import os
import shlex
import stat
from collections.abc import Iterable
from pathlib import Path

from config.settings import Settings

log = logging.getLogger(__name__)

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
_OTHERS = 0o077  # group and other permission bits


def make_private_folder(folder: Path) -> None:
    """Create ``folder`` (and missing parents) if needed; a new folder is 0700."""
    folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` as a 0600 file (also when it already existed looser)."""
    make_private_folder(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    with os.fdopen(fd, "wb") as handle:
        os.fchmod(handle.fileno(), PRIVATE_FILE)
        handle.write(data)


def create_private(path: Path) -> None:
    """Create an empty 0600 file (replacing one left over), for a library to write into."""
    write_private(path, b"")


def looser_than_private(paths: Iterable[Path]) -> list[Path]:
    """The paths that exist and that other accounts could read, write or enter."""
    loose = []
    for path in paths:
        try:
            mode = path.lstat().st_mode
        except OSError:
            continue
        if stat.S_ISLNK(mode):
            continue
        if stat.S_IMODE(mode) & _OTHERS:
            loose.append(path)
    return loose


def data_paths(settings: Settings) -> list[Path]:
    """The data folder and what peerbot keeps in it: the database and its journal files, the
    log, exports, the Matrix session; and the database wherever ``database.path`` puts it."""
    data = settings.data_dir
    db = settings.database_path
    paths = [data, db, Path(f"{db}-wal"), Path(f"{db}-shm"), data / "peerbot.log"]
    for folder in (data, data / "exports", data / "matrix"):
        if folder != data:
            paths.append(folder)
        try:
            paths += sorted(p for p in folder.iterdir() if p.is_file())
        except OSError:
            continue
    unique: dict[Path, None] = dict.fromkeys(paths)
    return list(unique)


def fix_command(loose: list[Path]) -> str:
    folders = [shlex.quote(str(p)) for p in loose if p.is_dir()]
    files = [shlex.quote(str(p)) for p in loose if not p.is_dir()]
    parts = []
    if folders:
        parts.append(f"chmod 700 {' '.join(folders)}")
    if files:
        parts.append(f"chmod 600 {' '.join(files)}")
    return " && ".join(parts)


def warn_if_not_private(settings: Settings) -> list[Path]:
    """One warning line (log, and so standard error) if any data file is readable by others."""
    loose = looser_than_private(data_paths(settings))
    if loose:
        names = ", ".join(str(p) for p in loose)
        log.warning(
            "other accounts on this computer can read %s; make them private with: %s",
            names,
            fix_command(loose),
        )
    return loose
