"""The README's table of contents, made from its headings so it always matches them.

``python -m devtools.readme_toc --write`` rewrites the block between the markers; a test
compares the block with the headings, so a new section cannot be left out.
"""

from __future__ import annotations

import re
import sys

from devtools import readme_blocks as blocks

START = "<!-- contents: made by `python -m devtools.readme_toc --write`; do not edit -->"
END = "<!-- contents: end -->"
README = blocks.README


def anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[`*_]", "", heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def headings(readme: str) -> list[tuple[int, str]]:
    """(level, text) of every ``##`` and ``###`` heading outside fenced code blocks, except
    the contents' own."""
    found: list[tuple[int, str]] = []
    fenced = False
    for line in readme.splitlines():
        if line.startswith("```"):
            fenced = not fenced
            continue
        match = re.match(r"(#{2,3}) (.+)", line)
        if match and not fenced and match.group(2).strip() != "Contents":
            found.append((len(match.group(1)), match.group(2).strip()))
    return found


def render(readme: str) -> str:
    """The contents list for ``readme``, markers included."""
    lines = [START]
    for level, text in headings(readme):
        indent = "  " * (level - 2)
        lines.append(f"{indent}- [{re.sub(r'[`*]', '', text)}](#{anchor(text)})")
    lines.append(END)
    return "\n".join(lines)


def current_block(readme: str) -> str | None:
    """The contents list in ``readme``, markers included, if there is one."""
    return blocks.current_block(readme, START, END)


def main(argv: list[str] | None = None) -> int:
    return blocks.block_main(argv, __doc__.splitlines()[0], START, END, render)


if __name__ == "__main__":
    sys.exit(main())
