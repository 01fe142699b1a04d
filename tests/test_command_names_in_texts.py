"""What peerbot tells people names each command by its current name: an earlier name still
runs on the console and Matrix, but Discord's menu has only the current one, so a message that
says "/network link" sends a Discord user looking for a command that is not there."""

from __future__ import annotations

import re
from pathlib import Path

from devtools.option_values import command_specs

ROOT = Path(__file__).resolve().parents[1]


def earlier_names_in(text: str, aliases: dict[str, str]) -> list[str]:
    found = []
    for alias, name in aliases.items():
        if re.search(r"(?<![\w-])/" + re.escape(alias) + r"(?![\w-])", text):
            found.append(f"/{alias} (now /{name})")
    return found


async def test_no_message_names_a_command_by_an_earlier_name() -> None:
    specs = await command_specs()
    aliases = {alias: spec.name for spec in specs.values() for alias in spec.aliases}
    assert aliases, "the registry has earlier names to look for"
    problems = []
    for path in sorted([*ROOT.glob("cogs/**/*.py"), *ROOT.glob("bot/**/*.py")]):
        for old in earlier_names_in(path.read_text(encoding="utf-8"), aliases):
            problems.append(f"{path.relative_to(ROOT)}: {old}")
    assert problems == []


def test_the_check_finds_an_earlier_name_and_not_the_current_one() -> None:
    aliases = {"network link": "manage network link"}
    assert earlier_names_in("choose one with /network link.", aliases) == [
        "/network link (now /manage network link)"
    ]
    assert earlier_names_in("choose one with /manage network link.", aliases) == []
