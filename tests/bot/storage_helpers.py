"""Ways to break storage for real in tests: damaged files, permissions, a full disk."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.bot.test_cli import ROOT

#: Capabilities that let root ignore file modes. Dropping them (from the bounding and the
#: inheritable sets, so the exec'd process cannot have them) makes root obey modes like any
#: account. The other way, running as user 65534, cannot work here: the Python interpreter
#: lives under /root (mode 0700), which that user cannot enter.
_OVERRIDES = "-dac_override,-dac_read_search"


def without_root_powers() -> list[str]:
    """A command prefix under which file modes really apply, also when the tests run as root."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv (util-linux): cannot drop root's powers")
    return [setpriv, f"--inh-caps={_OVERRIDES}", f"--bounding-set={_OVERRIDES}", "--"]


def peerbot_run(
    *args: str,
    cwd: Path,
    stdin: str = "",
    env: dict[str, str] | None = None,
    prefix: list[str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``peerbot ARGS`` in a subprocess; the timeout turns a hang into a failure."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PEERBOT_")}
    clean["PYTHONPATH"] = str(ROOT)
    clean.update(env or {})
    return subprocess.run(
        [*(prefix or []), sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=clean,
        timeout=60,
        check=False,
    )


def one_line(stderr: str) -> str:
    """The only line on standard error (asserting there is exactly one, and no traceback)."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr, stderr
    assert len(lines) == 1, stderr
    return lines[0]


def private(path: Path) -> None:
    """Modes as peerbot sets them, so the only problem left is the one a test makes."""
    path.parent.chmod(0o700)
    path.chmod(0o600)


def real_database(path: Path, rows: int = 3000) -> None:
    """A sound database of several hundred kilobytes (a table and an index)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path)
    try:
        connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        connection.execute("CREATE INDEX notes_body ON notes (body)")
        connection.executemany(
            "INSERT INTO notes (body) VALUES (?)", [(f"note {i:06d} " * 8,) for i in range(rows)]
        )
        connection.commit()
    finally:
        connection.close()
    private(path)


def damage(path: Path, kind: str) -> None:
    """Write a damaged database of the given kind at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "random bytes":
        path.write_bytes(os.urandom(8192))
        private(path)
        return
    real_database(path)
    data = bytearray(path.read_bytes())
    if kind == "header then garbage":  # a true header (page size, counts), then noise
        data[100:] = os.urandom(len(data) - 100)
    elif kind == "truncated":
        del data[len(data) // 2 :]
    elif kind == "damaged page":  # the schema reads fine; only a check of every page finds it
        page = 4096
        data[page * 20 : page * 21] = os.urandom(page)
    else:
        raise ValueError(kind)
    path.write_bytes(bytes(data))
    private(path)


@contextlib.contextmanager
def small_disk(mount_point: Path, size: str = "4m") -> Iterator[Path]:
    """A real, tiny file system (tmpfs) mounted for the test, unmounted after."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root")
    mount_point.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(disk: Path) -> Path:
    """Fill the disk to the last byte; returns the filler file (delete it to free the space)."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as handle:
        block = b"\0" * 65536
        with contextlib.suppress(OSError):
            while True:
                handle.write(block)
        with contextlib.suppress(OSError):  # the last partial block
            while True:
                handle.write(b"\0")
    stats = os.statvfs(disk)
    assert stats.f_bavail == 0
    return filler
