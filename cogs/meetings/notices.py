"""Meeting notices, RSVP counts and reminders: planned from the database, sent by the outbox.

Each occurrence has its scheduled work, each a job with a key that is unique for all time
(``meeting:SERIES:DATE:announce``, ``...:reminder-1d``, ``...:held``): the kernel's scheduler
records each run, so a restart never repeats one, and the messages themselves go through the
outbox with one key per place or person, so nothing is sent twice. A job that came due while
the bot was down still runs if the meeting has not started; once it has, the job is recorded
as skipped. The ``held`` job closes the notice when the meeting ends (late is fine: a notice
left open by downtime is closed as soon as peerbot is back). What notices say, and how they
follow changes, is in ``render`` and ``noticeboard``.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.identity import MessageRef, PlaceRef, place_from_key, user_from_key
from bot.kernel import Kernel
from bot.replies import Reply
from bot.scheduler import PlannedJob
from cogs.meetings import repository as repo
from cogs.meetings.event_mirror import EventMirror
from cogs.meetings.models import PLAN_PROMPT_DAYS, Answer, Meeting
from cogs.meetings.noticeboard import announce_prefix, member_mention
from cogs.meetings.reminders import reminder, superseded
from cogs.meetings.render import (
    CONFIDENTIALITY,
    RSVP_ACTION,
    NoticeState,
    meeting_phrase,
    notice,
    starting_message,
    thread_name,
)
from cogs.meetings.schedule import occurrence_for, occurrences
from cogs.meetings.service import MeetingService
from cogs.meetings.timefmt import describe
from cogs.networks import queries as network_queries

log = logging.getLogger(__name__)

__all__ = ["CONFIDENTIALITY", "RSVP_ACTION", "MeetingJobs", "notice", "parse_rsvp"]

HORIZON = timedelta(days=400)  # far enough for any notice period (at most a year ahead)
PER_SERIES = 2  # the next two occurrences are planned; the rest come at later rebuilds
RECENT = timedelta(days=2)
#: A notice left open (the bot was down when its meeting ended) is closed however late.
CLOSE_GRACE = timedelta(days=400)


def offset_label(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    if minutes % 1440 == 0:
        return f"{minutes // 1440}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


def prompt_lead(announce_days: int) -> timedelta:
    """How long before a meeting a coordinator is asked for its topic: four weeks, and at
    least two weeks before its notice goes out."""
    return timedelta(days=max(PLAN_PROMPT_DAYS, announce_days + 14))


def job_key(series_id: int, occurrence_key: str, kind: str) -> str:
    return f"meeting:{series_id}:{occurrence_key}:{kind}"


def notice_prefix(series_id: int, occurrence_key: str) -> str:
    return announce_prefix(series_id, occurrence_key)


class MeetingJobs:
    """The scheduler's job source for meetings, and the RSVP counts on posted notices."""

    name = "meetings"

    def __init__(self, kernel: Kernel, service: MeetingService) -> None:
        self.kernel = kernel
        self.service = service
        #: The meetings' native events (Discord's Scheduled Events).
        self.events = EventMirror(kernel, service)

    async def planned_jobs(self, now: datetime) -> list[PlannedJob]:
        jobs: list[PlannedJob] = []
        for plan in await self.service.due_series():
            upcoming = occurrences(
                plan.series.rule,
                # Recently started ones too: their unsent jobs are then recorded as skipped.
                after=now - RECENT,
                before=now + HORIZON,
                limit=PER_SERIES,
                skipped=plan.changes.skipped | plan.changes.cancelled,
                overrides=plan.changes.overrides,
            )
            previous_end = plan.series.created_at  # the first one: its event is made at once
            for occurrence in upcoming:
                series_id, key = plan.series.id, occurrence.key
                # The native event exists from the end of the meeting before, so people
                # see the next one in the server's events long before its notice.
                event_at = min(previous_end, occurrence.start)
                jobs.append(
                    PlannedJob(
                        key=job_key(series_id, key, "event"),
                        run_at=event_at,
                        run=self._bind(self.mirror, series_id, key),
                        grace=occurrence.start - event_at,
                    )
                )
                previous_end = occurrence.end
                jobs.append(
                    PlannedJob(
                        key=job_key(series_id, key, "starting"),
                        run_at=occurrence.start,
                        run=self._bind(self.starting, series_id, key),
                        grace=occurrence.end - occurrence.start,  # only while it is on
                    )
                )
                at = occurrence.start - timedelta(days=plan.settings.announce_days)
                ask_at = occurrence.start - prompt_lead(plan.settings.announce_days)
                jobs.append(
                    PlannedJob(
                        key=job_key(series_id, key, "plan-prompt"),
                        run_at=ask_at,
                        run=self._bind(self.prompt_plan, series_id, key),
                        # Late (after downtime) until a day before the notice goes out.
                        grace=max(at - ask_at - timedelta(days=1), timedelta(0)),
                    )
                )
                jobs.append(
                    PlannedJob(
                        key=job_key(series_id, key, "announce"),
                        run_at=at,
                        run=self._bind(self.announce, series_id, key),
                        grace=occurrence.start - at,  # late is fine until it starts
                    )
                )
                jobs.append(self._close_job(series_id, key, occurrence.end))
                offsets = plan.settings.reminder_offsets
                for offset in offsets:
                    # After downtime only the latest reminder due goes out; one it replaces
                    # gets no grace, so it is recorded as skipped.
                    late = superseded(offset, offsets, occurrence.start, now)
                    jobs.append(
                        PlannedJob(
                            key=job_key(series_id, key, f"reminder-{offset_label(offset)}"),
                            run_at=occurrence.start - offset,
                            run=self._bind_reminder(series_id, key, offset),
                            grace=timedelta(0) if late else offset,
                        )
                    )
        jobs += await self._late_close_jobs({job.key for job in jobs})
        return jobs

    def _close_job(self, series_id: int, key: str, end: datetime) -> PlannedJob:
        return PlannedJob(
            key=job_key(series_id, key, "held"),
            run_at=end,
            run=self._bind(self.close, series_id, key),
            grace=CLOSE_GRACE,
        )

    async def _late_close_jobs(self, planned: set[str]) -> list[PlannedJob]:
        """Notices still open whose meeting is no longer among the planned ones (it ended
        while the bot was down for days): closed now."""
        jobs = []
        async with self.kernel.db.reading() as tx:
            for series_id, key in await repo.open_notices(tx):
                if job_key(series_id, key, "held") in planned:
                    continue
                series = await repo.series_by_id(tx, series_id)
                if series is None:
                    continue
                changes = await repo.changes_of(tx, series_id)
                occurrence = occurrence_for(series.rule, key, overrides=changes.overrides)
                if occurrence is not None:
                    jobs.append(self._close_job(series_id, key, occurrence.end))
        return jobs

    async def close(self, series_id: int, key: str) -> None:
        """The meeting ended: its notices say it was held, and their buttons go."""
        async with self.kernel.db.transaction() as tx:
            queued = await self.service.board.refresh(tx, series_id, [key])
        if queued:
            self.kernel.outbox.notify()

    @staticmethod
    def _bind(
        run: Callable[[int, str], Awaitable[None]], series_id: int, key: str
    ) -> Callable[[], Awaitable[None]]:
        async def job() -> None:
            await run(series_id, key)

        return job

    def _bind_reminder(
        self, series_id: int, key: str, offset: timedelta
    ) -> Callable[[], Awaitable[None]]:
        async def job() -> None:
            await self.remind(series_id, key, offset)

        return job

    async def announcement_places(self, network_id: int) -> list[PlaceRef]:
        return [place for place, _ in await self._announcement_places(network_id)]

    async def _announcement_places(self, network_id: int) -> list[tuple[PlaceRef, str]]:
        """Each announcements channel of the network, with the key of its space."""
        async with self.kernel.db.reading() as tx:
            found = await network_queries.places(tx, network_id, "announcements")
        return [(place_from_key(place), space) for place, space in found]

    async def announce(self, series_id: int, key: str) -> None:
        meeting = await self.service.meeting(series_id, key)
        if meeting is None or not meeting.series.active:
            return
        counts = await self.service.rsvp_counts(series_id, key)
        found = await self._announcement_places(meeting.series.network_id)
        places = [place for place, _ in found]
        async with self.kernel.db.transaction() as tx:
            for place in places:
                if await repo.notice_posted(tx, series_id, key, place.key):
                    continue  # its notice came with it from another date of the series
                role = await member_mention(tx, meeting.series.network_id, place.key)
                await self.kernel.outbox.enqueue(
                    tx,
                    key=notice_prefix(series_id, key) + place.key,
                    target=place,
                    message=notice(meeting, counts, platform=place.platform, mention_role=role),
                    not_after=meeting.occurrence.start,
                )
            # The event is wanted with the notice, in one transaction: never lost.
            await self.events.want(tx, series_id, key, [space for _, space in found])
        self.kernel.outbox.notify()
        if not places:
            log.info("meeting %s:%s has no announcements channel to post in", series_id, key)
        await self.events.sync(series_id=series_id)

    async def prompt_plan(self, series_id: int, key: str) -> None:
        """About four weeks ahead: each coordinator is asked privately, once (one outbox key
        per person), for the meeting's topic, unless it has one already."""
        async with self.kernel.db.reading() as tx:
            found = await self.service.board.view(tx, series_id, key)
        if found is None or found[1] is not NoticeState.OPEN:
            return  # skipped, cancelled, or no longer one of the series' dates
        meeting = found[0]
        if meeting.plan.topic:
            return
        settings = await self.service.settings(meeting.series.network_id)
        day = meeting.occurrence.local_start.date()
        notice_day = (
            (meeting.occurrence.start - timedelta(days=settings.announce_days))
            .astimezone(meeting.occurrence.local_start.tzinfo)
            .date()
        )
        text = (
            f"Set the professional development (PD) topic for {meeting_phrase(meeting)} on "
            f"{day.day} {day:%B %Y}: the notice goes out on {notice_day.day} {notice_day:%B}. "
            f"Type /manage meeting plan network:{meeting.network_slug} "
            f"date:{day.isoformat()} to set the topic, the facilitator and that meeting's "
            "agenda (it applies to that meeting only)."
        )
        async with self.kernel.db.transaction() as tx:
            coordinators = await network_queries.coordinators(tx, meeting.series.network_id)
            for person in coordinators:
                try:
                    target = user_from_key(person)
                except ValueError:
                    continue
                await self.kernel.outbox.enqueue(
                    tx,
                    key=f"{job_key(series_id, key, 'plan-prompt')}:{person}",
                    target=target,
                    message=Reply.private_text(text),
                    not_after=meeting.occurrence.start,
                )
        self.kernel.outbox.notify()

    async def mirror(self, series_id: int, key: str) -> None:
        """The meeting's native event should exist now (the one before it has ended): wanted
        in each space with an announcements channel, then made."""
        meeting = await self.service.meeting(series_id, key)
        if meeting is None or not meeting.series.active:
            return
        found = await self._announcement_places(meeting.series.network_id)
        async with self.kernel.db.transaction() as tx:
            await self.events.want(tx, series_id, key, [space for _, space in found])
        await self.events.sync(series_id=series_id)

    async def starting(self, series_id: int, key: str) -> None:
        """At the start time: "Starting now" in each announcements channel, with the online
        link, once (one outbox key per channel), and not after the meeting has ended."""
        async with self.kernel.db.reading() as tx:
            found = await self.service.board.view(tx, series_id, key)
        if found is None or found[1] is not NoticeState.OPEN:
            return  # skipped, cancelled, or no longer one of the series' dates
        meeting = found[0]
        places = await self._announcement_places(meeting.series.network_id)
        async with self.kernel.db.transaction() as tx:
            for place, _ in places:
                await self.kernel.outbox.enqueue(
                    tx,
                    key=f"{job_key(series_id, key, 'starting')}:{place.key}",
                    target=place,
                    message=starting_message(meeting, place.platform),
                    not_after=meeting.occurrence.end,
                )
        self.kernel.outbox.notify()

    async def post_minutes(self, meeting: Meeting, text: str) -> int:
        """Post the minutes in a thread under each posted notice of the meeting (the thread is
        opened once and remembered); returns how many notices they went under. The outbox key
        includes a fingerprint of the text, so saving the same minutes twice posts them once."""
        async with self.kernel.db.reading() as tx:
            posted = await repo.notices_of(tx, meeting.series.id, [meeting.key])
        fingerprint = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
        count = 0
        for found in posted:
            place = place_from_key(found.place_key)
            port = self.kernel.ports.get(place.platform)
            if port is None:
                continue
            if found.thread_id:
                thread = PlaceRef(platform=place.platform, id=found.thread_id)
            else:
                name = thread_name(meeting)
                notice_ref = MessageRef(place=place, id=found.message_id)
                thread = await port.open_thread_from(notice_ref, name)
                async with self.kernel.db.transaction() as tx:
                    await repo.set_notice_thread(tx, found, thread_id=thread.id, thread_name=name)
            minutes_key = job_key(meeting.series.id, meeting.key, "minutes")
            await self.kernel.outbox.send(
                key=f"{minutes_key}:{place.key}:{fingerprint}",
                target=thread,
                message=Reply(text=f"Minutes of {describe(meeting.occurrence)}:\n\n{text}"),
            )
            count += 1
        return count

    async def sync_events(self, series_id: int) -> None:
        """After a change to a series: update the mirrored events of its announced meetings,
        and delete those of meetings that were skipped, cancelled or moved out of the series."""
        await self.events.changed(series_id)

    async def remind(self, series_id: int, key: str, offset: timedelta) -> None:
        """Queue the reminder to everyone who said Going or Maybe, worded for the time left
        now. Earlier reminders of the meeting still waiting in the outbox (the platform was
        down) are withdrawn: this one replaces them, and their words may be out of date."""
        meeting = await self.service.meeting(series_id, key)
        if meeting is None or not meeting.series.active:
            return
        now = self.kernel.clock.now()
        if meeting.occurrence.start <= now:
            log.info("meeting %s:%s reminder not sent: the meeting has started", series_id, key)
            return
        label = offset_label(offset)
        recipients = await self.service.reminder_recipients(series_id, key)
        settings = await self.service.settings(meeting.series.network_id)
        earlier = [o for o in settings.reminder_offsets if o > offset]
        async with self.kernel.db.transaction() as tx:  # no other database call inside
            for other in earlier:
                await self.kernel.outbox.skip_pending(
                    tx,
                    job_key(series_id, key, "reminder-" + offset_label(other)) + ":",
                    "a later reminder of the same meeting replaces it",
                )
            for user_key in recipients:
                target = user_from_key(user_key)
                written = reminder(meeting, now, platform=target.platform)
                await self.kernel.outbox.enqueue(
                    tx,
                    key=f"{job_key(series_id, key, 'reminder-' + label)}:{user_key}",
                    target=target,
                    message=written.message,
                    not_after=written.not_after,
                )
        self.kernel.outbox.notify()


def parse_rsvp(payload: str) -> tuple[int, str, Answer]:
    series, key, answer = payload.split(":")
    return int(series), key, Answer(answer)
