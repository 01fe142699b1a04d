"""Invite-only networks (issue 20, item 17), through the registry as people use them: a join
becomes a request, coordinators are told once with Approve and Decline, approval makes a
member as an open join does, decline tells the person kindly, and nothing of the network is
shown to someone waiting."""

from __future__ import annotations

import json

import pytest

from bot.commands import Role
from bot.kernel import Kernel
from bot.replies import ActionRef, Reply
from tests.cogs.networks import (
    ADMIN_ID,
    ADMIN_KEY,
    as_console_shows,
    invoke,
    networks_with_people,
    press,
)

COAST = "Coast"


@pytest.fixture
async def coast(kernel: Kernel) -> int:
    """Coast, invite-only, with carol its coordinator and bob a member; Inland, open, with
    its own coordinator olive."""
    ids = await networks_with_people(
        kernel,
        [("coast", COAST, "coast", None), ("inland", "Inland", "inland", None)],
        [
            ("coast", "carol", Role.COORDINATOR),
            ("coast", "bob", Role.MEMBER),
            ("inland", "olive", Role.COORDINATOR),
        ],
    )
    reply = await invoke(
        kernel, "carol", "manage network edit", network="coast", joining="approval"
    )
    assert "Joining Coast now needs a coordinator's approval" in reply.text, reply.text
    assert "discord_event:off" in reply.text
    return ids["coast"]


async def outbox(kernel: Kernel, prefix: str) -> list[tuple[str, str, Reply]]:
    rows = await kernel.db.fetch_all(
        "SELECT key, target_id, message_json FROM outbox WHERE key LIKE ? ORDER BY id",
        (f"{prefix}%",),
    )
    return [
        (
            r["key"],
            r["target_id"],
            as_console_shows(Reply.model_validate(json.loads(r["message_json"]))),
        )
        for r in rows
    ]


async def role(kernel: Kernel, who: str, network_id: int) -> Role:
    return await kernel.registry.directory.role_of(f"console:{who}", network_id)


def button(reply: Reply, label: str) -> ActionRef:
    [found] = [b.action for b in reply.buttons if b.label == label]
    return found


async def test_a_join_becomes_a_request_and_coordinators_are_told_once(
    kernel: Kernel, coast: int
) -> None:
    asked = await invoke(kernel, "sam", "network join", network="coast")
    assert asked.private
    assert asked.text.startswith("Coast is invite-only: joining needs a coordinator's approval.")
    assert "a coordinator will look at it" in asked.text
    assert "you do not see the network's channels, members or meetings" in asked.text
    assert await role(kernel, "sam", coast) is Role.EVERYONE

    [(key, target, message)] = await outbox(kernel, "join-request:")
    assert (key, target) == ("join-request:1:ask:console:carol", "carol")
    assert message.private
    assert message.text.startswith("sam asked to join Coast, which needs a coordinator's approval.")
    assert [b.label for b in message.buttons] == ["Approve", "Decline"]

    again = await invoke(kernel, "sam", "network join", network="coast")
    assert again.text.startswith("You already asked to join Coast.")
    assert len(await outbox(kernel, "join-request:")) == 1  # nothing sent twice

    mine = await invoke(kernel, "sam", "network mine")
    assert "Waiting for approval:\n- Coast (coast): you asked to join" in mine.text


