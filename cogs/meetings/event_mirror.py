"""Announced meetings mirrored as native calendar events (Discord's Scheduled Events).

The database says which events should exist; ``sync`` brings the platform in line. Each
meeting and space has a record in ``platform_state`` under ``meeting-event:SERIES:DATE:SPACE``
(JSON): the event's id once made, whether it should exist, whether the platform still needs a
call (``dirty``), and when a create began whose result was never recorded (``attempt``).

- The notice job marks its meeting wanted in the same transaction that queues the notice, so a
  crash or a server Discord has not sent yet never loses the event: it is made as soon as the
  platform can take it.
- A create records, committed, that it began; after a crash or a timeout the next try first
  looks for an event the bot made with that name and start, and takes it instead of making a
  second one.
- A platform not connected yet, or a server Discord has not sent yet (at start, or in an
  outage), leaves the record dirty: ``sync`` runs again when the server becomes available,
  after every change to the series, and every few minutes.
- Once the meeting has started nothing more is asked of the platform: Discord refuses an event
  that starts in the past, and starts and ends an external event by itself.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import from_db, to_db
from bot.errors import log_failure
from bot.identity import PlaceRef, place_from_key
from bot.kernel import Kernel
from bot.ports import DeliveryError, EventSpec, OutboundPort
from bot.storage import Transaction
from cogs.meetings import repository as repo
from cogs.meetings import trouble
from cogs.meetings.models import Meeting
from cogs.meetings.render import meeting_title, plan_fields
from cogs.meetings.service import MeetingService

log = logging.getLogger(__name__)

PREFIX = "meeting-event:"
#: How often the records still waiting for the platform are tried again.
SWEEP_EVERY = timedelta(minutes=10)


@dataclass
class Mirrored:
    """One meeting's event in one space, as the database knows it."""

    series_id: int
    occurrence_key: str
    space_key: str
    event_id: str | None = None
    wanted: bool = True
    dirty: bool = True
    #: When a create began that never recorded its result, and what it asked for.
    attempt: datetime | None = None
    asked_name: str = ""
    asked_start: datetime | None = None
    error: str = ""

    @property
    def state_key(self) -> str:
        return f"{PREFIX}{self.series_id}:{self.occurrence_key}:{self.space_key}"

    def to_json(self) -> str:
        return json.dumps(
            {
                "id": self.event_id,
                "wanted": self.wanted,
                "dirty": self.dirty,
                "attempt": to_db(self.attempt) if self.attempt else None,
                "asked_name": self.asked_name,
                "asked_start": to_db(self.asked_start) if self.asked_start else None,
                "error": self.error,
            }
        )

    @classmethod
    def parse(cls, key: str, value: str) -> Mirrored | None:
        """A stored record; older versions stored the bare event id ("" once deleted)."""
        try:
            series, occurrence_key, space_key = key.removeprefix(PREFIX).split(":", 2)
            record = cls(int(series), occurrence_key, space_key)
        except ValueError:
            return None
        if not value.startswith("{"):
            record.event_id = value or None
            record.wanted = bool(value)
            record.dirty = False
            return record
        data = json.loads(value)
        record.event_id = data.get("id") or None
        record.wanted = bool(data.get("wanted"))
        record.dirty = bool(data.get("dirty"))
        record.attempt = from_db(data["attempt"]) if data.get("attempt") else None
        record.asked_name = str(data.get("asked_name") or "")
        record.asked_start = from_db(data["asked_start"]) if data.get("asked_start") else None
        record.error = str(data.get("error") or "")
        return record


def _like(series_id: int | None) -> str:
    return f"{PREFIX}{series_id}:%" if series_id is not None else f"{PREFIX}%"


async def _records(tx: Transaction, series_id: int | None = None) -> list[Mirrored]:
    rows = await tx.fetch_all(
        "SELECT key, value FROM platform_state WHERE key LIKE ? ORDER BY key",
        (_like(series_id),),
    )
    found = [Mirrored.parse(str(r["key"]), str(r["value"])) for r in rows]
    return [record for record in found if record is not None]


async def _save(tx: Transaction, record: Mirrored, now: datetime) -> None:
    await tx.execute(
        """INSERT INTO platform_state (key, value, updated_at) VALUES (?, ?, ?)
           ON CONFLICT (key) DO UPDATE SET value = excluded.value,
                                           updated_at = excluded.updated_at""",
        (record.state_key, record.to_json(), to_db(now)),
    )


