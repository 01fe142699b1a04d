"""The registry's commands as Discord application-command JSON, and the hash that says whether
they changed since the last sync.

Built by hand rather than through discord.py's CommandTree: our commands are data (specs made
once, in the cogs), and the tree wants a Python callback with a signature per command.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from bot.commands import (
    GROUP_DESCRIPTIONS,
    CommandSpec,
    MessageCommandSpec,
    OptionKind,
    OptionSpec,
    Role,
)

NAME_MAX = 32
DESCRIPTION_MAX = 100
OPTIONS_MAX = 25
CHOICES_MAX = 25
STRING_MAX = 6000  # a STRING option's max_length
NUMBER_LIMIT = 2**53  # INTEGER and NUMBER options: min_value and max_value within +-2^53

COMMAND_SIZE_MAX = 8000  # names, descriptions and choices of one command, all levels
# https://discord.com/developers/docs/interactions/application-commands (option types)
SUB_COMMAND = 1
SUB_COMMAND_GROUP = 2
OPTION_TYPES = {
    OptionKind.TEXT: 3,
    OptionKind.CHOICE: 3,
    OptionKind.DATE: 3,
    OptionKind.TIME: 3,
    OptionKind.TIMEZONE: 3,
    OptionKind.INTEGER: 4,
    OptionKind.BOOLEAN: 5,
    OptionKind.MEMBER: 6,
    OptionKind.CHANNEL: 7,
    OptionKind.ROLE: 8,
    OptionKind.NUMBER: 10,
    OptionKind.FILE: 11,  # ATTACHMENT
}
CHAT_INPUT = 1
MESSAGE = 3  # a command in a message's menu (Apps)
# Interaction contexts: 0 a server, 1 the bot's DM, 2 other private channels.
GUILD_ONLY = [0]
EVERYWHERE = [0, 1, 2]
GUILD_INSTALL = 0
#: https://discord.com/developers/docs/topics/permissions (bitwise permission flags)
MANAGE_GUILD = 1 << 5
#: The permission that shows staff commands (/manage, /library, /mod) in Discord's menu.
#: peerbot gives it to the server's "peerbot staff" role (cogs/networks/staff_menu.py).
#: Discord shows a command only to people holding the permissions it names, and peerbot's
#: coordinators are per network, not a Discord permission, so it needs one that means
#: nothing else: View Server Insights only shows a community server's statistics.
STAFF_MARKER = 1 << 19  # VIEW_GUILD_INSIGHTS
STAFF_ROLES = (Role.EXECUTIVE, Role.COORDINATOR, Role.ADMIN)


class PayloadError(ValueError):
    """A command cannot be shown on Discord as defined (too many options, a long name...)."""


def _clip(text: str, limit: int = DESCRIPTION_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def option_payload(option: OptionSpec) -> dict[str, Any]:
    description = option.description
    if option.kind is OptionKind.DATE:
        description = f"{description} (like 2027-03-10)"
    elif option.kind is OptionKind.TIME:
        description = f"{description} (like 18:30 or 6:30pm)"
    payload: dict[str, Any] = {
        "type": OPTION_TYPES[option.kind],
        "name": option.name,
        "description": _clip(description),
        "required": option.required,
    }
    if option.choices:
        if len(option.choices) > CHOICES_MAX:
            raise PayloadError(f"option {option.name} has more than {CHOICES_MAX} choices")
        payload["choices"] = [{"name": c.label[:100], "value": c.value} for c in option.choices]
    if option.suggests:
        payload["autocomplete"] = True
    if option.kind in (OptionKind.INTEGER, OptionKind.NUMBER):
        # Discord then refuses other values in its client; the kernel still checks them,
        # since a crafted interaction can carry anything.
        as_number = int if option.kind is OptionKind.INTEGER else float
        if option.min is not None:
            payload["min_value"] = as_number(max(option.min, -NUMBER_LIMIT))
        if option.max is not None:
            payload["max_value"] = as_number(min(option.max, NUMBER_LIMIT))
    if option.kind is OptionKind.DATE:
        payload["max_length"] = len("2027-03-10")
    elif option.kind is OptionKind.TIME:
        payload["max_length"] = len("12:30:00 p.m.")
    elif option.max_length is not None and payload["type"] == 3:
        payload["max_length"] = min(option.max_length, STRING_MAX)
    if option.kind is OptionKind.CHANNEL:
        payload["channel_types"] = [0, 5, 11, 12, 15]  # text, news, threads, forum
    return payload


def _options(spec: CommandSpec) -> list[dict[str, Any]]:
    if len(spec.options) > OPTIONS_MAX:
        raise PayloadError(f"/{spec.name} has more than {OPTIONS_MAX} options")
    return [option_payload(o) for o in spec.options]


def _works_in_dms(specs: Iterable[CommandSpec]) -> bool:
    """Only commands anyone may run, that need no network, are offered in direct messages,
    and those that say they work there (``in_dms``)."""
    return all(s.in_dms or (s.role is Role.EVERYONE and s.option("network") is None) for s in specs)


def member_permissions(specs: Iterable[CommandSpec]) -> str | None:
    """Discord's ``default_member_permissions`` for a top-level command: who sees it in their
    menu before a server admin changes anything. Discord sets it per top-level command only
    (never per subcommand), so a command is hidden only when everything in it needs that.

    Admin commands need Manage Server: peerbot's admins run the whole server. Staff commands
    (executives', coordinators' and admins') need :data:`STAFF_MARKER`, which the server's
    "peerbot staff" role carries; server administrators see everything.
    The kernel checks every call whatever Discord shows; this only trims the menu.
    """
    roles = [s.role for s in specs]
    if roles and all(role is Role.ADMIN for role in roles):
        return str(MANAGE_GUILD)
    if roles and all(role in STAFF_ROLES for role in roles):
        return str(STAFF_MARKER)
    return None


def group_titles(specs: Iterable[CommandSpec], cogs: Mapping[str, Any]) -> dict[str, str]:
    """Each group's description: its own words where the kernel has some, else the title of
    the cog its commands come from (``manage meeting``: the meetings cog's title)."""
    titles: dict[str, str] = {}
    for spec in specs:
        cog = cogs.get(spec.cog)
        title = str(getattr(cog, "title", "") or "")
        if spec.group is not None and title:
            titles.setdefault(spec.group, title)
        if spec.subgroup is not None and title:
            titles.setdefault(f"{spec.group} {spec.subgroup}", title)
    return titles | GROUP_DESCRIPTIONS


def build_commands(
    specs: Iterable[CommandSpec], *, descriptions: dict[str, str]
) -> list[dict[str, Any]]:
    """One top-level command per single word, one per first word of longer names: its
    subcommands (``meeting list``), and its subcommand groups (``manage meeting schedule``).

    ``descriptions`` gives each group a description (the cog's title, usually), by its
    name: ``meeting``, or ``manage meeting`` for a subcommand group.
    """
    singles: dict[str, CommandSpec] = {}
    groups: dict[str, list[CommandSpec]] = {}
    for spec in specs:
        if spec.group is None:
            singles[spec.name] = spec
        else:
            groups.setdefault(spec.group, []).append(spec)
    payload: list[dict[str, Any]] = []
    for name, spec in sorted(singles.items()):
        payload.append(
            {
                "type": CHAT_INPUT,
                "name": name,
                "description": _clip(spec.description),
                "options": _options(spec),
                "contexts": EVERYWHERE if _works_in_dms([spec]) else GUILD_ONLY,
                "integration_types": [GUILD_INSTALL],
                "default_member_permissions": member_permissions([spec]),
            }
        )
    for group, members in sorted(groups.items()):
        payload.append(
            {
                "type": CHAT_INPUT,
                "name": group,
                "description": _clip(descriptions.get(group, group.capitalize())),
                "options": _group_options(group, members, descriptions),
                "contexts": EVERYWHERE if _works_in_dms(members) else GUILD_ONLY,
                "integration_types": [GUILD_INSTALL],
                "default_member_permissions": member_permissions(members),
            }
        )
    for command in payload:
        _check_names(command)
        if (size := command_size(command)) > COMMAND_SIZE_MAX:
            raise PayloadError(
                f"/{command['name']} has {size} characters of names and descriptions; "
                f"Discord takes at most {COMMAND_SIZE_MAX} per command"
            )
    return payload


def _subcommand(spec: CommandSpec) -> dict[str, Any]:
    return {
        "type": SUB_COMMAND,
        "name": spec.name.split(" ")[-1],
        "description": _clip(spec.description),
        "options": _options(spec),
    }


def _group_options(
    group: str, members: list[CommandSpec], descriptions: dict[str, str]
) -> list[dict[str, Any]]:
    """A top-level command's subcommands, then its subcommand groups, each in name order."""
    flat = sorted((s for s in members if s.subgroup is None), key=lambda s: s.name)
    nested: dict[str, list[CommandSpec]] = {}
    for spec in members:
        if spec.subgroup is not None:
            nested.setdefault(spec.subgroup, []).append(spec)
    options = [_subcommand(spec) for spec in flat]
    for sub, inner in sorted(nested.items()):
        if len(inner) > OPTIONS_MAX:
            raise PayloadError(f"/{group} {sub} has more than {OPTIONS_MAX} subcommands")
        options.append(
            {
                "type": SUB_COMMAND_GROUP,
                "name": sub,
                "description": _clip(descriptions.get(f"{group} {sub}", sub.capitalize())),
                "options": [_subcommand(s) for s in sorted(inner, key=lambda s: s.name)],
            }
        )
    if len(options) > OPTIONS_MAX:
        raise PayloadError(f"/{group} has more than {OPTIONS_MAX} subcommands and groups")
    return options


def command_size(node: dict[str, Any]) -> int:
    """What Discord counts against :data:`COMMAND_SIZE_MAX`: names, descriptions and choice
    names and values, at every level."""
    size = len(str(node.get("name", ""))) + len(str(node.get("description", "")))
    for choice in node.get("choices") or []:
        size += len(str(choice["name"])) + len(str(choice["value"]))
    return size + sum(command_size(option) for option in node.get("options") or [])


def build_message_commands(specs: Iterable[MessageCommandSpec]) -> list[dict[str, Any]]:
    """Commands in a message's menu. Discord wants no description and no options for them,
    and their name is what people read (capitals and spaces allowed, at most 32
    characters). Server only: every one acts on a network's message."""
    payload = []
    for spec in sorted(specs, key=lambda s: s.label):
        if not 1 <= len(spec.label) <= NAME_MAX:
            raise PayloadError(f"message command {spec.label!r} must be 1 to {NAME_MAX} characters")
        payload.append(
            {
                "type": MESSAGE,
                "name": spec.label,
                "contexts": GUILD_ONLY,
                "integration_types": [GUILD_INSTALL],
                "default_member_permissions": None,
            }
        )
    return payload


def _check_names(command: dict[str, Any]) -> None:
    def names(node: dict[str, Any]) -> list[str]:
        nests = node.get("type", SUB_COMMAND) in (SUB_COMMAND, SUB_COMMAND_GROUP)
        inner = node.get("options", []) if nests else []
        return [node["name"]] + [n for option in inner for n in names(option)]

    for name in names(command):
        if not (1 <= len(name) <= NAME_MAX and name == name.lower()):
            raise PayloadError(f"'{name}' is not a valid Discord command or option name")


def commands_hash(payload: list[dict[str, Any]], target: str) -> str:
    """A stable fingerprint of what would be synced where; equal means nothing to do."""
    canonical = json.dumps({"target": target, "commands": payload}, sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
