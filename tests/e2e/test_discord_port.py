"""DiscordPort end to end: the real discord.py client on the fake Discord, checking the exact
requests the port makes (method, path, JSON body) and what the fake holds afterwards."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import discord
import pytest

from bot.identity import MessageRef, PlaceRef, UserRef
from bot.platforms.discord.port import DiscordPort, nonce_for
from bot.ports import ChannelSpec, DeliveryError, EventSpec, MissingPermission, ThreadViewers
from bot.replies import ActionRef, Button, ButtonStyle, Card, CardField, Reply
from tests.e2e.fakediscord import FakeDiscord, Json, running

VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_THREADS = 1 << 34
ROLE, MEMBER = 0, 1  # permission overwrite types
CATEGORY, TEXT, PRIVATE_THREAD = 4, 0, 12  # channel types
EXTERNAL, GUILD_ONLY = 3, 2  # scheduled event entity type and privacy level
MESSAGES = "/channels/{channel_id}/messages"

START = datetime(2027, 3, 10, 18, 0, tzinfo=UTC)
END = datetime(2027, 3, 10, 19, 30, tzinfo=UTC)


# ---- fixtures and helpers -------------------------------------------------------------------


@pytest.fixture
def peer_role(fake_discord: FakeDiscord) -> int:
    """A "peer workers" role that bob has and carol has not, made before the bot connects."""
    role_id = int(fake_discord.add_role("peer workers")["id"])
    bob = fake_discord.state.member(fake_discord.guild_id, fake_discord.user_id("bob"))
    bob["roles"].append(str(role_id))
    return role_id


@pytest.fixture
async def port(fake_discord: FakeDiscord, peer_role: int) -> AsyncIterator[DiscordPort]:
    intents = discord.Intents.none()
    intents.guilds = True
    intents.members = True
    client = discord.Client(intents=intents, guild_ready_timeout=0.05)
    fake_discord.check_pings = True  # the port alone, without the client's default, pings nobody
    async with running(client, fake_discord):
        yield DiscordPort(client)


def place(channel_id: int | str) -> PlaceRef:
    return PlaceRef(platform="discord", id=str(channel_id))


def space(fake: FakeDiscord) -> PlaceRef:
    return place(fake.guild_id)


def person(fake: FakeDiscord, name: str) -> UserRef:
    return UserRef(platform="discord", id=str(fake.user_id(name)))


def overwrites(channel: Json) -> dict[int, tuple[int, int, int]]:
    """permission_overwrites (of a request body or a stored channel) as id -> (type, allow,
    deny), all numbers, whether Discord's JSON has them as strings or integers."""
    return {
        int(o["id"]): (int(o["type"]), int(o["allow"]), int(o["deny"]))
        for o in channel["permission_overwrites"]
    }


def grants(overwrite: tuple[int, int, int]) -> tuple[int, int]:
    """(allow, deny) of an overwrite, whatever its type."""
    return overwrite[1], overwrite[2]


def can(fake: FakeDiscord, name: str, channel_id: int, permission: int) -> bool:
    """Whether ``name`` has ``permission`` in the channel, by Discord's algorithm."""
    perms = fake.state.permissions_for(fake.guild_id, fake.user_id(name), channel_id)
    return bool(perms & permission)


def event_spec(fake: FakeDiscord, **changes: Any) -> EventSpec:
    fields: dict[str, Any] = {
        "space": space(fake),
        "name": "Monthly peer supervision",
        "start": START,
        "end": END,
        "description": "Bring a case to reflect on.",
        "location": "Community Hall, Wollongong",
    }
    fields.update(changes)
    return EventSpec(**fields)


# ---- post ----------------------------------------------------------------------------------


async def test_post_sends_cards_and_buttons_with_a_nonce_from_the_key(
    port: DiscordPort, fake_discord: FakeDiscord
) -> None:
    channel = fake_discord.channel_id("meetings")
    reply = Reply(
        text="Plain equivalent, not shown when there are cards",
        cards=[
            Card(
                title="Peer supervision",
                description="Tuesday 6 pm",
                fields=[CardField(name="Where", value="Community Hall", inline=True)],
            )
        ],
        buttons=[
            Button(
                label="I'll be there",
                action=ActionRef(action="meeting.rsvp", payload="42"),
                style=ButtonStyle.PRIMARY,
            )
        ],
    )

    ref = await port.post(place(channel), reply, idempotency_key="meeting:42:announce")

    sent = await fake_discord.wait_for_request("POST", f"/channels/{channel}/messages")
    body = sent.json
    assert body["content"] is None
    [embed] = body["embeds"]
    assert (embed["title"], embed["description"]) == ("Peer supervision", "Tuesday 6 pm")
    assert embed["fields"] == [{"name": "Where", "value": "Community Hall", "inline": True}]
    [row] = body["components"]
    assert row["type"] == 1
    [button] = row["components"]
    assert button["type"] == 2 and button["style"] == 1 and button["label"] == "I'll be there"
    assert button["custom_id"] == "pb:b:meeting.rsvp|42"
    # A fixed function of the key, the same in every process, so a repeat after a restart
    # carries the same nonce; at most 25 characters, as Discord requires.
    assert body["nonce"] == str(nonce_for("meeting:42:announce")) == "1723166761597427892"
    assert body["enforce_nonce"] is True
    assert len(body["nonce"]) <= 25

    [stored] = fake_discord.messages_in(channel)
    assert ref == MessageRef(place=place(channel), id=stored["id"])
    assert stored["components"][0]["components"][0]["custom_id"] == "pb:b:meeting.rsvp|42"
    assert stored["embeds"][0]["title"] == "Peer supervision"


