"""A network in a Matrix space, and co-reflection there, end to end (issue 9 with issue 6's
flow). The admin sets the network up from a room inside a Matrix space; its rooms are created
in a space of the network's own inside it. Coordinators are moderators (power level 50) in
those rooms: one named before set-up gets it from set-up, ``!network role`` gives and takes
it, and a member is refused ``!network role``. Then a member (the coordinator) starts a group
case consultation with two peers: the bot opens an invite-only room in the network's space
and invites nobody before consent; one peer joins from the numbered invitation in their
direct-message room, the other declines (nobody is told); the agreement is pinned; the
facilitator moves the phases by reaction and by ``!reflect next``; ``!reflect close`` makes
the room read-only, and when the retention period has passed (the clock set by the test) the
deletion job empties the room.

One scenario rather than several tests: each step needs the set-up before it, and a Synapse
round trip per command keeps the Matrix folder's time budget tight."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import nio
import pytest

from bot.clock import FakeClock
from bot.platforms.matrix import power
from cogs.reflection.commands import ReflectionCog
from tests.e2e.matrix.peerbot_on_synapse import (
    PeerbotOnSynapse,
    Person,
    Seen,
    after,
    ask,
    from_bot,
    space_with_lobby,
    state_of,
)
from tests.e2e.matrix.synapse import SynapseServer, unique

NOW = datetime(2027, 2, 1, 0, 0, tzinfo=UTC)


@pytest.fixture
async def peers(synapse: SynapseServer, tmp_path: Path) -> AsyncIterator[tuple[Person, Person]]:
    bea = await Person(synapse, synapse.register(unique("bea")), tmp_path / "bea").open()
    cal = await Person(synapse, synapse.register(unique("cal")), tmp_path / "cal").open()
    try:
        yield bea, cal
    finally:
        await bea.close()
        await cal.close()


@dataclass
class Group:
    """Who takes part, and where: alex starts, bea joins, cal declines."""

    bot: PeerbotOnSynapse
    alex: Person
    bea: Person
    cal: Person
    network_space: str
    room: str = ""
    number: int = 0


async def levels_in(bot: PeerbotOnSynapse, rooms: list[str], user_id: str) -> list[int | None]:
    """The user's own power level in each room (None: not listed, so the room's default)."""
    found: list[int | None] = []
    for room in rooms:
        users = (await state_of(bot, room))["m.room.power_levels|"].get("users", {})
        found.append(users.get(user_id))
    return found


async def set_up_in_a_space(
    bot: PeerbotOnSynapse, admin: Person, members: list[Person]
) -> tuple[str, str, list[str]]:
    """The admin creates Coast and names its first member (alex) a coordinator, then sets it
    up from a room in a space; the others join. The network's space, the lobby room, and
    the network's space and rooms."""
    space, lobby = await space_with_lobby(admin, bot, members)
    await ask(admin, lobby, bot, "!network create name:Coast slug:coast", "Created the network")
    first, others = members[0], members[1:]
    await ask(first, lobby, bot, "!network join network:coast", "Welcome to Coast.")
    named = f"!network role network:coast member:{first.user_id} role:coordinator"
    await ask(admin, lobby, bot, named, "is now a coordinator of Coast")
    done = await ask(admin, lobby, bot, "!network setup network:coast", "Set up Coast here.")
    assert "reflection" in done.body, done.body
    places = {
        r["purpose"]: r["place_key"].removeprefix("matrix:")
        for r in await bot.kernel.db.fetch_all("SELECT purpose, place_key FROM network_places")
    }
    network_space = places["category"]
    assert f"m.space.child|{network_space}" in await state_of(admin, space)
    inner = await state_of(bot, network_space)
    assert inner["m.room.create|"]["type"] == "m.space"
    assert inner[f"m.space.parent|{space}"]["via"], inner
    for purpose in ("announcements", "general", "reflection"):
        assert f"m.space.child|{places[purpose]}" in inner, purpose
    rooms = list(places.values())
    assert len(rooms) == 5, rooms  # the network's space and its four rooms
    assert await levels_in(bot, rooms, first.user_id) == [power.MODERATOR] * 5
    for person in others:
        await ask(person, lobby, bot, "!network join network:coast", "Welcome to Coast.")
    return network_space, lobby, rooms


