"""Every command's boundary values through the real discord.py client and the fake Discord
(layer 3): a private, clear answer naming the option, never an apology with an error id.

Discord's own client keeps integers within the min_value/max_value we declare, but an
interaction crafted by hand can carry 2^63; the bot must still answer clearly. The commands
come from the registry, so new ones are covered without touching this file.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.commands import CommandSpec, OptionKind, OptionSpec
from tests.e2e.fakediscord import FakeDiscord
from tests.e2e.peerbot_on_fake import ADMIN, PeerbotOnFake
from tests.e2e.test_networks_discord import COORDINATOR, EPHEMERAL, answer, create_coast
from tests.fuzz_values import valid_value

MEMBER = "bob"
APOLOGY = ("something went wrong", "error id")


def boundary_values(option: OptionSpec) -> list[Any]:
    """A few values just past the option's bounds, as JSON carries them."""
    match option.kind:
        case OptionKind.INTEGER:
            assert option.max is not None
            return [2**63, int(option.max) + 1]
        case OptionKind.NUMBER:
            return [2.0**63]
        case OptionKind.DATE:
            return ["9999-12-31", "2027-02-30"]
        case OptionKind.TIME:
            return ["24:00", "13pm"]
        case OptionKind.TIMEZONE:
            return ["+10:00", "Sydny", "x" * 41]
        case OptionKind.TEXT if not option.choices and option.name != "network":
            assert option.max_length is not None
            return ["x" * (option.max_length + 1)]
    return []


@pytest.fixture
async def bot(fake_discord: FakeDiscord, tmp_path: Path) -> AsyncIterator[PeerbotOnFake]:
    fake_discord.add_user(MEMBER)
    started = PeerbotOnFake(fake_discord, tmp_path)
    await started.start()
    try:
        await create_coast(fake_discord, members=(MEMBER,))
        yield started
    finally:
        await started.stop()


async def _send(fake: FakeDiscord, spec: CommandSpec, values: dict[str, Any]) -> dict[str, Any]:
    return await answer(await fake.send_command(spec.name, values, user=ADMIN))


async def test_every_commands_boundary_values_get_a_clear_private_answer(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    tried = 0
    specs = sorted(bot.kernel.registry.commands.values(), key=lambda s: s.name)
    for spec in specs:
        required = {
            o.name: valid_value(o, "coast", COORDINATOR, "general")
            for o in spec.options
            if o.required and o.kind not in (OptionKind.MEMBER, OptionKind.CHANNEL, OptionKind.FILE)
        }
        if any(o.required and o.name not in required for o in spec.options):
            continue  # a member, channel or file option: covered on the console (layer 2)
        if spec.option("network") is not None:
            required["network"] = "coast"
        for option in spec.options:
            for value in boundary_values(option):
                values = {**_typed(spec, required), option.name: value}
                message = await _send(fake_discord, spec, values)
                where = f"/{spec.name} {option.name}:{str(value)[:20]!r}"
                content = str(message.get("content", ""))
                assert not any(w in content.lower() for w in APOLOGY), f"{where}: {content}"
                assert message.get("flags", 0) & EPHEMERAL, where
                assert f"The option '{option.name}' must be" in content, f"{where}: {content}"
                tried += 1
    assert tried >= 40


def _typed(spec: CommandSpec, values: dict[str, Any]) -> dict[str, Any]:
    """Valid whole numbers as numbers, as Discord sends them (the fixtures give text)."""
    typed = dict(values)
    for name, value in values.items():
        option = spec.option(name)
        if option is not None and isinstance(value, str):
            if option.kind is OptionKind.INTEGER:
                typed[name] = int(value)
            elif option.kind is OptionKind.NUMBER:
                typed[name] = float(value)
            elif option.kind is OptionKind.BOOLEAN:
                typed[name] = value == "true"
    return typed
