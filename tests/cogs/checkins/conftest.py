"""Fixtures for check-ins: the real App with two networks, people, and a port that keeps every
private message (with its buttons), so tests can press what a person would press.

South Coast (Australia/Sydney): coordinator carol, members mia, max, kim, lee and ned.
Perth (Australia/Perth): member pia.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.commands import Role
from bot.identity import MessageRef, UserRef
from bot.kernel import Kernel
from bot.mentions import PLAIN, render_marks
from bot.outbox import OutboxWorker
from bot.registry import ActionInvocation, Invocation
from bot.replies import ActionRef, Reply
from bot.scheduler import PlannedJob
from cogs.checkins.commands import CheckinsCog
from tests.bot.fakes import RecordingPort
from tests.cogs.networks import networks_with_people

PEOPLE = (
    ("south", "carol", Role.COORDINATOR),
    ("south", "mia", Role.MEMBER),
    ("south", "max", Role.MEMBER),
    ("south", "kim", Role.MEMBER),
    ("south", "lee", Role.MEMBER),
    ("south", "ned", Role.MEMBER),
    ("perth", "pia", Role.MEMBER),
)
# The FakeClock starts on Monday 4 January 2027 at 09:00 UTC (20:00 AEDT in Sydney).
SYDNEY = "Australia/Sydney"


def key(who: str) -> str:
    return f"console:{who}"


class KeepingPort(RecordingPort):
    """Records each private message whole, with its buttons."""

    def __init__(self) -> None:
        super().__init__("console")
        self.private: list[tuple[str, str, Reply]] = []  # (key, user id, message)

    async def send_private(
        self, user: UserRef, message: Reply, *, idempotency_key: str
    ) -> MessageRef:
        self.private.append((idempotency_key, user.id, message))
        return await super().send_private(user, message, idempotency_key=idempotency_key)


@dataclass
class World:
    kernel: Kernel
    port: KeepingPort
    clock: FakeClock
    south: int
    perth: int

    @property
    def cog(self) -> CheckinsCog:
        cog = self.kernel.cogs["checkins"]
        assert isinstance(cog, CheckinsCog)
        return cog

    async def run(self, who: str, command: str, /, **arguments: Any) -> Reply:
        invocation = Invocation(
            user=UserRef(platform="console", id=who), place=None, name=command, arguments=arguments
        )
        return await self.kernel.registry.invoke(invocation)

    async def press(
        self, who: str, action: ActionRef, fields: dict[str, str] | None = None
    ) -> Reply:
        invocation = ActionInvocation(
            user=UserRef(platform="console", id=who), place=None, action=action, fields=fields or {}
        )
        return await self.kernel.registry.invoke_action(invocation)

    async def deliver(self) -> int:
        return await OutboxWorker(self.kernel.outbox, self.kernel.ports).run_once()

    def dms(self, who: str) -> list[Reply]:
        """The private messages ``who`` got, as the console shows them (names, not marks),
        leaving out the welcome /checkin start sends to check it can reach them (see
        ``welcomes``)."""
        return [
            render_marks(message, PLAIN)
            for key, target, message in self.port.private
            if target == who and not key.startswith("checkin-welcome:")
        ]

    def welcomes(self, who: str) -> list[str]:
        """The welcome messages /checkin start sent ``who``."""
        return [
            message.text
            for key, target, message in self.port.private
            if target == who and key.startswith("checkin-welcome:")
        ]

    async def jobs(self) -> dict[str, PlannedJob]:
        return {j.key: j for j in await self.cog.jobs.planned_jobs(self.clock.now())}

    async def run_due(self, at: dt.datetime) -> list[str]:
        """Move the clock to ``at`` and run every check-in job due by then, as the scheduler
        would; returns the keys run."""
        self.clock.set(at)
        ran = []
        for job in (await self.jobs()).values():
            if job.run_at <= at and not job.key.startswith("checkin-retention"):
                await self.kernel.scheduler.run_job(job)
                ran.append(job.key)
        await self.deliver()
        return ran


def button(reply: Reply, label: str) -> ActionRef:
    found = [b.action for b in reply.buttons if b.label == label]
    assert found, [b.label for b in reply.buttons]
    return found[0]


@pytest.fixture
async def world(kernel: Kernel, clock: FakeClock) -> World:
    ids = await networks_with_people(
        kernel,
        [
            ("south", "South Coast", "south-coast", SYDNEY),
            ("perth", "Perth", "perth", "Australia/Perth"),
        ],
        PEOPLE,
    )
    port = KeepingPort()
    kernel.ports["console"] = port
    return World(kernel, port, clock, ids["south"], ids["perth"])


async def let_coordinator_know(world: World, who: str, reply: Reply, reach: str = "") -> Reply:
    """Press "Let someone know", then "My coordinator", and send the form (``reach``: the
    optional line on how to reach them); a refusal instead of the form is returned as is."""
    choice = await world.press(who, button(reply, "Let someone know"))
    assert [b.label for b in choice.buttons] == ["My coordinator", "A peer I choose"]
    opened = await world.press(who, button(choice, "My coordinator"))
    if opened.form is None:  # refused before the form: nobody could be told
        assert opened.private and not opened.buttons
        return opened
    assert opened.form.fields[0].name == "reach"
    return await world.press(who, opened.form.action, {"reach": reach})
