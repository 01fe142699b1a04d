"""/checkin commands and the check-in buttons. Every reply is private."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, ClassVar
from zoneinfo import ZoneInfo

from bot.cog import Cog
from bot.commands import (
    NETWORK_SLUG_MAX,
    ActionEvent,
    Context,
    Member,
    Option,
    Role,
    TimeZone,
    action,
    command,
)
from bot.errors import UserError
from bot.events import Leaving
from bot.kernel import Kernel
from bot.permissions import NetworkInfo
from bot.privacy import DataStatement
from bot.replies import ActionRef, Button, ButtonStyle, Reply
from bot.storage import Transaction
from cogs.checkins.chart import chart_attachment
from cogs.checkins.jobs import CheckinJobs
from cogs.checkins.messages import (
    ANSWER_ACTION,
    CHANGE_ACTION,
    DELETE_ACTION,
    KEEP_ACTION,
    NOTE_ACTION,
    NOTE_FORM_ACTION,
    PEER_NO_ACTION,
    PEER_YES_ACTION,
    REACH_MAX,
    SEEN_ACTION,
    SHARE_DECLINE_ACTION,
    SHARE_OPEN_ACTION,
    TELL_ACTION,
    TELL_COORDINATOR_ACTION,
    TELL_COORDINATOR_FORM_ACTION,
    TELL_PEER_ACTION,
    WHO5_ACTION,
    WHO_SEES,
    Slot,
    change_prompt,
    display,
    how_to_tell_a_peer,
    is_number,
    no_peer_thanks,
    note_form,
    parse_answer,
    parse_slot,
    prompt,
    reach_a_peer,
    reach_form,
    support_reply,
    tell_choice,
    thanks,
    who5_next,
)
from cogs.checkins.models import Subscription
from cogs.checkins.scales import SCALES, WHO5_ITEMS, Scale, who5_percent
from cogs.checkins.schedule import (
    WEEKDAYS,
    Day,
    Frequency,
    Timing,
    describe_date,
    describe_instant,
    to_instant,
)
from cogs.checkins.service import (
    DOING_OK,
    FINDING_IT_HARD,
    NOW,
    SCALE_CHANGED,
    SUMMARY_MIN_PEOPLE,
    CheckinService,
)
from cogs.networks import queries as network_queries
from cogs.networks.commands import member_id
from cogs.support.commands import default_data_file
from cogs.support.lines import SupportDirectory, load_support_lines

DELETE_PURPOSE = "checkin.history.delete"
HISTORY_SHOWN = 26


class Period(StrEnum):
    """A summary period: whole weeks (Monday to Sunday in the network's time zone) ending at
    the start of the current week, so its totals change only once a week, and each period is
    the next shorter one plus earlier weeks (see ``CheckinService.summary``). None is longer
    than answers are kept (``retention.checkin_days``, 180 days by default)."""

    FOUR_WEEKS = "4-weeks"
    THREE_MONTHS = "3-months"

    @property
    def label(self) -> str:
        return {"4-weeks": "The last 4 weeks"}.get(self.value, "The last 3 months")

    @property
    def weeks(self) -> int:
        return {"4-weeks": 4}.get(self.value, 13)

    @property
    def shorter(self) -> Period | None:
        """The next shorter period, which this one extends back in time."""
        return None if self is Period.FOUR_WEEKS else Period.FOUR_WEEKS


def week_start(now: dt.datetime, zone: ZoneInfo, weeks_back: int = 0) -> dt.datetime:
    """The instant of local midnight starting Monday of the week of ``now``, less some weeks."""
    local = now.astimezone(zone).date()
    monday = local - dt.timedelta(days=local.weekday() + 7 * weeks_back)
    return to_instant(dt.datetime.combine(monday, dt.time(0)), zone)


ScaleOption = Annotated[Scale, Option("What to be asked: traffic light (default), mood, ...")]
EveryOption = Annotated[Frequency, Option("How often: weekly (default), fortnightly or monthly")]
TimezoneOption = Annotated[
    TimeZone | None, Option("Your time zone, like Australia/Perth (default: the network's)")
]


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _int(text: str) -> int:
    if not is_number(text):
        raise UserError("That button is out of date. Nothing was changed.")
    return int(text)


def describe_when(t: Timing) -> str:
    """``every week on Tuesday at 09:00 (Australia/Sydney)``."""
    day = WEEKDAYS[t.weekday].capitalize()
    at = f"at {t.local_time:%H:%M} ({t.timezone})"
    if t.frequency is Frequency.MONTHLY:
        return f"on the first {day} of each month {at}"
    often = "every week" if t.frequency is Frequency.WEEKLY else "every two weeks"
    return f"{often} on {day} {at}"


def describe_subscription(sub: Subscription, now: dt.datetime) -> str:
    t = sub.timing
    lines = [f"Your check-ins: {SCALES[sub.scale].title}, {describe_when(t)}."]
    nxt = next((s for s in _upcoming(sub, now)), None)
    if sub.paused_until is not None and sub.paused_until > now.astimezone(t.zone).date():
        lines.append(f"Paused until {describe_date(sub.paused_until)}.")
    if nxt is not None:
        lines.append(f"Next check-in: {describe_instant(nxt, t.zone)}.")
    return "\n".join(lines)


def _upcoming(sub: Subscription, now: dt.datetime) -> list[dt.datetime]:
    slots = sub.timing.slots(now, now + dt.timedelta(days=400))
    return [s for s in slots if not sub.is_paused_for(s)][:1]


class CheckinsCog(Cog):
    name: ClassVar[str] = "checkins"
    title: ClassVar[str] = "Wellbeing check-ins"

    def __init__(self, kernel: Kernel) -> None:
        super().__init__(kernel)
        self.service = CheckinService(kernel)
        self.jobs = CheckinJobs(kernel, self.service)
        self._support: SupportDirectory | None = None
        kernel.scheduler.add_source(self.jobs)
        kernel.privacy.register(
            self.name,
            DataStatement(
                area="Wellbeing check-ins",
                what="whether you chose check-ins and when, your answers, your private notes, "
                "and whether you asked for your coordinator to be told about an answer",
                why="to ask you at the time you chose and show you your own trend; "
                "coordinators see only totals when at least 5 people answered",
                kept_for=f"answers and notes: {kernel.settings.retention.checkin_days} days; "
                "your settings: until you stop check-ins or delete your data",
            ),
            self._export,
            self._delete,
            self._move,
        )
        # Check-ins set up with a network stop when the person leaves it (or is removed).
        kernel.events.on_leaving(self._leaving, self._left)

    async def _leaving(self, tx: Transaction, leaving: Leaving) -> str:
        return await self.service.stop_for_network(tx, leaving)

    async def _left(self, leaving: Leaving) -> None:
        self.kernel.outbox.notify()  # a removed person's private note
        await self._replan()

    async def start(self) -> None:
        # Prompts are planned a few days ahead; re-planning every hour keeps that window full.
        self.kernel.scheduler.add_periodic("checkins-replan", self._replan, dt.timedelta(hours=1))

    async def _replan(self) -> None:
        await self.kernel.scheduler.refresh(self.jobs.name)

    async def _export(self, tx: Transaction, user_key: str) -> Any:
        return await self.service.export_person(tx, user_key)

    async def _delete(self, tx: Transaction, user_key: str) -> int:
        return await self.service.delete_person(tx, user_key)

    async def _move(self, tx: Transaction, old_key: str, new_key: str) -> int:
        return await self.service.move_person(tx, old_key, new_key)

    # ---- helpers ----------------------------------------------------------------------------

    @property
    def support_lines(self) -> SupportDirectory:
        """The support cog's lines (one data file for the whole bot)."""
        cog = self.kernel.cogs.get("support")
        directory = getattr(cog, "directory", None)
        if isinstance(directory, SupportDirectory):
            return directory
        if self._support is None:
            self._support = load_support_lines(default_data_file())
        return self._support

    async def _network(self, network_id: int | None) -> NetworkInfo | None:
        if network_id is None:
            return None
        networks = await self.kernel.registry.directory.networks()
        return next((n for n in networks if n.id == network_id), None)

    async def _my_network(self, ctx: Context) -> NetworkInfo:
        if ctx.network_id is not None:
            found = await self._network(ctx.network_id)
            if found is not None:
                return found
        directory = self.kernel.registry.directory
        mine = [
            n
            for n in await directory.networks()
            if await directory.role_of(ctx.user.key, n.id) >= Role.MEMBER
        ]
        if len(mine) == 1:
            return mine[0]
        if not mine:
            raise UserError(
                "Check-ins belong to a network: join one first with /network join. "
                "Nothing was changed."
            )
        raise UserError(
            "You are in more than one network: say which one with network:SHORT-NAME "
            "(type /network mine to see yours). Nothing was changed."
        )

    # ---- opting in and managing ---------------------------------------------------------

    @command("checkin start", "Start private wellbeing check-ins at a time you choose")
    async def begin(
        self,
        ctx: Context,
        day: Annotated[Day, Option("The day of the week to be asked")],
        time: Annotated[dt.time, Option("The time to be asked, like 09:00 or 9am")],
        scale: ScaleOption = Scale.TRAFFIC_LIGHT,
        every: EveryOption = Frequency.WEEKLY,
        timezone: TimezoneOption = None,
        network: Annotated[
            str | None,
            Option(
                "Your network's short name, like south-coast",
                autocomplete="complete_network",
                max_length=NETWORK_SLUG_MAX,
            ),
        ] = None,
        starting: Annotated[
            dt.date | None, Option("The first day to be asked from, like 2027-03-01")
        ] = None,
    ) -> Reply:
        found_network = await self._my_network(ctx)
        timing, first = self.service.timing(
            frequency=every,
            weekday=day.number,
            at=time,
            timezone=timezone or found_network.timezone,
            scale=scale,
            starting=starting,
        )
        await self.service.refuse_if_on(ctx.user.key)
        # Prompts go to the person's main account (``ctx.user``), wherever this was typed.
        await self.service.check_reachable(ctx.user)
        await self.service.start(ctx.user.key, found_network.id, scale, timing)
        return Reply.private_text(
            "\n".join(
                [
                    f"Check-ins are on ({found_network.name}): {SCALES[scale].title}, "
                    f"{describe_when(timing)}. The first one comes by private message on "
                    f"{describe_instant(first, timing.zone)}.",
                    "",
                    WHO_SEES,
                    "",
                    f"Answers and notes are deleted after "
                    f"{self.kernel.settings.retention.checkin_days} days. Change the scale, "
                    "day or time with /checkin settings; pause with /checkin pause; stop with "
                    "/checkin stop.",
                ]
            )
        )

    @command("checkin now", "Answer a check-in now", role=Role.EVERYONE)
    async def now(self, ctx: Context) -> Reply:
        sub = await self.service.require_subscription(ctx.user.key)
        at = ctx.now.replace(microsecond=0)
        return prompt(Slot(sub.id, at, NOW), sub.scale, when=describe_instant(at, sub.timing.zone))

    @command(
        "checkin pause", "Pause your check-ins until a date (leave, holidays)", role=Role.EVERYONE
    )
    async def pause(
        self,
        ctx: Context,
        until: Annotated[dt.date, Option("The first day to be asked again, like 2027-02-01")],
    ) -> Reply:
        sub = await self.service.pause(ctx.user.key, until)
        return Reply.private_text(
            "Paused. No check-ins until then, and no reminders.\n"
            + describe_subscription(sub, ctx.now)
            + "\nResume sooner with /checkin resume."
        )

    @command("checkin resume", "Resume paused check-ins", role=Role.EVERYONE)
    async def resume(self, ctx: Context) -> Reply:
        sub = await self.service.resume(ctx.user.key)
        return Reply.private_text("Resumed.\n" + describe_subscription(sub, ctx.now))

    @command(
        "checkin settings",
        "See or change your check-ins: scale, how often, day, time, zone",
        role=Role.EVERYONE,
    )
    async def settings(
        self,
        ctx: Context,
        scale: Annotated[Scale | None, Option("A new scale")] = None,
        every: Annotated[Frequency | None, Option("How often")] = None,
        day: Annotated[Day | None, Option("A new day of the week")] = None,
        time: Annotated[dt.time | None, Option("A new time, like 17:30 or 5:30pm")] = None,
        timezone: Annotated[
            TimeZone | None, Option("A new time zone, like Australia/Perth")
        ] = None,
    ) -> Reply:
        sub = await self.service.require_subscription(ctx.user.key)
        if all(v is None for v in (scale, every, day, time, timezone)):
            return Reply.private_text(
                describe_subscription(sub, ctx.now)
                + "\nChange any of it with options, for example /checkin settings time:17:30."
                + "\n\n"
                + WHO_SEES
            )
        t = sub.timing
        new_scale = scale or sub.scale
        frequency = every or t.frequency
        # A start date still to come is kept, and fortnightly check-ins keep their weeks.
        not_started = t.starts_on > ctx.now.astimezone(t.zone).date()
        both_fortnightly = frequency is Frequency.FORTNIGHTLY and t.frequency is frequency
        keeps_phase = both_fortnightly and not not_started
        timing, _ = self.service.timing(
            frequency=frequency,
            weekday=day.number if day is not None else t.weekday,
            at=time or t.local_time,
            timezone=timezone if timezone is not None else t.timezone,
            scale=new_scale,
            starting=t.starts_on if not_started else None,
            phase_of=t.starts_on if keeps_phase else None,
        )
        await self.service.change(sub, new_scale, timing)
        changed = await self.service.require_subscription(ctx.user.key)
        return Reply.private_text("Changed.\n" + describe_subscription(changed, ctx.now))

    @command(
        "checkin stop", "Stop your check-ins (you can also delete your history)", role=Role.EVERYONE
    )
    async def stop_checkins(self, ctx: Context) -> Reply:
        await self.service.stop(ctx.user.key)
        history = await self.service.history(ctx.user.key)
        text = "Check-ins are stopped. You will not be asked again."
        if not history:
            return Reply.private_text(text)
        token = await self.kernel.confirmations.create(ctx.user.key, DELETE_PURPOSE)
        minutes = self.kernel.settings.retention.confirmation_minutes
        return Reply(
            text=f"{text}\n\nYou have {plural(len(history), 'saved answer')}. Delete them "
            f"now, or keep them to see with /checkin history (they are deleted after "
            f"{self.kernel.settings.retention.checkin_days} days anyway). The button works "
            f"for {minutes} minutes.",
            buttons=[
                Button(
                    label="Delete my check-in history",
                    action=ActionRef(action=DELETE_ACTION, payload=token),
                    style=ButtonStyle.DANGER,
                ),
                Button(label="Keep my history", action=ActionRef(action=KEEP_ACTION)),
            ],
            private=True,
        )

    @action(DELETE_ACTION)
    async def confirm_delete(self, ctx: Context, event: ActionEvent) -> Reply:
        async with self.kernel.db.transaction() as tx:
            confirmed = await self.kernel.confirmations.consume_in(
                tx, ctx.user.key, DELETE_PURPOSE, event.payload
            )
            deleted = await self.service.forget_history(tx, ctx.user.key) if confirmed else 0
        if not confirmed:
            return Reply.private_text(
                "That button has expired or was already used, so nothing was deleted. "
                "Delete everything peerbot holds about you with /privacy delete."
            )
        return Reply.private_text(f"Deleted {plural(deleted, 'check-in answer')} and their notes.")

    @action(KEEP_ACTION)
    async def keep(self, ctx: Context, event: ActionEvent) -> Reply:
        return Reply.private_text("Kept. Your history is still there with /checkin history.")

    # ---- answering ----------------------------------------------------------------------

    async def _answered(self, ctx: Context, slot: Slot, value: int, scale: Scale) -> Reply:
        saved = await self.service.answer(ctx.user.key, slot, value, scale)
        if saved.answer.low:
            return support_reply(saved.answer, self.support_lines, saved.changed_from)
        return thanks(saved.answer, saved.changed_from)

    @action(CHANGE_ACTION)
    async def change_answer(self, ctx: Context, event: ActionEvent) -> Reply:
        slot, answer = await self.service.changeable(ctx.user.key, _int(event.payload))
        return change_prompt(slot, answer)

    @action(ANSWER_ACTION)
    async def press_answer(self, ctx: Context, event: ActionEvent) -> Reply:
        slot, rest = parse_slot(event.payload)
        value, scale = parse_answer(rest)
        return await self._answered(ctx, slot, value, scale)

    @action(WHO5_ACTION)
    async def press_who5(self, ctx: Context, event: ActionEvent) -> Reply:
        slot, so_far = parse_slot(event.payload)
        if not so_far or len(so_far) > len(WHO5_ITEMS) or any(c not in "012345" for c in so_far):
            raise UserError("That button is out of date. Nothing was saved.")
        sub = await self.service.answerable(ctx.user.key, slot)
        if sub.scale is not Scale.WHO5:
            raise UserError(SCALE_CHANGED)
        if len(so_far) < len(WHO5_ITEMS):
            return who5_next(slot, so_far)
        return await self._answered(ctx, slot, who5_percent([int(c) for c in so_far]), Scale.WHO5)

    @action(NOTE_ACTION)
    async def open_note(self, ctx: Context, event: ActionEvent) -> Reply:
        answer = await self.service.own_answer(ctx.user.key, _int(event.payload))
        return Reply(
            text="Write your note. Only you will see it.", form=note_form(answer), private=True
        )

    @action(NOTE_FORM_ACTION)
    async def save_note(self, ctx: Context, event: ActionEvent) -> Reply:
        note = event.fields.get("note", "")
        answer = await self.service.add_note(ctx.user.key, _int(event.payload), note)
        if answer.note is None:
            return Reply.private_text("No note saved (it was empty).")
        return Reply.private_text("Your note is saved with that answer. Only you can see it.")

    async def _network_name(self, answer_network: int | None) -> str:
        found = await self._network(answer_network)
        if found is None:
            raise UserError(
                "That answer is not linked to a network any more, so there is nobody to tell."
            )
        return found.name

    @action(TELL_ACTION)
    async def tell(self, ctx: Context, event: ActionEvent) -> Reply:
        """ "Let someone know": the choice of who."""
        answer = await self.service.own_answer(ctx.user.key, _int(event.payload))
        return tell_choice(answer, await self._network_name(answer.network_id))

    @action(TELL_COORDINATOR_ACTION)
    async def tell_coordinator_form(self, ctx: Context, event: ActionEvent) -> Reply:
        answer = await self.service.own_answer(ctx.user.key, _int(event.payload))
        await self.service.check_can_tell_coordinator(ctx.user.key, answer.id)
        return Reply(
            text=f"Your coordinator will get this answer ({answer.words}) and, if you write "
            "one, your line on how to reach you: nothing else.",
            form=reach_form(answer),
            private=True,
        )

    @action(TELL_COORDINATOR_FORM_ACTION)
    async def tell_coordinator(self, ctx: Context, event: ActionEvent) -> Reply:
        answer = await self.service.own_answer(ctx.user.key, _int(event.payload))
        network_name, coordinators = await self.service.tell_coordinator(
            ctx.user.key, answer.id, event.fields.get("reach", "")
        )
        who = "your coordinator" if len(coordinators) == 1 else "your coordinators"
        return Reply.private_text(
            f"Sending this answer ({answer.words}), and nothing else, to {who} in "
            f"{network_name}. peerbot will message you privately as soon as it has reached "
            "them, or to tell you if it could not. If you need support now, type /support."
        )

    @action(TELL_PEER_ACTION)
    async def tell_peer_how(self, ctx: Context, event: ActionEvent) -> Reply:
        answer = await self.service.own_answer(ctx.user.key, _int(event.payload))
        return how_to_tell_a_peer(answer, await self._network_name(answer.network_id))

    @command(
        "checkin tell",
        "Let a peer in your network know your latest check-in answer (they can say no)",
        role=Role.EVERYONE,
    )
    async def tell_peer(
        self,
        ctx: Context,
        peer: Annotated[Member, Option("The peer to let know: a member of your network")],
        reach: Annotated[
            str | None,
            Option("How they can reach you (optional; only they see it)", max_length=REACH_MAX),
        ] = None,
    ) -> Reply:
        peer_key = self.kernel.people.person_of(f"{ctx.platform}:{member_id(peer)}")
        answer, _ = await self.service.ask_peer(ctx.user.key, peer_key, reach or "")
        return Reply.private_text(
            f"Asked: {display(peer_key)} is asked privately whether they can take on your "
            f"latest check-in answer ({answer.words}). They see it, and your line on how to "
            "reach you, only if they say yes. peerbot will tell you when they have seen it, or "
            "if they cannot take it on now or could not be reached."
        )

    @action(SHARE_OPEN_ACTION)
    async def open_share(self, ctx: Context, event: ActionEvent) -> Reply:
        return await self.service.open_share(ctx.user.key, _int(event.payload))

    @action(SHARE_DECLINE_ACTION)
    async def decline_share(self, ctx: Context, event: ActionEvent) -> Reply:
        await self.service.decline_share(ctx.user.key, _int(event.payload))
        return Reply.private_text(
            "Thank you for saying so. They will be told only that you cannot take it on right "
            "now; you saw nothing of their answer."
        )

    @action(SEEN_ACTION)
    async def seen(self, ctx: Context, event: ActionEvent) -> Reply:
        share = await self.service.seen(ctx.user.key, _int(event.payload))
        return Reply.private_text(
            f"Thank you. {display(share.sender_key)} will be told that you have seen it."
        )

    @action(PEER_YES_ACTION)
    async def peer_yes(self, ctx: Context, event: ActionEvent) -> Reply:
        answer = await self.service.own_answer(ctx.user.key, _int(event.payload))
        name: str | None = None
        coordinators: list[str] = []
        general: list[str] = []
        if answer.network_id is not None:
            async with self.kernel.db.reading() as tx:
                names = await network_queries.names(tx, answer.network_id)
                if names is not None:
                    name = names[0]
                    coordinators = await network_queries.coordinators(tx, answer.network_id)
                    places = await network_queries.places(tx, answer.network_id, "general")
                    general = [p for p, _ in places if p.startswith(f"{ctx.platform}:")]
        others = [key for key in coordinators if key != ctx.user.key]
        return reach_a_peer(answer, name, others, general if name else [])

    @action(PEER_NO_ACTION)
    async def peer_no(self, ctx: Context, event: ActionEvent) -> Reply:
        await self.service.own_answer(ctx.user.key, _int(event.payload))
        return no_peer_thanks()

    # ---- your trend and the network's totals --------------------------------------------

    @command(
        "checkin history", "Your own check-in answers over time, with a chart", role=Role.EVERYONE
    )
    async def history(self, ctx: Context) -> Reply:
        answers = await self.service.history(ctx.user.key)
        if not answers:
            return Reply.private_text(
                "You have no saved check-in answers yet. Answer one with /checkin now."
            )
        sub = await self.service.subscription(ctx.user.key)
        # Check-ins stopped: the default network zone, never UTC, for what people read.
        zone = (
            sub.timing.zone
            if sub is not None
            else ZoneInfo(self.kernel.settings.networks.default_timezone)
        )
        shown = answers[-HISTORY_SHOWN:]
        lines = [f"Your check-in answers ({len(answers)}; only you can see them):"]
        for answer in shown:
            local = answer.slot_at.astimezone(zone)
            line = f"- {describe_date(local.date())}, {local:%H:%M}: {answer.label}"
            if answer.note:
                line += f". Note: {answer.note}"
            lines.append(line)
        if len(answers) > len(shown):
            lines.append(f"(The {len(shown)} most recent are shown; the chart shows all.)")
        return Reply(
            text="\n".join(lines), attachments=[chart_attachment(answers, zone)], private=True
        )

    @command(
        "manage checkin summary",
        "Check-in totals for a network (only when 5 or more people answered)",
        role=Role.COORDINATOR,
        aliases=("checkin summary",),
    )
    async def summary(
        self,
        ctx: Context,
        network: Annotated[
            str,
            Option(
                "The network's short name",
                autocomplete="complete_network",
                max_length=NETWORK_SLUG_MAX,
            ),
        ],
        period: Annotated[Period, Option("Which period")] = Period.FOUR_WEEKS,
    ) -> Reply:
        assert ctx.network_id is not None  # the registry insists on one
        found = await self._network(ctx.network_id)
        name = found.name if found else network
        zone = ZoneInfo(found.timezone if found else self.kernel.settings.networks.default_timezone)
        kept = self.kernel.settings.retention.checkin_days
        if (period.weeks + 1) * 7 > kept:
            raise UserError(
                f"Check-in answers are kept for only {kept} days, so {period.label.lower()} "
                "cannot be shown in full. Choose a shorter period."
            )
        until = week_start(ctx.now, zone)
        since = week_start(ctx.now, zone, period.weeks)
        shorter = period.shorter
        result = await self.service.summary(
            ctx.network_id,
            since,
            until,
            week_start(ctx.now, zone, shorter.weeks) if shorter is not None else None,
        )
        last_day = until.astimezone(zone).date() - dt.timedelta(days=1)
        covers = (
            f"It covers whole weeks, {describe_date(since.astimezone(zone).date())} to "
            f"{describe_date(last_day)} ({zone.key} time); this week's answers count from "
            "next Monday, so the totals change only once a week."
        )
        if result.groups is None and result.narrowed and shorter is not None:
            return Reply.private_text(
                f"Check-in totals for {name}, {period.label.lower()}: not shown, because the "
                f"weeks this period adds to {shorter.label.lower()} had answers from fewer "
                "than 5 people, and comparing the two would reveal them. A longer period is "
                "shown only if the weeks it adds have no answers or answers from at least 5 "
                "different people.\n" + covers
            )
        if result.groups is None:
            return Reply.private_text(
                f"Too few people answered check-ins in {name} in {period.label.lower()} to "
                "show totals without risking identifying someone (totals show once at least "
                "5 different people have answered). Try a longer period.\n" + covers
            )
        small = any(n < SUMMARY_MIN_PEOPLE for n in result.groups.values())
        lines = [
            f"Check-in totals for {name}, {period.label.lower()}: {result.people} people "
            "answered. Totals count people, never answers, and every scale is counted the "
            "same way; nobody's answers are shown.",
            covers,
            f"- Doing ok: {people_count(result.groups[DOING_OK], small)}",
            f"- Finding it hard at least once: "
            f"{people_count(result.groups[FINDING_IT_HARD], small)}",
            "Finding it hard means a low answer: red, a mood of 1, a burnout answer of 3 or "
            "more, or a World Health Organization wellbeing index (WHO-5) under 50 percent. "
            'Any count under 5 shows as "fewer than 5", and then the other as "5 or '
            'more", so neither can be worked out from the total.',
        ]
        return Reply.private_text("\n".join(lines))


def people_count(count: int, small: bool) -> str:
    """A count of people as a coordinator may see it: under 5 never exact, and when one group
    is under 5 the others not exact either (the total would give it away)."""
    if count < SUMMARY_MIN_PEOPLE:
        return "fewer than 5"
    return "5 or more" if small else f"{count} people"
