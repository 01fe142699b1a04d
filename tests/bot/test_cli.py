"""``peerbot`` as a person runs it: a real process, its exit status, what it prints."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bot.cli import BACKED_UP_FOLDERS, files_backup_folder
from cogs.resources.attachments import FILES_FOLDER

ROOT = Path(__file__).resolve().parents[2]


def peerbot(
    *args: str, cwd: Path, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PEERBOT_")}
    clean.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=clean,
        timeout=120,
        check=False,
    )


def test_piped_script_runs_the_console_on_the_example_config(tmp_path: Path) -> None:
    result = peerbot("run", cwd=tmp_path, stdin="/support\n/help\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.index("000") < out.index("Lifeline") < out.index("13 11 14")
    assert "/privacy delete" in out
    assert (tmp_path / "data" / "peerbot.sqlite3").exists()
    assert "command /support" in (tmp_path / "data" / "peerbot.log").read_text()


def test_bad_config_exits_2_naming_file_and_key(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[logging]\nlevel = "LOUD"\n[dicsord]\ntoken = "x"\n')
    result = peerbot("run", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 2
    assert str(config) in result.stderr
    assert "logging.level" in result.stderr
    assert "dicsord" in result.stderr
    assert not (tmp_path / "data").exists()  # nothing was created


def test_bad_environment_value_exits_2_naming_the_variable(tmp_path: Path) -> None:
    result = peerbot(
        "check-config", cwd=tmp_path, env={"PEERBOT_NETWORKS__DEFAULT_TIMEZONE": "Mars/Base"}
    )
    assert result.returncode == 2
    assert "PEERBOT_NETWORKS__DEFAULT_TIMEZONE" in result.stderr
    assert "Mars/Base" in result.stderr


def test_check_config_masks_secrets(tmp_path: Path) -> None:
    result = peerbot(
        "check-config", cwd=tmp_path, env={"PEERBOT_DISCORD__TOKEN": "very-secret-token"}
    )
    assert result.returncode == 0, result.stderr
    assert "very-secret-token" not in result.stdout + result.stderr
    assert 'token = "********"' in result.stdout
    assert 'default_timezone = "Australia/Sydney"' in result.stdout


class Started:
    """A ``peerbot`` process whose standard error is read line by line as it comes."""

    def __init__(self, *args: str, cwd: Path, env: dict[str, str]) -> None:
        clean = {k: v for k, v in os.environ.items() if not k.startswith("PEERBOT_")}
        clean.update(env)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", *args],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=clean,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, text: str, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while not any(text in line for line in self.lines):
            assert self.process.poll() is None or self._reader.is_alive(), self.err
            assert time.monotonic() < deadline, f"never printed {text!r}:\n{self.err}"
            time.sleep(0.05)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=60)
        self._reader.join(timeout=10)
        return code

    @property
    def err(self) -> str:
        return "\n".join(self.lines)


def test_an_unreachable_matrix_homeserver_is_retried_with_a_growing_pause(tmp_path: Path) -> None:
    """Nothing listens at the port: one line says so and when it tries again, no traceback;
    the waits double; a stop during them is a clean stop."""
    env = {
        "PEERBOT_MATRIX__HOMESERVER": "http://127.0.0.1:9",
        "PEERBOT_MATRIX__USER_ID": "@peerbot:example.org",
        "PEERBOT_MATRIX__PASSWORD": "very-secret-password",
    }
    started = Started("run", cwd=tmp_path, env=env)
    try:
        started.wait_for("again in 4 seconds (attempt 3)")
    finally:
        code = started.stop()
    assert code == 0, started.err  # SIGTERM is a service manager's stop: a clean stop is 0
    tries = [line for line in started.lines if "Cannot reach the Matrix homeserver" in line]
    assert len(tries) == 2, started.err
    assert "http://127.0.0.1:9 (ClientConnectorError)" in tries[0]
    assert "again in 2 seconds (attempt 2)" in tries[0]
    assert "Traceback" not in started.err
    assert "very-secret-password" not in started.err


def test_migrate_then_nothing_to_do(tmp_path: Path) -> None:
    first = peerbot("migrate", cwd=tmp_path)
    second = peerbot("migrate", cwd=tmp_path)
    assert first.returncode == 0 and "0001_kernel.sql" in first.stdout
    assert second.returncode == 0 and "nothing to apply" in second.stdout


def test_newer_database_is_refused_at_start(tmp_path: Path) -> None:
    assert peerbot("migrate", cwd=tmp_path).returncode == 0
    with sqlite3.connect(tmp_path / "data" / "peerbot.sqlite3") as conn:
        conn.execute(
            "INSERT INTO schema_migrations (version, name, checksum) VALUES (99, 'f', 'x')"
        )
    result = peerbot("run", cwd=tmp_path, stdin="/support\n")
    assert result.returncode == 1
    assert "newer peerbot" in result.stderr


def test_backup_is_a_consistent_copy(tmp_path: Path) -> None:
    script = '/network create name:"Coast" slug:coast\n'
    assert peerbot("run", cwd=tmp_path, stdin=script).returncode == 0
    target = tmp_path / "backups" / "copy.sqlite3"
    result = peerbot("backup", str(target), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(target) as conn:
        assert conn.execute("SELECT slug FROM networks").fetchall() == [("coast",)]
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert not files_backup_folder(target).exists()  # no library files: nothing beside it
    again = peerbot("backup", str(target), cwd=tmp_path)
    assert again.returncode == 1 and "already exists" in again.stderr


def test_backup_copies_the_library_files_beside_the_database(tmp_path: Path) -> None:
    assert peerbot("migrate", cwd=tmp_path).returncode == 0
    folder = tmp_path / "data" / FILES_FOLDER
    folder.mkdir()
    (folder / "7-0123456789abcdef.pdf").write_bytes(b"%PDF-1.4 a form")
    target = tmp_path / "backups" / "copy.sqlite3"
    result = peerbot("backup", str(target), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    copied = files_backup_folder(target) / FILES_FOLDER / "7-0123456789abcdef.pdf"
    assert copied.read_bytes() == b"%PDF-1.4 a form"
    assert copied.stat().st_mode & 0o077 == 0
    assert f"Copied 1 library file(s) to {files_backup_folder(target)}." in result.stdout
    assert BACKED_UP_FOLDERS == (FILES_FOLDER,)


def test_backup_while_another_connection_writes(tmp_path: Path) -> None:
    assert peerbot("migrate", cwd=tmp_path).returncode == 0
    writer = sqlite3.connect(tmp_path / "data" / "peerbot.sqlite3")
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute(
        "INSERT INTO networks (slug, name, timezone, created_at) "
        "VALUES ('open', 'Open', 'Australia/Sydney', '2027-01-01T00:00:00.000000Z')"
    )
    try:
        result = peerbot("backup", str(tmp_path / "b.sqlite3"), cwd=tmp_path)
    finally:
        writer.rollback()
        writer.close()
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(tmp_path / "b.sqlite3") as conn:
        # the uncommitted row is not in the copy: it is a consistent snapshot
        assert conn.execute("SELECT COUNT(*) FROM networks").fetchone() == (0,)


@pytest.mark.parametrize(
    ("stop", "status"),
    [(signal.SIGTERM, 0), (signal.SIGINT, 130)],
    ids=["sigterm exits 0, as a service manager expects", "ctrl-c exits 130"],
)
def test_a_stop_signal_stops_cleanly_and_quietly_while_waiting_for_input(
    tmp_path: Path, stop: signal.Signals, status: int
) -> None:
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
    try:
        assert process.stdin is not None
        process.stdin.write("/support\n")
        process.stdin.flush()
        log = tmp_path / "data" / "peerbot.log"
        for _ in range(600):  # wait until the command has run, without a fixed sleep
            if log.exists() and "command /support" in log.read_text():
                break
            assert process.poll() is None, "the bot exited before it was told to stop"
            time.sleep(0.05)
        process.send_signal(stop)
        process.wait(timeout=60)  # standard input stays open: only the signal can end it
        assert process.stderr is not None
        err = process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == status, err
    assert "peerbot: stopped." in err
    assert "Traceback" not in err and "Error" not in err, err


def test_backup_when_the_path_has_spaces_and_hashes(tmp_path: Path) -> None:
    folder = tmp_path / "peer work #1 ?"
    folder.mkdir()
    assert peerbot("migrate", cwd=folder).returncode == 0
    result = peerbot("backup", "copy.sqlite3", cwd=folder)
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(folder / "copy.sqlite3") as conn:
        assert conn.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()[0] >= 2
