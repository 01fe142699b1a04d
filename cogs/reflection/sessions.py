"""A co-reflection's optional live session: a time the group meets in the thread (or on a call
they arrange), with a private reminder to everyone who joined, an hour before.

The time is kept on the reflection (``session_at``); the reminder is a job planned from the
database whose key names the session's time, and each reminder goes through the outbox with a
key naming the session and the person, so a restart neither repeats nor loses one. A change of
time plans a new reminder (the old key no longer matches); someone who joins before the
reminder gets it too, since the job reads who joined when it runs.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import to_db
from bot.errors import UserError
from bot.identity import place_from_key, user_from_key
from bot.mentions import moment
from bot.replies import Reply
from bot.scheduler import PlannedJob
from cogs.meetings.schedule import parse_date, parse_time
from cogs.networks.queries import NetworkReader
from cogs.reflection import repository as repo
from cogs.reflection.models import Reflection
from cogs.reflection.service import ReflectionService, display

SESSION_SOURCE = "reflection-sessions"
#: The reminder comes this long before the session; sent late only while still before it.
REMINDER_AHEAD = timedelta(hours=1)
#: A session further away than this is surely a typing mistake.
SESSION_MAX_AHEAD = timedelta(days=366)
#: Words that take the planned session away.
CLEAR_WORDS = frozenset({"none", "cancel", "clear", "no", "remove"})
WHEN_FORMS = '"2035-06-10 18:30", "10/06/2035 6:30pm" or "10 June 2035 6pm"'


def parse_when(text: str, zone: ZoneInfo) -> datetime:
    """A date and a time in the network's zone ("2035-06-10 18:30", "10 June 2035 6pm"):
    the time is the last word or two, the date the rest."""
    words = re.split(r"\s+", str(text).strip())
    for time_words in (1, 2):
        if len(words) <= time_words:
            continue
        date_text, time_text = " ".join(words[:-time_words]), " ".join(words[-time_words:])
        try:
            day, at = parse_date(date_text), parse_time(time_text)
        except UserError:
            continue
        return datetime.combine(day, at, tzinfo=zone)
    raise UserError(
        f"I could not read '{str(text)[:60]}' as a date and a time. Write it like {WHEN_FORMS}, "
        "in the network's time zone, or when:none to take the session away. Nothing was changed."
    )


async def network_zone(service: ReflectionService, network_id: int) -> ZoneInfo:
    return ZoneInfo(await NetworkReader(service.db).timezone(network_id) or "UTC")


async def schedule(
    service: ReflectionService, found: Reflection, user_key: str, when_text: str
) -> Reflection:
    """Plan (or, with when:none, take away) the live session: the starter or the facilitator,
    while it is open. The group is told in the thread."""
    if user_key not in (found.starter_key, await service.facilitator(found)):
        raise UserError(
            "Only the person who started this co-reflection or its facilitator can plan its "
            "live session. Nothing was changed."
        )
    if not found.is_open or found.thread_key is None:
        raise UserError("This co-reflection is closed. Nothing was changed.")
    zone = await network_zone(service, found.network_id)
    now = service.clock.now()
    clearing = when_text.strip().lower() in CLEAR_WORDS
    when = None if clearing else parse_when(when_text, zone)
    if clearing and found.session_at is None:
        raise UserError("No live session is planned, so there is nothing to take away.")
    if when is not None and when <= now:
        raise UserError(
            f"{moment(when)} has already passed. Give a time still to come. Nothing was changed."
        )
    if when is not None and when - now > SESSION_MAX_AHEAD:
        raise UserError("Plan the live session within a year from now. Nothing was changed.")
    text = (
        f"{display(user_key)} planned a live session for {moment(when)}. peerbot reminds "
        "everyone who joined an hour before, privately."
        if when is not None
        else f"{display(user_key)} took away the planned live session."
    )
    async with service.db.transaction() as tx:
        if not await repo.set_session(tx, found.id, when):
            raise UserError("This co-reflection is closed. Nothing was changed.")
        await repo.mark_active(tx, found.id, now)
        await service.kernel.outbox.enqueue(
            tx,
            key=f"reflection:{found.id}:session-set:{to_db(now)}",
            target=place_from_key(found.thread_key),
            message=Reply(text=text),
        )
        await service.kernel.audit.record(
            tx,
            actor_key=user_key,
            action="reflection.session",
            network_id=found.network_id,
            target=str(found.id),
            detail="cleared" if when is None else "planned",
        )
    await service.kernel.scheduler.refresh(SESSION_SOURCE)
    await service._touched()
    return await service.get(found.id)


def reminder(found: Reflection, when: str) -> Reply:
    return Reply(
        text=f"Reminder: the live session of co-reflection number {found.id} is at {when}, "
        "in its thread. If you cannot come, nothing is needed; you can still read and post "
        f"there later.\nThe thread: {found.thread_link}",
        private=True,
    )


class SessionJobs:
    """The scheduler's job source: a reminder before each planned live session."""

    name = SESSION_SOURCE

    def __init__(self, service: ReflectionService) -> None:
        self.service = service

    async def planned_jobs(self, now: datetime) -> list[PlannedJob]:
        async with self.service.db.reading() as tx:
            found = await repo.planned_sessions(tx)
        return [self._job(r) for r in found if r.session_at is not None and r.session_at > now]

    def _job(self, found: Reflection) -> PlannedJob:
        assert found.session_at is not None
        stamp = to_db(found.session_at)

        async def run() -> None:
            await self.remind(found.id, stamp)

        return PlannedJob(
            key=f"reflection:{found.id}:session:{stamp}:reminder",
            run_at=found.session_at - REMINDER_AHEAD,
            run=run,
            grace=REMINDER_AHEAD,
        )

    async def remind(self, reflection_id: int, stamp: str) -> int:
        """Queue a reminder for each person who joined, if this session is still the one
        planned; returns how many were queued now."""
        found = await self.service.get(reflection_id)
        if (
            found.session_at is None
            or to_db(found.session_at) != stamp
            or not found.is_open
            or found.thread_key is None
        ):
            return 0
        zone = await network_zone(self.service, found.network_id)
        message = reminder(found, moment(found.session_at.astimezone(zone)))
        queued = 0
        joined = sorted(await self.service.joined(found.id))
        async with self.service.db.transaction() as tx:
            for person in joined:
                queued += await self.service.kernel.outbox.enqueue(
                    tx,
                    key=f"reflection:{found.id}:session:{stamp}:{person}",
                    target=user_from_key(person),
                    message=message,
                    not_after=found.session_at,
                )
        self.service.kernel.outbox.notify()
        return queued
