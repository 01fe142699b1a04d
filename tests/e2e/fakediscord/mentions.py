"""Mentions as Discord computes them: which ones in a message's text are live, as
``allowed_mentions`` (or its default) says, and who a live mention adds to a thread.

Discord's rules, from the API docs (Message resource, "Allowed Mentions Object"):

- without ``allowed_mentions`` a regular message parses users, roles and @everyone/@here;
  interaction responses and webhook messages (follow-ups) parse users only;
- ``parse`` lists mention types to parse; ``users`` and ``roles`` list ids (at most 100 each);
  ``parse`` with ``users`` (or with ``roles``) is a validation error, 400 code 50035;
  an empty or null ``users`` next to ``parse: ["users"]`` is not;
- only mentions present in the content count (embeds are never parsed); a role is live only
  if it is mentionable or the author may Mention Everyone, and @everyone/@here only with
  Mention Everyone;
- on an edit that changes ``content`` the mentions are computed again, from the edit's own
  ``allowed_mentions`` or the default, never from the original request's.

And Discord's thread behaviour: a live mention of someone in a thread (private ones included)
adds them to it, if they can see the parent channel; a live role mention adds the role's
members; @everyone and @here add nobody.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import DiscordError
from .recorder import compile_path

USERS, ROLES, EVERYONE = "users", "roles", "everyone"
#: The default parse of a regular message (``POST /channels/{id}/messages``).
MESSAGE_DEFAULT = frozenset({USERS, ROLES, EVERYONE})
#: The default parse of interaction responses and webhook messages.
INTERACTION_DEFAULT = frozenset({USERS})
IDS_MAX = 100

_USER = re.compile(r"<@!?(\d{15,21})>")
_ROLE = re.compile(r"<@&(\d{15,21})>")
_EVERYONE = re.compile(r"@(everyone|here)\b")


@dataclass(frozen=True)
class Allowed:
    """What a message may make live: mention types parsed, plus ids named one by one."""

    parse: frozenset[str]
    users: frozenset[int] = frozenset()
    roles: frozenset[int] = frozenset()

    def user(self, user_id: int) -> bool:
        return USERS in self.parse or user_id in self.users

    def role(self, role_id: int) -> bool:
        return ROLES in self.parse or role_id in self.roles

    @property
    def everyone(self) -> bool:
        return EVERYONE in self.parse


def _invalid(detail: str) -> DiscordError:
    return DiscordError(400, 50035, f"Invalid Form Body: allowed_mentions: {detail}")


def _ids(value: Any, name: str) -> frozenset[int]:
    if value is None:
        return frozenset()
    if not isinstance(value, list):
        raise _invalid(f"{name} must be an array of snowflakes")
    if len(value) > IDS_MAX:
        raise _invalid(f"{name} must have at most {IDS_MAX} items")
    ids: set[int] = set()
    for item in value:
        if isinstance(item, bool) or not str(item).isdigit():
            raise _invalid(f"{name}: {item!r} is not snowflake")
        ids.add(int(item))
    return frozenset(ids)


def allowed_from(body: Mapping[str, Any], default: frozenset[str]) -> Allowed:
    """The request's ``allowed_mentions``, validated as Discord does; the default if absent."""
    if "allowed_mentions" not in body or body["allowed_mentions"] is None:
        return Allowed(parse=default)
    raw = body["allowed_mentions"]
    if not isinstance(raw, dict):
        raise _invalid("must be an object")
    parse_raw = raw.get("parse") or []
    if not isinstance(parse_raw, list) or any(
        kind not in (USERS, ROLES, EVERYONE) for kind in parse_raw
    ):
        raise _invalid(f"parse must hold only {USERS!r}, {ROLES!r} and {EVERYONE!r}")
    parse = frozenset(parse_raw)
    users, roles = _ids(raw.get("users"), USERS), _ids(raw.get("roles"), ROLES)
    if USERS in parse and users:
        raise _invalid('parse:["users"] and users are mutually exclusive.')
    if ROLES in parse and roles:
        raise _invalid('parse:["roles"] and roles are mutually exclusive.')
    return Allowed(parse=parse, users=users, roles=roles)


@dataclass(frozen=True)
class Written:
    """The mentions written in a message's text, live or not, in order of appearance."""

    users: tuple[int, ...]
    roles: tuple[int, ...]
    everyone: bool


def written_in(content: str | None) -> Written:
    text = content or ""
    return Written(
        users=tuple(dict.fromkeys(int(m) for m in _USER.findall(text))),
        roles=tuple(dict.fromkeys(int(m) for m in _ROLE.findall(text))),
        everyone=_EVERYONE.search(text) is not None,
    )


def live_users(written: Written, allowed: Allowed, known: Iterable[int]) -> list[int]:
    """Users whose mention pings: written, allowed, and existing."""
    exists = set(known)
    return [u for u in written.users if allowed.user(u) and u in exists]


#: Requests that create or edit a message, as (method, path pattern).
MESSAGE_ROUTES = (
    ("POST", "/channels/{channel_id}/messages"),
    ("PATCH", "/channels/{channel_id}/messages/{message_id}"),
    ("POST", "/interactions/{interaction_id}/{token}/callback"),
    ("POST", "/webhooks/{app_id}/{token}"),
    ("PATCH", "/webhooks/{app_id}/{token}/messages/{message_id}"),
)
_MESSAGE_CALLBACKS = (4, 7)  # a message in answer, the clicked message updated
_MESSAGE_KEYS = ("content", "embeds", "components", "attachments", "poll")


def message_body(method: str, path: str, body: Any) -> Mapping[str, Any] | None:
    """The message a request carries (a callback's ``data``), or None if it carries none:
    a deferral, a modal, autocomplete choices, or a request on another route."""
    if not isinstance(body, dict):
        return None
    if not any(m == method and compile_path(r).fullmatch(path) for m, r in MESSAGE_ROUTES):
        return None
    if path.endswith("/callback"):
        if body.get("type") not in _MESSAGE_CALLBACKS:
            return None
        body = body.get("data") or {}
    return body if any(key in body for key in _MESSAGE_KEYS) else None


def pings_beyond(
    body: Mapping[str, Any], users: Iterable[int] = (), roles: Iterable[int] = ()
) -> str | None:
    """Why a message request could ping more than ``users`` and ``roles``, or None if it
    cannot: it must set ``allowed_mentions`` itself (the defaults parse text), parse
    nothing, and name no one else."""
    raw = body.get("allowed_mentions")
    if not isinstance(raw, dict):
        return "no allowed_mentions, so Discord's default parses the text"
    if raw.get("parse"):
        return f"allowed_mentions parses {raw['parse']}"
    extra_users = {int(u) for u in raw.get("users") or []} - set(users)
    extra_roles = {int(r) for r in raw.get("roles") or []} - set(roles)
    if extra_users or extra_roles:
        return f"allowed_mentions names users {extra_users or '{}'}, roles {extra_roles or '{}'}"
    if raw.get("replied_user"):
        return "allowed_mentions pings the replied-to author"
    return None
