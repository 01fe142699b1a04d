"""The README's list of every command option and the values it allows, made from the registry.

The tables are generated so they cannot drift from the code: a test compares the README's
block with this output, and ``python -m devtools.option_values --write`` rewrites the block.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections import defaultdict

from bot.app import App
from bot.commands import CommandSpec
from config.settings import load_settings
from devtools import readme_blocks as blocks

START = "<!-- option-values: made by `python -m devtools.option_values --write`; do not edit -->"
END = "<!-- option-values: end -->"
README = blocks.README


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
    """The option table in ``readme``, markers included, if there is one."""
    return blocks.current_block(readme, START, END)


def main(argv: list[str] | None = None) -> int:
    return blocks.block_main(
        argv,
        __doc__.splitlines()[0],
        START,
        END,
        lambda _readme: render(asyncio.run(command_specs())),
    )


if __name__ == "__main__":
    sys.exit(main())
