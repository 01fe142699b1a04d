"""The noticeboard on Matrix (issue 21, item 3), against a real Synapse: a training notice is
posted by the outbox in the room linked as the network's notices room, a subscriber gets the
weekly digest in the direct-message room on Monday morning (network time), and the post is
edited (m.replace) to say it closed just after midnight, Sydney time, the day after it closed."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.clock import FakeClock
from cogs.noticeboard.commands import NoticeboardCog
from tests.e2e.matrix.peerbot_on_synapse import PeerbotOnSynapse, Person, after, ask, from_bot
from tests.e2e.matrix.test_matrix_inbound import room_with_bot

SYDNEY = ZoneInfo("Australia/Sydney")


def sydney(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2035, 3, day, hour, minute, tzinfo=SYDNEY).astimezone(dt.UTC)


NOW = sydney(3, 10)  # Saturday 3 March 2035; the notice closes on Monday the 5th
TITLE = "Intentional Peer Support core training"


async def test_a_notice_is_posted_digested_and_closed_on_matrix(
    clocked_bot: PeerbotOnSynapse, admin: Person, alex: Person
) -> None:
    bot = clocked_bot
    room_id = await room_with_bot(admin, bot, alex)
    for command, answer in (
        ("!network create name:Coast slug:coast timezone:Australia/Sydney", "Created the network"),
        (f"!manage network link network:coast channel:{room_id} purpose:notices", "Linked that"),
    ):
        await ask(admin, room_id, bot, command, answer)
    await ask(alex, room_id, bot, "!network join network:coast", "Coast")
    subscribed = await ask(
        alex, room_id, bot, "!notices subscribe tags:ips network:coast", "Subscribed:"
    )
    assert subscribed.room_id != room_id  # private
    await ask(
        admin,
        room_id,
        bot,
        f'!notices post network:coast type:training title:"{TITLE}" '
        'link:https://example.org/ips summary:"Five days, in Wollongong." closes:2035-03-05 '
        "region:nsw tags:ips",
        "Posted notice",
    )
    posted = await alex.wait_for(from_bot(bot, f"Training notice: {TITLE}"), "the notice")
    assert posted.room_id == room_id

    cog = bot.kernel.cogs["noticeboard"]
    assert isinstance(cog, NoticeboardCog)
    clock = bot.kernel.clock
    assert isinstance(clock, FakeClock)
    mark = alex.mark()
    clock.set(sydney(5, 9, 5))
    await cog.sweep()
    digest = await alex.wait_for(
        after(alex, mark, bot, "Your weekly noticeboard digest: 1 new notice"), "the digest"
    )
    assert digest.room_id not in (room_id, posted.room_id) and TITLE in digest.body
    assert "1. Stop these digests" in digest.body

    clock.set(sydney(6, 0, 10))
    await cog.sweep()
    closed = await alex.wait_for(
        lambda s: s.room_id == room_id and f"Closed: Training notice '{TITLE}'" in s.body,
        "the post edited to say it closed",
    )
    assert closed.content["m.relates_to"]["event_id"] == posted.event_id
    gone = await ask(alex, room_id, bot, "!notices list", "No open notices")
    assert gone.room_id != room_id
