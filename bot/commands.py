"""Defining a command once: its name, description, typed options, role and handler.

A cog writes::

    @command("support", "Crisis and support lines", role=Role.EVERYONE)
    async def support(
        self, ctx: Context,
        filter: Annotated[Region, Option("Show only lines for...")] = Region.ALL,
    ) -> Reply: ...

and every adapter (console, Discord, Matrix) exposes it with the same rules. The options are
read from the annotations once, at registration, into ``OptionSpec`` objects, and pydantic
converts and validates what the person typed.
"""

from __future__ import annotations

import datetime as dt
import enum
import inspect
import re
import types
import typing
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, create_model
from pydantic import Field as PydanticField

from bot.identity import MessageRef, PlaceRef, UserRef
from bot.replies import Choice, Reply

COMMAND_DESCRIPTION_MAX = 100  # Discord's limit for command and option descriptions.
# Command words and option names: what Discord, Matrix and the console can all type.
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]{0,31}$")
OPTION_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


class Role(IntEnum):
    """Roles are ordered: each includes the ones below it."""

    EVERYONE = 0
    MEMBER = 1
    EXECUTIVE = 2
    COORDINATOR = 3
    ADMIN = 4

    @property
    def label(self) -> str:
        return self.name.lower()


class OptionKind(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    CHOICE = "choice"
    MEMBER = "member"
    CHANNEL = "channel"
    ROLE = "role"
    DATE = "date"
    TIME = "time"


@dataclass(frozen=True)
class Option:
    """What an annotation can say about one option, beyond its Python type."""

    description: str
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    autocomplete: str | None = None  # name of a cog method: (ctx, partial) -> list[Choice]
    kind: OptionKind | None = None  # MEMBER, CHANNEL or ROLE for ids carried as text


# Annotated aliases for the things that are ids on the platform but text in Python.
Member = Annotated[str, OptionKind.MEMBER]
Channel = Annotated[str, OptionKind.CHANNEL]
PlatformRole = Annotated[str, OptionKind.ROLE]

_KIND_HINT = {
    OptionKind.INTEGER: "a whole number",
    OptionKind.NUMBER: "a number",
    OptionKind.BOOLEAN: "true or false",
    OptionKind.DATE: "a date written like 2027-03-10",
    OptionKind.TIME: "a 24-hour time written like 18:30",
}


@dataclass(frozen=True)
class OptionSpec:
    """One option of a command, in the neutral form adapters read."""

    name: str
    description: str
    kind: OptionKind
    required: bool
    default: Any = None
    choices: tuple[Choice, ...] = ()
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    autocomplete: str | None = None

    @property
    def hint(self) -> str:
        """What a valid value looks like, in words, for error messages and help."""
        if self.choices:
            return "one of: " + ", ".join(c.value for c in self.choices)
        hint = _KIND_HINT.get(self.kind, "text")
        if self.min is not None and self.max is not None:
            hint += f" from {self.min:g} to {self.max:g}"
        elif self.min is not None:
            hint += f" of at least {self.min:g}"
        elif self.max is not None:
            hint += f" of at most {self.max:g}"
        return hint


@dataclass
class Context:
    """Who is asking, where, and when; and their role in the network the command concerns.

    ``space`` is the whole space the place belongs to (a Discord server, a Matrix space, the
    console); None in a direct message.
    """

    user: UserRef
    place: PlaceRef | None
    now: dt.datetime
    role: Role = Role.EVERYONE
    network_id: int | None = None
    space: PlaceRef | None = None
    #: The identity the person is using here, when it differs from ``user``: ``user`` is the
    #: person (their linked identities share one key, under which cogs store data), ``via``
    #: the account on this platform, for acting on the platform (threads, roles).
    via: UserRef | None = None

    @property
    def here(self) -> UserRef:
        """The person's identity on the platform of this command."""
        return self.via or self.user

    @property
    def platform(self) -> str:
        return self.here.platform


@dataclass(frozen=True)
class ActionEvent:
    """A button press, a menu pick or a submitted form."""

    payload: str
    fields: dict[str, str] = field(default_factory=dict)
    selected: tuple[str, ...] = ()


@dataclass(frozen=True)
class MessageTarget:
    """The message a command on a message was run on: where it is, and a link people can open.

    Never its text: the platform shows it to the person, and peerbot keeps no one's words
    (a reported message may name a client).
    """

    message: MessageRef
    link: str


CommandHandler = Callable[..., Awaitable[Reply]]
ActionHandler = Callable[[Any, Context, ActionEvent], Awaitable[Reply]]
MessageHandler = Callable[[Any, Context, MessageTarget], Awaitable[Reply]]


@dataclass
class CommandSpec:
    name: str
    description: str
    role: Role
    handler: CommandHandler
    options: tuple[OptionSpec, ...]
    arguments: type[BaseModel]
    cog: str = ""
    defer: bool = False

    @property
    def group(self) -> str | None:
        """``meeting`` for ``meeting schedule``; None for a one-word command."""
        parts = self.name.split(" ")
        return parts[0] if len(parts) == 2 else None

    def option(self, name: str) -> OptionSpec | None:
        return next((o for o in self.options if o.name == name), None)


@dataclass
class ActionSpec:
    action_id: str
    role: Role
    handler: ActionHandler
    cog: str = ""


@dataclass
class MessageCommandSpec:
    """A command run on one message (Discord's message menu, under Apps): no options, a
    label people read ("Report to coordinators")."""

    label: str
    role: Role
    handler: MessageHandler
    cog: str = ""


MESSAGE_COMMAND_LABEL_MAX = 32  # Discord's limit for a context menu command's name

_COMMAND_ATTR = "__peerbot_command__"
_ACTION_ATTR = "__peerbot_action__"
_MESSAGE_COMMAND_ATTR = "__peerbot_message_command__"


def command(
    name: str, description: str, *, role: Role = Role.MEMBER, defer: bool = False
) -> Callable[[CommandHandler], CommandHandler]:
    """Mark a cog method as a command. ``defer`` says it may take longer than two seconds."""

    words = name.split(" ")
    if not 1 <= len(words) <= 2 or not all(NAME_PATTERN.match(w) for w in words):
        raise ValueError(f"command name {name!r} must be one or two lower-case words")
    if not description or len(description) > COMMAND_DESCRIPTION_MAX:
        raise ValueError(
            f"command {name!r}: description must be 1 to {COMMAND_DESCRIPTION_MAX} characters"
        )

    def mark(handler: CommandHandler) -> CommandHandler:
        options, model = build_options(name, handler)
        spec = CommandSpec(name, description, role, handler, options, model, defer=defer)
        setattr(handler, _COMMAND_ATTR, spec)
        return handler

    return mark


def action(action_id: str, *, role: Role = Role.EVERYONE) -> Callable[[ActionHandler], Any]:
    """Mark a cog method as the handler of a button, menu or form with this stable id.

    ``role`` is checked against the person's highest role in any network, because a button
    carries no network option; a handler acting on one network's data must check the role in
    that network itself (the payload says which).
    """

    if not action_id or "|" in action_id or len(action_id) > 60:
        raise ValueError(f"action id {action_id!r} must be 1 to 60 characters without '|'")

    def mark(handler: ActionHandler) -> ActionHandler:
        setattr(handler, _ACTION_ATTR, ActionSpec(action_id, role, handler))
        return handler

    return mark


def message_command(label: str, *, role: Role = Role.MEMBER) -> Callable[[MessageHandler], Any]:
    """Mark a cog method ``(self, ctx, target: MessageTarget) -> Reply`` as a command on a
    message. Platforms without a message menu leave it out (the cog offers a slash command
    for the same job)."""

    if not 1 <= len(label) <= MESSAGE_COMMAND_LABEL_MAX or label != label.strip():
        raise ValueError(f"message command label {label!r} must be 1 to 32 characters")

    def mark(handler: MessageHandler) -> MessageHandler:
        setattr(handler, _MESSAGE_COMMAND_ATTR, MessageCommandSpec(label, role, handler))
        return handler

    return mark


def message_command_spec(obj: object) -> MessageCommandSpec | None:
    spec = getattr(obj, _MESSAGE_COMMAND_ATTR, None)
    return spec if isinstance(spec, MessageCommandSpec) else None


def command_spec(obj: object) -> CommandSpec | None:
    spec = getattr(obj, _COMMAND_ATTR, None)
    return spec if isinstance(spec, CommandSpec) else None


def action_spec(obj: object) -> ActionSpec | None:
    spec = getattr(obj, _ACTION_ATTR, None)
    return spec if isinstance(spec, ActionSpec) else None


def build_options(
    command_name: str, handler: CommandHandler
) -> tuple[tuple[OptionSpec, ...], type[BaseModel]]:
    """Read the handler's annotations into option specs and a pydantic model that validates."""

    hints = typing.get_type_hints(handler, include_extras=True)
    params = list(inspect.signature(handler).parameters.values())[2:]  # skip self, ctx
    specs: list[OptionSpec] = []
    fields: dict[str, Any] = {}
    for param in params:
        if not OPTION_NAME_PATTERN.match(param.name):
            raise ValueError(f"{command_name}: option name {param.name!r} is not allowed")
        if param.kind not in (param.POSITIONAL_OR_KEYWORD, param.KEYWORD_ONLY):
            raise TypeError(f"{command_name}: option {param.name} must be a plain parameter")
        spec, python_type = _option_from_annotation(command_name, param, hints[param.name])
        specs.append(spec)
        constraints: dict[str, Any] = {"description": spec.description}
        if spec.min is not None:
            constraints["ge"] = spec.min
        if spec.max is not None:
            constraints["le"] = spec.max
        if spec.max_length is not None:
            constraints["max_length"] = spec.max_length
        default = ... if spec.required else spec.default
        fields[param.name] = (python_type, PydanticField(default, **constraints))
    required_after_optional = [
        s.name for i, s in enumerate(specs) if s.required and any(not p.required for p in specs[:i])
    ]
    if required_after_optional:
        raise TypeError(f"{command_name}: required options must come before optional ones")
    model_name = "Args_" + command_name.replace(" ", "_")
    model = create_model(
        model_name,
        __config__=ConfigDict(extra="forbid", str_strip_whitespace=True),
        **fields,
    )
    return tuple(specs), model


def _option_from_annotation(
    command_name: str, param: inspect.Parameter, annotation: Any
) -> tuple[OptionSpec, Any]:
    meta: Option | None = None
    kind_override: OptionKind | None = None
    base = annotation
    optional = False
    while True:  # peel Annotated[...] and Optional[...] in any nesting (Member | None, ...)
        if typing.get_origin(base) is Annotated:
            base, *extras = typing.get_args(base)
            for extra in extras:
                if isinstance(extra, Option):
                    meta = extra
                    kind_override = extra.kind or kind_override
                elif isinstance(extra, OptionKind):
                    kind_override = extra
        elif typing.get_origin(base) in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(base) if a is not type(None)]
            if len(args) != 1:
                raise TypeError(
                    f"{command_name}: option {param.name} may only be Optional[one type]"
                )
            base, optional = args[0], True
        else:
            break
    if meta is None:
        raise TypeError(
            f"{command_name}: option {param.name} needs Annotated[..., Option('description')]"
        )
    if len(meta.description) > COMMAND_DESCRIPTION_MAX:
        raise ValueError(f"{command_name}: description of {param.name} is too long")

    kind, choices = _kind_of(command_name, param.name, base, kind_override)
    has_default = param.default is not inspect.Parameter.empty
    required = not has_default
    default = param.default if has_default else None
    if optional and not has_default:
        required, default = False, None
    spec = OptionSpec(
        name=param.name,
        description=meta.description,
        kind=kind,
        required=required,
        default=default,
        choices=choices,
        min=meta.min,
        max=meta.max,
        max_length=meta.max_length,
        autocomplete=meta.autocomplete,
    )
    python_type = (base | None) if (optional or (has_default and default is None)) else base
    return spec, python_type


