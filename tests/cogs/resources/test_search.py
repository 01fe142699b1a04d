"""Search and autocomplete over the real database: ranking, typos, filters, who sees what,
closing dates, and the full-text index kept in step with every change."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from bot.errors import UserError
from cogs.resources.models import Area, Draft, Filters, Kind, Region
from cogs.resources.search import AUTOCOMPLETE_MAX
from cogs.support.lines import load_support_lines
from tests.cogs.networks import Apps
from tests.cogs.resources.conftest import World, key

SUPPORT_LINES = Path(__file__).resolve().parents[3] / "config" / "support_lines.toml"


def draft(title: str, **extra: Any) -> Draft:
    values: dict[str, Any] = {
        "title": title,
        "link": "https://example.org/" + title.lower().replace(" ", "-"),
        "summary": f"About {title.lower()}.",
        "area": "support",
        "type": "guideline",
        **extra,
    }
    return Draft.model_validate(values)


async def titles(
    world: World, text: str, networks: list[int] | None = None, **filters: Any
) -> list[str]:
    found = await world.service.finder.search(
        text, Filters(**filters), networks or [], world.clock.now().date()
    )
    return [r.title for r in found.results]


async def test_a_fresh_start_finds_lifeline_for_crisis(world: World) -> None:
    assert "Lifeline" in await titles(world, "crisis")


async def test_a_typo_finds_supervision_resources(world: World) -> None:
    found = await world.service.finder.search("supervison", Filters(), [], world.clock.now().date())
    assert found.fuzzy
    assert found.results
    assert all("supervision" in r.tags for r in found.results)


async def test_stemming_and_prefixes(world: World) -> None:
    await world.service.add(draft("Supervising peers well"), None, key("admin"))
    assert "Supervising peers well" in await titles(world, "supervision")
    assert "Supervising peers well" in await titles(world, "superv")


async def test_title_words_rank_above_summary_words(world: World) -> None:
    await world.service.add(
        draft("Reflective writing", summary="Mentions grief once."), None, key("admin")
    )
    await world.service.add(draft("Grief and loss at work"), None, key("admin"))
    assert (await titles(world, "grief"))[0] == "Grief and loss at work"


@pytest.mark.parametrize(
    "query", ['"', 'peer"', "*", "NEAR(peer work)", "-peer", "title:peer", "peer AND", "(", "^x"]
)
async def test_fts_syntax_is_never_an_error(world: World, query: str) -> None:
    try:
        await titles(world, query)
    except UserError as error:  # only the "no words" refusal is allowed
        assert "no words to look for" in str(error)


async def test_filters_narrow_and_a_region_keeps_national_entries(world: World) -> None:
    nsw = await titles(world, "crisis", region=Region.NSW)
    assert "NSW Mental Health Line" in nsw and "Lifeline" in nsw
    vic = await titles(world, "crisis", region=Region.VIC)
    assert "NSW Mental Health Line" not in vic and "Lifeline" in vic
    assert await titles(world, "crisis", type=Kind.TRAINING) == []
    lines = await titles(world, "crisis", area=Area.SUPPORT, type=Kind.SUPPORT_LINE)
    assert "Lifeline" in lines


async def test_each_network_sees_shared_entries_and_its_own(world: World) -> None:
    await world.service.add(draft("South Coast roster form"), world.south, key("carol"))
    assert "South Coast roster form" in await titles(world, "roster", [world.south])
    assert await titles(world, "roster", [world.brisbane]) == []
    assert await titles(world, "roster", []) == []
    assert await world.service.networks_for(key("mia"), None) == [world.south]
    assert await world.service.networks_for(key("mia"), world.brisbane) == []


async def test_closed_jobs_are_hidden_after_their_date(world: World) -> None:
    today = world.clock.now().date()
    job = draft("Peer worker job", type="job", closes_on=today)
    await world.service.add(job, None, key("admin"))
    assert await titles(world, "job") == ["Peer worker job"]
    world.clock.advance(dt.timedelta(days=1))
    assert await titles(world, "job") == []


async def test_the_index_follows_edits_and_retiring(world: World) -> None:
    added = await world.service.add(draft("Old name"), None, key("admin"))
    await world.service.edit(
        added, {"title": "Fresh name", "summary": "Renamed."}, key("admin"), checked=True
    )
    assert await titles(world, "old") == []
    assert await titles(world, "fresh") == ["Fresh name"]
    await world.service.retire(await world.service.get(added.id), key("admin"))
    assert await titles(world, "fresh") == []


async def test_autocomplete_stays_within_discord_limits(world: World) -> None:
    long_title = "Peer " + "very long title " * 8
    for number in range(40):
        await world.service.add(draft(f"{long_title} {number}"), None, key("admin"))
    found = await world.complete("mia", "resources search", "query", "peer")
    assert len(found) == AUTOCOMPLETE_MAX
    assert all(len(c.label) <= 100 and len(c.value) <= 100 for c in found)
    everything = await world.complete("mia", "resources search", "query", "")
    assert len(everything) == AUTOCOMPLETE_MAX


async def test_autocomplete_finds_title_starts_words_and_typos(world: World) -> None:
    assert [c.value for c in await world.complete("mia", "resources search", "query", "lif")] == [
        "Lifeline"
    ]
    by_word = await world.complete("mia", "resources search", "query", "talking sui")
    assert [c.value for c in by_word] == [
        "Mindframe - talking about suicide and mental ill-health safely"
    ]
    typo = await world.complete("mia", "resources search", "query", "lifelnie")
    assert "Lifeline" in [c.value for c in typo]
    entries = await world.complete("mia", "resources show", "entry", "lifel")
    assert entries[0].label.startswith("Lifeline (entry ") and entries[0].value.isdigit()


async def test_autocomplete_shows_only_what_the_person_may_see(world: World) -> None:
    await world.service.add(draft("Brisbane only roster"), world.brisbane, key("bea"))
    assert await world.complete("mia", "resources search", "query", "brisbane") == []
    ben = await world.complete("ben", "resources search", "query", "brisbane")
    assert [c.value for c in ben] == ["Brisbane only roster"]


async def test_the_seed_is_loaded_once_across_restarts(world: World, apps: Apps) -> None:
    count = await world.kernel.db.fetch_one("SELECT count(*) AS n FROM resources")
    assert count is not None and count["n"] >= 15
    lifeline = await world.service.find("Lifeline", [])
    await world.service.retire(lifeline, key("admin"))
    for app in list(apps.started):
        await app.stop()
    _, kernel = await apps.start()
    again = await kernel.db.fetch_one("SELECT count(*) AS n FROM resources")
    assert again is not None and again["n"] == count["n"]
    retired = await kernel.db.fetch_one(
        "SELECT retired_at FROM resources WHERE key = 'seed-lifeline'"
    )
    assert retired is not None and retired["retired_at"] is not None


async def test_seed_support_lines_agree_with_the_support_lines_file(world: World) -> None:
    lines = {line.name: line for line in load_support_lines(SUPPORT_LINES).services}
    rows = await world.kernel.db.fetch_all(
        "SELECT title, contact, link FROM resources WHERE type = 'support-line'"
    )
    assert len(rows) == len(lines)
    for row in rows:
        line = lines[row["title"]]
        assert row["contact"] == line.phone
        if line.website:
            assert row["link"] == f"https://{line.website}"
