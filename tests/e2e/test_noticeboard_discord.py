"""The noticeboard end to end on Discord (issue 21, item 3): the real peerbot on the fake
Discord, tried as a coordinator and a member would. A training notice is posted once in the
channel linked as the notices channel (a restart posts nothing again), listed by /notices
list, in a subscriber's weekly digest once (with a working Stop button), and edited in place
to say it closed the day after its closing date in the network's time zone, once, also when
peerbot was down at the time."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FakeClock
from cogs.noticeboard.commands import NoticeboardCog
from tests.e2e.fakediscord import FakeDiscord
from tests.e2e.peerbot_on_fake import PeerbotOnFake
from tests.e2e.test_networks_discord import (
    COORDINATOR,
    EPHEMERAL,
    answer,
    create_coast,
    dm_channel_of,
    dm_to,
)
from tests.e2e.test_reflection_discord import buttons

MEMBER = "bob"
SYDNEY = ZoneInfo("Australia/Sydney")
MONDAY = dt.date(2035, 3, 5)
TITLE = "Intentional Peer Support core training"


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SYDNEY).astimezone(dt.UTC)


async def notices(
    fake: FakeDiscord, sub: str, options: dict[str, Any] | None = None, **kwargs: Any
) -> dict[str, Any]:
    return await answer(await fake.send_command(f"notices {sub}", options, **kwargs))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(at(MONDAY - dt.timedelta(days=2), 10))


@pytest.fixture
async def bot(
    fake_discord: FakeDiscord, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[PeerbotOnFake]:
    """Coast (Sydney time), carol its coordinator, bob a member, coast-notices linked."""
    started = PeerbotOnFake(fake_discord, tmp_path, clock)
    await started.start()
    try:
        await create_coast(fake_discord, members=(MEMBER,), set_up=False)
        channel = fake_discord.add_channel("coast-notices")
        linked = await answer(
            await fake_discord.send_command(
                "manage network link",
                {"network": "coast", "channel": channel["id"], "purpose": "notices"},
                user=COORDINATOR,
            )
        )
        assert linked["content"] == "Linked that channel as Coast's notices channel.", linked
        yield started
    finally:
        await started.stop()


def cog(bot: PeerbotOnFake) -> NoticeboardCog:
    found = bot.kernel.cogs["noticeboard"]
    assert isinstance(found, NoticeboardCog)
    return found


async def one_pass(bot: PeerbotOnFake) -> None:
    assert bot.app is not None and bot.app.worker is not None
    await bot.app.worker.run_once()


async def test_a_training_notice_is_posted_once_digested_once_and_closed_once(
    bot: PeerbotOnFake, fake_discord: FakeDiscord, clock: FakeClock
) -> None:
    fake = fake_discord
    channel = fake.channel_id("coast-notices")
    subscribed = await notices(fake, "subscribe", {"tags": "ips", "network": "coast"}, user=MEMBER)
    assert subscribed["flags"] & EPHEMERAL
    assert subscribed["content"].startswith("Subscribed: once a week, on Monday from 9am")
    clock.set(clock.now() + dt.timedelta(minutes=5))

    posted = await notices(
        fake,
        "post",
        {
            "type": "training",
            "title": TITLE,
            "link": "https://example.org/ips",
            "summary": "Five days, in Wollongong.",
            "closes": MONDAY.isoformat(),
            "region": "nsw",
            "tags": "ips training",
            "network": "coast",
        },
        user=COORDINATOR,
    )
    assert posted["flags"] & EPHEMERAL
    assert posted["content"].startswith("Posted notice "), posted
    assert f"It is being posted once in <#{channel}>." in posted["content"]
    request = await fake.wait_for_request("POST", f"/channels/{channel}/messages")
    assert request.json["content"].startswith(f"Training notice: {TITLE}\n"), request.json
    [message] = fake.messages_in(channel)
    assert (
        "Closes at the end of Monday 5 March 2035 (Australia/Sydney time)." in (message["content"])
    )

    listed = await notices(fake, "list", {"type": "training"}, user=MEMBER)
    assert listed["flags"] & EPHEMERAL and f"- Training: {TITLE}" in listed["content"]

    # A restart posts nothing again.
    await bot.stop()
    await bot.start()
    await one_pass(bot)
    assert len(fake.messages_in(channel)) == 1

    # Monday 9am in Sydney: the digest, once.
    clock.set(at(MONDAY, 9, 5))
    await cog(bot).sweep()
    digest = await dm_to(fake, MEMBER)
    assert digest["content"].startswith(
        "Your weekly noticeboard digest: 1 new notice for Coast matching what you follow."
    ), digest
    assert TITLE in digest["content"]
    assert list(buttons(digest)) == ["Stop these digests"]
    await cog(bot).sweep()
    await bot.stop()
    await bot.start()
    await cog(bot).sweep()
    await one_pass(bot)
    dms = fake.messages_in(dm_channel_of(fake, MEMBER))
    assert sum("weekly noticeboard digest" in m["content"] for m in dms) == 1

    # Ten past midnight in Sydney the day after it closed (still Monday in UTC), while
    # peerbot was down: it starts, and the post says it closed, edited in place, once.
    await bot.stop()
    clock.set(at(MONDAY + dt.timedelta(days=1), 0, 10))
    await bot.start()
    edited = await fake.wait_for_request("PATCH", f"/channels/{channel}/messages/{message['id']}")
    assert edited.json["content"].startswith(f"Closed: Training notice '{TITLE}'"), edited.json
    shown = fake.state.message(int(message["id"]), channel)
    assert "It closed at the end of Monday 5 March 2035." in shown["content"]
    await cog(bot).sweep()
    await one_pass(bot)
    assert (
        len(fake.requests_matching("PATCH", f"/channels/{channel}/messages/{message['id']}")) == 1
    )
    assert len(fake.messages_in(channel)) == 1
    gone = await notices(fake, "list", user=MEMBER)
    assert gone["content"].startswith("No open notices."), gone

    # One click stops the digests.
    stop = buttons(digest)["Stop these digests"]
    stopped = await answer(await fake.click_button(stop, user=MEMBER))
    assert stopped["flags"] & EPHEMERAL
    assert stopped["content"].startswith("Stopped: you will get no more weekly noticeboard")


async def test_a_bad_closing_date_is_refused_privately(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    channel = fake_discord.channel_id("coast-notices")
    refused = await notices(
        fake_discord,
        "post",
        {
            "type": "job",
            "title": "Peer worker, Nowra",
            "link": "https://example.org/job",
            "summary": "A paid role.",
            "closes": "2035-03-01",
            "network": "coast",
        },
        user=COORDINATOR,
    )
    assert refused["flags"] & EPHEMERAL
    assert refused["content"].startswith("The closing date 2035-03-01 has already passed")
    await one_pass(bot)
    assert fake_discord.messages_in(channel) == []
