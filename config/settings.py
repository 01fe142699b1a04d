"""The settings model: a TOML file with ``PEERBOT_`` environment variables on top.

Priority, highest first: keyword arguments, environment, file, defaults. Every table forbids
unknown keys, so a typo is an error instead of a setting silently ignored. ``load_settings``
turns every problem into one ``ConfigError``, a line per problem, naming the file or variable,
the key and the fix, and never echoing a secret.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import tomllib
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from bot.errors import ConfigError
from bot.timezones import is_timezone

ENV_PREFIX = "PEERBOT_"
CONFIG_ENV_VAR = "PEERBOT_CONFIG"
EXAMPLE_FILE = "config/peerbot.example.toml"
PLATFORMS = ("console", "discord", "matrix")
SECRET_MASK = "********"


# --- value helpers -------------------------------------------------------------------------


def _blank_to_none(value: Any) -> Any:
    """An empty value means "not set", so ``token = ""`` leaves a platform off."""
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if isinstance(value, str):
        return value.strip() or None
    return value


def _list_from_text(value: Any) -> Any:
    """Environment variables are text: accept JSON (``["a", "b"]``) or commas (``a,b``)."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith("["):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            raise ValueError(
                'must be a list, written with commas (a,b) or as JSON (["a", "b"])'
            ) from None
    return [item.strip() for item in text.split(",") if item.strip()]


def _check_admin(value: str) -> str:
    """Admins are keyed like storage keys people: ``platform:id``."""
    value = value.strip()
    platform, sep, ident = value.partition(":")
    if not sep or platform not in PLATFORMS or not ident.strip():
        raise ValueError(
            f"{value!r} is not a user id of the form platform:id, where platform is "
            'console, discord or matrix; e.g. "console:you", "discord:123456789012345678" '
            'or "matrix:@alex:example.org"'
        )
    return value


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


OptionalText = Annotated[str | None, BeforeValidator(_blank_to_none)]
OptionalSecret = Annotated[SecretStr | None, BeforeValidator(_blank_to_none)]
AdminId = Annotated[str, AfterValidator(_check_admin)]
GuildId = Annotated[int, Field(gt=0)]
AtLeastOne = Annotated[int, Field(ge=1)]
_MATRIX_USER_ID = re.compile(r"@[^:\s]+:\S+")


# --- the model -----------------------------------------------------------------------------


