"""Every cog loads together: no clashing names, every command reachable from /help."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.app import App
from bot.clock import FakeClock
from bot.replies import ActionRef, Form, FormField
from cogs import ALL_COGS
from config.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]


async def test_every_cog_loads_and_registers(tmp_path: Path) -> None:
    settings = load_settings(None, environ={"PEERBOT_DATA_DIR": str(tmp_path)})
    app = App(settings, clock=FakeClock())
    kernel = await app.start_without_worker()
    try:
        assert [f"cogs.{name}" for name in kernel.cogs] == list(ALL_COGS)
        owners = {spec.cog for spec in kernel.registry.commands.values()}
        assert owners == set(kernel.cogs)  # every cog offers at least one command
        for spec in kernel.registry.commands.values():
            assert kernel.cogs[spec.cog].title
        # cogs that keep data about people say so (support keeps nothing)
        assert {"networks", "delivery"} <= set(kernel.privacy.names)
    finally:
        await app.stop()


def test_every_cog_folder_is_listed() -> None:
    folders = {p.name for p in (ROOT / "cogs").iterdir() if (p / "__init__.py").exists()}
    assert {f"cogs.{name}" for name in folders} == set(ALL_COGS)


def test_forms_larger_than_five_fields_are_refused() -> None:
    fields = [FormField(name=f"f{i}", label=f"Field {i}") for i in range(6)]
    with pytest.raises(ValidationError, match="at most 5"):
        Form(title="Too long", action=ActionRef(action="x"), fields=fields)
