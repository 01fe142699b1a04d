"""Every command /help lists, typed as a newcomer types it from the README's tables: only its
required options, no network. As each role, on a fresh database and on one with a network,
the answer is done or a clear question, never an apology with an error id.

The commands come from /help itself, so a new command is covered without touching this file.
"""

from __future__ import annotations

import io
import shlex
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.commands import CommandSpec, Role
from bot.errors import UserError
from bot.identity import UserRef
from bot.kernel import Kernel
from bot.platforms.console import ConsoleAdapter
from tests.bot.fakes import RecordingPort
from tests.cogs.networks import ADMIN_ID, Apps, settings_for
from tests.fuzz_values import valid_value

APOLOGY = ("something went wrong", "error id")
SLUG = "coast"
LAST = {"network leave", "privacy delete", "link remove"}
PEOPLE = {"mia": Role.MEMBER, "evan": Role.EXECUTIVE, "cora": Role.COORDINATOR}


@dataclass
class Console:
    kernel: Kernel
    console: ConsoleAdapter
    out: io.StringIO

    async def type(self, who: str, line: str) -> str:
        """Type a line as ``who``; what the console printed (a refusal included)."""
        self.console.user = UserRef(platform="console", id=who, display_name=who)
        self.out.seek(0)
        self.out.truncate()
        try:
            await self.console.handle_line(line)
        except UserError as error:
            self.out.write(str(error))
        return self.out.getvalue()

    async def help_commands(self, who: str) -> list[CommandSpec]:
        """The commands /help shows this person, as the registry finds them by name."""
        shown = await self.type(who, "/help")
        names = listed_commands(shown)
        specs = [self.kernel.registry.named(name) for name in names]
        assert names and all(specs), shown
        return [s for s in specs if s is not None]


def listed_commands(help_text: str) -> list[str]:
    """The names in /help's short lists: ``  /meeting list, /meeting next``."""
    found: list[str] = []
    for line in help_text.splitlines():
        if line.startswith("  /"):
            found += [n.strip().removeprefix("/") for n in line.split(",") if n.strip()]
    return found


async def _console(tmp_path: Path, *, with_network: bool) -> AsyncIterator[Console]:
    apps = Apps(settings_for(tmp_path), FakeClock())
    _, kernel = await apps.start()
    kernel.ports["console"] = RecordingPort()  # /checkin start checks it can send privately
    directory = kernel.registry.directory
    if with_network:
        out = io.StringIO()
        admin = ConsoleAdapter(kernel, stdout=out, interactive=False, user_name=ADMIN_ID)
        await admin.handle_line(f"/network create name:Coast slug:{SLUG}")
        assert "Created the network" in out.getvalue(), out.getvalue()
    network = await directory.network_by_slug(SLUG)
    for who, role in PEOPLE.items():
        if network is not None:  # on a fresh database nobody holds a role yet, but admins
            await directory.assign_role(f"console:{who}", network.id, role)
    out = io.StringIO()
    console = ConsoleAdapter(kernel, stdin=io.StringIO(""), stdout=out, interactive=False)
    try:
        yield Console(kernel, console, out)
    finally:
        await apps.stop_all()


@pytest.fixture
async def fresh(tmp_path: Path) -> AsyncIterator[Console]:
    async for made in _console(tmp_path, with_network=False):
        yield made


@pytest.fixture
async def one_network(tmp_path: Path) -> AsyncIterator[Console]:
    async for made in _console(tmp_path, with_network=True):
        yield made


def _required_only(spec: CommandSpec) -> str:
    """The command as its README row shows it: its required options, nothing else."""
    options = [
        f"{o.name}:{shlex.quote(str(valid_value(o, SLUG, 'mia', 'general')))}"
        for o in spec.options
        if o.required
    ]
    return " ".join([f"/{spec.name}", *options])


async def _every_command_as_every_role(world: Console) -> int:
    tried = 0
    for who in [*PEOPLE, ADMIN_ID]:
        commands = await world.help_commands(who)
        # Leaving takes the person's role away: last, so the rest run with the role.
        for spec in sorted(commands, key=lambda s: s.name in LAST):
            line = _required_only(spec)
            shown = await world.type(who, line)
            assert not any(word in shown.lower() for word in APOLOGY), f"{line} as {who}: {shown}"
            assert shown.strip(), f"{line} as {who} printed nothing"
            tried += 1
    return tried


async def test_every_command_without_a_network_on_a_fresh_database(fresh: Console) -> None:
    """No network exists yet: each command works, or says what to do first."""
    assert await _every_command_as_every_role(fresh) > 40


async def test_every_command_without_a_network_when_there_is_one(one_network: Console) -> None:
    """Everyone is in the one network: a command needing a network uses it, or asks."""
    assert await _every_command_as_every_role(one_network) > 40


async def test_reflect_start_without_a_network_uses_the_only_one(one_network: Console) -> None:
    """The README's row, as typed: /reflect start with its format and peers, no network."""
    shown = await one_network.type("mia", "/reflect start format:open peers:cora")
    assert "network:" not in shown, shown
    assert "error id" not in shown.lower(), shown


async def test_a_staff_command_uses_the_one_network_of_the_role_or_asks(
    one_network: Console,
) -> None:
    """With two networks, a coordinator of one needs no network: option; an admin (who may
    act in both) is asked, with the short names to choose from."""
    await one_network.type(ADMIN_ID, "/network create name:Bay slug:bay")
    shown = await one_network.type("cora", "/manage meeting settings")
    assert shown.split("\n", 1)[1].startswith("Meeting settings of Coast"), shown
    asked = " ".join((await one_network.type(ADMIN_ID, "/manage meeting settings")).split())
    assert "/manage meeting settings acts on one network: say which with network:SHORT-NAME" in (
        asked
    )
    assert "(yours: bay, coast)" in asked or "(yours: coast, bay)" in asked
    denied = " ".join((await one_network.type("mia", "/manage meeting settings")).split())
    assert "You need to be a coordinator" in denied, denied
