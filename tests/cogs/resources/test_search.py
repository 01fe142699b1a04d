"""Search and autocomplete over the real database: ranking, typos, type words, filters, who
sees what, closing dates, and the full-text index kept in step with every change."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest

from bot.errors import UserError
from bot.migrations import MIGRATIONS_DIR, migrate
from bot.storage import Database
from cogs.resources.models import KIND_WORDS, Area, Draft, Filters, Kind, Region
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


async def search(world: World, text: str, networks: list[int] | None = None) -> Any:
    return await world.service.finder.search(
        text, Filters(), networks or [], world.clock.now().date()
    )


async def test_a_typo_is_answered_with_did_you_mean_not_with_results(world: World) -> None:
    found = await search(world, "supervison")
    assert found.results == [] and found.total == 0
    assert found.suggestion == "supervision"
    corrected = await search(world, found.suggestion)
    assert corrected.results
    assert all("supervision" in r.tags for r in corrected.results)
    assert (await search(world, "mindfrme")).suggestion == "mindframe"
    assert (await search(world, "suicde")).suggestion == "suicide"
    assert (await search(world, "lifelnie crisis")).suggestion == "lifeline crisis"


async def test_self_care_is_not_taken_for_area_nor_youth_for_south(world: World) -> None:
    await world.service.add(draft("South Coast roster"), None, key("admin"))
    care = await search(world, "self care")
    assert care.results == [] and care.suggestion is None  # "care" is one letter from "area"
    youth = await search(world, "youth")
    assert youth.results == [] and youth.suggestion is None  # one letter from "south"
    assert (await search(world, "form")).suggestion is None  # not "from"
    # A correction must find entries with every corrected word, among those one may see.
    assert (await search(world, "roter")).suggestion == "roster"
    assert (await search(world, "roter youth")).suggestion is None


async def test_a_correction_is_offered_only_from_entries_one_may_see(world: World) -> None:
    await world.service.add(draft("Brisbane roster"), world.brisbane, key("bea"))
    assert (await search(world, "rostr", [world.south])).suggestion is None
    assert (await search(world, "rostr", [world.brisbane])).suggestion == "roster"


async def test_peer_lists_the_entries_titled_peer_first(world: World) -> None:
    # QLife has a phone number and says "peer support" in its summary and tags; entries
    # without a phone number used to sort after every entry with one.
    await world.service.add(draft("Peer supervision notes template"), None, key("admin"))
    await world.service.add(
        draft("Peer worker job, Wollongong", type="job", region="nsw"), None, key("admin")
    )
    found = (await search(world, "peer")).results
    found += (
        await world.service.finder.search("peer", Filters(), [], world.clock.now().date(), 1)
    ).results
    names = [r.title for r in found]
    assert names[0].startswith("Peer ") and names[1].startswith("Peer "), names
    with_peer = [i for i, t in enumerate(names) if "peer" in t.lower()]
    assert with_peer == list(range(len(with_peer))), names  # every title match first
    assert names.index("QLife") == len(with_peer), names


async def test_only_the_emergency_entry_is_lifted(world: World) -> None:
    await world.service.add(
        draft("Crisis planning template", summary="Plan for a crisis.", type="template"),
        None,
        key("admin"),
    )
    names = await titles(world, "crisis")
    assert names[0] == "Emergency (ambulance, fire, police)"
    assert names[1] == "Crisis planning template", names  # no phone, but crisis in its title


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


@pytest.mark.parametrize(
    ("query", "kind"),
    [
        ("jobs", "job"),
        ("job", "job"),
        ("vacancy", "job"),
        ("training", "training"),
        ("trainings", "training"),
        ("course", "training"),
        ("template", "template"),
        ("templates", "template"),
        ("form", "form"),
        ("forms", "form"),
        ("stories", "story"),
    ],
)
async def test_type_words_find_entries_of_that_type(world: World, query: str, kind: str) -> None:
    titled = {
        "job": "Peer worker, Wollongong",
        "training": "Intentional Peer Support core workshop",
        "template": "Supervision notes",
        "form": "Leave request",
        "story": "My first year",
    }
    for each, title in titled.items():  # no title or summary says what type it is
        await world.service.add(
            draft(title, type=each, summary="For peer workers."), None, key("admin")
        )
    assert titled[kind] in await titles(world, query)
    others = {t for k, t in titled.items() if k != kind}
    assert not others & set(await titles(world, query))


async def test_a_type_change_moves_its_words(world: World) -> None:
    added = await world.service.add(draft("Leave request", type="form"), None, key("admin"))
    await world.service.edit(added, {"type": "template"}, key("admin"), checked=False)
    assert "Leave request" not in await titles(world, "forms")
    assert "Leave request" in await titles(world, "templates")


async def test_the_index_type_words_match_the_models(world: World) -> None:
    for kind, words in KIND_WORDS.items():
        added = await world.service.add(
            draft(f"Kind {kind.value}", type=kind.value), None, key("admin")
        )
        row = await world.kernel.db.fetch_one(
            "SELECT kind_words FROM resources WHERE id = ?", (added.id,)
        )
        assert row is not None and row["kind_words"] == words, kind


async def test_filters_narrow_and_a_region_keeps_national_entries(world: World) -> None:
    nsw = await titles(world, "crisis", region=Region.NSW)
    assert "NSW Mental Health Line" in nsw and "Lifeline" in nsw
    vic = await titles(world, "crisis", region=Region.VIC)
    assert "NSW Mental Health Line" not in vic and "Lifeline" in vic
    assert await titles(world, "crisis", type=Kind.TRAINING) == []
    lines = await titles(world, "crisis", area=Area.HELP_LINES, type=Kind.SUPPORT_LINE)
    assert "Lifeline" in lines
    assert await titles(world, "crisis", area=Area.SUPPORT) == []  # not peer worker support


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
    mindframe = await world.complete("mia", "resources search", "query", "mindfrme")
    assert [c.value for c in mindframe] == [
        "Mindframe - talking about suicide and mental ill-health safely"
    ]
    assert await world.complete("mia", "resources search", "query", "youth") == []
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


async def test_entries_from_before_migration_18_are_found_by_type_words(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        if int(path.name[:4]) < 18:
            shutil.copy(path, folder)
    db = await Database.open(tmp_path / "old.sqlite3")
    try:
        await migrate(db, folder)
        async with db.transaction() as tx:
            await tx.execute(
                """INSERT INTO resources (key, title, link, summary, area, type, region,
                                          audience, added_at, last_checked)
                   VALUES ('old', 'Peer worker, Nowra', 'https://example.org', 'A role.',
                           'system', 'job', 'nsw', 'anyone', '2026-01-01T00:00:00Z',
                           '2026-01-01')"""
            )
        shutil.copy(MIGRATIONS_DIR / "0018_resource_kinds_and_forms.sql", folder)
        assert [m.version for m in await migrate(db, folder)] == [18]
        for words in ('"jobs"*', '"nowra"*', '"vacancy"*'):
            rows = await db.fetch_all(
                "SELECT rowid FROM resources_fts WHERE resources_fts MATCH ?", (words,)
            )
            assert len(rows) == 1, words
        async with db.transaction() as tx:  # the index agrees with the rows it was built from
            await tx.execute("INSERT INTO resources_fts (resources_fts) VALUES ('integrity-check')")
    finally:
        await db.close()
