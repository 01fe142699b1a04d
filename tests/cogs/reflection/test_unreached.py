"""Layer 2: whoever starts a co-reflection is told privately, once, which peer's invitation
could not be delivered, and that they cannot join this one."""

from __future__ import annotations

from bot.mentions import plain
from bot.ports import NOT_ACCEPTING_DMS, DeliveryError
from bot.replies import Reply
from tests.cogs.reflection.conftest import World
from tests.cogs.reflection.test_commands import start_case


async def test_the_starter_hears_whose_invitation_could_not_be_delivered(world: World) -> None:
    world.port.fail_with = lambda key: (
        DeliveryError(f"{NOT_ACCEPTING_DMS} (code 50007)", retryable=False)
        if key.endswith(":invite:console:kim")
        else None
    )
    number = await start_case(world)
    await world.deliver()
    await world.deliver()
    assert len(world.dms("max")) == 1 and len(world.dms("lee")) == 1
    assert world.dms("kim") == []
    [summary] = world.dms("mia")
    assert summary.startswith(
        f"peerbot could not tell 1 person about your invitation to co-reflection number {number}:"
    )
    assert "- kim could not be told: they do not accept direct messages from this server." in (
        summary
    )
    assert "Ask them to allow direct messages from this server" in summary
    assert f"invite them again with /reflect invite number:{number}, or invite someone else" in (
        summary
    )
    assert "max" not in summary and "lee" not in summary


async def test_an_unreached_peer_is_invited_again_once_they_allow_direct_messages(
    world: World,
) -> None:
    """The advice works: after kim opens her direct messages, the starter invites her again
    with /reflect invite, the new invitation arrives, and kim can join."""
    closed = True
    world.port.fail_with = lambda key: (
        DeliveryError(f"{NOT_ACCEPTING_DMS} (code 50007)", retryable=False)
        if closed and ":invite:console:kim" in key
        else None
    )
    number = await start_case(world)
    await world.deliver()
    await world.deliver()
    assert world.dms("kim") == []
    closed = False
    again = await world.run("mia", "reflect invite", peers="kim", number=number)
    assert again.private and again.text.startswith(
        f"Invited privately to co-reflection number {number}:"
    ), again.text
    await world.deliver()
    [invitation] = world.dms("kim")
    assert "invites you to a private co-reflection" in invitation
    rows = await world.kernel.db.fetch_all(
        "SELECT message_json FROM outbox WHERE key LIKE ? ORDER BY id",
        (f"reflection:{number}:invite:console:kim:%",),
    )
    [join, _] = Reply.model_validate_json(str(rows[-1]["message_json"])).buttons
    joined = await world.press("kim", join.action)
    assert "added you to the thread" in joined.text
    assert "kim" in world.port.added("thread-1")


async def test_invite_refuses_who_declined_and_more_than_twelve_and_changes_nothing(
    world: World,
) -> None:
    number = await start_case(world)
    await world.deliver()
    declined = await world.outbox_messages(f"reflection:{number}:invite:console:lee")
    assert declined
    [_, decline] = [
        b
        for b in Reply.model_validate_json(
            str(
                (
                    await world.kernel.db.fetch_all(
                        "SELECT message_json FROM outbox WHERE key = ?",
                        (f"reflection:{number}:invite:console:lee",),
                    )
                )[0]["message_json"]
            )
        ).buttons
    ]
    await world.press("lee", decline.action)
    before = await world.kernel.db.fetch_all("SELECT * FROM reflection_participants")
    refused = await world.run("mia", "reflect invite", peers="lee", number=number)
    assert "declined this co-reflection, and peerbot does not ask again" in plain(refused.text)
    not_starter = await world.run("max", "reflect invite", peers="carol", number=number)
    assert "Only the person who started" in not_starter.text
    outside = await world.run("mia", "reflect invite", peers="ben", number=number)
    assert "Not members: ben" in plain(outside.text)
    assert await world.kernel.db.fetch_all("SELECT * FROM reflection_participants") == before
