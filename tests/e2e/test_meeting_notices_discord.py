"""Meeting notices stay in step with their meeting, on Discord (issue 15): the real peerbot on
the fake Discord, tried as a coordinator would. An edit moves the posted notice's time within
one outbox pass, the members who said Going or Maybe get a "moved" DM with buttons to change
their answer, and a skipped notice says "Skipped" with no live buttons; a press on a button
that was still showing gets a private, kind answer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.e2e.fakediscord import FakeDiscord
from tests.e2e.test_meetings_discord import (
    GOING,
    MAYBE,
    NOT_GOING,
    OCCURRENCE,
    START,
    Meeting,
    announce_and_rsvp,
    meeting,  # noqa: F401 (a fixture)
    meeting_cmd,
)
from tests.e2e.test_networks_discord import COORDINATOR, EPHEMERAL, answer, dm_to

MOVED = datetime(2027, 3, 10, 3, 0, tzinfo=UTC)  # 14:00 AEDT on Wednesday 10 March 2027
BUTTON = 2


def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (c["label"], c["custom_id"])
        for row in message.get("components", [])
        for c in row["components"]
        if c["type"] == BUTTON
    ]


def fields(message: dict[str, Any]) -> dict[str, str]:
    return {f["name"]: f["value"] for f in message["embeds"][0]["fields"]}


async def one_pass(m: Meeting) -> None:
    """One pass of the outbox worker (the running worker may have done it already)."""
    assert m.bot.app is not None and m.bot.app.worker is not None
    await m.bot.app.worker.run_once()


async def pending(m: Meeting) -> list[str]:
    rows = await m.bot.kernel.db.fetch_all("SELECT key FROM outbox WHERE status = 'pending'")
    return [str(r["key"]) for r in rows]


async def test_an_edit_moves_the_notice_in_one_pass_and_tells_going_and_maybe_privately(
    meeting: Meeting,  # noqa: F811 (the fixture above)
) -> None:
    fake = meeting.fake
    channel, notice_id = await announce_and_rsvp(meeting)

    reply = await meeting_cmd(
        fake,
        "edit",
        {"network": "coast", "date": OCCURRENCE, "time": "14:00"},
        user=COORDINATOR,
    )
    assert reply["flags"] & EPHEMERAL
    assert "Wednesday 10 March 2027, 14:00 to 16:00 AEDT" in reply["content"], reply
    assert (
        "The 2 people who said they would or might come are being told privately"
        in (reply["content"])
    )

    await one_pass(meeting)
    assert await pending(meeting) == []
    shown = fake.state.message(notice_id, channel)
    assert fields(shown)["When"] == (
        f"Wednesday 10 March 2027, 14:00 to 16:00 AEDT (<t:{int(MOVED.timestamp())}:F>)"
    )
    assert shown["embeds"][0]["footer"]["text"] == "Going: 1, Maybe: 1, Can't go: 1"
    assert [label for label, _ in buttons(shown)] == ["Going", "Maybe", "Can't go"]
    public = [m for m in fake.messages_in(channel) if not m.get("flags", 0) & EPHEMERAL]
    assert [int(m["id"]) for m in public] == [notice_id]  # edited in place

    to_going = await dm_to(fake, GOING)
    assert to_going["content"].startswith("The Coast meeting has moved.\n"), to_going
    assert (
        f"It was: Wednesday 10 March 2027, 10:00 to 12:00 AEDT (<t:{int(START.timestamp())}:F>)"
        in to_going["content"]
    )
    assert (
        f"It is now: Wednesday 10 March 2027, 14:00 to 16:00 AEDT (<t:{int(MOVED.timestamp())}:F>)"
        in to_going["content"]
    )
    assert "You said you would come, so your answer stays Going." in to_going["content"]
    assert [label for label, _ in buttons(to_going)] == ["Going", "Maybe", "Can't go"]
    to_maybe = await dm_to(fake, MAYBE)
    assert "You said you might come, so your answer stays Maybe." in to_maybe["content"]
    assert fake.user_id(NOT_GOING) not in fake.state.dm_by_user

    # The member answers from the DM: saved, and the notice's counts follow.
    dm_message = next(
        m
        for m in fake.messages_in(fake.state.dm_by_user[fake.user_id(GOING)])
        if "has moved" in m["content"]
    )
    cant_go = dict(buttons(dm_message))["Can't go"]
    saved = await answer(await fake.click_button(cant_go, message=dm_message, user=GOING))
    assert saved["flags"] & EPHEMERAL
    assert saved["content"].startswith("Saved: Can't go to the meeting on Wednesday 10 March")
    await one_pass(meeting)
    shown = fake.state.message(notice_id, channel)
    assert shown["embeds"][0]["footer"]["text"] == "Going: 0, Maybe: 1, Can't go: 2"

    # A restart sends nothing again: no second DM, no further edit.
    edits = len(fake.requests_matching("PATCH", f"/channels/{channel}/messages/{notice_id}"))
    dms = len(fake.messages_in(fake.state.dm_by_user[fake.user_id(GOING)]))
    await meeting.bot.stop()
    await meeting.bot.start()
    await meeting_cmd(fake, "next", {"network": "coast"}, user=GOING)
    await one_pass(meeting)
    assert len(fake.requests_matching("PATCH", f"/channels/{channel}/messages/{notice_id}")) == (
        edits
    )
    assert len(fake.messages_in(fake.state.dm_by_user[fake.user_id(GOING)])) == dms


async def test_a_skipped_notice_says_skipped_with_no_live_buttons(
    meeting: Meeting,  # noqa: F811 (the fixture above)
) -> None:
    fake = meeting.fake
    channel, notice_id = await announce_and_rsvp(meeting)
    app = meeting.bot.app
    assert app is not None and app.worker is not None
    # The worker is held back, so the member's screen still shows the buttons when they press.
    await app.worker.stop()
    reply = await meeting_cmd(
        fake, "skip", {"network": "coast", "date": OCCURRENCE}, user=COORDINATOR
    )
    assert reply["content"].startswith("Skipped the Coast meeting on Wednesday 10 March 2027")
    late = await answer(
        await fake.click_button(meeting.custom_id("going"), message=notice_id, user=NOT_GOING)
    )
    assert late["flags"] & EPHEMERAL
    assert late["content"] == (
        "Thank you, but the Coast meeting on Wednesday 10 March 2027, 10:00 to 12:00 AEDT was "
        "skipped, so it needs no answer. Type /meeting next to see the next one."
    )

    app.worker.start()
    edited = await fake.wait_for_request("PATCH", f"/channels/{channel}/messages/{notice_id}")
    while edited.json.get("components") != []:  # the answers' edits come first
        edited = await fake.wait_for_request("PATCH", f"/channels/{channel}/messages/{notice_id}")
    shown = fake.state.message(notice_id, channel)
    assert shown["components"] == []
    embed = shown["embeds"][0]
    assert embed["title"] == "Skipped: Coast meeting"
    assert embed["description"].startswith("Skipped. This meeting will not take place")
    assert list(fields(shown)) == ["When"]
    told = await dm_to(fake, GOING)
    assert "is skipped" in told["content"] and "You said you would come" in told["content"]
    # As on Discord, a button that is gone cannot be pressed any more.
    with pytest.raises(LookupError):
        await fake.click_button(meeting.custom_id("maybe"), message=notice_id, user=MAYBE)


async def test_cancelling_the_whole_series_asks_first_with_a_one_time_button(
    meeting: Meeting,  # noqa: F811 (the fixture above)
    fake_discord: FakeDiscord,
) -> None:
    fake = fake_discord
    channel, notice_id = await announce_and_rsvp(meeting)
    asked = await meeting_cmd(fake, "cancel", {"network": "coast", "whole": True}, user=COORDINATOR)
    assert asked["flags"] & EPHEMERAL
    assert asked["content"].startswith("This cancels every meeting to come of the Coast meeting")
    assert fake.state.message(notice_id, channel)["components"] != []  # nothing yet
    confirm = dict(buttons(asked))["Cancel the whole series"]
    prompt = next(m for m in fake.state.messages.values() if confirm in str(m.get("components")))
    done = await answer(await fake.click_button(confirm, message=prompt, user=COORDINATOR))
    assert done["content"].startswith("Cancelled the whole series Coast meeting"), done
    await one_pass(meeting)
    shown = fake.state.message(notice_id, channel)
    assert shown["components"] == []
    assert shown["embeds"][0]["title"] == "Cancelled: Coast meeting"
    again = await answer(await fake.click_button(confirm, message=prompt, user=COORDINATOR))
    assert again["content"].startswith("That confirmation has expired or was already used")
