"""A meeting notice answered the way a member in Element answers it (issue 17, items 1-3, 6).

The network is set up with ``!network setup`` in a room of a Matrix space, so its
announcements room is the read-only room set-up makes: members may not post there, but
Synapse accepts their reactions, because set-up opens ``m.reaction`` (and the redaction of
one's own reaction) to the default level. The bot puts 1️⃣ 2️⃣ 3️⃣ under the notice itself, so
a member answers with one click on an existing reaction. A reaction's answer is only ever
said in the member's direct chat; a reaction that answers nothing is ignored; removing the
reaction (Element redacts it) takes the answer back. Then a pill (a person picked in
Element's composer, whose plain body holds only a display name) names a peer in
``peers:`` and a member in ``member:``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nio
import pytest

from bot.clock import FakeClock
from cogs.meetings.commands import MeetingsCog
from tests.e2e.matrix.peerbot_on_synapse import (
    PeerbotOnSynapse,
    Person,
    Seen,
    after,
    ask,
    space_with_lobby,
    state_of,
)
from tests.e2e.matrix.synapse import SynapseServer, unique

NOW = datetime(2035, 1, 8, 9, 0, tzinfo=UTC)
OCCURRENCE = "2035-03-14"


@pytest.fixture
async def bea(synapse: SynapseServer, tmp_path: Path) -> Any:
    person = await Person(synapse, synapse.register(unique("bea")), tmp_path / "bea").open()
    try:
        yield person
    finally:
        await person.close()


async def join_network_rooms(person: Person, space: str, room: str) -> None:
    """Accept the network space's invitation (the test client joins what it is invited
    to when it syncs), then join the room, as Element offers in the space's room list."""
    for _ in range(200):
        if space in person.client.rooms:
            break
        await person.sync(100)
    assert space in person.client.rooms, "never invited to the network's space"
    await person.join(room)
    await person.know_room(room)


def bot_events_in(person: Person, bot: PeerbotOnSynapse, room_id: str, mark: int) -> list[Seen]:
    return [s for s in person.seen[mark:] if s.event.sender == bot.user_id and s.room_id == room_id]


async def set_up_coast(
    bot: PeerbotOnSynapse, admin: Person, members: list[Person]
) -> tuple[str, str]:
    """Coast set up from a lobby in a space; the members join it afterwards and enter its
    announcements room. (lobby, announcements)"""
    _space, lobby = await space_with_lobby(admin, bot, members)
    await ask(admin, lobby, bot, "!network create name:Coast slug:coast", "Created the network")
    await ask(admin, lobby, bot, "!network setup network:coast", "Set up Coast here.")
    for person in members:
        await ask(person, lobby, bot, "!network join network:coast", "Welcome to Coast.")
    places = {
        r["purpose"]: r["place_key"].removeprefix("matrix:")
        for r in await bot.kernel.db.fetch_all("SELECT purpose, place_key FROM network_places")
    }
    announcements = places["announcements"]
    for person in members:
        await join_network_rooms(person, places["category"], announcements)
    return lobby, announcements


async def test_members_answer_a_notice_by_reaction_privately_and_take_it_back(
    clocked_bot: PeerbotOnSynapse, admin: Person, alex: Person, bea: Person
) -> None:
    bot = clocked_bot
    lobby, announcements = await set_up_coast(bot, admin, [alex, bea])
    # Set-up's announcements room: messages for moderators, reactions for everyone.
    levels = (await state_of(alex, announcements))["m.room.power_levels|"]
    assert levels["events_default"] == 50
    assert levels["events"]["m.reaction"] == 0 and levels["events"]["m.room.redaction"] == 0
    assert levels["events"]["m.room.power_levels"] == 100  # Synapse's guards are kept
    refused = await alex.client.room_send(
        announcements, "m.room.message", {"msgtype": "m.text", "body": "hello"}
    )
    assert isinstance(refused, nio.RoomSendError) and refused.status_code == "M_FORBIDDEN"

    notice, series_id = await post_notice(bot, admin, alex, lobby, announcements)
    await answer_and_take_back(bot, alex, bea, announcements, notice, series_id)
    await pills(bot, admin, alex, bea, lobby)


