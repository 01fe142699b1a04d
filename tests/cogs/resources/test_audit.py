"""Curating the library is audited like any coordinator action: one row per action, in the
same transaction as the change, naming entry numbers and never text people typed."""

from __future__ import annotations

from pathlib import Path

from bot.audit import AuditEntry
from tests.cogs.resources.conftest import World, key
from tests.cogs.resources.test_commands import LINK, add, by_label

TITLE = "Coast roster with a private-looking title"


async def log(world: World) -> list[AuditEntry]:
    """The library's audit rows, oldest first."""
    return list(reversed(await world.kernel.audit.entries(action="resource.", limit=100)))


def no_typed_text(entries: list[AuditEntry]) -> None:
    for entry in entries:
        for typed in ("Coast roster", "private-looking", "We already list it", "example.org"):
            assert typed not in entry.target and typed not in entry.detail, entry


async def test_add_edit_check_and_retire_each_write_one_row(world: World) -> None:
    added = await add(world, "carol", TITLE)
    number = added.text.split("entry ")[1].split(".")[0]
    [row] = await log(world)
    assert (row.actor_key, row.action, row.network_id) == (
        key("carol"),
        "resource.add",
        world.south,
    )
    assert row.target == f"entry:{number}"
    assert row.detail == "support, template"

    await world.run("carol", "resources edit", entry=number, title="Renamed", checked=True)
    edit = (await log(world))[1:]
    assert [(r.action, r.target, r.detail) for r in edit] == [
        ("resource.edit", f"entry:{number}", "title, checked")
    ]

    async with world.kernel.db.transaction() as tx:
        await tx.execute("UPDATE resources SET last_checked = '2025-01-01' WHERE id = ?", (number,))
    stale = await world.run("carol", "resources stale", network="south-coast")
    assert stale.select is not None
    await world.press("carol", stale.select.action, selected=(number,))
    check = (await log(world))[2:]
    assert [(r.action, r.network_id, r.target, r.detail) for r in check] == [
        ("resource.check", world.south, f"entries:{number}", "1 checked")
    ]

    await world.run("carol", "resources retire", entry=number)
    retire = (await log(world))[3:]
    assert [(r.action, r.actor_key, r.target) for r in retire] == [
        ("resource.retire", key("carol"), f"entry:{number}")
    ]
    no_typed_text(await log(world))


async def test_a_shared_entry_is_audited_without_a_network(world: World) -> None:
    await add(world, "admin", "Shared thing", shared=True)
    [row] = await log(world)
    assert row.action == "resource.add" and row.network_id is None


async def test_refused_changes_write_no_row(world: World) -> None:
    refused = await world.run("carol", "resources retire", entry="Lifeline")
    assert "only a peerbot admin" in refused.text
    bad = await add(world, "carol", "Bad", link="mailto:someone@example.org")
    assert "The link must be a web address" in bad.text
    assert await log(world) == []


async def test_approve_and_reject_each_write_one_row(world: World) -> None:
    for title in (TITLE, "Second suggestion"):
        opened = await world.run("mia", "resources submit", area="support", type="template")
        assert opened.form is not None
        await world.press(
            "mia", opened.form.action, {"title": title, "link": LINK, "summary": "S."}
        )
    first, second = await world.service.pending(world.south)

    queue = await world.run("carol", "resources review", network="south-coast")
    approved = await world.press("carol", by_label(queue, "Approve"))
    number = approved.text.split("is entry ")[1].split(";")[0]
    [row] = await log(world)
    assert (row.actor_key, row.action, row.network_id) == (
        key("carol"),
        "resource.approve",
        world.south,
    )
    assert (row.target, row.detail) == (f"entry:{number}", f"submission {first.id}")

    form = await world.press("eve", by_label(approved, "Reject"))
    assert form.form is not None
    await world.press("eve", form.form.action, {"reason": "We already list it."})
    rows = await log(world)
    assert [(r.actor_key, r.action, r.target, r.detail) for r in rows[1:]] == [
        (key("eve"), "resource.reject", f"submission:{second.id}", "")
    ]
    # A second press of an old button changes nothing and records nothing.
    again = await world.press("carol", by_label(queue, "Approve"))
    assert "already approved" in again.text
    assert len(await log(world)) == 2
    no_typed_text(rows)


async def test_an_import_writes_one_row_with_counts(world: World, tmp_path: Path) -> None:
    path = tmp_path / "library.yaml"
    path.write_text(
        "- key: coast\n  title: Coast roster\n  link: https://example.org/r\n"
        "  summary: Who is on.\n  area: system\n  type: form\n",
        encoding="utf-8",
    )
    await world.service.import_file(path)
    [row] = await log(world)
    assert (row.actor_key, row.action, row.network_id, row.target) == (
        "system",
        "resource.import",
        None,
        "file:yaml",
    )
    assert row.detail == "1 added, 0 updated, 0 unchanged"
    no_typed_text([row])
