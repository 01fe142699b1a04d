"""/meeting commands: schedule, edit, skip, cancel, next, list, attendees, agenda, minutes,
attend, record, ics, reminders and settings. Every reply is private; every coordinator action
is written to the audit log (by the service)."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Annotated, Any, ClassVar, Literal

from bot import mentions
from bot.cog import Cog
from bot.commands import NETWORK_SLUG_MAX, ActionEvent, Context, Option, Role, action, command
from bot.errors import PermissionDenied, UserError
from bot.events import Leaving
from bot.fanouts import UNREACHED_PROMISE
from bot.identity import PlaceRef, UserRef
from bot.kernel import Kernel
from bot.permissions import denial_message
from bot.privacy import DataStatement
from bot.replies import ActionRef, Attachment, Button, ButtonStyle, Form, FormField, Reply
from bot.storage import Transaction
from cogs.meetings import repository as meetings_repo
from cogs.meetings import trouble
from cogs.meetings.calendar import HORIZON_YEARS, SeriesCalendar, occurrence_ics, series_ics
from cogs.meetings.event_mirror import SWEEP_EVERY as EVENT_SWEEP_EVERY
from cogs.meetings.models import (
    ACCESS_NEEDS_MAX,
    AGENDA_ITEM_MAX,
    AGENDA_MAX,
    ANNOUNCE_DAYS_MAX,
    CAPACITY_MAX,
    CONFIDENTIALITY,
    DURATION_MAX,
    FACILITATOR_MAX,
    HOURS_MAX,
    INTERVAL_MAX,
    LINK_MAX,
    LOCATION_MAX,
    MINUTES_MAX,
    MODES,
    NAME_MAX,
    TOPIC_MAX,
    Answer,
    Meeting,
    Plan,
    Series,
    describe_offset,
    hours_text,
    parse_offsets,
)
from cogs.meetings.notices import RSVP_ACTION, MeetingJobs, job_key, parse_rsvp
from cogs.meetings.render import (
    CHECK_IN_ACTION,
    meeting_phrase,
    meeting_title,
    phrase,
    plan_fields,
)
from cogs.meetings.schedule import (
    describe_rule,
    occurrence_for,
    parse_date,
    parse_nth_weekday,
    parse_time,
)
from cogs.meetings.service import MeetingService, Scheduled, long_date
from cogs.meetings.statement import (
    report_csv,
    report_lines,
    statement_csv,
    statement_html,
    statement_lines,
)
from cogs.meetings.timefmt import describe, discord_timestamp
from cogs.networks.queries import NetworkReader

MINUTES_ACTION = "meeting-minutes"
PLAN_ACTION = "meeting-plan"
HOW_ACTION = "meeting.how"
ACCESS_ACTION = "meeting.access"
ACCESS_FORM_ACTION = "meeting-access"
CANCEL_SERIES_ACTION = "meeting.cancel-series"
KEEP_SERIES_ACTION = "meeting.keep-series"
#: Typed in a text option to clear it (an empty option means "leave it as it is").
CLEAR_WORDS = frozenset({"none", "-", "clear"})
SAME_DATE_WORDS = frozenset({"same date", "same day", "date", "none"})

NetworkOption = Annotated[
    str | None,
    Option(
        "The network's short name, like south-coast",
        autocomplete="complete_network",
        max_length=NETWORK_SLUG_MAX,
    ),
]
DateOption = Annotated[
    str | None, Option("The meeting's date, like 2027-03-10; empty for the next one", max_length=40)
]
SeriesOption = Annotated[
    int | None, Option("The series number, when the network has more than one", min=1)
]


def display(user_key: str) -> str:
    """How to show a person: a neutral mark each platform shows its way."""
    return mentions.person(user_key)


def _cancel_purpose(series_id: int) -> str:
    return f"meeting.cancel-series:{series_id}"


def _clearable(value: str | None) -> str | None:
    """None: unchanged; "": clear; else the text."""
    if value is None:
        return None
    return "" if value.strip().lower() in CLEAR_WORDS else value


class MeetingsCog(Cog):
    name: ClassVar[str] = "meetings"
    title: ClassVar[str] = "Meetings"

    def __init__(self, kernel: Kernel) -> None:
        super().__init__(kernel)
        self.service = MeetingService(kernel.db, kernel.clock, kernel.audit, kernel.outbox)
        self.networks = NetworkReader(kernel.db)
        kernel.privacy.register(
            self.name,
            DataStatement(
                area="Meetings",
                what="your answers (going, maybe, can't go) to network meetings (pressing "
                "Interested on a meeting's Discord event is kept as maybe), whether you come "
                "in the room or online and any access needs you tell the coordinators (only "
                "they see them; they go when you say can't go), the meetings "
                "you attended and for how many hours, the agenda items you suggested, and "
                "whether you turned meeting reminders off. Minutes you recorded as a "
                "coordinator are the network's record: they stay when you delete your data, "
                "but no longer name you",
                why="to tell you about meetings you said you would come to, to give you your "
                "attendance record for professional development, and to build each agenda",
                kept_for="until you delete your data (minutes: as long as the network exists)",
            ),
            self._export,
            self._delete,
            self._move,
        )

        # Notices and reminders: planned from the database, re-planned after every change.
        self.jobs = MeetingJobs(kernel, self.service)
        kernel.scheduler.add_source(self.jobs)
        # Where each notice landed, remembered with its delivery (see noticeboard).
        kernel.outbox.on_delivered("meeting:", self.service.board.delivered)
        self.service.on_change(self._changed)
        kernel.events.on_network_archived(self._replan)
        kernel.events.add_network_facts(self._next_meeting_fact)
        # A server Discord sends (at start, after an outage) can take the events waiting.
        kernel.events.on_space_available(self._space_available)
        # Interested on a meeting's Discord event counts as Maybe (see event_mirror).
        kernel.events.on_event_interest(self._event_interest)
        # A notice, edit or "Starting now" that fails for good is told to the coordinators.
        kernel.outbox.on_failed("meeting:", partial(trouble.outbox_failed, kernel.outbox))
        # Someone who leaves a network (or is removed, or deletes their data) is no longer
        # counted as coming to its meetings and gets no more reminders.
        kernel.events.on_leaving(self._leaving, self._left)
        kernel.events.on_person_deleted(self._person_deleted)
        #: Notices whose counts change once a leaving or a deletion has committed.
        self._recount: dict[str, list[tuple[int, str]]] = {}

    async def start(self) -> None:
        self.kernel.scheduler.add_periodic(
            "meeting-events", self.jobs.events.sweep, EVENT_SWEEP_EVERY
        )

    async def _space_available(self, space: PlaceRef) -> None:
        await self.jobs.events.sync(space_key=space.key)
        # Presses of Interested while peerbot was away reach it only through the list.
        await self.jobs.events.reconcile_interest(space.key)

    async def _event_interest(
        self, space: PlaceRef, event_id: str, user: UserRef, interested: bool
    ) -> None:
        await self.jobs.events.interest(space, event_id, user.key, interested)

    async def _leaving(self, tx: Transaction, leaving: Leaving) -> str:
        person = leaving.person_key
        dropped = await self.service.drop_upcoming_answers(tx, person, leaving.network_id)
        await self._withdraw_reminders(tx, person, dropped)
        self._recount[_recount_key(leaving)] = dropped
        return ""  # nothing to say: the answers simply no longer count

    async def _left(self, leaving: Leaving) -> None:
        await self._redraw(self._recount.pop(_recount_key(leaving), []))

    async def _withdraw_reminders(
        self, tx: Transaction, person: str, meetings: list[tuple[int, str]]
    ) -> None:
        """Reminders already queued for the person (waiting for the platform) never go."""
        for series_id, key in meetings:
            await self.kernel.outbox.skip_pending(
                tx,
                job_key(series_id, key, "reminder-"),
                "no longer answered: they left the network",
                key_suffix=f":{person}",
            )

    async def _redraw(self, meetings: list[tuple[int, str]]) -> None:
        """The posted notices' counts follow, through the outbox (see noticeboard)."""
        if not meetings:
            return
        async with self.kernel.db.transaction() as tx:
            for series_id, key in dict.fromkeys(meetings):
                await self.service.board.refresh(tx, series_id, [key])

    async def _person_deleted(self, person_key: str) -> str:
        await self._redraw(self._recount.pop(person_key, []))
        return ""

    async def _replan(self, _changed_id: int) -> None:
        await self.kernel.scheduler.refresh(self.jobs.name)

    async def _changed(self, series_id: int) -> None:
        await self._replan(series_id)
        await self.jobs.sync_events(series_id)

    async def _next_meeting_fact(self, network_id: int) -> list[tuple[str, str]]:
        meeting = await self.service.next_meeting(network_id)
        if meeting is None:
            return [("Next meeting", "none scheduled")]
        return [("Next meeting", describe(meeting.occurrence))]

    @action(RSVP_ACTION, withdrawable=True)
    async def rsvp_button(self, ctx: Context, event: ActionEvent) -> Reply:
        """Going, Maybe or Can't go, pressed on a notice: saved, then the counts are updated.
        Withdrawn (a Matrix reaction removed): that answer is taken back, if it still stands."""
        try:
            series_id, key, answer = parse_rsvp(event.payload)
        except ValueError:
            raise UserError("That button is out of date. Type /meeting next.") from None
        if event.withdrawn:
            if not await self.service.withdraw_rsvp(series_id, key, ctx.user.key, answer):
                return Reply()  # a later answer replaced it: nothing to take back
            meeting = await self.service.meeting(series_id, key)
            when = describe(meeting.occurrence) if meeting else key
            return Reply.private_text(
                f"Taken back: you no longer answer {answer.label} for the meeting on {when}. "
                "Answer again on the notice, or with /meeting rsvp."
            )
        await self.service.rsvp(series_id, key, ctx.user.key, answer)
        meeting = await self.service.meeting(series_id, key)
        when = describe(meeting.occurrence) if meeting else key
        waiting = await self.service.waitlist_place(series_id, key, ctx.user.key)
        if waiting is not None:
            return Reply.private_text(_waitlisted(when, waiting))
        follow = {
            Answer.GOING: "You will get a reminder the day before and two hours before "
            "(turn them off with /meeting reminders).",
            Answer.MAYBE: "You will get reminders too, in case you can make it.",
            Answer.NO: "Thank you for letting the coordinators know.",
        }[answer]
        text = f"Saved: {answer.label} to the meeting on {when}. {follow}"
        if answer is Answer.NO or meeting is None:
            return Reply.private_text(text)
        return _how_follow_up(meeting, text)

    @action(HOW_ACTION)
    async def how_button(self, ctx: Context, event: ActionEvent) -> Reply:
        """In the room or Online, pressed after Going or Maybe."""
        series_id, key, mode = _split_how(event.payload)
        mine = await self.service.set_how(series_id, key, ctx.user.key, mode=mode)
        return Reply.private_text("Saved. " + _how_said(mine.mode, mine.access_needs))

    @action(ACCESS_ACTION)
    async def access_button(self, ctx: Context, event: ActionEvent) -> Reply:
        """Opens the access-needs form (what the person wrote before, to change)."""
        series_id, _, key = event.payload.partition(":")
        if not series_id.isdigit():
            raise UserError("That button is out of date. Type /meeting next.")
        rsvps = await self.service.rsvps(int(series_id), key)
        mine = next((r for r in rsvps if r.user_key == ctx.user.key), None)
        return Reply(
            text="Tell the coordinators what would help you take part. Only the network's "
            "coordinators see it; it is deleted with your answer.",
            form=Form(
                title="Access needs",
                action=ActionRef(action=ACCESS_FORM_ACTION, payload=event.payload),
                fields=[
                    FormField(
                        name="needs",
                        label="Access needs (empty to remove them)",
                        long=True,
                        required=False,
                        max_length=ACCESS_NEEDS_MAX,
                        default=(mine.access_needs or "") if mine else "",
                    )
                ],
            ),
            private=True,
        )

    @action(ACCESS_FORM_ACTION)
    async def save_access(self, ctx: Context, event: ActionEvent) -> Reply:
        series_id, _, key = event.payload.partition(":")
        if not series_id.isdigit():
            raise UserError("That form is out of date. Type /meeting next.")
        mine = await self.service.set_how(
            int(series_id), key, ctx.user.key, access_needs=event.fields.get("needs", "")
        )
        return Reply.private_text("Saved. " + _how_said(mine.mode, mine.access_needs))

    async def _export(self, tx: Transaction, user_key: str) -> Any:
        return await self.service.export_person(tx, user_key)

    async def _delete(self, tx: Transaction, user_key: str) -> int:
        # Their queued reminders go with every outbox row to them (the privacy cog); the
        # notices they answered show the new counts once the deletion committed.
        self._recount[user_key] = await meetings_repo.answered_anywhere(tx, user_key)
        return await self.service.delete_person(tx, user_key)

    async def _move(self, tx: Transaction, old_key: str, new_key: str) -> int:
        return await meetings_repo.move_person(tx, old_key, new_key)

    # ---- helpers ----------------------------------------------------------------------------

    def _attendees(self, text: str, platform: str) -> list[str]:
        """People typed in ``members:``, as the person keys their data is kept under."""
        keys = self.kernel.people.persons_typed(text, platform)
        if not keys:
            raise UserError("Say who attended in the option 'members'. Nothing was changed.")
        return keys

    @staticmethod
    def _network(ctx: Context) -> int:
        assert ctx.network_id is not None  # the registry insists on one for these roles
        return ctx.network_id

    async def _one_network(self, ctx: Context) -> int:
        """The network named (or of this channel), else the person's only network."""
        if ctx.network_id is not None:
            return ctx.network_id
        mine = await self.networks.member_networks(ctx.user.key)
        if len(mine) == 1:
            return mine[0]
        if not mine:
            raise UserError(
                "You are not in a network yet. Type /network list to see them and "
                "/network join to join one."
            )
        raise UserError(
            "Say which network with network:SHORT-NAME (type /network mine to see yours)."
        )

    async def _my_networks(self, ctx: Context) -> list[int]:
        if ctx.network_id is not None:
            return [ctx.network_id]
        mine = await self.networks.member_networks(ctx.user.key)
        if not mine:
            raise UserError(
                "You are not in a network yet. Type /network list to see them and "
                "/network join to join one."
            )
        return mine

    @staticmethod
    def _day(text: str | None) -> dt.date | None:
        return parse_date(text) if text else None

    @staticmethod
    def _when(ctx: Context, meeting: Meeting) -> str:
        text = describe(meeting.occurrence)
        if ctx.platform == "discord":
            text += f" ({discord_timestamp(meeting.occurrence.start)})"
        return text

    def _details(self, ctx: Context, meeting: Meeting) -> list[str]:
        lines = [f"{meeting_title(meeting)}: {self._when(ctx, meeting)}"]
        if meeting.location:
            lines.append(f"Where: {meeting.location}")
        if meeting.link:
            lines.append(f"Online: {meeting.link}")
        if meeting.agenda:
            lines.append(f"Agenda: {meeting.agenda}")
        lines.append(
            "This meeting is recorded."
            if meeting.series.recorded
            else "This meeting is not recorded."
        )
        return lines

    def _scheduled_text(self, ctx: Context, verb: str, result: Scheduled, slug: str) -> str:
        series = result.series
        lines = [
            f"{verb} {series.name} (series number {series.id}): {describe_rule(series.rule)}.",
        ]
        if result.upcoming:
            lines.append("The next meetings:")
            lines += [f"- {self._when(ctx, m)}" for m in result.upcoming]
        else:
            lines.append("It has no more meetings to come.")
        if result.notes:
            lines.append("Daylight saving:")
            lines += [f"- {note}" for note in result.notes]
        if result.moved:
            lines.append(self._moved(result.moved))
        if result.told:
            people = "person who" if result.told == 1 else "people who"
            be = "is" if result.told == 1 else "are"
            lines.append(
                f"The {result.told} {people} said they would or might come to a date that is "
                f"no longer in the series {be} being told privately. {UNREACHED_PROMISE}"
            )
        if verb == "Changed":
            lines.append("Any notice already posted is being updated.")
        lines.append(f"Members see them with /meeting next network:{slug}.")
        return "\n".join(lines)

    # ---- scheduling -------------------------------------------------------------------------

    @command(
        "manage meeting schedule",
        "Schedule a network's repeating meetings",
        role=Role.EXECUTIVE,
        aliases=("meeting schedule",),
    )
    async def schedule(
        self,
        ctx: Context,
        date: Annotated[
            str, Option("The first meeting's date, like 2027-03-10 or 10 March 2027", max_length=40)
        ],
        time: Annotated[
            str,
            Option("Start time in the network's time zone, like 10:00 or 6:30pm", max_length=20),
        ],
        duration: Annotated[
            int,
            Option(f"Length in minutes, 1 to {DURATION_MAX} (12 hours)", min=1, max=DURATION_MAX),
        ],
        network: NetworkOption = None,
        every: Annotated[
            int,
            Option(
                "Repeat every so many months, 1 to 12 (3 is quarterly)", min=1, max=INTERVAL_MAX
            ),
        ] = 3,
        on: Annotated[
            str | None,
            Option(
                "A weekday of the month, like 'second tuesday'; empty: the same date", max_length=40
            ),
        ] = None,
        location: Annotated[
            str | None, Option("Where it happens, if in person", max_length=LOCATION_MAX)
        ] = None,
        link: Annotated[
            str | None, Option("The online meeting link (https://...)", max_length=LINK_MAX)
        ] = None,
        agenda: Annotated[str | None, Option("The agenda", max_length=AGENDA_MAX)] = None,
        recorded: Annotated[bool, Option("Whether the meeting is recorded")] = False,
        title: Annotated[
            str | None,
            Option("A name for the meetings; default: the network's name", max_length=NAME_MAX),
        ] = None,
        until: Annotated[
            str | None, Option("The last date it may meet on; empty: no end", max_length=40)
        ] = None,
    ) -> Reply:
        network_id = self._network(ctx)
        result = await self.service.schedule(
            actor_key=ctx.user.key,
            network_id=network_id,
            first_date=parse_date(date),
            start_time=parse_time(time),
            duration_minutes=duration,
            interval_months=every,
            nth_weekday=parse_nth_weekday(on) if on else None,
            until=parse_date(until) if until else None,
            name=title,
            location=location,
            link=link,
            agenda=agenda,
            recorded=recorded,
        )
        _, slug = await self.networks.names(network_id)
        return Reply.private_text(self._scheduled_text(ctx, "Scheduled", result, slug))

    @command(
        "manage meeting edit",
        "Change a meeting series, or one meeting by its date",
        role=Role.EXECUTIVE,
        aliases=("meeting edit",),
    )
    async def edit(
        self,
        ctx: Context,
        network: NetworkOption = None,
        date: Annotated[
            str | None,
            Option("Change only the meeting on this date; empty: the whole series", max_length=40),
        ] = None,
        series: SeriesOption = None,
        to: Annotated[
            str | None, Option("Move that one meeting to this date", max_length=40)
        ] = None,
        time: Annotated[str | None, Option("New start time, like 10:00", max_length=20)] = None,
        duration: Annotated[
            int | None, Option("New length in minutes, 1 to 720", min=1, max=DURATION_MAX)
        ] = None,
        every: Annotated[
            int | None, Option("Repeat every so many months (series only)", min=1, max=INTERVAL_MAX)
        ] = None,
        on: Annotated[
            str | None,
            Option("'second tuesday', or 'same date' (series only)", max_length=40),
        ] = None,
        until: Annotated[
            str | None, Option("Last date, or 'none' for no end (series only)", max_length=40)
        ] = None,
        title: Annotated[str | None, Option("New name (series only)", max_length=NAME_MAX)] = None,
        location: Annotated[
            str | None,
            Option(
                "New place; 'none': clear (one meeting: the series' one)", max_length=LOCATION_MAX
            ),
        ] = None,
        link: Annotated[
            str | None,
            Option(
                "New online link; 'none': clear (one meeting: the series' one)", max_length=LINK_MAX
            ),
        ] = None,
        agenda: Annotated[
            str | None,
            Option(
                "New agenda; 'none': clear (one meeting: the series' one)", max_length=AGENDA_MAX
            ),
        ] = None,
        recorded: Annotated[bool | None, Option("Whether it is recorded (series only)")] = None,
    ) -> Reply:
        network_id = self._network(ctx)
        start_time = parse_time(time) if time else None
        if date:
            series_only = {
                "every": every,
                "on": on,
                "until": until,
                "title": title,
                "recorded": recorded,
            }
            given = [name for name, value in series_only.items() if value is not None]
            if given:
                raise UserError(
                    f"{', '.join(given)} can only be changed for the whole series: leave out "
                    "date:... to change the series. Nothing was changed."
                )
            edited = await self.service.edit_occurrence(
                actor_key=ctx.user.key,
                network_id=network_id,
                day=parse_date(date),
                series_id=series,
                new_date=parse_date(to) if to else None,
                start_time=start_time,
                duration_minutes=duration,
                location=_clearable(location),
                link=_clearable(link),
                agenda=_clearable(agenda),
            )
            lines = ["Changed that one meeting. It is now:", *self._details(ctx, edited.meeting)]
            if edited.note:
                lines.append(f"Daylight saving: {edited.note}")
            if edited.moved:
                lines.append(self._moved(edited.moved))
            lines.append("Its notice, if already posted, is being updated.")
            return Reply.private_text("\n".join(lines))
        if to:
            raise UserError(
                "To move one meeting, say which with date:... as well as to:... . To move the "
                "whole series, change its time or its day (on:...). Nothing was changed."
            )
        series_id = series
        if series_id is None:
            found = await self.service.series(network_id)
            if len(found) != 1:
                name, slug = await self.networks.names(network_id)
                if not found:
                    raise UserError(
                        f"{name} has no meetings scheduled. Schedule them with "
                        f"/manage meeting schedule network:{slug}."
                    )
                numbers = ", ".join(str(s.id) for s in found)
                raise UserError(
                    f"{name} has more than one meeting series ({numbers}). Say which with "
                    "series:NUMBER. Nothing was changed."
                )
            series_id = found[0].id
        same_date = on is not None and on.strip().lower() in SAME_DATE_WORDS
        no_end = until is not None and until.strip().lower() in CLEAR_WORDS
        nth = parse_nth_weekday(on) if on is not None and not same_date else None
        end = parse_date(until) if until is not None and not no_end else None
        result = await self.service.edit_series(
            actor_key=ctx.user.key,
            network_id=network_id,
            series_id=series_id,
            start_time=start_time,
            duration_minutes=duration,
            interval_months=every,
            nth_weekday=nth,
            same_date=same_date,
            until=end,
            no_end=no_end,
            name=title,
            location=_clearable(location),
            link=_clearable(link),
            agenda=_clearable(agenda),
            recorded=recorded,
        )
        _, slug = await self.networks.names(network_id)
        return Reply.private_text(self._scheduled_text(ctx, "Changed", result, slug))

    @command(
        "manage meeting skip",
        "Skip one meeting of a series",
        role=Role.EXECUTIVE,
        aliases=("meeting skip",),
    )
    async def skip(
        self,
        ctx: Context,
        date: Annotated[
            str, Option("The date of the meeting to skip, like 2027-03-10", max_length=40)
        ],
        network: NetworkOption = None,
        series: SeriesOption = None,
    ) -> Reply:
        meeting, told = await self.service.skip(
            actor_key=ctx.user.key,
            network_id=self._network(ctx),
            day=parse_date(date),
            series_id=series,
        )
        return Reply.private_text(
            f"Skipped the {meeting.series.name} on {describe(meeting.occurrence)}. "
            + self._told(told)
        )

    @staticmethod
    def _told(told: int) -> str:
        if told == 0:
            return "Nobody had said they were coming, so nobody needed telling."
        people = (
            "person who said they would or might come is"
            if told == 1
            else "people who said they would or might come are"
        )
        return f"The {told} {people} being told privately. {UNREACHED_PROMISE}"

    @staticmethod
    def _moved(told: int) -> str:
        people = (
            "person who said they would or might come is"
            if told == 1
            else "people who said they would or might come are"
        )
        return (
            f"The {told} {people} being told privately, with the old and new time and buttons "
            f"to change their answer (it stays as it was). {UNREACHED_PROMISE}"
        )

    @command(
        "manage meeting cancel",
        "Cancel one meeting, or a whole series",
        role=Role.EXECUTIVE,
        aliases=("meeting cancel",),
    )
    async def cancel(
        self,
        ctx: Context,
        network: NetworkOption = None,
        date: Annotated[
            str | None, Option("The date of the one meeting to cancel", max_length=40)
        ] = None,
        whole: Annotated[bool, Option("Cancel the whole series (every meeting to come)")] = False,
        series: SeriesOption = None,
    ) -> Reply:
        network_id = self._network(ctx)
        if date and whole:
            raise UserError(
                "Give either date:... (one meeting) or whole:true (the whole series), not both. "
                "Nothing was changed."
            )
        if date:
            meeting, told = await self.service.skip(
                actor_key=ctx.user.key,
                network_id=network_id,
                day=parse_date(date),
                series_id=series,
                cancelled=True,
            )
            return Reply.private_text(
                f"Cancelled the {meeting.series.name} on {describe(meeting.occurrence)}. "
                + self._told(told)
            )
        if not whole:
            raise UserError(
                "Say what to cancel: date:YYYY-MM-DD for one meeting, or whole:true for the "
                "whole series. Nothing was changed."
            )
        found = await self.service.series_to_cancel(network_id, series)
        token = await self.kernel.confirmations.create(ctx.user.key, _cancel_purpose(found.id))
        minutes = self.kernel.settings.retention.confirmation_minutes
        upcoming = [m for m in await self.service.upcoming(network_id) if m.series.id == found.id]
        name, _ = await self.networks.names(network_id)
        nxt = f" The next one would be {self._when(ctx, upcoming[0])}." if upcoming else ""
        payload = f"{found.id}:{token}"
        return Reply(
            text=(
                f"This cancels every meeting to come of {phrase(name, found.name)} "
                f"(series number {found.id}, {describe_rule(found.rule)}).{nxt} Everyone who "
                "said they would or might come to one is told privately, and its notices say "
                "it is cancelled. Attendance records and minutes stay. It cannot be undone: to "
                "meet again, schedule a new series. "
                f"Press the button within {minutes} minutes to confirm."
            ),
            buttons=[
                Button(
                    label="Cancel the whole series",
                    action=ActionRef(action=CANCEL_SERIES_ACTION, payload=payload),
                    style=ButtonStyle.DANGER,
                ),
                Button(
                    label="Keep the series",
                    action=ActionRef(action=KEEP_SERIES_ACTION, payload=payload),
                ),
            ],
            private=True,
        )

    @staticmethod
    def _series_token(payload: str) -> tuple[int, str]:
        series_id, _, token = payload.partition(":")
        if not series_id.isdigit() or not token:
            raise UserError(
                "That button is out of date. Type /manage meeting cancel whole:true again."
            )
        return int(series_id), token

    @action(CANCEL_SERIES_ACTION, role=Role.EXECUTIVE)
    async def confirm_cancel_series(self, ctx: Context, event: ActionEvent) -> Reply:
        """The one-time button under /manage meeting cancel whole:true: cancels the series once."""
        series_id, token = self._series_token(event.payload)
        found = await self.service.series_by_id(series_id)
        if found is None:
            raise UserError("That meeting series no longer exists. Nothing was changed.")
        role = await self.kernel.registry.directory.role_of(ctx.user.key, found.network_id)
        if role < Role.EXECUTIVE:
            raise PermissionDenied(
                "You need to be an executive or coordinator of that series' network to cancel "
                "it. Nothing was changed."
            )
        purpose = _cancel_purpose(series_id)

        async def confirm(tx: Transaction) -> bool:
            return await self.kernel.confirmations.consume_in(tx, ctx.user.key, purpose, token)

        cancelled, told = await self.service.cancel_series(
            actor_key=ctx.user.key,
            network_id=found.network_id,
            series_id=series_id,
            confirm=confirm,
        )
        return Reply.private_text(
            f"Cancelled the whole series {cancelled.name} (number {cancelled.id}): it has no more "
            "meetings. Its attendance records and minutes stay. " + self._told(told)
        )

    @action(KEEP_SERIES_ACTION, role=Role.EXECUTIVE)
    async def keep_series(self, ctx: Context, event: ActionEvent) -> Reply:
        series_id, token = self._series_token(event.payload)
        await self.kernel.confirmations.consume(ctx.user.key, _cancel_purpose(series_id), token)
        return Reply.private_text("The series stays as it is. Nothing was cancelled.")

    # ---- seeing them ------------------------------------------------------------------------

    @command("meeting next", "The next meeting of your networks, or of one")
    async def next(self, ctx: Context, network: NetworkOption = None) -> Reply:
        lines: list[str] = []
        shown = False
        for network_id in await self._my_networks(ctx):
            name, slug = await self.networks.names(network_id)
            meeting = await self.service.next_meeting(network_id)
            if meeting is None:
                lines.append(f"{name} has no meetings scheduled.")
                continue
            lines += self._details(ctx, meeting)
            answer = await self.service.my_answer(meeting.series.id, meeting.key, ctx.user.key)
            if answer is not None:
                lines.append(f"Your answer: {answer.label}.")
            lines.append(
                f"Calendar file: /meeting ics network:{slug}. Suggest an agenda item: "
                f"/meeting agenda network:{slug} add:..."
            )
            lines.append("")
            shown = True
        if shown:  # the reminder is about a meeting; with none there is nothing to remind of
            lines.append(CONFIDENTIALITY)
        return Reply.private_text("\n".join(lines).strip())

    @command("meeting list", "A network's upcoming meetings")
    async def list_meetings(
        self,
        ctx: Context,
        network: NetworkOption = None,
        count: Annotated[int, Option("How many, 1 to 12", min=1, max=12)] = 6,
    ) -> Reply:
        lines: list[str] = []
        for network_id in await self._my_networks(ctx):
            name, _ = await self.networks.names(network_id)
            found = await self.service.upcoming(network_id, limit=count)
            if not found:
                lines.append(f"{name} has no meetings scheduled.")
                continue
            lines.append(f"Upcoming meetings of {name}:")
            several = len({m.series.id for m in found}) > 1
            for meeting in found:
                label = f" (series {meeting.series.id})" if several else ""
                moved = " (moved)" if meeting.occurrence.overridden else ""
                lines.append(f"- {self._when(ctx, meeting)}{label}{moved}")
        return Reply.private_text("\n".join(lines))

    @command(
        "manage meeting attendees",
        "Who answered Going, Maybe or Can't go",
        role=Role.EXECUTIVE,
        aliases=("meeting attendees",),
    )
    async def attendees(
        self,
        ctx: Context,
        network: NetworkOption = None,
        date: DateOption = None,
        series: SeriesOption = None,
    ) -> Reply:
        network_id = self._network(ctx)
        meeting = await self.service.find(network_id, day=self._day(date), series_id=series)
        rsvps = await self.service.rsvps(meeting.series.id, meeting.key)
        waiting = await self.service.waitlist(meeting.series.id, meeting.key)
        lines = [f"Answers for the {meeting.series.name} on {self._when(ctx, meeting)}:"]
        for answer in Answer:
            people = [
                display(r.user_key) + (f" ({MODES[r.mode]})" if r.mode else "")
                for r in rsvps
                if r.answer is answer and r.user_key not in waiting
            ]
            lines.append(f"{answer.label} ({len(people)}): {', '.join(people) or 'nobody'}")
        coming = [r for r in rsvps if r.answer is Answer.GOING and r.user_key not in waiting]
        if any(r.mode for r in coming):
            room = sum(r.mode == "room" for r in coming)
            online = sum(r.mode == "online" for r in coming)
            lines.append(
                f"Going in the room: {room}; going online: {online}; "
                f"not said: {len(coming) - room - online}."
            )
        role = await self.kernel.registry.directory.role_of(ctx.user.key, network_id)
        needs = [r for r in rsvps if r.access_needs and r.answer is not Answer.NO]
        if needs and role >= Role.COORDINATOR:
            lines.append("Access needs (for coordinators only; please keep them private):")
            lines += [f"- {display(r.user_key)}: {r.access_needs}" for r in needs]
        elif needs:
            lines.append(
                f"{len(needs)} {'person has' if len(needs) == 1 else 'people have'} told "
                "the coordinators of access needs (only coordinators see them)."
            )
        if waiting:
            listed = ", ".join(f"{n}. {display(k)}" for n, k in enumerate(waiting, 1))
            lines.append(f"Waitlist ({len(waiting)}, in order): {listed}")
        attended = await self.service.attendees(meeting)
        if attended:
            lines.append(
                f"Marked as attended ({len(attended)}): "
                + ", ".join(f"{display(k)} ({h:g} h)" for k, h in attended)
            )
        return Reply.private_text("\n".join(lines))

    # ---- agenda and minutes -----------------------------------------------------------------

    @command("meeting agenda", "A meeting's agenda; suggest an item with add:")
    async def agenda(
        self,
        ctx: Context,
        network: NetworkOption = None,
        add: Annotated[
            str | None, Option("An item to suggest for the agenda", max_length=AGENDA_ITEM_MAX)
        ] = None,
        date: DateOption = None,
        series: SeriesOption = None,
        anonymous: Annotated[
            bool, Option("Leave your name off the item: everyone sees 'a member'")
        ] = False,
    ) -> Reply:
        network_id = await self._one_network(ctx)
        role = await self.kernel.registry.directory.role_of(ctx.user.key, network_id)
        if role < Role.MEMBER:
            name, _ = await self.networks.names(network_id)
            raise PermissionDenied(
                denial_message(Role.MEMBER, None).replace(" in any network", f" in {name}")
            )
        meeting = await self.service.find(network_id, day=self._day(date), series_id=series)
        if add is not None:
            await self.service.add_agenda_item(meeting, ctx.user.key, add, anonymous=anonymous)
            shown = (
                " It is shown as suggested by 'a member', to coordinators too." if anonymous else ""
            )
            return Reply.private_text(
                f"Added your suggestion to the agenda of the {meeting.series.name} on "
                f"{self._when(ctx, meeting)}.{shown} Suggestions close when the meeting starts."
            )
        lines = [f"Agenda of the {meeting.series.name} on {self._when(ctx, meeting)}:"]
        planned = [f"{f.name}: {f.value}" for f in plan_fields(meeting)]
        lines += planned or ["The coordinators have not set an agenda yet."]
        items = await self.service.agenda_items(meeting)
        if items:
            lines.append("Suggested by members:")
            lines += [
                f"{n}. {item.text} ({'a member' if item.anonymous else display(item.user_key)})"
                for n, item in enumerate(items, 1)
            ]
        if meeting.occurrence.start > ctx.now:
            lines.append(
                f"Suggest an item with /meeting agenda network:{meeting.network_slug} add:... "
                "until the meeting starts."
            )
        return Reply.private_text("\n".join(lines))

    @command(
        "manage meeting plan",
        "One meeting's own topic, facilitator and agenda (a form when none is given)",
        role=Role.EXECUTIVE,
        aliases=("meeting plan",),
    )
    async def plan(
        self,
        ctx: Context,
        network: NetworkOption = None,
        date: DateOption = None,
        topic: Annotated[
            str | None,
            Option(
                "This meeting's professional development topic; none to clear", max_length=TOPIC_MAX
            ),
        ] = None,
        facilitator: Annotated[
            str | None,
            Option("Who facilitates this meeting; none to clear", max_length=FACILITATOR_MAX),
        ] = None,
        agenda: Annotated[
            str | None,
            Option("This meeting's own agenda; none to clear", max_length=AGENDA_MAX),
        ] = None,
        series: SeriesOption = None,
        accept: Annotated[
            str | None,
            Option(
                "Suggested items to add to this meeting's agenda, by their numbers in "
                "/meeting agenda, like 1,3",
                max_length=100,
            ),
        ] = None,
    ) -> Reply:
        """Set for that date only: the series' standing agenda and other meetings stay."""
        network_id = self._network(ctx)
        meeting = await self.service.find(network_id, day=self._day(date), series_id=series)
        if accept is not None:
            agenda = await self._accepted(meeting, accept, agenda)
        if topic is None and facilitator is None and agenda is None:
            current = meeting.plan
            return Reply(
                text=f"Plan the {meeting.series.name} on {describe(meeting.occurrence)} in the "
                "form. It applies to that meeting only; an empty field is cleared.",
                form=Form(
                    title="Plan this meeting",
                    action=ActionRef(
                        action=PLAN_ACTION, payload=f"{meeting.series.id}:{meeting.key}"
                    ),
                    fields=[
                        FormField(
                            name="topic",
                            label="Professional development topic",
                            max_length=TOPIC_MAX,
                            required=False,
                            default=current.topic or "",
                        ),
                        FormField(
                            name="facilitator",
                            label="Facilitator",
                            max_length=FACILITATOR_MAX,
                            required=False,
                            default=current.facilitator or "",
                        ),
                        FormField(
                            name="agenda",
                            label="This meeting's agenda",
                            long=True,
                            max_length=AGENDA_MAX,
                            required=False,
                            default=current.agenda or "",
                        ),
                    ],
                ),
                private=True,
            )

        def given(value: str | None) -> str | None:
            if value is None:
                return None
            return "" if value.strip().lower() in CLEAR_WORDS else value.replace("\\n", "\n")

        new = await self.service.plan(
            actor_key=ctx.user.key,
            meeting=meeting,
            topic=given(topic),
            facilitator=given(facilitator),
            agenda=given(agenda),
        )
        return Reply.private_text(_planned(meeting, new, self._when(ctx, meeting)))

    async def _accepted(self, meeting: Meeting, accept: str, agenda: str | None) -> str:
        """This meeting's agenda with the suggested items numbered in ``accept`` added."""
        items = await self.service.agenda_items(meeting)
        picked: list[int] = []
        for part in accept.replace(" ", "").split(","):
            if not part.isdigit() or not 1 <= int(part) <= len(items):
                raise UserError(
                    f"'{part}' is not the number of a suggested item: type /meeting agenda to "
                    f"see them (numbered 1 to {len(items)}). Nothing was changed."
                    if items
                    else "That meeting has no suggested items yet. Nothing was changed."
                )
            if int(part) not in picked:
                picked.append(int(part))
        base = meeting.plan.agenda if agenda is None else agenda
        added = "\n".join(f"- {items[n - 1].text}" for n in picked)
        return f"{base}\n{added}" if base and base.strip() else added

    @action(PLAN_ACTION, role=Role.EXECUTIVE)
    async def save_plan(self, ctx: Context, event: ActionEvent) -> Reply:
        meeting = await self._meeting_named(
            event.payload,
            "That meeting is no longer on the calendar. Run /manage meeting plan again. "
            "Nothing was changed.",
        )
        await self._require(ctx, meeting, Role.EXECUTIVE, "an executive or coordinator")
        new = await self.service.plan(
            actor_key=ctx.user.key,
            meeting=meeting,
            topic=event.fields.get("topic", ""),
            facilitator=event.fields.get("facilitator", ""),
            agenda=event.fields.get("agenda", ""),
        )
        return Reply.private_text(_planned(meeting, new, self._when(ctx, meeting)))

    @command("meeting rsvp", "Say whether you are coming to a meeting")
    async def rsvp(
        self,
        ctx: Context,
        answer: Annotated[Answer, Option("Going, maybe, or no (can't go)")],
        network: NetworkOption = None,
        date: DateOption = None,
        series: SeriesOption = None,
        how: Annotated[
            Literal["room", "online"] | None,
            Option("In the room or online (with going or maybe)"),
        ] = None,
        access: Annotated[
            str | None,
            Option(
                "Access needs, seen by the coordinators only; none to remove",
                max_length=ACCESS_NEEDS_MAX,
            ),
        ] = None,
    ) -> Reply:
        """The same as the buttons on a notice, for places without buttons (the console)."""
        network_id = await self._one_network(ctx)
        meeting = await self.service.find(network_id, day=self._day(date), series_id=series)
        if answer is Answer.NO and (how or access):
            raise UserError(
                "How you come and access needs go with going or maybe, not with no. "
                "Nothing was saved."
            )
        await self.service.rsvp(meeting.series.id, meeting.key, ctx.user.key, answer)
        waiting = await self.service.waitlist_place(meeting.series.id, meeting.key, ctx.user.key)
        said = f"Saved: {answer.label} to the {meeting.series.name} on {self._when(ctx, meeting)}."
        if waiting is not None:
            said = _waitlisted(self._when(ctx, meeting), waiting)
        if how or access is not None:
            needs = None
            if access is not None:
                needs = "" if access.strip().lower() in CLEAR_WORDS else access
            mine = await self.service.set_how(
                meeting.series.id, meeting.key, ctx.user.key, mode=how, access_needs=needs
            )
            said += " " + _how_said(mine.mode, mine.access_needs)
        elif answer is not Answer.NO:
            said += (
                " Add how:room or how:online to say how you come, and access:... for access "
                "needs (only the coordinators see them)."
            )
        return Reply.private_text(said)

    @command(
        "manage meeting minutes",
        "Record a meeting's minutes (a form)",
        role=Role.COORDINATOR,
        aliases=("meeting minutes",),
    )
    async def minutes(
        self,
        ctx: Context,
        network: NetworkOption = None,
        date: Annotated[
            str | None, Option("The meeting's date; empty: the most recent one", max_length=40)
        ] = None,
        series: SeriesOption = None,
    ) -> Reply:
        network_id = self._network(ctx)
        meeting = await self.service.find(
            network_id, day=self._day(date), series_id=series, past=True
        )
        if meeting.occurrence.start > ctx.now:
            raise UserError(
                "That meeting has not started yet, so there are no minutes to record. "
                "Nothing was changed."
            )
        current = await self.service.minutes(meeting)
        return Reply(
            text=f"Write the minutes of the {meeting.series.name} on "
            f"{describe(meeting.occurrence)} in the form. Leave out anything that could "
            "identify a person someone supports.",
            form=Form(
                title="Meeting minutes",
                action=ActionRef(
                    action=MINUTES_ACTION, payload=f"{meeting.series.id}:{meeting.key}"
                ),
                fields=[
                    FormField(
                        name="minutes",
                        label="Minutes",
                        long=True,
                        max_length=MINUTES_MAX,
                        default=current.text if current else "",
                    )
                ],
            ),
            private=True,
        )

    @action(MINUTES_ACTION, role=Role.COORDINATOR)
    async def save_minutes(self, ctx: Context, event: ActionEvent) -> Reply:
        meeting = await self._meeting_named(
            event.payload,
            "That meeting no longer exists. Run /manage meeting minutes again. "
            "Nothing was changed.",
        )
        await self._require(ctx, meeting, Role.COORDINATOR, "a coordinator")
        text = event.fields.get("minutes", "")
        await self.service.record_minutes(actor_key=ctx.user.key, meeting=meeting, text=text)
        posted = await self.jobs.post_minutes(meeting, text.strip())
        where = (
            " They are posted in a thread under the meeting's notice."
            if posted
            else " There is no posted notice to put them under, so they are only kept here."
        )
        return Reply.private_text(
            f"Saved the minutes of the {meeting.series.name} on {describe(meeting.occurrence)}."
            + where
        )

    @command(
        "manage meeting attend",
        "Mark who attended a meeting",
        role=Role.COORDINATOR,
        aliases=("meeting attend",),
    )
    async def attend(
        self,
        ctx: Context,
        network: NetworkOption = None,
        members: Annotated[
            str | None,
            Option(
                "Who came (ids or mentions, by commas); empty: all who said Going", max_length=1000
            ),
        ] = None,
        date: Annotated[
            str | None, Option("The meeting's date; empty: the most recent one", max_length=40)
        ] = None,
        hours: Annotated[
            float | None,
            Option("Hours attended; empty: the meeting's length", min=0.25, max=HOURS_MAX),
        ] = None,
        series: SeriesOption = None,
        remove: Annotated[
            bool, Option("Unmark the members named: they did not attend after all")
        ] = False,
    ) -> Reply:
        network_id = self._network(ctx)
        if remove and not members:
            raise UserError(
                "Say who to unmark in the option 'members' (ids or mentions, by commas). "
                "Nothing was changed."
            )
        meeting = await self.service.find(
            network_id, day=self._day(date), series_id=series, past=True
        )
        if remove:
            assert members is not None
            removed = await self.service.unmark_attendance(
                actor_key=ctx.user.key,
                meeting=meeting,
                user_keys=self._attendees(members, ctx.platform),
            )
            return Reply.private_text(
                f"Unmarked {len(removed)} {'person' if len(removed) == 1 else 'people'}: "
                + ", ".join(display(k) for k in removed)
                + f". They are no longer recorded as attending {meeting_phrase(meeting)} on "
                f"{describe(meeting.occurrence)}."
            )
        people = await self.service.mark_attendance(
            actor_key=ctx.user.key,
            meeting=meeting,
            user_keys=self._attendees(members, ctx.platform) if members else None,
            hours=hours,
        )
        marked_hours = hours if hours is not None else meeting.hours
        return Reply.private_text(
            f"Marked {len(people)} {'person' if len(people) == 1 else 'people'} as attending the "
            f"{meeting.series.name} on {describe(meeting.occurrence)} ({marked_hours:g} hours): "
            + ", ".join(display(k) for k in people)
            + ". Each can get their record with /meeting record."
        )

    @action(CHECK_IN_ACTION)
    async def check_in_button(self, ctx: Context, event: ActionEvent) -> Reply:
        """Check in, pressed on the "Starting now" post."""
        meeting = await self._meeting_named(
            event.payload, "That meeting is no longer on the calendar. Nothing was saved."
        )
        return Reply.private_text(await self._check_in(ctx, meeting))

    async def _meeting_named(self, payload: str, gone: str) -> Meeting:
        """The meeting a button or form names (``series:key``); ``gone`` when it is no longer
        on the calendar (moved, skipped away, or the series cancelled)."""
        series_id, _, key = payload.partition(":")
        meeting = await self.service.meeting(int(series_id), key) if series_id.isdigit() else None
        if meeting is None:
            raise UserError(gone)
        return meeting

    async def _require(self, ctx: Context, meeting: Meeting, needed: Role, who: str) -> None:
        """A form sent by someone who no longer holds the role it needs changes nothing."""
        role = await self.kernel.registry.directory.role_of(ctx.user.key, meeting.series.network_id)
        if role < needed:
            raise PermissionDenied(
                f"You need to be {who} in {meeting.network_name} to do that. Nothing was changed."
            )

    @command("meeting here", "Check in at a meeting that is on now (records your attendance)")
    async def here(
        self,
        ctx: Context,
        network: NetworkOption = None,
        series: SeriesOption = None,
    ) -> Reply:
        network_id = await self._one_network(ctx)
        meeting = await self.service.on_now(network_id, series_id=series)
        if meeting is None:
            raise UserError(
                "No meeting of that network is on now. Check-in opens 15 minutes before a "
                "meeting starts and closes when it ends. Type /meeting next to see when the "
                "next one is."
            )
        return Reply.private_text(await self._check_in(ctx, meeting))

    async def _check_in(self, ctx: Context, meeting: Meeting) -> str:
        new = await self.service.check_in(meeting, ctx.user.key)
        said = "Checked in" if new else "You were already checked in"
        return (
            f"{said} at the {meeting.series.name} on {describe(meeting.occurrence)}: "
            f"{hours_text(meeting.hours)} on your record (/meeting record). A coordinator can "
            "correct it."
        )

    # ---- a person's own things --------------------------------------------------------------

    @command(
        "meeting record",
        "Your professional development statement: meetings attended, as CSV and a printable page",
        role=Role.EVERYONE,
        aliases=("meeting statement",),
    )
    async def record(
        self,
        ctx: Context,
        network: NetworkOption = None,
        year: Annotated[int | None, Option("Only this year, like 2035", min=2000, max=2100)] = None,
    ) -> Reply:
        records = await self.service.record(ctx.user.key, ctx.network_id)
        if year is not None:
            records = [r for r in records if r.day.year == year]
        if not records:
            return Reply.private_text(
                "No meeting attendance is recorded for you yet"
                + (f" in {year}" if year else "")
                + ". Check in during a meeting (/meeting here), or a coordinator marks who "
                "attended."
            )
        person = ctx.user.display_name or ctx.user.id
        return Reply(
            text="\n".join(statement_lines(records)),
            attachments=[
                Attachment.from_bytes(
                    "pd-statement.csv",
                    statement_csv(records),
                    "text/csv",
                    "Your meetings: date, network, meeting, topic, facilitator and hours",
                ),
                Attachment.from_bytes(
                    "pd-statement.html",
                    statement_html(records, person),
                    "text/html",
                    "Your professional development statement, to print from a web browser",
                ),
            ],
            private=True,
        )

    @command(
        "manage meeting report",
        "Attendance per meeting and per year, with a CSV file",
        role=Role.COORDINATOR,
        aliases=("meeting report",),
    )
    async def report(
        self,
        ctx: Context,
        network: NetworkOption = None,
        year: Annotated[int | None, Option("Only this year, like 2035", min=2000, max=2100)] = None,
    ) -> Reply:
        network_id = self._network(ctx)
        name, _ = await self.networks.names(network_id)
        held = await self.service.attendance_report(network_id, year)
        if not held:
            return Reply.private_text(
                f"No attendance is recorded for {name}'s meetings"
                + (f" in {year}" if year else "")
                + " yet. Members check in during a meeting, or mark it with /manage meeting "
                "attend."
            )
        return Reply(
            text="\n".join(report_lines(name, year, held)),
            attachments=[
                Attachment.from_bytes(
                    "meeting-attendance.csv",
                    report_csv(held),
                    "text/csv",
                    "Attendance per meeting: date, meeting, topic, people and hours",
                )
            ],
            private=True,
        )

    @command("meeting ics", "A calendar file for the next meeting or the whole series")
    async def ics(
        self,
        ctx: Context,
        network: NetworkOption = None,
        whole: Annotated[bool, Option("The whole series instead of one meeting")] = False,
        date: DateOption = None,
        series: SeriesOption = None,
    ) -> Reply:
        network_id = await self._one_network(ctx)
        day = self._day(date)
        stamp = ctx.now
        try:
            meeting = await self.service.find(network_id, day=day, series_id=series)
        except UserError:
            if day is None or whole:
                raise
            # A skipped or cancelled date: its file takes it out of a calendar.
            cancelled = await self._cancelled_on(network_id, day, series)
            if cancelled is None:
                raise
            found_series, key = cancelled
            calendar = await self._calendar(found_series, network_id, ctx.user.key)
            _, slug = await self.networks.names(network_id)
            return self._ics_reply(
                f"{slug}-meeting-{key}.ics",
                occurrence_ics(calendar, key, stamp=stamp),
                f"The {found_series.name} on {long_date(day)} was skipped or cancelled. If you "
                "added it to your calendar, open this calendar file to take it out.",
            )
        found = meeting.series
        calendar = await self._calendar(found, network_id, ctx.user.key)
        if whole:
            return self._ics_reply(
                f"{meeting.network_slug}-meetings.ics",
                series_ics(calendar, stamp=stamp),
                f"The calendar file for the meetings of {found.name}: "
                f"{describe_rule(found.rule)}. It lists them up to {HORIZON_YEARS} years ahead, "
                "skipped and cancelled ones marked as cancelled. Open it to add them to your "
                "calendar; after a change, download it again and open it to update them.",
            )
        return self._ics_reply(
            f"{meeting.network_slug}-meeting-{meeting.key}.ics",
            occurrence_ics(calendar, meeting.key, stamp=stamp),
            f"The calendar file for the {found.name} on {self._when(ctx, meeting)}. "
            "Open it to add it to your calendar.",
        )

    @staticmethod
    def _ics_reply(filename: str, data: bytes, text: str) -> Reply:
        return Reply(
            text=text,
            attachments=[Attachment.from_bytes(filename, data, "text/calendar", "A calendar file")],
            private=True,
        )

    async def _cancelled_on(
        self, network_id: int, day: dt.date, series_id: int | None
    ) -> tuple[Series, str] | None:
        """The one active series whose meeting on ``day`` was skipped or cancelled, if any."""
        key = day.isoformat()
        found: list[Series] = []
        for candidate in await self.service.series(network_id):
            if series_id is not None and candidate.id != series_id:
                continue
            changes = await self.service.changes(candidate.id)
            if key in changes.skipped and occurrence_for(candidate.rule, key) is not None:
                found.append(candidate)
        return (found[0], key) if len(found) == 1 else None

    async def _calendar(self, series: Series, network_id: int, user_key: str) -> SeriesCalendar:
        """The series as its calendar files show it; alarms at the network's reminder times,
        unless this person turned their reminders off."""
        changes = await self.service.changes(series.id)
        settings = await self.service.settings(network_id)
        reminders_off = await self.service.reminders_off(user_key)
        async with self.service.db.reading() as tx:
            created, changed, occurrence_changed = await meetings_repo.revisions_of(tx, series.id)
        return SeriesCalendar(
            uid=f"series-{series.id}",
            name=series.name,
            rule=series.rule,
            location=series.location,
            link=series.link,
            description=series.agenda,
            skipped=changes.skipped,
            overrides=changes.overrides,
            cancelled=not series.active,
            reminders=() if reminders_off else settings.reminder_offsets,
            created=created,
            changed=changed,
            occurrence_changed=occurrence_changed,
        )

    @command("meeting reminders", "Turn your meeting reminders on or off", role=Role.EVERYONE)
    async def reminders(
        self,
        ctx: Context,
        state: Annotated[
            Literal["on", "off"] | None, Option("on or off; empty: see what they are now")
        ] = None,
    ) -> Reply:
        if state is None:
            off = await self.service.reminders_off(ctx.user.key)
            return Reply.private_text(
                "Your meeting reminders are "
                + (
                    "off. Turn them on with /meeting reminders state:on."
                    if off
                    else "on: "
                    "peerbot reminds you privately before meetings you said you would come to. "
                    "Turn them off with /meeting reminders state:off."
                )
            )
        on = state == "on"
        await self.service.set_reminders(ctx.user.key, on=on)
        if on:
            return Reply.private_text(
                "Your meeting reminders are on: peerbot reminds you privately before meetings "
                "you said you would come to (Going or Maybe)."
            )
        return Reply.private_text(
            "Your meeting reminders are off. You still see notices in your network's "
            "announcements channel. Turn them back on with /meeting reminders state:on."
        )

    @command(
        "manage meeting settings",
        "When notices and reminders go out",
        role=Role.COORDINATOR,
        aliases=("meeting settings",),
    )
    async def settings(
        self,
        ctx: Context,
        network: NetworkOption = None,
        notice_days: Annotated[
            int | None,
            Option(
                f"Days before each meeting to post its notice, 0 to {ANNOUNCE_DAYS_MAX}",
                min=0,
                max=ANNOUNCE_DAYS_MAX,
            ),
        ] = None,
        reminders: Annotated[
            str | None, Option("Reminder times before, like '1d, 2h', or 'none'", max_length=60)
        ] = None,
        mention: Annotated[
            Literal["on", "off"] | None,
            Option("Whether a notice mentions the network's member role"),
        ] = None,
        discord_event: Annotated[
            Literal["on", "off"] | None,
            Option("Whether meetings show as Discord events (seen by the whole server)"),
        ] = None,
    ) -> Reply:
        network_id = self._network(ctx)
        name, _ = await self.networks.names(network_id)
        if all(v is None for v in (notice_days, reminders, mention, discord_event)):
            current = await self.service.settings(network_id)
        else:
            current = await self.service.set_settings(
                actor_key=ctx.user.key,
                network_id=network_id,
                announce_days=notice_days,
                reminder_offsets=parse_offsets(reminders) if reminders is not None else None,
                mention_members=None if mention is None else mention == "on",
                native_events=None if discord_event is None else discord_event == "on",
            )
        offsets = ", ".join(describe_offset(o) for o in current.reminder_offsets) or "none"
        mentions_said = (
            "a notice mentions the network's member role, so members who get only @mentions "
            "are told (turn it off with mention:off)"
            if current.mention_members
            else "notices mention nobody (mention:on mentions the network's member role)"
        )
        events_said = (
            "each meeting is also a Discord event, which Discord shows to everyone in the "
            "server, not only the network (discord_event:off for a private network)"
            if current.native_events
            else "meetings are not shown as Discord events (discord_event:on to show them)"
        )
        return Reply.private_text(
            f"Meeting settings of {name}: the notice goes out {current.announce_days} days "
            f"before each meeting; reminders go {offsets} before (to people who said Going or "
            f"Maybe); {mentions_said}; {events_said}."
        )

    @command(
        "manage meeting capacity",
        "How many places one meeting has; more Going answers wait on a waitlist",
        role=Role.EXECUTIVE,
        aliases=("meeting capacity",),
    )
    async def capacity(
        self,
        ctx: Context,
        places: Annotated[
            int, Option(f"Places at the meeting, 1 to {CAPACITY_MAX}; 0 for no limit", min=0)
        ],
        network: NetworkOption = None,
        date: DateOption = None,
        series: SeriesOption = None,
    ) -> Reply:
        network_id = self._network(ctx)
        meeting = await self.service.find(network_id, day=self._day(date), series_id=series)
        placed, waiting = await self.service.set_capacity(
            actor_key=ctx.user.key, meeting=meeting, places=places or None
        )
        when = self._when(ctx, meeting)
        if not places:
            return Reply.private_text(
                f"The {meeting.series.name} on {when} has no limit on places now. Going: "
                f"{placed}. Anyone who was on the waitlist has a place and was told privately."
            )
        plural = "s" if places != 1 else ""
        said = f"The {meeting.series.name} on {when} has {places} place{plural}. Going: {placed}"
        if waiting:
            said += f"; on the waitlist: {waiting}"
        return Reply.private_text(
            said + ". When someone with a place says Can't go (or leaves the network), the "
            "first on the waitlist gets it and is told privately."
        )


