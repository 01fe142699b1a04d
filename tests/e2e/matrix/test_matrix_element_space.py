"""Set-up in a space made in Element, and the welcome on joining it (issue 17, items 4, 6, 8).

Element makes a space with ``events_default: 100`` and ``invite: 50`` and gives anyone it
invites level 0, so a bot invited there may not add rooms (``m.space.child`` needs the state
default, 50). ``!network setup`` then says, privately, which level to raise and where (the
space as a link, not a bare id), creates nothing, and never "Set up ... here"; first, while
the bot is not in the space at all, it says to invite it. With the level raised, set-up works
and lists the network's space in it. Someone who joins a room in the space gets the private
welcome, which explains the space invitation."""

from __future__ import annotations

import nio

from tests.e2e.matrix.peerbot_on_synapse import PeerbotOnSynapse, Person, after, ask


async def element_space(admin: Person, bot: PeerbotOnSynapse) -> tuple[str, str]:
    """A space as Element's "Create a space" (private) makes it, without the bot, and a
    lobby room in it with the bot; (space, lobby)."""
    server = bot.user_id.partition(":")[2]
    created = await admin.client.room_create(
        name="Peer networks",
        space=True,
        preset=nio.RoomPreset.private_chat,
        power_level_override={"events_default": 100, "invite": 50},
    )
    assert isinstance(created, nio.RoomCreateResponse), created
    space = str(created.room_id)
    parent = {
        "type": "m.space.parent",
        "state_key": space,
        "content": {"via": [server], "canonical": True},
    }
    lobby = await admin.client.room_create(
        name="Lobby",
        invite=[bot.user_id],
        initial_state=[
            parent,
            {
                "type": "m.room.join_rules",
                "state_key": "",
                "content": {
                    "join_rule": "restricted",
                    "allow": [{"type": "m.room_membership", "room_id": space}],
                },
            },
        ],
    )
    assert isinstance(lobby, nio.RoomCreateResponse), lobby
    room_id = str(lobby.room_id)
    put = await admin.client.room_put_state(
        space, "m.space.child", {"via": [server]}, state_key=room_id
    )
    assert isinstance(put, nio.RoomPutStateResponse), put
    await admin.wait_joined(room_id, bot.user_id)
    return space, room_id


async def test_set_up_in_an_element_space_says_which_power_level_to_raise(
    bot: PeerbotOnSynapse, admin: Person, alex: Person
) -> None:
    space, lobby = await element_space(admin, bot)
    await ask(admin, lobby, bot, "!network create name:Coast slug:coast", "Created the network")

    mark = admin.mark()
    outside = await ask(admin, lobby, bot, "!network setup network:coast", "cannot read the space")
    assert outside.room_id != lobby
    assert "Invite peerbot to the space" in outside.body
    assert f'href="https://matrix.to/#/{space}' in outside.html  # a link to the space

    invited = await admin.client.room_invite(space, bot.user_id)
    assert isinstance(invited, nio.RoomInviteResponse), invited
    await admin.wait_joined(space, bot.user_id)
    refused = await ask(admin, lobby, bot, "!network setup network:coast", "may not add rooms")
    assert "power level 50 (Moderator)" in refused.body and "peerbot has 0" in refused.body
    assert "Roles & Permissions" in refused.body and "Nothing was created." in refused.body
    assert f'href="https://matrix.to/#/{space}' in refused.html
    assert not any("Set up Coast here" in s.body for s in admin.seen[mark:])
    assert await bot.kernel.db.fetch_all("SELECT * FROM network_places") == []

    levels = await admin.client.room_get_state_event(space, "m.room.power_levels")
    assert isinstance(levels, nio.RoomGetStateEventResponse), levels
    content = dict(levels.content)
    content["users"] = {**content.get("users", {}), bot.user_id: 50}
    raised = await admin.client.room_put_state(space, "m.room.power_levels", content)
    assert isinstance(raised, nio.RoomPutStateResponse), raised
    await ask(admin, lobby, bot, "!network setup network:coast", "Set up Coast here.")
    row = await bot.kernel.db.fetch_one(
        "SELECT place_key FROM network_places WHERE purpose = 'category'"
    )
    assert row is not None
    network_space = str(row["place_key"]).removeprefix("matrix:")
    listed = await admin.client.room_get_state_event(space, "m.space.child", network_space)
    assert isinstance(listed, nio.RoomGetStateEventResponse), listed
    assert listed.content["via"]
    # The space's admin, not a member of Coast, is invited to see what set-up made.
    assert bot.service is not None
    client = bot.service.connection.client
    member = await client.room_get_state_event(network_space, "m.room.member", admin.user_id)
    assert isinstance(member, nio.RoomGetStateEventResponse), member
    assert member.content["membership"] in ("invite", "join")

    # Someone joins the lobby, as Element offers in the space: the private welcome.
    joined = await admin.client.room_invite(space, alex.user_id)
    assert isinstance(joined, nio.RoomInviteResponse), joined
    await alex.sync(0)  # accepts the space's invitation
    mark = alex.mark()
    await alex.join(lobby)
    welcome = await alex.wait_for(after(alex, mark, bot, "Welcome."), "the welcome")
    assert welcome.room_id != lobby
    assert "invitation to the network's own space" in welcome.body
    assert "2. Coast" in welcome.body
    picked = await ask(alex, welcome.room_id, bot, "2", "Welcome to Coast.")
    assert picked.room_id == welcome.room_id
