"""Fixtures for the noticeboard: the real App with the resource library's two networks
(South Coast in Sydney's time zone, Brisbane's in Brisbane's), a clock in March 2035, and
South Coast's notices channel linked."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FakeClock
from bot.kernel import Kernel
from cogs.noticeboard.commands import NoticeboardCog
from tests.bot.fakes import RecordingPort
from tests.cogs.networks import networks_with_people
from tests.cogs.resources.conftest import GENERAL, PEOPLE, World

SYDNEY = ZoneInfo("Australia/Sydney")
#: A Monday; 9am there is the digest's time.
MONDAY = dt.date(2035, 3, 5)
NOTICES = "south-notices"


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """An instant given as a time in Sydney."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SYDNEY).astimezone(dt.UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(at(MONDAY - dt.timedelta(days=2), 10))  # the Saturday before


class Board(World):
    @property
    def cog(self) -> NoticeboardCog:
        cog = self.kernel.cogs["noticeboard"]
        assert isinstance(cog, NoticeboardCog)
        return cog

    async def sweep(self) -> None:
        await self.cog.sweep()
        await self.deliver()

    def channel(self, place_id: str = NOTICES) -> list[str]:
        return [text for _, target, text in self.port.sent if target == place_id]


@pytest.fixture
async def board(kernel: Kernel, clock: FakeClock) -> Board:
    ids = await networks_with_people(
        kernel,
        [
            ("south", "South Coast", "south-coast", "Australia/Sydney"),
            ("brisbane", "Brisbane", "brisbane", "Australia/Brisbane"),
        ],
        PEOPLE,
    )
    port = RecordingPort("console")
    kernel.ports["console"] = port
    found = Board(kernel, port, clock, ids["south"], ids["brisbane"])
    linked = await found.run(
        "carol",
        "manage network link",
        place=GENERAL,
        network="south-coast",
        channel=NOTICES,
        purpose="notices",
    )
    assert linked.text == "Linked that channel as South Coast's notices channel.", linked.text
    return found
