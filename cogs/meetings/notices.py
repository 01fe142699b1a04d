"""Meeting notices, RSVP counts and reminders: planned from the database, sent by the outbox.

Each occurrence has three kinds of scheduled work, each a job with a key that is unique for all
time (``meeting:SERIES:DATE:announce``, ``...:reminder-1d``): the kernel's scheduler records each
run, so a restart never repeats one, and the messages themselves go through the outbox with one
key per place or person, so nothing is sent twice. A job that came due while the bot was down
still runs if the meeting has not started; once it has, the job is recorded as skipped.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.errors import log_failure
from bot.identity import MessageRef, PlaceRef, place_from_key, user_from_key
from bot.kernel import Kernel
from bot.replies import ActionRef, Button, ButtonStyle, Card, CardField, Reply
from bot.scheduler import PlannedJob
from cogs.meetings.event_mirror import EventMirror
from cogs.meetings.models import Answer, Meeting
from cogs.meetings.reminders import reminder, superseded
from cogs.meetings.schedule import occurrences
from cogs.meetings.service import MeetingService
from cogs.meetings.timefmt import describe, discord_timestamp
from cogs.networks import queries as network_queries

log = logging.getLogger(__name__)

RSVP_ACTION = "meeting.rsvp"
HORIZON = timedelta(days=400)  # far enough for any notice period (at most a year ahead)
PER_SERIES = 2  # the next two occurrences are planned; the rest come at later rebuilds
RECENT = timedelta(days=2)
CONFIDENTIALITY = (
    "What is shared in the meeting stays in the meeting. Please do not share details that "
    "could identify a person you support."
)


def offset_label(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    if minutes % 1440 == 0:
        return f"{minutes // 1440}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


def job_key(series_id: int, occurrence_key: str, kind: str) -> str:
    return f"meeting:{series_id}:{occurrence_key}:{kind}"


def notice_prefix(series_id: int, occurrence_key: str) -> str:
    return job_key(series_id, occurrence_key, "announce") + ":"


def notice(meeting: Meeting, counts: dict[str, int], *, platform: str) -> Reply:
    """The announcement: when, where, link, agenda, recording, confidentiality, RSVP buttons."""
    occurrence = meeting.occurrence
    when = describe(occurrence)
    if platform == "discord":  # each reader sees it in their own time
        when += f" ({discord_timestamp(occurrence.start)})"
    fields = [CardField(name="When", value=when)]
    if meeting.location:
        fields.append(CardField(name="Where", value=meeting.location))
    if meeting.link:
        fields.append(CardField(name="Online", value=meeting.link))
    if meeting.agenda:
        fields.append(CardField(name="Agenda", value=meeting.agenda))
    recorded = "Yes: it will be recorded." if meeting.series.recorded else "No."
    fields.append(CardField(name="Recorded", value=recorded))
    fields.append(CardField(name="Confidentiality", value=CONFIDENTIALITY))
    answers = (
        f"Going: {counts.get('going', 0)}, Maybe: {counts.get('maybe', 0)}, "
        f"Can't go: {counts.get('no', 0)}"
    )
    title = f"{meeting.network_name}: {meeting.series.name}"
    lines = [f"{title}", *(f"{f.name}: {f.value}" for f in fields), answers]
    payload = f"{meeting.series.id}:{meeting.key}"
    return Reply(
        text="\n".join(lines),
        cards=[Card(title=title, fields=fields, footer=answers)],
        buttons=[
            Button(
                label="Going",
                action=ActionRef(action=RSVP_ACTION, payload=f"{payload}:going"),
                style=ButtonStyle.SUCCESS,
            ),
            Button(label="Maybe", action=ActionRef(action=RSVP_ACTION, payload=f"{payload}:maybe")),
            Button(label="Can't go", action=ActionRef(action=RSVP_ACTION, payload=f"{payload}:no")),
        ],
    )


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
            for occurrence in upcoming:
                series_id, key = plan.series.id, occurrence.key
                at = occurrence.start - timedelta(days=plan.settings.announce_days)
                jobs.append(
                    PlannedJob(
                        key=job_key(series_id, key, "announce"),
                        run_at=at,
                        run=self._bind(self.announce, series_id, key),
                        grace=occurrence.start - at,  # late is fine until it starts
                    )
                )
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
        return jobs

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
                await self.kernel.outbox.enqueue(
                    tx,
                    key=notice_prefix(series_id, key) + place.key,
                    target=place,
                    message=notice(meeting, counts, platform=place.platform),
                    not_after=meeting.occurrence.start,
                )
            # The event is wanted with the notice, in one transaction: never lost.
            await self.events.want(tx, series_id, key, [space for _, space in found])
        self.kernel.outbox.notify()
        if not places:
            log.info("meeting %s:%s has no announcements channel to post in", series_id, key)
        await self.events.sync(series_id=series_id)

    async def post_minutes(self, meeting: Meeting, text: str) -> int:
        """Post the minutes in a thread under each posted notice of the meeting (the thread is
        opened once and remembered); returns how many notices they went under. The outbox key
        includes a fingerprint of the text, so saving the same minutes twice posts them once."""
        rows = await self.kernel.db.fetch_all(
            """SELECT platform, target_id, sent_message_id FROM outbox
               WHERE key LIKE ? AND status = 'sent' AND sent_message_id IS NOT NULL""",
            (notice_prefix(meeting.series.id, meeting.key) + "%",),
        )
        fingerprint = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
        posted = 0
        for row in rows:
            port = self.kernel.ports.get(str(row["platform"]))
            if port is None:
                continue
            place = PlaceRef(platform=str(row["platform"]), id=str(row["target_id"]))
            notice_ref = MessageRef(place=place, id=str(row["sent_message_id"]))
            state_key = f"meeting-minutes-thread:{meeting.series.id}:{meeting.key}:{place.key}"
            thread_id = await self.kernel.platform_state.get(state_key)
            if thread_id:
                thread = PlaceRef(platform=place.platform, id=thread_id)
            else:
                thread = await port.open_thread_from(notice_ref, f"Minutes {meeting.key}")
                await self.kernel.platform_state.set(state_key, thread.id)
            minutes_key = job_key(meeting.series.id, meeting.key, "minutes")
            await self.kernel.outbox.send(
                key=f"{minutes_key}:{place.key}:{fingerprint}",
                target=thread,
                message=Reply(text=f"Minutes of {describe(meeting.occurrence)}:\n\n{text}"),
            )
            posted += 1
        return posted

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

    async def refresh_notices(self, series_id: int, key: str) -> int:
        """Show the new RSVP counts on every notice already posted; returns how many changed."""
        # The notices first: with none posted (the console, or before the first notice goes
        # out) there is nothing to redraw, so the meeting and its counts are not read.
        rows = await self.kernel.db.fetch_all(
            """SELECT platform, target_id, sent_message_id FROM outbox
               WHERE key LIKE ? AND status = 'sent' AND sent_message_id IS NOT NULL""",
            (notice_prefix(series_id, key).replace("%", r"\%") + "%",),
        )
        if not rows:
            return 0
        meeting = await self.service.meeting(series_id, key)
        if meeting is None:
            return 0
        counts = await self.service.rsvp_counts(series_id, key)
        edited = 0
        for row in rows:
            port = self.kernel.ports.get(str(row["platform"]))
            if port is None:
                continue
            place = PlaceRef(platform=str(row["platform"]), id=str(row["target_id"]))
            ref = MessageRef(place=place, id=str(row["sent_message_id"]))
            try:
                await port.edit_message(ref, notice(meeting, counts, platform=place.platform))
                edited += 1
            except Exception as error:  # the answer is recorded; the count shows next time
                log_failure(log, error, "could not update the counts on notice %s", ref.id)
        return edited


def parse_rsvp(payload: str) -> tuple[int, str, Answer]:
    series, key, answer = payload.split(":")
    return int(series), key, Answer(answer)