async def test_the_same_key_twice_gives_one_message(
    port: DiscordPort, fake_discord: FakeDiscord
) -> None:
    channel = fake_discord.channel_id("meetings")
    reply = Reply(text="The network meets on 10 March.")

    first = await port.post(place(channel), reply, idempotency_key="meeting:1:announce")
    again = await port.post(place(channel), reply, idempotency_key="meeting:1:announce")
    other = await port.post(place(channel), reply, idempotency_key="meeting:2:announce")

    requests = [await fake_discord.wait_for_request("POST", MESSAGES) for _ in range(3)]
    nonces = [r.json["nonce"] for r in requests]
    assert nonces[0] == nonces[1] != nonces[2]
    assert first == again != other
    stored = fake_discord.messages_in(channel)
    assert [m["id"] for m in stored] == [first.id, other.id]


async def test_long_text_is_split_into_messages_in_order(
    port: DiscordPort, fake_discord: FakeDiscord
) -> None:
    channel = fake_discord.channel_id("reflection")
    paragraphs = [f"Paragraph {n}: " + "words " * 150 for n in range(1, 5)]  # ~910 chars each
    text = "\n\n".join(p.strip() for p in paragraphs)
    assert len(text) > 3000

    ref = await port.post(place(channel), Reply(text=text), idempotency_key="digest:1")

    stored = fake_discord.messages_in(channel)
    contents = [m["content"] for m in stored]
    assert len(contents) == 2
    assert all(len(c) <= 2000 for c in contents)
    assert "\n\n".join(contents) == text  # cut between paragraphs, nothing lost or reordered
    assert ref.id == stored[0]["id"]
    requests = fake_discord.requests_matching("POST", f"/channels/{channel}/messages")
    assert [r.json["content"] for r in requests] == contents


async def test_a_repeated_long_text_is_not_posted_twice(
    port: DiscordPort, fake_discord: FakeDiscord
) -> None:
    channel = fake_discord.channel_id("reflection")
    text = "\n\n".join(f"Paragraph {n}: " + "words " * 150 for n in range(1, 5))

    first = await port.post(place(channel), Reply(text=text), idempotency_key="digest:1")
    count = len(fake_discord.messages_in(channel))
    again = await port.post(place(channel), Reply(text=text), idempotency_key="digest:1")

    assert first == again
    assert len(fake_discord.messages_in(channel)) == count == 2


# ---- private messages ----------------------------------------------------------------------


async def test_send_private_opens_a_dm_and_posts_there(
    port: DiscordPort, fake_discord: FakeDiscord
) -> None:
    bob = fake_discord.user_id("bob")

    ref = await port.send_private(
        person(fake_discord, "bob"),
        Reply(text="How are you going this week?"),
        idempotency_key="checkin:bob:1",
    )

    opened = await fake_discord.wait_for_request("POST", "/users/@me/channels")
    assert int(opened.json["recipient_id"]) == bob
    dm = fake_discord.state.dm_by_user[bob]
    sent = await fake_discord.wait_for_request("POST", f"/channels/{dm}/messages")
    assert sent.json["content"] == "How are you going this week?"
    assert sent.json["nonce"] == str(nonce_for("checkin:bob:1"))
    assert sent.json["enforce_nonce"] is True
    [stored] = fake_discord.messages_in(dm)
    assert ref == MessageRef(place=place(dm), id=stored["id"])


# ---- editing and deleting ------------------------------------------------------------------


async def test_edit_then_delete_a_posted_message(
    port: DiscordPort, fake_discord: FakeDiscord
) -> None:
    channel = fake_discord.channel_id("meetings")
    ref = await port.post(
        place(channel),
        Reply(
            text="Peer supervision is on Tuesday.",
            buttons=[Button(label="RSVP", action=ActionRef(action="meeting.rsvp", payload="7"))],
        ),
        idempotency_key="meeting:7:announce",
    )
    path = f"/channels/{channel}/messages/{ref.id}"

    await port.edit_message(ref, Reply(cards=[Card(title="Moved to Wednesday")]))

    edit = await fake_discord.wait_for_request("PATCH", path)
    assert edit.json["content"] is None
    assert [e["title"] for e in edit.json["embeds"]] == ["Moved to Wednesday"]
    assert edit.json["components"] == []  # the new reply has no buttons: they go
    [stored] = fake_discord.messages_in(channel)
    assert stored["id"] == ref.id
    assert stored["embeds"][0]["title"] == "Moved to Wednesday"
    assert stored["components"] == []
    assert stored["edited_timestamp"] is not None

    await port.delete_message(ref)

    deleted = await fake_discord.wait_for_request("DELETE", path)
    assert deleted.status == 204
    assert fake_discord.messages_in(channel) == []


# ---- threads -------------------------------------------------------------------------------


async def test_open_private_thread_is_private_not_invitable_and_clipped(
    port: DiscordPort, fake_discord: FakeDiscord
) -> None:
    channel = fake_discord.channel_id("reflection")
    name = "Debrief: " + "x" * 150

    thread = await port.open_private_thread(place(channel), name)

    created = await fake_discord.wait_for_request("POST", f"/channels/{channel}/threads")
    assert created.json["type"] == PRIVATE_THREAD
    assert created.json["invitable"] is False
    assert created.json["name"] == name[:100]
    stored = fake_discord.state.channel(int(thread.id))
    assert thread == PlaceRef(platform="discord", id=stored["id"], name=name[:100])
    assert stored["type"] == PRIVATE_THREAD
    assert stored["parent_id"] == str(channel)
    assert stored["thread_metadata"]["invitable"] is False
    # Discord's longest: a week without a message before it archives itself.
    assert created.json["auto_archive_duration"] == 10080
    assert stored["thread_metadata"]["auto_archive_duration"] == 10080


def fake_time(fake: FakeDiscord, start: datetime) -> list[datetime]:
    """The fake's clock, as a one-item list a test moves forward."""
    now = [start]
    fake.state.clock = lambda: now[0]
    return now


