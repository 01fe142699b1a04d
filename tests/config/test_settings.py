"""The settings layer: the example file, file + environment priority, and readable errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from bot.errors import ConfigError
from config.settings import (
    DiscordSettings,
    MatrixSettings,
    Settings,
    load_settings,
    render_settings,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "peerbot.example.toml"
HINT = "Check the spelling against config/peerbot.example.toml."
SECRET = "s3cr3t-DO-NOT-SHOW"


def write(tmp_path: Path, text: str, name: str = "peerbot.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def config_error(path: Path | None, environ: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ or {})
    return str(caught.value)


# --- the example file ----------------------------------------------------------------------


def test_example_loads_with_no_platform_enabled() -> None:
    settings = load_settings(EXAMPLE, {})

    assert settings.data_dir == Path("data")
    assert settings.admins == ["console:you"]
    assert settings.database_path == Path("data/peerbot.sqlite3")
    assert settings.discord.enabled is False
    assert settings.matrix.enabled is False
    assert settings.networks.default_timezone == "Australia/Sydney"
    assert settings.logging.level == "INFO"


def _model_keys(model: type[BaseModel], section: str = "") -> set[tuple[str, str]]:
    keys: set[tuple[str, str]] = set()
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys |= _model_keys(annotation, name)
        else:
            keys.add((section, name))
    return keys


_KEY_LINE = re.compile(r"^#?\s*([a-z_]+)\s*=")


def _example_keys() -> list[tuple[str, str, int]]:
    """(section, key, line index) for every key in the example, commented out or not."""
    section = ""
    found: list[tuple[str, str, int]] = []
    for index, line in enumerate(EXAMPLE.read_text(encoding="utf-8").splitlines()):
        header = re.match(r"^\[([a-z_]+)\]\s*$", line)
        if header:
            section = header[1]
        elif match := _KEY_LINE.match(line):
            found.append((section, match[1], index))
    return found


def test_example_documents_every_field_and_nothing_else() -> None:
    documented = {(section, key) for section, key, _ in _example_keys()}

    assert documented == _model_keys(Settings)


def test_every_key_in_the_example_has_its_own_comment() -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    for section, key, index in _example_keys():
        above = lines[index - 1]
        assert above.startswith("#") and not _KEY_LINE.match(above), f"{section}.{key}"


def test_no_file_gives_the_defaults() -> None:
    settings = load_settings(None, {})

    assert settings.admins == []
    assert settings.database.busy_timeout_ms == 5000
    assert settings.retention.reflection_days == 30
    assert settings.retention.checkin_days == 180
    assert settings.retention.outbox_days == 30
    assert settings.retention.confirmation_minutes == 15
    assert settings.logging.format == "text"
    assert not settings.discord.enabled


# --- where values come from ----------------------------------------------------------------


def test_peerbot_config_names_the_file_and_is_not_a_setting(tmp_path: Path) -> None:
    path = write(tmp_path, 'data_dir = "elsewhere"\n')

    settings = load_settings(None, {"PEERBOT_CONFIG": str(path)})

    assert settings.data_dir == Path("elsewhere")


def test_environment_overrides_the_file_key_by_key(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'data_dir = "from-file"\n[discord]\nguild_ids = [111]\n[logging]\nlevel = "INFO"\n',
    )
    environ = {"PEERBOT_LOGGING__LEVEL": "warning", "PEERBOT_DISCORD__TOKEN": SECRET}

    settings = load_settings(path, environ)

    assert settings.logging.level == "WARNING"
    assert settings.discord.guild_ids == [111]  # the rest of [discord] still comes from the file
    assert settings.discord.enabled
    assert settings.data_dir == Path("from-file")


def test_keyword_arguments_beat_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEERBOT_DATA_DIR", "from-env")

    assert Settings().data_dir == Path("from-env")
    assert Settings(data_dir=Path("from-kwargs")).data_dir == Path("from-kwargs")


@pytest.mark.parametrize(
    "value", ['["console:you", "discord:42"]', "console:you, discord:42", "console:you,discord:42"]
)
def test_lists_in_the_environment_take_json_or_commas(value: str) -> None:
    settings = load_settings(None, {"PEERBOT_ADMINS": value, "PEERBOT_DISCORD__GUILD_IDS": "7,8"})

    assert settings.admins == ["console:you", "discord:42"]
    assert settings.discord.guild_ids == [7, 8]


def test_repeated_loads_do_not_leak_into_each_other(tmp_path: Path) -> None:
    first = write(tmp_path, '[logging]\nlevel = "DEBUG"\n', "first.toml")

    assert load_settings(first, {"PEERBOT_DATA_DIR": "one"}).logging.level == "DEBUG"
    again = load_settings(None, {})
    assert again.logging.level == "INFO"
    assert again.data_dir == Path("data")


def test_database_path_prefers_the_explicit_path(tmp_path: Path) -> None:
    path = write(tmp_path, 'data_dir = "d"\n[database]\npath = "db/bot.sqlite3"\n')

    assert load_settings(path, {}).database_path == Path("db/bot.sqlite3")
    assert load_settings(None, {"PEERBOT_DATA_DIR": "d"}).database_path == Path("d/peerbot.sqlite3")


def test_lower_case_log_level_is_accepted() -> None:
    assert load_settings(None, {"PEERBOT_LOGGING__LEVEL": "error"}).logging.level == "ERROR"


# --- errors --------------------------------------------------------------------------------


def test_unknown_top_level_key_in_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[dicsord]\ntoken = 'x'\n")

    assert config_error(path) == f"{path}: unknown key 'dicsord'; did you mean 'discord'?"


def test_unknown_nested_key_in_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[logging]\nlevle = 'DEBUG'\n")

    assert (
        config_error(path) == f"{path}: unknown key 'logging.levle'; did you mean 'logging.level'?"
    )


def test_unknown_nested_key_in_the_environment_names_the_variable() -> None:
    message = config_error(None, {"PEERBOT_LOGGING__LEVLE": "DEBUG"})

    assert (
        message
        == "PEERBOT_LOGGING__LEVLE: unknown key 'logging.levle'; did you mean 'logging.level'?"
    )


def test_a_near_miss_for_the_token_names_the_key_meant(tmp_path: Path) -> None:
    """A newcomer's typo in the Discord table: the error says which key they meant."""
    path = write(tmp_path, "[discord]\ntokn = 'x'\n")

    assert (
        config_error(path) == f"{path}: unknown key 'discord.tokn'; did you mean 'discord.token'?"
    )