async def test_approve_makes_a_member_and_sends_the_welcome(kernel: Kernel, coast: int) -> None:
    await invoke(kernel, "sam", "network join", network="coast")
    [(_, _, ask)] = await outbox(kernel, "join-request:")

    refused = await press(kernel, "bob", button(ask, "Approve"))  # a member, not a coordinator
    assert "Only a coordinator" in refused.text or "You need to be" in refused.text
    other = await press(kernel, "olive", button(ask, "Approve"))  # another network's coordinator
    assert other.text == "Only a coordinator of Coast can decide who joins it. Nothing was changed."
    assert await role(kernel, "sam", coast) is Role.EVERYONE

    approved = await press(kernel, "carol", button(ask, "Approve"))
    assert approved.text == (
        "You approved sam's request. They are now a member of Coast and get the welcome privately."
    )
    assert await role(kernel, "sam", coast) is Role.MEMBER
    [(_, target, welcome)] = await outbox(kernel, "join-request:1:answer")
    assert target == "sam"
    assert welcome.text.startswith("Welcome to Coast. You joined as a member.")
    assert "Your coordinator: carol." in welcome.text

    twice = await press(kernel, "carol", button(ask, "Decline"))
    assert twice.text == "That request was already approved. Nothing was changed."
    assert await role(kernel, "sam", coast) is Role.MEMBER
    assert len(await outbox(kernel, "join-request:1:answer")) == 1

    # Now a member: what members see.
    listed = await invoke(kernel, "sam", "meeting list", network="coast")
    assert "You need to be" not in listed.text
    actions = [
        (e.actor_key, e.action, e.target)
        for e in await kernel.audit.entries(network_ids=[coast], action="network.join")
    ]
    assert actions == [
        ("console:carol", "network.join.approve", "console:sam"),
        ("console:sam", "network.join.ask", ""),
    ]


async def test_decline_tells_them_kindly_and_gives_nothing(kernel: Kernel, coast: int) -> None:
    await invoke(kernel, "sam", "network join", network="coast")
    [(_, _, ask)] = await outbox(kernel, "join-request:")
    declined = await press(kernel, "carol", button(ask, "Decline"))
    assert declined.text == (
        "You declined sam's request to join Coast. They are told kindly, privately, without a "
        "reason."
    )
    assert await role(kernel, "sam", coast) is Role.EVERYONE
    [(_, target, told)] = await outbox(kernel, "join-request:1:answer")
    assert target == "sam"
    assert told.text.startswith("Thank you for asking to join Coast.")
    assert "reason" not in told.text
    # They may ask again later: a new request, told to the coordinator again.
    await invoke(kernel, "sam", "network join", network="coast")
    assert [k for k, _, _ in await outbox(kernel, "join-request:2:ask")] == [
        "join-request:2:ask:console:carol"
    ]


async def test_a_request_can_be_withdrawn(kernel: Kernel, coast: int) -> None:
    await invoke(kernel, "sam", "network join", network="coast")
    [(_, _, ask)] = await outbox(kernel, "join-request:")
    taken = await invoke(kernel, "sam", "network withdraw", network="coast")
    assert taken.text.startswith("You took back your request to join Coast.")
    late = await press(kernel, "carol", button(ask, "Approve"))
    assert late.text == (
        "That request was taken back by the person who asked. Nothing was changed."
    )
    assert await role(kernel, "sam", coast) is Role.EVERYONE
    nothing = await invoke(kernel, "sam", "network withdraw", network="coast")
    assert nothing.text.startswith("You have no request waiting to join Coast")


async def test_coordinators_list_pending_requests_with_buttons(kernel: Kernel, coast: int) -> None:
    empty = await invoke(kernel, "carol", "manage network requests", network="coast")
    assert empty.text == "Nobody is waiting to join Coast."
    for who in ("sam", "tia"):
        await invoke(kernel, who, "network join", network="coast")
    listing = await invoke(kernel, "carol", "manage network requests", network="coast")
    assert listing.text.startswith("2 requests to join Coast, oldest first:")
    assert "- Request 1: sam, asked" in listing.text
    assert "- Request 2: tia, asked" in listing.text
    assert [b.label for b in listing.buttons] == [
        "Approve request 1",
        "Decline request 1",
        "Approve request 2",
        "Decline request 2",
    ]
    await press(kernel, "carol", button(listing, "Approve request 2"))
    assert await role(kernel, "tia", coast) is Role.MEMBER
    refused = await invoke(kernel, "bob", "manage network requests", network="coast")
    assert "You need to be" in refused.text


