"""Layer 1 and 2: roles follow consent. The facilitator named at the start moves the phases only
once they have joined (the starter until then); one who declines is not the facilitator, and
nobody is told; the role can be handed to someone who joined."""

from __future__ import annotations

import pytest

from bot.errors import UserError
from bot.identity import PlaceRef, UserRef
from bot.mentions import plain
from cogs.reflection.formats import Format
from tests.cogs.reflection.conftest import SPACE, World, key


def person(who: str) -> UserRef:
    return UserRef(platform="console", id=who)


async def case_with(world: World, facilitator: str | None = "max") -> int:
    started = await world.service.start(
        starter=person("mia"),
        network_id=world.south,
        space=SPACE,
        fmt=Format.CASE,
        topic=None,
        peers_text="max kim",
        facilitator_text=facilitator,
    )
    return started.reflection.id


async def test_until_the_facilitator_joins_the_starter_moves_the_phases(world: World) -> None:
    number = await case_with(world)
    found = await world.service.get(number)
    assert await world.service.facilitator(found) == key("mia")
    with pytest.raises(UserError, match="Only the facilitator"):
        await world.service.next_phase(found, key("max"))  # invited, not joined
    await world.service.next_phase(found, key("mia"))

    await world.service.answer(number, person("max"), join=True)
    found = await world.service.get(number)
    assert await world.service.facilitator(found) == key("max")
    with pytest.raises(UserError, match="Only the facilitator"):
        await world.service.next_phase(found, key("mia"))
    await world.service.next_phase(found, key("max"))
    await world.deliver()
    joined = [t for _, where, t in world.port.sent if where == "thread-1" and "joined" in t]
    assert [plain(t) for t in joined] == [
        "max accepted the agreement and joined. Welcome. They facilitate."
    ]


async def test_a_facilitator_who_declines_is_not_the_facilitator_and_nobody_is_told(
    world: World,
) -> None:
    number = await case_with(world)
    await world.service.answer(number, person("max"), join=False)
    found = await world.service.get(number)
    assert found.facilitator_key == key("mia")
    assert await world.service.facilitator(found) == key("mia")
    await world.service.next_phase(found, key("mia"))
    await world.deliver()
    assert not any("max" in plain(t) for _, where, t in world.port.sent if where == "thread-1")


async def test_the_role_is_handed_to_someone_who_joined(world: World) -> None:
    number = await case_with(world, facilitator=None)
    here = PlaceRef(platform="console", id="thread-1")
    not_joined = await world.run("mia", "reflect facilitator", place=here, person="kim")
    assert "has not joined this co-reflection" in plain(not_joined.text)
    await world.service.answer(number, person("kim"), join=True)
    by_a_peer = await world.run("max", "reflect facilitator", place=here, person="kim")
    assert "Only the facilitator or the person who started" in by_a_peer.text
    handed = await world.run("mia", "reflect facilitator", place=here, person="kim")
    assert plain(handed.text).startswith(f"kim now facilitates co-reflection number {number}")
    found = await world.service.get(number)
    assert await world.service.facilitator(found) == key("kim")
    refused = await world.run("mia", "reflect next", place=here)
    assert "Only the facilitator" in refused.text
    moved = await world.run("kim", "reflect next", place=here)
    assert "Clarifying questions" in moved.text
    # The new facilitator can hand it back, and can close it.
    again = await world.run("kim", "reflect facilitator", place=here, person="kim")
    assert "already facilitates" in plain(again.text)
    await world.deliver()
    told = [plain(t) for _, where, t in world.port.sent if where == "thread-1"]
    assert "kim now facilitates, handed on by mia." in told
    closed = await world.close("kim", place=here)
    assert closed.text.startswith(f"Closed co-reflection number {number}"), closed.text
