"""The shipped library in a database that already holds an earlier version: entries still as
shipped are brought up to date, a person's own change and a retirement are kept, and new
entries arrive, all on the next start (cogs/resources/seed.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.kernel import Kernel
from cogs.resources.files import read_records
from cogs.resources.models import Area, Filters, Region
from cogs.resources.seed import SEED_FILE, SHIPPED_FILE, content_hash, shipped
from devtools.seed_shipped import missing
from tests.cogs.networks import Apps
from tests.cogs.resources.conftest import World, key


def test_every_version_of_the_seed_is_recorded_as_shipped() -> None:
    assert missing() == [], "run: .venv/bin/python -m devtools.seed_shipped --write"
    assert SHIPPED_FILE.read_text(encoding="utf-8").count("\n") >= len(read_records(SEED_FILE))


def test_crisis_and_support_lines_are_not_filed_as_peer_worker_support() -> None:
    for located in read_records(SEED_FILE):
        entry = located.record.entry
        if entry.type.value == "support-line":
            assert entry.area is Area.HELP_LINES, entry.title
        else:
            assert entry.area is not Area.HELP_LINES, entry.title


async def _set(world: World, seed_key: str, **columns: str) -> None:
    sets = ", ".join(f"{name} = ?" for name in columns)
    async with world.kernel.db.transaction() as tx:
        await tx.execute(
            f"UPDATE resources SET {sets} WHERE key = ?", (*columns.values(), seed_key)
        )


async def _row(kernel: Kernel, seed_key: str) -> dict[str, Any]:
    row = await kernel.db.fetch_one("SELECT * FROM resources WHERE key = ?", (seed_key,))
    assert row is not None
    return dict(row)


async def _restart(apps: Apps) -> Kernel:
    for app in list(apps.started):
        await app.stop()
    _, kernel = await apps.start()
    return kernel


async def test_an_entry_as_an_earlier_version_shipped_it_is_brought_up_to_date(
    world: World, apps: Apps
) -> None:
    # As peerbot shipped them before: Lifeline under "peer worker support and development",
    # Intentional Peer Support as national; and a new entry not there at all.
    await _set(world, "seed-lifeline", area="support")
    await _set(
        world,
        "seed-intentional-peer-support",
        region="national",
        summary="A way of thinking about and doing peer support, built on connection, "
        "mutuality and learning together, with training for peer workers.",
    )
    old_ips = await _row(world.kernel, "seed-intentional-peer-support")
    async with world.kernel.db.transaction() as tx:
        await tx.execute("DELETE FROM resources WHERE key = 'seed-nada'")
    lifeline = await world.service.find("Lifeline", [])
    assert ("seed-lifeline", content_hash(lifeline.draft())) in shipped()

    kernel = await _restart(apps)

    assert (await _row(kernel, "seed-lifeline"))["area"] == "help-lines"
    ips = await _row(kernel, "seed-intentional-peer-support")
    assert ips["region"] == "international" and ips["id"] == old_ips["id"]
    assert (await _row(kernel, "seed-nada"))["title"].startswith("Network of Alcohol")


async def test_a_persons_change_and_a_retirement_are_kept(world: World, apps: Apps) -> None:
    await _set(world, "seed-lifeline", area="support", summary="Our own words for Lifeline.")
    beyond = await world.service.find("Beyond Blue", [])
    await _set(world, "seed-beyond-blue", area="support")
    await world.service.retire(beyond, key("admin"))

    kernel = await _restart(apps)

    lifeline = await _row(kernel, "seed-lifeline")
    assert lifeline["summary"] == "Our own words for Lifeline." and lifeline["area"] == "support"
    retired = await _row(kernel, "seed-beyond-blue")
    assert retired["retired_at"] is not None and retired["area"] == "support"


async def test_international_entries_stay_in_a_state_filter(world: World) -> None:
    page, _ = await world.service.search(
        "intentional peer support", Filters(region=Region.NSW), [world.south]
    )
    assert [r.title for r in page.results][:1] == ["Intentional Peer Support"]
    assert page.results[0].region is Region.INTERNATIONAL


def test_the_seed_module_reads_the_shipped_file_next_to_it() -> None:
    assert Path(SHIPPED_FILE).parent == Path(SEED_FILE).parent
