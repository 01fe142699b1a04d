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

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, create_model
from pydantic import Field as PydanticField

from bot.identity import MessageRef, PlaceRef, UserRef
from bot.replies import Choice, Reply
from bot.timezones import resolve_timezone

COMMAND_DESCRIPTION_MAX = 100  # Discord's limit for command and option descriptions.
# Command words and option names: what Discord, Matrix and the console can all type.
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]{0,31}$")
OPTION_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,31}$")

# Bounds every option has, so that no value a person can type reaches a handler unchecked
# (a year 9999, a number past SQLite's 64-bit integers). A cog narrows them to what makes
# sense (days, counts, minutes); it may never widen them.
#: Discord's INTEGER and NUMBER options hold -2^53..2^53; nothing may be declared beyond it.
DISCORD_NUMBER_LIMIT = 2**53
INTEGER_MIN = -1_000_000_000
INTEGER_MAX = 1_000_000_000
DATE_EARLIEST = dt.date(2000, 1, 1)
DATE_LATEST = dt.date(2100, 12, 31)
#: Free text, and ids (members, channels, roles) typed as text: Discord allows 6000
#: characters in a text option; a Matrix user or room id is at most 255.
TEXT_MAX_LENGTH = 1000
ID_MAX_LENGTH = 255
#: A network's short name (south-coast), the option many commands take to say which network.
NETWORK_SLUG_MAX = 30
#: An IANA time zone name (America/Argentina/ComodRivadavia is the longest, 32).
TIMEZONE_MAX = 40
#: The most an adapter fetches for a file option (Discord lets bots receive up to 25 MB);
#: a larger file arrives with its size but no data, and the cog refuses it by size.
UPLOAD_FETCH_MAX = 25 * 1024 * 1024
# ASCII digits only: \d would also take other scripts' digits, which nobody types for a date.
_DATE_TEXT = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
#: Dates as people write them in Australia: 28 February 2027, 28 Feb 2027, February 28, 2027,
#: 28/2/2027 (day first), each with an optional weekday in front ("Sunday 28 February 2027").
_MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MONTHS = (
    {name: n for n, name in enumerate(_MONTH_NAMES, 1)}
    | {name[:3]: n for n, name in enumerate(_MONTH_NAMES, 1)}
    | {"sept": 9}
)
_WEEKDAY_FIRST = re.compile(r"(mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+", re.IGNORECASE)
_DAY_MONTH_YEAR = re.compile(
    r"([0-9]{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?,?\s+([0-9]{4})", re.IGNORECASE
)
_MONTH_DAY_YEAR = re.compile(
    r"([a-z]+)\.?\s+([0-9]{1,2})(?:st|nd|rd|th)?,?\s+([0-9]{4})", re.IGNORECASE
)
_DAY_FIRST_SLASHED = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
#: 18:30, 09:00, 9.30, 23:59:59, 9am, 9.30am, 9:00 pm, 9 a.m. A bare number (9, 1800) is
#: refused: it could be a Unix time, or morning or evening.
_TIME_TEXT = re.compile(
    r"""(?P<hour>[0-9]{1,2})
        (?:[:.](?P<minute>[0-9]{2})(?::(?P<second>[0-9]{2}))?)?
        \s*(?:(?P<half>[ap])\.?\s?m\.?)?""",
    re.VERBOSE | re.IGNORECASE,
)
_NAMED_TIMES = {"noon": dt.time(12), "midday": dt.time(12), "midnight": dt.time(0)}
#: Control characters (other than tab and line breaks) are never meant in an option.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


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
    #: An IANA time zone name, read forgivingly (``bot.timezones``) and suggested as typed.
    TIMEZONE = "timezone"
    #: A file the person gives with the command (``Upload``): a Discord attachment, or a
    #: local path on the console. Matrix has no way to attach a file to a command.
    FILE = "file"