async def coordinators_are_moderators(
    bot: PeerbotOnSynapse, admin: Person, member: Person, lobby: str, rooms: list[str]
) -> None:
    """A member is refused !network role; the admin's !network role gives the member the
    moderator level in the network's rooms, and removing the role takes it away."""
    command = f"!network role network:coast member:{member.user_id} role:coordinator"
    refused = await ask(member, lobby, bot, command, "coordinator")
    assert refused.body.startswith("You need to be a coordinator in Coast"), refused.body
    assert refused.room_id != lobby  # said privately
    assert await levels_in(bot, rooms, member.user_id) == [None] * 5
    await ask(admin, lobby, bot, command, "is now a coordinator of Coast")
    assert await levels_in(bot, rooms, member.user_id) == [power.MODERATOR] * 5
    await ask(admin, lobby, bot, command + " remove:true", "they stay a member")
    assert await levels_in(bot, rooms, member.user_id) == [None] * 5


async def start(group: Group, lobby: str) -> dict[str, Seen]:
    """alex starts a case consultation: a private room with only alex in it, and a numbered
    invitation to each peer. The invitations, by peer."""
    bot, alex, bea, cal = group.bot, group.alex, group.bea, group.cal
    started = await ask(
        alex,
        lobby,
        bot,
        f'!reflect start network:coast format:case peers:"{bea.user_id} {cal.user_id}"',
        "Started co-reflection number ",
    )
    group.number = int(started.body.split("number ")[1].split(" ")[0])
    row = await bot.kernel.db.fetch_one(
        "SELECT thread_key FROM reflections WHERE id = ?", (group.number,)
    )
    assert row is not None
    group.room = room = str(row["thread_key"]).removeprefix("matrix:")
    await alex.wait_joined(room, alex.user_id)  # the starter is invited at once, and joins
    state = await state_of(alex, room)
    assert state["m.room.join_rules|"] == {"join_rule": "invite"}
    assert "m.room.encryption|" not in state  # late joiners must read the agreement
    assert f"m.space.parent|{group.network_space}" in state
    # alex coordinates the network, yet no one moderates co-reflection from outside.
    assert alex.user_id not in state["m.room.power_levels|"].get("users", {})
    assert f"m.space.child|{room}" in await state_of(bot, group.network_space)

    invitations = {}
    for peer in (bea, cal):
        invitation = await peer.wait_for(from_bot(bot, "invites you to a private"), "invited")
        assert "1. Join" in invitation.body and "2. Decline" in invitation.body, invitation.body
        invitations[peer.user_id] = invitation
    for peer in (bea, cal):  # nobody is invited before consenting
        assert f"m.room.member|{peer.user_id}" not in await state_of(alex, room)
    return invitations


async def consent(group: Group, invitations: dict[str, Seen]) -> None:
    """bea joins by replying 1, cal declines by reacting 2; only bea is invited, and the
    group hears of bea only."""
    bot, alex, bea, cal, room = group.bot, group.alex, group.bea, group.cal, group.room
    joining = invitations[bea.user_id]
    mark = bea.mark()
    await bea.say(joining.room_id, "1", reply_to=joining.event_id)
    await bea.wait_for(after(bea, mark, bot, "Thank you. You agreed"), "bea's thanks")
    await bea.wait_joined(room, bea.user_id)
    declining = invitations[cal.user_id]
    mark = cal.mark()
    await cal.react(declining.room_id, declining.event_id, "2️⃣")
    await cal.wait_for(after(cal, mark, bot, "You declined. Nobody is told."), "cal declined")

    told = await alex.wait_for(
        lambda s: s.room_id == room and "accepted the agreement and joined" in s.body,
        "the group told who joined",
    )
    assert bea.user_id in told.body
    assert f"m.room.member|{cal.user_id}" not in await state_of(alex, room)
    assert all(cal.user_id not in s.body for s in alex.seen if s.room_id == room)


async def pinned_agreement_and_phases(group: Group) -> None:
    """bea, who joined after they were posted, reads the pinned agreement and the prompts;
    alex (the facilitator) moves the phases by reaction and by !reflect next."""
    bot, alex, bea, room = group.bot, group.alex, group.bea, group.room
    pinned = (await state_of(bea, room))["m.room.pinned_events|"]["pinned"]
    agreement = await bea.client.room_get_event(room, pinned[0])
    assert isinstance(agreement, nio.RoomGetEventResponse), agreement
    assert "A made-up name is not enough" in agreement.event.body
    # One line says who else could read it: the room is not end-to-end encrypted.
    assert (
        "Who else can technically see this room: it is invite only, but not end-to-end "
        "encrypted, so the people who run the Matrix homeserver could read it."
    ) in agreement.event.body
    prompts = await bea.wait_for(
        lambda s: s.room_id == room and "Group case consultation" in s.body, "the prompts"
    )
    assert "1. Next phase: Clarifying questions" in prompts.body, prompts.body

    await alex.react(room, prompts.event_id, "1️⃣")
    await bea.wait_for(
        lambda s: s.room_id == room and "Phase 2 of 5: Clarifying questions." in s.body,
        "phase 2",
    )
    await ask(alex, room, bot, f"!reflect next number:{group.number}", "Posted in the thread")
    await bea.wait_for(
        lambda s: s.room_id == room and "Phase 3 of 5: The presenter's question." in s.body,
        "phase 3",
    )


