"""Dependency direction: platforms -> kernel <- cogs. Only bot/platforms may import a chat SDK."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLATFORM_LIBRARIES = {"discord", "nio"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def offenders(folder: Path, allowed: Path | None = None) -> list[str]:
    bad = []
    for path in sorted(folder.rglob("*.py")):
        if allowed is not None and allowed in path.parents:
            continue
        if imported_modules(path) & PLATFORM_LIBRARIES:
            bad.append(str(path.relative_to(ROOT)))
    return bad


def test_kernel_and_cogs_never_import_platform_libraries() -> None:
    bad = offenders(ROOT / "bot", allowed=ROOT / "bot" / "platforms") + offenders(ROOT / "cogs")
    assert bad == [], f"only bot/platforms/ may import discord or nio: {bad}"


def test_the_check_would_catch_an_import(tmp_path: Path) -> None:
    (tmp_path / "sneaky.py").write_text("from discord import ui\nimport nio.crypto\n")
    assert imported_modules(tmp_path / "sneaky.py") >= {"discord", "nio"}


#: The entry point composes the front ends (the platforms and the web page) with the kernel.
COMPOSITION_ROOT = ROOT / "bot" / "cli.py"


def test_kernel_and_cogs_never_import_the_web_page() -> None:
    bad = [
        str(path.relative_to(ROOT))
        for folder in (ROOT / "bot", ROOT / "cogs")
        for path in sorted(folder.rglob("*.py"))
        if "web" in imported_modules(path) and path != COMPOSITION_ROOT
    ]
    assert bad == [], f"the web page is a front end; bot/ and cogs/ must not import it: {bad}"


def test_the_web_page_never_imports_a_chat_sdk() -> None:
    assert offenders(ROOT / "web") == []


def test_cogs_do_not_import_platform_adapters() -> None:
    bad = []
    for path in sorted((ROOT / "cogs").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        if "bot.platforms" in source:
            bad.append(str(path.relative_to(ROOT)))
    assert bad == []
