"""The resource library on Matrix (issue 9 with issue 7): ``!resources search`` answers in the
direct-message room with an HTML list and a plain one, and pages through results with the
numbered Next and Previous choices, answered by a number on its own or by a reaction."""

from __future__ import annotations

from tests.e2e.matrix.peerbot_on_synapse import PeerbotOnSynapse, Person, after, ask
from tests.e2e.matrix.test_matrix_inbound import room_with_bot


async def test_search_finds_lifeline_in_html_and_pages_with_numbered_choices(
    bot: PeerbotOnSynapse, admin: Person, alex: Person
) -> None:
    room_id = await room_with_bot(admin, bot, alex)
    found = await ask(alex, room_id, bot, "!resources search query:crisis", "Resources for")
    assert found.room_id != room_id  # private: in the direct-message room
    assert "(page 1 of 4)" in found.body, found.body
    assert "Lifeline (entry " in found.body and "phone 13 11 14" in found.body, found.body
    assert '<h4><a href="https://lifeline.org.au">Lifeline</a></h4>' in found.html, found.html
    assert "<strong>Phone</strong>: 13 11 14" in found.html
    assert found.body.rstrip().splitlines()[-3:-2] == ["1. Next"], found.body

    dm_room = found.room_id
    mark = alex.mark()
    await alex.say(dm_room, "1")  # a number on its own answers the latest list
    second = await alex.wait_for(after(alex, mark, bot, "(page 2 of 4)"), "page 2")
    assert second.room_id == dm_room
    assert "1. Previous" in second.body and "2. Next" in second.body, second.body
    mark = alex.mark()
    await alex.react(dm_room, second.event_id, "1️⃣")
    again = await alex.wait_for(after(alex, mark, bot, "(page 1 of 4)"), "page 1 again")
    assert "Lifeline (entry " in again.body
