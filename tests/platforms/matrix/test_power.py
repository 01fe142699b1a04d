"""Power levels in room versions 10, 11 and 12 (privileged creators), without a homeserver."""

from __future__ import annotations

import math
from typing import Any

import pytest

from bot.commands import Role
from bot.platforms.matrix.power import (
    MODERATOR,
    can,
    can_send,
    can_set_user_level,
    has_privileged_creators,
    power_for_role,
    powers_from_state,
    read_only_levels,
    room_powers,
    user_level,
    with_events_default,
    with_user_level,
)

BOT = "@peerbot:test"
ALEX = "@alex:test"
SAM = "@sam:test"


def levels(**extra: Any) -> dict[str, Any]:
    content: dict[str, Any] = {
        "users": {},
        "users_default": 0,
        "events_default": 0,
        "state_default": 50,
        "events": {"m.room.power_levels": 100, "m.room.tombstone": 150},
        "invite": 0,
        "kick": 50,
        "ban": 50,
        "redact": 50,
    }
    content.update(extra)
    return content


def v10(users: dict[str, int]) -> Any:
    return room_powers(BOT, {"creator": BOT, "room_version": "10"}, levels(users=users))


def v11(users: dict[str, int]) -> Any:
    return room_powers(BOT, {"room_version": "11"}, levels(users=users))


def v12(users: dict[str, int], additional: list[str] | None = None) -> Any:
    content: dict[str, Any] = {"room_version": "12"}
    if additional is not None:
        content["additional_creators"] = additional
    return room_powers(BOT, content, levels(users=users))


def test_versions_with_privileged_creators() -> None:
    assert [v for v in ("1", "9", "10", "11", "12", "13") if has_privileged_creators(v)] == [
        "12",
        "13",
    ]
    assert has_privileged_creators("org.matrix.hydra.11")


def test_version_10_and_11_creator_is_listed_like_anyone() -> None:
    for powers in (v10({BOT: 100, ALEX: 50}), v11({BOT: 100, ALEX: 50})):
        assert user_level(powers, BOT) == 100
        assert user_level(powers, ALEX) == 50
        assert user_level(powers, SAM) == 0
        assert powers.privileged_creators == frozenset()


def test_version_10_reads_creator_from_content_and_11_from_sender() -> None:
    old = room_powers(SAM, {"creator": BOT, "room_version": "10"}, None)
    assert old.creator == BOT
    new = room_powers(SAM, {"creator": BOT, "room_version": "11"}, None)
    assert new.creator == SAM


def test_without_power_levels_event_the_creator_has_100() -> None:
    powers = room_powers(BOT, {"room_version": "11"}, None)
    assert user_level(powers, BOT) == 100
    assert user_level(powers, ALEX) == 0
    assert can_send(powers, ALEX, "m.room.message")
    assert not can(powers, ALEX, "kick")


def test_version_12_creator_is_infinite_although_not_listed() -> None:
    powers = v12({ALEX: 50})
    assert user_level(powers, BOT) == math.inf
    assert can_send(powers, BOT, "m.room.tombstone", state=True)
    assert can(powers, BOT, "ban")
    assert user_level(powers, ALEX) == 50


def test_version_12_additional_creators_are_infinite_too() -> None:
    powers = v12({}, additional=[ALEX])
    assert user_level(powers, ALEX) == math.inf
    assert user_level(powers, SAM) == 0


def test_additional_creators_mean_nothing_before_version_12() -> None:
    powers = room_powers(BOT, {"room_version": "11", "additional_creators": [ALEX]}, levels())
    assert user_level(powers, ALEX) == 0


def test_powers_from_full_state() -> None:
    state = [
        {
            "type": "m.room.create",
            "state_key": "",
            "sender": BOT,
            "content": {"room_version": "12"},
        },
        {"type": "m.room.power_levels", "state_key": "", "sender": BOT, "content": levels()},
        {"type": "m.room.member", "state_key": BOT, "sender": BOT, "content": {}},
    ]
    powers = powers_from_state(state)
    assert user_level(powers, BOT) == math.inf
    with pytest.raises(ValueError, match="create"):
        powers_from_state(state[1:])


@pytest.mark.parametrize("make", [v10, v11])
def test_giving_moderator_before_version_12_lists_everyone(make: Any) -> None:
    powers = make({BOT: 100})
    content = with_user_level(powers, ALEX, MODERATOR)
    assert content["users"] == {BOT: 100, ALEX: 50}
    assert can_set_user_level(powers, BOT, ALEX, MODERATOR)
    content = with_user_level(make({BOT: 100, ALEX: 50}), ALEX, None)
    assert content["users"] == {BOT: 100}


def test_giving_moderator_in_version_12_never_lists_the_creator() -> None:
    powers = v12({})
    content = with_user_level(powers, ALEX, MODERATOR)
    assert content["users"] == {ALEX: 50}
    assert BOT not in content["users"]
    assert can_set_user_level(powers, BOT, ALEX, MODERATOR)
    # A creator cannot be given a level at all; the content stays as it was.
    assert not can_set_user_level(powers, BOT, BOT, 100)
    assert with_user_level(powers, BOT, 100)["users"] == {}


def test_stale_creator_entry_is_dropped_in_version_12() -> None:
    powers = v12({BOT: 100})  # cannot happen on Synapse, but never send it back
    assert BOT not in with_user_level(powers, ALEX, 50)["users"]
    assert BOT not in with_events_default(powers, 50)["users"]


def test_a_moderator_cannot_raise_someone_to_their_own_level_peer() -> None:
    powers = v11({BOT: 50, ALEX: 50})
    assert not can_set_user_level(powers, BOT, ALEX, 0)  # an equal peer
    assert not can_set_user_level(powers, BOT, SAM, 100)  # above the bot
    assert not can_set_user_level(powers, BOT, SAM, 50)  # power levels need 100 here


def test_read_only_in_version_12_blocks_everyone_but_the_bot() -> None:
    powers = v12({ALEX: 50, SAM: 0})
    content = read_only_levels(powers, BOT)
    assert content["users"] == {}
    assert content["events_default"] == 100
    assert content["state_default"] == 100
    assert content["events"]["m.room.tombstone"] == 150
    after = room_powers(BOT, {"room_version": "12"}, content)
    assert can_send(after, BOT, "m.room.message")
    assert not can_send(after, ALEX, "m.room.message")
    assert not can_send(after, ALEX, "m.reaction")


def test_read_only_before_version_12_keeps_the_bot_listed() -> None:
    powers = v10({BOT: 100, ALEX: 50})
    content = read_only_levels(powers, BOT)
    assert content["users"] == {BOT: 100}
    after = room_powers(BOT, {"creator": BOT, "room_version": "10"}, content)
    assert can_send(after, BOT, "m.room.message")
    assert not can_send(after, ALEX, "m.room.message")


def test_read_only_keeps_entries_the_bot_cannot_change() -> None:
    powers = v11({BOT: 50, ALEX: 100})
    content = read_only_levels(powers, BOT)
    assert content["users"] == {BOT: 50, ALEX: 100}
    assert content["events_default"] == 50
    assert content["events"]["m.room.power_levels"] == 100  # above the bot: left alone


def test_roles_map_to_moderator_for_coordinators_only() -> None:
    assert power_for_role(Role.COORDINATOR) == MODERATOR
    assert power_for_role(Role.EXECUTIVE) is None
    assert power_for_role(Role.MEMBER) is None