async def test_adding_someone_to_a_thread_that_archived_itself_unarchives_it_first(
    port: DiscordPort, fake_discord: FakeDiscord
) -> None:
    """A week and a day without a message: Discord archived the thread (and discord.py forgot
    it); adding someone would fail with 50083, so the port unarchives it, then adds."""
    fake = fake_discord
    now = fake_time(fake, START)
    thread = await port.open_private_thread(place(fake.channel_id("reflection")), "Debrief")
    now[0] += timedelta(days=8)
    told = asyncio.ensure_future(port.client.wait_for("thread_update", timeout=5))
    assert [t["id"] for t in await fake.archive_idle_threads()] == [thread.id]
    await told
    assert port.client.get_channel(int(thread.id)) is None  # discord.py forgets it

    await port.add_to_thread(thread, person(fake, "bob"))

    unarchived = await fake.wait_for_request("PATCH", f"/channels/{thread.id}")
    assert unarchived.json == {"archived": False}
    bob = fake.user_id("bob")
    [added] = fake.requests_matching("PUT", f"/channels/{thread.id}/thread-members/{bob}")
    assert added.status == 204
    assert fake.state.channel(int(thread.id))["thread_metadata"]["archived"] is False


async def test_adding_someone_to_a_thread_the_cache_thinks_active_still_works(
    port: DiscordPort, fake_discord: FakeDiscord
) -> None:
    """The thread archived itself but THREAD_UPDATE has not reached discord.py yet: the add is
    refused with 50083, and the port unarchives and adds again."""
    fake = fake_discord
    now = fake_time(fake, START)
    thread = await port.open_private_thread(place(fake.channel_id("reflection")), "Debrief")
    now[0] += timedelta(days=8)  # archived when the fake is next asked anything

    await port.add_to_thread(thread, person(fake, "bob"))

    bob = fake.user_id("bob")
    tries = fake.requests_matching("PUT", f"/channels/{thread.id}/thread-members/{bob}")
    assert [t.status for t in tries] == [400, 204]
    assert tries[0].response["code"] == 50083
    assert bob in fake.state.thread_members[int(thread.id)]


async def test_archiving_and_locking_a_thread_that_archived_itself(
    port: DiscordPort, fake_discord: FakeDiscord
) -> None:
    fake = fake_discord
    now = fake_time(fake, START)
    thread = await port.open_private_thread(place(fake.channel_id("reflection")), "Debrief")
    now[0] += timedelta(days=8)
    told = asyncio.ensure_future(port.client.wait_for("thread_update", timeout=5))
    await fake.archive_idle_threads()
    await told

    await port.archive_thread(thread)

    edits = [r.json for r in fake.requests_matching("PATCH", f"/channels/{thread.id}")]
    assert edits == [{"archived": False}, {"archived": True, "locked": True}]
    metadata = fake.state.channel(int(thread.id))["thread_metadata"]
    assert metadata["archived"] is True and metadata["locked"] is True
    await port.archive_thread(thread)  # already archived and locked: nothing to do
    assert len(fake.requests_matching("PATCH", f"/channels/{thread.id}")) == 2


async def test_keeping_a_thread_active_unarchives_it_and_says_when_a_person_last_wrote(
    port: DiscordPort, fake_discord: FakeDiscord
) -> None:
    fake = fake_discord
    now = fake_time(fake, START)
    thread = await port.open_private_thread(place(fake.channel_id("reflection")), "Debrief")
    assert await port.keep_thread_active(thread) is None  # nobody has written yet
    now[0] += timedelta(hours=1)
    fake.member_posts("bob", int(thread.id), "typed straight into the thread")
    written = now[0]
    now[0] += timedelta(hours=1)
    await port.post(thread, Reply(text="From someone: a post"), idempotency_key="k1")
    now[0] += timedelta(days=8)
    await fake.archive_idle_threads()

    last = await port.keep_thread_active(thread)

    assert last is not None and abs(last - written) < timedelta(seconds=1)  # not peerbot's
    assert fake.requests_matching("PATCH", f"/channels/{thread.id}")[-1].json == {"archived": False}
    assert fake.state.channel(int(thread.id))["thread_metadata"]["archived"] is False

    await port.archive_thread(thread)  # closed: locked threads stay archived
    await port.keep_thread_active(thread)
    assert fake.state.channel(int(thread.id))["thread_metadata"]["archived"] is True


async def test_add_to_thread_then_archive_and_lock_it(
    port: DiscordPort, fake_discord: FakeDiscord
) -> None:
    channel = fake_discord.channel_id("reflection")
    bob = fake_discord.user_id("bob")
    thread = await port.open_private_thread(place(channel), "Debrief")

    await port.add_to_thread(thread, person(fake_discord, "bob"))

    added = await fake_discord.wait_for_request(
        "PUT", f"/channels/{thread.id}/thread-members/{bob}"
    )
    assert added.status == 204
    assert bob in fake_discord.state.thread_members[int(thread.id)]

    await port.archive_thread(thread)

    archived = await fake_discord.wait_for_request("PATCH", f"/channels/{thread.id}")
    assert archived.json == {"archived": True, "locked": True}
    metadata = fake_discord.state.channel(int(thread.id))["thread_metadata"]
    assert metadata["archived"] is True and metadata["locked"] is True


async def test_archive_thread_without_lock_leaves_it_unlocked(
    port: DiscordPort, fake_discord: FakeDiscord
) -> None:
    thread = await port.open_private_thread(place(fake_discord.channel_id("general")), "Chat")

    await port.archive_thread(thread, lock=False)

    archived = await fake_discord.wait_for_request("PATCH", f"/channels/{thread.id}")
    assert archived.json == {"archived": True, "locked": False}
    metadata = fake_discord.state.channel(int(thread.id))["thread_metadata"]
    assert metadata["archived"] is True and metadata["locked"] is False


# ---- who can see private threads -----------------------------------------------------------

ADMINISTRATOR = 1 << 3


