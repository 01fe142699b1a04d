"""Buttons and select menus whose custom id is the neutral action reference.

They are discord.py dynamic items, registered once at start: any message's button, however old,
matches the template after a restart and is routed to the registry by its action id.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any, cast

import discord

from bot.replies import ActionRef, Choice, Select

# One template per kind: discord.py keys dynamic items by their template.
BUTTON_TEMPLATE = re.compile(r"^pb:b:(?P<ref>[^|]+\|.*)$")
SELECT_TEMPLATE = re.compile(r"^pb:s:(?P<ref>[^|]+\|.*)$")
FORM_PREFIX = "pb:f:"

# Set by the adapter at start: what to do with a press or a pick.
ActionRouter = Callable[[discord.Interaction[Any], ActionRef, tuple[str, ...]], Awaitable[None]]
_router: ActionRouter | None = None


def set_router(router: ActionRouter | None) -> None:
    global _router  # noqa: PLW0603 - discord.py builds items from a class, not an instance
    _router = router


def custom_id_for(ref: ActionRef, kind: str) -> str:
    """``pb:b:action|payload``; the kernel keeps action references short enough to fit."""
    custom_id = f"pb:{kind}:{ref.encode()}"
    if len(custom_id) > 100:
        raise ValueError(f"custom id for {ref.action} is longer than Discord's 100 characters")
    return custom_id


def form_custom_id(ref: ActionRef) -> str:
    return custom_id_for(ref, "f")


def parse_form_custom_id(custom_id: str) -> ActionRef | None:
    if not custom_id.startswith(FORM_PREFIX):
        return None
    return ActionRef.decode(custom_id[len(FORM_PREFIX) :])


class ActionButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=BUTTON_TEMPLATE):
    def __init__(self, item: discord.ui.Button[Any], ref: ActionRef) -> None:
        super().__init__(item)
        self.ref = ref

    @classmethod
    def build(cls, ref: ActionRef, label: str, style: discord.ButtonStyle) -> ActionButton:
        button = discord.ui.Button[Any](label=label, style=style, custom_id=custom_id_for(ref, "b"))
        return cls(button, ref)

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ActionButton:
        ref = ActionRef.decode(match["ref"])
        button = discord.ui.Button[Any](custom_id=custom_id_for(ref, "b"))
        return cls(button, ref)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        if _router is not None:
            await _router(interaction, self.ref, ())


class ActionSelect(discord.ui.DynamicItem[discord.ui.Select[Any]], template=SELECT_TEMPLATE):
    def __init__(self, item: discord.ui.Select[Any], ref: ActionRef) -> None:
        super().__init__(item)
        self.ref = ref

    @classmethod
    def build(cls, select: Select) -> ActionSelect:
        item = discord.ui.Select[Any](
            custom_id=custom_id_for(select.action, "s"),
            placeholder=select.placeholder[:150],
            min_values=select.min_values,
            max_values=select.max_values,
            options=[_option(choice) for choice in select.choices],
        )
        return cls(item, select.action)

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ActionSelect:
        ref = ActionRef.decode(match["ref"])
        return cls(discord.ui.Select[Any](custom_id=custom_id_for(ref, "s")), ref)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        data = cast(dict[str, Any], interaction.data or {})
        values = tuple(str(v) for v in data.get("values", []))
        if _router is not None:
            await _router(interaction, self.ref, values)


def _option(choice: Choice) -> discord.SelectOption:
    return discord.SelectOption(
        label=choice.label, value=choice.value, description=choice.description or None
    )
