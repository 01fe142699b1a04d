"""Fixtures for the resource library: the real App (seed loaded) with two networks.

South Coast: coordinator carol, executive eve, members mia and max. Brisbane: coordinator
bea, member ben. The console user ``admin`` is a peerbot admin.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.commands import Role
from bot.identity import PlaceRef, UserRef
from bot.kernel import Kernel
from bot.outbox import OutboxWorker
from bot.registry import ActionInvocation, Invocation
from bot.replies import ActionRef, Reply
from cogs.resources.commands import ResourcesCog
from cogs.resources.service import ResourceService
from tests.bot.fakes import RecordingPort
from tests.cogs.networks import networks_with_people

PEOPLE = (
    ("south", "carol", Role.COORDINATOR),
    ("south", "eve", Role.EXECUTIVE),
    ("south", "mia", Role.MEMBER),
    ("south", "max", Role.MEMBER),
    ("brisbane", "bea", Role.COORDINATOR),
    ("brisbane", "ben", Role.MEMBER),
)


SPACE = PlaceRef(platform="console", id="local", name="console")
GENERAL = PlaceRef(platform="console", id="general", name="general")


def key(who: str) -> str:
    return f"console:{who}"


@dataclass
class World:
    kernel: Kernel
    port: RecordingPort
    clock: FakeClock
    south: int
    brisbane: int

    @property
    def service(self) -> ResourceService:
        cog = self.kernel.cogs["resources"]
        assert isinstance(cog, ResourcesCog)
        return cog.service

    async def run(
        self, who: str, command: str, *, place: PlaceRef | None = None, **arguments: Any
    ) -> Reply:
        """``place``: a channel of the console's space (None: no channel, as in a DM)."""
        invocation = Invocation(
            user=UserRef(platform="console", id=who),
            place=place,
            name=command,
            arguments=arguments,
            space=SPACE if place is not None else None,
        )
        return await self.kernel.registry.invoke(invocation)

    async def press(
        self,
        who: str,
        action: ActionRef,
        fields: dict[str, str] | None = None,
        selected: tuple[str, ...] = (),
        *,
        place: PlaceRef | None = None,
    ) -> Reply:
        invocation = ActionInvocation(
            user=UserRef(platform="console", id=who),
            place=place,
            action=action,
            fields=fields or {},
            selected=selected,
            space=SPACE if place is not None else None,
        )
        return await self.kernel.registry.invoke_action(invocation)

    async def complete(self, who: str, command: str, option: str, partial: str) -> list[Any]:
        return await self.kernel.registry.autocomplete(
            UserRef(platform="console", id=who), None, command, option, partial
        )

    async def deliver(self) -> None:
        await OutboxWorker(self.kernel.outbox, self.kernel.ports).run_once()

    def dms(self, who: str) -> list[str]:
        return [text for _, target, text in self.port.sent if target == who]


@pytest.fixture
async def world(kernel: Kernel, clock: FakeClock) -> World:
    ids = await networks_with_people(
        kernel,
        [("south", "South Coast", "south-coast", None), ("brisbane", "Brisbane", "brisbane", None)],
        PEOPLE,
    )
    port = RecordingPort("console")
    kernel.ports["console"] = port
    return World(kernel, port, clock, ids["south"], ids["brisbane"])