async def test_nothing_of_the_network_is_shown_to_someone_outside_it(
    kernel: Kernel, coast: int
) -> None:
    listed = await invoke(kernel, "sam", "network list")
    assert "- Coast (coast): invite-only (a coordinator approves each request)" in listed.text
    assert "Coast (coast): 2 members" not in listed.text
    assert "- Inland (inland): 1 member, time zone Australia/Sydney" in listed.text
    member_view = await invoke(kernel, "bob", "network list")
    assert "- Coast (coast): 2 members, time zone Australia/Sydney, invite-only" in (
        member_view.text
    )

    info = await invoke(kernel, "sam", "network info", network="coast")
    assert "carol" not in info.text and "bob" not in info.text
    assert "Members:" not in info.text and "Channels:" not in info.text
    assert "Next meeting" not in info.text
    assert "Ask to join with /network join network:coast" in info.text
    await invoke(kernel, "sam", "network join", network="coast")
    waiting = await invoke(kernel, "sam", "network info", network="coast")
    assert "carol" not in waiting.text
    assert "You asked to join; a coordinator will look at it." in waiting.text
    for command in ("meeting list", "meeting next", "manage network members"):
        refused = await invoke(kernel, "sam", command, network="coast")
        assert "You need to be" in refused.text, (command, refused.text)
    inside = await invoke(kernel, "bob", "network info", network="coast")
    assert "Coordinators: carol" in inside.text
    assert "Joining: invite-only (a coordinator approves each request)" in inside.text


async def test_without_a_coordinator_the_admins_decide(kernel: Kernel) -> None:
    ids = await networks_with_people(kernel, [("yarn", "Yarning Circle", "yarn", None)], [])
    await invoke(kernel, ADMIN_ID, "manage network edit", network="yarn", joining="approval")
    await invoke(kernel, "sam", "network join", network="yarn")
    [(key, target, ask)] = await outbox(kernel, "join-request:")
    assert (key, target) == (f"join-request:1:ask:{ADMIN_KEY}", ADMIN_ID)
    await press(kernel, ADMIN_ID, button(ask, "Approve"))
    assert await role(kernel, "sam", ids["yarn"]) is Role.MEMBER


async def test_open_again_joins_at_once(kernel: Kernel, coast: int) -> None:
    opened = await invoke(kernel, "carol", "manage network edit", network="coast", joining="open")
    assert "Joining Coast is open again" in opened.text
    joined = await invoke(kernel, "sam", "network join", network="coast")
    assert joined.text.startswith("Welcome to Coast. You joined as a member.")
    assert await outbox(kernel, "join-request:") == []


async def test_privacy_export_and_delete_cover_requests(kernel: Kernel, coast: int) -> None:
    await invoke(kernel, "sam", "network join", network="coast")
    exported = await kernel.privacy.export(kernel.db, "console:sam")
    [request] = exported["network requests"]
    assert (request["network"], request["status"]) == ("coast", "pending")
    counts = await kernel.privacy.delete(kernel.db, "console:sam")
    assert counts["network requests"] == 1
    assert await kernel.db.fetch_all("SELECT * FROM join_requests") == []


async def test_an_admin_joins_at_once_and_a_member_who_leaves_asks_again(
    kernel: Kernel, coast: int
) -> None:
    joined = await invoke(kernel, ADMIN_ID, "network join", network="coast")
    assert joined.text.startswith("Welcome to Coast. You joined as a member.")
    left = await invoke(kernel, "bob", "network leave", network="coast")
    assert left.text.startswith(
        "You have left Coast. To come back, ask again with /network join: a coordinator "
        "approves each request."
    )
    asked = await invoke(kernel, "bob", "network join", network="coast")
    assert asked.text.startswith("Coast is invite-only")
    assert await role(kernel, "bob", coast) is Role.EVERYONE
