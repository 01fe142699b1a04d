"""The README's generated blocks: text between two marker comments, rewritten by a tool.

Each block (the contents, the option table) is made from the code or the README itself, so a
test can compare it with what is written and ``--write`` can put it right.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def current_block(readme: str, start: str, end: str) -> str | None:
    """The block between the markers in ``readme``, markers included, if there is one."""
    first = readme.find(start)
    last = readme.find(end)
    if first < 0 or last < first:
        return None
    return readme[first : last + len(end)]


def block_main(
    argv: list[str] | None, description: str, start: str, end: str, make: Callable[[str], str]
) -> int:
    """Print the block ``make`` builds from the README, or with ``--write`` put it in place."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--write", action="store_true", help="rewrite the README's block")
    args = parser.parse_args(argv)
    readme = README.read_text(encoding="utf-8")
    made = make(readme)
    if not args.write:
        print(made)
        return 0
    block = current_block(readme, start, end)
    if block is None:
        print(f"README.md has no block starting with {start!r}; add the markers first.")
        return 1
    README.write_text(readme.replace(block, made), encoding="utf-8")
    return 0
