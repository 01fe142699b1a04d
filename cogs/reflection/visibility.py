"""Who can see a co-reflection thread besides the people in it, in plain words.

On Discord a private thread is seen by the people added to it, and also by the server's owner,
anyone whose role has Administrator, and anyone with Manage Threads in its channel. The port
says who that is (``ThreadViewers``); this module words it for the agreement, the invitation,
``/network setup`` and the settings command. Role names are the server's own; people are
neutral marks each platform shows its way.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.mentions import person, place
from bot.ports import ThreadViewers

#: Roles named in one sentence before "and N more".
ROLES_SHOWN = 8
#: The rule, as the agreement and the invitation state it on Discord, in one line.
RULE = (
    "Who else can technically see this thread: server admins and people with Manage Threads "
    "in this channel"
)
#: The same line on Matrix. Co-reflection rooms are invite only and, for now, never
#: end-to-end encrypted (bot/platforms/matrix/serve.py says why), so the homeserver's
#: operators could read them.
MATRIX_LINE = (
    "Who else can technically see this room: it is invite only, but not end-to-end encrypted, "
    "so the people who run the Matrix homeserver could read it."
)


def _join(parts: Sequence[str], word: str = "and") -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} {word} {parts[-1]}"


def _roles(names: Sequence[str], why: str, also: str = "") -> str:
    shown = list(names[:ROLES_SHOWN])
    if len(names) > ROLES_SHOWN:
        shown.append(f"{len(names) - ROLES_SHOWN} more")
    noun = "the role" if len(names) == 1 else "the roles"
    return f"anyone with {noun} {_join(shown, 'or')}{also} ({why})"


def who(viewers: ThreadViewers, platform: str) -> str:
    """Everyone the port named, as one phrase: "the server owner, anyone with the role ..."."""
    parts: list[str] = []
    if viewers.owner:
        parts.append(f"the server owner ({person(f'{platform}:{viewers.owner}')})")
    if viewers.admin_roles:
        parts.append(_roles(viewers.admin_roles, "Administrator"))
    if viewers.thread_roles:
        parts.append(_roles(viewers.thread_roles, "Manage Threads", " who can see the channel"))
    if viewers.people:
        people = [person(f"{platform}:{user_id}") for user_id in viewers.people[:ROLES_SHOWN]]
        if len(viewers.people) > ROLES_SHOWN:
            people.append(f"{len(viewers.people) - ROLES_SHOWN} more people")
        parts.append(f"{_join(people)} (by permissions of their own)")
    return _join(parts) if parts else "nobody else"


def agreement_line(viewers: ThreadViewers | None, platform: str) -> str | None:
    """The agreement's and the invitation's one line on who can technically see the thread;
    None where nobody can (the console)."""
    if viewers is None:
        return MATRIX_LINE if platform == "matrix" else None
    return f"{RULE}; here that is {who(viewers, platform)}."


def setup_note(
    viewers: ThreadViewers | None, channel_key: str, platform: str, *, private: bool
) -> str:
    """For the coordinator after ``/network setup``, or after changing the setting: who can
    see co-reflection threads in the network's reflection channel, and what they can do."""
    if viewers is None:
        return ""
    where = place(channel_key)
    seen = who(viewers, platform)
    admins = (
        " Administrator cannot be taken away in one channel, so keep it to as few people as "
        "possible."
        if viewers.admin_roles or viewers.people
        else ""
    )
    if private:
        return (
            f" Co-reflection threads in {where}: peerbot keeps Manage Threads there to itself, "
            f"so besides the people in a thread only {seen} can see it.{admins}"
        )
    if not viewers.roles and not viewers.people:
        return (
            f" Co-reflection threads in {where} can be seen by the people in them and by "
            f"{seen}, nobody else."
        )
    return (
        f" Co-reflection threads in {where} can also be seen by {seen}, besides the people in "
        "them. To keep them to the people in them, a coordinator can turn on "
        "/manage reflect settings private_threads:true: peerbot then denies Manage Threads in "
        f"that channel to every role but its own.{admins}"
    )
