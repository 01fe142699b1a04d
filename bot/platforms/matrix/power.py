"""Power levels: who may do what in a Matrix room, worked out from the room's own state.

Why not nio's ``room.power_levels``: from room version 12 (MSC4289, "privileged creators") the
room's creators (the sender of ``m.room.create`` and anyone in its ``additional_creators``)
outrank every number and are *not* listed in ``m.room.power_levels``; nio 0.26 then reports
their level as 0, and Synapse rejects a power levels event that lists them. These are pure
functions over the create event and the power levels content, so every room version is
handled in one place and tested without a homeserver.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.commands import Role

#: A privileged creator's level: higher than any number a power levels event can hold.
CREATOR_LEVEL = math.inf

#: The level Matrix clients call "Moderator"; network coordinators get it in the network's rooms.
MODERATOR = 50
#: The level that may post in a read-only room (announcements): coordinators and the bot.
READ_ONLY_POSTING = MODERATOR

#: The spec's defaults when a power levels event leaves a field out.
_DEFAULTS = {
    "users_default": 0,
    "events_default": 0,
    "state_default": 50,
    "invite": 0,
    "kick": 50,
    "ban": 50,
    "redact": 50,
}


def has_privileged_creators(room_version: str) -> bool:
    """Room versions where creators have infinite power and stay out of the users map."""
    if room_version == "org.matrix.hydra.11":
        return True
    return room_version.isdigit() and int(room_version) >= 12


def has_implicit_creator(room_version: str) -> bool:
    """From version 11 the creator is the create event's sender (``content.creator`` is gone)."""
    if room_version.startswith("org.matrix.") and room_version.endswith(".11"):
        return True
    return room_version.isdigit() and int(room_version) >= 11


@dataclass(frozen=True)
class RoomPowers:
    """What decides power in one room: its version, creators and power levels content."""

    room_version: str
    creator: str
    additional_creators: frozenset[str] = frozenset()
    #: The ``m.room.power_levels`` content, or None when the room has no such event.
    levels: Mapping[str, Any] | None = field(default=None)

    @property
    def privileged_creators(self) -> frozenset[str]:
        if not has_privileged_creators(self.room_version):
            return frozenset()
        return frozenset({self.creator}) | self.additional_creators

    def is_privileged_creator(self, user_id: str) -> bool:
        return user_id in self.privileged_creators


def room_powers(
    create_sender: str,
    create_content: Mapping[str, Any],
    power_levels: Mapping[str, Any] | None,
) -> RoomPowers:
    """Build RoomPowers from the ``m.room.create`` event (its sender and content) and the
    ``m.room.power_levels`` content (None when absent)."""
    version = str(create_content.get("room_version", "1"))
    if has_implicit_creator(version):
        creator = create_sender
    else:
        creator = str(create_content.get("creator", create_sender))
    extra = create_content.get("additional_creators", [])
    additional = (
        frozenset(str(u) for u in extra)
        if isinstance(extra, list) and has_privileged_creators(version)
        else frozenset()
    )
    return RoomPowers(version, creator, additional, power_levels)


def powers_from_state(state: Sequence[Mapping[str, Any]]) -> RoomPowers:
    """RoomPowers from a room's full state (``GET /rooms/{id}/state``: a list of events)."""
    create: Mapping[str, Any] | None = None
    levels: Mapping[str, Any] | None = None
    for event in state:
        if event.get("state_key", "") != "":
            continue
        if event.get("type") == "m.room.create":
            create = event
        elif event.get("type") == "m.room.power_levels":
            levels = event.get("content") or {}
    if create is None:
        raise ValueError("the room state has no m.room.create event")
    return room_powers(str(create.get("sender", "")), create.get("content") or {}, levels)


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def user_level(powers: RoomPowers, user_id: str) -> float:
    """A user's effective level: infinite for a privileged creator (version 12 and later)."""
    if powers.is_privileged_creator(user_id):
        return CREATOR_LEVEL
    if powers.levels is None:
        return 100 if user_id == powers.creator else 0
    users = powers.levels.get("users") or {}
    if user_id in users:
        return _int(users[user_id], 0)
    return _int(powers.levels.get("users_default"), 0)


def named_level(powers: RoomPowers, name: str) -> int:
    """``invite``, ``kick``, ``ban``, ``redact``, ``events_default``, ``state_default``..."""
    if powers.levels is None:
        # No power levels event: the spec's auth rules let only the creator act (0 to send).
        return 0 if name in ("events_default", "users_default", "invite") else 100
    return _int(powers.levels.get(name), _DEFAULTS.get(name, 0))


def event_level(powers: RoomPowers, event_type: str, *, state: bool) -> int:
    """The level needed to send an event of this type (a state event if ``state``)."""
    if powers.levels is not None:
        events = powers.levels.get("events") or {}
        if event_type in events:
            return _int(events[event_type], 0)
    return named_level(powers, "state_default" if state else "events_default")


def can_send(powers: RoomPowers, user_id: str, event_type: str, *, state: bool = False) -> bool:
    return user_level(powers, user_id) >= event_level(powers, event_type, state=state)


