"""Layer 1 and 2: who can see a co-reflection thread besides the people in it is said plainly:
in the agreement and the invitation, to the coordinator after /network setup, and when the
network's private_threads setting is turned on (peerbot then takes Manage Threads away)."""

from __future__ import annotations

from bot.identity import PlaceRef, UserRef
from bot.mentions import plain
from bot.ports import ThreadViewers
from cogs.reflection.formats import Format
from cogs.reflection.visibility import RULE, agreement_line, setup_note, who
from tests.cogs.reflection.conftest import CHANNEL, SPACE, World

SEEN = ThreadViewers(
    owner="owner", admin_roles=("Admins",), thread_roles=("Mods", "Helpers"), people=("carol",)
)
LEFT = ThreadViewers(owner="owner", admin_roles=("Admins",))


def test_who_names_the_owner_the_roles_and_the_people() -> None:
    assert plain(who(SEEN, "console")) == (
        "the server owner (owner), anyone with the role Admins (Administrator), anyone with "
        "the roles Mods or Helpers who can see the channel (Manage Threads) and carol (by "
        "permissions of their own)"
    )
    assert agreement_line(None, "console") is None  # a platform with nobody like that
    matrix = agreement_line(None, "matrix")
    assert matrix is not None and "not end-to-end encrypted" in matrix
    assert "people who run the Matrix homeserver" in matrix


def test_the_setup_note_says_how_to_keep_threads_to_their_people() -> None:
    note = plain(setup_note(SEEN, CHANNEL.key, "console", private=False))
    assert "can also be seen by the server owner (owner)" in note
    assert "/manage reflect settings private_threads:true" in note
    assert "Administrator cannot be taken away" in note
    private = plain(setup_note(LEFT, CHANNEL.key, "console", private=True))
    assert "peerbot keeps Manage Threads there to itself" in private
    assert "only the server owner (owner) and anyone with the role Admins (Administrator)" in (
        private
    )


async def test_the_agreement_and_the_invitation_say_who_can_see_the_thread(world: World) -> None:
    world.port.viewers = SEEN
    await world.service.start(
        starter=UserRef(platform="console", id="mia"),
        network_id=world.south,
        space=SPACE,
        fmt=Format.OPEN,
        topic=None,
        peers_text="max",
        facilitator_text=None,
    )
    await world.deliver()
    [agreement] = [t for _, where, t in world.port.sent if where == "thread-1" and "agreement" in t]
    [invitation] = world.dms("max")
    for text in (agreement, invitation):
        assert RULE in text
        assert (
            "anyone with the roles Mods or Helpers who can see the channel (Manage Threads)"
            in plain(text)
        )
    assert world.port.restricted == []  # private_threads is off


async def test_private_threads_takes_manage_threads_away_now_and_at_each_start(
    world: World,
) -> None:
    world.port.viewers, world.port.viewers_left = SEEN, LEFT
    here = PlaceRef(platform="console", id="somewhere", name="somewhere")
    turned_on = await world.run(
        "carol", "manage reflect settings", place=here, network="south-coast", private_threads=True
    )
    assert "Private threads: on" in turned_on.text, turned_on.text
    assert "peerbot keeps Manage Threads there to itself" in plain(turned_on.text)
    assert world.port.restricted == [CHANNEL.id]
    await world.service.start(
        starter=UserRef(platform="console", id="mia"),
        network_id=world.south,
        space=SPACE,
        fmt=Format.OPEN,
        topic=None,
        peers_text="max",
        facilitator_text=None,
    )
    assert world.port.restricted == [CHANNEL.id, CHANNEL.id]
    await world.deliver()
    [invitation] = world.dms("max")
    assert "Mods" not in invitation and "anyone with the role Admins" in plain(invitation)

    turned_off = await world.run(
        "carol", "manage reflect settings", network="south-coast", private_threads=False
    )
    assert "the denials it set stay until a server admin changes" in turned_off.text


async def test_network_setup_tells_the_coordinator_who_can_see_threads(world: World) -> None:
    world.port.viewers = SEEN
    note = await world.kernel.events.network_set_up(world.south, SPACE, world.port)
    assert "Co-reflection threads in" in plain(note) and "Mods or Helpers" in plain(note)
    elsewhere = PlaceRef(platform="console", id="other-space")
    assert await world.kernel.events.network_set_up(world.south, elsewhere, world.port) == ""
