"""The outbound port against a real Synapse: what other people's own clients see.

The bot is a registered account driving ``MatrixPort``; each person is another account with
their own nio client, reading the room's state and events the way their app would.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nio
import pytest

from bot.clock import FakeClock
from bot.commands import Role
from bot.errors import UserError
from bot.identity import MessageRef, PlaceRef, UserRef
from bot.platform_state import PlatformState
from bot.platforms.matrix import power, rooms
from bot.platforms.matrix.choices import ChoiceStore
from bot.platforms.matrix.client import MatrixConnection
from bot.platforms.matrix.dm import DirectRooms
from bot.platforms.matrix.errors import MatrixMissingPermission
from bot.platforms.matrix.messages import Messenger
from bot.platforms.matrix.port import MatrixPort
from bot.ports import ChannelSpec, DeliveryError
from bot.replies import ActionRef, Button, Mentions, Reply
from bot.storage import Database
from config.settings import MatrixSettings
from tests.e2e.matrix.synapse import SynapseServer, unique

RETENTION_DAYS = 30


@dataclass
class World:
    synapse: SynapseServer
    bot: nio.AsyncClient
    port: MatrixPort
    choices: ChoiceStore
    people: list[nio.AsyncClient]

    async def person(self) -> tuple[nio.AsyncClient, UserRef]:
        account = self.synapse.register(unique("peer"))
        client = login(self.synapse, account.user_id, account.device_id, account.access_token)
        self.people.append(client)
        return client, UserRef(platform="matrix", id=account.user_id)


def login(synapse: SynapseServer, user_id: str, device_id: str, token: str) -> nio.AsyncClient:
    client = nio.AsyncClient(synapse.base_url, user_id, device_id=device_id)
    client.user_id = user_id
    client.access_token = token
    return client


@pytest.fixture
async def world(
    synapse: SynapseServer, db: Database, clock: FakeClock, tmp_path: Path
) -> AsyncIterator[World]:
    """peerbot's own connection (password login, encryption store, a sync loop) driving the
    port, as ``peerbot run`` does; only the command handling is left out."""
    account = synapse.register(unique("peerbot"))
    settings = MatrixSettings(
        homeserver=synapse.base_url, user_id=account.user_id, password=account.password
    )
    connection = MatrixConnection(settings, tmp_path, PlatformState(db, clock))
    await connection.connect()
    bot = connection.client
    choices = ChoiceStore(db, clock)
    messenger = Messenger(bot, choices, DirectRooms(db, clock, connection))
    port = MatrixPort(
        bot, messenger, wait_until=connection.wait_until, retention_days=RETENTION_DAYS
    )

    async def keep_syncing() -> None:
        first = True
        while True:
            response = await connection.sync(first=first)
            first = False
            if isinstance(response, nio.SyncResponse):
                await connection.save_sync_token(str(response.next_batch))
            await connection.synced()

    syncing = asyncio.create_task(keep_syncing())
    made = World(synapse, bot, port, choices, [])
    try:
        yield made
    finally:
        syncing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await syncing
        await connection.close()
        for client in made.people:
            await client.close()


def ok(response: Any, kind: type) -> Any:
    assert isinstance(response, kind), response
    return response


async def state_of(client: nio.AsyncClient, room_id: str) -> dict[str, dict[str, Any]]:
    """``type|state_key`` -> the full event, as the person's client reads it."""
    found = ok(await client.room_get_state(room_id), nio.RoomGetStateResponse)
    return {f"{e['type']}|{e.get('state_key', '')}": e for e in found.events}


async def messages(client: nio.AsyncClient, room_id: str) -> list[dict[str, Any]]:
    """The room's message events, oldest first, as raw events."""
    page = ok(await client.room_messages(room_id, limit=100), nio.RoomMessagesResponse)
    return [
        e.source
        for e in reversed(page.chunk)
        if e.source.get("type") == "m.room.message" and "state_key" not in e.source
    ]