class EventMirror:
    """Keeps each announced meeting's native event in step with the meeting."""

    def __init__(self, kernel: Kernel, service: MeetingService) -> None:
        self.kernel = kernel
        self.service = service
        #: One sync at a time: two at once could both create the same event.
        self._lock = asyncio.Lock()

    # ---- what should exist (in the caller's transaction) -------------------------------------

    async def want(
        self, tx: Transaction, series_id: int, occurrence_key: str, space_keys: list[str]
    ) -> None:
        """The meeting is announced: its event should exist in each space. Written with the
        notice, so it is never lost; ``sync`` makes it."""
        series = await repo.series_by_id(tx, series_id)
        if series is None or not (await repo.settings_of(tx, series.network_id)).native_events:
            return  # the network chose no native events (Discord shows them to everyone)
        existing = {
            r.space_key: r
            for r in await _records(tx, series_id)
            if r.occurrence_key == occurrence_key
        }
        now = self.kernel.clock.now()
        for space_key in dict.fromkeys(k for k in space_keys if k):
            record = existing.get(space_key)
            if record is None:
                record = Mirrored(series_id, occurrence_key, space_key)
            elif record.wanted and not record.dirty:
                continue  # made already (a repeated notice job)
            record.wanted = record.dirty = True
            await _save(tx, record, now)

    async def changed(self, series_id: int) -> None:
        """A series or one of its meetings changed: each of its events needs updating, or
        deleting if its meeting is off (skipped, cancelled, moved out of the series)."""
        async with self.kernel.db.transaction() as tx:
            now = self.kernel.clock.now()
            for record in await _records(tx, series_id):
                if record.wanted or record.event_id or record.attempt:
                    record.dirty = True
                    await _save(tx, record, now)
        await self.sync(series_id=series_id)

    # ---- bringing the platform in line --------------------------------------------------------

    async def sync(self, *, series_id: int | None = None, space_key: str | None = None) -> int:
        """Do the platform calls the records still wait for; returns how many are done. A
        platform that cannot take them yet is left for the next sync."""
        async with self._lock:
            async with self.kernel.db.reading() as tx:
                records = [
                    r
                    for r in await _records(tx, series_id)
                    if r.dirty and (space_key is None or r.space_key == space_key)
                ]
            waiting: set[str] = set()  # spaces that answered "not yet" in this pass
            done = 0
            for record in records:
                if record.space_key in waiting:
                    continue
                if await self._sync_one(record):
                    done += 1
                elif record.dirty:
                    waiting.add(record.space_key)
            return done

    async def sweep(self) -> None:
        """The periodic retry of whatever is still waiting."""
        await self.sync()

    async def _sync_one(self, record: Mirrored) -> bool:
        space = place_from_key(record.space_key)
        port = self.kernel.ports.get(space.platform)
        if port is None:
            return False  # that platform is not running now: it stays waiting
        meeting = await self.service.meeting(record.series_id, record.occurrence_key)
        if meeting is not None and not meeting.series.active:
            meeting = None
        if (
            meeting is not None
            and not (await self.service.settings(meeting.series.network_id)).native_events
        ):
            meeting = None  # "no Discord event": one made earlier is deleted
        try:
            if record.wanted and meeting is not None:
                await self._make_or_update(port, space, record, meeting)
            else:
                await self._remove(port, space, record)
        except DeliveryError as error:
            record.error = str(error)[:300]
            if error.retryable:  # a timeout may have made it: the attempt stays, to look first
                log.info("meeting event %s waits: %s", record.state_key, error)
            else:  # refused: nothing was made, and asking again changes nothing until a change
                record.dirty = False
                record.attempt = None
                log.warning("meeting event %s not mirrored: %s", record.state_key, error)
                await self._store(record, refused=str(error))
                return False
            await self._store(record)
            return False
        except Exception as error:
            log_failure(log, error, "could not mirror meeting event %s", record.state_key)
            record.error = type(error).__name__
            await self._store(record)
            return False
        return True

    async def _make_or_update(
        self, port: OutboundPort, space: PlaceRef, record: Mirrored, meeting: Meeting
    ) -> None:
        now = self.kernel.clock.now()
        if meeting.occurrence.start <= now:
            # Discord refuses an event in the past, and runs a started one by itself.
            if record.event_id is None:
                log.info("meeting event %s not made: the meeting has started", record.state_key)
            record.dirty = False
            record.error = "the meeting started before the event could be made"
            await self._store(record)
            return
        spec = _spec(meeting, space)
        if record.event_id is None and record.attempt is not None:
            found = await port.find_event(
                space, spec.name, spec.start, taken=await self._taken(record)
            )
            if found is not None:
                log.info("meeting event %s had been made already; kept", record.state_key)
                await self._made(record, found)
                return
        if record.event_id is None:
            record.attempt, record.asked_name, record.asked_start = now, spec.name, spec.start
            await self._store(record)  # committed before asking: a crash then looks first
            created = await port.create_event(spec)
            await self._made(record, created)
            if created is not None:
                log.info("meeting event %s made", record.state_key)
            return
        await port.update_event(space, record.event_id, spec)
        record.dirty, record.error = False, ""
        await self._store(record)

    async def _made(self, record: Mirrored, event_id: str | None) -> None:
        record.event_id = event_id
        record.attempt, record.asked_name, record.asked_start = None, "", None
        record.dirty, record.error = False, ""
        await self._store(record)

    async def _remove(self, port: OutboundPort, space: PlaceRef, record: Mirrored) -> None:
        record.wanted = False
        if record.event_id is None and record.attempt is not None and record.asked_start:
            record.event_id = await port.find_event(
                space, record.asked_name, record.asked_start, taken=await self._taken(record)
            )
        if record.event_id is not None:
            await port.delete_event(space, record.event_id)
            log.info("meeting event %s deleted", record.state_key)
        await self._made(record, None)

    # ---- Interested on the event -------------------------------------------------------------

    async def owner(self, space_key: str, event_id: str) -> Mirrored | None:
        """The meeting whose event this is, if peerbot made it."""
        async with self.kernel.db.reading() as tx:
            for record in await _records(tx):
                if record.space_key == space_key and record.event_id == event_id:
                    return record
        return None

    async def interest(self, space: PlaceRef, event_id: str, user_key: str, on: bool) -> None:
        """Someone pressed (or took back) Interested on one of the meetings' events."""
        record = await self.owner(space.key, event_id)
        if record is None or not record.wanted:
            return
        person = self.kernel.people.person_of(user_key)
        await self.service.interest(record.series_id, record.occurrence_key, person, on)

    async def reconcile_interest(self, space_key: str) -> int:
        """Who is Interested now, listed by the platform, for each event in the space whose
        meeting has not started: presses and take-backs made while peerbot was down (the
        gateway sends them only to a connected bot) are counted. Returns how many changed."""
        port = self.kernel.ports.get(place_from_key(space_key).platform)
        if port is None:
            return 0
        async with self.kernel.db.reading() as tx:
            records = [
                r
                for r in await _records(tx)
                if r.space_key == space_key and r.event_id and r.wanted
            ]
        changed = 0
        now = self.kernel.clock.now()
        for record in records:
            meeting = await self.service.meeting(record.series_id, record.occurrence_key)
            if meeting is None or meeting.occurrence.start <= now or record.event_id is None:
                continue
            try:
                users = await port.event_users(place_from_key(space_key), record.event_id)
            except DeliveryError as error:
                log.info(
                    "meeting event %s: could not list who is interested: %s",
                    record.state_key,
                    error,
                )
                continue
            if users is None:
                continue
            platform = place_from_key(space_key).platform
            people = {self.kernel.people.person_of(f"{platform}:{u}") for u in users}
            changed += await self.service.reconcile_interest(
                record.series_id, record.occurrence_key, people
            )
        return changed

    async def _taken(self, record: Mirrored) -> frozenset[str]:
        """Event ids other meetings own in the same space: never taken for this one."""
        async with self.kernel.db.reading() as tx:
            others = await _records(tx)
        return frozenset(
            r.event_id
            for r in others
            if r.event_id and r.space_key == record.space_key and r.state_key != record.state_key
        )

    async def _store(self, record: Mirrored, *, refused: str = "") -> None:
        """Save the record; with ``refused`` (Discord said no for good), the network's
        coordinators are told in the same transaction, once, what to fix."""
        async with self.kernel.db.transaction() as tx:
            await _save(tx, record, self.kernel.clock.now())
            told = 0
            if refused:
                told = await trouble.tell(
                    self.kernel.outbox,
                    tx,
                    series_id=record.series_id,
                    key=record.occurrence_key,
                    kind="event",
                    where=record.space_key,
                    reason=refused,
                )
        if told:
            self.kernel.outbox.notify()


def _description(meeting: Meeting) -> str:
    """The agenda, and this meeting's own topic, facilitator and agenda when it has them."""
    if meeting.plan.empty:
        return meeting.agenda or ""
    return "\n".join(f"{f.name}: {f.value}" for f in plan_fields(meeting))


def _spec(meeting: Meeting, space: PlaceRef) -> EventSpec:
    return EventSpec(
        space=space,
        name=meeting_title(meeting),
        start=meeting.occurrence.start,
        end=meeting.occurrence.end,
        description=_description(meeting)[:900],
        location=meeting.location or meeting.link or "",
    )