@dataclass(frozen=True)
class Option:
    """What an annotation can say about one option, beyond its Python type."""

    description: str
    min: float | None = None  # whole numbers and numbers
    max: float | None = None
    max_length: int | None = None  # text
    autocomplete: str | None = None  # name of a cog method: (ctx, partial) -> list[Choice]
    kind: OptionKind | None = None  # MEMBER, CHANNEL or ROLE for ids carried as text
    earliest: dt.date | None = None  # dates: narrows DATE_EARLIEST..DATE_LATEST
    latest: dt.date | None = None


class Upload(BaseModel):
    """A file given with a command. Adapters fetch it before the command runs; ``data`` is
    None when it was larger than ``UPLOAD_FETCH_MAX`` (the cog refuses it by ``size``)."""

    model_config = ConfigDict(frozen=True)

    filename: str
    size: int
    content_type: str = ""
    data: bytes | None = None


# Annotated aliases for the things that are ids on the platform but text in Python.
Member = Annotated[str, OptionKind.MEMBER]
Channel = Annotated[str, OptionKind.CHANNEL]
PlatformRole = Annotated[str, OptionKind.ROLE]
#: A time zone option: handlers receive the zone's name as the database spells it
#: ("australia/perth" and "Perth" arrive as Australia/Perth).
TimeZone = Annotated[str, OptionKind.TIMEZONE]

