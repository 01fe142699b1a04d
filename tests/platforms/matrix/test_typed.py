"""What a command typed wrong on Matrix gets: a suggestion, a group's commands, one
command's options, from the real registry of every cog."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import App
from bot.clock import FakeClock
from bot.kernel import Kernel
from bot.platforms.matrix.typed import command_help, unknown_command
from config.settings import load_settings


@pytest.fixture
async def kernel(tmp_path: Path) -> AsyncIterator[Kernel]:
    app = App(load_settings(None, environ={"PEERBOT_DATA_DIR": str(tmp_path)}), clock=FakeClock())
    started = await app.start_without_worker()
    yield started
    await app.stop()


async def test_near_misses_get_the_nearest_command_or_group(kernel: Kernel) -> None:
    registry = kernel.registry
    assert "Did you mean !meeting next?" in unknown_command(registry, ["meetng", "next"])
    alone = unknown_command(registry, ["meetng"])
    assert "Did you mean !meeting?" in alone and "!meeting rsvp" in alone
    assert "Did you mean !support?" in unknown_command(registry, ["suport"])
    group = unknown_command(registry, ["meeting"])
    assert group.startswith("!meeting is not a whole command.") and "!meeting next" in group
    far = unknown_command(registry, ["frobnicate"])
    assert far == "There is no command !frobnicate. Type !help to see the commands."


async def test_one_commands_help_lists_its_options(kernel: Kernel) -> None:
    spec = kernel.registry.named("meeting rsvp")
    assert spec is not None
    text = command_help(spec)
    assert text.startswith("!meeting rsvp: ")
    for option in spec.options:
        assert f"- {option.name} (" in text
    assert "required" in text or "optional" in text
    support = kernel.registry.named("support")
    assert support is not None and "filter" in command_help(support)
