"""What a person picks from Discord's menu, for tests written with a command's earlier name.

Staff commands moved under ``/manage``, ``/library`` and ``/mod`` (their earlier names still
work on the console and Matrix); Discord has only the current names, and the fake Discord
refuses anything else. ``current("meeting schedule")`` is ``manage meeting schedule``.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from functools import cache

import cogs
from bot.commands import command_spec


@cache
def _current_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for module_info in pkgutil.walk_packages(cogs.__path__, "cogs."):
        module = importlib.import_module(module_info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            for attr in vars(cls).values():
                spec = command_spec(attr)
                if spec is not None:
                    names[spec.name] = spec.name
                    names.update(dict.fromkeys(spec.aliases, spec.name))
    return names


def current(typed: str) -> str:
    """The command's name now; names the cogs do not know are kept (test cogs' commands)."""
    return _current_names().get(typed, typed)
