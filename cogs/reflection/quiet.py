"""Open co-reflections that go quiet: kept where people find them, warned of, then closed.

A co-reflection nobody closes would stay open for ever (and its thread would never reach its
deletion date). So after a quiet spell of the network's ``idle_days`` (default 14) peerbot
closes it the usual way (takeaway notes offered, the thread archived, locked and deleted on
the usual retention); a day before, it warns in the thread, with a *Keep it open* button.
"Quiet" means nothing happened: no join, post, phase, invitation or hand-over through peerbot,
and nobody typing in the thread (the port says when a person last wrote there).

The jobs are planned from the database (``last_activity_at``, ``idle_warned_at``), each key
naming the quiet spell it is for, and the warning goes through the outbox: a restart neither
sends it twice nor loses it, and after downtime the warning still comes a day before the close.

Discord also archives a thread after a week without a message (the longest it allows), which
would hide an open co-reflection and make joining fail; ``keep_alive`` unarchives open ones.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import to_db
from bot.errors import log_failure
from bot.identity import place_from_key
from bot.mentions import moment
from bot.replies import ActionRef, Button, ButtonStyle, Reply
from bot.scheduler import PlannedJob
from cogs.networks.queries import NetworkReader
from cogs.reflection import repository as repo
from cogs.reflection.models import Reflection
from cogs.reflection.service import (
    KEEP_OPEN_ACTION,
    PEERBOT,
    QUIET_SOURCE,
    ReflectionService,
)

log = logging.getLogger(__name__)

#: The warning comes this long before the close.
WARNING_AHEAD = timedelta(days=1)
#: A warning or a close that came due while peerbot was down still happens, however late
#: (the close then waits a day after the warning).
QUIET_GRACE = timedelta(days=3650)
#: How often open threads are looked at (unarchived, and asked when a person last wrote):
#: well within Discord's week.
KEEP_ALIVE_EVERY = timedelta(hours=6)


class QuietJobs:
    """The scheduler's job source: for each open co-reflection, its warning, or its close."""

    name = QUIET_SOURCE

    def __init__(self, service: ReflectionService) -> None:
        self.service = service
        self.kernel = service.kernel

    async def planned_jobs(self, now: datetime) -> list[PlannedJob]:
        async with self.service.db.reading() as tx:
            found = await repo.open_reflections(tx)
        return [self._job(r, own or self.service.default_idle_days) for r, own in found]

    def _job(self, found: Reflection, idle_days: int) -> PlannedJob:
        stamp = to_db(found.active_at)
        quiet_until = found.active_at + timedelta(days=idle_days)
        if not found.warned:

            async def warn() -> None:
                await self.warn(found.id, stamp)

            return PlannedJob(
                key=f"reflection:{found.id}:quiet-warning:{stamp}",
                run_at=quiet_until - WARNING_AHEAD,
                run=warn,
                grace=QUIET_GRACE,
            )
        assert found.idle_warned_at is not None

        async def close() -> None:
            await self.close(found.id, stamp)

        return PlannedJob(
            key=f"reflection:{found.id}:quiet-close:{stamp}",
            run_at=max(quiet_until, found.idle_warned_at + WARNING_AHEAD),
            run=close,
            grace=QUIET_GRACE,
        )

    async def _still_quiet(self, reflection_id: int, stamp: str) -> tuple[Reflection, int] | None:
        """The reflection and its quiet days if this job's quiet spell is still the current
        one; None if it closed or something happened since (a new job is planned for that)."""
        found = await self.service.get(reflection_id)
        if not found.is_open or found.thread_key is None or to_db(found.active_at) != stamp:
            return None
        if await self._caught_up(found):
            await self.kernel.scheduler.refresh(QUIET_SOURCE)
            return None
        idle_days = (await self.service.settings(found.network_id)).idle_days
        return found, idle_days

    async def _caught_up(self, found: Reflection) -> bool:
        """Ask the platform when a person last wrote in the thread (and keep it active); a
        message after the quiet spell began starts a new one. True if it did."""
        assert found.thread_key is not None
        thread = place_from_key(found.thread_key)
        port = self.kernel.ports.get(thread.platform)
        if port is None:
            raise RuntimeError(f"{thread.platform} is not connected; checked again at start")
        last = await port.keep_thread_active(thread)
        if last is None or last <= found.active_at:
            return False
        async with self.service.db.transaction() as tx:
            await repo.mark_active(tx, found.id, last)
        return True

    async def warn(self, reflection_id: int, stamp: str) -> None:
        quiet = await self._still_quiet(reflection_id, stamp)
        if quiet is None:
            return
        found, idle_days = quiet
        assert found.thread_key is not None
        now = self.service.clock.now()
        closes = max(found.active_at + timedelta(days=idle_days), now + WARNING_AHEAD)
        zone = await NetworkReader(self.service.db).timezone(found.network_id)
        when = moment(closes.astimezone(ZoneInfo(zone or "UTC")))
        text = (
            f"This co-reflection has been quiet for {(now - found.active_at).days} days. "
            f"peerbot will close it on {when} unless someone posts or presses Keep it open. "
            "Closing archives and locks this thread and offers each of you a private takeaway "
            f"note; the thread is then deleted {self.service.kept_days(found)} days later. "
            "The person who started it or the facilitator can close it sooner with /reflect close."
        )
        async with self.service.db.transaction() as tx:
            await repo.mark_warned(tx, found.id, now)
            await self.kernel.outbox.enqueue(
                tx,
                key=f"reflection:{found.id}:quiet-warning:{stamp}",
                target=place_from_key(found.thread_key),
                message=Reply(
                    text=text,
                    buttons=[
                        Button(
                            label="Keep it open",
                            action=ActionRef(action=KEEP_OPEN_ACTION, payload=str(found.id)),
                            style=ButtonStyle.PRIMARY,
                        )
                    ],
                ),
            )
        self.kernel.outbox.notify()
        await self.kernel.scheduler.refresh(QUIET_SOURCE)

    async def close(self, reflection_id: int, stamp: str) -> None:
        quiet = await self._still_quiet(reflection_id, stamp)
        if quiet is None:
            return
        found, idle_days = quiet
        await self.service.close(found, PEERBOT, quiet_days=idle_days)

    async def keep_alive(self) -> int:
        """Unarchive every open co-reflection's thread the platform archived, and note when a
        person last wrote in each. Returns how many threads were looked at."""
        async with self.service.db.reading() as tx:
            found = await repo.open_reflections(tx)
        looked = 0
        moved = False
        for reflection, _ in found:
            try:
                moved = await self._caught_up(reflection) or moved
                looked += 1
            except Exception as error:
                log_failure(log, error, "could not keep co-reflection %s active", reflection.id)
        if moved:
            await self.kernel.scheduler.refresh(QUIET_SOURCE)
        return looked
