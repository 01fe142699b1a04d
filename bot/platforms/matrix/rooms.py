"""How peerbot's places look on Matrix: place ids, and the state of the rooms it creates.

Pure functions (no homeserver), so what a new room allows is visible and tested in one place.

Place ids: a room is its room id (``!abc:server``, or ``!hash`` from version 12). A thread
inside a room (Matrix threads are ``m.thread`` relations to a root event in the same room) is
``ROOM/ROOT_EVENT_ID``: neither room ids nor event ids can hold a ``/``, so the split is safe,
and the stored key stays ``matrix:...`` like every other place.
"""

from __future__ import annotations

from typing import Any

THREAD_SEPARATOR = "/"

#: peerbot's own state event marking rooms it opened as private threads (co-reflection), so
#: ``is_thread`` and ``delete_thread`` know them after a restart without a table of their own.
PLACE_KIND_EVENT = "org.peerbot.place"
PRIVATE_THREAD = "private-thread"

DAY_MS = 24 * 60 * 60 * 1000

#: Who may read a private room's earlier messages: everyone in it, as in a Discord private
#: thread. Not "joined": the opening prompts and the confidentiality agreement are posted
#: before anyone has accepted the invitation, and peers join later, after they agree. Only
#: people who agreed are invited, and only moderators may invite.
PRIVATE_HISTORY = "shared"


def thread_place_id(room_id: str, root_event_id: str) -> str:
    return f"{room_id}{THREAD_SEPARATOR}{root_event_id}"


def split_place_id(place_id: str) -> tuple[str, str | None]:
    """``!room:server/$root`` -> (room, root); a plain room id -> (room, None)."""
    room_id, sep, root = place_id.partition(THREAD_SEPARATOR)
    return room_id, (root if sep and root else None)


def server_of(matrix_id: str) -> str:
    """The server part of a user or (pre-version 12) room id; empty when there is none."""
    _, sep, server = matrix_id.partition(":")
    return server if sep else ""


def space_child_content(via_server: str) -> dict[str, Any]:
    """Content of ``m.space.child`` / ``m.space.parent``: which server to join through."""
    return {"via": [via_server]} if via_server else {"via": []}


def restricted_join_rule(member_of: tuple[str, ...]) -> dict[str, Any]:
    """Anyone who is in one of these rooms (a network's space) may join; nobody else."""
    return {
        "join_rule": "restricted",
        "allow": [{"type": "m.room_membership", "room_id": room} for room in member_of],
    }


def join_rule_for(member_of: tuple[str, ...]) -> dict[str, Any]:
    return restricted_join_rule(member_of) if member_of else {"join_rule": "invite"}


def _state(event_type: str, content: dict[str, Any], state_key: str = "") -> dict[str, Any]:
    return {"type": event_type, "state_key": state_key, "content": content}


def retention_content(days: int) -> dict[str, Any]:
    """``m.room.retention`` (MSC1763): messages older than ``days`` are purged, but only on
    homeservers that switch retention on (Synapse: ``retention: enabled: true``)."""
    return {"max_lifetime": days * DAY_MS}


def private_thread_state(
    *,
    parent_space: str | None,
    via_server: str,
    retention_days: int | None,
    encrypted: bool,
) -> list[dict[str, Any]]:
    """A co-reflection room: invite only, history for its members only (``PRIVATE_HISTORY``),
    no guests, marked as peerbot's private thread, in the network's space when there is one."""
    state = [
        _state("m.room.join_rules", {"join_rule": "invite"}),
        _state("m.room.history_visibility", {"history_visibility": PRIVATE_HISTORY}),
        _state("m.room.guest_access", {"guest_access": "forbidden"}),
        _state(PLACE_KIND_EVENT, {"kind": PRIVATE_THREAD}),
    ]
    if retention_days:
        state.append(_state("m.room.retention", retention_content(retention_days)))
    if parent_space:
        state.append(_state("m.space.parent", space_child_content(via_server), parent_space))
    if encrypted:
        state.append(_state("m.room.encryption", {"algorithm": "m.megolm.v1.aes-sha2"}))
    return state


def channel_state(
    *,
    member_of: tuple[str, ...],
    parent_space: str | None,
    via_server: str,
    topic: str = "",
) -> list[dict[str, Any]]:
    """A network channel: joinable by the members of its network's space (restricted join
    rule), or invite only when there is no space to restrict to; history shared with members."""
    state = [
        _state("m.room.join_rules", join_rule_for(member_of)),
        _state("m.room.history_visibility", {"history_visibility": "shared"}),
        _state("m.room.guest_access", {"guest_access": "forbidden"}),
    ]
    if topic:
        state.append(_state("m.room.topic", {"topic": topic}))
    if parent_space:
        state.append(
            _state(
                "m.space.parent",
                {**space_child_content(via_server), "canonical": True},
                parent_space,
            )
        )
    return state


def space_state(
    *, member_of: tuple[str, ...], parent_space: str | None, via_server: str
) -> list[dict[str, Any]]:
    """A network's space: invite only (its members are invited when they join the network), or
    restricted to the members of the space above it."""
    state = [
        _state("m.room.join_rules", join_rule_for(member_of)),
        _state("m.room.history_visibility", {"history_visibility": "shared"}),
        _state("m.room.guest_access", {"guest_access": "forbidden"}),
    ]
    if parent_space:
        state.append(_state("m.space.parent", space_child_content(via_server), parent_space))
    return state


def power_override(*, read_only: bool = False, space: bool = False) -> dict[str, Any]:
    """``power_level_content_override`` for a new room. Never a ``users`` map: it would replace
    Synapse's (dropping the creator's 100 before version 12) or list a version 12 creator,
    which Synapse rejects. Read-only rooms (announcements) and spaces take posts from
    moderators (coordinators) and the bot only."""
    override: dict[str, Any] = {"invite": 50}
    if read_only or space:
        override["events_default"] = 50
    return override


def dm_state(*, encrypted: bool) -> list[dict[str, Any]]:
    """A direct-message room with one person: invite only, no guests."""
    state = [
        _state("m.room.join_rules", {"join_rule": "invite"}),
        _state("m.room.guest_access", {"guest_access": "forbidden"}),
    ]
    if encrypted:
        state.append(_state("m.room.encryption", {"algorithm": "m.megolm.v1.aes-sha2"}))
    return state