class _Section(BaseModel):
    """A ``[table]`` of the file: unknown keys are errors, values never change after loading."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseSettings(_Section):
    """Where the SQLite database lives."""

    path: Path | None = Field(None, description="SQLite file; unset means data_dir/peerbot.sqlite3")
    busy_timeout_ms: int = Field(5000, ge=0, description="How long a write waits for a lock (ms)")


class DiscordSettings(_Section):
    """The Discord adapter: on when a token is set."""

    token: OptionalSecret = Field(None, description="Bot token from the Discord developer portal")
    guild_ids: Annotated[list[GuildId], NoDecode, BeforeValidator(_list_from_text)] = Field(
        default_factory=list, description="Discord server (guild) ids the bot works in"
    )

    @property
    def enabled(self) -> bool:
        return self.token is not None and bool(self.token.get_secret_value())


class MatrixSettings(_Section):
    """The Matrix adapter: on when a homeserver, a user id and a password or token are set."""

    homeserver: OptionalText = Field(None, description="Homeserver URL, https://...")
    user_id: OptionalText = Field(None, description="The bot's Matrix id, @name:server")
    password: OptionalSecret = Field(None, description="The bot account's password")
    access_token: OptionalSecret = Field(None, description="Access token, instead of a password")

    @field_validator("homeserver")
    @classmethod
    def _check_homeserver(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(
                "must start with http:// or https://, e.g. https://matrix.example.org; "
                f"you gave {value!r}"
            )
        return value

    @field_validator("user_id")
    @classmethod
    def _check_user_id(cls, value: str | None) -> str | None:
        if value is not None and not _MATRIX_USER_ID.fullmatch(value):
            raise ValueError(
                f"must be a full Matrix id like @peerbot:example.org; you gave {value!r}"
            )
        return value

    @model_validator(mode="after")
    def _complete_or_absent(self) -> MatrixSettings:
        """Half a Matrix login would silently leave Matrix off; say so instead."""
        has_secret = self.password is not None or self.access_token is not None
        if self.homeserver is None:
            stray = [
                name
                for name in ("user_id", "password", "access_token")
                if getattr(self, name) is not None
            ]
            if stray:
                raise ValueError(
                    f"{' and '.join(stray)} set but homeserver is not; set homeserver "
                    "(e.g. https://matrix.example.org) or remove the other matrix keys"
                )
            return self
        missing = [] if self.user_id is not None else ["user_id (e.g. @peerbot:example.org)"]
        if not has_secret:
            missing.append("password or access_token")
        if missing:
            raise ValueError(
                f"homeserver is set, so matrix also needs {' and '.join(missing)}; "
                "add them, or remove homeserver to leave Matrix off"
            )
        return self

    @property
    def enabled(self) -> bool:
        has_secret = self.password is not None or self.access_token is not None
        return self.homeserver is not None and self.user_id is not None and has_secret


class NetworkSettings(_Section):
    """Defaults for new networks."""

    default_timezone: str = Field("Australia/Sydney", description="IANA time zone for new networks")
    welcome_text: str = Field(
        "Welcome. This space brings together peer workers: people employed because of their "
        "own lived experience. Pick the network (or networks) you belong to below, and read "
        "the community guidelines.\n\n"
        "What is shared: what you post in a network's channels, its members can read (and the "
        "people who run this server). What is private: your check-ins, and peerbot's answers "
        "to your commands, only you see. A co-reflection is a private thread that only the "
        "peers who agreed to join can read (and, on Discord, server admins and anyone allowed "
        "to manage its threads).\n\n"
        "Co-reflection: /reflect start invites a few peers you choose to think a hard situation "
        "through together. Check-ins: /checkin start asks you privately, now and then, how you "
        "are going; they are off until you start them. peerbot is not a crisis service: "
        "/support lists 24/7 lines, with 000 first.",
        min_length=1,
        max_length=1500,
        description="The private welcome someone gets on joining the space",
    )

    @field_validator("default_timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        if not is_timezone(value):
            raise ValueError(
                f"{value!r} is not an IANA time zone name; use one like Australia/Sydney"
            )
        return value


class RetentionSettings(_Section):
    """How long personal and transient data is kept."""

    reflection_days: AtLeastOne = Field(
        30, description="Days a closed co-reflection thread is kept before it is deleted"
    )
    reflection_idle_days: Annotated[int, Field(ge=2, le=90)] = Field(
        14,
        description="Days without activity after which peerbot closes an open co-reflection "
        "(it warns a day before)",
    )
    mentoring_days: AtLeastOne = Field(
        30, description="Days an ended mentoring pair's private thread is kept before it is deleted"
    )
    questions_days: AtLeastOne = Field(
        30,
        description="Days a closed question to the coordinators is kept before its text is deleted",
    )
    checkin_days: AtLeastOne = Field(180, description="Days to keep wellbeing check-in answers")
    outbox_days: AtLeastOne = Field(30, description="Days to keep sent or skipped outbox rows")
    confirmation_minutes: AtLeastOne = Field(
        15, description="Minutes a pending confirmation stays open"
    )


class ResourcesSettings(_Section):
    """The resource library."""

    stale_months: AtLeastOne = Field(
        12, description="Months after which an entry not checked is listed by /library stale"
    )
    file_max_mb: Annotated[int, Field(ge=1, le=25)] = Field(
        10, description="Largest template or form file (MB) /library attach takes (1 to 25)"
    )
    check_links: bool = Field(
        False,
        description="Check every entry's web address once a week (HEAD, then GET) and tell "
        "coordinators of broken ones; off by default, as it reaches outside",
    )


class PrivacySettings(_Section):
    """Who runs this peerbot, for /privacy policy: the Australian Privacy Principles ask that
    people can see who holds their (here, health) information and how to reach them."""

    operator: OptionalText = Field(
        None, description="Who runs this peerbot (an organisation or a person), named in the policy"
    )
    contact: OptionalText = Field(
        None, description="How to reach them about privacy: an email address, phone or web page"
    )

    @property
    def named(self) -> bool:
        """Whether the policy can say who runs this peerbot and how to reach them."""
        return self.operator is not None and self.contact is not None


class WebSettings(_Section):
    """The coordinator's web page, calendar feeds, /healthz and /metrics: off unless enabled,
    and on 127.0.0.1 by default, so nothing is reachable from outside until an operator puts
    it behind a proxy on purpose."""

    enabled: bool = Field(False, description="Serve the web page (and calendar feeds)")
    host: str = Field("127.0.0.1", min_length=1, description="Address the web page listens on")
    port: Annotated[int, Field(ge=1, le=65535)] = Field(8080, description="Port it listens on")
    public_url: OptionalText = Field(
        None,
        description="The address people open (https://peers.example.org), used in links; "
        "unset means http://HOST:PORT",
    )

    @property
    def base_url(self) -> str:
        """Where links in messages point: ``public_url`` without a trailing slash, else the
        address the server listens on."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


