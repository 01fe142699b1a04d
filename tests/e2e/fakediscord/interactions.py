"""Driving the bot like a user: interactions sent over the gateway, and handles to await the
bot's answers to them.

Option types come from the command the bot registered (so ``{"member": alice_id}`` becomes a
USER option with ``resolved`` data); for unregistered commands they are inferred from the
Python value, or given explicitly with :class:`Typed`.
"""

from __future__ import annotations

import asyncio
import copy
import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from . import payloads as p
from .components import TEXT_INPUT, fill_modal, find_component
from .gateway import Gateway
from .handles import Attached, InteractionHandle, OptionType, Typed
from .payloads import Json
from .recorder import RequestLog
from .state import FakeState, InteractionRecord

STRING, INTEGER, BOOLEAN = OptionType.STRING, OptionType.INTEGER, OptionType.BOOLEAN
USER, CHANNEL, ROLE = OptionType.USER, OptionType.CHANNEL, OptionType.ROLE
MENTIONABLE, NUMBER = OptionType.MENTIONABLE, OptionType.NUMBER
ATTACHMENT = OptionType.ATTACHMENT
SUB_COMMAND, SUB_COMMAND_GROUP = OptionType.SUB_COMMAND, OptionType.SUB_COMMAND_GROUP
COMMAND, COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
BUTTON = 2
#: https://discord.com/developers/docs/interactions/application-commands (interaction context types)
BOT_DM = 1
_SELECT_RESOLVES = {5: USER, 6: ROLE, 7: MENTIONABLE, 8: CHANNEL}
# Event-loop turns (not a wait for time) let pass before an interaction is sent. The fake wrote
# its answer to the bot's last request before the test went on, but discord.py may still be
# reading it (a view is stored only when its send call returns): a click must not overtake it.
_YIELDS_BEFORE_DISPATCH = 5

Ref = int | str | Mapping[str, Any]
"""A user, channel or message: its id, its name (users, channels), or its payload."""


class CommandNotShown(Exception):
    """The person cannot run this command: Discord leaves it out of their menu, because they
    lack its ``default_member_permissions`` (and a client cannot send it anyway)."""


class UnknownCommand(Exception):
    """No such command (or subcommand) is synced: a Discord client cannot send it. Tests
    that model a crafted interaction say ``crafted=True``."""


class NotAChoice(Exception):
    """A value outside an option's ``choices``: a Discord client only lets the person pick one
    of them. Tests that model a crafted interaction say ``crafted=True``."""