async def post_notice(
    bot: PeerbotOnSynapse, admin: Person, alex: Person, lobby: str, announcements: str
) -> tuple[Seen, int]:
    """A meeting scheduled and its notice posted by the outbox, with the bot's reactions."""
    scheduled = await ask(
        admin,
        lobby,
        bot,
        f"!manage meeting schedule network:coast date:{OCCURRENCE} time:10:00 duration:120 "
        'location:"Community Hall"',
        "Scheduled ",
    )
    series_id = int(scheduled.body.split("(series number ")[1].split(")")[0])
    cog = bot.kernel.cogs["meetings"]
    assert isinstance(cog, MeetingsCog)
    jobs = {j.key: j for j in await cog.jobs.planned_jobs(bot.kernel.clock.now())}
    announce = jobs[f"meeting:{series_id}:{OCCURRENCE}:announce"]
    clock = bot.kernel.clock
    assert isinstance(clock, FakeClock)
    clock.set(announce.run_at)
    await bot.kernel.scheduler.run_job(announce)
    notice = await alex.wait_for(
        lambda s: s.room_id == announcements and "1. Going" in s.body, "the notice"
    )

    # The bot's own 1️⃣ 2️⃣ 3️⃣ under the notice: one click answers.
    def bot_reactions() -> set[str]:
        return {
            s.event.key
            for s in alex.seen
            if isinstance(s.event, nio.ReactionEvent)
            and s.event.sender == bot.user_id
            and s.event.reacts_to == notice.event_id
        }

    await alex.wait_for(lambda s: len(bot_reactions()) == 3, "the bot's three reactions")
    assert bot_reactions() == {"1️⃣", "2️⃣", "3️⃣"}
    return notice, series_id


async def answer_and_take_back(
    bot: PeerbotOnSynapse,
    alex: Person,
    bea: Person,
    announcements: str,
    notice: Seen,
    series_id: int,
) -> None:
    """Answers by reaction, said only privately; stray reactions ignored; one taken back."""
    mark = alex.mark()
    going = await alex.react(announcements, notice.event_id, "1️⃣")
    saved = await alex.wait_for(after(alex, mark, bot, "Saved: Going"), "alex's answer")
    assert saved.room_id != announcements  # in alex's direct chat
    dm = saved.room_id
    await bea.react(announcements, notice.event_id, "2️⃣")  # a click on the bot's 2️⃣
    await alex.wait_for(
        lambda s: "Going: 1, Maybe: 1" in s.content.get("m.new_content", {}).get("body", ""),
        "the counts on the notice",
    )

    # Reactions that answer nothing are ignored: no "Choose a number", nowhere.
    await alex.react(announcements, notice.event_id, "👍")
    await alex.react(announcements, notice.event_id, "9️⃣")
    await alex.redact(announcements, going)  # Element's "remove reaction"
    taken = await alex.wait_for(after(alex, mark, bot, "Taken back"), "the answer taken back")
    assert taken.room_id == dm
    assert "you no longer answer Going for the meeting on" in taken.body
    await alex.wait_for(
        lambda s: "Going: 0, Maybe: 1" in s.content.get("m.new_content", {}).get("body", ""),
        "the notice counting one fewer",
    )
    said_in_room = bot_events_in(alex, bot, announcements, mark)
    assert said_in_room, "the notice's counts were edited"
    for seen in said_in_room:  # only edits of the notice: no pointer, no error
        assert seen.content["m.relates_to"]["rel_type"] == "m.replace", seen.body
        assert seen.content["m.relates_to"]["event_id"] == notice.event_id
    said_privately = [s.body for s in alex.seen[mark:] if s.event.sender == bot.user_id]
    assert not any("Choose a number" in body for body in said_privately), said_privately
    assert not any("direct-message room" in body for body in said_privately), said_privately
    rows = await bot.kernel.db.fetch_all(
        "SELECT user_key, answer FROM rsvps WHERE series_id = ?", (series_id,)
    )
    assert [(r["user_key"], r["answer"]) for r in rows] == [(f"matrix:{bea.user_id}", "maybe")]


async def pills(
    bot: PeerbotOnSynapse, admin: Person, alex: Person, bea: Person, lobby: str
) -> None:
    """Pills: the plain body says only "Bea" and "Alex"; the formatted body links them."""
    mark = alex.mark()
    started = await alex.say_with_pills(
        lobby, "!reflect start network:coast format:what peers:{Bea}", {"Bea": bea.user_id}
    )
    assert started
    await alex.wait_for(after(alex, mark, bot, "Started co-reflection number "), "started")
    invited = await bea.wait_for(
        lambda s: s.event.sender == bot.user_id and "invites you to a private" in s.body,
        "bea's invitation",
    )
    assert "1. Join" in invited.body
    mark = admin.mark()
    await admin.say_with_pills(
        lobby,
        "!network role network:coast member:{Alex} role:coordinator",
        {"Alex": alex.user_id},
    )
    named = await admin.wait_for(after(admin, mark, bot, "is now a coordinator"), "named")
    assert f'href="https://matrix.to/#/{alex.user_id}"' in named.html  # shown as a pill
