"""Buttons, menus and forms on Matrix: numbered choices answered by a reply or a reaction, and
forms as a guided exchange in the direct-message room."""

from __future__ import annotations

from tests.e2e.matrix.peerbot_on_synapse import PeerbotOnSynapse, Person, after, from_bot
from tests.e2e.matrix.test_matrix_inbound import room_with_bot


async def test_buttons_are_numbered_and_answered_by_reaction_or_by_reply(
    bot: PeerbotOnSynapse, alex: Person
) -> None:
    room_id = await room_with_bot(alex, bot)
    await alex.say(room_id, "!privacy delete")
    asked = await alex.wait_for(from_bot(bot, "1. Delete my data"), "the numbered buttons")
    assert "2. Keep my data" in asked.body
    assert "reply to this message with the number" in asked.body
    assert "<ol><li>Delete my data</li><li>Keep my data</li></ol>" in asked.html
    dm_room = asked.room_id
    assert dm_room != room_id

    mark = alex.mark()
    await alex.react(dm_room, asked.event_id, "2️⃣")
    kept = await alex.wait_for(after(alex, mark, bot, "Nothing was deleted"), "the kept answer")
    assert kept.room_id == dm_room

    await alex.say(dm_room, "!privacy delete")
    mark = alex.mark()
    again = await alex.wait_for(after(alex, mark - 1, bot, "1. Delete my data"), "new buttons")
    assert again.event_id != asked.event_id
    mark = alex.mark()
    await alex.say(dm_room, "1", reply_to=again.event_id)
    done = await alex.wait_for(after(alex, mark, bot, "Done. peerbot deleted"), "the deletion")
    assert done.room_id == dm_room


async def test_a_bare_number_in_the_direct_message_room_picks_from_the_latest_menu(
    bot: PeerbotOnSynapse, alex: Person
) -> None:
    dm_room = await alex.create_room(invite=[bot.user_id], direct=True)
    await alex.wait_joined(dm_room, bot.user_id)
    await alex.say(dm_room, "!probe pick")
    menu = await alex.wait_for(from_bot(bot, "Topic"), "the menu")
    assert "2. Boundaries" in menu.body
    mark = alex.mark()
    await alex.say(dm_room, "2")
    picked = await alex.wait_for(after(alex, mark, bot, "You picked"), "the pick")
    assert picked.body == "You picked boundaries (7)."
    mark = alex.mark()
    await alex.say(dm_room, "9")
    wrong = await alex.wait_for(after(alex, mark, bot, "Choose a number"), "the complaint")
    assert wrong.body == "Choose a number from 1 to 5."


async def test_a_private_menu_is_kept_for_the_person_who_asked(
    bot: PeerbotOnSynapse, alex: Person, admin: Person
) -> None:
    room_id = await room_with_bot(alex, bot, admin)
    await alex.say(room_id, "!probe pick")
    menu = await alex.wait_for(from_bot(bot, "Topic"), "the menu")
    row = await bot.kernel.db.fetch_one(
        "SELECT user_key FROM matrix_choices WHERE event_id = ?", (menu.event_id,)
    )
    assert row is not None and row["user_key"] == f"matrix:{alex.user_id}"


async def test_a_form_is_a_guided_exchange_in_the_direct_message_room(
    bot: PeerbotOnSynapse, alex: Person
) -> None:
    room_id = await room_with_bot(alex, bot)
    await alex.say(room_id, "!probe form")
    first = await alex.wait_for(from_bot(bot, "question 1 of 2: Title"), "the first question")
    assert "Say cancel" in first.body
    dm_room = first.room_id
    assert dm_room != room_id

    mark = alex.mark()
    await alex.say(dm_room, "skip")
    await alex.wait_for(after(alex, mark, bot, "Title is required"), "the required field")
    mark = alex.mark()
    await alex.say(dm_room, "A hard week")
    second = await alex.wait_for(after(alex, mark, bot, "question 2 of 2: Body"), "question 2")
    assert "'skip'" in second.body
    mark = alex.mark()
    await alex.say(dm_room, "skip")
    saved = await alex.wait_for(after(alex, mark, bot, "Saved"), "the saved form")
    assert saved.body == "Saved 'A hard week' for 42."
    assert await bot.kernel.db.fetch_all("SELECT * FROM matrix_forms") == []

    mark = alex.mark()
    await alex.say(dm_room, "!probe form")
    await alex.wait_for(after(alex, mark, bot, "question 1 of 2"), "the form again")
    mark = alex.mark()
    await alex.say(dm_room, "cancel")
    cancelled = await alex.wait_for(after(alex, mark, bot, "Cancelled"), "the cancel")
    assert cancelled.body == "Cancelled. Nothing was sent."
    assert await bot.kernel.db.fetch_all("SELECT * FROM matrix_forms") == []