def test_a_key_close_to_nothing_points_at_the_example(tmp_path: Path) -> None:
    path = write(tmp_path, "[discord]\nzebra = 'x'\n")

    assert config_error(path) == f"{path}: unknown key 'discord.zebra'. {HINT}"


def test_bad_type_names_the_file_and_the_dotted_key(tmp_path: Path) -> None:
    path = write(tmp_path, '[discord]\nguild_ids = ["abc"]\n')

    assert config_error(path) == (
        f"{path}: discord.guild_ids[0]: must be a whole number (a Discord server id); "
        "you gave 'abc'."
    )


def test_bad_environment_value_names_the_variable(tmp_path: Path) -> None:
    path = write(tmp_path, '[logging]\nlevel = "INFO"\n')

    message = config_error(path, {"PEERBOT_LOGGING__LEVEL": "loud"})

    assert message == (
        "PEERBOT_LOGGING__LEVEL: logging.level: must be one of DEBUG, INFO, WARNING, ERROR; "
        "you gave 'LOUD'."
    )


def test_out_of_range_number(tmp_path: Path) -> None:
    path = write(tmp_path, "[retention]\noutbox_days = 0\n")

    assert (
        config_error(path)
        == f"{path}: retention.outbox_days: must be 1 or more (days); you gave 0."
    )


def test_bad_time_zone(tmp_path: Path) -> None:
    path = write(tmp_path, '[networks]\ndefault_timezone = "Mars/Base"\n')

    assert config_error(path) == (
        f"{path}: networks.default_timezone: 'Mars/Base' is not an IANA time zone name; "
        "use one like Australia/Sydney."
    )


def test_invalid_toml_names_the_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, 'data_dir = "data"\nadmins = [console:you]\n')

    message = config_error(path)

    assert message.startswith(f"{path}: line 2, column ")
    assert "invalid TOML" in message


def test_a_missing_file_given_explicitly_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"

    assert str(missing) in config_error(missing)
    assert "PEERBOT_CONFIG" in config_error(None, {"PEERBOT_CONFIG": str(missing)})


def test_several_problems_give_one_line_each(tmp_path: Path) -> None:
    path = write(tmp_path, 'typo = 1\n[retention]\ncheckin_days = "x"\n')

    lines = config_error(path, {"PEERBOT_LOGGING__FORMAT": "xml"}).splitlines()

    assert sorted(lines) == sorted(
        [
            f"{path}: unknown key 'typo'. {HINT}",
            f"{path}: retention.checkin_days: must be a whole number (days); you gave 'x'.",
            "PEERBOT_LOGGING__FORMAT: logging.format: must be one of text, json; you gave 'xml'.",
        ]
    )


def test_table_given_as_bad_json_in_the_environment() -> None:
    message = config_error(None, {"PEERBOT_DISCORD": "{not json " + SECRET})

    assert message.startswith("PEERBOT_DISCORD: discord: is not valid JSON")
    assert SECRET not in message


