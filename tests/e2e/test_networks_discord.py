"""Networks and moderation end to end on Discord (issue 4, item 7): the real discord.py client
and the real peerbot against the fake Discord. Set-up (role, category, channels and their
permission overwrites as requested payloads), join by select menu, lock, report, a refusal for
a member, and the private welcome for someone who joins the server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.e2e.fakediscord import FakeDiscord, RecordedRequest
from tests.e2e.fakediscord.interactions import CommandNotShown
from tests.e2e.peerbot_on_fake import ADMIN, PeerbotOnFake
from tests.e2e.test_peerbot_discord import Launcher
from tests.e2e.typed import current

EPHEMERAL = 64
DEFERRED = 5
SELECT = 3
CATEGORY = 4
TEXT = 0
ROLE_OVERWRITE = 0
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
PURPOSES = ("announcements", "general", "reflection", "resources")
COORDINATOR = "carol"
MEMBER = "bob"
CONCERN = "Someone keeps posting a client's full name in the general channel"
NOTE = "Spoke with them privately and removed the posts"


@pytest.fixture
async def launcher(fake_discord: FakeDiscord, tmp_path: Path) -> AsyncIterator[Launcher]:
    started = Launcher(fake_discord, tmp_path)
    try:
        yield started
    finally:
        await started.stop_all()


@pytest.fixture
async def bot(launcher: Launcher) -> PeerbotOnFake:
    """peerbot with three networks, carol the coordinator of Coast (granted by the admin)."""
    started = await launcher.start()
    fake = launcher.fake
    for name, slug in (("Coast", "coast"), ("Tablelands", "tablelands"), ("Riverina", "riverina")):
        created = await answer(
            await fake.send_slash_command(
                "network", {"name": name, "slug": slug}, subcommand="create", user=ADMIN
            )
        )
        assert "Created the network" in created["content"], created
    granted = await answer(
        await fake.send_command(
            "manage network role",
            {"network": "coast", "member": COORDINATOR, "role": "coordinator"},
            user=ADMIN,
        )
    )
    assert "is now a coordinator of Coast" in granted["content"], granted
    return started


async def answer(handle: Any) -> dict[str, Any]:
    """The message data the bot answered with, whether at once or after deferring."""
    callback: dict[str, Any] = await handle.callback()
    if callback["type"] == DEFERRED:
        assert callback["data"]["flags"] & EPHEMERAL
        await handle.edit_original()  # "thinking..." becomes the answer
        shown: dict[str, Any] = handle.original_message
        return shown
    data: dict[str, Any] = callback["data"]
    return data


async def run(
    fake: FakeDiscord, sub: str, options: dict[str, Any] | None = None, **kwargs: Any
) -> dict[str, Any]:
    return await answer(await fake.send_command(current(f"network {sub}"), options, **kwargs))


async def mod(
    fake: FakeDiscord, sub: str, options: dict[str, Any] | None = None, **kwargs: Any
) -> dict[str, Any]:
    return await answer(await fake.send_command(current(f"mod {sub}"), options, **kwargs))


async def setup_coast(fake: FakeDiscord) -> dict[str, Any]:
    return await run(fake, "setup", {"network": "coast"}, user=COORDINATOR)


async def create_coast(
    fake: FakeDiscord,
    *,
    members: tuple[str, ...] = (),
    set_up: bool = True,
    timezone: str | None = None,
) -> None:
    """The network most feature tests start from: Coast, created by the admin, with carol as
    its coordinator, (when ``set_up``) its channels, and ``members`` joined."""
    options = {"name": "Coast", "slug": "coast"}
    if timezone is not None:
        options["timezone"] = timezone
    created = await run(fake, "create", options, user=ADMIN)
    assert "Created the network" in created["content"], created
    granted = await run(
        fake, "role", {"network": "coast", "member": COORDINATOR, "role": "coordinator"}, user=ADMIN
    )
    assert "is now a coordinator of Coast" in granted["content"], granted
    if set_up:
        done = await setup_coast(fake)
        assert done["content"].startswith("Set up Coast here."), done
        # Meeting notices mention the network's member role on purpose (and only it).
        fake.may_ping_roles |= {
            int(r["id"]) for r in fake.guild.roles.values() if r["name"] == "Coast member"
        }
    for member in members:
        joined = await run(fake, "join", {"network": "coast"}, user=member)
        assert joined["content"].startswith("Welcome to Coast."), joined


#: The server-wide role that shows the staff commands, made at start (test_staff_menu_discord
#: follows it); the tests here are about the networks' own roles and channels.
STAFF_MENU_ROLE = "peerbot staff"


def network_role_posts(fake: FakeDiscord) -> list[RecordedRequest]:
    """Every network role the bot asked Discord to create, in order."""
    posts = fake.requests_matching("POST", f"/guilds/{fake.guild_id}/roles")
    return [r for r in posts if r.json.get("name") != STAFF_MENU_ROLE]


def creations(fake: FakeDiscord) -> list[RecordedRequest]:
    """Every channel or network role the bot asked Discord to create, in order."""
    g = fake.guild_id
    made = fake.requests_matching("POST", f"/guilds/{g}/channels") + network_role_posts(fake)
    return sorted(made, key=lambda r: r.received_at)


def overwrites(payload: dict[str, Any]) -> dict[int, tuple[int, int, int]]:
    """Overwrite target id -> (type, allow, deny), from a channel payload or request."""
    return {
        int(o["id"]): (int(o["type"]), int(o["allow"]), int(o["deny"]))
        for o in payload.get("permission_overwrites", [])
    }


def the_select(message: dict[str, Any]) -> dict[str, Any]:
    """The one select menu (component type 3) of a message."""
    selects = [
        c for row in message.get("components", []) for c in row["components"] if c["type"] == SELECT
    ]
    assert len(selects) == 1, message
    menu: dict[str, Any] = selects[0]
    return menu


def dm_channel_of(fake: FakeDiscord, user: str) -> int:
    return int(fake.state.dm_by_user[fake.user_id(user)])


async def dm_to(fake: FakeDiscord, user: str) -> dict[str, Any]:
    """The next message the bot sends to ``user`` by DM (opening the DM first if needed)."""
    user_id = fake.user_id(user)
    if user_id not in fake.state.dm_by_user:
        while True:
            opened = await fake.wait_for_request("POST", "/users/@me/channels")
            if int(opened.json["recipient_id"]) == user_id:
                break
    sent = await fake.wait_for_request("POST", f"/channels/{dm_channel_of(fake, user)}/messages")
    body: dict[str, Any] = sent.json
    return body


async def test_setup_creates_role_category_and_private_channels(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    g = fake_discord.guild_id
    done = await setup_coast(fake_discord)
    assert done["flags"] & EPHEMERAL
    assert done["content"].startswith("Set up Coast here."), done

    roles = network_role_posts(fake_discord)
    assert [r.json["name"] for r in roles] == [
        "Coast member",
        "Coast executives",
        "Coast coordinators",
    ]
    assert all(r.status == 200 for r in roles)
    role_id = int(roles[0].response["id"])
    staff = [int(r.response["id"]) for r in roles[1:]]

    channels = fake_discord.requests_matching("POST", f"/guilds/{g}/channels")
    assert [c.json["type"] for c in channels] == [CATEGORY, TEXT, TEXT, TEXT, TEXT]
    category, texts = channels[0], channels[1:]
    category_id = int(category.response["id"])
    for purpose, request in zip(PURPOSES, texts, strict=True):
        assert request.json["name"].endswith(purpose)
        assert int(request.json["parent_id"]) == category_id
    for request in channels:
        ow = overwrites(request.json)
        everyone_type, everyone_allow, everyone_deny = ow[g]
        assert everyone_type == ROLE_OVERWRITE
        assert everyone_deny & VIEW_CHANNEL and not everyone_allow & VIEW_CHANNEL
        kind, allow, deny = ow[role_id]
        assert kind == ROLE_OVERWRITE and allow & VIEW_CHANNEL and not deny & VIEW_CHANNEL
    announcements = overwrites(texts[0].json)[role_id]
    assert announcements[2] & SEND_MESSAGES
    for request in texts:  # executives and coordinators post everywhere, announcements too
        for staff_role in staff:
            kind, allow, deny = overwrites(request.json)[staff_role]
            assert kind == ROLE_OVERWRITE and allow & SEND_MESSAGES and allow & VIEW_CHANNEL
    for request in texts[1:]:
        assert not overwrites(request.json)[role_id][2] & SEND_MESSAGES

    # What the fake computes from those overwrites: outsiders cannot see, members can read.
    bob = fake_discord.user_id(MEMBER)
    general = int(texts[1].response["id"])
    assert not fake_discord.state.permissions_for(g, bob, general) & VIEW_CHANNEL
    fake_discord.state.member(g, bob)["roles"].append(str(role_id))
    assert fake_discord.state.permissions_for(g, bob, general) & VIEW_CHANNEL
    assert fake_discord.state.permissions_for(g, bob, general) & SEND_MESSAGES
    announce = int(texts[0].response["id"])
    assert not fake_discord.state.permissions_for(g, bob, announce) & SEND_MESSAGES


async def test_setup_again_creates_nothing_and_repairs_only_what_was_deleted(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    await setup_coast(fake_discord)
    before = len(creations(fake_discord))
    assert before == 8  # three roles, a category, four channels

    again = await setup_coast(fake_discord)
    assert "already set up" in again["content"], again
    assert len(creations(fake_discord)) == before
    assert "Created" not in again["content"]

    reflection = int(
        next(
            r.response
            for r in fake_discord.requests_matching(
                "POST", f"/guilds/{fake_discord.guild_id}/channels"
            )
            if r.json["name"].endswith("reflection")
        )["id"]
    )
    async with (
        aiohttp.ClientSession() as http,
        http.delete(
            f"{fake_discord.api_url}/channels/{reflection}",
            headers={"Authorization": f"Bot {fake_discord.token}"},
        ) as deleted,
    ):
        assert deleted.status == 200

    repaired = await setup_coast(fake_discord)
    assert "Created: reflection." in repaired["content"], repaired
    made = creations(fake_discord)[before:]
    assert len(made) == 1
    assert made[0].json["type"] == TEXT and made[0].json["name"].endswith("reflection")
    category = fake_discord.channel("Coast")
    assert int(made[0].json["parent_id"]) == int(category["id"])
    assert int(made[0].response["id"]) in fake_discord.state.channels


async def test_join_by_select_menu_gives_the_network_role(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    g = fake_discord.guild_id
    await setup_coast(fake_discord)
    role_id = int(network_role_posts(fake_discord)[0].response["id"])

    asked = await run(fake_discord, "join", user=MEMBER)
    assert asked["flags"] & EPHEMERAL
    menu = the_select(asked)
    assert {o["value"] for o in menu["options"]} == {"coast", "tablelands", "riverina"}

    chosen = await answer(
        await fake_discord.choose_select(menu["custom_id"], ["coast"], user=MEMBER)
    )
    assert chosen["content"].startswith("Welcome to Coast."), chosen
    bob = fake_discord.user_id(MEMBER)
    put = await fake_discord.wait_for_request("PUT", f"/guilds/{g}/members/{bob}/roles/{role_id}")
    assert put.status == 204
    assert str(role_id) in fake_discord.state.member(g, bob)["roles"]

    mine = await run(fake_discord, "mine", user=MEMBER)
    assert "Coast (coast): member" in mine["content"]
    assert "tablelands" not in mine["content"]


async def test_lock_denies_sending_and_keeps_the_channel_private(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    g = fake_discord.guild_id
    await setup_coast(fake_discord)
    general = fake_discord.channel_id("coast-general")

    locked = await mod(
        fake_discord, "lock", {"channel": "coast-general", "network": "coast"}, user=COORDINATOR
    )
    assert locked["flags"] & EPHEMERAL
    assert locked["content"].startswith("Locked"), locked
    put = await fake_discord.wait_for_request("PUT", f"/channels/{general}/permissions/{g}")
    assert int(put.json["deny"]) & SEND_MESSAGES
    assert int(put.json["deny"]) & VIEW_CHANNEL  # still hidden from @everyone
    assert not int(put.json["allow"]) & VIEW_CHANNEL
    _, _, deny = overwrites(fake_discord.state.channel(general))[g]
    assert deny & SEND_MESSAGES and deny & VIEW_CHANNEL
    outsider = fake_discord.user_id(MEMBER)
    assert not fake_discord.state.permissions_for(g, outsider, general) & VIEW_CHANNEL


async def test_report_reaches_the_coordinator_is_closed_and_audited(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    await setup_coast(fake_discord)
    joined = await run(fake_discord, "join", {"network": "coast"}, user=MEMBER)
    assert joined["content"].startswith("Welcome to Coast."), joined

    reported = await mod(fake_discord, "report", {"concern": CONCERN}, user=MEMBER)
    assert reported["flags"] & EPHEMERAL
    assert reported["content"].startswith("Thank you. Your report (number 1)"), reported

    told = await dm_to(fake_discord, COORDINATOR)
    assert "New report (number 1) in Coast" in told["content"]

    listed = await mod(fake_discord, "reports", {"network": "coast"}, user=COORDINATOR)
    assert listed["flags"] & EPHEMERAL
    assert "Number 1" in listed["content"] and CONCERN in listed["content"]

    closed = await mod(
        fake_discord, "close", {"report": 1, "note": NOTE, "network": "coast"}, user=COORDINATOR
    )
    assert closed["content"].startswith("Closed report number 1."), closed
    reporter = await dm_to(fake_discord, MEMBER)
    assert "closed it" in reporter["content"] and "number 1" in reporter["content"]
    assert NOTE not in reporter["content"]

    audit = await mod(fake_discord, "audit", user=COORDINATOR)
    text = audit["content"]
    assert audit["flags"] & EPHEMERAL
    for entry in ("network.setup", "mod.report", "mod.close"):
        assert entry in text, text
    assert CONCERN not in text and NOTE not in text


async def test_a_member_is_refused_coordinator_commands_and_nothing_changes(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    await run(fake_discord, "join", {"network": "coast"}, user=MEMBER)
    refused = await run(fake_discord, "setup", {"network": "coast"}, user=MEMBER)
    assert refused["flags"] & EPHEMERAL
    assert refused["content"].startswith("You need to be a coordinator in Coast"), refused
    assert creations(fake_discord) == []

    general = fake_discord.channel_id("general")
    with pytest.raises(CommandNotShown):  # a member's menu has no /mod
        await mod(fake_discord, "lock", {"network": "coast"}, user=MEMBER, channel="general")
    assert fake_discord.requests_matching("PUT", f"/channels/{general}/permissions/{{id}}") == []
    assert creations(fake_discord) == []


async def test_a_new_member_gets_a_private_welcome_with_the_networks(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    await fake_discord.member_joins("dave")
    welcome = await dm_to(fake_discord, "dave")
    assert bot.kernel.settings.networks.welcome_text in welcome["content"]
    assert "Coast (coast)" in welcome["content"]
    menu = the_select(welcome)
    assert {o["value"] for o in menu["options"]} == {"coast", "tablelands", "riverina"}
    buttons = [c for row in welcome["components"] for c in row["components"] if c["type"] == 2]
    assert [b["label"] for b in buttons] == ["Read the guidelines"]

    chosen = await answer(
        await fake_discord.choose_select(menu["custom_id"], ["tablelands"], user="dave")
    )
    assert chosen["content"].startswith("Welcome to Tablelands."), chosen


async def test_done_when_two_members_join_one_reports_and_the_audit_shows_it_all(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    """The issue's "Done when", through the fake Discord."""
    listed = await run(fake_discord, "list", user=MEMBER)
    names = {field["name"] for field in listed["embeds"][0]["fields"]}
    assert names == {"Coast (coast)", "Tablelands (tablelands)", "Riverina (riverina)"}
    await setup_coast(fake_discord)

    await fake_discord.member_joins("dave")
    welcome = await dm_to(fake_discord, "dave")
    menu = the_select(welcome)
    picked = await answer(
        await fake_discord.choose_select(menu["custom_id"], ["coast"], user="dave")
    )
    assert picked["content"].startswith("Welcome to Coast."), picked
    asked = await run(fake_discord, "join", user=MEMBER)
    custom_id = the_select(asked)["custom_id"]
    joined = await answer(await fake_discord.choose_select(custom_id, ["coast"], user=MEMBER))
    assert joined["content"].startswith("Welcome to Coast."), joined

    members = await run(fake_discord, "members", {"network": "coast"}, user=COORDINATOR)
    for name in (MEMBER, "dave", COORDINATOR):
        assert f"<@{fake_discord.user_id(name)}>" in members["content"], members
    info = await run(fake_discord, "info", {"network": "coast"}, user="dave")
    fields = {field["name"]: field["value"] for field in info["embeds"][0]["fields"]}
    assert fields["Members"] == "3", info
    general = fake_discord.channel_id("coast-general")
    assert f"general: <#{general}>" in fields["Channels"], info  # a channel link

    reported = await mod(fake_discord, "report", {"concern": CONCERN}, user="dave")
    assert "Your report (number 1)" in reported["content"], reported
    assert CONCERN in (await dm_to(fake_discord, COORDINATOR))["content"]
    closed = await mod(
        fake_discord, "close", {"report": 1, "note": NOTE, "network": "coast"}, user=COORDINATOR
    )
    assert closed["content"].startswith("Closed report number 1."), closed
    assert "closed it" in (await dm_to(fake_discord, "dave"))["content"]
    still_open = await mod(fake_discord, "reports", {"network": "coast"}, user=COORDINATOR)
    assert still_open["content"] == "There are no open reports in Coast."

    audit = await mod(fake_discord, "audit", {"of": "coast"}, user=COORDINATOR)
    for entry in ("network.create", "network.setup", "mod.report", "mod.close"):
        assert entry in audit["content"], audit
    assert CONCERN not in audit["content"] and NOTE not in audit["content"]
    everything = await mod(fake_discord, "audit", user=ADMIN)
    assert "network.create" in everything["content"] and "mod.close" in everything["content"]
