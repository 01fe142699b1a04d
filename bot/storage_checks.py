"""What can go wrong with the disk and the database file, said plainly, once, with the fix.

SQLite reports a full disk, a read-only file or a damaged file as error codes deep inside a
traceback; a person running peerbot needs one line naming the file and what to do. This module
checks the database's folder before SQLite opens it (so a missing permission is named as such,
not as "unable to open database file"), and turns SQLite's and the system's errors into that
line at start, or into a problem kind while running.
"""

from __future__ import annotations

import errno
import getpass
import os
import sqlite3
from enum import StrEnum
from pathlib import Path

from bot.errors import StartupError
from bot.private_files import PRIVATE_DIR, PRIVATE_FILE

#: Below this much free space peerbot refuses to start: its next write would fail anyway, and
#: SQLite's write-ahead log grows in steps of a few pages.
MIN_FREE_BYTES = 1024 * 1024

BACKUP_HINT = "restore it from a backup made with `peerbot backup PATH`"


class StorageError(StartupError):
    """The database or its folder cannot be used; the message is one line with the fix."""


class Problem(StrEnum):
    FULL = "full"
    READ_ONLY = "read-only"
    DISK_ERROR = "disk-error"
    DAMAGED = "damaged"
    LOCKED = "locked"
    NO_ACCESS = "no-access"


_SQLITE_PROBLEMS = {
    sqlite3.SQLITE_FULL: Problem.FULL,
    sqlite3.SQLITE_READONLY: Problem.READ_ONLY,
    sqlite3.SQLITE_IOERR: Problem.DISK_ERROR,
    sqlite3.SQLITE_CORRUPT: Problem.DAMAGED,
    sqlite3.SQLITE_NOTADB: Problem.DAMAGED,
    sqlite3.SQLITE_BUSY: Problem.LOCKED,
    sqlite3.SQLITE_LOCKED: Problem.LOCKED,
    sqlite3.SQLITE_CANTOPEN: Problem.NO_ACCESS,
    sqlite3.SQLITE_PERM: Problem.NO_ACCESS,
}
_OS_PROBLEMS = {
    errno.ENOSPC: Problem.FULL,
    errno.EDQUOT: Problem.FULL,
    errno.EROFS: Problem.READ_ONLY,
    errno.EACCES: Problem.NO_ACCESS,
    errno.EPERM: Problem.NO_ACCESS,
    errno.EIO: Problem.DISK_ERROR,
}

#: The problems that mean "cannot save right now" while running (not a bug in peerbot).
CANNOT_SAVE = frozenset(
    {Problem.FULL, Problem.READ_ONLY, Problem.DISK_ERROR, Problem.LOCKED, Problem.NO_ACCESS}
)


def problem_of(error: BaseException) -> Problem | None:
    """The storage problem behind an error (following its causes), or None if it is not one."""
    current: BaseException | None = error
    for _ in range(6):
        if current is None:
            return None
        if isinstance(current, sqlite3.Error):
            code = getattr(current, "sqlite_errorcode", None)
            if isinstance(code, int) and (code & 0xFF) in _SQLITE_PROBLEMS:
                return _SQLITE_PROBLEMS[code & 0xFF]
        elif isinstance(current, OSError) and current.errno in _OS_PROBLEMS:
            return _OS_PROBLEMS[current.errno]
        current = current.__cause__ or current.__context__
    return None


def account() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.geteuid())


def free_bytes(folder: Path) -> int:
    stats = os.statvfs(folder)
    return stats.f_bavail * stats.f_frsize


def full_disk_message(folder: Path) -> str:
    return (
        f"The disk holding {folder} is full ({free_bytes(folder) // 1024} KB free), so peerbot "
        "cannot save anything there. Free some space on that disk (old backups, exports, logs), "
        "then start peerbot again."
    )


def read_only_folder_message(folder: Path) -> str:
    who = account()
    return (
        f"Cannot write in the folder {folder} (it is read-only for the account {who}). "
        f"Make the folder writable by the account running peerbot: `chown {who} {folder}` "
        f"and `chmod 700 {folder}`."
    )