_KIND_HINT = {
    OptionKind.INTEGER: "a whole number",
    OptionKind.NUMBER: "a number",
    OptionKind.BOOLEAN: "true or false",
    OptionKind.DATE: "a date written like 2027-03-10 or 10 March 2027",
    OptionKind.TIME: "a time written like 18:30 or 6:30pm",
    OptionKind.TIMEZONE: "a time zone like Australia/Sydney, or a city like Perth",
    OptionKind.FILE: "a file attached on Discord, or a file's path on the console",
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
    earliest: dt.date | None = None
    latest: dt.date | None = None

    @property
    def hint(self) -> str:
        """What a valid value looks like, in words, for error messages and help."""
        if self.choices:
            return "one of: " + ", ".join(c.value for c in self.choices)
        if self.kind is OptionKind.DATE and self.earliest is not None and self.latest is not None:
            return (
                f"a date from {self.earliest} to {self.latest}, "
                "written like 2027-03-10 or 10 March 2027"
            )
        hint = _KIND_HINT.get(self.kind, "text")
        low = None if self.min is None else _number_text(self.min)
        high = None if self.max is None else _number_text(self.max)
        if low is not None and high is not None:
            hint += f" from {low} to {high}"
        elif low is not None:
            hint += f" of at least {low}"
        elif high is not None:
            hint += f" of at most {high}"
        if self.kind in _TEXT_KINDS and self.max_length is not None:
            hint += f" of at most {self.max_length} characters, without control characters"
        return hint

    @property
    def suggests(self) -> bool:
        """Whether values are suggested as the person types (Discord's autocomplete): the
        cog's own list, or the kernel's time zones."""
        return self.autocomplete is not None or self.kind is OptionKind.TIMEZONE


def _number_text(value: float) -> str:
    """1000000000 rather than 1e+09: the number as a person would type it."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


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
    #: The person took back this press (on Matrix: removed their reaction); only actions
    #: marked ``withdrawable`` are called with it.
    withdrawn: bool = False


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
    #: Earlier names that text platforms still accept (``meeting schedule`` for
    #: ``manage meeting schedule``); Discord shows only ``name``.
    aliases: tuple[str, ...] = ()
    #: Offered in direct messages on Discord too: the command needs no channel (its network
    #: option, if any, only narrows; without one it acts for every network of the person).
    in_dms: bool = False

    @property
    def group(self) -> str | None:
        """``meeting`` for ``meeting schedule`` (and ``manage`` for ``manage meeting
        schedule``); None for a one-word command."""
        parts = self.name.split(" ")
        return parts[0] if len(parts) >= 2 else None

    @property
    def subgroup(self) -> str | None:
        """``meeting`` for ``manage meeting schedule``; None for shorter names."""
        parts = self.name.split(" ")
        return parts[1] if len(parts) == 3 else None

    def option(self, name: str) -> OptionSpec | None:
        return next((o for o in self.options if o.name == name), None)


@dataclass
class ActionSpec:
    action_id: str
    role: Role
    handler: ActionHandler
    cog: str = ""
    withdrawable: bool = False


@dataclass
class MessageCommandSpec:
    """A command run on one message (Discord's message menu, under Apps): no options, a
    label people read ("Report to coordinators")."""

    label: str
    role: Role
    handler: MessageHandler
    cog: str = ""


#: What a group of commands is for, where its cog's title would not say it: ``manage``
#: holds the staff commands of several cogs, ``report`` is moderation's part for members.
GROUP_DESCRIPTIONS = {
    "manage": "Run your network: meetings, members, check-ins (coordinators, executives)",
    "library": "Look after the resource library (coordinators and executives)",
    "mod": "Moderation and reports (coordinators and executives)",
    "report": "Tell your network's coordinators about a concern, privately",
}

MESSAGE_COMMAND_LABEL_MAX = 32  # Discord's limit for a context menu command's name

_COMMAND_ATTR = "__peerbot_command__"
_ACTION_ATTR = "__peerbot_action__"
_MESSAGE_COMMAND_ATTR = "__peerbot_message_command__"


def command(
    name: str,
    description: str,
    *,
    role: Role = Role.MEMBER,
    defer: bool = False,
    aliases: tuple[str, ...] = (),
    in_dms: bool = False,
) -> Callable[[CommandHandler], CommandHandler]:
    """Mark a cog method as a command. ``defer`` says it may take longer than two seconds;
    ``aliases`` are earlier names the console and Matrix still accept; ``in_dms`` offers it
    in direct messages on Discord although it has a network option or needs a member."""

    for given in (name, *aliases):
        words = given.split(" ")
        if not 1 <= len(words) <= 3 or not all(NAME_PATTERN.match(w) for w in words):
            raise ValueError(f"command name {given!r} must be one to three lower-case words")
    if not description or len(description) > COMMAND_DESCRIPTION_MAX:
        raise ValueError(
            f"command {name!r}: description must be 1 to {COMMAND_DESCRIPTION_MAX} characters"
        )

    def mark(handler: CommandHandler) -> CommandHandler:
        options, model = build_options(name, handler)
        spec = CommandSpec(
            name,
            description,
            role,
            handler,
            options,
            model,
            defer=defer,
            aliases=aliases,
            in_dms=in_dms,
        )
        setattr(handler, _COMMAND_ATTR, spec)
        return handler

    return mark


def action(
    action_id: str, *, role: Role = Role.EVERYONE, withdrawable: bool = False
) -> Callable[[ActionHandler], Any]:
    """Mark a cog method as the handler of a button, menu or form with this stable id.

    ``role`` is checked against the person's highest role in any network, because a button
    carries no network option; a handler acting on one network's data must check the role in
    that network itself (the payload says which). ``withdrawable``: the handler also takes
    back an answer (``event.withdrawn``), as when a reaction that answered is removed.
    """

    if not action_id or "|" in action_id or len(action_id) > 60:
        raise ValueError(f"action id {action_id!r} must be 1 to 60 characters without '|'")

    def mark(handler: ActionHandler) -> ActionHandler:
        setattr(handler, _ACTION_ATTR, ActionSpec(action_id, role, handler, "", withdrawable))
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
            constraints["ge"] = int(spec.min) if spec.kind is OptionKind.INTEGER else spec.min
        if spec.max is not None:
            constraints["le"] = int(spec.max) if spec.kind is OptionKind.INTEGER else spec.max
        if spec.kind is OptionKind.NUMBER:
            constraints["allow_inf_nan"] = False
        if spec.earliest is not None:
            constraints["ge"] = spec.earliest
        if spec.latest is not None:
            constraints["le"] = spec.latest
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
        autocomplete=meta.autocomplete,
        **_bounds(f"{command_name}: option {param.name}", kind, meta),
    )
    checked = _checked_type(kind, base)
    python_type = (checked | None) if (optional or (has_default and default is None)) else checked
    return spec, python_type


_TEXT_KINDS = (OptionKind.TEXT, OptionKind.MEMBER, OptionKind.CHANNEL, OptionKind.ROLE)
_NUMBER_KINDS = (OptionKind.INTEGER, OptionKind.NUMBER)


def _bounds(where: str, kind: OptionKind, meta: Option) -> dict[str, Any]:
    """The option's bounds: the cog's, inside the kernel's defaults, which fill any gap."""
    if (meta.min is not None or meta.max is not None) and kind not in _NUMBER_KINDS:
        raise TypeError(f"{where}: min and max are for numbers")
    if (meta.earliest is not None or meta.latest is not None) and kind is not OptionKind.DATE:
        raise TypeError(f"{where}: earliest and latest are for dates")
    if meta.max_length is not None and kind not in (*_TEXT_KINDS, OptionKind.TIMEZONE):
        raise TypeError(f"{where}: max_length is for text")
    if kind in _NUMBER_KINDS:
        low = INTEGER_MIN if meta.min is None else meta.min
        high = INTEGER_MAX if meta.max is None else meta.max
        if not -DISCORD_NUMBER_LIMIT <= low <= high <= DISCORD_NUMBER_LIMIT:
            raise ValueError(f"{where}: bounds must satisfy -2^53 <= min <= max <= 2^53")
        if kind is OptionKind.INTEGER and not (
            float(low).is_integer() and float(high).is_integer()
        ):
            raise ValueError(f"{where}: a whole number's bounds must be whole numbers")
        return {"min": low, "max": high}
    if kind is OptionKind.DATE:
        earliest = meta.earliest or DATE_EARLIEST
        latest = meta.latest or DATE_LATEST
        if not DATE_EARLIEST <= earliest <= latest <= DATE_LATEST:
            raise ValueError(f"{where}: dates may only narrow {DATE_EARLIEST}..{DATE_LATEST}")
        return {"earliest": earliest, "latest": latest}
    if kind in _TEXT_KINDS:
        default = TEXT_MAX_LENGTH if kind is OptionKind.TEXT else ID_MAX_LENGTH
        length = default if meta.max_length is None else meta.max_length
        if not 1 <= length <= TEXT_MAX_LENGTH * 6:
            raise ValueError(f"{where}: max_length must be 1 to {TEXT_MAX_LENGTH * 6}")
        return {"max_length": length}
    if kind is OptionKind.TIMEZONE:
        length = TIMEZONE_MAX if meta.max_length is None else meta.max_length
        if not 1 <= length <= TIMEZONE_MAX:
            raise ValueError(f"{where}: a time zone's max_length must be 1 to {TIMEZONE_MAX}")
        return {"max_length": length}
    return {}


def _checked_type(kind: OptionKind, base: Any) -> Any:
    """The Python type with the kernel's own parsing for dates, times and text.

    pydantic alone would take a Unix timestamp or a full datetime for a date, and a time
    with a UTC offset (18:30+10:00) that a handler would then compare with naive times.
    """
    if kind is OptionKind.DATE:
        return Annotated[dt.date, BeforeValidator(_parse_date)]
    if kind is OptionKind.TIME:
        return Annotated[dt.time, BeforeValidator(_parse_time)]
    if kind is OptionKind.TIMEZONE:
        return Annotated[str, AfterValidator(_no_control_characters), AfterValidator(_timezone)]
    if kind is OptionKind.FILE:
        return Annotated[Upload, BeforeValidator(_an_upload)]
    if kind in _TEXT_KINDS and base is str:
        return Annotated[str, AfterValidator(_no_control_characters)]
    if kind in _NUMBER_KINDS:
        return Annotated[base, BeforeValidator(_not_true_or_false)]
    return base


def _an_upload(value: Any) -> Any:
    """Only an adapter makes an Upload; text here means the platform could not attach one."""
    if isinstance(value, Upload):
        return value
    raise ValueError(
        "no file came with it: on Discord attach the file, on the console give the path of a "
        "file that exists (a file cannot be attached on Matrix)"
    )


def _not_true_or_false(value: Any) -> Any:
    """pydantic would read true as 1; for a number that is a mistake (or a crafted request)."""
    if isinstance(value, bool):
        raise ValueError("true or false is not a number")
    return value


def _parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    text = value.strip() if isinstance(value, str) else ""
    weekday = _WEEKDAY_FIRST.match(text)
    parts = _date_parts(text[weekday.end() :] if weekday else text)
    if parts is None:
        raise ValueError("not a date written like 2027-03-10 or 10 March 2027")
    try:
        date = dt.date(*parts)
    except ValueError:
        raise ValueError("no such day in the calendar") from None
    if weekday and _WEEKDAYS.index(weekday[1].lower()) != date.weekday():
        raise ValueError(f"{date:%-d %B %Y} is a {date:%A}; check the day or the date")
    return date


def _date_parts(text: str) -> tuple[int, int, int] | None:
    """(year, month, day) from any of the forms people write, or None."""
    if match := _DATE_TEXT.fullmatch(text):
        return int(match[1]), int(match[2]), int(match[3])
    if match := _DAY_FIRST_SLASHED.fullmatch(text):
        return int(match[3]), int(match[2]), int(match[1])
    if (match := _DAY_MONTH_YEAR.fullmatch(text)) and match[2].lower() in _MONTHS:
        return int(match[3]), _MONTHS[match[2].lower()], int(match[1])
    if (match := _MONTH_DAY_YEAR.fullmatch(text)) and match[1].lower() in _MONTHS:
        return int(match[3]), _MONTHS[match[1].lower()], int(match[2])
    return None


def _parse_time(value: Any) -> dt.time:
    if isinstance(value, dt.time) and value.tzinfo is None:
        return value
    if isinstance(value, str) and value.strip().lower() in _NAMED_TIMES:
        return _NAMED_TIMES[value.strip().lower()]
    match = _TIME_TEXT.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None or (match["minute"] is None and match["half"] is None):
        raise ValueError("not a time written like 18:30 or 6:30pm")
    hour, minute, second = int(match["hour"]), int(match["minute"] or 0), int(match["second"] or 0)
    if match["half"] is not None:
        if not 1 <= hour <= 12:
            raise ValueError("with am or pm, the hour is 1 to 12")
        hour = hour % 12 + (12 if match["half"].lower() == "p" else 0)
    try:
        return dt.time(hour, minute, second)
    except ValueError:
        raise ValueError("no such time of day") from None


def _timezone(value: str) -> str:
    """The zone's name as the database spells it; the ValueError says what was meant."""
    return resolve_timezone(value)


def _no_control_characters(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("control characters are not allowed")
    return value


def _kind_of(
    command_name: str, name: str, base: Any, kind_override: OptionKind | None
) -> tuple[OptionKind, tuple[Choice, ...]]:
    """The neutral kind of an option's Python type, and its choices when it has a fixed set."""
    if kind_override in (OptionKind.MEMBER, OptionKind.CHANNEL, OptionKind.ROLE):
        return kind_override, ()
    if kind_override is OptionKind.TIMEZONE:
        if base is not str:
            raise TypeError(f"{command_name}: option {name}: a time zone is text (TimeZone)")
        return kind_override, ()
    if base is Upload:
        return OptionKind.FILE, ()
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