async def sync_until(
    client: nio.AsyncClient, done: Callable[[], bool | Awaitable[bool]], tries: int = 20
) -> None:
    """Sync (long-polling up to a second each) until ``done``; a bounded number of tries."""
    for _ in range(tries):
        result = done()
        if result if isinstance(result, bool) else await result:
            return
        ok(await client.sync(timeout=1000, full_state=False), nio.SyncResponse)
    raise AssertionError("the expected change never reached this client")


async def may_post(client: nio.AsyncClient, room_id: str) -> bool:
    sent = await client.room_send(room_id, "m.room.message", {"msgtype": "m.text", "body": "hi"})
    if isinstance(sent, nio.RoomSendResponse):
        return True
    assert sent.status_code == "M_FORBIDDEN", sent
    return False


async def network(world: World) -> tuple[PlaceRef, str, PlaceRef, PlaceRef]:
    """What /network setup makes: an outer space, the network's role space (also its
    category) and a reflection channel in it."""
    outer = ok(
        await world.bot.room_create(name="Peer networks", space=True), nio.RoomCreateResponse
    )
    space = PlaceRef(platform="matrix", id=outer.room_id)
    role = await world.port.create_role(space, "South Coast member")
    category = await world.port.create_category(space, "South Coast", (role,))
    channel = await world.port.create_channel(
        ChannelSpec(
            space=space,
            name="south-coast-reflection",
            topic="Co-reflection",
            category=category,
            visible_to_roles=(role,),
        )
    )
    return space, role, category, channel


# ---- messages ----------------------------------------------------------------------------


async def test_post_sends_html_and_plain_text_once_per_outbox_key(world: World) -> None:
    alex, alex_ref = await world.person()
    room = ok(
        await world.bot.room_create(name="general", invite=[alex_ref.id]),
        nio.RoomCreateResponse,
    ).room_id
    ok(await alex.join(room), nio.JoinResponse)
    place = PlaceRef(platform="matrix", id=room)
    notice = Reply(
        text="Meeting <Tuesday> & more",
        buttons=[Button(label="Going", action=ActionRef(action="rsvp", payload="1:going"))],
    )

    first = await world.port.post(place, notice, idempotency_key="meeting:1:notice")
    again = await world.port.post(place, notice, idempotency_key="meeting:1:notice")

    assert again.id == first.id  # the homeserver dropped the repeat
    seen = await messages(alex, room)
    assert [e["event_id"] for e in seen] == [first.id]
    content = seen[0]["content"]
    assert content["msgtype"] == "m.notice"
    assert content["body"].startswith("Meeting <Tuesday> & more")
    assert "1. Going" in content["body"]
    assert content["format"] == "org.matrix.custom.html"
    assert "Meeting &lt;Tuesday&gt; &amp; more" in content["formatted_body"]
    assert "<ol><li>Going</li></ol>" in content["formatted_body"]
    assert content["m.mentions"] == {}  # intentional mentions: the text notifies nobody
    remembered = await world.choices.find(first.id)
    assert remembered is not None and remembered.user_key is None


async def test_typed_names_and_room_mentions_notify_nobody_unless_named(world: World) -> None:
    """What people typed (``@room``, a Matrix id) goes out with empty intentional mentions;
    only a person the Reply names is in ``m.mentions``, as the homeserver stores it."""
    alex, alex_ref = await world.person()
    room = ok(
        await world.bot.room_create(name="general", invite=[alex_ref.id]),
        nio.RoomCreateResponse,
    ).room_id
    ok(await alex.join(room), nio.JoinResponse)
    place = PlaceRef(platform="matrix", id=room)
    typed = f"@room, {alex_ref.id}: please read"
    await world.port.post(place, Reply(text=typed), idempotency_key="mentions:typed")
    named = Reply(text=typed, mentions=Mentions(users=(alex_ref,)))
    await world.port.post(place, named, idempotency_key="mentions:named")
    seen = [e["content"] for e in await messages(alex, room)]
    assert [c["body"] for c in seen] == [typed, typed]
    assert [c["m.mentions"] for c in seen] == [{}, {"user_ids": [alex_ref.id]}]


