"""Layer 2: "Let someone know" (My coordinator) tells the truth (issue 16, item 8). The person hears
"Sent" only once a coordinator actually has the message; when none could be reached (direct
messages closed, no coordinator, none peerbot can message) they are told so, offered other
ways to reach someone, and may press again later."""

from __future__ import annotations

from collections.abc import Callable

from bot.commands import Role
from bot.ports import NOT_ACCEPTING_DMS, DeliveryError
from bot.replies import Reply
from cogs.checkins.messages import OTHER_WAYS
from cogs.networks.service import NetworkService
from tests.cogs.checkins.conftest import World, button, key, let_coordinator_know
from tests.cogs.checkins.test_checkins import opt_in


def closed_dms(*people: str) -> Callable[[str], Exception | None]:
    def fail(outbox_key: str) -> Exception | None:
        if outbox_key.startswith("checkin-tell:") and any(
            outbox_key.endswith(f":console:{who}") for who in people
        ):
            return DeliveryError(f"{NOT_ACCEPTING_DMS} (code 50007)", retryable=False)
        return None

    return fail


def networks(world: World) -> NetworkService:
    service = getattr(world.kernel.cogs["networks"], "service", None)
    assert isinstance(service, NetworkService)
    return service


async def red_answer(world: World, who: str = "mia") -> Reply:
    await opt_in(world, who)
    return await world.press(who, button(await world.run(who, "checkin now"), "Red"))


def outcomes(world: World, who: str = "mia") -> list[str]:
    return [m.text for m in world.dms(who) if m.text.startswith(("Sent:", "Not sent:", "peerbot"))]


async def test_a_coordinator_with_closed_dms_means_not_sent_and_other_ways(world: World) -> None:
    world.port.fail_with = closed_dms("carol")
    support = await red_answer(world)
    told = await let_coordinator_know(world, "mia", support)
    assert told.text.startswith("Sending this answer (Red), and nothing else")
    assert "Done" not in told.text and "Sent" not in told.text
    await world.deliver()
    await world.deliver()
    [outcome] = [m for m in world.dms("mia") if m.text.startswith("Not sent:")]
    assert outcome.text == (
        "Not sent: peerbot could not reach any coordinator of South Coast, so nobody has been "
        "told about your answer (Red).\n"
        "- carol: they do not accept direct messages from this server.\n\n"
        f"{OTHER_WAYS}\n\n"
        'You can press "Let someone know" again later; peerbot will try once more.'
    )
    assert [b.label for b in outcome.buttons] == ["Let someone know"]
    assert not [t for _, target, t in world.port.sent if target == "carol"]
    [answer] = await world.cog.service.history(key("mia"))
    assert answer.coordinator_told_at is None  # nobody knows, so nothing says they do

    # Carol opens her direct messages; the button in the message tries again, once.
    world.port.fail_with = lambda outbox_key: None
    again = await let_coordinator_know(world, "mia", outcome)
    assert again.text.startswith("Sending this answer (Red)")
    await world.deliver()
    await world.deliver()
    [notice] = [text for _, target, text in world.port.sent if target == "carol"]
    assert "asked peerbot to let you know" in notice and "Red" in notice
    assert outcomes(world)[-1].startswith("Sent: carol (coordinator of South Coast) now has")


async def test_sent_when_one_of_two_coordinators_was_reached_and_the_other_named(
    world: World,
) -> None:
    await networks(world).set_role(key("ned"), world.south, Role.COORDINATOR)
    world.port.fail_with = closed_dms("carol")
    support = await red_answer(world)
    told = await let_coordinator_know(world, "mia", support)
    assert "to your coordinators in South Coast" in told.text
    await world.deliver()
    await world.deliver()
    assert outcomes(world) == [
        "Sent: ned (coordinator of South Coast) now has your check-in answer (Red) and "
        "nothing else. They may get in touch with you; peerbot tells you when one of them has "
        "seen it.\n\n"
        "peerbot could not reach:\n"
        "- carol: they do not accept direct messages from this server.\n\n"
        "If you need support now, type /support (in an emergency, call 000)."
    ]
    [answer] = await world.cog.service.history(key("mia"))
    assert answer.coordinator_told_at is not None
    again = await let_coordinator_know(world, "mia", support)
    assert again.text.startswith("Your coordinator was already told about this answer")


async def test_no_coordinator_in_the_network_is_said_at_once_and_nothing_is_queued(
    world: World,
) -> None:
    support = await red_answer(world, "pia")  # Perth has no coordinator
    told = await let_coordinator_know(world, "pia", support)
    assert told.text == (
        "Perth has no coordinator peerbot can message, so nobody was told about your answer."
        f"\n\n{OTHER_WAYS}"
    )
    rows = await world.kernel.db.fetch_all("SELECT key FROM outbox WHERE key LIKE '%tell%'")
    assert rows == []
    [answer] = await world.cog.service.history(key("pia"))
    assert answer.coordinator_told_at is None


async def test_a_coordinator_is_not_sent_her_own_answer(world: World) -> None:
    support = await red_answer(world, "carol")  # South Coast's only coordinator
    told = await let_coordinator_know(world, "carol", support)
    assert told.text.startswith("South Coast has no coordinator peerbot can message")


async def test_a_coordinator_on_a_platform_peerbot_is_not_connected_to_is_not_waited_for(
    world: World,
) -> None:
    await networks(world).set_role(key("carol"), world.south, Role.MEMBER)
    await networks(world).set_role("matrix:@cora:example.org", world.south, Role.COORDINATOR)
    support = await red_answer(world)
    told = await let_coordinator_know(world, "mia", support)
    assert told.text.startswith("South Coast has no coordinator peerbot can message")
