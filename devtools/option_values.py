"""The README's list of every command option and the values it allows, made from the registry.

The tables are generated so they cannot drift from the code: a test compares the README's
block with this output, and ``python -m devtools.option_values --write`` rewrites the block.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from bot.app import App
from bot.commands import CommandSpec
from config.settings import load_settings

START = "<!-- option-values: made by `python -m devtools.option_values --write`; do not edit -->"
END = "<!-- option-values: end -->"
README = Path(__file__).resolve().parents[1] / "README.md"


async def command_specs() -> dict[str, CommandSpec]:
    """Every registered command, as a fresh peerbot on a throwaway data folder has them."""
    with tempfile.TemporaryDirectory() as data_dir:
        app = App(load_settings(None, environ={"PEERBOT_DATA_DIR": data_dir}))
        kernel = await app.start_without_worker()
        try:
            return dict(kernel.registry.commands)
        finally:
            await app.stop()


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def render(specs: dict[str, CommandSpec]) -> str:
    """One collapsed table per top-level command, listing each option that command takes."""
    by_top: dict[str, list[CommandSpec]] = defaultdict(list)
    for name in sorted(specs):
        if specs[name].options:
            by_top[name.split()[0]].append(specs[name])
    parts = [START, ""]
    for top, group in by_top.items():
        parts.append(f"<details><summary><code>/{top}</code></summary>")
        parts.append("")
        parts.append("| command | option | what it is | needed | allowed values |")
        parts.append("|---|---|---|---|---|")
        for spec in group:
            for option in spec.options:
                needed = "yes" if option.required else "no"
                parts.append(
                    f"| `/{spec.name}` | `{option.name}` | {cell(option.description)} "
                    f"| {needed} | {cell(option.hint)} |"
                )
        parts.append("")
        parts.append("</details>")
        parts.append("")
    parts.append(END)
    return "\n".join(parts)


def current_block(readme: str) -> str | None:
    """The block between the markers in ``readme``, markers included, if there is one."""
    start = readme.find(START)
    end = readme.find(END)
    if start < 0 or end < start:
        return None
    return readme[start : end + len(END)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite the README's block")
    args = parser.parse_args(argv)
    made = render(asyncio.run(command_specs()))
    if not args.write:
        print(made)
        return 0
    readme = README.read_text(encoding="utf-8")
    block = current_block(readme)
    if block is None:
        print(f"README.md has no block starting with {START!r}; add the markers first.")
        return 1
    README.write_text(readme.replace(block, made), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