async def test_send_private_opens_one_direct_room_and_reuses_it(world: World) -> None:
    alex, alex_ref = await world.person()
    first = await world.port.send_private(
        alex_ref, Reply(text="Your check-in", private=True), idempotency_key="checkin:1"
    )
    second = await world.port.send_private(
        alex_ref, Reply(text="Another", private=True), idempotency_key="checkin:2"
    )
    assert second.place.id == first.place.id
    room = first.place.id
    await sync_until(alex, lambda: room in alex.invited_rooms)
    ok(await alex.join(room), nio.JoinResponse)
    # The bot can encrypt, so its direct-message room is encrypted: Alex's client would
    # decrypt the two messages; the homeserver only holds ciphertext.
    assert "m.room.encryption|" in await state_of(alex, room)
    page = ok(await alex.room_messages(room, limit=100), nio.RoomMessagesResponse)
    sent = [e.source for e in page.chunk if e.source.get("type") == "m.room.encrypted"]
    assert len(sent) == 2
    assert {e["sender"] for e in sent} == {world.bot.user_id}
    members = ok(await alex.joined_members(room), nio.JoinedMembersResponse).members
    assert {m.user_id for m in members} == {alex_ref.id, world.bot.user_id}


async def test_post_where_the_bot_is_not_is_a_final_delivery_error(world: World) -> None:
    alex, _ = await world.person()
    room = ok(await alex.room_create(name="elsewhere"), nio.RoomCreateResponse).room_id
    with pytest.raises(DeliveryError) as raised:
        await world.port.post(
            PlaceRef(platform="matrix", id=room), Reply(text="hi"), idempotency_key="x:1"
        )
    assert not raised.value.retryable


async def test_edit_pin_redact_and_own_messages(world: World) -> None:
    alex, alex_ref = await world.person()
    room = ok(
        await world.bot.room_create(name="announcements", invite=[alex_ref.id]),
        nio.RoomCreateResponse,
    ).room_id
    ok(await alex.join(room), nio.JoinResponse)
    place = PlaceRef(platform="matrix", id=room)
    sent = await world.port.post(place, Reply(text="Going: 0"), idempotency_key="n:1")

    await world.port.edit_message(sent, Reply(text="Going: 1"))
    edits = [e for e in await messages(alex, room) if "m.new_content" in e["content"]]
    assert len(edits) == 1
    assert edits[0]["content"]["m.relates_to"] == {"rel_type": "m.replace", "event_id": sent.id}
    assert edits[0]["content"]["m.new_content"]["body"] == "Going: 1"
    assert edits[0]["content"]["m.mentions"] == {}
    assert edits[0]["content"]["m.new_content"]["m.mentions"] == {}

    await world.port.pin_message(sent, pinned=True)
    await world.port.pin_message(sent, pinned=True)  # twice: still pinned once
    pins = (await state_of(alex, room))["m.room.pinned_events|"]["content"]["pinned"]
    assert pins == [sent.id]
    await world.port.pin_message(sent, pinned=False)
    assert (await state_of(alex, room))["m.room.pinned_events|"]["content"]["pinned"] == []

    theirs = ok(
        await alex.room_send(room, "m.room.message", {"msgtype": "m.text", "body": "me"}),
        nio.RoomSendResponse,
    )
    assert await world.port.is_own_message(sent)
    assert not await world.port.is_own_message(MessageRef(place=place, id=theirs.event_id))

    await world.port.delete_message(sent)
    event = ok(await alex.room_get_event(room, sent.id), nio.RoomGetEventResponse).event
    assert isinstance(event, nio.RedactedEvent)


async def test_thread_under_a_notice_takes_replies_in_the_thread(world: World) -> None:
    alex, alex_ref = await world.person()
    room = ok(
        await world.bot.room_create(name="announcements", invite=[alex_ref.id]),
        nio.RoomCreateResponse,
    ).room_id
    ok(await alex.join(room), nio.JoinResponse)
    notice = await world.port.post(
        PlaceRef(platform="matrix", id=room), Reply(text="Meeting"), idempotency_key="n:2"
    )
    thread = await world.port.open_thread_from(notice, "Minutes 2027-03-10")
    assert await world.port.is_thread(thread)
    assert thread.key == f"matrix:{room}/{notice.id}"
    minutes = await world.port.post(thread, Reply(text="We met."), idempotency_key="m:1")
    assert minutes.place == thread
    seen = {e["event_id"]: e for e in await messages(alex, room)}
    relation = seen[minutes.id]["content"]["m.relates_to"]
    assert relation["rel_type"] == "m.thread"
    assert relation["event_id"] == notice.id