async def viewers_world(fake: FakeDiscord) -> tuple[discord.Client, dict[str, int]]:
    """Before the bot connects: roles Admins (Administrator), Mods (Manage Threads on the
    server), Helpers (Manage Threads only by an overwrite in #reflection), Quiet (Manage
    Threads on the server, denied in #reflection), and carol with Manage Threads by an
    overwrite of her own."""
    reflection = fake.channel("reflection")
    roles = {
        "Admins": fake.add_role("Admins", permissions=ADMINISTRATOR),
        "Mods": fake.add_role("Mods", permissions=MANAGE_THREADS),
        "Helpers": fake.add_role("Helpers"),
        "Quiet": fake.add_role("Quiet", permissions=MANAGE_THREADS),
    }
    ids = {name: int(role["id"]) for name, role in roles.items()}
    carol = fake.user_id("carol")
    reflection["permission_overwrites"] = [
        {"id": str(ids["Helpers"]), "type": ROLE, "allow": str(MANAGE_THREADS), "deny": "0"},
        {"id": str(ids["Quiet"]), "type": ROLE, "allow": "0", "deny": str(MANAGE_THREADS)},
        {"id": str(carol), "type": MEMBER, "allow": str(MANAGE_THREADS), "deny": "0"},
    ]
    intents = discord.Intents.none()
    intents.guilds = True
    intents.members = True
    return discord.Client(intents=intents, guild_ready_timeout=0.05), ids


async def test_thread_viewers_name_the_roles_as_discord_computes_them(
    fake_discord: FakeDiscord,
) -> None:
    fake = fake_discord
    client, _ = await viewers_world(fake)
    async with running(client, fake):
        viewers = await DiscordPort(client).thread_viewers(place(fake.channel_id("reflection")))
    assert viewers == ThreadViewers(
        owner=str(fake.state.owner["id"]),
        admin_roles=("Admins",),
        thread_roles=("Helpers", "Mods"),
        people=(str(fake.user_id("carol")),),
    )


async def test_restricting_denies_manage_threads_to_all_but_peerbot_and_says_what_is_left(
    fake_discord: FakeDiscord,
) -> None:
    fake = fake_discord
    client, ids = await viewers_world(fake)
    reflection = fake.channel_id("reflection")
    async with running(client, fake):
        port = DiscordPort(client)
        left = await port.restrict_thread_viewers(place(reflection))
        thread = await port.open_private_thread(place(reflection), "Debrief")
        await port.archive_thread(thread)  # peerbot can still archive and lock
    assert left == ThreadViewers(owner=str(fake.state.owner["id"]), admin_roles=("Admins",))
    stored = overwrites(fake.state.channel(reflection))
    for name in ("Mods", "Helpers", "Quiet"):
        assert stored[ids[name]][2] & MANAGE_THREADS, name
        assert not stored[ids[name]][1] & MANAGE_THREADS, name
    assert stored[fake.user_id("carol")][2] & MANAGE_THREADS
    assert ids["Admins"] not in stored  # an overwrite cannot take Administrator away
    guild = fake.guild_id
    for user in ("bob", "carol"):
        assert not fake.state.permissions_for(guild, fake.user_id(user), reflection) & (
            MANAGE_THREADS
        )
    assert fake.state.permissions_for(guild, fake.bot_id, reflection) & MANAGE_THREADS


# ---- categories and channels ---------------------------------------------------------------


async def test_create_category_visible_to_a_role(
    port: DiscordPort, fake_discord: FakeDiscord, peer_role: int
) -> None:
    guild_id = fake_discord.guild_id

    category = await port.create_category(space(fake_discord), "Peer Workers", (str(peer_role),))

    created = await fake_discord.wait_for_request("POST", f"/guilds/{guild_id}/channels")
    assert created.json["type"] == CATEGORY
    assert created.json["name"] == "Peer Workers"
    sent = overwrites(created.json)
    assert sent.keys() == {guild_id, peer_role, fake_discord.bot_id}
    assert sent[guild_id] == (ROLE, 0, VIEW_CHANNEL)  # @everyone's role id is the guild id
    assert grants(sent[peer_role]) == (VIEW_CHANNEL, 0)  # read_only is False: may send
    assert sent[fake_discord.bot_id] == (MEMBER, VIEW_CHANNEL | SEND_MESSAGES | MANAGE_THREADS, 0)
    stored = fake_discord.state.channel(int(category.id))
    assert category == PlaceRef(platform="discord", id=stored["id"], name="Peer Workers")
    assert stored["type"] == CATEGORY
    assert not can(fake_discord, "carol", int(category.id), VIEW_CHANNEL)


async def test_create_read_only_channel_in_a_category_visible_to_a_role(
    port: DiscordPort, fake_discord: FakeDiscord, peer_role: int
) -> None:
    guild_id = fake_discord.guild_id
    category = await port.create_category(space(fake_discord), "Peer Workers", (str(peer_role),))
    spec = ChannelSpec(
        space=space(fake_discord),
        name="announcements",
        topic="News for peer workers",
        category=category,
        visible_to_roles=(str(peer_role),),
        read_only=True,
    )

    channel = await port.create_channel(spec)

    await fake_discord.wait_for_request("POST", f"/guilds/{guild_id}/channels")  # the category
    created = await fake_discord.wait_for_request("POST", f"/guilds/{guild_id}/channels")
    body = created.json
    assert body["type"] == TEXT
    assert body["name"] == "announcements"
    assert body["topic"] == "News for peer workers"
    assert str(body["parent_id"]) == category.id
    sent = overwrites(body)
    assert sent.keys() == {guild_id, peer_role, fake_discord.bot_id}
    assert sent[guild_id] == (ROLE, 0, VIEW_CHANNEL)
    assert grants(sent[peer_role]) == (VIEW_CHANNEL, SEND_MESSAGES)
    assert sent[fake_discord.bot_id] == (MEMBER, VIEW_CHANNEL | SEND_MESSAGES | MANAGE_THREADS, 0)
    stored = fake_discord.state.channel(int(channel.id))
    assert channel == PlaceRef(platform="discord", id=stored["id"], name="announcements")
    assert stored["parent_id"] == category.id
    assert not can(fake_discord, "carol", int(channel.id), VIEW_CHANNEL)


