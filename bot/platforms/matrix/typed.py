"""Answers to a command typed wrong: "did you mean", a group's commands, one command's help.

``!meetng`` is close to ``!meeting``; ``!meeting`` alone names a group, not a command;
``!help meeting schedule`` shows that command's options. Names come from the registry, so a
new command is suggested without anything written here.
"""

from __future__ import annotations

import difflib

from bot.commands import CommandSpec
from bot.registry import Registry

PREFIX = "!"
CUTOFF = 0.75


def _names(registry: Registry) -> list[str]:
    return sorted({*registry.commands, *registry.aliases})


def _group_commands(registry: Registry, first: str) -> list[str]:
    return sorted(n for n in _names(registry) if n.split(" ")[0] == first and " " in n)


def unknown_command(registry: Registry, words: list[str]) -> str:
    """What to say when no command has these words: its group's commands, or the nearest."""
    shown = " ".join(words) or "(nothing)"
    names = _names(registry)
    group = _group_commands(registry, words[0]) if words else []
    if group:
        listed = ", ".join(PREFIX + n for n in group)
        return (
            f"{PREFIX}{shown} is not a whole command. The commands starting with "
            f"{PREFIX}{words[0]} are: {listed}. Type {PREFIX}help {group[0]} to see one "
            "command's options."
        )
    for used in (3, 2, 1):
        if len(words) < used:
            continue
        typed = " ".join(words[:used])
        same_length = [n for n in names if n.count(" ") == used - 1]
        close = difflib.get_close_matches(typed, same_length, n=1, cutoff=CUTOFF)
        if close:
            return (
                f"There is no command {PREFIX}{shown}. Did you mean {PREFIX}{close[0]}? "
                f"Type {PREFIX}help to see the commands."
            )
        firsts = sorted({n.split(" ")[0] for n in names if " " in n})
        near_group = difflib.get_close_matches(words[0], firsts, n=1, cutoff=CUTOFF)
        if used == 1 and near_group:
            return (
                f"There is no command {PREFIX}{shown}. Did you mean {PREFIX}{near_group[0]}? "
                f"Its commands are: "
                + ", ".join(PREFIX + n for n in _group_commands(registry, near_group[0]))
                + "."
            )
    return f"There is no command {PREFIX}{shown}. Type {PREFIX}help to see the commands."


def command_help(spec: CommandSpec) -> str:
    """One command: what it does, how to type it, and each option with what it takes."""
    lines = [f"{PREFIX}{spec.name}: {spec.description}."]
    if spec.aliases:
        lines.append("Also typed as: " + ", ".join(PREFIX + a for a in spec.aliases) + ".")
    if not spec.options:
        lines.append("It takes no options.")
        return "\n".join(lines)
    example = " ".join(f"{o.name}:..." for o in spec.options if o.required)
    lines.append(f"Type it as: {PREFIX}{spec.name}" + (f" {example}" if example else ""))
    lines.append("Options (give them as name:value, with quotes around values with spaces):")
    for option in spec.options:
        need = "required" if option.required else "optional"
        lines.append(f"- {option.name} ({need}, {option.hint}): {option.description}")
    return "\n".join(lines)
