"""A co-reflection is a member's own private step: the audit log coordinators read says "a
member" started it, and no search by person finds it. The coordinator's own actions keep
their name."""

from __future__ import annotations

from bot.audit import A_MEMBER
from tests.cogs.reflection.conftest import World
from tests.cogs.reflection.test_commands import start_case


async def test_a_started_co_reflection_is_logged_as_a_member(world: World) -> None:
    await start_case(world)  # mia starts one with max, kim and lee
    settings = await world.run("carol", "manage reflect settings", network="south-coast", days=20)
    assert not settings.text.startswith("Sorry"), settings.text

    audit = await world.run("carol", "mod audit", of="south-coast")
    lines = audit.text.splitlines()
    [started] = [line for line in lines if "reflection.start" in line]
    assert " | a member | reflection.start | " in started
    assert "mia" not in audit.text
    [changed] = [line for line in lines if "reflection.settings" in line]
    assert "carol" in changed  # a coordinator's action is still named

    by_mia = await world.run("carol", "mod audit", of="south-coast", member="mia")
    assert "reflection.start" not in by_mia.text
    rows = await world.kernel.db.fetch_all(
        "SELECT actor_key FROM audit_log WHERE action = 'reflection.start'"
    )
    assert [r["actor_key"] for r in rows] == [A_MEMBER]  # not stored under her name either