class InteractionDriver:
    """The interaction methods of :class:`FakeDiscord`."""

    state: FakeState
    gateway: Gateway
    log: RequestLog
    guild_id: int
    #: Tests of the fake itself drive bare clients that sync no commands.
    unsynced_commands_allowed: bool = False

    async def archive_idle_threads(self) -> list[Json]:
        """Archive every thread idle for its ``auto_archive_duration`` by the fake's clock, and
        send THREAD_UPDATE for each, as Discord does when it archives one. Every API request
        and every interaction does this first, so a test that moves the clock on sees the
        threads Discord would have archived meanwhile; call it to announce them sooner."""
        archived = self.state.archive_idle_threads()
        for thread in archived:
            await self.gateway.dispatch("THREAD_UPDATE", copy.deepcopy(thread))
        return archived

    async def send_slash_command(
        self,
        name: str,
        options: Mapping[str, Any] | None = None,
        *,
        subcommand: str | None = None,
        group: str | None = None,
        user: Ref | None = None,
        channel: Ref | None = None,
        guild: int | None = None,
        dm: bool = False,
        crafted: bool = False,
    ) -> InteractionHandle:
        """A user runs ``/name [group] [subcommand] options...``."""
        return await self._command(
            COMMAND, name, options, subcommand, group, None, user, channel, guild, dm, crafted
        )

    async def send_command(
        self,
        typed: str,
        options: Mapping[str, Any] | None = None,
        **where: Any,
    ) -> InteractionHandle:
        """A user picks ``typed`` (``meeting list``, ``manage meeting schedule``) from the
        menu: the first word is the command, a last word its subcommand, a middle one its
        subcommand group."""
        words = typed.split(" ")
        group = words[1] if len(words) == 3 else None
        subcommand = words[-1] if len(words) >= 2 else None
        return await self.send_slash_command(
            words[0], options, subcommand=subcommand, group=group, **where
        )

    async def send_autocomplete(
        self,
        name: str,
        options: Mapping[str, Any] | None = None,
        *,
        focused: str,
        subcommand: str | None = None,
        group: str | None = None,
        user: Ref | None = None,
        channel: Ref | None = None,
        guild: int | None = None,
        dm: bool = False,
    ) -> InteractionHandle:
        """A user is typing option ``focused`` (its current text is in ``options``)."""
        return await self._command(
            AUTOCOMPLETE, name, options, subcommand, group, focused, user, channel, guild, dm, False
        )

    async def send_message_command(
        self, name: str, message: Ref, *, user: Ref | None = None
    ) -> InteractionHandle:
        """A user picks ``name`` under Apps in a message's menu. As Discord does, the data
        carries ``target_id`` and the whole message in ``resolved.messages`` (its text
        included: apps get the content of messages their commands are run on)."""
        target = self.state.message(_ref_id(message, lambda _: 0))
        channel_id = int(target["channel_id"])
        guild_id = self.state.guild_id_of(channel_id)
        user_id = self._user_id(user) if user is not None else self._first_human(guild_id)
        command = self.state.find_command(name, guild_id, kind=3)
        if command is None:
            raise CommandNotShown(f"no message command {name!r} is registered")
        self._check_shown(command, guild_id, user_id)
        data: Json = {
            "id": str(command["id"]),
            "name": name,
            "type": 3,
            "target_id": target["id"],
            "resolved": {"messages": {target["id"]: copy.deepcopy(target)}},
        }
        if "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        return await self.send_interaction(COMMAND, data, guild_id, channel_id, user_id)

    async def click_button(
        self, custom_id: str, *, message: Ref | None = None, user: Ref | None = None
    ) -> InteractionHandle:
        """A user clicks the button ``custom_id`` on ``message`` (default: the newest message
        that has it)."""
        source, component = self._component_source(custom_id, message, BUTTON)
        data = {"custom_id": custom_id, "component_type": BUTTON}
        if "id" in component:
            data["id"] = component["id"]
        return await self._from_message(source, data, user)

    async def choose_select(
        self,
        custom_id: str,
        values: Sequence[Any],
        *,
        message: Ref | None = None,
        user: Ref | None = None,
    ) -> InteractionHandle:
        """A user picks ``values`` in the select menu ``custom_id``. For user, role, channel
        and mentionable selects the values are ids and ``resolved`` is filled in."""
        source, component = self._component_source(custom_id, message, None)
        kind = int(component["type"])
        guild_id = self.state.guild_id_of(int(source["channel_id"]))
        resolved: Json = {}
        chosen = [
            self._resolve(_SELECT_RESOLVES[kind], v, resolved, guild_id)
            if kind in _SELECT_RESOLVES
            else v
            for v in values
        ]
        data: Json = {"custom_id": custom_id, "component_type": kind, "values": chosen}
        if resolved:
            data["resolved"] = resolved
        return await self._from_message(source, data, user)

    async def submit_modal(
        self,
        custom_id: str,
        fields: Mapping[str, str | Sequence[str]],
        *,
        user: Ref | None = None,
        channel: Ref | None = None,
        guild: int | None = None,
        dm: bool = False,
    ) -> InteractionHandle:
        """A user submits modal ``custom_id`` with ``fields`` (text input custom_id -> value).
        If the bot opened that modal, the submission mirrors its layout (action rows or
        labels) and is sent from where it was opened."""
        opened = self.state.modals.get(custom_id)
        if opened is None:
            components = [
                {"type": 1, "components": [{"type": TEXT_INPUT, "custom_id": k, "value": v}]}
                for k, v in fields.items()
            ]
            where = self._where(user, channel, guild, dm)
        else:
            components = fill_modal(opened.data["components"], fields)
            first = opened.opened_by
            where = (first.guild_id, first.channel_id, first.user_id)
            if user is not None or channel is not None or guild is not None or dm:
                where = self._where(user, channel, guild, dm)
        data = {"custom_id": custom_id, "components": components}
        return await self.send_interaction(MODAL_SUBMIT, data, *where)

    async def send_interaction(
        self,
        kind: int,
        data: Json,
        guild_id: int | None,
        channel_id: int,
        user_id: int,
        *,
        message: Json | None = None,
    ) -> InteractionHandle:
        """Send any INTERACTION_CREATE; the helpers above all end here."""
        await self.archive_idle_threads()
        state = self.state
        channel = copy.deepcopy(state.channel(channel_id))
        if guild_id is None:
            invoker = copy.deepcopy(state.user(user_id))
            app_permissions = p.DEFAULT_EVERYONE_PERMISSIONS
        else:
            invoker = state.member_payload(guild_id, user_id, channel_id)
            app_permissions = state.permissions_for(guild_id, state.bot_id, channel_id)
        record = InteractionRecord(
            id=state.snowflakes.next(),
            token=f"fake-{uuid.uuid4().hex}{uuid.uuid4().hex}",
            kind=kind,
            payload={},
            channel_id=channel_id,
            guild_id=guild_id,
            user_id=user_id,
            source_message_id=None if message is None else int(message["id"]),
        )
        record.payload = p.interaction(
            interaction_id=record.id,
            token=record.token,
            application_id=state.bot_id,
            kind=kind,
            data=data,
            channel=channel,
            invoker=invoker,
            guild_id=guild_id,
            app_permissions=app_permissions,
            message=copy.deepcopy(message),
        )
        state.interactions[record.token] = record
        await self.gateway.wait_connected()
        for _ in range(_YIELDS_BEFORE_DISPATCH):
            await asyncio.sleep(0)
        record.sent_at = time.perf_counter()
        if await self.gateway.dispatch("INTERACTION_CREATE", record.payload) == 0:
            raise RuntimeError("no gateway session to send the interaction to")
        return InteractionHandle(record, self.log, state)

    # -- helpers ----------------------------------------------------------------------------

    async def _command(
        self,
        kind: int,
        name: str,
        options: Mapping[str, Any] | None,
        subcommand: str | None,
        group: str | None,
        focused: str | None,
        user: Ref | None,
        channel: Ref | None,
        guild: int | None,
        dm: bool,
        crafted: bool,
    ) -> InteractionHandle:
        guild_id, channel_id, user_id = self._where(user, channel, guild, dm)
        command = self.state.find_command(name, guild_id)
        if command is None and not (crafted or self.unsynced_commands_allowed):
            raise UnknownCommand(f"/{name} is not a command the bot has synced here")
        self._check_shown(command, guild_id, user_id)
        if dm and command is not None and BOT_DM not in command.get("contexts", [BOT_DM]):
            # Discord offers a command in the bot's direct messages only when its contexts
            # include 1 (BOT_DM); without contexts, every context.
            raise CommandNotShown(f"/{name} is not offered in direct messages")
        definitions: list[Json] = [] if command is None else command.get("options", [])
        resolved: Json = {}
        leaf = self._options(
            definitions, group, subcommand, options or {}, resolved, guild_id, focused, crafted
        )
        data: Json = {
            "id": str(self.state.snowflakes.next() if command is None else command["id"]),
            "name": name,
            "type": 1,
            "options": leaf,
        }
        if command is not None and "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        if resolved:
            data["resolved"] = resolved
        return await self.send_interaction(kind, data, guild_id, channel_id, user_id)

    def _options(
        self,
        definitions: list[Json],
        group: str | None,
        subcommand: str | None,
        values: Mapping[str, Any],
        resolved: Json,
        guild_id: int | None,
        focused: str | None,
        crafted: bool = False,
    ) -> list[Json]:
        """Nest the options under the subcommand (and group), typed by the definitions."""

        def child(defs: list[Json], name: str) -> list[Json]:
            found = next((d for d in defs if d["name"] == name), None)
            if found is None and definitions_known:
                raise UnknownCommand(f"there is no '{name}' under this command")
            return [] if found is None else list(found.get("options", []))

        definitions_known = bool(definitions)

        if group is not None:
            definitions = child(definitions, group)
        if subcommand is not None:
            definitions = child(definitions, subcommand)
        leaf: list[Json] = []
        for name, given in values.items():
            definition = next((d for d in definitions if d["name"] == name), None)
            value = given.value if isinstance(given, Typed) else given
            if isinstance(given, Typed):
                kind = given.type
            elif definition is not None:
                kind = int(definition["type"])
            else:
                kind = _infer_type(value)
            option: Json = {"name": name, "type": int(kind)}
            choices = [] if definition is None else definition.get("choices") or []
            picked = value in [c["value"] for c in choices]
            if choices and name != focused and not crafted and not picked:
                raise NotAChoice(f"{value!r} is not one of the choices of option {name!r}")
            if name == focused:
                option["value"] = str(value)
                option["focused"] = True
            elif kind in (USER, CHANNEL, ROLE, MENTIONABLE):
                option["value"] = self._resolve(kind, value, resolved, guild_id)
            elif kind == ATTACHMENT:
                option["value"] = self._attach(value, resolved)
            else:
                option["value"] = value
            leaf.append(option)
        if subcommand is not None:
            leaf = [{"name": subcommand, "type": int(SUB_COMMAND), "options": leaf}]
        if group is not None:
            leaf = [{"name": group, "type": int(SUB_COMMAND_GROUP), "options": leaf}]
        return leaf

    def _attach(self, value: Any, resolved: Json) -> str:
        """Upload an ``Attached`` file as Discord's client does before it sends the command;
        ``resolved.attachments`` gets the attachment object (ephemeral, as a command's
        attachments are). Returns its id, the option's value."""
        if not isinstance(value, Attached):
            raise TypeError("an ATTACHMENT option takes Attached(filename, data, content_type)")
        attachment_id = self.state.snowflakes.next()
        self.state.attached_files[attachment_id] = value.data
        base = getattr(self, "url", "http://127.0.0.1")
        url = f"{base}/attachments/{attachment_id}/{value.filename}"
        payload: Json = {
            "id": str(attachment_id),
            "filename": value.filename,
            "size": len(value.data),
            "url": url,
            "proxy_url": url,
            "ephemeral": True,
        }
        if value.content_type is not None:
            payload["content_type"] = value.content_type
        resolved.setdefault("attachments", {})[str(attachment_id)] = payload
        return str(attachment_id)

    def _resolve(self, kind: int, value: Any, resolved: Json, guild_id: int | None) -> str:
        """Add the object behind an id to ``resolved`` as Discord does; returns the id."""
        state = self.state
        if kind == MENTIONABLE:
            target = _ref_id(value, lambda n: int(state.user_named(n)["id"]))
            is_role = guild_id is not None and target in state.guild(guild_id).roles
            kind = ROLE if is_role else USER
        if kind == USER:
            user_id = self._user_id(value)
            resolved.setdefault("users", {})[str(user_id)] = state.user(user_id)
            if guild_id is not None and user_id in state.guild(guild_id).members:
                member = state.member_payload(guild_id, user_id)
                del member["user"]
                resolved.setdefault("members", {})[str(user_id)] = member
            return str(user_id)
        if kind == ROLE:
            role_id = _ref_id(value, lambda n: _role_named(state, guild_id, n))
            assert guild_id is not None, "role options only exist in guilds"
            resolved.setdefault("roles", {})[str(role_id)] = state.role(guild_id, role_id)
            return str(role_id)
        channel_id = self._channel_id(value, guild_id)
        channel = copy.deepcopy(state.channel(channel_id))
        if guild_id is not None:
            channel["permissions"] = str(state.permissions_for(guild_id, state.bot_id, channel_id))
        resolved.setdefault("channels", {})[str(channel_id)] = channel
        return str(channel_id)

    def _check_shown(self, command: Json | None, guild_id: int | None, user_id: int) -> None:
        """As Discord does: in a server, a command with ``default_member_permissions`` is shown
        only to members who hold all those permissions ("0": only administrators); the owner
        and administrators see everything. In direct messages it does not apply."""
        needed = None if command is None else command.get("default_member_permissions")
        if needed is None or guild_id is None:
            return
        held = self.state.permissions_for(guild_id, user_id)
        wanted = int(needed)
        if wanted == 0:
            shown = held & p.ADMINISTRATOR == p.ADMINISTRATOR
        else:
            shown = held & wanted == wanted
        if not shown:
            raise CommandNotShown(f"/{command['name'] if command else '?'} is not in their menu")

    def _where(
        self, user: Ref | None, channel: Ref | None, guild: int | None, dm: bool
    ) -> tuple[int | None, int, int]:
        """(guild id or None, channel id, user id) of an interaction, with defaults: the
        default guild, its first text channel, its first human member."""
        guild_id = None if dm else (guild if guild is not None else self.guild_id)
        user_id = self._user_id(user) if user is not None else self._first_human(guild_id)
        if dm:
            return None, int(self.state.dm_channel_for(user_id)["id"]), user_id
        assert guild_id is not None
        if channel is None:
            text = (c for c in self.state.guild_channels(guild_id) if c["type"] == p.GUILD_TEXT)
            channel_id = int(next(text)["id"])
        else:
            channel_id = self._channel_id(channel, guild_id)
        return guild_id, channel_id, user_id

    def _first_human(self, guild_id: int | None) -> int:
        record = self.state.guild(guild_id if guild_id is not None else self.guild_id)
        for user_id, member in record.members.items():
            if not member["user"].get("bot"):
                return user_id
        raise LookupError("the guild has no human member to act as the user")

    def _user_id(self, ref: Ref) -> int:
        return _ref_id(ref, lambda n: int(self.state.user_named(n)["id"]))

    def _channel_id(self, ref: Ref, guild_id: int | None) -> int:
        return _ref_id(ref, lambda n: int(self.state.channel_named(n, guild_id)["id"]))

    def _component_source(
        self, custom_id: str, message: Ref | None, expected: int | None
    ) -> tuple[Json, Json]:
        state = self.state
        if message is None:
            source = state.find_message_with_component(custom_id)
        else:
            source = state.message(_ref_id(message, lambda _: 0))
        component = find_component(source.get("components", []), custom_id)
        if component is None:
            raise LookupError(f"message {source['id']} has no component {custom_id!r}")
        if expected is not None and component["type"] != expected:
            raise ValueError(f"component {custom_id!r} has type {component['type']}")
        if component.get("disabled"):
            raise ValueError(f"component {custom_id!r} is disabled: a user cannot use it")
        return source, component

    async def _from_message(self, source: Json, data: Json, user: Ref | None) -> InteractionHandle:
        channel_id = int(source["channel_id"])
        guild_id = self.state.guild_id_of(channel_id)
        if user is not None:
            user_id = self._user_id(user)
        elif "interaction_metadata" in source:
            user_id = int(source["interaction_metadata"]["user"]["id"])
        else:
            user_id = self._first_human(guild_id)
        return await self.send_interaction(
            COMPONENT, data, guild_id, channel_id, user_id, message=source
        )


def _ref_id(ref: Ref, by_name: Any) -> int:
    if isinstance(ref, int):
        return ref
    if isinstance(ref, str):
        return int(ref) if ref.isdigit() else int(by_name(ref))
    return int(ref["id"] if "id" in ref else ref["user"]["id"])


def _role_named(state: FakeState, guild_id: int | None, name: str) -> int:
    assert guild_id is not None
    for role_id, role in state.guild(guild_id).roles.items():
        if role["name"] == name:
            return role_id
    raise KeyError(f"no role named {name!r}")


def _infer_type(value: Any) -> int:
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, float):
        return NUMBER
    return STRING
