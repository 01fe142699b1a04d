"""``peerbot resources import FILE`` and ``export FILE`` as a person runs them: a cog's CLI
commands reach ``peerbot`` through the generic hook, exit 0 or 2, and name the line and field."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.cli import build_parser
from tests.bot.test_cli import peerbot

GOOD = """\
- key: coast-roster
  title: Coast roster
  link: https://example.org/roster
  summary: Who is on when.
  area: system
  type: form
- key: jobs
  title: Peer jobs board
  link: https://example.org/jobs
  summary: Peer work jobs.
  area: developing
  type: job
"""


def entries(tmp_path: Path) -> int:
    connection = sqlite3.connect(tmp_path / "data" / "peerbot.sqlite3")
    try:
        return int(connection.execute("SELECT count(*) FROM resources").fetchone()[0])
    finally:
        connection.close()


def test_cog_commands_join_the_parser() -> None:
    args = build_parser().parse_args(["resources", "import", "x.yaml"])
    assert args.command == "resources"
    assert args.resources_command == "import"
    assert callable(args.cli_handler)
    plain = build_parser().parse_args(["migrate"])
    assert getattr(plain, "cli_handler", None) is None


def test_import_twice_then_export(tmp_path: Path) -> None:
    (tmp_path / "library.yaml").write_text(GOOD)
    first = peerbot("resources", "import", "library.yaml", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "Imported library.yaml: 2 added, 0 updated, 0 unchanged." in first.stdout
    again = peerbot("resources", "import", "library.yaml", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "0 added, 0 updated, 2 unchanged." in again.stdout
    assert entries(tmp_path) == 2
    exported = peerbot("resources", "export", "out/library.csv", cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert "Exported 2 entries to out/library.csv." in exported.stdout
    text = (tmp_path / "out" / "library.csv").read_text()
    assert text.startswith("key,network,title,link,contact,summary,area,type")
    assert "coast-roster" in text
    back = peerbot("resources", "import", "out/library.csv", cwd=tmp_path)
    assert "0 added, 0 updated, 2 unchanged." in back.stdout


def test_a_bad_file_exits_2_naming_line_and_field_and_imports_nothing(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(GOOD + "- title: Broken\n  link: ftp://x\n")
    result = peerbot("resources", "import", "bad.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert "nothing was imported" in result.stderr
    assert "bad.yaml line 14, field 'link': must be a web address" in result.stderr
    assert entries(tmp_path) == 0


def test_a_csv_field_too_long_exits_2_without_a_traceback(tmp_path: Path) -> None:
    good = "key,title,link,summary,area,type\nc1,One,https://example.org/one,One.,support,form\n"
    (tmp_path / "huge.csv").write_text(good + "c2," + "x" * 140_000 + "\n")
    result = peerbot("resources", "import", "huge.csv", cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "nothing was imported" in result.stderr
    assert "huge.csv line 3: not valid CSV (field larger than field limit" in result.stderr
    assert entries(tmp_path) == 0


def test_a_missing_file_exits_2(tmp_path: Path) -> None:
    result = peerbot("resources", "import", "nowhere.csv", cwd=tmp_path)
    assert result.returncode == 2
    assert "nowhere.csv: cannot read it" in result.stderr


def test_an_action_is_required(tmp_path: Path) -> None:
    result = peerbot("resources", cwd=tmp_path)
    assert result.returncode == 2
    assert "ACTION" in result.stderr
