"""Nothing peerbot sends on Discord pings by accident (issue 13 item 1, issue 16 item 2).

On Discord a live mention in a private thread adds the person mentioned to the thread, and the
default for a bot's message is to make every mention in its text live. So every message peerbot
sends (an interaction response and its follow-ups, an outbox post, a direct message, an edit)
says ``allowed_mentions`` itself, and it pings only whom the Reply names: by default nobody. The
fake Discord computes mentions and adds people to threads as Discord does, so these tests would
fail if the payload let a typed mention through.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.identity import MessageRef, PlaceRef, UserRef
from bot.replies import Mentions, Reply
from tests.e2e.fakediscord import FakeDiscord
from tests.e2e.peerbot_on_fake import PeerbotOnFake

NOBODY: dict[str, list[str]] = {
    "parse": []
}  # discord.AllowedMentions.none(), as discord.py sends it
PRIVATE_THREAD = 12
MESSAGE = 4


@dataclass
class World:
    bot: PeerbotOnFake
    fake: FakeDiscord
    thread_id: int
    erin: int  # a member who can see #reflection but is not in the thread
    carol: int  # in the mentionable "peer workers" role, not in the thread
    role: int
    typed: str  # what a person might type: every kind of mention

    @property
    def thread(self) -> PlaceRef:
        return PlaceRef(platform="discord", id=str(self.thread_id))

    def members(self) -> set[int]:
        return set(self.fake.state.thread_members[self.thread_id])


@pytest.fixture
async def world(fake_discord: FakeDiscord, tmp_path: Path) -> AsyncIterator[World]:
    """peerbot opens a private thread in #reflection (for bob, who is then in it)."""
    fake = fake_discord
    erin = int(fake.add_user("erin")["id"])
    carol = fake.user_id("carol")
    role = fake.add_role("peer workers", mentionable=True)
    fake.state.member(fake.guild_id, carol)["roles"].append(role["id"])
    bot = PeerbotOnFake(fake, tmp_path)
    await bot.start()
    try:
        handle = await fake.send_slash_command(
            "probe", subcommand="thread", user="bob", channel="reflection"
        )
        assert (await handle.callback())["data"]["content"] == "Opened Reflection."
        opened = await fake.wait_for_request(
            "POST", f"/channels/{fake.channel_id('reflection')}/threads"
        )
        assert opened.json["type"] == PRIVATE_THREAD, opened.json
        thread_id = int(opened.response["id"])
        fake.state.add_thread_member(thread_id, fake.user_id("bob"))
        typed = f"<@{erin}> and <@&{role['id']}>, also @everyone and @here: look"
        yield World(bot, fake, thread_id, erin, carol, int(role["id"]), typed)
    finally:
        await bot.stop()


def assert_nothing_live(message: dict[str, object]) -> None:
    shown = (message["mentions"], message["mention_roles"], message["mention_everyone"])
    assert shown == ([], [], False), message


async def test_typed_mentions_add_nobody_to_a_private_thread_on_any_path(world: World) -> None:
    fake, before = world.fake, world.members()

    # An interaction response in the thread, long enough to need a follow-up.
    handle = await fake.send_slash_command(
        "probe", {"text": world.typed}, subcommand="say", user="bob", channel=world.thread_id
    )
    callback = await handle.callback()
    assert callback["type"] == MESSAGE and world.typed in callback["data"]["content"], callback
    assert callback["data"]["allowed_mentions"] == NOBODY, callback
    followup = await handle.followup()
    assert world.typed in followup["content"] and followup["allowed_mentions"] == NOBODY

    # An outbox post in the thread, then an edit of it, and a direct message.
    outbox = world.bot.kernel.outbox
    await outbox.send(key="mentions:post", target=world.thread, message=Reply(text=world.typed))
    posted = await fake.wait_for_request("POST", f"/channels/{world.thread_id}/messages")
    assert posted.json["content"] == world.typed and posted.json["allowed_mentions"] == NOBODY
    ref = MessageRef(place=world.thread, id=str(posted.response["id"]))
    edit = Reply(text=f"Edited: {world.typed}")
    await world.bot.kernel.ports["discord"].edit_message(ref, edit)
    edited = await fake.wait_for_request("PATCH", f"/channels/{world.thread_id}/messages/{{id}}")
    assert edited.json["allowed_mentions"] == NOBODY, edited.json
    bob = UserRef(platform="discord", id=str(fake.user_id("bob")))
    await outbox.send(key="mentions:dm", target=bob, message=Reply(text=world.typed))
    dm = await fake.wait_for_request("POST", "/channels/{id}/messages")
    thread_path = f"/channels/{world.thread_id}/messages"
    while dm.json.get("content") != world.typed or dm.path == thread_path:
        dm = await fake.wait_for_request("POST", "/channels/{id}/messages")
    assert dm.json["allowed_mentions"] == NOBODY, dm.json

    # Nobody joined the private thread, and no message holds a live mention.
    assert world.members() == before == {fake.bot_id, fake.user_id("bob")}
    in_thread = fake.messages_in(world.thread_id)
    # The response, its follow-up, and the post (now edited) hold the typed text.
    assert sum(world.typed in str(m["content"]) for m in in_thread) == 3, in_thread
    for message in fake.state.messages.values():
        assert_nothing_live(message)
    # Every kind of message request was made, and none of them could ping.
    routes = {(r.method, r.path.split("/")[1]) for r, _ in fake.message_requests()}
    assert {("POST", "interactions"), ("POST", "webhooks")} <= routes, routes
    assert {("POST", "channels"), ("PATCH", "channels")} <= routes, routes
    fake.assert_pings_only()


async def test_a_reply_that_names_someone_pings_only_them(world: World) -> None:
    """The one way to ping: the Reply names the person. Only that mention is live (and, on
    Discord, brings them into the thread); the role and @everyone in the same text are not."""
    fake = world.fake
    fake.may_ping_users = {world.erin}
    erin = UserRef(platform="discord", id=str(world.erin))
    elsewhere = UserRef(platform="matrix", id="@erin:example.org")  # not Discord's to ping
    reply = Reply(text=world.typed, mentions=Mentions(users=(erin, elsewhere)))
    await world.bot.kernel.outbox.send(key="mentions:named", target=world.thread, message=reply)
    posted = await fake.wait_for_request("POST", f"/channels/{world.thread_id}/messages")
    assert posted.json["allowed_mentions"] == {"parse": [], "users": [world.erin]}, posted.json
    stored = fake.state.message(int(posted.response["id"]))
    assert [int(u["id"]) for u in stored["mentions"]] == [world.erin]
    assert stored["mention_roles"] == [] and stored["mention_everyone"] is False
    assert world.members() == {fake.bot_id, fake.user_id("bob"), world.erin}
