"""The rules for meetings: series and their occurrences, answers, attendance, agenda, minutes,
settings and reminders. Every coordinator action is written to the audit log in the same
transaction as the change, and everyone told about a change is told through the outbox.

The scheduled part (notices, reminders, the Discord event mirror) reads from here:
``due_series``, ``meeting``, ``going_or_maybe``, ``reminder_recipients``, ``rsvp``,
``rsvp_counts``, ``settings``; and ``on_change`` tells it when a series or occurrence changed.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from bot.audit import AuditLog
from bot.clock import Clock
from bot.errors import UserError, log_failure
from bot.fanouts import FanOut
from bot.identity import user_from_key
from bot.outbox import Outbox
from bot.storage import Database, Transaction
from cogs.meetings import repository as repo
from cogs.meetings.models import (
    ACCESS_NEEDS_MAX,
    AGENDA_ITEM_MAX,
    AGENDA_ITEMS_MAX,
    AGENDA_MAX,
    ANNOUNCE_DAYS_MAX,
    CAPACITY_MAX,
    DURATION_MAX,
    FACILITATOR_MAX,
    LINK_MAX,
    LOCATION_MAX,
    MINUTES_MAX,
    MODES,
    NAME_MAX,
    TOPIC_MAX,
    AgendaItem,
    Answer,
    AttendanceRecord,
    Meeting,
    MeetingSettings,
    Minutes,
    OccurrenceChange,
    Plan,
    Rsvp,
    Series,
    SeriesChanges,
    SeriesPlan,
    build_meeting,
    check_duration,
    check_hours,
    check_interval,
    check_text,
)
from cogs.meetings.noticeboard import NoticeBoard
from cogs.meetings.render import (
    NoticeState,
    cancelled_message,
    meeting_phrase,
    moved_message,
    phrase,
    placed_message,
)
from cogs.meetings.schedule import (
    Occurrence,
    SeriesRule,
    check_link,
    describe_rule,
    local_datetime,
    nth_weekday_of_month,
    occurrence_for,
    occurrences,
    validate_rule,
)
from cogs.meetings.statement import HeldMeeting
from cogs.meetings.timefmt import describe
from cogs.networks import queries as network_queries

log = logging.getLogger(__name__)

ChangeListener = Callable[[int], Awaitable[None]]
#: How far back "the most recent meeting" looks, for attendance and minutes.
PAST_LOOKBACK = timedelta(days=400)
#: Self check-in opens this long before a meeting starts.
CHECK_IN_EARLY = timedelta(minutes=15)


def long_date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


@dataclass(frozen=True)
class Scheduled:
    """What /manage meeting schedule and a series edit report back."""

    series: Series
    upcoming: list[Meeting]
    notes: list[str]
    told: int = 0  # people told privately that a date they answered is gone
    moved: int = 0  # people told privately that a meeting they answered moved


@dataclass(frozen=True)
class Edited:
    """What an edit of one meeting reports back."""

    meeting: Meeting
    note: str | None  # about daylight saving, when the new time falls in a change
    moved: int = 0  # people told privately that it moved


@dataclass(frozen=True)
class Cancelled:
    told: int  # how many people were told privately
    meetings: list[str]  # describe() of each cancelled occurrence that people had answered


class MeetingService:
    def __init__(self, db: Database, clock: Clock, audit: AuditLog, outbox: Outbox) -> None:
        self.db = db
        self.clock = clock
        self.audit = audit
        self.outbox = outbox
        #: Keeps the posted notices in step: every change calls it in its own transaction.
        self.board = NoticeBoard(outbox, clock)
        self._listeners: list[ChangeListener] = []

    # ---- change listeners -------------------------------------------------------------------

    def on_change(self, listener: ChangeListener) -> None:
        """Call ``listener(series_id)`` after any change to a series or one of its occurrences
        (scheduled, edited, skipped, cancelled), once the change is committed."""
        self._listeners.append(listener)

    async def _changed(self, series_id: int) -> None:
        for listener in self._listeners:
            try:
                await listener(series_id)
            except Exception as error:
                log_failure(log, error, "meeting change listener failed for series %s", series_id)

    # ---- reading ----------------------------------------------------------------------------

    async def series(self, network_id: int) -> list[Series]:
        """The network's active series, oldest first."""
        async with self.db.reading() as tx:
            return await repo.active_series(tx, network_id)

    async def series_by_id(self, series_id: int) -> Series | None:
        async with self.db.reading() as tx:
            return await repo.series_by_id(tx, series_id)

    async def changes(self, series_id: int) -> SeriesChanges:
        async with self.db.reading() as tx:
            return await repo.changes_of(tx, series_id)

    @staticmethod
    def _meeting(series: Series, occurrence: Occurrence, names: tuple[str, str]) -> Meeting:
        return build_meeting(series, occurrence, names)

    async def _upcoming_in(
        self, tx: Transaction, series: Series, *, after: datetime, limit: int
    ) -> list[Meeting]:
        names = await network_queries.names(tx, series.network_id)
        assert names is not None
        changes = await repo.changes_of(tx, series.id)
        found = occurrences(
            series.rule,
            after=after,
            limit=limit,
            skipped=changes.skipped,
            overrides=changes.overrides,
        )
        return [
            replace(self._meeting(series, o, names), plan=await repo.plan_of(tx, series.id, o.key))
            for o in found
        ]

    async def upcoming(self, network_id: int, *, limit: int = 6) -> list[Meeting]:
        """The network's next meetings across its active series, soonest first."""
        now = self.clock.now()
        async with self.db.reading() as tx:
            found: list[Meeting] = []
            for series in await repo.active_series(tx, network_id):
                found += await self._upcoming_in(tx, series, after=now, limit=limit)
        found.sort(key=lambda m: (m.occurrence.start, m.series.id))
        return found[:limit]

    async def on_now(self, network_id: int, *, series_id: int | None = None) -> Meeting | None:
        """The network's meeting that is on now, or starts within 15 minutes (check-in)."""
        now = self.clock.now()
        async with self.db.reading() as tx:
            for series in await repo.active_series(tx, network_id):
                if series_id is not None and series.id != series_id:
                    continue
                for meeting in await self._upcoming_in(
                    tx, series, after=now - timedelta(minutes=DURATION_MAX), limit=3
                ):
                    start, end = meeting.occurrence.start, meeting.occurrence.end
                    if start - CHECK_IN_EARLY <= now < end:
                        return meeting
        return None

    async def next_meeting(self, network_id: int) -> Meeting | None:
        found = await self.upcoming(network_id, limit=1)
        return found[0] if found else None

    async def meeting(self, series_id: int, key: str) -> Meeting | None:
        """One occurrence with its details in effect; None if it is not a meeting of the series
        or was skipped or cancelled."""
        async with self.db.reading() as tx:
            return await self._meeting_in(tx, series_id, key)

    async def _meeting_in(self, tx: Transaction, series_id: int, key: str) -> Meeting | None:
        series = await repo.series_by_id(tx, series_id)
        if series is None:
            return None
        changes = await repo.changes_of(tx, series_id)
        if key in changes.skipped:
            return None
        occurrence = occurrence_for(series.rule, key, overrides=changes.overrides)
        if occurrence is None:
            return None
        names = await network_queries.names(tx, series.network_id)
        assert names is not None
        plan = await repo.plan_of(tx, series_id, key)
        return replace(self._meeting(series, occurrence, names), plan=plan)

    async def find(
        self,
        network_id: int,
        *,
        day: date | None = None,
        series_id: int | None = None,
        past: bool = False,
    ) -> Meeting:
        """The meeting a person means (see ``_find``), with its own plan."""
        meeting = await self._find(network_id, day=day, series_id=series_id, past=past)
        async with self.db.reading() as tx:
            plan = await repo.plan_of(tx, meeting.series.id, meeting.key)
        return replace(meeting, plan=plan)

    async def _find(
        self,
        network_id: int,
        *,
        day: date | None = None,
        series_id: int | None = None,
        past: bool = False,
    ) -> Meeting:
        """The meeting a person means: on ``day`` (its original or its moved date), else the
        next one (or, with ``past``, the most recent that has started). A clear refusal if
        there is none, or more than one."""
        now = self.clock.now()
        async with self.db.reading() as tx:
            names = await network_queries.names(tx, network_id)
            if names is None:
                raise UserError("That network no longer exists. Type /network list to see them.")
            all_series = await repo.active_series(tx, network_id)
            if past and series_id is not None:
                # attendance and minutes can concern a series cancelled since
                found_series = await repo.series_by_id(tx, series_id)
                if found_series is not None and found_series.network_id == network_id:
                    all_series = [found_series]
            if series_id is not None:
                all_series = [s for s in all_series if s.id == series_id]
                if not all_series:
                    raise UserError(
                        f"{names[0]} has no meeting series number {series_id}. Type /meeting "
                        f"list network:{names[1]} to see its meetings. Nothing was changed."
                    )
            if not all_series:
                raise UserError(
                    f"{names[0]} has no meetings scheduled. A coordinator or executive can "
                    f"schedule them with /manage meeting schedule network:{names[1]}."
                )
            if day is not None:
                return await self._on_day(tx, all_series, names, day)
            candidates: list[Meeting] = []
            for series in all_series:
                changes = await repo.changes_of(tx, series.id)
                if past:
                    found = occurrences(
                        series.rule,
                        after=now - PAST_LOOKBACK,
                        before=now,
                        limit=50,
                        skipped=changes.skipped,
                        overrides=changes.overrides,
                    )
                    found = found[-1:]
                else:
                    found = occurrences(
                        series.rule,
                        after=now,
                        limit=1,
                        skipped=changes.skipped,
                        overrides=changes.overrides,
                    )
                candidates += [self._meeting(series, o, names) for o in found]
        if not candidates:
            if past:
                raise UserError(
                    f"{names[0]} has had no meetings yet (in the last year), so there is "
                    "nothing to record. For an older one, say which with date:YYYY-MM-DD."
                )
            raise UserError(f"{names[0]} has no more meetings scheduled.")
        candidates.sort(key=lambda m: m.occurrence.start)
        return candidates[-1] if past else candidates[0]

    async def _on_day(
        self, tx: Transaction, all_series: list[Series], names: tuple[str, str], day: date
    ) -> Meeting:
        matches: list[Meeting] = []
        skipped_here = False
        for series in all_series:
            changes = await repo.changes_of(tx, series.id)
            key = day.isoformat()
            occurrence = occurrence_for(series.rule, key, overrides=changes.overrides)
            if occurrence is not None and key in changes.skipped:
                skipped_here = True
                occurrence = None
            if occurrence is None:  # perhaps a meeting moved onto this day
                for moved_key in changes.overrides:
                    if moved_key in changes.skipped:
                        continue
                    moved = occurrence_for(series.rule, moved_key, overrides=changes.overrides)
                    if moved is not None and moved.local_start.date() == day:
                        occurrence = moved
                        break
            if occurrence is not None:
                matches.append(self._meeting(series, occurrence, names))
        if len(matches) > 1:
            numbers = ", ".join(str(m.series.id) for m in matches)
            raise UserError(
                f"{names[0]} has more than one meeting on {long_date(day)} (series {numbers}). "
                "Say which with series:NUMBER. Nothing was changed."
            )
        if not matches:
            if skipped_here:
                raise UserError(
                    f"The {names[0]} meeting on {long_date(day)} was skipped or cancelled. "
                    "Nothing was changed."
                )
            raise UserError(
                f"{names[0]} has no meeting on {long_date(day)}. Type /meeting list "
                f"network:{names[1]} to see its meetings and their dates. Nothing was changed."
            )
        return matches[0]

    # ---- scheduling ---------------------------------------------------------------------------

    async def schedule(
        self,
        *,
        actor_key: str,
        network_id: int,
        first_date: date,
        start_time: time,
        duration_minutes: int,
        interval_months: int = 3,
        nth_weekday: tuple[int, int] | None = None,
        until: date | None = None,
        name: str | None = None,
        location: str | None = None,
        link: str | None = None,
        agenda: str | None = None,
        recorded: bool = False,
    ) -> Scheduled:
        """Create a series in the network's time zone; refuse bad input before writing."""
        now = self.clock.now()
        async with self.db.reading() as tx:
            names = await network_queries.names(tx, network_id)
            timezone = await network_queries.timezone(tx, network_id)
        if names is None or timezone is None:
            raise UserError("That network no longer exists. Type /network list to see them.")
        rule = SeriesRule(
            first_date=first_date,
            start_time=start_time,
            duration=check_duration(duration_minutes),
            timezone=timezone,
            interval_months=check_interval(interval_months),
            nth_weekday=nth_weekday,
            until=until,
        )
        notes = validate_rule(rule, now=now)
        name = check_text(name, "meeting name", NAME_MAX) or f"{names[0]} meeting"
        location = check_text(location, "location", LOCATION_MAX)
        link = _link(link)
        agenda = check_text(agenda, "agenda", AGENDA_MAX)
        async with self.db.transaction() as tx:
            same = await repo.identical_series(tx, network_id, first_date, start_time)
            if same is not None:
                raise UserError(
                    f"{names[0]} already has that meeting series: number {same.id}, "
                    f"{describe_rule(same.rule)}. Nothing was changed. To change it, use "
                    f"/manage meeting edit network:{names[1]}; for another series, give a "
                    "different first date or time."
                )
            series_id = await repo.insert_series(
                tx,
                network_id=network_id,
                name=name,
                rule=rule,
                location=location,
                link=link,
                agenda=agenda,
                recorded=recorded,
                created_by=actor_key,
                now=now,
            )
            await self.audit.record(
                tx,
                actor_key=actor_key,
                action="meeting.schedule",
                network_id=network_id,
                target=f"series:{series_id}",
                detail=f"every {rule.interval_months} months from {first_date.isoformat()}",
            )
            series = await repo.series_by_id(tx, series_id)
            assert series is not None
            upcoming = await self._upcoming_in(tx, series, after=now, limit=3)
        await self._changed(series_id)
        return Scheduled(series, upcoming, notes)

    async def _active(self, tx: Transaction, series_id: int, network_id: int) -> Series:
        series = await repo.series_by_id(tx, series_id)
        if series is None or series.network_id != network_id:
            raise UserError(
                f"This network has no meeting series number {series_id}. Nothing was changed."
            )
        if not series.active:
            raise UserError(
                f"Meeting series number {series_id} was cancelled. Nothing was changed."
            )
        return series

    async def edit_series(
        self,
        *,
        actor_key: str,
        network_id: int,
        series_id: int,
        start_time: time | None = None,
        duration_minutes: int | None = None,
        interval_months: int | None = None,
        nth_weekday: tuple[int, int] | None = None,
        same_date: bool = False,
        until: date | None = None,
        no_end: bool = False,
        name: str | None = None,
        location: str | None = None,
        link: str | None = None,
        agenda: str | None = None,
        recorded: bool | None = None,
    ) -> Scheduled:
        """Change a series; only the fields given change. ``same_date`` goes back to meeting
        on the same date each time (instead of ``nth_weekday``); ``no_end`` removes ``until``.

        An empty text ("") clears location, link or agenda. People who answered Going or Maybe
        for an upcoming date that is no longer part of the series are told privately.
        """
        now = self.clock.now()
        async with self.db.reading() as tx:
            series = await self._active(tx, series_id, network_id)
            changes = await repo.changes_of(tx, series_id)
        rule, fields = _edited_rule(
            series.rule,
            start_time=start_time,
            duration_minutes=duration_minutes,
            interval_months=interval_months,
            nth_weekday=nth_weekday,
            same_date=same_date,
            until=until,
            no_end=no_end,
        )
        notes = validate_rule(rule, now=now, allow_past_first_date=True)
        new_name = series.name
        if name is not None:
            new_name = check_text(name, "meeting name", NAME_MAX) or series.name
            fields.append("name")
        new_location, new_link, new_agenda = series.location, series.link, series.agenda
        if location is not None:
            new_location = check_text(location, "location", LOCATION_MAX)
            fields.append("location")
        if link is not None:
            new_link = _link(link)
            fields.append("link")
        if agenda is not None:
            new_agenda = check_text(agenda, "agenda", AGENDA_MAX)
            fields.append("agenda")
        new_recorded = series.recorded if recorded is None else recorded
        if recorded is not None:
            fields.append("recorded")
        if not fields:
            raise UserError(
                "Say what to change: time, duration, every, on, until, name, location, link, "
                "agenda or recorded. Nothing was changed."
            )
        before = {
            o.key: o
            for o in occurrences(
                series.rule,
                after=now,
                limit=24,
                skipped=changes.skipped,
                overrides=changes.overrides,
            )
        }
        after = {
            o.key: o
            for o in occurrences(
                rule, after=now, limit=36, skipped=changes.skipped, overrides=changes.overrides
            )
        }
        async with self.db.transaction() as tx:
            await repo.update_series(
                tx,
                series_id,
                name=new_name,
                rule=rule,
                location=new_location,
                link=new_link,
                agenda=new_agenda,
                recorded=new_recorded,
                now=now,
            )
            updated = await repo.series_by_id(tx, series_id)
            assert updated is not None
            names = await network_queries.names(tx, network_id)
            assert names is not None
            revision = await repo.next_revision(tx, series_id)
            group = await self.outbox.fan_out(
                tx,
                key=f"meeting:{series_id}:edited:{revision}",
                sender_key=actor_key,
                about=f"the changes to {phrase(names[0], series.name)}",
            )
            moved, told, dropped = await self._follow_new_dates(
                tx, series, updated, names, before, after, revision, group
            )
            await self.board.refresh(tx, series_id, dropped=dropped)
            await self.audit.record(
                tx,
                actor_key=actor_key,
                action="meeting.edit",
                network_id=network_id,
                target=f"series:{series_id}",
                detail=", ".join(fields),
            )
            upcoming = await self._upcoming_in(tx, updated, after=now, limit=3)
        self.outbox.notify()
        await self._changed(series_id)
        return Scheduled(updated, upcoming, notes, told, moved)

    async def _follow_new_dates(
        self,
        tx: Transaction,
        series: Series,
        updated: Series,
        names: tuple[str, str],
        before: dict[str, Occurrence],
        after: dict[str, Occurrence],
        revision: int,
        group: FanOut,
    ) -> tuple[int, int, dict[str, Meeting]]:
        """After a series edit: meetings that moved tell their Going and Maybe people (a date
        that became another in the same month takes its answers and notice with it); dates
        that left the series tell theirs too. Returns (moved told, gone told, the gone dates
        with their meetings as they were)."""
        series_id = series.id
        rule = updated.rule
        carried = _carried(before, after)
        gone = sorted(k for k in before if k not in after and k not in carried)
        moved_to: dict[str, tuple[Occurrence, Occurrence]] = {}  # key now: (was, is)
        for key, occurrence in before.items():
            if key in after and after[key].start != occurrence.start:
                moved_to[key] = (occurrence, after[key])
        for old_key, new_key in carried.items():
            await self.board.withdraw(tx, series_id, old_key)
            await repo.carry_occurrence(tx, series_id, old_key, new_key)
            carried_changes = await repo.changes_of(tx, series_id)
            now_is = occurrence_for(rule, new_key, overrides=carried_changes.overrides)
            if now_is is not None and now_is.start != before[old_key].start:
                moved_to[new_key] = (before[old_key], now_is)
        moved = 0
        for _key, (was, now_is) in sorted(moved_to.items()):
            moved += await self._tell_moved(
                tx,
                build_meeting(series, was, names),
                build_meeting(updated, now_is, names),
                revision,
                group,
            )
        told = 0
        dropped: dict[str, Meeting] = {}
        for key in gone:
            await self.board.withdraw(tx, series_id, key)
            dropped[key] = build_meeting(series, before[key], names)
            told += await self._tell_cancelled(tx, dropped[key], NoticeState.DROPPED, group)
        return moved, told, dropped

    @staticmethod
    def _first_on_weekday(rule: SeriesRule) -> SeriesRule:
        """Moving a series to "the second Tuesday": its first date becomes that day of the
        first date's month, so the rule stays consistent."""
        assert rule.nth_weekday is not None
        day_of_week, n = rule.nth_weekday
        first = nth_weekday_of_month(rule.first_date.year, rule.first_date.month, day_of_week, n)
        return replace(rule, first_date=first)

    async def edit_occurrence(
        self,
        *,
        actor_key: str,
        network_id: int,
        day: date,
        series_id: int | None = None,
        new_date: date | None = None,
        start_time: time | None = None,
        duration_minutes: int | None = None,
        location: str | None = None,
        link: str | None = None,
        agenda: str | None = None,
    ) -> Edited:
        """Change one occurrence (found by its date). If it moves, those who answered Going
        or Maybe are told privately, with buttons to change their answer."""
        now = self.clock.now()
        meeting = await self.find(network_id, day=day, series_id=series_id)
        series, occurrence = meeting.series, meeting.occurrence
        if occurrence.end <= now:
            raise UserError(
                "That meeting is already over, so it cannot be changed. Nothing was changed."
            )
        async with self.db.reading() as tx:
            current = await repo.change_of(tx, series.id, occurrence.key)
        fields: list[str] = []
        start = current.start if current else None
        note: str | None = None
        if new_date is not None or start_time is not None:
            local = occurrence.local_start
            moved, note = local_datetime(
                new_date or local.date(), start_time or local.time(), series.rule.timezone
            )
            if moved <= now:
                raise UserError(
                    f"{long_date(moved.date())} at {moved:%H:%M} has already passed. Give a "
                    "later date or time. Nothing was changed."
                )
            start = moved.astimezone(UTC)
            fields.append("date" if new_date is not None else "start time")
        duration = current.duration if current else None
        if duration_minutes is not None:
            duration = check_duration(duration_minutes)
            fields.append("duration")

        def text(value: str | None, old: str | None, label: str, limit: int) -> str | None:
            if value is None:
                return old
            fields.append(label)
            return check_text(value, label, limit)

        new_location = text(
            location, current.location if current else None, "location", LOCATION_MAX
        )
        new_agenda = text(agenda, current.agenda if current else None, "agenda", AGENDA_MAX)
        new_link = current.link if current else None
        if link is not None:
            new_link = _link(link)
            fields.append("link")
        if not fields:
            raise UserError(
                "Say what to change for that meeting: to (a new date), time, duration, location, "
                "link or agenda. Nothing was changed."
            )
        change = OccurrenceChange(
            key=occurrence.key,
            skipped=False,
            cancelled=False,
            start=start,
            duration=duration,
            location=new_location,
            link=new_link,
            agenda=new_agenda,
        )
        async with self.db.transaction() as tx:
            await repo.set_override(tx, series.id, change, by=actor_key, now=now)
            await self.audit.record(
                tx,
                actor_key=actor_key,
                action="meeting.edit",
                network_id=network_id,
                target=f"series:{series.id}:{occurrence.key}",
                detail=", ".join(fields),
            )
            updated = await self._meeting_in(tx, series.id, occurrence.key)
            assert updated is not None
            revision = await repo.next_revision(tx, series.id)
            told = 0
            if updated.occurrence.start != occurrence.start:
                group = await self.outbox.fan_out(
                    tx,
                    key=f"meeting:{series.id}:{occurrence.key}:moved:{revision}",
                    sender_key=actor_key,
                    about=f"the move of {meeting_phrase(updated)} to "
                    f"{describe(updated.occurrence)}",
                )
                told = await self._tell_moved(tx, meeting, updated, revision, group)
            await self.board.refresh(tx, series.id, [occurrence.key])
        self.outbox.notify()
        await self._changed(series.id)
        return Edited(updated, note, told)

    async def plan(
        self,
        *,
        actor_key: str,
        meeting: Meeting,
        topic: str | None = None,
        facilitator: str | None = None,
        agenda: str | None = None,
    ) -> Plan:
        """Set one meeting's own topic, facilitator and agenda (None keeps what it has; an
        empty text or "none" clears it). It applies to that date only: the series and its
        other meetings are left as they are. Posted notices follow."""
        current = meeting.plan

        def pick(value: str | None, old: str | None, label: str, limit: int) -> str | None:
            return old if value is None else check_text(value, label, limit)

        new = Plan(
            topic=pick(topic, current.topic, "topic", TOPIC_MAX),
            facilitator=pick(facilitator, current.facilitator, "facilitator", FACILITATOR_MAX),
            agenda=pick(agenda, current.agenda, "agenda", AGENDA_MAX),
        )
        if topic is None and facilitator is None and agenda is None:
            raise UserError(
                "Say what to set for that meeting: topic, facilitator or agenda. "
                "Nothing was changed."
            )
        series_id, key = meeting.series.id, meeting.key
        async with self.db.transaction() as tx:
            await repo.set_plan(tx, series_id, key, new, by=actor_key, now=self.clock.now())
            await self.audit.record(
                tx,
                actor_key=actor_key,
                action="meeting.plan",
                network_id=meeting.series.network_id,
                target=f"series:{series_id}:{key}",
                detail=", ".join(
                    label
                    for label, value in (
                        ("topic", topic),
                        ("facilitator", facilitator),
                        ("agenda", agenda),
                    )
                    if value is not None
                ),
            )
            queued = await self.board.refresh(tx, series_id, [key])
        if queued:
            self.outbox.notify()
        await self._changed(series_id)
        return new

    async def skip(
        self,
        *,
        actor_key: str,
        network_id: int,
        day: date,
        series_id: int | None = None,
        cancelled: bool = False,
    ) -> tuple[Meeting, int]:
        """Skip (or cancel) one occurrence; those who said Going or Maybe are told privately.

        Returns the meeting and how many people were told.
        """
        now = self.clock.now()
        meeting = await self.find(network_id, day=day, series_id=series_id)
        if meeting.occurrence.start <= now:
            raise UserError(
                "That meeting has already started, so it cannot be skipped or cancelled. "
                "Nothing was changed."
            )
        state = NoticeState.CANCELLED if cancelled else NoticeState.SKIPPED
        async with self.db.transaction() as tx:
            await repo.skip_occurrence(
                tx, meeting.series.id, meeting.key, cancelled=cancelled, by=actor_key, now=now
            )
            await repo.next_revision(tx, meeting.series.id)
            group = await self.outbox.fan_out(
                tx,
                key=f"meeting:{meeting.series.id}:{meeting.key}:cancelled",
                sender_key=actor_key,
                about=f"{meeting_phrase(meeting)} on {describe(meeting.occurrence)}, which "
                f"was {'cancelled' if cancelled else 'skipped'}",
            )
            told = await self._tell_cancelled(tx, meeting, state, group)
            await self.outbox.skip_pending(
                tx,
                f"meeting:{meeting.series.id}:{meeting.key}:announce:",
                "the meeting will not take place",
            )
            await self.board.refresh(tx, meeting.series.id, [meeting.key])
            await self.audit.record(
                tx,
                actor_key=actor_key,
                action="meeting.cancel" if cancelled else "meeting.skip",
                network_id=network_id,
                target=f"series:{meeting.series.id}:{meeting.key}",
                detail=f"{told} told",
            )
        self.outbox.notify()
        await self._changed(meeting.series.id)
        return meeting, told

    async def series_to_cancel(self, network_id: int, series_id: int | None = None) -> Series:
        """The series a whole-series cancel means: the one named, or the network's only one."""
        async with self.db.reading() as tx:
            if series_id is None:
                active = await repo.active_series(tx, network_id)
                if len(active) != 1:
                    names = await network_queries.names(tx, network_id)
                    network = names[0] if names else "This network"
                    if not active:
                        raise UserError(
                            f"{network} has no meetings scheduled. Nothing was changed."
                        )
                    numbers = ", ".join(str(s.id) for s in active)
                    raise UserError(
                        f"{network} has more than one meeting series ({numbers}). Say which with "
                        "series:NUMBER. Nothing was changed."
                    )
                return active[0]
            return await self._active(tx, series_id, network_id)

    async def cancel_series(
        self,
        *,
        actor_key: str,
        network_id: int,
        series_id: int | None = None,
        confirm: Callable[[Transaction], Awaitable[bool]] | None = None,
    ) -> tuple[Series, int]:
        """Cancel a whole series; its upcoming occurrences' Going and Maybe people are told.
        ``confirm`` (a one-time confirmation) is checked in the same transaction, so a
        confirmation is used up only when the series is cancelled."""
        now = self.clock.now()
        if series_id is None:
            series_id = (await self.series_to_cancel(network_id)).id
        told = 0
        async with self.db.transaction() as tx:
            if confirm is not None and not await confirm(tx):
                raise UserError(
                    "That confirmation has expired or was already used, so nothing was "
                    "cancelled. Type /manage meeting cancel whole:true to start again."
                )
            series = await self._active(tx, series_id, network_id)
            names = await network_queries.names(tx, network_id)
            assert names is not None
            changes = await repo.changes_of(tx, series_id)
            await repo.cancel_series(tx, series_id, by=actor_key, now=now)
            await repo.next_revision(tx, series_id)
            group = await self.outbox.fan_out(
                tx,
                key=f"meeting:{series_id}:series-cancelled",
                sender_key=actor_key,
                about=f"the cancelled series of {phrase(names[0], series.name)}",
            )
            for key in await repo.rsvp_keys_of_series(tx, series_id, "0000"):
                if key in changes.skipped:
                    continue
                occurrence = occurrence_for(series.rule, key, overrides=changes.overrides)
                if occurrence is None or occurrence.start <= now:
                    continue
                told += await self._tell_cancelled(
                    tx,
                    build_meeting(series, occurrence, names),
                    NoticeState.SERIES_CANCELLED,
                    group,
                )
            for occurrence in occurrences(
                series.rule,
                after=now,
                limit=4,
                skipped=changes.skipped,
                overrides=changes.overrides,
            ):
                await self.board.withdraw(tx, series_id, occurrence.key)
            await self.board.refresh(tx, series_id)
            await self.audit.record(
                tx,
                actor_key=actor_key,
                action="meeting.cancel",
                network_id=network_id,
                target=f"series:{series_id}",
                detail=f"whole series; {told} told",
            )
        self.outbox.notify()
        await self._changed(series_id)
        return series, told

    async def _tell_cancelled(
        self, tx: Transaction, meeting: Meeting, state: NoticeState, group: FanOut
    ) -> int:
        """Queue a private message to each person who said Going or Maybe ("you said you
        would come" to Going, "might" to Maybe); the key is per person and occurrence, so
        telling twice is impossible. Anyone who cannot be reached is reported to whoever
        made the change, through ``group``."""
        told = 0
        for rsvp in await repo.rsvps_of(tx, meeting.series.id, meeting.key):
            if rsvp.answer is Answer.NO:
                continue
            try:
                target = user_from_key(rsvp.user_key)
            except ValueError:
                continue
            queued = await self.outbox.enqueue(
                tx,
                key=f"meeting:{meeting.series.id}:{meeting.key}:cancelled:{rsvp.user_key}",
                target=target,
                message=cancelled_message(meeting, rsvp.answer, state),
                fanout=group,
            )
            told += int(queued)
        return told

    async def _tell_moved(
        self, tx: Transaction, was: Meeting, now_is: Meeting, revision: int, group: FanOut
    ) -> int:
        """Queue a private message to each person who said Going or Maybe: the old and new
        time, their answer kept, and buttons to change it. The key carries the change's
        revision, so a second move tells them again, and one move tells them once."""
        told = 0
        for rsvp in await repo.rsvps_of(tx, now_is.series.id, now_is.key):
            if rsvp.answer is Answer.NO:
                continue
            try:
                target = user_from_key(rsvp.user_key)
            except ValueError:
                continue
            queued = await self.outbox.enqueue(
                tx,
                key=f"meeting:{now_is.series.id}:{now_is.key}:moved:{revision}:{rsvp.user_key}",
                target=target,
                message=moved_message(was, now_is, rsvp.answer, target.platform),
                fanout=group,
            )
            told += int(queued)
        return told

    # ---- answers ----------------------------------------------------------------------------

    async def rsvp(self, series_id: int, key: str, user_key: str, answer: Answer) -> dict[str, int]:
        """Record a person's answer for one occurrence (changing any earlier answer).

        The person must be in the series' network, and the meeting must not have started.
        Returns the counts by answer (going, maybe, no) afterwards.
        """
        now = self.clock.now()
        async with self.db.transaction() as tx:
            found = await self.board.view(tx, series_id, key)
            if found is None:
                raise UserError(
                    "That meeting's date changed, or it no longer exists, so there is nothing "
                    "to answer there. Type /meeting next to see the meetings to come. Nothing "
                    "was saved."
                )
            meeting, state = found
            closed = _closed_answer(meeting, state, now)
            if closed:
                raise UserError(closed)
            if meeting.series.network_id not in await network_queries.member_networks(tx, user_key):
                raise UserError(
                    f"Only members of {meeting.network_name} can answer for its meetings. "
                    "Type /network join to join. Nothing was changed."
                )
            before = await self._placed(tx, series_id, key)
            await repo.set_rsvp(tx, series_id, key, user_key, answer, now)
            await self._moved_up(tx, meeting, before, acting=user_key)
            counts = await repo.rsvp_counts(tx, series_id, key)
            queued = await self.board.refresh(tx, series_id, [key])
        if queued:
            self.outbox.notify()
        return counts

    async def set_how(
        self,
        series_id: int,
        key: str,
        user_key: str,
        *,
        mode: str | None = None,
        access_needs: str | None = None,
    ) -> Rsvp:
        """How someone who said Going or Maybe comes (in the room or online), and access needs
        for the coordinators' eyes only (an empty text clears them)."""
        if mode is not None and mode not in MODES:
            raise UserError("Say how you come: room (in the room) or online. Nothing was changed.")
        clear = access_needs is not None and not access_needs.strip()
        needs = check_text(access_needs, "access needs", ACCESS_NEEDS_MAX)
        now = self.clock.now()
        async with self.db.transaction() as tx:
            found = await self.board.view(tx, series_id, key)
            if found is None:
                raise UserError(
                    "That meeting's date changed, or it no longer exists. Type /meeting next. "
                    "Nothing was saved."
                )
            closed = _closed_answer(found[0], found[1], now)
            if closed:
                raise UserError(closed)
            if not await repo.set_how(
                tx, series_id, key, user_key, mode=mode, access_needs=needs, clear_access=clear
            ):
                raise UserError(
                    "Say Going or Maybe first (on the notice, or with /meeting rsvp), then how "
                    "you come. Nothing was saved."
                )
            mine = next(
                r for r in await repo.rsvps_of(tx, series_id, key) if r.user_key == user_key
            )
        return mine

    # ---- Interested on the meeting's native event ---------------------------------------------

    async def interest(self, series_id: int, key: str, user_key: str, interested: bool) -> bool:
        """Interested pressed on the meeting's event counts as Maybe for a member of the
        network, until they answer themselves (their answer wins); taken back, only that
        Maybe goes. Nothing for someone outside the network or a meeting that has started or
        closed. Returns whether the answers changed."""
        return await self.reconcile_interest(series_id, key, {user_key}, only=not interested)

    async def reconcile_interest(
        self, series_id: int, key: str, interested: set[str], *, only: bool | None = None
    ) -> bool:
        """Bring the Maybes that came from Interested in line with who is interested now.
        ``only`` None: ``interested`` is everyone (Maybes from people not in it go); False:
        these people pressed it; True: these people took it back."""
        now = self.clock.now()
        changed = False
        async with self.db.transaction() as tx:
            found = await self.board.view(tx, series_id, key)
            if found is None:
                return False
            meeting, state = found
            if state is not NoticeState.OPEN or meeting.occurrence.start <= now:
                return False
            members = set(await network_queries.members(tx, meeting.series.network_id))
            if only is not True:
                for user_key in sorted(interested & members):
                    changed |= await repo.add_interest(tx, series_id, key, user_key, now)
            gone = interested if only is True else set()
            if only is None:
                gone = await repo.interested_of(tx, series_id, key) - interested
            for user_key in sorted(gone):
                changed |= await repo.drop_interest(tx, series_id, key, user_key)
            queued = await self.board.refresh(tx, series_id, [key]) if changed else 0
        if queued:
            self.outbox.notify()
        return changed

    # ---- capacity and the waitlist ------------------------------------------------------------

    async def set_capacity(
        self, *, actor_key: str, meeting: Meeting, places: int | None
    ) -> tuple[int, int]:
        """Give one meeting a number of places (None: no limit). Returns (Going with a place,
        on the waitlist); people who move up because there is more room are told."""
        if places is not None and not 1 <= places <= CAPACITY_MAX:
            raise UserError(
                f"A meeting can have 1 to {CAPACITY_MAX} places; you gave {places}. Type 0 "
                "for no limit. Nothing was changed."
            )
        series_id, key = meeting.series.id, meeting.key
        async with self.db.transaction() as tx:
            before = await self._placed(tx, series_id, key)
            await repo.set_capacity(tx, series_id, key, places)
            await self._moved_up(tx, meeting, before)
            await self.audit.record(
                tx,
                actor_key=actor_key,
                action="meeting.capacity",
                network_id=meeting.series.network_id,
                target=f"meeting:{series_id}:{key}",
                detail=f"{places} places" if places else "no limit",
            )
            going = len(await repo.going_in_order(tx, series_id, key))
            queued = await self.board.refresh(tx, series_id, [key])
        if queued:
            self.outbox.notify()
        placed = going if places is None else min(going, places)
        return placed, going - placed

    async def waitlist_place(self, series_id: int, key: str, user_key: str) -> int | None:
        """Where the person is on the meeting's waitlist (1 is next), or None if they have a
        place (or answered otherwise, or the meeting has no capacity)."""
        async with self.db.reading() as tx:
            places = await repo.capacity_of(tx, series_id, key)
            if places is None:
                return None
            going = [r.user_key for r in await repo.going_in_order(tx, series_id, key)]
        if user_key not in going[places:]:
            return None
        return going[places:].index(user_key) + 1

    async def waitlist(self, series_id: int, key: str) -> list[str]:
        """Who is on the waitlist, in order."""
        async with self.db.reading() as tx:
            places = await repo.capacity_of(tx, series_id, key)
            going = [r.user_key for r in await repo.going_in_order(tx, series_id, key)]
        return [] if places is None else going[places:]

    @staticmethod
    async def _placed(tx: Transaction, series_id: int, key: str) -> set[str] | None:
        """Going with a place (None: no capacity, so everyone Going has one)."""
        places = await repo.capacity_of(tx, series_id, key)
        if places is None:
            return None
        return {r.user_key for r in (await repo.going_in_order(tx, series_id, key))[:places]}

    async def _moved_up(
        self, tx: Transaction, meeting: Meeting, before: set[str] | None, *, acting: str = ""
    ) -> int:
        """Tell each person who now has a place and had none before (someone dropped out, or
        there is more room), privately, once per Going answer (its time is in the key)."""
        series_id, key = meeting.series.id, meeting.key
        places = await repo.capacity_of(tx, series_id, key)
        going = await repo.going_in_order(tx, series_id, key)
        if places is None and before is None:
            return 0
        had = before if before is not None else {r.user_key for r in going}
        now_placed = going if places is None else going[:places]
        told = 0
        for rsvp in now_placed:
            if rsvp.user_key in had or rsvp.user_key == acting:
                continue
            try:
                target = user_from_key(rsvp.user_key)
            except ValueError:
                continue
            stamp = int(rsvp.answered_at.timestamp())
            told += await self.outbox.enqueue(
                tx,
                key=f"meeting:{series_id}:{key}:placed:{rsvp.user_key}:{stamp}",
                target=target,
                message=placed_message(meeting, target.platform),
                not_after=meeting.occurrence.start,
            )
        return told

    async def withdraw_rsvp(self, series_id: int, key: str, user_key: str, answer: Answer) -> bool:
        """Take back a person's answer if it is still ``answer`` (a later one stays); the
        notice's counts follow, and a place freed on a full meeting goes to the next on its
        waitlist. False when there was nothing to take back."""
        async with self.db.transaction() as tx:
            if await repo.rsvp_of(tx, series_id, key, user_key) is not answer:
                return False
            before = await self._placed(tx, series_id, key)
            await repo.delete_rsvp(tx, series_id, key, user_key)
            found = await self.board.view(tx, series_id, key)
            if found is not None:
                await self._moved_up(tx, found[0], before, acting=user_key)
            queued = await self.board.refresh(tx, series_id, [key])
        if queued:
            self.outbox.notify()
        return True

    async def rsvps(self, series_id: int, key: str) -> list[Rsvp]:
        async with self.db.reading() as tx:
            return await repo.rsvps_of(tx, series_id, key)

    async def rsvp_counts(self, series_id: int, key: str) -> dict[str, int]:
        async with self.db.reading() as tx:
            return await repo.rsvp_counts(tx, series_id, key)

    async def my_answer(self, series_id: int, key: str, user_key: str) -> Answer | None:
        async with self.db.reading() as tx:
            return await repo.rsvp_of(tx, series_id, key, user_key)

    async def going_or_maybe(self, series_id: int, key: str) -> list[str]:
        """User keys of everyone who answered Going or Maybe."""
        return [r.user_key for r in await self.rsvps(series_id, key) if r.answer is not Answer.NO]

    async def reminder_recipients(self, series_id: int, key: str) -> list[str]:
        """Going (with a place) or Maybe (Interested on the event included), less those who
        turned their reminders off. The waitlist is told when a place opens instead."""
        async with self.db.reading() as tx:
            placed = await self._placed(tx, series_id, key)
            found = []
            for rsvp in await repo.rsvps_of(tx, series_id, key):
                if rsvp.answer is Answer.NO:
                    continue
                if (
                    rsvp.answer is Answer.GOING
                    and placed is not None
                    and rsvp.user_key not in placed
                ):
                    continue
                if not await repo.reminders_off(tx, rsvp.user_key):
                    found.append(rsvp.user_key)
        return found

    # ---- reminders and settings ---------------------------------------------------------------

    async def reminders_off(self, user_key: str) -> bool:
        async with self.db.reading() as tx:
            return await repo.reminders_off(tx, user_key)

    async def set_reminders(self, user_key: str, *, on: bool) -> bool:
        """Turn a person's reminders on or off; False if they already were."""
        async with self.db.transaction() as tx:
            return await repo.set_reminders(tx, user_key, on=on, now=self.clock.now()) == 1

    async def settings(self, network_id: int) -> MeetingSettings:
        async with self.db.reading() as tx:
            return await repo.settings_of(tx, network_id)

    async def set_settings(
        self,
        *,
        actor_key: str,
        network_id: int,
        announce_days: int | None = None,
        reminder_offsets: tuple[timedelta, ...] | None = None,
        mention_members: bool | None = None,
        native_events: bool | None = None,
    ) -> MeetingSettings:
        if announce_days is not None and not 0 <= announce_days <= ANNOUNCE_DAYS_MAX:
            raise UserError(
                f"The notice can go out 0 to {ANNOUNCE_DAYS_MAX} days before; you gave "
                f"{announce_days}. Nothing was changed."
            )
        async with self.db.transaction() as tx:
            current = await repo.settings_of(tx, network_id)
            updated = MeetingSettings(
                network_id,
                announce_days=current.announce_days if announce_days is None else announce_days,
                reminder_offsets=(
                    current.reminder_offsets if reminder_offsets is None else reminder_offsets
                ),
                mention_members=(
                    current.mention_members if mention_members is None else mention_members
                ),
                native_events=current.native_events if native_events is None else native_events,
            )
            await repo.set_settings(tx, updated)
            await self.audit.record(
                tx,
                actor_key=actor_key,
                action="meeting.settings",
                network_id=network_id,
                target=f"network:{network_id}",
                detail=f"notice {updated.announce_days} days; reminders "
                + (
                    ",".join(str(int(o.total_seconds() // 60)) for o in updated.reminder_offsets)
                    or "none"
                )
                + " minutes"
                + ("" if updated.mention_members else "; no member mention")
                + ("" if updated.native_events else "; no native events"),
            )
            # Notices already posted show (or stop showing) the member role's mention.
            for series in await repo.active_series(tx, network_id):
                await self.board.refresh(tx, series.id)
        self.outbox.notify()
        for series in await self.series(network_id):
            await self._changed(series.id)
        return updated

    async def due_series(self) -> list[SeriesPlan]:
        """Every active series of every active network, with its changes and its network's
        settings: what a scheduler rebuilds notices and reminders from."""
        async with self.db.reading() as tx:
            plans = []
            for series in await repo.active_series(tx):
                names = await network_queries.names(tx, series.network_id)
                assert names is not None
                plans.append(
                    SeriesPlan(
                        series=series,
                        network_name=names[0],
                        network_slug=names[1],
                        changes=await repo.changes_of(tx, series.id),
                        settings=await repo.settings_of(tx, series.network_id),
                    )
                )
        return plans

    # ---- agenda, minutes, attendance -------------------------------------------------------

    async def add_agenda_item(
        self, meeting: Meeting, user_key: str, text: str, *, anonymous: bool = False
    ) -> int:
        """A member suggests an item, with their name or as "a member"; accepted until the
        meeting starts."""
        now = self.clock.now()
        cleaned = check_text(text, "agenda item", AGENDA_ITEM_MAX)
        if cleaned is None:
            raise UserError("Write the item to add in the option 'add'. Nothing was changed.")
        if meeting.occurrence.start <= now:
            raise UserError(
                "Suggestions for that meeting's agenda closed when it started. Suggest it for "
                "the next meeting instead. Nothing was changed."
            )
        async with self.db.transaction() as tx:
            items = await repo.agenda_items_of(tx, meeting.series.id, meeting.key)
            if len(items) >= AGENDA_ITEMS_MAX:
                raise UserError(
                    f"That meeting's agenda already has {AGENDA_ITEMS_MAX} suggestions, the most "
                    "it can hold. Tell the coordinator directly instead. Nothing was changed."
                )
            return await repo.add_agenda_item(
                tx, meeting.series.id, meeting.key, user_key, cleaned, now, anonymous=anonymous
            )

    async def agenda_items(self, meeting: Meeting) -> list[AgendaItem]:
        async with self.db.reading() as tx:
            return await repo.agenda_items_of(tx, meeting.series.id, meeting.key)

    async def minutes(self, meeting: Meeting) -> Minutes | None:
        async with self.db.reading() as tx:
            return await repo.minutes_of(tx, meeting.series.id, meeting.key)

    async def record_minutes(self, *, actor_key: str, meeting: Meeting, text: str) -> None:
        cleaned = check_text(text, "minutes", MINUTES_MAX)
        if cleaned is None:
            raise UserError("The minutes were empty. Nothing was changed.")
        if meeting.occurrence.start > self.clock.now():
            raise UserError(
                "That meeting has not started yet, so there are no minutes to record. "
                "Nothing was changed."
            )
        async with self.db.transaction() as tx:
            await repo.set_minutes(
                tx, meeting.series.id, meeting.key, cleaned, actor_key, self.clock.now()
            )
            await self.audit.record(
                tx,
                actor_key=actor_key,
                action="meeting.minutes",
                network_id=meeting.series.network_id,
                target=f"series:{meeting.series.id}:{meeting.key}",
                detail=f"{len(cleaned)} characters",
            )

    async def mark_attendance(
        self,
        *,
        actor_key: str,
        meeting: Meeting,
        user_keys: list[str] | None = None,
        hours: float | None = None,
    ) -> list[str]:
        """Mark who attended (default: everyone who answered Going), with the hours (default:
        the meeting's length). Marking someone again updates their hours."""
        now = self.clock.now()
        if meeting.occurrence.start > now:
            raise UserError(
                "That meeting has not started yet; mark attendance once it has. "
                "Nothing was changed."
            )
        hours = check_hours(meeting.hours if hours is None else hours)
        async with self.db.transaction() as tx:
            if user_keys is None:
                # Going with a place: the waitlist did not have one (name them if they came).
                placed = await self._placed(tx, meeting.series.id, meeting.key)
                rsvps = await repo.rsvps_of(tx, meeting.series.id, meeting.key)
                user_keys = [
                    r.user_key
                    for r in rsvps
                    if r.answer is Answer.GOING and (placed is None or r.user_key in placed)
                ]
            people = sorted(set(user_keys))
            if not people:
                raise UserError(
                    "Nobody answered Going for that meeting, so there is nobody to mark by "
                    "default. Name the people who came with members:... Nothing was changed."
                )
            for user_key in people:
                await repo.set_attendance(
                    tx,
                    meeting.series.id,
                    meeting.key,
                    user_key,
                    started_at=meeting.occurrence.start,
                    hours=hours,
                    by=actor_key,
                    now=now,
                )
            await self.audit.record(
                tx,
                actor_key=actor_key,
                action="meeting.attend",
                network_id=meeting.series.network_id,
                target=f"series:{meeting.series.id}:{meeting.key}",
                detail=f"{len(people)} people, {hours:g} hours",
            )
            queued = await self.board.refresh(tx, meeting.series.id, [meeting.key])
        if queued:
            self.outbox.notify()
        return people

    async def check_in(self, meeting: Meeting, user_key: str) -> bool:
        """A member marks their own attendance while the meeting is on (from 15 minutes before
        its start to its end), for its full length; False if they were already marked. A
        coordinator corrects it with /manage meeting attend."""
        now = self.clock.now()
        occurrence = meeting.occurrence
        when = describe(occurrence)
        if now < occurrence.start - CHECK_IN_EARLY:
            raise UserError(
                f"Check-in opens 15 minutes before the meeting starts ({when}). Nothing was saved."
            )
        if now >= occurrence.end:
            raise UserError(
                f"That meeting ({when}) has ended, so check-in is closed. Ask a coordinator to "
                "mark your attendance. Nothing was saved."
            )
        async with self.db.transaction() as tx:
            if meeting.series.network_id not in await network_queries.member_networks(tx, user_key):
                raise UserError(
                    f"Only members of {meeting.network_name} can check in at its meetings. "
                    "Nothing was saved."
                )
            before = await repo.attendees_of(tx, meeting.series.id, meeting.key)
            if any(k == user_key for k, _ in before):
                return False
            await repo.set_attendance(
                tx,
                meeting.series.id,
                meeting.key,
                user_key,
                started_at=occurrence.start,
                hours=check_hours(meeting.hours),
                by=user_key,
                now=now,
            )
            queued = await self.board.refresh(tx, meeting.series.id, [meeting.key])
        if queued:
            self.outbox.notify()
        return True

    async def unmark_attendance(
        self, *, actor_key: str, meeting: Meeting, user_keys: list[str]
    ) -> list[str]:
        """Correct the record: these people did not attend after all. Refused, changing
        nothing, when none of them was marked."""
        async with self.db.transaction() as tx:
            removed = await repo.delete_attendance(tx, meeting.series.id, meeting.key, user_keys)
            if not removed:
                raise UserError(
                    "None of them is marked as having attended "
                    f"{meeting_phrase(meeting)} on {describe(meeting.occurrence)}. Type "
                    f"/manage meeting attendees network:{meeting.network_slug} "
                    f"date:{meeting.key} to see who is. Nothing was changed."
                )
            await self.audit.record(
                tx,
                actor_key=actor_key,
                action="meeting.unattend",
                network_id=meeting.series.network_id,
                target=f"series:{meeting.series.id}:{meeting.key}",
                detail=f"{len(removed)} people",
            )
            queued = await self.board.refresh(tx, meeting.series.id, [meeting.key])
        if queued:
            self.outbox.notify()
        return removed

    async def attendees(self, meeting: Meeting) -> list[tuple[str, float]]:
        async with self.db.reading() as tx:
            return await repo.attendees_of(tx, meeting.series.id, meeting.key)

    async def record(self, user_key: str, network_id: int | None = None) -> list[AttendanceRecord]:
        """A person's own attendance: their professional development record."""
        async with self.db.reading() as tx:
            return await repo.attendance_of(tx, user_key, network_id)

    async def attendance_report(
        self, network_id: int, year: int | None = None
    ) -> list[HeldMeeting]:
        """Each meeting of the network with attendance (of ``year``, if given)."""
        async with self.db.reading() as tx:
            rows = await repo.attendance_by_meeting(tx, network_id)
        return [
            HeldMeeting(day=day, name=name, topic=topic, attended=people, hours=hours)
            for day, name, topic, people, hours in rows
            if year is None or day.year == year
        ]

    async def drop_upcoming_answers(
        self, tx: Transaction, user_key: str, network_id: int
    ) -> list[tuple[int, str]]:
        """The person left the network: their answers to its meetings that have not started
        go, so they are no longer counted or listed as coming (and get no reminders). Answers
        to meetings already held stay: attendance is marked from them. Returns the (series,
        occurrence key) of each answer dropped."""
        now = self.clock.now()
        dropped: list[tuple[int, str]] = []
        for series_id, key in await repo.answered_by(tx, user_key, network_id):
            series = await repo.series_by_id(tx, series_id)
            if series is not None:
                changes = await repo.changes_of(tx, series_id)
                occurrence = occurrence_for(series.rule, key, overrides=changes.overrides)
                if occurrence is not None and occurrence.start <= now:
                    continue
            meeting = await self._meeting_in(tx, series_id, key)
            before = await self._placed(tx, series_id, key)
            await repo.delete_rsvp(tx, series_id, key, user_key)
            if meeting is not None:  # their place goes to the first on the waitlist
                await self._moved_up(tx, meeting, before)
            dropped.append((series_id, key))
        return dropped

    # ---- privacy ------------------------------------------------------------------------------

    async def export_person(self, tx: Transaction, user_key: str) -> object:
        return await repo.export_person(tx, user_key)

    async def delete_person(self, tx: Transaction, user_key: str) -> int:
        """Delete what is kept about the person; a place they held at a meeting to come goes
        to the first on its waitlist, who is told."""
        now = self.clock.now()
        before = {
            answered: await self._placed(tx, *answered)
            for answered in await repo.answered_anywhere(tx, user_key)
        }
        removed = await repo.delete_person(tx, user_key)
        for (series_id, key), placed in before.items():
            if placed is None or user_key not in placed:
                continue
            meeting = await self._meeting_in(tx, series_id, key)
            if meeting is not None and meeting.occurrence.start > now:
                await self._moved_up(tx, meeting, placed)
        return removed


def _closed_answer(meeting: Meeting, state: NoticeState, now: datetime) -> str:
    """Why an answer for this meeting cannot be saved, kindly (a late press of an old button
    on a closed notice); empty when it can."""
    what = meeting_phrase(meeting)
    if state is NoticeState.SKIPPED:
        return (
            f"Thank you, but {what} on {describe(meeting.occurrence)} was skipped, so it needs "
            "no answer. Type /meeting next to see the next one."
        )
    if state in (NoticeState.CANCELLED, NoticeState.SERIES_CANCELLED):
        return (
            f"Thank you, but {what} on {describe(meeting.occurrence)} was cancelled, so it "
            "needs no answer. Type /meeting next to see the meetings to come."
        )
    if state is NoticeState.HELD and meeting.occurrence.end <= now:
        return (
            f"Thank you, but {what} was held on "
            f"{long_date(meeting.occurrence.local_start.date())}, so answers for it are "
            "closed. Type /meeting next to see the next one."
        )
    if meeting.occurrence.start <= now:
        return (
            f"Thank you, but {what} has already started, so answers for it are closed. "
            "Nothing was saved."
        )
    return ""


def _link(value: str | None) -> str | None:
    cleaned = check_text(value, "link", LINK_MAX)
    return check_link(cleaned) if cleaned else None


def _carried(before: dict[str, Occurrence], after: dict[str, Occurrence]) -> dict[str, str]:
    """Dates that left the series, each with the new date it became: the only new date in
    the same month (meeting on "the second Tuesday" instead of the 10th). Their answers,
    agenda items and notices go with them, so nobody has to answer twice."""
    fresh = [key for key in after if key not in before]
    carried: dict[str, str] = {}
    for old in sorted(key for key in before if key not in after):
        same_month = [key for key in fresh if key[:7] == old[:7]]
        if len(same_month) == 1 and same_month[0] not in carried.values():
            carried[old] = same_month[0]
    return carried


def _edited_rule(
    rule: SeriesRule,
    *,
    start_time: time | None,
    duration_minutes: int | None,
    interval_months: int | None,
    nth_weekday: tuple[int, int] | None,
    same_date: bool,
    until: date | None,
    no_end: bool,
) -> tuple[SeriesRule, list[str]]:
    """The rule with the given changes, and the names of the fields that changed."""
    original = rule
    fields: list[str] = []
    if start_time is not None and start_time != rule.start_time:
        rule = replace(rule, start_time=start_time)
        fields.append("start time")
    if duration_minutes is not None:
        rule = replace(rule, duration=check_duration(duration_minutes))
        fields.append("duration")
    if interval_months is not None:
        rule = replace(rule, interval_months=check_interval(interval_months))
        fields.append("repeat")
    if same_date or nth_weekday is not None:
        rule = replace(rule, nth_weekday=None if same_date else nth_weekday)
        fields.append("day")
    if no_end or until is not None:
        rule = replace(rule, until=None if no_end else until)
        fields.append("end")
    if rule.nth_weekday is not None and rule != original:
        # Moving to "the second Tuesday": the first date becomes that day of its month, so
        # the rule stays consistent.
        day_of_week, n = rule.nth_weekday
        first = nth_weekday_of_month(rule.first_date.year, rule.first_date.month, day_of_week, n)
        rule = replace(rule, first_date=first)
    return rule, fields