@pytest.mark.parametrize(
    ("toml", "environ"),
    [
        (f'[discord]\ntokne = "{SECRET}"\n', {}),  # a misspelt secret key
        ('[matrix]\nhomeserver = "https://m.example.org"\n', {"PEERBOT_MATRIX__PASSWORD": SECRET}),
        ("[discord]\ntoken = 987654321\n", {}),  # a token that is not text
        ("", {"PEERBOT_DISCORD": f'{{"token": ["{SECRET}"]}}'}),
        ("", {"PEERBOT_MATRIX__ACCESS_TOKEN": SECRET}),  # no homeserver
        (f'discord = "{SECRET}"\n', {}),  # a whole table given as a string
    ],
)
def test_errors_never_show_a_secret(tmp_path: Path, toml: str, environ: dict[str, str]) -> None:
    path = write(tmp_path, toml)

    message = config_error(path, environ)

    assert SECRET not in message
    assert "987654321" not in message


# --- admins --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "admin", ["console:you", "discord:123456789012345678", "matrix:@alex:example.org"]
)
def test_admin_ids_of_the_right_form_are_accepted(admin: str) -> None:
    assert load_settings(None, {"PEERBOT_ADMINS": f'["{admin}"]'}).admins == [admin]


@pytest.mark.parametrize("admin", ["you", "slack:123", "discord:", ":you", "console: "])
def test_admin_ids_need_a_known_platform_and_an_id(tmp_path: Path, admin: str) -> None:
    path = write(tmp_path, f'admins = ["console:you", "{admin}"]\n')

    message = config_error(path)

    assert message.startswith(f"{path}: admins[1]: ")
    assert "platform:id" in message
    assert '"console:you"' in message


# --- platforms -----------------------------------------------------------------------------


def test_discord_is_enabled_by_a_token() -> None:
    assert not DiscordSettings().enabled
    assert not DiscordSettings(token="").enabled
    assert DiscordSettings(token=SECRET).enabled


@pytest.mark.parametrize("secret_key", ["password", "access_token"])
def test_matrix_is_enabled_by_a_full_login(secret_key: str) -> None:
    environ = {
        "PEERBOT_MATRIX__HOMESERVER": "https://matrix.example.org",
        "PEERBOT_MATRIX__USER_ID": "@peerbot:example.org",
        f"PEERBOT_MATRIX__{secret_key.upper()}": SECRET,
    }

    assert load_settings(None, environ).matrix.enabled


def test_matrix_half_configured_names_what_is_missing(tmp_path: Path) -> None:
    path = write(tmp_path, '[matrix]\nhomeserver = "https://matrix.example.org"\n')

    message = config_error(path)

    assert message.startswith(f"{path}: matrix: homeserver is set")
    assert "user_id" in message
    assert "password or access_token" in message


def test_matrix_homeserver_needs_a_scheme() -> None:
    with pytest.raises(ValidationError, match="https://"):
        MatrixSettings(
            homeserver="matrix.example.org",
            user_id="@peerbot:example.org",
            password=SECRET,
        )


# --- showing settings ----------------------------------------------------------------------


def test_render_masks_secrets_and_shows_every_key(tmp_path: Path) -> None:
    path = write(tmp_path, '[matrix]\nhomeserver = "https://matrix.example.org"\n')
    environ = {
        "PEERBOT_DISCORD__TOKEN": SECRET,
        "PEERBOT_MATRIX__USER_ID": "@peerbot:example.org",
        "PEERBOT_MATRIX__ACCESS_TOKEN": SECRET + "2",
    }

    text = render_settings(load_settings(path, environ))

    assert SECRET not in text
    assert 'token = "********"' in text
    assert 'access_token = "********"' in text
    assert "# password = (not set)" in text
    assert '# database file in use: "data/peerbot.sqlite3"' in text
    for section, key in _model_keys(Settings):
        assert re.search(rf"^(# )?{key} = ", text, re.MULTILINE), f"{section}.{key}"
        if section:
            assert f"[{section}]" in text


def test_render_of_defaults_is_valid_toml_that_loads_back(tmp_path: Path) -> None:
    settings = load_settings(EXAMPLE, {})
    path = write(tmp_path, render_settings(settings))

    assert load_settings(path, {}) == settings


def test_repr_and_str_do_not_show_secrets() -> None:
    environ = {
        "PEERBOT_DISCORD__TOKEN": SECRET,
        "PEERBOT_MATRIX__HOMESERVER": "https://matrix.example.org",
        "PEERBOT_MATRIX__USER_ID": "@peerbot:example.org",
        "PEERBOT_MATRIX__PASSWORD": SECRET,
    }
    settings = load_settings(None, environ)

    for shown in (repr(settings), str(settings), settings.model_dump_json()):
        assert SECRET not in shown
    assert settings.discord.token is not None
    assert settings.discord.token.get_secret_value() == SECRET


def test_settings_are_frozen() -> None:
    settings = load_settings(None, {})

    with pytest.raises(ValidationError):
        settings.data_dir = Path("elsewhere")  # type: ignore[misc]
