"""Fixtures for the mentoring cog: the real App with two networks and people, a reflection
channel (where private threads open) linked for South Coast, and a port that records threads.

South Coast: coordinator carol, members mia (asks for a mentor), max, kim and lee (mentors).
Brisbane: member ben.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.commands import Role
from bot.identity import PlaceRef, UserRef
from bot.kernel import Kernel
from bot.outbox import OutboxWorker
from bot.registry import ActionInvocation, Invocation
from bot.replies import ActionRef, Reply
from cogs.mentoring.commands import MentoringCog
from cogs.mentoring.service import MentoringService
from tests.cogs.networks import as_console_shows, networks_with_people
from tests.cogs.reflection.conftest import ThreadPort

SPACE = PlaceRef(platform="console", id="local", name="console")
CHANNEL = PlaceRef(platform="console", id="reflection-channel")
PEOPLE = (
    ("south", "carol", Role.COORDINATOR),
    ("south", "mia", Role.MEMBER),
    ("south", "max", Role.MEMBER),
    ("south", "kim", Role.MEMBER),
    ("south", "lee", Role.MEMBER),
    ("brisbane", "ben", Role.MEMBER),
)
#: After the real date, so nothing the scheduler plans runs by itself during a test.
START = datetime(2035, 3, 5, 9, 0, tzinfo=UTC)


def key(who: str) -> str:
    return f"console:{who}"


@dataclass
class World:
    kernel: Kernel
    port: ThreadPort
    clock: FakeClock
    south: int
    brisbane: int

    @property
    def service(self) -> MentoringService:
        cog = self.kernel.cogs["mentoring"]
        assert isinstance(cog, MentoringCog)
        return cog.service

    async def run(self, who: str, command: str, **arguments: Any) -> Reply:
        invocation = Invocation(
            user=UserRef(platform="console", id=who),
            place=None,
            name=command,
            arguments=arguments,
            space=SPACE,
        )
        return as_console_shows(await self.kernel.registry.invoke(invocation))

    async def press(self, who: str, action: ActionRef) -> Reply:
        invocation = ActionInvocation(
            user=UserRef(platform="console", id=who), place=None, action=action, space=SPACE
        )
        return as_console_shows(await self.kernel.registry.invoke_action(invocation))

    async def deliver(self) -> None:
        await OutboxWorker(self.kernel.outbox, self.kernel.ports).run_once()

    def dms(self, who: str) -> list[Reply]:
        return [
            as_console_shows(r)
            for (_, target, _), r in zip(self.port.sent, self.port.replies, strict=True)
            if target == who
        ]

    async def run_due_jobs(self) -> list[str]:
        """Run the mentoring jobs that are due at the test clock, as the scheduler would."""
        done = []
        cog = self.kernel.cogs["mentoring"]
        assert isinstance(cog, MentoringCog)
        for job in await cog.jobs.planned_jobs(self.clock.now()):
            if job.run_at <= self.clock.now():
                await job.run()
                done.append(job.key)
        return done

    async def table(self, name: str) -> list[dict[str, Any]]:
        return [dict(r) for r in await self.kernel.db.fetch_all(f"SELECT * FROM {name}")]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
async def world(kernel: Kernel, clock: FakeClock) -> World:
    ids = await networks_with_people(
        kernel,
        [("south", "South Coast", "south-coast", None), ("brisbane", "Brisbane", "brisbane", None)],
        PEOPLE,
    )
    async with kernel.db.transaction() as tx:
        await tx.execute(
            """INSERT INTO network_places (place_key, network_id, purpose, space_key)
               VALUES (?, ?, 'reflection', ?)""",
            (CHANNEL.key, ids["south"], SPACE.key),
        )
    port = ThreadPort()
    kernel.ports["console"] = port
    return World(kernel, port, clock, ids["south"], ids["brisbane"])
