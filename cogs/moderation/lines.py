"""One audit entry as a line people read: in ``/mod audit`` and in a network's modlog channel.
People and places by name (marks each platform renders), times in the network's zone, the
moderator's reason; never raw ids, never anyone's message or report text."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.audit import A_MEMBER, DELETED_PERSON, AuditEntry
from bot.dates import day_text, iso_date, readable_dates
from bot.mentions import moment, person
from bot.mentions import place as place_mark

#: The actor of what peerbot did by itself (a timed lock that ended).
PEERBOT = "peerbot"


#: Audit actions whose target is a person's key, and those whose target is a place's key.
PERSON_TARGETS = ("network.role", "network.join")
PLACE_TARGETS = (
    "mod.lock",
    "mod.unlock",
    "mod.slowmode",
    "mod.archive",
    "mod.modlog",
    "network.link",
    "network.panel",
)
MESSAGE_TARGETS = ("mod.pin", "mod.unpin", "mod.remove")


def actor_name(actor_key: str) -> str:
    if actor_key == DELETED_PERSON:
        return "a person who deleted their data"
    if actor_key == A_MEMBER:
        return "a member"
    if actor_key == PEERBOT:
        return "peerbot (on time)"
    return person(actor_key) if ":" in actor_key else actor_key


def _target(entry: AuditEntry) -> str:
    target = entry.target
    if not target:
        return "-"
    if target == DELETED_PERSON:
        return "a person who deleted their data"
    if entry.action.startswith(PERSON_TARGETS):
        return person(target)
    if entry.action.startswith(PLACE_TARGETS):
        return place_mark(target)
    if entry.action.startswith(MESSAGE_TARGETS) and "/" in target:
        return "a message in " + place_mark(target.partition("/")[0])
    kind, _, number = target.partition(":")
    if kind in ("report", "story", "question") and number.isdigit():
        return f"{kind} number {number}"
    if kind in ("series", "meeting"):
        return _meeting(number) or target
    for prefix, name in _NUMBERED:
        if entry.action.startswith(prefix) and target.isdigit():
            return f"{name} number {target}"
    return target


#: Actions whose target is a bare number, and what that number counts.
_NUMBERED = (("reflection.", "co-reflection"), ("mentoring.", "mentoring pair"))


def _meeting(rest: str) -> str:
    """``1`` as "meeting series number 1"; ``1:2035-02-05`` (one meeting, by its date) as
    "the meeting on Monday 5 February 2035 (series number 1)". Empty when it is neither."""
    series, _, key = rest.partition(":")
    if not series.isdigit():
        return ""
    if not key:
        return f"meeting series number {series}"
    day = iso_date(key)
    return f"the meeting on {day_text(day)} (series number {series})" if day else ""


#: The roles set-up makes, as the audit log names them instead of their platform ids.
_SETUP_ROLES = {
    "role": "the network's member role",
    "executives role": "the network's executives role",
    "coordinators role": "the network's coordinators role",
}


def _detail(entry: AuditEntry) -> str:
    if entry.action == "network.setup" and entry.target in _SETUP_ROLES:
        return _SETUP_ROLES[entry.target]  # its platform id means nothing to a reader
    if entry.action == "network.setup" and ":" in entry.detail and " " not in entry.detail:
        return place_mark(entry.detail)  # the channel set-up made
    return readable_dates(entry.detail)  # "from 2035-02-05" reads "from 5 February 2035"


def audit_line(entry: AuditEntry, zone: ZoneInfo) -> str:
    """One entry: when (in the network's time zone), who, what, on what: people and places by
    name (marks each platform renders), never raw ids."""
    parts = [moment(entry.at.astimezone(zone)), actor_name(entry.actor_key), entry.action]
    parts.append(_target(entry))
    if entry.detail:
        parts.append(_detail(entry))
    if entry.reason:
        parts.append(f"Reason: {entry.reason}")
    return " | ".join(parts)
