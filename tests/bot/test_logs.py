"""Logs help find bugs without ever holding what people wrote."""

from __future__ import annotations

import json
import logging
from typing import Annotated, ClassVar

import pytest

from bot.clock import FakeClock
from bot.commands import Context, Option, Role, command
from bot.identity import UserRef
from bot.logs import JsonFormatter, setup_logging
from bot.permissions import AdminsOnlyDirectory
from bot.registry import Invocation, Registry
from bot.replies import Reply

SENTINEL = "my client Jane Citizen told me"


class LeakyCog:
    name: ClassVar[str] = "leaky"
    title: ClassVar[str] = "Leaky"

    @command("reflect", "Say something", role=Role.EVERYONE)
    async def reflect(
        self, ctx: Context, text: Annotated[str, Option("What happened", max_length=10)]
    ) -> Reply:
        raise ValueError(f"could not store {text!r}")  # a bug that quotes the input


async def test_no_personal_text_reaches_the_log(caplog: pytest.LogCaptureFixture) -> None:
    registry = Registry(AdminsOnlyDirectory(frozenset()), FakeClock())
    registry.add_cog(LeakyCog())
    user = UserRef(platform="console", id="alex")
    caplog.set_level(logging.DEBUG)
    crashed = await registry.invoke(Invocation(user, None, "reflect", {"text": "short"}))
    too_long = await registry.invoke(Invocation(user, None, "reflect", {"text": SENTINEL}))
    error_id = crashed.text.rsplit(" ", 1)[-1].rstrip(".")
    assert error_id in caplog.text
    assert "ValueError (message withheld)" in caplog.text
    assert "test_logs.py" in caplog.text  # the frames are there to find the bug
    assert "short" not in caplog.text
    assert "at most 10 characters" in too_long.text
    assert SENTINEL not in caplog.text


def test_json_format_is_one_object_per_line() -> None:
    record = logging.makeLogRecord(
        {"name": "bot.test", "levelname": "INFO", "levelno": 20, "msg": "hello %s", "args": ("x",)}
    )
    record.error_id = "ABCD1234"
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert entry["message"] == "hello x"
    assert entry["level"] == "INFO"
    assert entry["error_id"] == "ABCD1234"
    assert "\n" not in line


def test_setup_with_a_file_keeps_the_terminal_quiet(tmp_path, capsys) -> None:
    log_file = tmp_path / "logs" / "peerbot.log"
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    setup_logging("INFO", "text", file=log_file)
    try:
        logging.getLogger("bot.test").info("an info line")
        logging.getLogger("bot.test").warning("a warning line")
        err = capsys.readouterr().err
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
    text = log_file.read_text()
    assert "an info line" in text and "a warning line" in text
    assert "an info line" not in err and "a warning line" in err
