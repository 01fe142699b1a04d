"""Layer 2: /network panel through the registry (the moderation fixtures have the networks
and their channels): where it may go, replacing it, and joining from it."""

from __future__ import annotations

from bot.identity import PlaceRef
from bot.mentions import plain
from bot.registry import Invocation
from bot.replies import ActionRef, Reply
from tests.cogs.moderation.conftest import World
from tests.cogs.networks import press, user

SPACE = PlaceRef(platform="console", id="local", name="console")


async def panel(world: World, who: str, channel: str) -> Reply:
    invocation = Invocation(
        user=user(who),
        place=PlaceRef(platform="console", id="lobby"),
        name="network panel",
        arguments={"network": "south-coast", "channel": channel},
        space=SPACE,
    )
    return await world.kernel.registry.invoke(invocation)


async def test_the_panel_goes_in_a_server_channel_once_and_joins_people(world: World) -> None:
    posted = await panel(world, "carol", "lobby")
    assert plain(posted.text).startswith("Posted South Coast's join panel in #lobby."), posted.text
    [(key, target, text)] = world.port.sent
    assert key.startswith("network-panel:") and target == "lobby"
    assert text.startswith("Join a peer worker network")

    again = await panel(world, "carol", "welcome")
    assert "It replaces the earlier one in #lobby, which was removed." in plain(again.text)
    assert world.port.deleted == [("lobby", "1", "peerbot: panel posted again")]
    rows = await world.kernel.db.fetch_all("SELECT place_key, message_id FROM network_panels")
    assert [tuple(r) for r in rows] == [("console:welcome", "2")]

    elsewhere = await panel(world, "carol", "hunter-general")
    assert "is another network's channel" in plain(elsewhere.text)
    assert len(world.port.sent) == 2
    member = await panel(world, "mia", "lobby")
    assert member.text.startswith("You need to be a coordinator"), member.text

    joined = await press(
        world.kernel, "newcomer", ActionRef(action="network-panel-join", payload=str(world.south))
    )
    assert joined.text.startswith("Welcome to South Coast. You joined as a member."), joined.text
    role = await world.kernel.registry.directory.role_of("console:newcomer", world.south)
    assert role.label == "member"
