"""Importing and exporting the library: YAML and CSV, validated whole before anything is stored,
errors naming the line and the field, and re-importing the same file changing nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cogs.resources.files import FileProblem, read_records
from cogs.resources.models import Filters
from cogs.resources.seed import SEED_FILE
from tests.cogs.resources.conftest import World

GOOD_YAML = """\
resources:
  - key: coast-roster
    network: south-coast
    title: Coast roster
    link: https://example.org/roster
    summary: Who is on when.
    area: system
    type: form
    tags: [roster, shifts]
    last_checked: 2026-10-01
  - title: Peer jobs board
    link: https://example.org/jobs
    summary: Peer work jobs.
    area: developing
    type: job
    closes_on: 2027-06-30
"""

BAD_YAML = """\
- key: one
  title: One
  link: https://example.org/one
  summary: Fine.
  area: support
  type: form
- key: two
  title: Two
  link: https://example.org/two
  summary: Not fine.
  area: support
  type: poem
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


async def count(world: World) -> int:
    row = await world.kernel.db.fetch_one("SELECT count(*) AS n FROM resources")
    assert row is not None
    return int(row["n"])


def test_the_seed_file_is_valid_and_every_entry_has_a_link_or_phone() -> None:
    records = read_records(SEED_FILE)
    assert len(records) >= 15
    for located in records:
        entry = located.record.entry
        assert entry.link or entry.contact
        assert entry.last_checked is not None
        assert located.record.key is not None and located.record.key.startswith("seed-")


async def test_import_then_reimport_changes_nothing(world: World, tmp_path: Path) -> None:
    path = write(tmp_path, "library.yaml", GOOD_YAML)
    first = await world.service.import_file(path)
    assert (first.added, first.updated, first.unchanged) == (2, 0, 0)
    total = await count(world)
    again = await world.service.import_file(path)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
    assert await count(world) == total
    roster = await world.service.find("Coast roster", [world.south])
    assert roster.network_id == world.south
    assert roster.tags == "roster shifts"
    assert roster.last_checked.isoformat() == "2026-10-01"


async def test_a_changed_entry_is_updated_in_place(world: World, tmp_path: Path) -> None:
    await world.service.import_file(write(tmp_path, "a.yaml", GOOD_YAML))
    changed = GOOD_YAML.replace("Who is on when.", "Who is on duty when.")
    result = await world.service.import_file(write(tmp_path, "b.yaml", changed))
    assert (result.added, result.updated, result.unchanged) == (0, 1, 1)
    found = await world.service.finder.search(
        "duty", Filters(), [world.south], world.clock.now().date()
    )
    assert [r.title for r in found.results] == ["Coast roster"]


async def test_a_bad_entry_names_line_and_field_and_imports_nothing(
    world: World, tmp_path: Path
) -> None:
    before = await count(world)
    with pytest.raises(FileProblem) as raised:
        await world.service.import_file(write(tmp_path, "bad.yaml", BAD_YAML))
    assert "bad.yaml line 12, field 'type'" in str(raised.value)
    assert await count(world) == before


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "- title: X\n  link: ftp://x\n  summary: S\n  area: support\n  type: form\n",
            "line 2, field 'link': must be a web address",
        ),
        (
            "- title: X\n  summary: S\n  area: support\n  type: form\n",
            "line 1, field 'link': needs a link",
        ),
        (
            "- title: X\n  link: https://x.org\n  summary: S\n  area: support\n  type: form\n"
            "  colour: red\n",
            "line 6, field 'colour': not a known field",
        ),
        (
            "- title: X\n  link: https://x.org\n  summary: S\n  area: support\n  type: form\n"
            "  network: nowhere\n",
            "line 1, field 'network': there is no network 'nowhere'",
        ),
        (
            "- title: X\n  link: https://x.org\n  summary: S\n  area: support\n  type: form\n"
            "- title: X\n  link: https://x.org\n  summary: S\n  area: support\n  type: form\n",
            "line 6, field 'key': the same entry as line 1",
        ),
        ("- title: [unclosed\n", "line 2: not valid YAML"),
    ],
)
async def test_yaml_problems(world: World, tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(FileProblem, match=re.escape(expected)):
        await world.service.import_file(write(tmp_path, "x.yaml", text))


async def test_csv_import_and_errors(world: World, tmp_path: Path) -> None:
    header = "key,title,link,contact,summary,area,type,region\n"
    good = header + "c1,Coast line,,02 4444 4444,A phone line.,support,service,nsw\n"
    result = await world.service.import_file(write(tmp_path, "good.csv", good))
    assert result.added == 1
    bad = good + "c2,Broken,,,No link.,support,service,nsw\nc3,Next,https://x.org,,S,support,x,\n"
    with pytest.raises(FileProblem, match=re.escape("bad.csv line 3, field 'link'")):
        await world.service.import_file(write(tmp_path, "bad.csv", bad))
    unknown = "key,colour\nc9,red\n"
    with pytest.raises(FileProblem, match="line 1, field 'colour': not a known column"):
        await world.service.import_file(write(tmp_path, "unknown.csv", unknown))


@pytest.mark.parametrize("suffix", [".yaml", ".csv"])
async def test_export_then_import_changes_nothing(
    world: World, tmp_path: Path, suffix: str
) -> None:
    await world.service.import_file(write(tmp_path, "a.yaml", GOOD_YAML))
    path = tmp_path / f"export{suffix}"
    exported = await world.service.export_file(path)
    assert exported == await count(world)
    result = await world.service.import_file(path)
    assert (result.added, result.updated) == (0, 0)
    assert result.unchanged == exported


async def test_other_file_types_are_refused(world: World, tmp_path: Path) -> None:
    with pytest.raises(FileProblem, match=re.escape("use a .yaml, .yml or .csv file")):
        await world.service.import_file(write(tmp_path, "x.json", "[]"))


CSV_HEAD = "key,link,area,type,summary,title\n"
CSV_ROW = "c{n},https://example.org/{n},support,form,Fine.,"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (CSV_HEAD + CSV_ROW.format(n=1) + "x" * 140_000 + "\n", 2),
        (
            CSV_HEAD
            + CSV_ROW.format(n=1)
            + "One\n"
            + CSV_ROW.format(n=2)
            + "Two\n"
            + CSV_ROW.format(n=3)
            + '"'
            + "x" * 140_000
            + '"\n',
            4,
        ),
        (
            CSV_HEAD
            + CSV_ROW.format(n=1)
            + '"Spans\ntwo lines"\n'
            + CSV_ROW.format(n=2)
            + '"'
            + "x" * 140_000
            + '"\n',
            4,
        ),
        ("key," + "x" * 140_000 + "\n", 1),
    ],
)
async def test_a_csv_field_too_long_names_the_line_and_imports_nothing(
    world: World, tmp_path: Path, text: str, line: int
) -> None:
    before = await count(world)
    with pytest.raises(FileProblem) as raised:
        await world.service.import_file(write(tmp_path, "huge.csv", text))
    message = str(raised.value)
    assert message.startswith(f"{tmp_path / 'huge.csv'} line {line}: not valid CSV ("), message
    assert "field limit" in message
    assert await count(world) == before
