"""Stories on Matrix (issue 21, item 4), against a real Synapse: a member submits a story in a
network's room, the coordinator approves it by replying 1 in the direct-message room, the
author says yes the same way, the outbox posts it in the room linked as the stories room, and
withdrawing redacts the post and the coordinator's review message."""

from __future__ import annotations

import datetime as dt

import nio

from tests.e2e.matrix.peerbot_on_synapse import PeerbotOnSynapse, Person, after, ask, from_bot
from tests.e2e.matrix.test_matrix_inbound import room_with_bot

NOW = dt.datetime(2035, 3, 5, 1, tzinfo=dt.UTC)
TITLE = "Finding my feet"


async def redacted(person: Person, room_id: str, event_id: str) -> bool:
    found = await person.client.room_get_event(room_id, event_id)
    assert isinstance(found, nio.RoomGetEventResponse), found
    return isinstance(found.event, nio.RedactedEvent)


async def test_a_story_is_reviewed_published_and_withdrawn_on_matrix(
    clocked_bot: PeerbotOnSynapse, admin: Person, alex: Person
) -> None:
    bot = clocked_bot
    room_id = await room_with_bot(admin, bot, alex)
    for command, answer in (
        ("!network create name:Coast slug:coast", "Created the network"),
        (f"!network role network:coast member:{admin.user_id} role:coordinator", "coordinator"),
        (f"!manage network link network:coast channel:{room_id} purpose:stories", "Linked that"),
    ):
        await ask(admin, room_id, bot, command, answer)
    await ask(alex, room_id, bot, "!network join network:coast", "Coast")
    thanked = await ask(
        alex,
        room_id,
        bot,
        f'!story submit network:coast title:"{TITLE}" '
        'story:"The first year was hard. What helped was a peer who listened." name:Alex',
        "Thank you for sharing your story.",
    )
    assert thanked.room_id != room_id  # private

    review = await admin.wait_for(from_bot(bot, "A member submitted a story for Coast"), "review")
    assert review.room_id != room_id and "1. Approve" in review.body, review.body
    mark = admin.mark()
    await admin.say(review.room_id, "1", reply_to=review.event_id)
    await admin.wait_for(after(admin, mark, bot, "Approved story 1."), "approved")

    preview = await alex.wait_for(from_bot(bot, "A coordinator approved your story"), "preview")
    assert "Published as: Alex." in preview.body and "1. Yes, publish it" in preview.body
    assert not [s for s in alex.seen if s.room_id == room_id and "A story of peer work" in s.body]
    mark = alex.mark()
    await alex.say(preview.room_id, "1", reply_to=preview.event_id)
    await alex.wait_for(after(alex, mark, bot, "Published: your story (story 1)"), "published")
    posted = await alex.wait_for(
        lambda s: s.room_id == room_id and s.body.startswith(f"A story of peer work: {TITLE}"),
        "the post in the stories room",
    )
    assert "Shared by Alex." in posted.body

    await ask(alex, room_id, bot, "!story withdraw number:1", "Withdrawn: your story (story 1)")
    assert await redacted(alex, room_id, posted.event_id)
    assert await redacted(admin, review.room_id, review.event_id)
    assert await redacted(alex, preview.room_id, preview.event_id)