# ---- a network's rooms, roles and power levels ------------------------------------------


async def test_setup_makes_a_space_with_rooms_restricted_to_its_members(world: World) -> None:
    alex, alex_ref = await world.person()
    sam, _ = await world.person()
    space, role, category, channel = await network(world)
    assert category.id == role  # the network's space is both its role and its category
    assert await world.port.role_exists(space, role)
    assert await world.port.place_exists(channel)

    ours = await state_of(world.bot, role)
    assert ours["m.room.create|"]["content"]["type"] == "m.space"
    assert ours["m.room.name|"]["content"]["name"] == "South Coast"
    assert ours["m.room.join_rules|"]["content"]["join_rule"] == "invite"
    assert f"m.space.child|{channel.id}" in ours
    assert f"m.space.child|{role}" in await state_of(world.bot, space.id)
    room = await state_of(world.bot, channel.id)
    assert room["m.room.join_rules|"]["content"] == {
        "join_rule": "restricted",
        "allow": [{"type": "m.room_membership", "room_id": role}],
    }
    assert f"m.space.parent|{role}" in room

    await world.port.set_member_role(space, alex_ref, role, present=True)
    ok(await alex.join(role), nio.JoinResponse)
    ok(await alex.join(channel.id), nio.JoinResponse)  # a member may join the network's rooms
    refused = await sam.join(channel.id)  # someone outside the network may not
    assert isinstance(refused, nio.JoinError)

    await world.port.set_member_role(space, alex_ref, role, present=False)
    assert await world.port._membership(role, alex_ref.id) == "leave"
    assert await world.port._membership(channel.id, alex_ref.id) == "leave"


async def test_read_only_channel_takes_posts_from_moderators_only(world: World) -> None:
    alex, alex_ref = await world.person()
    space, role, category, _ = await network(world)
    announcements = await world.port.create_channel(
        ChannelSpec(
            space=space,
            name="south-coast-announcements",
            category=category,
            visible_to_roles=(role,),
            read_only=True,
        )
    )
    await world.port.set_member_role(space, alex_ref, role, present=True)
    ok(await alex.join(role), nio.JoinResponse)
    ok(await alex.join(announcements.id), nio.JoinResponse)
    assert not await may_post(alex, announcements.id)

    await world.port.set_role_power(category, alex_ref, Role.COORDINATOR)
    assert await may_post(alex, announcements.id)


async def test_coordinator_is_a_moderator_in_every_room_of_the_network(world: World) -> None:
    _, alex_ref = await world.person()
    _, role, category, channel = await network(world)
    reflection = await world.port.open_private_thread(channel, "Co-reflection")

    await world.port.set_role_power(category, alex_ref, Role.COORDINATOR)
    for room in (role, channel.id):
        levels = (await state_of(world.bot, room))["m.room.power_levels|"]["content"]
        assert levels["users"].get(alex_ref.id) == power.MODERATOR
        assert world.bot.user_id not in levels["users"]  # a version 12 creator is never listed
    # Co-reflection is among peers: a coordinator gets no power in its private rooms.
    private = (await state_of(world.bot, reflection.id))["m.room.power_levels|"]["content"]
    assert alex_ref.id not in private["users"]

    await world.port.set_role_power(category, alex_ref, Role.MEMBER)
    for room in (role, channel.id):
        levels = (await state_of(world.bot, room))["m.room.power_levels|"]["content"]
        assert alex_ref.id not in levels["users"]


