"""What peerbot writes is private to the account running it, and a looser file is named."""

from __future__ import annotations

import logging
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.logs import PrivateFileHandler
from bot.private_files import write_private
from bot.storage import Database
from tests.bot.storage_helpers import one_line, peerbot_run


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The loosest umask, so only peerbot's own modes can make a file private."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def test_console_files_are_private(tmp_path: Path) -> None:
    result = peerbot_run("run", cwd=tmp_path, stdin="/privacy export\n")
    assert result.returncode == 0, result.stderr
    exports = list((tmp_path / "data" / "exports").iterdir())
    assert len(exports) == 1 and exports[0].name.startswith("peerbot-export-")
    assert mode(tmp_path / "data") == 0o700
    assert mode(tmp_path / "data" / "peerbot.sqlite3") == 0o600
    assert mode(tmp_path / "data" / "peerbot.log") == 0o600
    assert mode(tmp_path / "data" / "exports") == 0o700
    assert mode(exports[0]) == 0o600
    assert result.stderr == ""  # nothing to warn about


def test_the_journal_files_of_a_running_bot_are_private(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEERBOT_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=tmp_path,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    data = tmp_path / "data"
    try:
        assert process.stdin is not None
        process.stdin.write("/support\n")
        process.stdin.flush()
        log = data / "peerbot.log"
        for _ in range(600):  # until the command has run, without a fixed sleep
            if log.exists() and "command /support" in log.read_text():
                break
            assert process.poll() is None, "the bot exited before it was told to stop"
            time.sleep(0.05)
        journal = [mode(data / "peerbot.sqlite3-wal"), mode(data / "peerbot.sqlite3-shm")]
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert journal == [0o600, 0o600]


def test_backups_and_library_exports_are_private(tmp_path: Path) -> None:
    assert peerbot_run("migrate", cwd=tmp_path).returncode == 0
    backup = peerbot_run("backup", "backups/copy.sqlite3", cwd=tmp_path)
    export = peerbot_run("resources", "export", "out/library.yaml", cwd=tmp_path)
    assert backup.returncode == 0, backup.stderr
    assert export.returncode == 0, export.stderr
    assert mode(tmp_path / "backups" / "copy.sqlite3") == 0o600
    assert mode(tmp_path / "backups") == 0o700
    assert mode(tmp_path / "out" / "library.yaml") == 0o600


def test_looser_files_are_named_once_with_the_chmod_to_fix_them(tmp_path: Path) -> None:
    assert peerbot_run("migrate", cwd=tmp_path).returncode == 0
    (tmp_path / "data").chmod(0o755)
    (tmp_path / "data" / "peerbot.sqlite3").chmod(0o644)
    result = peerbot_run("migrate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    line = one_line(result.stderr)
    assert "WARNING" in line
    assert "other accounts on this computer can read data, data/peerbot.sqlite3" in line
    assert line.endswith("chmod 700 data && chmod 600 data/peerbot.sqlite3")
    subprocess.run(line.split("with: ", 1)[1], shell=True, cwd=tmp_path, check=True)
    again = peerbot_run("migrate", cwd=tmp_path)
    assert again.returncode == 0 and again.stderr == ""  # the fix it gave was enough


async def test_the_database_is_private_whatever_the_umask(tmp_path: Path, open_umask: None) -> None:
    path = tmp_path / "new" / "peerbot.sqlite3"
    db = await Database.open(path)
    try:
        async with db.transaction() as tx:  # creates the journal files
            await tx.execute("CREATE TABLE t (v INTEGER)")
        modes = [mode(path.parent), mode(path), mode(Path(f"{path}-wal"))]
        modes.append(mode(Path(f"{path}-shm")))
    finally:
        await db.close()
    assert modes == [0o700, 0o600, 0o600, 0o600]


def test_exports_and_the_log_are_private_whatever_the_umask(
    tmp_path: Path, open_umask: None
) -> None:
    export = tmp_path / "exports" / "peerbot-export.json"
    write_private(export, b"{}")
    handler = PrivateFileHandler(tmp_path / "peerbot.log")
    try:
        handler.emit(logging.makeLogRecord({"msg": "a line", "levelno": logging.INFO}))
    finally:
        handler.close()
    assert [mode(export.parent), mode(export), mode(tmp_path / "peerbot.log")] == [
        0o700,
        0o600,
        0o600,
    ]