class LoggingSettings(_Section):
    """What the bot logs and how."""

    level: Annotated[Literal["DEBUG", "INFO", "WARNING", "ERROR"], BeforeValidator(_upper)] = Field(
        "INFO", description="Lowest level logged"
    )
    format: Annotated[Literal["text", "json"], BeforeValidator(_lower)] = Field(
        "text", description="text for people, json for log collectors"
    )


@dataclass(frozen=True)
class _Inputs:
    file_data: dict[str, Any]
    environ: Mapping[str, str]


# Set only while load_settings builds a Settings, so calls never see each other's file or env.
_inputs: ContextVar[_Inputs | None] = ContextVar("peerbot_settings_inputs", default=None)


class Settings(BaseSettings):
    """Everything the bot reads at start: see config/peerbot.example.toml for each key."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid", frozen=True
    )

    data_dir: Path = Field(Path("data"), description="Folder for the database, exports, backups")
    admins: Annotated[list[AdminId], NoDecode, BeforeValidator(_list_from_text)] = Field(
        default_factory=list, description='Bot admins as "platform:id"'
    )
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    discord: DiscordSettings = Field(default_factory=DiscordSettings)
    matrix: MatrixSettings = Field(default_factory=MatrixSettings)
    networks: NetworkSettings = Field(default_factory=NetworkSettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    resources: ResourcesSettings = Field(default_factory=ResourcesSettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    web: WebSettings = Field(default_factory=WebSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)

    @property
    def database_path(self) -> Path:
        """The database file in use: ``database.path``, else ``data_dir/peerbot.sqlite3``."""
        if self.database.path is not None:
            return self.database.path
        return self.data_dir / "peerbot.sqlite3"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Keyword arguments, then environment, then file; no .env or secrets directory."""
        inputs = _inputs.get()
        if inputs is None:
            return (init_settings, env_settings)
        return (
            init_settings,
            _MappingEnvSource(settings_cls, inputs.environ),
            _FileSource(settings_cls, inputs.file_data),
        )


# --- sources -------------------------------------------------------------------------------


class _EnvJsonError(ValueError):
    """A table set as one JSON variable (``PEERBOT_DISCORD='{...}'``) that is not JSON."""

    def __init__(self, field_name: str) -> None:
        super().__init__(field_name)
        self.field_name = field_name


class _MappingEnvSource(EnvSettingsSource):
    """``EnvSettingsSource`` reading a given mapping, so tests never touch ``os.environ``.

    Like its parent it only looks up variables named after fields, so ``PEERBOT_CONFIG`` and
    other ``PEERBOT_`` variables are ignored; unknown keys inside a table
    (``PEERBOT_DISCORD__TOKNE``) are passed on and rejected by ``extra="forbid"``.
    """

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ  # before super().__init__, which calls _load_env_vars
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {
            (name if self.case_sensitive else name.lower()): value
            for name, value in self._environ.items()
        }

    def decode_complex_value(self, field_name: str, field: FieldInfo, value: Any) -> Any:
        try:
            return super().decode_complex_value(field_name, field, value)
        except ValueError as exc:
            raise _EnvJsonError(field_name) from exc


class _FileSource(PydanticBaseSettingsSource):
    """The parsed TOML file, passed through untouched so unknown keys reach validation."""

    def __init__(self, settings_cls: type[BaseSettings], data: dict[str, Any]) -> None:
        super().__init__(settings_cls)
        self._data = data

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self._data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self._data)


# --- loading -------------------------------------------------------------------------------


