"""The noticeboard (issue 21, item 3): a notice is posted once to the notices channel, listed
by /notices list with its filters, retired the day after it closes in the network's time
zone (the post edited to say so), and a subscriber gets one digest a week of new ones."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.replies import Reply
from tests.cogs.noticeboard.conftest import MONDAY, Board, at

LINK = "https://example.org/course"


async def post(board: Board, who: str = "carol", **extra: Any) -> Reply:
    options: dict[str, Any] = {
        "type": "training",
        "title": "Intentional Peer Support core training",
        "link": LINK,
        "summary": "Five days, in Wollongong.",
        "closes": MONDAY.isoformat(),
        "region": "nsw",
        "tags": "training ips",
        "network": "south-coast",
    }
    return await board.run(who, "notices post", **{**options, **extra})


async def count(board: Board, table: str) -> int:
    row = await board.kernel.db.fetch_one(f"SELECT count(*) AS n FROM {table}")
    return int(row["n"]) if row else 0


async def test_a_coordinators_notice_is_posted_once_and_listed(board: Board) -> None:
    reply = await post(board)
    assert reply.private and reply.text.startswith("Posted notice "), reply.text
    assert "open until the end of Monday 5 March 2035 (Australia/Sydney time)" in reply.text
    await board.deliver()
    await board.deliver()
    [shown] = board.channel()
    assert shown.startswith("Training notice: Intentional Peer Support core training\n")
    assert "Closes at the end of Monday 5 March 2035 (Australia/Sydney time)." in shown
    assert LINK in shown and "Tags: training, ips" in shown

    listed = await board.run("mia", "notices list")
    assert listed.private
    assert "- Training: Intentional Peer Support core training (New South Wales (NSW)), " in (
        listed.text
    )
    assert "closes Monday 5 March 2035" in listed.text
    assert "No open notices (job)" in (await board.run("mia", "notices list", type="job")).text
    assert "Intentional" in (await board.run("mia", "notices list", tag="IPS")).text
    assert "Intentional" in (await board.run("mia", "notices list", region="nsw")).text
    assert "No open notices" in (await board.run("mia", "notices list", region="qld")).text
    # Brisbane's member does not see South Coast's notices.
    assert "No open notices" in (await board.run("ben", "notices list")).text
    # It is one entry of the library, found by its search too.
    found = await board.run("mia", "resources search", query="intentional peer support")
    assert "Intentional Peer Support core training" in found.text


async def test_an_executive_posts_at_once_and_a_member_after_review(board: Board) -> None:
    assert (await post(board, "eve", title="Peer worker, Nowra", type="job")).text.startswith(
        "Posted notice"
    )
    reply = await post(board, "mia", title="Carer peer work forum", type="event")
    assert "is waiting for a coordinator or executive to review it" in reply.text
    await board.deliver()
    assert len(board.channel()) == 1  # only the executive's, so far
    queue = await board.run("eve", "library review", network="south-coast")
    assert "Carer peer work forum" in queue.text
    approve = next(b.action for b in queue.buttons if b.label == "Approve")
    await board.press("eve", approve)
    await board.deliver()
    posts = board.channel()
    assert len(posts) == 2 and posts[1].startswith("Event notice: Carer peer work forum")
    assert any("Carer peer work forum' was approved" in text for text in board.dms("mia"))


async def test_a_notice_closes_the_day_after_in_the_networks_time_zone(board: Board) -> None:
    await post(board)
    await board.deliver()
    board.clock.set(at(MONDAY, 23, 50))  # still the closing day in Sydney
    await board.sweep()
    assert board.port.edited == []
    assert "Intentional" in (await board.run("mia", "notices list")).text
    # Ten past midnight in Sydney: the day after. In UTC it is still the closing day, the
    # day the library compares with, so the notice would have stayed open until 11am.
    board.clock.set(at(MONDAY + dt.timedelta(days=1), 0, 10))
    assert board.clock.now().date() == MONDAY
    await board.sweep()
    [(message_id, _key, edited)] = board.port.edited
    assert message_id == "1"
    assert edited.text == (
        "Closed: Training notice 'Intentional Peer Support core training' (notice "
        f"{await newest(board)}). It closed at the end of Monday 5 March 2035. Type /notices "
        "list to see the notices still open."
    )
    assert "No open notices" in (await board.run("mia", "notices list")).text
    searched = await board.run("mia", "resources search", query="intentional peer support")
    assert "Intentional Peer Support core training" not in searched.text
    await board.sweep()  # again, and after a restart: closed once
    assert len(board.port.edited) == 1


async def newest(board: Board) -> int:
    row = await board.kernel.db.fetch_one("SELECT max(id) AS n FROM resources")
    return int(row["n"]) if row else 0


async def test_a_notice_that_closes_before_its_post_went_out_is_never_posted(
    board: Board,
) -> None:
    await post(board)
    board.clock.set(at(MONDAY + dt.timedelta(days=1), 1))
    await board.cog.board.close_due()
    await board.deliver()
    assert board.channel() == [] and board.port.edited == []


async def test_taking_a_notice_down_edits_its_post(board: Board) -> None:
    await post(board)
    await board.deliver()
    retired = await board.run("carol", "library retire", entry=str(await newest(board)))
    assert retired.text.startswith("Retired"), retired.text
    await board.deliver()
    [(_, _, edited)] = board.port.edited
    assert "It was taken off the noticeboard before its closing date." in edited.text


async def test_one_digest_a_week_with_only_new_matching_notices(board: Board) -> None:
    subscribed = await board.run("mia", "notices subscribe", tags="ips", network="south-coast")
    assert subscribed.text.startswith("Subscribed: once a week, on Monday from 9am"), (
        subscribed.text
    )
    board.clock.set(board.clock.now() + dt.timedelta(minutes=1))
    await post(board, closes=(MONDAY + dt.timedelta(days=10)).isoformat())
    await post(board, title="Peer worker, Bega", type="job", tags="job")  # not followed
    board.clock.set(at(MONDAY, 8, 59))
    await board.sweep()
    assert board.dms("mia") == []  # not before 9am on Monday
    board.clock.set(at(MONDAY, 9, 5))
    await board.sweep()
    [digest] = board.dms("mia")
    assert digest.startswith(
        "Your weekly noticeboard digest: 1 new notice for South Coast matching what you follow."
    )
    assert "Intentional Peer Support core training" in digest and "Bega" not in digest
    reply = board.port.replies[-1]
    assert [b.label for b in reply.buttons] == ["Stop these digests"]
    # A new notice the same week waits for next week's digest.
    board.clock.set(at(MONDAY, 11))
    await post(board, title="IPS refresher", closes=(MONDAY + dt.timedelta(days=20)).isoformat())
    board.clock.set(at(MONDAY, 15))
    await board.sweep()
    assert len(board.dms("mia")) == 1
    board.clock.set(at(MONDAY + dt.timedelta(days=7), 9, 30))
    await board.sweep()
    second = board.dms("mia")[1]
    assert "IPS refresher" in second and "core training" not in second
    # A week with nothing new sends nothing.
    board.clock.set(at(MONDAY + dt.timedelta(days=14), 9, 30))
    await board.sweep()
    assert len(board.dms("mia")) == 2
    # One click stops it.
    stopped = await board.press("mia", reply.buttons[0].action)
    assert stopped.text.startswith("Stopped: you will get no more weekly noticeboard digests.")
    assert await count(board, "notice_subscriptions") == 0


async def test_bad_input_is_refused_and_changes_nothing(board: Board) -> None:
    before = await count(board, "resources"), await count(board, "outbox")
    past = await post(board, closes=(MONDAY - dt.timedelta(days=3)).isoformat())
    assert past.private and past.text.startswith("The closing date 2035-03-02 has already passed")
    assert past.text.endswith("Nothing was changed.")
    bad_link = await post(board, link="not a link")
    assert bad_link.private and "web address" in bad_link.text
    assert (await count(board, "resources"), await count(board, "outbox")) == before
    region = await board.run("mia", "notices subscribe", regions="nsw sydney")
    assert region.text.startswith(
        "'sydney' is not a region. Use one or more of: national, international, nsw"
    )
    assert await count(board, "notice_subscriptions") == 0
    nothing = await board.run("mia", "notices unsubscribe")
    assert nothing.text == "You had no noticeboard digest to stop. Nothing was changed."


async def test_privacy_export_and_delete_cover_subscriptions(board: Board) -> None:
    await board.run("mia", "notices subscribe", tags="ips", regions="nsw")
    exported = await board.kernel.privacy.export(board.kernel.db, "console:mia")
    assert exported["noticeboard"]["digest_subscriptions"][0]["tags"] == ["ips"]
    await post(board, "mia")  # a member's notice is a library suggestion: covered there
    exported = await board.kernel.privacy.export(board.kernel.db, "console:mia")
    assert exported["resources"]["submissions"][0]["entry"]["type"] == "training"
    deleted = await board.kernel.privacy.delete(board.kernel.db, "console:mia")
    assert deleted["noticeboard"] == 1 and deleted["resources"] >= 1
    assert await count(board, "notice_subscriptions") == 0


async def test_editing_a_posted_notice_edits_its_post(board: Board) -> None:
    await post(board)
    await board.deliver()
    number = str(await newest(board))
    later = (MONDAY + dt.timedelta(days=7)).isoformat()
    changed = await board.run("carol", "library edit", entry=number, closes=later)
    assert changed.text.startswith(f"Changed entry {number}"), changed.text
    await board.deliver()
    [(message_id, _, edited)] = board.port.edited
    assert message_id == "1" and "Closes at the end of Monday 12 March 2035" in edited.text
    assert len(board.channel()) == 1  # edited, not posted again
    board.clock.set(at(MONDAY + dt.timedelta(days=1), 0, 10))
    await board.sweep()
    assert len(board.port.edited) == 1  # the new closing date holds


async def test_a_notice_posted_without_a_notices_channel_is_listed_only(board: Board) -> None:
    reply = await board.run(
        "bea",
        "notices post",
        type="job",
        title="Peer worker, Logan",
        link="https://example.org/logan",
        summary="A paid role.",
        closes=MONDAY.isoformat(),
        network="brisbane",
    )
    assert "The network has no notices channel yet" in reply.text
    await board.deliver()
    assert board.port.sent == []
    assert "Peer worker, Logan" in (await board.run("ben", "notices list")).text


async def test_leaving_the_network_stops_its_digest(board: Board) -> None:
    await board.run("mia", "notices subscribe", network="south-coast")
    left = await board.run("mia", "network leave", network="south-coast")
    assert "Your weekly noticeboard digest for South Coast stopped." in left.text, left.text
    assert await count(board, "notice_subscriptions") == 0


def test_national_and_international_notices_reach_every_region_subscriber() -> None:
    from types import SimpleNamespace
    from typing import cast

    from cogs.noticeboard.models import Subscription
    from cogs.resources.models import Region, Resource

    nsw = Subscription("console:mia", 1, tags="", regions="nsw", offered_through=0)

    def notice(region: Region) -> Resource:
        return cast(Resource, SimpleNamespace(region=region, tags="ips"))

    assert nsw.matches(notice(Region.INTERNATIONAL)) and nsw.matches(notice(Region.NATIONAL))
    assert nsw.matches(notice(Region.NSW)) and not nsw.matches(notice(Region.VIC))