async def close_then_delete(group: Group, lobby: str) -> None:
    """!reflect close makes the room read-only; the deletion job, run when the retention
    period has passed, removes every message and everyone, and unlists the room."""
    bot, alex, bea, room, number = group.bot, group.alex, group.bea, group.room, group.number
    # Closing asks first; alex confirms by replying 1 (Close it).
    asked = await ask(alex, room, bot, "!reflect close", f"Close co-reflection number {number}")
    mark = alex.mark()
    await alex.say(asked.room_id, "1", reply_to=asked.event_id)
    closed = await alex.wait_for(
        after(alex, mark, bot, f"Closed co-reflection number {number}"), "the close"
    )
    assert "is deleted on" in closed.body
    levels = (await state_of(bea, room))["m.room.power_levels|"]
    for person in (alex, bea):
        level = levels.get("users", {}).get(person.user_id, levels.get("users_default", 0))
        assert level < levels["events_default"], levels
    refused = await bea.client.room_send(
        room, "m.room.message", {"msgtype": "m.text", "body": "one more thing"}
    )
    assert isinstance(refused, nio.RoomSendError) and refused.status_code == "M_FORBIDDEN"

    # Reopened within the retention period: bea can write again; then closed once more.
    # (typed in the lobby: nobody can write in the read-only room, the starter included)
    reopened = await ask(
        alex,
        lobby,
        bot,
        f"!reflect reopen number:{number}",
        f"Reopened co-reflection number {number}",
    )
    assert "matrix.to/#/" + room in reopened.body, reopened.body
    sent = await bea.client.room_send(
        room, "m.room.message", {"msgtype": "m.text", "body": "one more thing"}
    )
    assert isinstance(sent, nio.RoomSendResponse), sent
    asked = await ask(alex, room, bot, "!reflect close", f"Close co-reflection number {number}")
    mark = alex.mark()
    await alex.say(asked.room_id, "1", reply_to=asked.event_id)
    await alex.wait_for(after(alex, mark, bot, f"Closed co-reflection number {number}"), "again")

    cog = bot.kernel.cogs["reflection"]
    assert isinstance(cog, ReflectionCog)
    clock = bot.kernel.clock
    assert isinstance(clock, FakeClock)
    [job] = [j for j in await cog.jobs.planned_jobs(clock.now()) if str(number) in j.key]
    assert job.run_at == clock.now() + timedelta(days=30), job
    clock.set(job.run_at)
    await bot.kernel.scheduler.run_job(job)
    # What bea's client can still page through (up to her removal) is all removed.
    page = await bea.client.room_messages(room, limit=100)
    assert isinstance(page, nio.RoomMessagesResponse), page
    said = [e.source for e in page.chunk if e.source.get("type") == "m.room.message"]
    assert said and all(not e.get("content") for e in said), said
    removed = (await state_of(bea, room))[f"m.room.member|{bea.user_id}"]
    assert removed == {"membership": "leave", "reason": "retention ended"}, removed
    listed = await state_of(bot, group.network_space)
    assert listed[f"m.space.child|{room}"] == {}  # no longer listed in the network's space
    row = await bot.kernel.db.fetch_one(
        "SELECT thread_key, thread_deleted_at FROM reflections WHERE id = ?", (number,)
    )
    assert row is not None and row["thread_key"] is None and row["thread_deleted_at"], row


async def test_a_network_in_a_space_its_coordinators_and_co_reflection(
    clocked_bot: PeerbotOnSynapse,
    admin: Person,
    alex: Person,
    peers: tuple[Person, Person],
) -> None:
    bea, cal = peers
    network_space, lobby, rooms = await set_up_in_a_space(clocked_bot, admin, [alex, bea, cal])
    await coordinators_are_moderators(clocked_bot, admin, bea, lobby, rooms)
    group = Group(clocked_bot, alex, bea, cal, network_space)
    invitations = await start(group, lobby)
    await consent(group, invitations)
    await pinned_agreement_and_phases(group)
    await close_then_delete(group, lobby)
