"""Fixtures for the moderation cog: a port that records what it was asked to do, the service on
a migrated SQLite file (layer 1), and the real App with networks and roles (layer 2)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.audit import AuditLog
from bot.clock import FakeClock, to_db
from bot.commands import Role
from bot.identity import MessageRef, PlaceRef
from bot.kernel import Kernel
from bot.outbox import Outbox
from bot.storage import Database
from cogs.moderation.service import ModerationService
from tests.bot.fakes import RecordingPort
from tests.cogs.networks import networks_with_people

SOUTH_LINK = "https://discord.com/channels/111/222/333"


class ModPort(RecordingPort):
    """Records lock, slowmode, archive and pin calls; only ids starting 'thread' are threads."""

    def __init__(self, platform: str = "console") -> None:
        super().__init__(platform)
        self.calls: list[tuple[str, str, object]] = []
        self.kept_posting: tuple[str, ...] = ()
        #: The reason given with each call, in order (what Discord's audit log would show).
        self.reasons: list[str] = []

    async def lock_channel(
        self,
        place: PlaceRef,
        *,
        locked: bool,
        keep_posting: tuple[str, ...] = (),
        reason: str = "",
    ) -> None:
        self.calls.append(("lock", place.id, locked))
        self.reasons.append(reason)
        self.kept_posting = keep_posting

    async def set_slowmode(self, place: PlaceRef, seconds: int, *, reason: str = "") -> None:
        self.calls.append(("slowmode", place.id, seconds))
        self.reasons.append(reason)

    async def archive_thread(
        self, thread: PlaceRef, *, lock: bool = True, reason: str = ""
    ) -> None:
        assert thread.id.startswith("thread"), "not a thread"
        self.calls.append(("archive", thread.id, lock))
        self.reasons.append(reason)

    async def pin_message(self, message: MessageRef, *, pinned: bool, reason: str = "") -> None:
        self.calls.append(("pin", f"{message.place.id}/{message.id}", pinned))
        self.reasons.append(reason)


@pytest.fixture
def port() -> ModPort:
    return ModPort()


@pytest.fixture
async def service(db: Database, clock: FakeClock) -> ModerationService:
    """The service alone, with two networks: 1 south-coast (coordinators carol and cody, member
    mia) and 2 hunter (coordinator hana, member hugo)."""
    async with db.transaction() as tx:
        for slug, name in (("south-coast", "South Coast"), ("hunter", "Hunter")):
            await tx.execute(
                """INSERT INTO networks (slug, name, timezone, created_at)
                   VALUES (?, ?, 'Australia/Sydney', ?)""",
                (slug, name, to_db(clock.now())),
            )
        for network_id, who, role in (
            (1, "carol", "coordinator"),
            (1, "cody", "coordinator"),
            (1, "mia", "member"),
            (1, "eve", "executive"),
            (2, "hana", "coordinator"),
            (2, "hugo", "member"),
        ):
            await tx.execute(
                "INSERT INTO memberships (network_id, user_key, role, joined_at) VALUES (?,?,?,?)",
                (network_id, f"console:{who}", role, to_db(clock.now())),
            )
    return ModerationService(db, clock, AuditLog(db, clock), Outbox(db, clock))


@dataclass
class World:
    kernel: Kernel
    port: ModPort
    south: int
    hunter: int


#: The places each network set up on the console (place id, purpose); moderation acts only there.
SOUTH_PLACES = (
    ("category-south", "category"),
    ("south-announcements", "announcements"),
    ("general", "general"),
    ("chat", "reflection"),
)
HUNTER_PLACES = (("hunter-general", "general"),)


@pytest.fixture
async def world(kernel: Kernel, port: ModPort) -> World:
    """A started App with the recording port and the same two networks and people; South
    Coast owns #general, #chat, #south-announcements and its category (thread-7 sits in
    #general, #side in the category), Hunter owns #hunter-general."""
    kernel.ports["console"] = port
    ids = await networks_with_people(
        kernel,
        [("south", "South Coast", "south-coast", None), ("hunter", "Hunter", "hunter", None)],
        [
            ("south", "carol", Role.COORDINATOR),
            ("south", "cody", Role.COORDINATOR),
            ("south", "mia", Role.MEMBER),
            ("south", "eve", Role.EXECUTIVE),
            ("hunter", "hana", Role.COORDINATOR),
            ("hunter", "hugo", Role.MEMBER),
        ],
    )
    async with kernel.db.transaction() as tx:
        for network, places in (("south", SOUTH_PLACES), ("hunter", HUNTER_PLACES)):
            for place_id, purpose in places:
                await tx.execute(
                    """INSERT INTO network_places (place_key, network_id, purpose, space_key)
                       VALUES (?, ?, ?, 'console:local')""",
                    (f"console:{place_id}", ids[network], purpose),
                )
    port.parents["thread-7"] = [PlaceRef(platform="console", id="general")]
    port.parents["side"] = [PlaceRef(platform="console", id="category-south")]
    port.parents["thread-9"] = [PlaceRef(platform="console", id="hunter-general")]
    return World(kernel, port, ids["south"], ids["hunter"])
