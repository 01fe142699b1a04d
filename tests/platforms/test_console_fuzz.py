"""Every command, fed bad values on the console path (layer 2), as a member, a coordinator and
an admin: never an apology with an error id, and nothing written when it is refused.

The commands come from the registry, so a new command is covered without touching this file.
A deterministic sweep tries each option's bad and borderline values with the other options
valid; hypothesis then draws mixed invocations (derandomized, so CI sees the same ones).
"""

from __future__ import annotations

import hashlib
import io
import logging
import shlex
import sqlite3
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.clock import FakeClock
from bot.commands import CommandSpec, OptionSpec, Role
from bot.errors import UserError
from bot.identity import UserRef
from bot.kernel import Kernel
from bot.platforms.console import CONSOLE_SPACE, ConsoleAdapter
from bot.registry import Invocation
from tests.bot.fakes import RecordingPort
from tests.cogs.networks import ADMIN_ID, Apps, invoke, networks_with_people, settings_for
from tests.fuzz_values import always_bad, borderline, typed_bad, valid_value, value_strategy

MEMBER, COORDINATOR = "mia", "cora"
ROLES = {MEMBER: Role.MEMBER, COORDINATOR: Role.COORDINATOR, ADMIN_ID: Role.ADMIN}
SLUG = "coast"
APOLOGY = ("something went wrong", "error id")


def database_checksum(path: Path) -> str:
    """A fingerprint of every row of every table, read on a connection of its own."""
    digest = hashlib.sha256()
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        tables = [  # virtual tables (full-text search) are read through their shadow tables
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master "
                "WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%'"
            )
        ]
        for table in sorted(tables):
            rows = conn.execute(f'SELECT * FROM "{table}"').fetchall()
            digest.update(table.encode())
            for row in sorted(repr(r) for r in rows):
                digest.update(row.encode())
    return digest.hexdigest()


class _Refusals(logging.Handler):
    """The registry logs "command /x refused" whenever a UserError answered a command."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("command /") and "refused" in record.getMessage():
            self.count += 1


@dataclass
class Outcome:
    text: str
    refused: bool
    changed: bool


@dataclass
class World:
    """A started bot with one network, its people, a meeting series and a check-in."""

    kernel: Kernel
    db_path: Path
    refusals: _Refusals
    console: ConsoleAdapter
    out: io.StringIO
    tried: int = 0
    seen: set[str] = field(default_factory=set)

    async def run(
        self, who: str, spec: CommandSpec, values: dict[str, Any], *, typed: bool
    ) -> Outcome:
        """Run the command as ``who``: typed values through the registry (as the Discord
        adapter passes them), text values as a console line."""
        before = database_checksum(self.db_path)
        refused_before = self.refusals.count
        user = UserRef(platform="console", id=who, display_name=who)
        refused = False
        if typed:
            reply = await self.kernel.registry.invoke(
                Invocation(
                    user=user, place=None, name=spec.name, arguments=values, space=CONSOLE_SPACE
                )
            )
            text = reply.text
        else:
            self.console.user = user
            self.out.seek(0)
            self.out.truncate()
            options = " ".join(f"{name}:{shlex.quote(str(v))}" for name, v in values.items())
            try:
                await self.console.handle_line(f"/{spec.name} {options}")
            except UserError as error:
                refused = True
                self.out.write(str(error))
            text = self.out.getvalue()
        refused = refused or self.refusals.count > refused_before
        changed = database_checksum(self.db_path) != before
        self.tried += 1
        self.seen.add(spec.name)
        where = f"/{spec.name} as {who} with {values!r}"
        assert not any(word in text.lower() for word in APOLOGY), f"{where}: {text}"
        assert not (refused and changed), f"{where} was refused but wrote: {text}"
        return Outcome(" ".join(text.split()), refused, changed)  # unwrapped

    def filled(self, spec: CommandSpec, bad: OptionSpec | None, value: Any) -> dict[str, Any]:
        """Every required option valid, and ``bad`` (if any) set to ``value``."""
        values = {
            o.name: valid_value(o, SLUG, MEMBER, "general") for o in spec.options if o.required
        }
        if spec.option("network") is not None:
            values["network"] = SLUG
        if bad is not None:
            values[bad.name] = value
        return values


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    apps = Apps(settings_for(tmp_path), FakeClock())
    _, kernel = await apps.start()
    kernel.ports["console"] = RecordingPort()  # /checkin start checks it can send privately
    await networks_with_people(
        kernel,
        [(SLUG, "Coast", SLUG, None)],
        [(SLUG, MEMBER, Role.MEMBER), (SLUG, COORDINATOR, Role.COORDINATOR)],
    )
    setup: list[tuple[str, str, dict[str, Any]]] = [
        (
            COORDINATOR,
            "meeting schedule",
            {"date": "2027-03-10", "time": "10:00", "duration": 90, "network": SLUG},
        ),
        (MEMBER, "checkin start", {"day": "monday", "time": "09:00", "network": SLUG}),
    ]
    for who, command, options in setup:
        reply = await invoke(kernel, who, command, **options)
        assert not any(word in reply.text.lower() for word in APOLOGY), reply.text
    assert await kernel.db.fetch_all("SELECT id FROM checkin_subscriptions") != []
    refusals = _Refusals()
    registry_log = logging.getLogger("bot.registry")
    level = registry_log.level
    registry_log.setLevel(logging.INFO)
    registry_log.addHandler(refusals)
    out = io.StringIO()
    console = ConsoleAdapter(kernel, stdin=io.StringIO(""), stdout=out, interactive=False)
    try:
        yield World(kernel, kernel.settings.data_dir / "peerbot.sqlite3", refusals, console, out)
    finally:
        registry_log.removeHandler(refusals)
        registry_log.setLevel(level)
        await apps.stop_all()


def _commands(world: World) -> list[CommandSpec]:
    return sorted(world.kernel.registry.commands.values(), key=lambda s: s.name)


def _options(world: World) -> Iterator[tuple[CommandSpec, OptionSpec]]:
    for spec in _commands(world):
        for option in spec.options:
            yield spec, option


def _lowest_allowed(spec: CommandSpec) -> str:
    return next(who for who, role in sorted(ROLES.items(), key=lambda r: r[1]) if role >= spec.role)


def _sweep(spec: CommandSpec, values: list[Any]) -> Iterator[tuple[str, Any]]:
    """Each value as each role that may run the command; a role that may not is refused
    before any option is read, so one value is enough to check that refusal."""
    for who, role in ROLES.items():
        for value in values if role >= spec.role else values[:1]:
            yield who, value


async def test_the_database_file_is_the_one_the_bot_writes(world: World) -> None:
    """The checksum would prove nothing if it read another file."""
    before = database_checksum(world.db_path)
    await invoke(world.kernel, MEMBER, "meeting reminders", state="off")
    assert database_checksum(world.db_path) != before


async def test_values_outside_every_bound_are_refused_clearly_as_every_role(world: World) -> None:
    """2^63, the year 9999, 30 February, text past its limit...: a private message that
    names the option and says nothing was changed, for every option of every command."""
    for spec, option in _options(world):
        for who, value in _sweep(spec, always_bad(option)):
            outcome = await world.run(who, spec, world.filled(spec, option, value), typed=False)
            assert outcome.refused, f"/{spec.name} {option.name}:{value!r} as {who}"
            if who == ADMIN_ID and option.name != "network":
                assert f"The option '{option.name}' must be" in outcome.text, outcome.text
                assert "Nothing was changed." in outcome.text
    assert world.seen == {s.name for s in _commands(world) if s.options}


async def test_typed_values_from_a_crafted_interaction_are_refused_clearly(world: World) -> None:
    """Discord's client keeps integers within min/max, a crafted interaction need not."""
    tried = 0
    for spec, option in _options(world):
        for value in typed_bad(option):
            outcome = await world.run(ADMIN_ID, spec, world.filled(spec, option, value), typed=True)
            assert outcome.refused, f"/{spec.name} {option.name}:{value!r}"
            if option.name != "network":
                assert f"The option '{option.name}' must be" in outcome.text, outcome.text
            tried += 1
    assert tried > 0


