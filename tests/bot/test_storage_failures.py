"""Bad storage never hangs peerbot: a damaged file, a missing permission or a full disk gives
one clear line on standard error and a non-zero exit, in every mode, as a person runs it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.bot.storage_helpers import (
    damage,
    fill,
    one_line,
    peerbot_run,
    small_disk,
    without_root_powers,
)

DB = Path("data/peerbot.sqlite3")
KINDS = ["random bytes", "header then garbage", "truncated", "damaged page"]
MODES = {
    "console": ("run",),
    "migrate": ("migrate",),
    "backup": ("backup", "copy.sqlite3"),
    "resources import": ("resources", "import", "library.yaml"),
    "resources export": ("resources", "export", "library.yaml"),
}
DISCORD = {"PEERBOT_DISCORD__TOKEN": "a-token-never-used"}
MATRIX = {  # port 9 (discard): nothing listens there
    "PEERBOT_MATRIX__HOMESERVER": "http://127.0.0.1:9",
    "PEERBOT_MATRIX__USER_ID": "@peerbot:example.org",
    "PEERBOT_MATRIX__PASSWORD": "a-password-never-used",
}
LIBRARY = "- key: roster\n  title: Roster\n  link: https://example.org/r\n  area: system\n"


def assert_says_damaged(stderr: str) -> None:
    line = one_line(stderr)
    assert line.startswith(f"peerbot: {DB} is damaged or is not a peerbot database")
    assert "restore it from a backup made with `peerbot backup PATH`" in line


@pytest.mark.parametrize("kind", KINDS)
def test_a_damaged_database_stops_migrate_with_one_line(tmp_path: Path, kind: str) -> None:
    damage(tmp_path / DB, kind)
    result = peerbot_run("migrate", cwd=tmp_path)
    assert result.returncode == 1
    assert_says_damaged(result.stderr)


@pytest.mark.parametrize("mode", list(MODES))
def test_a_damaged_database_stops_every_command(tmp_path: Path, mode: str) -> None:
    damage(tmp_path / DB, "random bytes")
    (tmp_path / "library.yaml").write_text(LIBRARY)
    result = peerbot_run(*MODES[mode], cwd=tmp_path, stdin="/support\n")
    assert result.returncode == 1
    assert_says_damaged(result.stderr)
    assert not (tmp_path / "copy.sqlite3").exists()
    assert not (tmp_path / "copy.sqlite3.partial").exists()


@pytest.mark.parametrize("platform", ["discord", "matrix"])
def test_a_damaged_database_stops_a_platform_before_it_connects(
    tmp_path: Path, platform: str
) -> None:
    damage(tmp_path / DB, "truncated")
    result = peerbot_run("run", cwd=tmp_path, env=DISCORD if platform == "discord" else MATRIX)
    assert result.returncode == 1
    assert_says_damaged(result.stderr)


@pytest.mark.parametrize("mode", ["console", "backup"])
def test_a_page_only_a_full_check_finds_is_found_at_start(tmp_path: Path, mode: str) -> None:
    damage(tmp_path / DB, "damaged page")
    with sqlite3.connect(tmp_path / DB) as conn:  # the header and the schema read fine
        assert conn.execute("SELECT COUNT(*) FROM sqlite_schema").fetchone() == (2,)
    result = peerbot_run(*MODES[mode], cwd=tmp_path, stdin="/support\n")
    assert result.returncode == 1
    assert_says_damaged(result.stderr)


def test_a_zero_length_file_is_a_new_database(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / DB).touch()
    result = peerbot_run("migrate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "0001_kernel.sql" in result.stdout


def migrated(tmp_path: Path) -> None:
    assert peerbot_run("migrate", cwd=tmp_path).returncode == 0


@pytest.mark.parametrize("mode", ["console", "migrate", "resources export", "discord"])
def test_a_read_only_data_folder_is_named_with_the_fix(tmp_path: Path, mode: str) -> None:
    migrated(tmp_path)
    (tmp_path / "data").chmod(0o500)
    args, env = (("run",), DISCORD) if mode == "discord" else (MODES[mode], {})
    try:
        result = peerbot_run(*args, cwd=tmp_path, env=env, prefix=without_root_powers())
    finally:
        (tmp_path / "data").chmod(0o700)
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert line.startswith("peerbot: Cannot write in the folder data (it is read-only for")
    assert "Make the folder writable by the account running peerbot" in line
    assert "chmod 700 data" in line


def test_backup_from_a_read_only_data_folder_says_what_it_cannot_do(tmp_path: Path) -> None:
    migrated(tmp_path)
    (tmp_path / "data").chmod(0o500)
    try:
        result = peerbot_run("backup", "copy.sqlite3", cwd=tmp_path, prefix=without_root_powers())
    finally:
        (tmp_path / "data").chmod(0o700)
    if result.returncode == 0:  # SQLite could read it without writing its shared-memory file
        with sqlite3.connect(tmp_path / "copy.sqlite3") as conn:
            assert conn.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()[0] >= 1
    else:
        assert result.returncode == 1
        line = one_line(result.stderr)
        assert str(DB) in line and "writable by the account running peerbot" in line


@pytest.mark.parametrize("mode", ["console", "migrate", "matrix"])
def test_a_data_folder_it_may_not_create_is_named(tmp_path: Path, mode: str) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    env = {"PEERBOT_DATA_DIR": "locked/data", **(MATRIX if mode == "matrix" else {})}
    args = ("run",) if mode == "matrix" else MODES[mode]
    try:
        result = peerbot_run(*args, cwd=tmp_path, env=env, prefix=without_root_powers())
    finally:
        locked.chmod(0o700)
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert line.startswith("peerbot: Cannot create the folder locked/data (Permission denied)")
    assert "writable by the account running peerbot" in line
    assert not (locked / "data").exists()


@pytest.mark.parametrize("mode", ["console", "migrate", "resources import"])
def test_a_read_only_database_file_is_named_with_the_chmod(tmp_path: Path, mode: str) -> None:
    migrated(tmp_path)
    (tmp_path / "library.yaml").write_text(LIBRARY)
    (tmp_path / DB).chmod(0o400)
    result = peerbot_run(
        *MODES[mode], cwd=tmp_path, stdin="/support\n", prefix=without_root_powers()
    )
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert line.startswith(f"peerbot: Cannot write the database file {DB} (it is read-only")
    assert f"`chmod 600 {DB}`" in line


@pytest.mark.parametrize("mode", ["console", "migrate", "resources export", "matrix"])
def test_a_full_disk_at_start_is_said_plainly(tmp_path: Path, mode: str) -> None:
    with small_disk(tmp_path / "disk") as disk:
        env = {"PEERBOT_DATA_DIR": str(disk / "data"), **(MATRIX if mode == "matrix" else {})}
        assert peerbot_run("migrate", cwd=tmp_path, env=env).returncode == 0
        fill(disk)
        args = ("run",) if mode == "matrix" else MODES[mode]
        result = peerbot_run(*args, cwd=tmp_path, env=env, stdin="/support\n")
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert line.startswith(f"peerbot: The disk holding {disk / 'data'} is full (0 KB free)")
    assert "Free some space on that disk" in line


def test_a_backup_onto_a_full_disk_leaves_nothing_behind(tmp_path: Path) -> None:
    migrated(tmp_path)
    with small_disk(tmp_path / "disk", size="64k") as disk:
        fill(disk)
        result = peerbot_run("backup", str(disk / "copy.sqlite3"), cwd=tmp_path)
        left = sorted(p.name for p in disk.iterdir())
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert line.startswith(f"peerbot: Cannot write the backup {disk / 'copy.sqlite3'}")
    assert left == ["filler"]
