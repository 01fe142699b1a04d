"""Discord interactions in, registry invocations through, Discord responses out.

Slash commands, autocomplete and form (modal) submissions arrive in ``handle``; button presses
and menu picks arrive through the dynamic items in ``components`` and end in ``route_action``.
Every path answers within Discord's three seconds: a handler that is still running after two
is deferred (Discord shows "thinking...") and answered by editing that message. When Discord
refuses or loses the answer, ``answers`` sends it as a private follow-up or a direct message.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, cast

import discord
from discord import app_commands

from bot.commands import UPLOAD_FETCH_MAX, MessageTarget, Upload
from bot.identity import MessageRef, PlaceRef, UserRef
from bot.outbox import Outbox
from bot.platforms.discord.answers import Answerer, State
from bot.platforms.discord.components import parse_form_custom_id
from bot.registry import ActionInvocation, Invocation, MessageInvocation, Registry
from bot.replies import ActionRef, Reply

log = logging.getLogger(__name__)

PLATFORM = "discord"
SUB_COMMAND = 1
SUB_COMMAND_GROUP = 2
MESSAGE_COMMAND = 3  # application command type: run from a message's menu
ATTACHMENT = 11  # an option holding a file the person attached
DEFER_AFTER_SECONDS = 2.0


def user_of(interaction: discord.Interaction[Any]) -> UserRef:
    person = interaction.user
    return UserRef(platform=PLATFORM, id=str(person.id), display_name=person.display_name)


def place_of(interaction: discord.Interaction[Any]) -> PlaceRef | None:
    if interaction.channel_id is None:
        return None
    channel = interaction.channel
    name = getattr(channel, "name", None) or ""
    return PlaceRef(platform=PLATFORM, id=str(interaction.channel_id), name=name)


def space_of(interaction: discord.Interaction[Any]) -> PlaceRef | None:
    """The server the interaction came from; None in a direct message."""
    if interaction.guild_id is None:
        return None
    name = interaction.guild.name if interaction.guild is not None else ""
    return PlaceRef(platform=PLATFORM, id=str(interaction.guild_id), name=name)


def message_link(guild_id: int | None, channel_id: int, message_id: int) -> str:
    """The jump link Discord's Copy Message Link gives."""
    return f"https://discord.com/channels/{guild_id or '@me'}/{channel_id}/{message_id}"


def message_target(interaction: discord.Interaction[Any], data: dict[str, Any]) -> MessageTarget:
    """The message a message command was run on, by ids only. Discord sends its text too
    (in ``resolved``), and it is left there: peerbot keeps nobody's words."""
    message_id = int(data["target_id"])
    channel_id = int(interaction.channel_id or 0)
    place = PlaceRef(platform=PLATFORM, id=str(channel_id))
    return MessageTarget(
        message=MessageRef(place=place, id=str(message_id)),
        link=message_link(interaction.guild_id, channel_id, message_id),
    )


def command_and_options(data: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """``network join`` and its options, from the nested shape Discord sends."""
    name = str(data["name"])
    options: list[dict[str, Any]] = list(data.get("options", []))
    while options and options[0].get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP):
        name = f"{name} {options[0]['name']}"
        options = list(options[0].get("options", []))
    return name, options


def option_values(options: list[dict[str, Any]]) -> dict[str, Any]:
    """Option values as the kernel takes them: members, channels and roles as id text."""
    return {
        str(o["name"]): str(o["value"]) if o.get("type") in (6, 7, 8) else o["value"]
        for o in options
        if "value" in o
    }


def form_values(components: list[dict[str, Any]]) -> dict[str, str]:
    """Every text input's value, whatever rows or labels wrap it."""
    values: dict[str, str] = {}
    for component in components:
        if "custom_id" in component and "value" in component:
            values[str(component["custom_id"])] = str(component["value"] or "")
        inner = component.get("components") or []
        if "component" in component:
            inner = [*inner, component["component"]]
        values.update(form_values(list(inner)))
    return values


async def fetch_uploads(
    interaction: discord.Interaction[Any], data: dict[str, Any], options: list[dict[str, Any]]
) -> dict[str, Upload]:
    """The files attached to a command, fetched from Discord's CDN as discord.py's
    ``Attachment.read`` does. Discord sends each as an id in the option and the attachment
    (filename, size, url) in ``resolved.attachments``. A file over ``UPLOAD_FETCH_MAX``, or one
    Discord would not give, arrives without data and the cog says so."""
    resolved = (data.get("resolved") or {}).get("attachments") or {}
    uploads: dict[str, Upload] = {}
    for option in options:
        found = resolved.get(str(option.get("value")))
        if option.get("type") != ATTACHMENT or not isinstance(found, dict):
            continue
        size = int(found.get("size") or 0)
        content: bytes | None = None
        if size <= UPLOAD_FETCH_MAX:
            try:
                content = await interaction.client.http.get_from_cdn(str(found["url"]))
            except discord.HTTPException as error:
                log.warning("could not fetch an attached file: HTTP %s", error.status)
        uploads[str(option["name"])] = Upload(
            filename=str(found.get("filename") or "file"),
            size=size,
            content_type=str(found.get("content_type") or ""),
            data=content,
        )
    return uploads