def _how_follow_up(meeting: Meeting, text: str) -> Reply:
    """After Going or Maybe: how they come, and a private way to tell access needs."""
    payload = f"{meeting.series.id}:{meeting.key}"
    buttons = [
        Button(label="In the room", action=ActionRef(action=HOW_ACTION, payload=f"{payload}:room")),
        Button(label="Online", action=ActionRef(action=HOW_ACTION, payload=f"{payload}:online")),
        Button(
            label="Access needs",
            action=ActionRef(action=ACCESS_ACTION, payload=payload),
        ),
    ]
    return Reply(
        text=text + " How will you come: in the room or online? You can also tell the "
        "coordinators of access needs (only they see them).",
        buttons=buttons,
        private=True,
    )


def _split_how(payload: str) -> tuple[int, str, str]:
    series_id, key, mode = [*payload.split(":"), "", "", ""][:3]
    if not series_id.isdigit() or mode not in MODES:
        raise UserError("That button is out of date. Type /meeting next.")
    return int(series_id), key, mode


def _how_said(mode: str | None, needs: str | None) -> str:
    said = f"You come {MODES[mode]}." if mode else "You have not said how you come."
    if needs:
        said += " The coordinators can see your access needs."
    return said


def _planned(meeting: Meeting, plan: Plan, when: str) -> str:
    """What the coordinator set, said back, for that one meeting."""
    lines = [f"Saved the plan of the {meeting.series.name} on {when} (this meeting only):"]
    lines.append(f"Professional development topic: {plan.topic or 'not set'}")
    lines.append(f"Facilitator: {plan.facilitator or 'not set'}")
    lines.append(f"This meeting's agenda: {plan.agenda or 'not set'}")
    lines.append("Its notice shows this once posted, and a posted notice is updated.")
    return "\n".join(lines)


def _waitlisted(when: str, place: int) -> str:
    return (
        f"Saved: Going to the meeting on {when}, but it is full, so you are number {place} on "
        "the waitlist. peerbot tells you privately if a place opens for you."
    )


def _recount_key(leaving: Leaving) -> str:
    return f"{leaving.person_key}|{leaving.network_id}"