async def test_read_only_channel_for_everyone_denies_sending_to_everyone(
    port: DiscordPort, fake_discord: FakeDiscord
) -> None:
    guild_id = fake_discord.guild_id
    spec = ChannelSpec(space=space(fake_discord), name="notices", read_only=True)

    channel = await port.create_channel(spec)

    created = await fake_discord.wait_for_request("POST", f"/guilds/{guild_id}/channels")
    assert created.json.get("parent_id") is None  # no category
    assert created.json.get("topic") is None
    sent = overwrites(created.json)
    assert sent.keys() == {guild_id, fake_discord.bot_id}
    assert sent[guild_id] == (ROLE, 0, SEND_MESSAGES)
    assert can(fake_discord, "carol", int(channel.id), VIEW_CHANNEL)
    assert not can(fake_discord, "carol", int(channel.id), SEND_MESSAGES)


async def test_the_visible_role_gets_a_role_overwrite_and_can_see_the_channel(
    port: DiscordPort, fake_discord: FakeDiscord, peer_role: int
) -> None:
    spec = ChannelSpec(
        space=space(fake_discord),
        name="announcements",
        visible_to_roles=(str(peer_role),),
        read_only=True,
    )

    channel = await port.create_channel(spec)

    created = await fake_discord.wait_for_request(
        "POST", f"/guilds/{fake_discord.guild_id}/channels"
    )
    assert overwrites(created.json)[peer_role] == (ROLE, VIEW_CHANNEL, SEND_MESSAGES)
    assert can(fake_discord, "bob", int(channel.id), VIEW_CHANNEL)  # bob has the role
    assert not can(fake_discord, "bob", int(channel.id), SEND_MESSAGES)


# ---- locking channels ----------------------------------------------------------------------


async def test_lock_then_unlock_a_channel(port: DiscordPort, fake_discord: FakeDiscord) -> None:
    guild_id = fake_discord.guild_id
    channel = fake_discord.channel_id("general")
    path = f"/channels/{channel}/permissions/{guild_id}"

    await port.lock_channel(place(channel), locked=True)

    locked = await fake_discord.wait_for_request("PUT", path)
    assert locked.json["type"] == ROLE
    assert (int(locked.json["allow"]), int(locked.json["deny"])) == (0, SEND_MESSAGES)
    assert overwrites(fake_discord.state.channel(channel))[guild_id] == (ROLE, 0, SEND_MESSAGES)
    assert not can(fake_discord, "carol", channel, SEND_MESSAGES)

    await port.lock_channel(place(channel), locked=False)

    unlocked = await fake_discord.wait_for_request("PUT", path)
    assert (int(unlocked.json["allow"]), int(unlocked.json["deny"])) == (0, 0)
    assert can(fake_discord, "carol", channel, SEND_MESSAGES)


async def test_locking_a_private_channel_keeps_it_private(
    port: DiscordPort, fake_discord: FakeDiscord, peer_role: int
) -> None:
    spec = ChannelSpec(
        space=space(fake_discord), name="debriefs", visible_to_roles=(str(peer_role),)
    )
    channel = await port.create_channel(spec)
    assert not can(fake_discord, "carol", int(channel.id), VIEW_CHANNEL)

    await port.lock_channel(channel, locked=True)

    locked = await fake_discord.wait_for_request(
        "PUT", f"/channels/{channel.id}/permissions/{fake_discord.guild_id}"
    )
    assert (int(locked.json["allow"]), int(locked.json["deny"])) == (
        0,
        VIEW_CHANNEL | SEND_MESSAGES,
    )
    assert not can(fake_discord, "carol", int(channel.id), VIEW_CHANNEL)


# ---- scheduled events ----------------------------------------------------------------------


async def test_create_update_and_delete_an_event(
    port: DiscordPort, fake_discord: FakeDiscord
) -> None:
    guild_id = fake_discord.guild_id
    events = fake_discord.guild.scheduled_events

    event_id = await port.create_event(event_spec(fake_discord))

    created = await fake_discord.wait_for_request("POST", f"/guilds/{guild_id}/scheduled-events")
    assert created.json == {
        "name": "Monthly peer supervision",
        "description": "Bring a case to reflect on.",
        "scheduled_start_time": "2027-03-10T18:00:00+00:00",
        "scheduled_end_time": "2027-03-10T19:30:00+00:00",
        "entity_type": EXTERNAL,
        "privacy_level": GUILD_ONLY,
        "entity_metadata": {"location": "Community Hall, Wollongong"},
    }
    assert isinstance(event_id, str)
    assert event_id == created.response["id"]
    assert events[int(event_id)]["name"] == "Monthly peer supervision"

    moved = event_spec(
        fake_discord,
        name="Peer supervision (moved)",
        start=START.replace(day=17),
        end=END.replace(day=17),
        location="",
    )
    await port.update_event(space(fake_discord), event_id, moved)

    path = f"/guilds/{guild_id}/scheduled-events/{event_id}"
    updated = await fake_discord.wait_for_request("PATCH", path)
    assert updated.json["name"] == "Peer supervision (moved)"
    assert updated.json["scheduled_start_time"] == "2027-03-17T18:00:00+00:00"
    assert updated.json["scheduled_end_time"] == "2027-03-17T19:30:00+00:00"
    assert updated.json["entity_metadata"] == {"location": "To be announced"}
    stored = events[int(event_id)]
    assert stored["name"] == "Peer supervision (moved)"
    assert stored["scheduled_start_time"] == "2027-03-17T18:00:00+00:00"
    assert stored["entity_type"] == EXTERNAL

    await port.delete_event(space(fake_discord), event_id)

    deleted = await fake_discord.wait_for_request("DELETE", path)
    assert deleted.status == 204
    assert events == {}