def load_settings(
    config_path: Path | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Read the file (``config_path``, else ``$PEERBOT_CONFIG``, else none) and the environment.

    ``environ`` replaces ``os.environ`` for both ``PEERBOT_CONFIG`` and the settings. Raises
    ``ConfigError`` with one line per problem.
    """
    env: Mapping[str, str] = os.environ if environ is None else environ
    path = _config_file(config_path, env)
    label = str(path) if path is not None else None
    file_data = _read_toml(path) if path is not None else {}
    token = _inputs.set(_Inputs(file_data, env))
    try:
        return Settings()
    except ValidationError as exc:
        lines = [_describe(error, label, env, file_data) for error in exc.errors(include_url=False)]
        message = "\n".join(lines)
    except SettingsError as exc:
        message = _describe_settings_error(exc, env)
    finally:
        _inputs.reset(token)
    # Raised outside the except blocks, so pydantic's error (which may hold a secret as its
    # input) is not chained onto the traceback.
    raise ConfigError(message)


def _config_file(config_path: Path | None, env: Mapping[str, str]) -> Path | None:
    if config_path is not None:
        if not config_path.exists():
            raise ConfigError(
                f"{config_path}: no such config file. Check the path, or copy {EXAMPLE_FILE} "
                "there to start from."
            )
        return config_path
    named = env.get(CONFIG_ENV_VAR, "").strip()
    if not named:
        return None
    path = Path(named).expanduser()
    if not path.exists():
        raise ConfigError(
            f"{CONFIG_ENV_VAR}: no such config file {named!r}. Fix the path, or unset "
            f"{CONFIG_ENV_VAR} to run on defaults and {ENV_PREFIX} variables only."
        )
    return path


_TOML_POSITION = re.compile(r"^(?P<reason>.*) \(at line (?P<line>\d+), column (?P<column>\d+)\)$")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_POSITION.match(str(exc))
        where, reason = (
            (f"line {found['line']}, column {found['column']}: ", found["reason"])
            if found
            else ("", str(exc))
        )
        raise ConfigError(
            f"{path}: {where}invalid TOML: {reason}. Compare the syntax with {EXAMPLE_FILE}."
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: is not UTF-8 text; save it as UTF-8.") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the file ({exc.strerror}).") from None


# --- error messages ------------------------------------------------------------------------

# What a number stands for, added to "must be a whole number" and friends.
_UNITS = {
    "database.busy_timeout_ms": "milliseconds",
    "discord.guild_ids": "a Discord server id",
    "retention.reflection_days": "days",
    "retention.mentoring_days": "days",
    "retention.questions_days": "days",
    "retention.checkin_days": "days",
    "retention.outbox_days": "days",
    "retention.confirmation_minutes": "minutes",
}


def _dotted(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "(top level)"


def _names(loc: tuple[int | str, ...]) -> list[str]:
    """The key names of ``loc`` up to the first list index."""
    names: list[str] = []
    for part in loc:
        if isinstance(part, int):
            break
        names.append(part)
    return names


def _near_miss(loc: tuple[int | str, ...]) -> str | None:
    """The key that an unknown one was probably meant to be (``tokn`` -> ``token``), in the
    same table, dotted as the error shows it; None when nothing is close."""
    names = _names(loc)
    if not names or len(names) != len([p for p in loc if not isinstance(p, int)]):
        return None
    model: type[BaseModel] = Settings
    for part in names[:-1]:
        field = model.model_fields.get(part)
        section = _section_type(field) if field is not None else None
        if section is None:
            return None
        model = section
    typed = names[-1]
    close = difflib.get_close_matches(typed.lower(), list(model.model_fields), n=1, cutoff=0.7)
    if not close:
        return None
    return ".".join([*names[:-1], close[0]])


def _field_at(loc: tuple[int | str, ...]) -> FieldInfo | None:
    model: type[BaseModel] | None = Settings
    field: FieldInfo | None = None
    for part in loc:
        if isinstance(part, int):
            continue  # a list item is described by its list's field
        if model is None:
            return None
        field = model.model_fields.get(part)
        if field is None:
            return None
        model = _section_type(field)
    return field


def _section_type(field: FieldInfo) -> type[BaseModel] | None:
    annotation = field.annotation
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _is_secret(field: FieldInfo | None) -> bool:
    return field is not None and (
        field.annotation is SecretStr or SecretStr in get_args(field.annotation)
    )


def _source_of(
    loc: tuple[int | str, ...],
    env: Mapping[str, str],
    label: str | None,
    file_data: Mapping[str, Any],
) -> str:
    """The variable that set the bad value, else the file; both when a table mixes them."""
    ours = {name.lower(): name for name in env if name.lower().startswith(ENV_PREFIX.lower())}
    names = _names(loc)
    for depth in range(len(names), 0, -1):
        candidate = (ENV_PREFIX + "__".join(names[:depth])).lower()
        if candidate in ours:
            return ours[candidate]
    below = (ENV_PREFIX + "__".join(names) + "__").lower()
    contributors = sorted(
        original for lowered, original in ours.items() if lowered.startswith(below)
    )
    if contributors and names:
        if label is not None and _in_file(names, file_data):
            contributors.insert(0, label)
        return " and ".join(contributors)
    return label if label is not None else "settings"


def _in_file(names: list[str], data: Mapping[str, Any]) -> bool:
    node: Any = data
    for name in names:
        if not isinstance(node, Mapping) or name not in node:
            return False
        node = node[name]
    return True


def _what_is_wrong(error: ErrorDetails, field: FieldInfo | None, key: str) -> str:
    kind = error["type"]
    ctx = error.get("ctx", {})
    unit = _UNITS.get(".".join(_names(error["loc"])))
    about = f" ({unit})" if unit else ""
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"must be a whole number{about}"
    if kind == "greater_than_equal":
        return f"must be {ctx['ge']} or more{about}"
    if kind == "greater_than":
        return f"must be more than {ctx['gt']}{about}"
    if kind == "literal_error":
        choices = get_args(field.annotation) if field is not None else ()
        return "must be one of " + (
            ", ".join(str(choice) for choice in choices) if choices else str(ctx.get("expected"))
        )
    if kind == "string_type":
        return "must be text, in quotes"
    if kind == "path_type":
        return "must be a path, in quotes"
    if kind == "list_type":
        return "must be a list, in square brackets"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        env_name = ENV_PREFIX + key.upper().replace(".", "__")
        return f"must be a table: a [{key}] section in the file, or {env_name}__KEY variables"
    if kind in ("value_error", "assertion_error"):
        return str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind == "missing":
        return "is required"
    msg = str(error["msg"])
    return msg[:1].lower() + msg[1:]


def _describe(
    error: ErrorDetails,
    label: str | None,
    env: Mapping[str, str],
    file_data: Mapping[str, Any],
) -> str:
    loc = error["loc"]
    key = _dotted(loc)
    source = _source_of(loc, env, label, file_data)
    if error["type"] == "extra_forbidden":
        near = _near_miss(loc)
        if near is not None:
            return f"{source}: unknown key {key!r}; did you mean {near!r}?"
        return f"{source}: unknown key {key!r}. Check the spelling against {EXAMPLE_FILE}."
    field = _field_at(loc)
    what = _what_is_wrong(error, field, key).rstrip(".")
    given = error.get("input")
    show = (
        error["type"] not in ("value_error", "assertion_error")
        and not _is_secret(field)
        and (field is None or _section_type(field) is None)  # a table's input could be anything
        and isinstance(given, str | int | float)
    )
    if show:
        text = given if not isinstance(given, str) or len(given) <= 80 else given[:77] + "..."
        return f"{source}: {key}: {what}; you gave {text!r}."
    return f"{source}: {key}: {what}."


def _describe_settings_error(exc: SettingsError, env: Mapping[str, str]) -> str:
    cause = exc.__cause__
    if isinstance(cause, _EnvJsonError):
        wanted = (ENV_PREFIX + cause.field_name).lower()
        name = next((n for n in env if n.lower() == wanted), wanted.upper())
        field = Settings.model_fields.get(cause.field_name)
        section = _section_type(field) if field is not None else None
        first_key = next(iter(section.model_fields), "key") if section is not None else "key"
        example = f"{ENV_PREFIX}{cause.field_name}__{first_key}".upper()
        return (
            f"{name}: {cause.field_name}: is not valid JSON; set one key at a time instead, "
            f"e.g. {example}."
        )
    return f"environment: {exc}"


# --- showing the effective configuration -----------------------------------------------------


def render_settings(settings: Settings) -> str:
    """The configuration in effect as TOML, for ``peerbot check-config``; secrets masked."""
    lines = [
        "# peerbot: the configuration in effect (file, with PEERBOT_ variables on top).",
        "# Secrets are shown as ******** when set.",
    ]
    sections: list[tuple[str, BaseModel]] = []
    for name in Settings.model_fields:
        value = getattr(settings, name)
        if isinstance(value, BaseModel):
            sections.append((name, value))
        else:
            lines.append(_render_key(name, value))
    for name, section in sections:
        lines += ["", f"[{name}]"]
        lines += [_render_key(key, getattr(section, key)) for key in type(section).model_fields]
        if isinstance(section, DatabaseSettings):
            lines.append(f"# database file in use: {_toml_value(settings.database_path)}")
        enabled = getattr(section, "enabled", None)
        if isinstance(enabled, bool):
            lines.append(f"# {name} is {'on' if enabled else 'off'}")
    return "\n".join(lines) + "\n"


def _render_key(name: str, value: Any) -> str:
    if isinstance(value, SecretStr):
        return f'{name} = "{SECRET_MASK}"' if value.get_secret_value() else f"# {name} = (not set)"
    if value is None:
        return f"# {name} = (not set)"
    return f"{name} = {_toml_value(value)}"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)