def prepare_folder(folder: Path) -> None:
    """Create ``folder`` private to this account if missing; StorageError if it cannot be
    created or written, or its disk is full."""
    try:
        if not folder.is_dir():
            if folder.exists():
                raise StorageError(
                    f"{folder} is a file, but peerbot needs a folder there for its data. "
                    "Move the file away, or set data_dir to another folder."
                )
            folder.mkdir(parents=True, mode=PRIVATE_DIR)
    except OSError as error:
        raise StorageError(
            f"Cannot create the folder {folder} ({error.strerror}). Create it yourself "
            f"and make it writable by the account running peerbot ({account()}), or set "
            "data_dir in the configuration to a folder that account can write."
        ) from error
    if os.statvfs(folder).f_flag & os.ST_RDONLY:
        raise StorageError(
            f"The folder {folder} is on a read-only file system, so peerbot cannot save there. "
            "Mount it read-write, or set data_dir to a folder on a writable disk."
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise StorageError(read_only_folder_message(folder))
    if free_bytes(folder) < MIN_FREE_BYTES:
        raise StorageError(full_disk_message(folder))


def prepare_database_file(path: Path) -> None:
    """Check the database's folder, and create a missing database file private to this account
    (a zero-length file is a new, empty SQLite database); StorageError if it cannot be used."""
    prepare_folder(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        pass
    except OSError as error:
        raise StorageError(
            f"Cannot create the database {path} ({error.strerror}). "
            f"Make the folder {path.parent} writable by the account running peerbot."
        ) from error
    else:
        os.close(fd)
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if name.is_dir():
            raise StorageError(
                f"{name} is a folder, but peerbot needs its database file there. "
                "Move the folder away, or set database.path to another file."
            )
        if name.exists() and not os.access(name, os.R_OK | os.W_OK):
            who = account()
            raise StorageError(
                f"Cannot write the database file {name} (it is read-only for the "
                f"account {who}). Make it writable by the account running peerbot: "
                f"`chmod 600 {name}` (and `chown {who} {name}` if another account owns it)."
            )


def startup_error(error: BaseException, path: Path) -> StorageError:
    """One line for an SQLite or system error met while opening or preparing the database."""
    problem = problem_of(error)
    reason = str(error) or type(error).__name__
    if problem is Problem.DAMAGED:
        return damaged(path, reason)
    if problem is Problem.FULL:
        return StorageError(full_disk_message(path.parent))
    if problem in (Problem.READ_ONLY, Problem.NO_ACCESS):
        return StorageError(
            f"Cannot write the database {path} ({reason}). Make the file and its folder "
            f"writable by the account running peerbot ({account()}): "
            f"`chmod 700 {path.parent}` and `chmod 600 {path}`."
        )
    if problem is Problem.LOCKED:
        return StorageError(
            f"The database {path} is locked by another program ({reason}). "
            "Is another peerbot running with the same data? Stop it, or wait and try again."
        )
    if problem is Problem.DISK_ERROR:
        return StorageError(
            f"Could not read or write the database {path} ({reason}). Check the disk "
            f"and its free space; if the file itself is damaged, {BACKUP_HINT}."
        )
    return StorageError(f"Cannot use the database {path} ({reason}).")


def damaged(path: Path, reason: str) -> StorageError:
    return StorageError(
        f"{path} is damaged or is not a peerbot database ({reason}). Stop peerbot, move the file "
        f"aside (`mv {path} {path}.damaged`) and {BACKUP_HINT}; without a backup, peerbot "
        "starts afresh with an empty database."
    )


_CANNOT_SAVE_HINTS = {
    Problem.FULL: "The disk it saves to is full; an admin needs to free some space.",
    Problem.READ_ONLY: "Its database has become read-only; an admin needs to check the file.",
    Problem.NO_ACCESS: "It may no longer write its data folder; an admin needs to check it.",
    Problem.DISK_ERROR: "The disk reported an error; an admin needs to check it.",
    Problem.LOCKED: "Another program is holding its database; try again in a minute.",
}


def cannot_save_message(problem: Problem, error_id: str) -> str:
    """The private answer to a command whose write the disk or the file refused."""
    hint = _CANNOT_SAVE_HINTS.get(problem, "")
    return (
        f"peerbot cannot save right now; nothing was changed. {hint} "
        f"Try again later; if you tell an admin, give them this error id: {error_id}."
    )
