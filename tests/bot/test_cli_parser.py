"""``--config`` is honoured wherever it is typed, as the README's examples put it both ways."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import build_parser


@pytest.mark.parametrize(
    "argv",
    [
        ["--config", "mine.toml", "check-config"],
        ["check-config", "--config", "mine.toml"],
        ["--config", "mine.toml", "backup", "copy.sqlite3"],
        ["resources", "export", "out.yaml", "--config", "mine.toml"],
    ],
)
def test_config_before_or_after_the_subcommand(argv: list[str]) -> None:
    assert build_parser().parse_args(argv).config == Path("mine.toml")


def test_without_config_the_default_search_is_used() -> None:
    assert build_parser().parse_args(["run"]).config is None
    assert build_parser().parse_args(["resources", "export", "out.yaml"]).config is None