def _kind_of(
    command_name: str, name: str, base: Any, kind_override: OptionKind | None
) -> tuple[OptionKind, tuple[Choice, ...]]:
    """The neutral kind of an option's Python type, and its choices when it has a fixed set."""
    if kind_override in (OptionKind.MEMBER, OptionKind.CHANNEL, OptionKind.ROLE):
        return kind_override, ()
    if typing.get_origin(base) is Literal:
        if not all(isinstance(v, str) for v in typing.get_args(base)):
            raise TypeError(f"{command_name}: option {name}: choices must be text (Literal['a'])")
        return OptionKind.CHOICE, tuple(
            Choice(label=str(v), value=str(v)) for v in typing.get_args(base)
        )
    if isinstance(base, type) and issubclass(base, enum.Enum):
        if not all(isinstance(m.value, str) for m in base):
            raise TypeError(f"{command_name}: option {name}: use a StrEnum for choices")
        return OptionKind.CHOICE, tuple(
            Choice(label=str(getattr(m, "label", m.value)), value=str(m.value)) for m in base
        )
    simple = {
        bool: OptionKind.BOOLEAN,
        int: OptionKind.INTEGER,
        float: OptionKind.NUMBER,
        dt.date: OptionKind.DATE,
        dt.time: OptionKind.TIME,
        str: OptionKind.TEXT,
    }
    if base in simple:
        return simple[base], ()
    raise TypeError(f"{command_name}: option {name} has unsupported type {base!r}")


def describe_usage(spec: CommandSpec) -> str:
    """``/support [filter:...]`` — how to type the command on a text platform."""
    parts = [f"/{spec.name}"]
    for option in spec.options:
        parts.append(f"{option.name}:…" if option.required else f"[{option.name}:…]")
    return " ".join(parts)


def option_names(options: Sequence[OptionSpec]) -> str:
    return ", ".join(o.name for o in options) or "(none)"
