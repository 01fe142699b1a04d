"""Mentoring end to end on Discord (issue 21, item 1): the real discord.py client and the real
peerbot against the fake Discord. A mentor offers; a member finds them for "working solo" and
asks; nothing opens until the mentor presses Accept in their DM; then a private thread (type
12, not invitable) opens in the network's reflection channel with both added and the agreement
pinned (PUT /channels/{id}/messages/pins/{id}, which needs Pin Messages, as on Discord). Both
get the halfway check-in by DM once; one ends it; the other is told; the thread is archived and
locked, and deleted when the retention period has passed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FakeClock
from cogs.mentoring.commands import MentoringCog
from tests.e2e.fakediscord import FakeDiscord
from tests.e2e.peerbot_on_fake import PeerbotOnFake
from tests.e2e.test_networks_discord import EPHEMERAL, answer, create_coast, dm_to

PRIVATE_THREAD = 12
BUTTON = 2
MENTEE, MENTOR = "bob", "dave"
#: Well after the real date: planned jobs are handed to APScheduler as real dates.
NOW = datetime(2035, 2, 1, 0, 0, tzinfo=UTC)


def buttons(message: dict[str, Any]) -> dict[str, str]:
    return {
        c["label"]: c["custom_id"]
        for row in message.get("components", [])
        for c in row["components"]
        if c["type"] == BUTTON
    }


async def mentor(
    fake: FakeDiscord, sub: str, options: dict[str, Any] | None = None, **kwargs: Any
) -> dict[str, Any]:
    return await answer(await fake.send_command(f"mentor {sub}", options, **kwargs))


@pytest.fixture
async def bot(fake_discord: FakeDiscord, tmp_path: Path) -> AsyncIterator[PeerbotOnFake]:
    fake_discord.add_user(MENTOR)
    started = PeerbotOnFake(fake_discord, tmp_path, clock=FakeClock(NOW))
    await started.start()
    try:
        await create_coast(fake_discord, members=(MENTEE, MENTOR))
        yield started
    finally:
        await started.stop()


async def test_the_done_when_story_on_discord(bot: PeerbotOnFake) -> None:  # noqa: PLR0915
    fake = bot.fake
    reflection = fake.channel_id("coast-reflection")
    offered = await mentor(
        fake,
        "offer",
        {"topics": "working solo", "availability": "an hour a fortnight", "network": "coast"},
        user=MENTOR,
    )
    assert offered["flags"] & EPHEMERAL, offered
    assert offered["content"].startswith("Thank you for offering to mentor."), offered

    found = await mentor(fake, "find", {"topics": "working solo"}, user=MENTEE)
    assert found["flags"] & EPHEMERAL, found
    [intro, card] = found["embeds"]
    assert intro["title"] == "Mentors for working solo", intro
    assert f"<@{fake.user_id(MENTOR)}>" in card["description"], card
    assert list(buttons(found)) == ["Ask mentor 1"], found
    asked = await answer(await fake.click_button(buttons(found)["Ask mentor 1"], user=MENTEE))
    assert asked["flags"] & EPHEMERAL, asked
    assert asked["content"].startswith("Asked"), asked

    request = await dm_to(fake, MENTOR)
    assert "asks whether you would mentor them on working solo" in request["content"], request
    assert list(buttons(request)) == ["Accept", "Decline"], request
    # Only the mentee has agreed so far: no thread.
    assert fake.requests_matching("POST", f"/channels/{reflection}/threads") == []

    accepted = await answer(await fake.click_button(buttons(request)["Accept"], user=MENTOR))
    assert accepted["flags"] & EPHEMERAL, accepted
    assert accepted["content"].startswith("Thank you. peerbot opened a private thread"), accepted
    opened = await fake.wait_for_request("POST", f"/channels/{reflection}/threads")
    assert opened.json["type"] == PRIVATE_THREAD, opened.json
    assert opened.json["invitable"] is False, opened.json
    thread_id = int(opened.response["id"])
    for who in (MENTOR, MENTEE):
        added = await fake.wait_for_request(
            "PUT", f"/channels/{thread_id}/thread-members/{fake.user_id(who)}"
        )
        assert added.status in (200, 204), added
    assert set(fake.state.thread_members[thread_id]) >= {
        fake.user_id(MENTOR),
        fake.user_id(MENTEE),
    }

    pin = await fake.wait_for_request("PUT", f"/channels/{thread_id}/messages/pins/{{id}}")
    assert pin.status == 204, pin
    [pinned] = [m for m in fake.state.messages.values() if m.get("pinned")]
    assert pinned["channel_id"] == str(thread_id), pinned
    assert pinned["content"].startswith("Mentoring agreement"), pinned
    assert "not supervision" in pinned["content"], pinned
    told = await dm_to(fake, MENTEE)
    assert "accepted your request for mentoring on working solo" in told["content"], told
    assert f"https://discord.com/channels/{fake.guild_id}/{thread_id}" in told["content"], told

    # Halfway: each gets "how is it going?" once, with Extend and End.
    clock = bot.clock
    assert isinstance(clock, FakeClock)
    clock.advance(timedelta(days=46))
    bot.kernel.outbox.notify()
    checkins = {who: await dm_to(fake, who) for who in (MENTEE, MENTOR)}
    for who, message in checkins.items():
        assert message["content"].startswith("How is your mentoring with"), (who, message)
        assert list(buttons(message)) == ["Extend by 3 months", "End it"], message

    # The mentee ends it; the mentor is told kindly; the thread is archived and locked.
    sure = await answer(await fake.click_button(buttons(checkins[MENTEE])["End it"], user=MENTEE))
    assert list(buttons(sure)) == ["End it now", "Keep going"], sure
    ended = await answer(await fake.click_button(buttons(sure)["End it now"], user=MENTEE))
    assert ended["content"].startswith("Ended."), ended
    patched = await fake.wait_for_request("PATCH", f"/channels/{thread_id}")
    assert patched.json["archived"] is True and patched.json["locked"] is True, patched.json
    bye = await dm_to(fake, MENTOR)
    assert "has ended your mentoring on working solo" in bye["content"], bye
    assert "No reason is needed" in bye["content"], bye

    # Deleted only once the retention period (30 days) has passed.
    cog = bot.kernel.cogs["mentoring"]
    assert isinstance(cog, MentoringCog)
    [job] = [j for j in await cog.jobs.planned_jobs(clock.now()) if j.key.endswith(":delete")]
    assert job.run_at == clock.now() + timedelta(days=30), job
    assert fake.requests_matching("DELETE", f"/channels/{thread_id}") == []
    clock.set(job.run_at)
    await bot.kernel.scheduler.run_job(job)
    deleted = await fake.wait_for_request("DELETE", f"/channels/{thread_id}")
    assert deleted.status == 200, deleted
    assert thread_id not in fake.state.channels
    await bot.kernel.scheduler.run_job(job)
    assert len(fake.requests_matching("DELETE", f"/channels/{thread_id}")) == 1


async def test_a_mentor_who_declines_opens_nothing(bot: PeerbotOnFake) -> None:
    fake = bot.fake
    reflection = fake.channel_id("coast-reflection")
    await mentor(
        fake,
        "offer",
        {"topics": "boundaries", "availability": "monthly", "network": "coast"},
        user=MENTOR,
    )
    found = await mentor(fake, "find", {"topics": "boundaries"}, user=MENTEE)
    await answer(await fake.click_button(buttons(found)["Ask mentor 1"], user=MENTEE))
    request = await dm_to(fake, MENTOR)
    declined = await answer(await fake.click_button(buttons(request)["Decline"], user=MENTOR))
    assert declined["content"].startswith("Declined."), declined
    told = await dm_to(fake, MENTEE)
    assert "cannot take on mentoring right now" in told["content"], told
    assert str(fake.user_id(MENTOR)) not in told["content"], told
    assert fake.requests_matching("POST", f"/channels/{reflection}/threads") == []
