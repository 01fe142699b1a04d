"""The kernel object cogs receive: the shared services, and nothing feature-specific."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.audit import AuditLog
from bot.clock import Clock
from bot.confirmations import Confirmations
from bot.events import Events
from bot.observe import Observers
from bot.outbox import Outbox
from bot.people import People
from bot.permissions import AdminsOnlyDirectory, Directory
from bot.platform_state import PlatformState
from bot.ports import OutboundPort
from bot.privacy import PrivacyHooks
from bot.registry import Registry
from bot.scheduler import Scheduler
from bot.storage import Database

if TYPE_CHECKING:
    from bot.cog import Cog
    from config.settings import Settings


@dataclass
class Kernel:
    settings: Settings
    db: Database
    clock: Clock
    registry: Registry
    outbox: Outbox
    scheduler: Scheduler
    privacy: PrivacyHooks
    confirmations: Confirmations
    platform_state: PlatformState
    audit: AuditLog
    events: Events
    people: People
    cogs: dict[str, Cog] = field(default_factory=dict)
    #: The running adapters' outbound ports, by platform name, for cogs that act directly.
    ports: dict[str, OutboundPort] = field(default_factory=dict)
    #: Told about commands, outbox rows and scheduled jobs (what /metrics counts).
    observers: Observers = field(default_factory=Observers)

    @classmethod
    def build(cls, settings: Settings, db: Database, clock: Clock) -> Kernel:
        directory = AdminsOnlyDirectory(frozenset(settings.admins))
        people = People(db, clock)
        observers = Observers()
        return cls(
            settings=settings,
            db=db,
            clock=clock,
            registry=Registry(directory, clock, people, observers),
            outbox=Outbox(db, clock, observers),
            scheduler=Scheduler(db, clock, observers),
            privacy=PrivacyHooks(),
            confirmations=Confirmations(
                db, clock, timedelta(minutes=settings.retention.confirmation_minutes)
            ),
            platform_state=PlatformState(db, clock),
            audit=AuditLog(db, clock),
            events=Events(),
            people=people,
            observers=observers,
        )

    def set_directory(self, directory: Directory) -> None:
        """Install the networks cog's directory as the source of roles."""
        self.registry.directory = directory
