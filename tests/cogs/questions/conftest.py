"""Fixtures for questions to the coordinators: the real App with the resource library's two
networks (South Coast: coordinator carol, executive eve, members mia and max; Brisbane:
coordinator bea, member ben), and South Coast's general channel linked."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.clock import FakeClock
from bot.kernel import Kernel
from bot.replies import Reply
from tests.bot.fakes import RecordingPort
from tests.cogs.networks import networks_with_people
from tests.cogs.resources.conftest import GENERAL, PEOPLE, World

SOUTH_GENERAL = "south-general"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(dt.datetime(2035, 3, 5, 1, 0, tzinfo=dt.UTC))


class Desk(World):
    def channel(self, place_id: str = SOUTH_GENERAL) -> list[str]:
        return [text for _, target, text in self.port.sent if target == place_id]

    def last_to(self, who: str) -> Reply:
        """The newest message delivered to ``who`` privately (buttons and all)."""
        pairs = zip(self.port.sent, self.port.replies, strict=True)
        found = [r for (_, target, _), r in pairs if target == who]
        assert found, f"nothing was sent to {who}"
        return found[-1]

    async def click(self, who: str, reply: Reply, label: str, **fields: str) -> Reply:
        [button] = [b for b in reply.buttons if b.label == label]
        return await self.press(who, button.action, fields)

    async def fill(self, who: str, reply: Reply, **fields: str) -> Reply:
        """Send the form ``reply`` opened, with ``fields``."""
        assert reply.form is not None, reply.text
        return await self.press(who, reply.form.action, fields)

    async def count(self, sql: str) -> int:
        row = await self.kernel.db.fetch_one(sql)
        return int(row[0]) if row else 0


@pytest.fixture
async def desk(kernel: Kernel, clock: FakeClock) -> Desk:
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
    found = Desk(kernel, port, clock, ids["south"], ids["brisbane"])
    linked = await found.run(
        "carol",
        "manage network link",
        place=GENERAL,
        network="south-coast",
        channel=SOUTH_GENERAL,
        purpose="general",
    )
    assert linked.text.startswith("Linked that channel"), linked.text
    return found
