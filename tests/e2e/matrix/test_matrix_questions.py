"""Questions to the coordinators on Matrix (issue 21, item 2), against a real Synapse: a
member asks with !ask coordinators in their direct-message room with peerbot, the question
reaches the coordinator in theirs (numbered, with its choices), the coordinator's reply
reaches the member's direct-message room, signed, and the member closes it."""

from __future__ import annotations

import datetime as dt

from tests.e2e.matrix.peerbot_on_synapse import PeerbotOnSynapse, Person, ask, from_bot
from tests.e2e.matrix.test_matrix_inbound import room_with_bot

NOW = dt.datetime(2035, 3, 5, 1, tzinfo=dt.UTC)
QUESTION = "How much of my own story should I share with someone on their first day?"
REPLY = "Start small: share what helps them, and bring it back to them."


async def test_a_question_reaches_the_coordinator_and_the_reply_the_member_on_matrix(
    clocked_bot: PeerbotOnSynapse, admin: Person, alex: Person
) -> None:
    bot = clocked_bot
    room_id = await room_with_bot(admin, bot, alex)
    for command, answer in (
        ("!network create name:Coast slug:coast", "Created the network"),
        (f"!network role network:coast member:{admin.user_id} role:coordinator", "coordinator"),
    ):
        await ask(admin, room_id, bot, command, answer)
    joined = await ask(alex, room_id, bot, "!network join network:coast", "Coast")
    dm_id = joined.room_id  # alex's direct-message room with peerbot
    assert dm_id != room_id
    # Typed in the direct-message room: a command typed in a group room is seen by the room.
    told = await ask(
        alex,
        dm_id,
        bot,
        f'!ask coordinators question:"{QUESTION}"',
        "Your question (question 1) has gone to the coordinators of Coast",
    )
    assert told.room_id == dm_id

    notice = await admin.wait_for(from_bot(bot, "Question 1 from"), "the question")
    assert notice.room_id != room_id and QUESTION in notice.body, notice.body
    assert "1. Reply" in notice.body and "3. Ask permission to share" in notice.body
    assert not [s for s in alex.seen if s.room_id == room_id and QUESTION in s.body]

    await ask(
        admin,
        room_id,
        bot,
        f'!manage question reply number:1 text:"{REPLY}"',
        "Sent your reply to the member who asked question 1",
    )
    reply = await alex.wait_for(from_bot(bot, "replied to your question (question 1)"), "the reply")
    assert reply.room_id == dm_id and REPLY in reply.body, reply.body
    assert "for the coordinators of Coast" in reply.body

    await ask(alex, dm_id, bot, "!ask close number:1", "Closed your question (question 1)")
    await admin.wait_for(from_bot(bot, "Question 1 (Coast) was closed"), "closed")