def can(powers: RoomPowers, user_id: str, action: str) -> bool:
    """Whether a user may ``invite``, ``kick``, ``ban`` or ``redact`` (others' events)."""
    return user_level(powers, user_id) >= named_level(powers, action)


def can_set_user_level(powers: RoomPowers, actor: str, target: str, level: int) -> bool:
    """The spec's rule for changing one entry of the users map: the actor may send power
    levels, the old and new levels are not above the actor's, and an equal peer's level is not
    the actor's to change. A privileged creator can never be given a level (nor needs one)."""
    if powers.is_privileged_creator(target):
        return False
    if not can_send(powers, actor, "m.room.power_levels", state=True):
        return False
    mine = user_level(powers, actor)
    current = user_level(powers, target)
    if current > mine or level > mine:
        return False
    return not (target != actor and current == mine)


def levels_content(powers: RoomPowers) -> dict[str, Any]:
    """A copy of the power levels content to edit; the spec's implicit defaults when absent
    (before version 12 the creator is then listed at 100, as Synapse would)."""
    if powers.levels is not None:
        content = dict(powers.levels)
        content["users"] = dict(powers.levels.get("users") or {})
        content["events"] = dict(powers.levels.get("events") or {})
        return content
    users = {} if has_privileged_creators(powers.room_version) else {powers.creator: 100}
    return {**_DEFAULTS, "users": users, "events": {}}


def with_user_level(powers: RoomPowers, user_id: str, level: int | None) -> dict[str, Any]:
    """The power levels content with one user at ``level`` (None: back to users_default).

    A privileged creator is left out of the users map (Synapse rejects listing them; they
    already outrank everyone), and any stale entry of theirs is dropped.
    """
    content = levels_content(powers)
    users: dict[str, Any] = content["users"]
    for creator in powers.privileged_creators:
        users.pop(creator, None)
    if powers.is_privileged_creator(user_id):
        return content
    if level is None or level == _int(content.get("users_default"), 0):
        users.pop(user_id, None)
    else:
        users[user_id] = level
    return content


def with_events_default(powers: RoomPowers, level: int) -> dict[str, Any]:
    """The power levels content with ``events_default`` (who may post messages) changed."""
    content = levels_content(powers)
    for creator in powers.privileged_creators:
        content["users"].pop(creator, None)
    content["events_default"] = level
    return content


#: Event types members may send in a read-only room (announcements): reacting to a notice
#: answers it, and redacting one's own reaction takes the answer back (redacting others'
#: events still needs the ``redact`` level). Messages stay at ``events_default``.
ANSWERING_EVENTS = ("m.reaction", "m.room.redaction")


def answers_allowed(powers: RoomPowers) -> bool:
    """Whether everyone at the room's default level may react and redact their reactions."""
    default = _int((powers.levels or {}).get("users_default"), 0)
    return all(event_level(powers, t, state=False) <= default for t in ANSWERING_EVENTS)


def with_answers_allowed(powers: RoomPowers) -> dict[str, Any]:
    """The power levels content with reactions (and their redaction) open to everyone."""
    content = levels_content(powers)
    for creator in powers.privileged_creators:
        content["users"].pop(creator, None)
    default = _int(content.get("users_default"), 0)
    for event_type in ANSWERING_EVENTS:
        content["events"][event_type] = default
    return content


def read_only_levels(powers: RoomPowers, bot_user_id: str) -> dict[str, Any]:
    """Archived: only the bot (and anyone it cannot outrank) may post, react or change state.

    Everyone else's raised level is taken back and the bar for every event is put at 100 (or
    the bot's own level when lower). A version 12 creator stays out of the users map; an
    entry the bot may not change (a level at or above its own) is kept, as the spec requires.
    """
    content = levels_content(powers)
    bot_level = user_level(powers, bot_user_id)
    bar = 100 if math.isinf(bot_level) else min(100, int(bot_level))
    content["users"] = {
        user: lvl
        for user, lvl in content["users"].items()
        if not powers.is_privileged_creator(user)
        and (user == bot_user_id or _int(lvl, 0) >= bot_level)
    }
    if _int(content.get("users_default"), 0) >= bar:
        content["users_default"] = 0
    for name in ("events_default", "state_default", "invite"):
        current = _int(content.get(name), _DEFAULTS[name])
        if current <= bot_level:
            content[name] = max(current, bar)
    content["events"] = {
        event: max(_int(lvl, 0), bar) if _int(lvl, 0) <= bot_level else lvl
        for event, lvl in content["events"].items()
    }
    return content


def level_name(level: int) -> str:
    """What Element calls a power level in its Roles & Permissions settings."""
    return {0: "Default", MODERATOR: "Moderator", 100: "Admin"}.get(level, "a custom level")


def power_for_role(role: Role) -> int | None:
    """The level a network role maps to in the network's rooms (None: ``users_default``).

    Coordinators become moderators (50): they can post in read-only rooms and remove
    messages in the Matrix client too. Executives and members keep the default level;
    peerbot's own commands check their role in the kernel, whatever the platform.
    """
    if role in (Role.COORDINATOR, Role.ADMIN):
        return MODERATOR
    return None
