"""Fixtures for stories: the real App with the resource library's two networks (South Coast:
coordinator carol, executive eve, members mia and max; Brisbane: coordinator bea, member
ben), and South Coast's stories channel linked."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.clock import FakeClock
from bot.kernel import Kernel
from bot.replies import Button, Reply
from cogs.stories.commands import StoriesCog
from tests.bot.fakes import RecordingPort
from tests.cogs.networks import as_console_shows, networks_with_people
from tests.cogs.resources.conftest import GENERAL, PEOPLE, World

STORIES = "south-stories"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(dt.datetime(2035, 3, 5, 1, 0, tzinfo=dt.UTC))


class Desk(World):
    @property
    def cog(self) -> StoriesCog:
        cog = self.kernel.cogs["stories"]
        assert isinstance(cog, StoriesCog)
        return cog

    def kernel_text(self, reply: Reply) -> str:
        """The reply's text as the console shows it (places as #name)."""
        return as_console_shows(reply).text

    def channel(self, place_id: str = STORIES) -> list[str]:
        return [text for _, target, text in self.port.sent if target == place_id]

    def last_to(self, who: str) -> Reply:
        """The newest message delivered to ``who`` privately (buttons and all)."""
        pairs = zip(self.port.sent, self.port.replies, strict=True)
        found = [r for (_, target, _), r in pairs if target == who]
        assert found, f"nothing was sent to {who}"
        return found[-1]

    def ids_to(self, target: str) -> list[str]:
        """The message ids (as the recording port numbers them) delivered to ``target``."""
        return [str(n) for n, (_, t, _) in enumerate(self.port.sent, start=1) if t == target]

    async def click(self, who: str, reply: Reply, label: str, **fields: str) -> Reply:
        [button] = [b for b in reply.buttons if b.label == label]
        return await self.press_button(who, button, fields)

    async def press_button(self, who: str, button: Button, fields: dict[str, str]) -> Reply:
        return await self.press(who, button.action, fields)

    async def fill(self, who: str, reply: Reply, **fields: str) -> Reply:
        """Send the form ``reply`` opened, with ``fields``."""
        assert reply.form is not None, reply.text
        return await self.press(who, reply.form.action, fields)


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
        channel=STORIES,
        purpose="stories",
    )
    assert linked.text == "Linked that channel as South Coast's stories channel.", linked.text
    return found
