"""Fixtures for the reflection cog: the real App with two networks and people, a reflection
channel linked for South Coast in the console space, and a port that records thread calls.

South Coast: coordinator carol, members mia, max, kim and lee. Brisbane: member ben.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.commands import Role
from bot.identity import MessageRef, PlaceRef, UserRef
from bot.kernel import Kernel
from bot.outbox import OutboxWorker
from bot.registry import ActionInvocation, Invocation
from bot.replies import ActionRef, Reply
from cogs.reflection.commands import ReflectionCog
from cogs.reflection.service import ReflectionService
from tests.bot.fakes import RecordingPort
from tests.cogs.networks import networks_with_people

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


def key(who: str) -> str:
    return f"console:{who}"


class ThreadPort(RecordingPort):
    """Records thread calls: (call, thread id, detail)."""

    def __init__(self) -> None:
        super().__init__("console")
        self.calls: list[tuple[str, str, str]] = []
        self.threads = 0

    async def open_private_thread(self, parent: PlaceRef, name: str) -> PlaceRef:
        self.threads += 1
        thread = PlaceRef(platform=self.platform, id=f"thread-{self.threads}", name=name)
        self.calls.append(("open", thread.id, parent.id))
        return thread

    async def add_to_thread(self, thread: PlaceRef, user: UserRef) -> None:
        self.calls.append(("add", thread.id, user.id))

    async def archive_thread(
        self, thread: PlaceRef, *, lock: bool = True, reason: str = ""
    ) -> None:
        self.calls.append(("archive", thread.id, "locked" if lock else "open"))

    async def delete_thread(self, thread: PlaceRef) -> None:
        self.calls.append(("delete", thread.id, ""))

    async def post(self, place: PlaceRef, message: Reply, *, idempotency_key: str) -> MessageRef:
        self.calls.append(("post", place.id, message.text))
        return await super().post(place, message, idempotency_key=idempotency_key)

    def added(self, thread_id: str) -> list[str]:
        return [who for call, t, who in self.calls if call == "add" and t == thread_id]


@dataclass
class World:
    kernel: Kernel
    port: ThreadPort
    clock: FakeClock
    south: int
    brisbane: int
    replies: list[Reply] = field(default_factory=list)

    @property
    def service(self) -> ReflectionService:
        cog = self.kernel.cogs["reflection"]
        assert isinstance(cog, ReflectionCog)
        return cog.service

    async def run(
        self, who: str, command: str, place: PlaceRef | None = None, **arguments: Any
    ) -> Reply:
        invocation = Invocation(
            user=UserRef(platform="console", id=who),
            place=place,
            name=command,
            arguments=arguments,
            space=SPACE,
        )
        return await self.kernel.registry.invoke(invocation)

    async def press(
        self, who: str, action: ActionRef, fields: dict[str, str] | None = None
    ) -> Reply:
        invocation = ActionInvocation(
            user=UserRef(platform="console", id=who),
            place=None,
            action=action,
            fields=fields or {},
            space=SPACE,
        )
        return await self.kernel.registry.invoke_action(invocation)

    async def close(self, who: str, place: PlaceRef | None = None, **arguments: Any) -> Reply:
        """/reflect close, then its confirmation button: what the person sees at the end."""
        asked = await self.run(who, "reflect close", place=place, **arguments)
        if not asked.buttons:
            return asked  # refused
        assert [b.label for b in asked.buttons] == ["Close it", "Keep it open"], asked
        return await self.press(who, asked.buttons[0].action)

    async def deliver(self) -> None:
        await OutboxWorker(self.kernel.outbox, self.kernel.ports).run_once()

    def dms(self, who: str) -> list[str]:
        return [text for _, target, text in self.port.sent if target == who]

    async def outbox_messages(self, key_part: str) -> list[str]:
        rows = await self.kernel.db.fetch_all(
            "SELECT message_json FROM outbox WHERE key LIKE ? ORDER BY id", (f"%{key_part}%",)
        )
        return [Reply.model_validate_json(str(r["message_json"])).text for r in rows]


#: The test clock starts here. The scheduler hands APScheduler the planned run times (quiet
#: spells, deletions) as real dates, so they must lie well after the real date: an earlier one
#: would run by itself in the middle of a test.
START = datetime(2035, 3, 5, 9, 0, tzinfo=UTC)


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
