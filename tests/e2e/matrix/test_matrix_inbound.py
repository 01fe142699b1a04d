"""peerbot on a real Synapse: commands typed as ``!name options`` and the replies they get."""

from __future__ import annotations

import nio

from tests.e2e.matrix.peerbot_on_synapse import PeerbotOnSynapse, Person, from_bot
from tests.e2e.matrix.synapse import unique


async def room_with_bot(person: Person, bot: PeerbotOnSynapse, *others: Person) -> str:
    """A group room: the person, the bot and someone else (a room of two is a private chat)."""
    someone = [bot.synapse.register(unique("sam")).user_id] if not others else []
    invite = [bot.user_id, *someone, *(o.user_id for o in others)]
    room_id = await person.create_room(invite=invite, name="peer workers")
    for other in others:
        await other.join(room_id)
    await person.wait_joined(room_id, bot.user_id)
    return room_id


async def test_help_is_answered_privately_in_the_direct_message_room(
    bot: PeerbotOnSynapse, alex: Person
) -> None:
    room_id = await room_with_bot(alex, bot)
    asked = await alex.say(room_id, "!help")
    pointer = await alex.message_from(bot.user_id, room_id=room_id)
    assert "direct-message room" in pointer.body
    assert pointer.content["m.relates_to"]["m.in_reply_to"]["event_id"] == asked
    answer = await alex.wait_for(
        from_bot(bot, "Commands you can use", not_in=room_id), "the help in the DM room"
    )
    assert answer.content["format"] == "org.matrix.custom.html"
    # Commands are shown the way they are typed on Matrix.
    assert "!support" in answer.body and "/support" not in answer.body
    row = await bot.kernel.db.fetch_one(
        "SELECT room_id FROM matrix_dm_rooms WHERE user_key = ?", (f"matrix:{alex.user_id}",)
    )
    assert row is not None and row["room_id"] == answer.room_id


async def test_support_lists_000_first_as_html_with_a_plain_fallback(
    bot: PeerbotOnSynapse, alex: Person
) -> None:
    room_id = await room_with_bot(alex, bot)
    await alex.say(room_id, "!support")
    answer = await alex.wait_for(from_bot(bot, "000"), "the support lines")
    assert answer.room_id != room_id  # private: the direct-message room
    assert answer.body.index("000") < answer.body.index("Lifeline")
    assert "<" not in answer.body  # the plain fallback has no markup
    assert "<li>" in answer.html or "<p>" in answer.html
    assert answer.html.index("000") < answer.html.index("Lifeline")


async def test_a_coordinator_command_is_refused_to_a_member_and_nothing_changes(
    bot: PeerbotOnSynapse, admin: Person, alex: Person
) -> None:
    room_id = await room_with_bot(admin, bot, alex)
    await admin.say(room_id, '!network create name:"South Coast" slug:coast')
    await admin.wait_for(from_bot(bot, "South Coast"), "the network created")
    mark = alex.mark()
    await alex.say(room_id, "!network setup network:coast")
    refused = await alex.wait_for(
        lambda s: (
            alex.seen.index(s) >= mark and s.event.sender == bot.user_id and "coordinator" in s.body
        ),
        "the refusal",
    )
    assert refused.body.startswith("You need to be a coordinator in South Coast"), refused.body
    assert refused.room_id != room_id  # said privately
    channels = await bot.kernel.db.fetch_all("SELECT * FROM network_places")
    assert channels == []


async def test_unknown_commands_and_bad_quotes_get_a_clear_answer(
    bot: PeerbotOnSynapse, alex: Person
) -> None:
    dm_room = await alex.create_room(invite=[bot.user_id], direct=True)
    await alex.wait_joined(dm_room, bot.user_id)
    await alex.say(dm_room, "!nosuch thing")
    answer = await alex.wait_for(from_bot(bot, "There is no command"), "the unknown command")
    assert "!nosuch thing" in answer.body and "!help" in answer.body
    await alex.say(dm_room, '!network create name:"South')
    quotes = await alex.wait_for(from_bot(bot, "Check the quotes"), "the quoting problem")
    assert quotes.room_id == dm_room


async def test_a_command_in_a_thread_is_answered_in_that_thread(
    bot: PeerbotOnSynapse, alex: Person
) -> None:
    room_id = await room_with_bot(alex, bot)
    root = await alex.say(room_id, "Thinking about next week")
    asked = await alex.say(room_id, "!help", thread_root=root)
    pointer = await alex.wait_for(from_bot(bot, "direct-message room"), "the pointer")
    relates = pointer.content["m.relates_to"]
    assert relates["rel_type"] == "m.thread" and relates["event_id"] == root
    assert asked != root


async def test_the_matrix_data_about_a_person_is_exported_and_deleted(
    bot: PeerbotOnSynapse, alex: Person
) -> None:
    room_id = await room_with_bot(alex, bot)
    await alex.say(room_id, "!probe pick")
    menu = await alex.wait_for(from_bot(bot, "Topic"), "the private menu")
    key = f"matrix:{alex.user_id}"
    exported = await bot.kernel.privacy.export(bot.kernel.db, key)
    assert exported["matrix"]["direct-message rooms"] == [menu.room_id]
    assert [c["event_id"] for c in exported["matrix"]["choices waiting for you"]] == [menu.event_id]
    # Which command messages ran (never their text), so an edit of one is not run again.
    [command] = exported["matrix"]["commands you sent"]
    assert command["ran"] == "yes" and "probe" not in str(command)
    deleted = await bot.kernel.privacy.delete(bot.kernel.db, key)
    assert deleted["matrix"] == 3
    exported = await bot.kernel.privacy.export(bot.kernel.db, key)
    assert exported["matrix"] == {
        "direct-message rooms": [],
        "choices waiting for you": [],
        "unfinished forms": [],
        "reactions that answered": [],
        "commands you sent": [],
    }


async def test_leaving_the_direct_message_room_makes_the_next_private_reply_open_a_new_one(
    bot: PeerbotOnSynapse, alex: Person
) -> None:
    room_id = await room_with_bot(alex, bot)
    await alex.say(room_id, "!help")
    first = await alex.wait_for(
        from_bot(bot, "Commands you can use", not_in=room_id), "the help in a DM room"
    )
    left = await alex.client.room_leave(first.room_id)
    assert isinstance(left, nio.RoomLeaveResponse), left
    await alex.say(room_id, "!support")
    second = await alex.wait_for(from_bot(bot, "000", not_in=room_id), "the support lines")
    assert second.room_id not in (first.room_id, room_id)
    row = await bot.kernel.db.fetch_one(
        "SELECT room_id FROM matrix_dm_rooms WHERE user_key = ?", (f"matrix:{alex.user_id}",)
    )
    assert row is not None and row["room_id"] == second.room_id
