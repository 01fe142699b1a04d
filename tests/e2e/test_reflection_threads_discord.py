"""Co-reflection threads as Discord treats them (issue 16), with the real peerbot on the fake
Discord, whose threads archive themselves after ``auto_archive_duration`` minutes without a
message (by the test clock) and refuse new members while archived (50083), and whose users can
close their direct messages (50007).

- An invitee who presses Join a day after the thread archived itself is still added.
- An invitee whose direct messages are closed is reported to the starter privately, with what
  to do; once they open them, /reflect invite reaches them.
- /network setup names the roles that can see private threads in the reflection channel, and
  private_threads takes Manage Threads away from them there.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FakeClock
from cogs.reflection.commands import ReflectionCog
from tests.e2e.fakediscord import FakeDiscord
from tests.e2e.peerbot_on_fake import PeerbotOnFake
from tests.e2e.test_networks_discord import (
    COORDINATOR,
    EPHEMERAL,
    answer,
    create_coast,
    dm_to,
    overwrites,
    setup_coast,
)
from tests.e2e.test_reflection_discord import buttons, member_path, reflect

STARTER, LATE, CLOSED = "bob", "dave", "erin"
#: Well after the real date: planned jobs are handed to APScheduler as real dates.
NOW = datetime(2035, 6, 4, 0, 0, tzinfo=UTC)
MANAGE_THREADS = 1 << 34
WEEK = 10080


@pytest.fixture
async def bot(fake_discord: FakeDiscord, tmp_path: Path) -> AsyncIterator[PeerbotOnFake]:
    """Coast set up by carol, with bob, dave and erin as members, and a server role Mods with
    Manage Threads (made before peerbot connects); the fake's clock is the bot's."""
    for name in (LATE, CLOSED):
        fake_discord.add_user(name)
    fake_discord.add_role("Mods", permissions=MANAGE_THREADS)
    clock = FakeClock(NOW)
    fake_discord.state.clock = clock.now
    started = PeerbotOnFake(fake_discord, tmp_path, clock=clock)
    await started.start()
    try:
        await create_coast(fake_discord, members=(STARTER, LATE, CLOSED))
        yield started
    finally:
        await started.stop()


def clock_of(bot: PeerbotOnFake) -> FakeClock:
    assert isinstance(bot.clock, FakeClock)
    return bot.clock


async def start_with(fake: FakeDiscord, *peers: str) -> tuple[int, int]:
    """bob starts an open co-reflection with ``peers``: (its number, the thread's id)."""
    mentions = ", ".join(f"<@{fake.user_id(p)}>" for p in peers)
    reply = await reflect(
        fake, "start", {"format": "open", "peers": mentions, "network": "coast"}, user=STARTER
    )
    assert reply["flags"] & EPHEMERAL and reply["content"].startswith("Started"), reply
    number = int(reply["content"].split("number ")[1].split(" ")[0])
    opened = await fake.wait_for_request(
        "POST", f"/channels/{fake.channel_id('coast-reflection')}/threads"
    )
    return number, int(opened.response["id"])


async def test_an_invitee_joins_a_thread_that_archived_itself_a_day_earlier(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    fake = fake_discord
    clock = clock_of(bot)
    number, thread_id = await start_with(fake, LATE)
    opened = fake.requests_matching(
        "POST", f"/channels/{fake.channel_id('coast-reflection')}/threads"
    )
    assert opened[-1].json["auto_archive_duration"] == WEEK  # Discord's longest
    invitation = await dm_to(fake, LATE)
    last_message = max(datetime.fromisoformat(m["timestamp"]) for m in fake.messages_in(thread_id))

    # dave lets the invitation sit: a week without a message, and a day more.
    clock.set(last_message + timedelta(days=8))
    [archived] = await fake.archive_idle_threads()
    metadata = fake.state.channel(thread_id)["thread_metadata"]
    assert archived["id"] == str(thread_id) and metadata["archived"] is True
    assert datetime.fromisoformat(metadata["archive_timestamp"]) == clock.now() - timedelta(days=1)

    joined = await answer(await fake.click_button(buttons(invitation)["Join"], user=LATE))
    assert joined["flags"] & EPHEMERAL, joined
    assert joined["content"].startswith("Thank you. You agreed"), joined
    added = [r.status for r in fake.requests_matching("PUT", member_path(thread_id, fake, LATE))]
    assert added[-1] == 204, added
    assert fake.user_id(LATE) in fake.state.thread_members[thread_id]
    assert fake.state.channel(thread_id)["thread_metadata"]["archived"] is False
    unarchived = fake.requests_matching("PATCH", f"/channels/{thread_id}")
    assert {"archived": False} in [r.json for r in unarchived]
    notice = f"<@{fake.user_id(LATE)}> accepted the agreement and joined."
    sent = await fake.wait_for_request("POST", f"/channels/{thread_id}/messages")
    while notice not in sent.json.get("content", ""):
        sent = await fake.wait_for_request("POST", f"/channels/{thread_id}/messages")

    # Another quiet week: peerbot's keep-alive unarchives the open co-reflection's thread.
    clock.advance(timedelta(days=7, hours=1))
    assert await fake.archive_idle_threads()
    cog = bot.kernel.cogs["reflection"]
    assert isinstance(cog, ReflectionCog)
    assert await cog.quiet.keep_alive() == 1
    assert fake.state.channel(thread_id)["thread_metadata"]["archived"] is False
    assert (await cog.service.get(number)).is_open


async def test_an_invitee_with_closed_direct_messages_is_reported_to_the_starter(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    fake = fake_discord
    fake.close_dms(CLOSED)
    number, thread_id = await start_with(fake, LATE, CLOSED)
    await dm_to(fake, LATE)  # dave's invitation arrives

    report = await dm_to(fake, STARTER)
    text = report["content"]
    erin = f"<@{fake.user_id(CLOSED)}>"
    assert text.startswith(
        f"peerbot could not tell 1 person about your invitation to co-reflection number {number}:"
    ), text
    assert f"- {erin} could not be told: they do not accept direct messages from this server." in (
        text
    )
    assert "Ask them to allow direct messages from this server" in text
    assert f"/reflect invite number:{number}, or invite someone else" in text
    assert f"<@{fake.user_id(LATE)}>" not in text  # only who was not reached
    refused = [
        r
        for r in fake.requests_matching("POST", "/channels/{id}/messages")
        if r.response and r.response.get("code") == 50007
    ]
    assert len(refused) == 1, refused
    assert fake.requests_matching("PUT", member_path(thread_id, fake, CLOSED)) == []

    # erin opens her direct messages; bob invites her again and she joins.
    fake.state.dms_closed.discard(fake.user_id(CLOSED))
    again = await reflect(fake, "invite", {"peers": erin, "number": number}, user=STARTER)
    assert again["flags"] & EPHEMERAL, again
    assert again["content"].startswith(f"Invited privately to co-reflection number {number}"), again
    invitation = await dm_to(fake, CLOSED)
    assert "invites you to a private co-reflection" in invitation["content"], invitation
    joined = await answer(await fake.click_button(buttons(invitation)["Join"], user=CLOSED))
    assert joined["content"].startswith("Thank you. You agreed"), joined
    assert fake.user_id(CLOSED) in fake.state.thread_members[thread_id]


async def test_setup_names_who_can_see_threads_and_private_threads_takes_it_away(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    fake = fake_discord
    again = await setup_coast(fake)
    text = again["content"]
    assert "Co-reflection threads in <#" in text, text
    assert "anyone with the role Mods who can see the channel (Manage Threads)" in text, text
    assert f"the server owner (<@{fake.state.owner['id']}>)" in text, text
    assert "/manage reflect settings private_threads:true" in text, text

    number, _ = await start_with(fake, LATE)
    invitation = await dm_to(fake, LATE)
    # One line says who else can technically see it, with the names on this server.
    [seen] = [line for line in invitation["content"].splitlines() if "technically" in line]
    assert seen.startswith(
        "- Who else can technically see this thread: server admins and people with Manage "
        "Threads in this channel; here that is "
    ), seen
    assert "Mods who can see the channel (Manage Threads)" in seen, seen
    assert "Mods who can see the channel (Manage Threads)" in invitation["content"], invitation

    changed: dict[str, Any] = await reflect(
        fake, "settings", {"network": "coast", "private_threads": True}, user=COORDINATOR
    )
    assert "Private threads: on" in changed["content"], changed
    assert "peerbot keeps Manage Threads there to itself" in changed["content"], changed
    assert "Mods" not in changed["content"], changed
    reflection = fake.channel_id("coast-reflection")
    mods = next(int(r["id"]) for r in fake.guild.roles.values() if r["name"] == "Mods")
    kind, allow, deny = overwrites(fake.state.channel(reflection))[mods]
    assert kind == 0 and deny & MANAGE_THREADS and not allow & MANAGE_THREADS
    assert fake.state.permissions_for(fake.guild_id, fake.bot_id, reflection) & MANAGE_THREADS
    del number