async def test_lock_and_unlock_a_room(world: World) -> None:
    alex, alex_ref = await world.person()
    room = ok(
        await world.bot.room_create(name="general", invite=[alex_ref.id]),
        nio.RoomCreateResponse,
    ).room_id
    ok(await alex.join(room), nio.JoinResponse)
    place = PlaceRef(platform="matrix", id=room)

    await world.port.lock_channel(place, locked=True)
    assert not await may_post(alex, room)
    await world.port.lock_channel(place, locked=False)
    assert await may_post(alex, room)


async def test_room_version_12_creator_handling_and_older_rooms(world: World) -> None:
    """Synapse 1.163 creates version 12 rooms: the bot, their creator, has no entry in the
    power levels (nio would say 0) yet may do everything. In a version 10 room the bot is
    listed at 100 and must stay listed when peerbot changes power levels."""
    _, alex_ref = await world.person()
    new = ok(await world.bot.room_create(name="new"), nio.RoomCreateResponse).room_id
    state = await state_of(world.bot, new)
    assert state["m.room.create|"]["content"]["room_version"] == "12"
    assert world.bot.user_id not in state["m.room.power_levels|"]["content"].get("users", {})
    powers = await world.port._powers(new)
    assert power.user_level(powers, world.bot.user_id) == math.inf

    old = ok(
        await world.bot.room_create(name="old", room_version="10", invite=[alex_ref.id]),
        nio.RoomCreateResponse,
    ).room_id
    place = PlaceRef(platform="matrix", id=old)
    await world.port.lock_channel(place, locked=True)
    await world.port.set_role_power(place, alex_ref, Role.COORDINATOR)
    levels = (await state_of(world.bot, old))["m.room.power_levels|"]["content"]
    assert levels["users"] == {world.bot.user_id: 100, alex_ref.id: 50}
    assert levels["events_default"] == 50


async def test_changing_power_without_the_power_to_names_what_to_grant(world: World) -> None:
    alex, _ = await world.person()
    room = ok(
        await alex.room_create(name="theirs", invite=[world.bot.user_id]), nio.RoomCreateResponse
    ).room_id
    ok(await world.bot.join(room), nio.JoinResponse)
    with pytest.raises(MatrixMissingPermission) as raised:
        await world.port.lock_channel(PlaceRef(platform="matrix", id=room), locked=True)
    assert "power level" in str(raised.value)


async def test_matrix_has_no_slow_mode_nor_calendar(world: World) -> None:
    place = PlaceRef(platform="matrix", id="!nowhere:peerbot.test")
    with pytest.raises(UserError, match="no slow mode"):
        await world.port.set_slowmode(place, 30)


# ---- private threads (co-reflection rooms) ----------------------------------------------


async def test_private_room_in_the_space_invite_only_with_retention(world: World) -> None:
    alex, alex_ref = await world.person()
    sam, _ = await world.person()
    _, role, _, channel = await network(world)

    thread = await world.port.open_private_thread(channel, "Co-reflection: Gibbs' cycle")
    assert await world.port.is_thread(thread)
    assert not await world.port.is_thread(channel)
    state = await state_of(world.bot, thread.id)
    assert state["m.room.join_rules|"]["content"] == {"join_rule": "invite"}
    assert state["m.room.history_visibility|"]["content"] == {"history_visibility": "shared"}
    assert state["m.room.retention|"]["content"] == {"max_lifetime": RETENTION_DAYS * rooms.DAY_MS}
    assert state["m.room.name|"]["content"]["name"] == "Co-reflection: Gibbs' cycle"
    assert "m.room.encryption|" not in state
    assert f"m.space.parent|{role}" in state
    assert f"m.space.child|{thread.id}" in await state_of(world.bot, role)

    opening = await world.port.post(
        thread, Reply(text="What? So what? Now what?"), idempotency_key="reflection:1:prompts"
    )
    assert isinstance(await alex.join(thread.id), nio.JoinError)  # not before consenting
    await world.port.add_to_thread(thread, alex_ref)
    await world.port.add_to_thread(thread, alex_ref)  # twice is fine
    ok(await alex.join(thread.id), nio.JoinResponse)
    assert isinstance(await sam.join(thread.id), nio.JoinError)
    assert await may_post(alex, thread.id)
    # Alex joined after the prompts were posted, and still reads them.
    assert opening.id in [e["event_id"] for e in await messages(alex, thread.id)]


