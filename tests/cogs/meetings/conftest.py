"""Fixtures for the meetings cog: the service on a migrated SQLite file (layer 1), and the real
App with networks and people (layer 2).

Both have the same two networks: South Coast (Australia/Sydney, with daylight saving) and
Brisbane (Australia/Brisbane, none); coordinator carol, executive eve, members mia and max in
South Coast; coordinator bea and member ben in Brisbane. The clock starts on Monday
4 January 2027, 09:00 UTC (20:00 AEDT).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.audit import AuditLog
from bot.clock import FakeClock, to_db
from bot.commands import Role
from bot.kernel import Kernel
from bot.outbox import Outbox
from bot.storage import Database
from cogs.meetings.commands import MeetingsCog
from cogs.meetings.service import MeetingService
from tests.cogs.networks import networks_with_people

SOUTH = 1
BRISBANE = 2
PEOPLE = (
    (SOUTH, "carol", Role.COORDINATOR),
    (SOUTH, "eve", Role.EXECUTIVE),
    (SOUTH, "mia", Role.MEMBER),
    (SOUTH, "max", Role.MEMBER),
    (BRISBANE, "bea", Role.COORDINATOR),
    (BRISBANE, "ben", Role.MEMBER),
)


def key(who: str) -> str:
    return f"console:{who}"


@pytest.fixture
async def service(db: Database, clock: FakeClock) -> MeetingService:
    async with db.transaction() as tx:
        for slug, name, timezone in (
            ("south-coast", "South Coast", "Australia/Sydney"),
            ("brisbane", "Brisbane", "Australia/Brisbane"),
        ):
            await tx.execute(
                "INSERT INTO networks (slug, name, timezone, created_at) VALUES (?, ?, ?, ?)",
                (slug, name, timezone, to_db(clock.now())),
            )
        for network_id, who, role in PEOPLE:
            await tx.execute(
                "INSERT INTO memberships (network_id, user_key, role, joined_at) VALUES (?,?,?,?)",
                (network_id, key(who), role.label, to_db(clock.now())),
            )
    return MeetingService(db, clock, AuditLog(db, clock), Outbox(db, clock))


@dataclass
class World:
    kernel: Kernel
    south: int
    brisbane: int

    @property
    def service(self) -> MeetingService:
        cog = self.kernel.cogs["meetings"]
        assert isinstance(cog, MeetingsCog)
        return cog.service


@pytest.fixture
async def world(kernel: Kernel) -> World:
    ids = await networks_with_people(
        kernel,
        [
            (SOUTH, "South Coast", "south-coast", "Australia/Sydney"),
            (BRISBANE, "Brisbane", "brisbane", "Australia/Brisbane"),
        ],
        PEOPLE,
    )
    return World(kernel, ids[SOUTH], ids[BRISBANE])
