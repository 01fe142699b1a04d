"""The README's contents list follows its headings and links to the anchors GitHub makes."""

from __future__ import annotations

from devtools.readme_toc import README, anchor, current_block, render


def test_the_contents_list_every_section() -> None:
    readme = README.read_text(encoding="utf-8")
    block = current_block(readme)
    assert block is not None, "the README lost its contents markers"
    assert block == render(readme), "run: .venv/bin/python -m devtools.readme_toc --write"


def test_anchors_are_githubs() -> None:
    assert anchor("Running it 24/7") == "running-it-247"
    assert anchor("Reports, claiming, anonymous replies and removal") == (
        "reports-claiming-anonymous-replies-and-removal"
    )
    assert anchor("The `/support` card") == "the-support-card"


def test_headings_in_code_blocks_are_not_sections() -> None:
    readme = "## One\n```sh\n## not a heading\n```\n### Two\n"
    made = render(readme)
    assert "- [One](#one)\n  - [Two](#two)" in made
    assert "not a heading" not in made