async def test_create_event_without_a_location_says_to_be_announced(
    port: DiscordPort, fake_discord: FakeDiscord
) -> None:
    name = "A" * 120
    await port.create_event(event_spec(fake_discord, name=name, location=""))

    created = await fake_discord.wait_for_request(
        "POST", f"/guilds/{fake_discord.guild_id}/scheduled-events"
    )
    assert created.json["name"] == name[:100]
    assert created.json["entity_metadata"] == {"location": "To be announced"}


# ---- errors --------------------------------------------------------------------------------


async def test_no_permission_to_create_a_private_thread_is_named(
    port: DiscordPort, fake_discord: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.platforms.discord.port")
    channel = fake_discord.channel_id("reflection")
    fake_discord.fail_next("POST", f"/channels/{channel}/threads", status=403, code=50013)

    with pytest.raises(MissingPermission) as raised:
        await port.open_private_thread(place(channel), "Debrief")

    assert raised.value.permission == "Create Private Threads"
    assert str(raised.value).startswith("peerbot needs the Create Private Threads permission")
    assert f"<#{channel}>" in str(raised.value)
    assert "Create Private Threads" in caplog.text and "50013" in caplog.text
    assert list(fake_discord.state.guild_threads(fake_discord.guild_id)) == []


async def test_a_refused_post_is_not_retried_and_names_the_permission(
    port: DiscordPort, fake_discord: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.platforms.discord.port")
    channel = fake_discord.channel_id("meetings")
    fake_discord.fail_next("POST", f"/channels/{channel}/messages", status=403, code=50013)

    with pytest.raises(DeliveryError) as raised:
        await port.post(place(channel), Reply(text="Hello"), idempotency_key="k:403")

    assert raised.value.retryable is False
    assert "Send Messages" in str(raised.value) and "50013" in str(raised.value)
    assert "Send Messages" in caplog.text
    assert fake_discord.messages_in(channel) == []


async def test_a_discord_outage_on_post_is_retryable(
    port: DiscordPort, fake_discord: FakeDiscord
) -> None:
    channel = fake_discord.channel_id("meetings")
    fake_discord.fail_next("POST", f"/channels/{channel}/messages", status=503)

    with pytest.raises(DeliveryError) as raised:
        await port.post(place(channel), Reply(text="Hello"), idempotency_key="k:503")

    assert raised.value.retryable is True
    assert "503" in str(raised.value)
    assert len(fake_discord.requests_matching("POST", f"/channels/{channel}/messages")) == 1
    assert fake_discord.messages_in(channel) == []


async def test_posting_to_an_unknown_channel_is_not_retried(
    port: DiscordPort, fake_discord: FakeDiscord
) -> None:
    gone = 1_000_000_000_000_000_001

    with pytest.raises(DeliveryError) as raised:
        await port.post(place(gone), Reply(text="Hello"), idempotency_key="k:404")

    assert raised.value.retryable is False
    assert str(gone) in str(raised.value)
    fetched = await fake_discord.wait_for_request("GET", f"/channels/{gone}")
    assert fetched.status == 404
    assert fake_discord.requests_matching("POST", MESSAGES) == []


async def test_posting_to_a_channel_the_bot_cannot_see_is_a_delivery_error(
    port: DiscordPort, fake_discord: FakeDiscord
) -> None:
    hidden = 1_000_000_000_000_000_002  # not in the client's cache: the port fetches it
    fake_discord.fail_next("GET", f"/channels/{hidden}", status=403, code=50001)

    with pytest.raises(DeliveryError) as raised:
        await port.post(place(hidden), Reply(text="Hello"), idempotency_key="k:hidden")

    assert raised.value.retryable is False


async def test_a_dm_to_someone_who_blocks_dms_is_not_retried(
    port: DiscordPort, fake_discord: FakeDiscord
) -> None:
    bob = fake_discord.user_id("bob")
    dm = int(fake_discord.state.dm_channel_for(bob)["id"])
    fake_discord.fail_next(
        "POST",
        f"/channels/{dm}/messages",
        status=403,
        code=50007,
        message="Cannot send messages to this user",
    )

    with pytest.raises(DeliveryError) as raised:
        await port.send_private(
            person(fake_discord, "bob"), Reply(text="Hi"), idempotency_key="checkin:bob:2"
        )

    assert raised.value.retryable is False
    assert "50007" in str(raised.value)
    assert "does not accept direct messages" in str(raised.value)
    refused = await fake_discord.wait_for_request("POST", f"/channels/{dm}/messages")
    assert refused.status == 403
    assert fake_discord.messages_in(dm) == []


async def test_threads_are_told_apart_from_channels(
    port: DiscordPort, fake_discord: FakeDiscord
) -> None:
    channel = place(fake_discord.channel_id("reflection"))
    thread = await port.open_private_thread(channel, "Debrief")
    assert await port.is_thread(thread)
    assert not await port.is_thread(channel)


async def test_own_messages_are_recognised(port: DiscordPort, fake_discord: FakeDiscord) -> None:
    channel = place(fake_discord.channel_id("general"))
    ours = await port.post(channel, Reply(text="A notice."), idempotency_key="notice:1")
    assert await port.is_own_message(ours)


async def test_a_role_is_given_access_to_an_existing_channel(
    port: DiscordPort, fake_discord: FakeDiscord, peer_role: int
) -> None:
    general = fake_discord.channel_id("general")
    await port.set_role_access(place(general), space(fake_discord), str(peer_role), read_only=True)
    request = await fake_discord.wait_for_request(
        "PUT", f"/channels/{general}/permissions/{peer_role}"
    )
    assert request.json["type"] == 0
    assert int(request.json["allow"]) & VIEW_CHANNEL
    assert int(request.json["deny"]) & SEND_MESSAGES


async def test_a_thread_is_deleted_and_deleting_it_again_is_fine(
    port: DiscordPort, fake_discord: FakeDiscord
) -> None:
    thread = await port.open_private_thread(place(fake_discord.channel_id("reflection")), "Old")
    await port.delete_thread(thread)
    deleted = await fake_discord.wait_for_request("DELETE", f"/channels/{thread.id}")
    assert deleted.status in (200, 204)
    await port.delete_thread(thread)  # gone already: no error


# ---- network roles: holders, hierarchy, repeats, renames, locks ----------------------------


async def network_role(port: DiscordPort, fake: FakeDiscord, name: str = "Coast member") -> str:
    """A role the port creates, as set-up does: at the bottom, below peerbot's own role."""
    role_id = await port.create_role(space(fake), name)
    assert int(fake.state.role(fake.guild_id, int(role_id))["position"]) == 1
    return role_id


async def test_role_holders_come_from_the_member_cache(
    port: DiscordPort, fake_discord: FakeDiscord, peer_role: int
) -> None:
    bob = str(fake_discord.user_id("bob"))
    assert await port.role_holders(space(fake_discord), str(peer_role)) == {bob}
    assert fake_discord.requests_matching("GET", "/guilds/{id}/members") == []


async def test_role_holders_of_a_server_not_chunked_come_from_the_member_list(
    fake_discord: FakeDiscord, peer_role: int
) -> None:
    for index in range(3):
        fake_discord.add_user(f"reader{index}", role_ids=[peer_role])
    intents = discord.Intents.none()
    intents.guilds = True
    intents.members = True
    client = discord.Client(
        intents=intents, guild_ready_timeout=0.05, chunk_guilds_at_startup=False
    )
    async with running(client, fake_discord):
        holders = await DiscordPort(client).role_holders(space(fake_discord), str(peer_role))
    expected = {str(fake_discord.user_id(n)) for n in ("bob", "reader0", "reader1", "reader2")}
    assert holders == expected
    listed = fake_discord.requests_matching("GET", f"/guilds/{fake_discord.guild_id}/members")
    assert listed and all(r.status == 200 for r in listed)


async def test_giving_a_role_above_peerbots_own_is_refused_and_says_why(
    port: DiscordPort, fake_discord: FakeDiscord, peer_role: int
) -> None:
    carol = person(fake_discord, "carol")
    with pytest.raises(MissingPermission) as raised:  # "peer workers" sits above the bot
        await port.set_member_role(space(fake_discord), carol, str(peer_role), present=True)
    assert "above the network's roles" in str(raised.value)
    refused = fake_discord.requests_matching("PUT", "/guilds/{g}/members/{u}/roles/{r}")
    assert [r.response for r in refused] == [{"code": 50013, "message": "Missing Permissions"}]
    assert (
        str(peer_role)
        not in fake_discord.state.member(fake_discord.guild_id, int(carol.id))["roles"]
    )


async def test_someone_not_in_the_server_is_skipped(
    port: DiscordPort, fake_discord: FakeDiscord
) -> None:
    role_id = await network_role(port, fake_discord)
    stranger = fake_discord.state.add_user("stranger")  # a Discord user, not a member here
    who = UserRef(platform="discord", id=str(stranger["id"]))
    await port.set_member_role(space(fake_discord), who, role_id, present=True)  # no error
    asked = await fake_discord.wait_for_request("PUT", "/guilds/{g}/members/{u}/roles/{r}")
    assert asked.status == 404 and asked.response["code"] == 10007


async def test_role_access_already_right_sends_nothing(
    port: DiscordPort, fake_discord: FakeDiscord
) -> None:
    role_id = await network_role(port, fake_discord)
    general = place(fake_discord.channel_id("general"))
    await port.set_role_access(general, space(fake_discord), role_id, read_only=False)
    await port.set_role_access(
        general, space(fake_discord), role_id, read_only=False, can_post=True
    )
    # discord.py's cache follows the CHANNEL_UPDATE events; then a repeat sends nothing.
    puts = f"/channels/{general.id}/permissions/{role_id}"
    await fake_discord.wait_for_request("PUT", puts)
    await fake_discord.wait_for_request("PUT", puts)
    channel = port.client.get_channel(int(general.id))
    assert isinstance(channel, discord.TextChannel)

    def updated(*_: object) -> bool:
        return channel.overwrites_for(discord.Object(int(role_id))).send_messages is True

    if not updated():
        await port.client.wait_for("guild_channel_update", check=updated, timeout=5)
    await port.set_role_access(
        general, space(fake_discord), role_id, read_only=False, can_post=True
    )
    assert len(fake_discord.requests_matching("PUT", puts)) == 2


async def test_renaming_a_role_and_a_category(port: DiscordPort, fake_discord: FakeDiscord) -> None:
    role_id = await network_role(port, fake_discord)
    category = await port.create_category(space(fake_discord), "Coast", (role_id,))
    await port.rename_role(space(fake_discord), role_id, "South Coast member")
    await port.rename_place(category, "South Coast")
    renamed = await fake_discord.wait_for_request("PATCH", f"/guilds/{{g}}/roles/{role_id}")
    assert renamed.json["name"] == "South Coast member"
    moved = await fake_discord.wait_for_request("PATCH", f"/channels/{category.id}")
    assert moved.json["name"] == "South Coast"
    assert fake_discord.state.channel(int(category.id))["name"] == "South Coast"


async def test_a_lock_keeps_the_staff_roles_posting(
    port: DiscordPort, fake_discord: FakeDiscord
) -> None:
    g = fake_discord.guild_id
    member_role = await network_role(port, fake_discord)
    staff_role = await network_role(port, fake_discord, "Coast coordinators")
    for name, roles in (("bob", (member_role,)), ("carol", (member_role, staff_role))):
        for role_id in roles:
            await port.set_member_role(
                space(fake_discord), person(fake_discord, name), role_id, present=True
            )
    channel = await port.create_channel(
        ChannelSpec(
            space=space(fake_discord), name="coast-general", visible_to_roles=(member_role,)
        )
    )
    await port.lock_channel(channel, locked=True, keep_posting=(staff_role, "123"))
    kept = await fake_discord.wait_for_request(
        "PUT", f"/channels/{channel.id}/permissions/{staff_role}"
    )
    assert int(kept.json["allow"]) & SEND_MESSAGES
    bob, carol = fake_discord.user_id("bob"), fake_discord.user_id("carol")
    assert not fake_discord.state.can_post(g, bob, int(channel.id))
    assert fake_discord.state.can_see(g, bob, int(channel.id))
    assert fake_discord.state.can_post(g, carol, int(channel.id))
    assert not fake_discord.state.can_see(g, fake_discord.user_id("alice"), int(channel.id))


async def test_unlocking_a_server_channel_removes_what_the_lock_added(
    port: DiscordPort, fake_discord: FakeDiscord
) -> None:
    """A lock in a channel outside the network (the server's #general) gives the network's
    staff role a Send Messages allow; unlocking takes exactly that away again."""
    staff_role = await network_role(port, fake_discord, "Coast coordinators")
    general = fake_discord.channel_id("general")
    await port.lock_channel(place(general), locked=True, keep_posting=(staff_role,))
    path = f"/channels/{general}/permissions/{staff_role}"
    added = await fake_discord.wait_for_request("PUT", path)
    assert int(added.json["allow"]) == SEND_MESSAGES
    channel = port.client.get_channel(general)
    assert isinstance(channel, discord.TextChannel)

    def arrived(*_: object) -> bool:
        return channel.overwrites_for(discord.Object(int(staff_role))).send_messages is True

    if not arrived():
        await port.client.wait_for("guild_channel_update", check=arrived, timeout=5)
    await port.lock_channel(place(general), locked=False, keep_posting=(staff_role,))
    removed = await fake_discord.wait_for_request("DELETE", path)
    assert removed.status == 204
    assert int(staff_role) not in overwrites(fake_discord.state.channel(general))


# ---- reasons in Discord's audit log ----------------------------------------------------------


async def test_each_moderation_call_carries_its_reason_to_discords_audit_log(
    port: DiscordPort, fake_discord: FakeDiscord
) -> None:
    """discord.py sends ``reason=`` as the URL-encoded X-Audit-Log-Reason header; the fake
    records it decoded, as Discord's audit log would show it."""
    channel = fake_discord.channel_id("general")
    why = "carol with peerbot: a client's name was posted, 100% removed / café"

    await port.lock_channel(place(channel), locked=True, reason=why)
    locked = await fake_discord.wait_for_request("PUT", f"/channels/{channel}/permissions/{{id}}")
    assert locked.audit_reason == why
    assert locked.headers["X-Audit-Log-Reason"] != why  # sent encoded, not raw

    await port.set_slowmode(place(channel), 30, reason=why)
    slowed = await fake_discord.wait_for_request("PATCH", f"/channels/{channel}")
    assert slowed.json == {"rate_limit_per_user": 30}
    assert slowed.audit_reason == why

    sent = await port.post(
        place(channel), Reply(text="Please read the guidelines"), idempotency_key="k1"
    )
    await port.pin_message(sent, pinned=True, reason=why)
    pinned = await fake_discord.wait_for_request(
        "PUT", f"/channels/{channel}/messages/pins/{sent.id}"
    )
    assert pinned.audit_reason == why
    await port.pin_message(sent, pinned=False)
    unpinned = await fake_discord.wait_for_request(
        "DELETE", f"/channels/{channel}/messages/pins/{sent.id}"
    )
    assert unpinned.audit_reason is None  # no reason given: no header at all

    thread = await port.open_private_thread(place(channel), "Debrief")
    await port.archive_thread(thread, reason=why)
    archived = await fake_discord.wait_for_request("PATCH", f"/channels/{thread.id}")
    assert archived.audit_reason == why


async def test_a_long_reason_is_cut_to_what_discord_takes(
    port: DiscordPort, fake_discord: FakeDiscord
) -> None:
    """Discord takes 512 UTF-16 code units (an emoji counts twice) on one line; the fake
    refuses more, so the port cuts it and the lock still happens."""
    channel = fake_discord.channel_id("general")
    long = "first line\nsecond " + "🙂" * 300

    await port.lock_channel(place(channel), locked=True, reason=long)

    locked = await fake_discord.wait_for_request("PUT", f"/channels/{channel}/permissions/{{id}}")
    assert locked.status == 204, locked.response
    reason = locked.audit_reason
    assert reason is not None and reason.startswith("first line second 🙂")
    assert len(reason.encode("utf-16-le")) // 2 <= 512
    assert "\n" not in reason


async def test_the_fake_refuses_a_reason_longer_than_discord_takes(
    fake_discord: FakeDiscord,
) -> None:
    """What Discord does with a reason over 512 characters (400, Invalid Form Body): the
    model the port's cutting is checked against."""
    client = discord.Client(intents=discord.Intents.none())
    async with running(client, fake_discord):
        channel = client.get_channel(fake_discord.channel_id("general"))
        assert isinstance(channel, discord.TextChannel)
        with pytest.raises(discord.HTTPException) as refused:
            await channel.edit(slowmode_delay=5, reason="x" * 513)
        assert refused.value.status == 400
        await channel.edit(slowmode_delay=5, reason="x" * 512)
    assert [
        r.status for r in fake_discord.requests_matching("PATCH", f"/channels/{channel.id}")
    ] == [
        400,
        200,
    ]