class InteractionHandler:
    def __init__(
        self,
        registry: Registry,
        *,
        defer_after: float = DEFER_AFTER_SECONDS,
        outbox: Outbox | None = None,
    ) -> None:
        self.registry = registry
        self.defer_after = defer_after
        #: Answers in place, else privately: ``outbox`` carries the direct-message fallback.
        self.answerer = Answerer(outbox)

    async def handle(self, interaction: discord.Interaction[Any]) -> None:
        data = cast(dict[str, Any], interaction.data or {})
        try:
            if interaction.type is discord.InteractionType.application_command:
                await self._command(interaction, data)
            elif interaction.type is discord.InteractionType.autocomplete:
                await self._autocomplete(interaction, data)
            elif interaction.type is discord.InteractionType.modal_submit:
                await self._form(interaction, data)
        except discord.HTTPException as error:
            log.warning(
                "could not answer a Discord interaction: HTTP %s, Discord code %s",
                error.status,
                error.code,
            )

    async def route_action(
        self, interaction: discord.Interaction[Any], ref: ActionRef, selected: tuple[str, ...]
    ) -> None:
        invocation = ActionInvocation(
            user=user_of(interaction),
            place=place_of(interaction),
            action=ref,
            selected=selected,
            space=space_of(interaction),
        )
        try:
            await self._run(interaction, lambda: self.registry.invoke_action(invocation), False)
        except discord.HTTPException as error:
            log.warning(
                "could not answer a button on Discord: HTTP %s, code %s", error.status, error.code
            )

    async def _command(self, interaction: discord.Interaction[Any], data: dict[str, Any]) -> None:
        if data.get("type") == MESSAGE_COMMAND:
            await self._on_message(interaction, data)
            return
        name, options = command_and_options(data)
        spec = self.registry.commands.get(name)
        has_files = any(o.get("type") == ATTACHMENT for o in options)

        async def run() -> Reply:
            arguments = option_values(options)
            if has_files:  # fetched inside the run, so a slow fetch is deferred in time
                arguments.update(await fetch_uploads(interaction, data, options))
            invocation = Invocation(
                user=user_of(interaction),
                place=place_of(interaction),
                name=name,
                arguments=arguments,
                space=space_of(interaction),
            )
            return await self.registry.invoke(invocation)

        await self._run(interaction, run, defer_now=bool(spec and spec.defer))

    async def _on_message(
        self, interaction: discord.Interaction[Any], data: dict[str, Any]
    ) -> None:
        invocation = MessageInvocation(
            user=user_of(interaction),
            place=place_of(interaction),
            label=str(data.get("name", "")),
            target=message_target(interaction, data),
            space=space_of(interaction),
        )
        await self._run(interaction, lambda: self.registry.invoke_on_message(invocation), False)

    async def _autocomplete(
        self, interaction: discord.Interaction[Any], data: dict[str, Any]
    ) -> None:
        name, options = command_and_options(data)
        focused = next((o for o in options if o.get("focused")), None)
        if focused is None:
            await interaction.response.autocomplete([])
            return
        choices = await self.registry.autocomplete(
            user_of(interaction),
            place_of(interaction),
            name,
            str(focused["name"]),
            str(focused.get("value", "")),
        )
        await interaction.response.autocomplete(
            [app_commands.Choice(name=c.label[:100], value=c.value[:100]) for c in choices[:25]]
        )

    async def _form(self, interaction: discord.Interaction[Any], data: dict[str, Any]) -> None:
        ref = parse_form_custom_id(str(data.get("custom_id", "")))
        if ref is None:
            return  # not one of ours
        invocation = ActionInvocation(
            user=user_of(interaction),
            place=place_of(interaction),
            action=ref,
            fields=form_values(list(data.get("components", []))),
            space=space_of(interaction),
        )
        await self._run(interaction, lambda: self.registry.invoke_action(invocation), False)

    async def _run(
        self,
        interaction: discord.Interaction[Any],
        work: Callable[[], Awaitable[Reply]],
        defer_now: bool,
    ) -> None:
        """Run the handler; defer if it is not done in time; then answer, whatever Discord
        does, so the person is always told."""
        task = asyncio.ensure_future(work())
        state = State.FRESH
        if defer_now:
            state = await self.answerer.defer(interaction)
        else:
            done, _ = await asyncio.wait({task}, timeout=self.defer_after)
            if not done:
                state = await self.answerer.defer(interaction)
        await self.answerer.answer(interaction, await task, state)