async def test_borderline_values_never_end_in_an_apology(world: World) -> None:
    """Empty, the bounds themselves, mentions, SQL and search syntax, odd characters: each is
    either done or refused clearly, and a refusal writes nothing."""
    for spec, option in _options(world):
        who = _lowest_allowed(spec)
        for value in borderline(option):
            await world.run(who, spec, world.filled(spec, option, value), typed=False)
    assert world.tried > 500


@dataclass(frozen=True)
class Case:
    command: str
    who: str
    values: dict[str, Any]
    typed: bool


def _draw_cases(specs: list[CommandSpec], examples: int) -> list[Case]:
    """Mixed invocations drawn by hypothesis: any options, each omitted or any value."""
    cases: list[Case] = []

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def draw(data: st.DataObject) -> None:
        spec = data.draw(st.sampled_from(specs), label="command")
        who = data.draw(st.sampled_from(sorted(ROLES)), label="who")
        typed = data.draw(st.booleans(), label="typed")  # as Discord passes them, or as text
        values: dict[str, Any] = {}
        for option in spec.options:
            choice = data.draw(st.sampled_from(["omit", "valid", "any"]), label=option.name)
            if choice == "valid":
                values[option.name] = valid_value(option, SLUG, MEMBER, "general")
            elif choice == "any" and typed and typed_bad(option):
                values[option.name] = data.draw(
                    st.one_of(
                        st.integers(min_value=-(2**70), max_value=2**70),
                        st.floats(),
                        st.sampled_from(typed_bad(option)),
                    ),
                    label=option.name,
                )
            elif choice == "any":
                values[option.name] = data.draw(value_strategy(option), label=option.name)
        cases.append(Case(spec.name, who, values, typed))

    draw()
    return cases


async def test_drawn_invocations_never_end_in_an_apology(world: World) -> None:
    specs = [s for s in _commands(world) if s.options]
    for case in _draw_cases(specs, examples=300):
        spec = world.kernel.registry.commands[case.command]
        await world.run(case.who, spec, case.values, typed=case.typed)
