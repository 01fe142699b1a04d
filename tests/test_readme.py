"""The README is the newcomer's map: every file it links or names must be in the repository."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def relative_links(text: str) -> list[str]:
    """Markdown link targets that are not web addresses or anchors in the page."""
    targets = re.findall(r"\]\(([^)\s]+)\)", text)
    return [t for t in targets if not re.match(r"[a-z]+:", t) and not t.startswith("#")]


def test_relative_links_point_into_the_repository_at_files_that_exist() -> None:
    for target in relative_links(README):
        path = (ROOT / target.split("#")[0]).resolve()
        assert path.is_relative_to(ROOT), f"README links outside the repository: {target}"
        assert path.exists(), f"README links to a missing file: {target}"


def test_no_file_outside_the_repository_is_named() -> None:
    named = re.findall(r"`(\.\./[^`]*)`", README)
    assert named == [], f"README names paths outside the repository: {named}"


def test_the_checks_can_fail() -> None:
    assert relative_links("see [x](../shared/DESIGN.md) and [y](https://a.b)") == [
        "../shared/DESIGN.md"
    ]