async def test_set_role_access_lets_a_new_role_in_read_only(world: World) -> None:
    alex, alex_ref = await world.person()
    space, _, category, _ = await network(world)
    plain = await world.port.create_channel(
        ChannelSpec(space=space, name="open-to-the-space", category=category)
    )
    new_role = await world.port.create_role(space, "South Coast member (new)")
    await world.port.set_role_access(plain, space, new_role, read_only=True)
    state = await state_of(world.bot, plain.id)
    allowed = [a["room_id"] for a in state["m.room.join_rules|"]["content"]["allow"]]
    assert allowed == [category.id, new_role]
    assert state["m.room.power_levels|"]["content"]["events_default"] == power.MODERATOR

    await world.port.set_member_role(space, alex_ref, new_role, present=True)
    ok(await alex.join(new_role), nio.JoinResponse)
    ok(await alex.join(plain.id), nio.JoinResponse)
    assert not await may_post(alex, plain.id)


async def test_archive_makes_the_room_read_only_then_delete_empties_it(world: World) -> None:
    alex, alex_ref = await world.person()
    space, role, _, channel = await network(world)
    thread = await world.port.open_private_thread(channel, "Co-reflection")
    await world.port.add_to_thread(thread, alex_ref)
    ok(await alex.join(thread.id), nio.JoinResponse)
    said = await world.port.post(thread, Reply(text="From Alex: hard week"), idempotency_key="r:1")

    await world.port.archive_thread(thread, lock=True)
    assert not await may_post(alex, thread.id)
    levels = (await state_of(alex, thread.id))["m.room.power_levels|"]["content"]
    assert world.bot.user_id not in levels["users"]  # version 12: the creator is not listed
    assert levels["events_default"] > levels.get("users_default", 0)
    thanks = await world.port.post(thread, Reply(text="Closed"), idempotency_key="r:2")
    assert thanks.id  # the bot still posts in the archived room

    await world.port.delete_thread(thread)
    event = ok(await alex.room_get_event(thread.id, said.id), nio.RoomGetEventResponse).event
    assert isinstance(event, nio.RedactedEvent)
    removed = (await state_of(alex, thread.id))[f"m.room.member|{alex_ref.id}"]["content"]
    assert removed["membership"] == "leave"  # removed by the bot
    assert not await world.port.place_exists(thread)
    link = (await state_of(world.bot, role))[f"m.space.child|{thread.id}"]
    assert link["content"] == {}  # no longer listed in the network's space
    await world.port.set_role_power(PlaceRef(platform="matrix", id=role), alex_ref, Role.MEMBER)
    await world.port.set_member_role(space, alex_ref, role, present=False)  # skips the room
    await world.port.delete_thread(thread)  # already gone: fine


async def test_only_private_rooms_are_deleted(world: World) -> None:
    _, _, _, channel = await network(world)
    with pytest.raises(UserError, match="only the private rooms"):
        await world.port.delete_thread(channel)


async def test_private_room_can_be_encrypted(world: World) -> None:
    """With ``encrypt_private_rooms`` the room is end-to-end encrypted from its first event,
    and the bot's prompts go out as ciphertext."""
    alex, alex_ref = await world.person()
    _, _, _, channel = await network(world)
    world.port.encrypt_private_rooms = True
    thread = await world.port.open_private_thread(channel, "Co-reflection")
    state = await state_of(world.bot, thread.id)
    assert state["m.room.encryption|"]["content"]["algorithm"] == "m.megolm.v1.aes-sha2"
    sent = await world.port.post(thread, Reply(text="Prompts"), idempotency_key="r:enc")
    await world.port.add_to_thread(thread, alex_ref)
    ok(await alex.join(thread.id), nio.JoinResponse)
    page = ok(await alex.room_messages(thread.id, limit=100), nio.RoomMessagesResponse)
    types = {e.source["event_id"]: e.source["type"] for e in page.chunk}
    assert types[sent.id] == "m.room.encrypted"  # the homeserver holds only ciphertext
