"""The rules of check-ins: opting in, pausing, answering once per check-in, telling a
coordinator only when asked, totals only above a threshold, and forgetting on schedule.

Every change happens in one transaction and then re-plans the scheduler's check-in jobs, so a
prompt is planned from what the database says now. Nothing here logs an answer or a note.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot import fanouts
from bot.clock import to_db
from bot.errors import UserError
from bot.events import Leaving
from bot.fanouts import Outcome
from bot.identity import UserRef, user_from_key
from bot.kernel import Kernel
from bot.ports import NOT_ACCEPTING_DMS, DeliveryError
from bot.privacy import move_rows
from bot.replies import Reply
from bot.storage import Transaction
from bot.timezones import is_timezone
from cogs.checkins import repository as repo
from cogs.checkins.messages import (
    OTHER_WAYS,
    REACH_MAX,
    Slot,
    coordinator_notice,
    declined_message,
    display,
    peer_notice,
    peer_request,
    peer_unreached,
    seen_message,
    told_outcome,
)
from cogs.checkins.models import (
    ANSWER_WINDOW,
    NOTE_MAX,
    NOW_WINDOW,
    Answer,
    Share,
    Subscription,
)
from cogs.checkins.scales import Scale, is_low, score, valid_values
from cogs.checkins.schedule import (
    Frequency,
    Timing,
    check_first_slot,
    describe_date,
    end_of_local_day,
    first_date,
    start_of_local_day,
)
from cogs.networks import queries as network_queries

log = logging.getLogger(__name__)

JOB_SOURCE = "checkins"
SCHEDULED, NOW = "s", "n"  # a scheduled check-in, or one asked for with /checkin now
SUMMARY_MIN_PEOPLE = 5
SCALE_CHANGED = (
    "Your check-in scale changed since this was sent; answer with /checkin now. Nothing was saved."
)


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


#: Keys of "Let someone know" (My coordinator): ``checkin-tell:ANSWER:rROUND:...``, a round
#: per press (1, 2, ...), so a press after nobody could be reached sends afresh.
TELL_PREFIX = "checkin-tell:"
#: Keys of a chosen peer's messages and the person's "seen" and "declined" notes:
#: ``checkin-share:SHARE:ask`` (a fan-out of one, so an undeliverable ask is reported),
#: ``checkin-share:SHARE:seen``, ``checkin-share:SHARE:declined``.
SHARE_PREFIX = "checkin-share:"
_ROUND = re.compile(r"r([0-9]{1,9})")
WELCOME = (
    "Hello from peerbot. Your wellbeing check-ins will come here, as private messages that "
    "only you see. This message is only to check that peerbot can reach you: there is "
    "nothing to answer."
)
#: How to let peerbot send private messages, by platform: without that no check-in arrives.
OPEN_DMS = {
    "discord": "To let peerbot message you on Discord: click this server's name at the top "
    "of the channel list, choose Privacy Settings, and switch on Direct Messages. Then run "
    "/checkin start again.",
    "matrix": "To let peerbot message you on Matrix: accept its invitation to a direct chat "
    "(or allow invitations from it on your homeserver), then run !checkin start again.",
}
OPEN_DMS_OTHER = "Check that peerbot may message you privately, then run /checkin start again."


def prompt_key(subscription_id: int, slot: dt.datetime, kind: str = "prompt") -> str:
    """The outbox and job key of one check-in's prompt or reminder: unique for all time."""
    return f"checkin:{subscription_id}:{slot.astimezone(dt.UTC):%Y-%m-%dT%H:%M:%SZ}:{kind}"


@dataclass(frozen=True)
class Saved:
    """An answer as saved; ``changed_from`` is the earlier answer it replaced, if any."""

    answer: Answer
    changed_from: Answer | None = None


DOING_OK, FINDING_IT_HARD = "doing ok", "finding it hard"


@dataclass(frozen=True)
class Summary:
    """Totals of people (never of answers) for a network and period, every scale combined:
    a person is "finding it hard" if at least one of their answers in the period was low,
    else "doing ok". ``groups`` is None when fewer than 5 people answered, or (``narrowed``)
    when a longer period's added weeks had answers from 1 to 4 people."""

    people: int
    groups: dict[str, int] | None
    narrowed: bool = False


class CheckinService:
    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.db = kernel.db
        self.clock = kernel.clock
        kernel.outbox.on_fanout_closed(TELL_PREFIX, self.told)
        kernel.outbox.on_fanout_closed(SHARE_PREFIX, self.peer_asked)

    async def _changed(self) -> None:
        await self.kernel.scheduler.refresh(JOB_SOURCE)

    # ---- subscriptions ------------------------------------------------------------------

    async def subscription(self, user_key: str) -> Subscription | None:
        async with self.db.reading() as tx:
            return await repo.subscription_of(tx, user_key)

    async def require_subscription(self, user_key: str) -> Subscription:
        found = await self.subscription(user_key)
        if found is None:
            raise UserError(
                "You have not started check-ins. Start them with /checkin start "
                "(they are private and you can stop any time)."
            )
        return found

    def timing(
        self,
        *,
        frequency: Frequency,
        weekday: int,
        at: dt.time,
        timezone: str,
        scale: Scale,
        starting: dt.date | None,
        phase_of: dt.date | None = None,
    ) -> tuple[Timing, dt.datetime]:
        """Check the choices and work out the first check-in; refuses bad ones clearly.

        ``phase_of`` is an earlier fortnightly start: the new first check-in falls in a week
        an even number of weeks from it, so a change of day or time keeps the same fortnights.
        """
        timezone = timezone.strip()
        if not is_timezone(timezone):
            raise UserError(
                f"'{timezone[:40]}' is not a time zone I know. Use a name like "
                "Australia/Sydney, Australia/Brisbane or Australia/Perth. Nothing was changed."
            )
        if scale is Scale.WHO5 and frequency is Frequency.WEEKLY:
            raise UserError(
                "WHO-5 asks about the last two weeks, so it can be at most fortnightly. Choose "
                "every:fortnightly or every:monthly, or another scale. Nothing was changed."
            )
        zone = ZoneInfo(timezone)
        at = at.replace(second=0, microsecond=0)
        now_local = self.clock.now().astimezone(zone).replace(tzinfo=None)
        after = now_local
        if starting is not None:
            if starting < now_local.date():
                raise UserError(
                    f"The start date {describe_date(starting)} has already passed. Choose "
                    "today or a later date. Nothing was changed."
                )
            _within_a_year("start date", starting, now_local.date())
            after = max(
                now_local, dt.datetime.combine(starting, dt.time(0)) - dt.timedelta(microseconds=1)
            )
        starts_on = first_date(after, weekday, at, frequency)
        if phase_of is not None and frequency is Frequency.FORTNIGHTLY:
            weeks = (_monday(starts_on) - _monday(phase_of)).days // 7
            starts_on += dt.timedelta(days=7 * (weeks % 2))
        timing = Timing(
            frequency=frequency,
            weekday=weekday,
            local_time=at,
            timezone=timezone,
            starts_on=starts_on,
        )
        return timing, check_first_slot(timing)

    async def start(
        self, user_key: str, network_id: int | None, scale: Scale, timing: Timing
    ) -> int:
        async with self.db.transaction() as tx:
            if await repo.subscription_of(tx, user_key) is not None:
                raise UserError(
                    "Your check-ins are already on. See or change them with /checkin settings, "
                    "or stop them with /checkin stop. Nothing was changed."
                )
            new_id = await repo.insert_subscription(
                tx,
                user_key=user_key,
                network_id=network_id,
                scale=scale,
                timing=timing,
                now=self.clock.now(),
            )
        await self._changed()
        return new_id

    async def refuse_if_on(self, user_key: str) -> None:
        if await self.subscription(user_key) is not None:
            raise UserError(
                "Your check-ins are already on. See or change them with /checkin settings, "
                "or stop them with /checkin stop. Nothing was changed."
            )

    async def check_reachable(self, user: UserRef) -> None:
        """Send the short welcome by private message, now, before anything is saved: check-ins
        come only that way, so a schedule that could never arrive is refused instead.

        Straight through the port rather than the outbox: its result decides the command's
        answer, and a welcome that cannot go is not worth trying again later."""
        port = self.kernel.ports.get(user.platform)
        if port is None:
            raise UserError(
                f"peerbot is not connected to {user.platform} right now, where your private "
                "messages go, so check-ins were not started. Nothing was saved."
            )
        key = f"checkin-welcome:{user.key}:{self.clock.now():%Y%m%dT%H%M%S%f}"
        try:
            await port.send_private(user, Reply.private_text(WELCOME), idempotency_key=key)
        except DeliveryError as error:
            if error.retryable:
                raise UserError(
                    "peerbot could not check just now that it can message you privately (the "
                    "platform was busy), so check-ins were not started. Nothing was saved; "
                    "please try /checkin start again in a minute."
                ) from None
            how = OPEN_DMS.get(user.platform, OPEN_DMS_OTHER)
            why = (
                "you do not accept direct messages from this server"
                if NOT_ACCEPTING_DMS in str(error)
                else "the platform refused it"
            )
            raise UserError(
                f"peerbot could not send you a private message ({why}), and check-ins come "
                "only that way, so they were not started. Nothing was saved.\n\n" + how
            ) from None
        log.info("check-in welcome delivered")

    async def change(self, found: Subscription, scale: Scale, timing: Timing) -> None:
        async with self.db.transaction() as tx:
            await repo.update_subscription(
                tx, found.id, scale=scale, timing=timing, now=self.clock.now()
            )
            # A prompt still queued was made for the old settings (its buttons, its time).
            await self.kernel.outbox.skip_pending(
                tx, f"checkin:{found.id}:", "check-in settings changed"
            )
        await self._changed()

    async def pause(self, user_key: str, until: dt.date) -> Subscription:
        found = await self.require_subscription(user_key)
        today = self.clock.now().astimezone(found.timing.zone).date()
        if until <= today:
            raise UserError(
                f"The date to pause until must be after today ({describe_date(today)}); "
                f"{describe_date(until)} is not. Nothing was changed."
            )
        _within_a_year("date to pause until", until, today)
        async with self.db.transaction() as tx:
            await repo.set_paused_until(tx, found.id, until, self.clock.now())
            await self.kernel.outbox.skip_pending(
                tx, f"checkin:{found.id}:", "check-ins stopped or paused"
            )
        await self._changed()
        return await self.require_subscription(user_key)

    async def resume(self, user_key: str) -> Subscription:
        found = await self.require_subscription(user_key)
        today = self.clock.now().astimezone(found.timing.zone).date()
        if found.paused_until is None or found.paused_until <= today:
            raise UserError("Your check-ins are not paused, so there is nothing to resume.")
        async with self.db.transaction() as tx:
            await repo.set_paused_until(tx, found.id, None, self.clock.now())
        await self._changed()
        return await self.require_subscription(user_key)

    async def stop(self, user_key: str) -> None:
        found = await self.require_subscription(user_key)
        async with self.db.transaction() as tx:
            await self.kernel.outbox.skip_pending(
                tx, f"checkin:{found.id}:", "check-ins stopped or paused"
            )
            await repo.delete_subscription(tx, user_key)
        await self._changed()

    async def stop_for_network(self, tx: Transaction, leaving: Leaving) -> str:
        """The person left (or was removed from) the network their check-ins were set up
        with: the check-ins stop, in the leaving's transaction, as with /checkin stop (their
        answers are kept). The note is for their leave confirmation; someone removed by a
        coordinator is told privately instead, once (the coordinator never learns of it)."""
        found = await repo.subscription_of(tx, leaving.person_key)
        if found is None or found.network_id != leaving.network_id:
            return ""
        await self.kernel.outbox.skip_pending(tx, f"checkin:{found.id}:", "left the network")
        await repo.delete_subscription(tx, leaving.person_key)
        kept = (
            "Your earlier answers are kept for you (/checkin history shows them). To have "
            "check-ins again, start them with /checkin start in a network you are in."
        )
        if leaving.by_themselves:
            return (
                f"\n\nYour wellbeing check-ins have stopped too, because you set them up with "
                f"{leaving.network_name}. {kept}"
            )
        await self.kernel.outbox.enqueue(
            tx,
            key=f"checkin:{found.id}:stopped:left-network",
            target=user_from_key(leaving.person_key),
            message=Reply.private_text(
                f"You are no longer a member of {leaving.network_name}, so the wellbeing "
                f"check-ins you set up with it have stopped. {kept}"
            ),
        )
        return ""

    # ---- answers ------------------------------------------------------------------------

    async def answerable(self, user_key: str, slot: Slot) -> Subscription:
        """The subscription a check-in belongs to, if it can still be answered (or its answer
        changed) by this person: used before each WHO-5 step, so nobody answers four
        questions for nothing."""
        async with self.db.reading() as tx:
            found, _ = await self._checked(tx, user_key, slot)
        return found

    async def _checked(
        self, tx: Transaction, user_key: str, slot: Slot
    ) -> tuple[Subscription, Answer | None]:
        """The subscription, and the earlier answer to this check-in when it may still be
        changed: an answer can be changed on the day it was given (in the person's time
        zone), and only then."""
        found = await repo.subscription_by_id(tx, slot.subscription_id)
        if found is None or found.user_key != user_key:
            raise UserError(
                "That check-in is no longer open: check-ins were stopped or started again "
                "since it was sent. Nothing was saved. Answer now with /checkin now."
            )
        earlier = await repo.answer_for_slot(tx, user_key, slot.at)
        if earlier is None and slot.kind == SCHEDULED:
            # /checkin now that day closed this check-in: its buttons change that answer.
            earlier = await self._closed_by_now(tx, found, slot.at)
        if earlier is not None:
            self._check_same_day(found, earlier)
            return found, earlier
        self._check_open(found, slot.at, slot.kind, self.clock.now())
        if slot.kind == SCHEDULED and not await self._was_asked(tx, found, slot.at):
            raise UserError("That check-in was never sent, so it cannot be answered.")
        return found, None

    async def _closed_by_now(
        self, tx: Transaction, found: Subscription, slot: dt.datetime
    ) -> Answer | None:
        """The answer given with /checkin now on the local day of the scheduled check-in
        ``slot`` (the latest, if several), which closes that check-in: its prompt is not sent
        after it, nor its reminder, and its buttons change that answer."""
        zone = found.timing.zone
        given = await repo.answers_given_between(
            tx, found.user_key, start_of_local_day(slot, zone), end_of_local_day(slot, zone)
        )
        now_answers = [a for a in given if not found.timing.is_slot(a.slot_at)]
        return now_answers[-1] if now_answers else None

    async def closed_before(
        self, tx: Transaction, found: Subscription, slot: dt.datetime, until: dt.datetime
    ) -> bool:
        """Whether the scheduled check-in ``slot`` needs nothing more sent before ``until``:
        answered, or answered with /checkin now since its local day began (before the
        prompt came, or after it)."""
        if await repo.answer_for_slot(tx, found.user_key, slot) is not None:
            return True
        since = start_of_local_day(slot, found.timing.zone)
        given = await repo.answers_given_between(tx, found.user_key, since, until)
        return any(not found.timing.is_slot(a.slot_at) for a in given)

    def _check_same_day(self, found: Subscription, earlier: Answer) -> None:
        zone = found.timing.zone
        given = earlier.answered_at.astimezone(zone).date()
        if given != self.clock.now().astimezone(zone).date():
            raise UserError(
                f"You answered this check-in on {describe_date(given)} ({earlier.words}). An "
                "answer can be changed only on the day it was given, so it is kept as it was. "
                "Nothing was changed. Answer now with /checkin now if you like."
            )

    async def changeable(self, user_key: str, answer_id: int) -> tuple[Slot, Answer]:
        """The check-in of one of the person's answers, if the answer may still be changed
        today; the slot's buttons then replace it."""
        async with self.db.reading() as tx:
            found = await repo.answer_by_id(tx, answer_id)
            if found is None or found.user_key != user_key:
                raise UserError("That answer no longer exists (it may have been deleted).")
            sub = await repo.subscription_by_id(tx, found.subscription_id or 0)
        if sub is None or sub.user_key != user_key:
            raise UserError(
                "That answer belongs to check-ins that were stopped since, so it can no longer "
                "be changed. Nothing was changed."
            )
        if sub.scale is not found.scale:
            raise UserError(SCALE_CHANGED)
        self._check_same_day(sub, found)
        kind = SCHEDULED if sub.timing.is_slot(found.slot_at) else NOW
        return Slot(sub.id, found.slot_at, kind), found

    async def _was_asked(self, tx: Transaction, found: Subscription, slot: dt.datetime) -> bool:
        """A check-in of the current settings, not paused, or one whose prompt the outbox
        still remembers: answering does not depend on the outbox keeping its rows for the
        whole answer window (``retention.outbox_days`` may be shorter)."""
        if found.timing.is_slot(slot) and not found.is_paused_for(slot):
            return True
        return await self.kernel.outbox.status_in(tx, prompt_key(found.id, slot)) is not None

    async def answer(self, user_key: str, slot: Slot, value: int, scale: Scale) -> Saved:
        """Record one answer to one check-in: by its owner, while it is still open, and only
        on the scale the button was made for (``scale``), which must still be the person's
        scale: a number means different things on different scales. A second answer the same
        day replaces the first, in the same transaction that checks it may."""
        now = self.clock.now()
        async with self.db.transaction() as tx:
            found, earlier = await self._checked(tx, user_key, slot)
            if scale is not found.scale or (earlier is not None and earlier.scale is not scale):
                raise UserError(SCALE_CHANGED)
            if value not in valid_values(found.scale):
                raise UserError("That answer is not on your scale. Nothing was saved.")
            low = is_low(found.scale, value)
            if earlier is not None:
                if earlier.value == value:
                    raise UserError(
                        f"Your answer to this check-in is already {earlier.words}, so nothing "
                        "was changed."
                    )
                await repo.replace_answer(
                    tx, earlier.id, value=value, score=score(found.scale, value), low=low
                )
                changed = await repo.answer_by_id(tx, earlier.id)
                assert changed is not None
                log.info("check-in answer %d changed", earlier.id)  # never the answer itself
                return Saved(changed, earlier)
            answer_id = await repo.insert_answer(
                tx,
                user_key=user_key,
                subscription_id=found.id,
                network_id=found.network_id,
                slot=slot.at,
                scale=found.scale,
                value=value,
                score=score(found.scale, value),
                low=low,
                now=now,
            )
            saved = await repo.answer_by_id(tx, answer_id)
            if slot.kind == NOW:
                await self._close_todays_prompts(tx, found, now)
        assert saved is not None
        log.info("check-in answer %d recorded", answer_id)  # never the answer itself
        return Saved(saved)

    async def _close_todays_prompts(
        self, tx: Transaction, found: Subscription, now: dt.datetime
    ) -> None:
        """An answer with /checkin now: the scheduled check-ins of today (its prompt, if still
        queued, and its reminder) and yesterday's reminder, if still to come, are withdrawn."""
        zone = found.timing.zone
        since = start_of_local_day(now, zone) - dt.timedelta(days=1, hours=1)
        for scheduled in found.timing.slots(since, end_of_local_day(now, zone)):
            await self.kernel.outbox.skip_pending(
                tx,
                f"checkin:{found.id}:{scheduled.astimezone(dt.UTC):%Y-%m-%dT%H:%M:%SZ}:",
                "answered with /checkin now",
            )

    def _check_open(
        self, found: Subscription, slot: dt.datetime, kind: str, now: dt.datetime
    ) -> None:
        if slot > now:
            raise UserError("That check-in is not due yet. Nothing was saved.")
        if kind == NOW:
            closes = slot + NOW_WINDOW
        else:
            following = found.timing.next_after(slot)
            closes = slot + ANSWER_WINDOW
            if following is not None:
                closes = min(closes, following)
        if now >= closes:
            raise UserError(
                "That check-in has closed: each one can be answered until the next one comes "
                "or for 7 days, whichever is first. Nothing was saved. Answer now with "
                "/checkin now if you like."
            )

    async def own_answer(self, user_key: str, answer_id: int) -> Answer:
        async with self.db.reading() as tx:
            found = await repo.answer_by_id(tx, answer_id)
        if found is None or found.user_key != user_key:
            raise UserError("That answer no longer exists (it may have been deleted).")
        return found

    async def add_note(self, user_key: str, answer_id: int, note: str) -> Answer:
        note = note.strip()
        if len(note) > NOTE_MAX:
            raise UserError(f"A note can be at most {NOTE_MAX} characters. Nothing was saved.")
        found = await self.own_answer(user_key, answer_id)
        async with self.db.transaction() as tx:
            await repo.set_note(tx, found.id, note or None)
        return await self.own_answer(user_key, answer_id)

    async def _who_to_tell(
        self, tx: Transaction, current: Answer, user_key: str
    ) -> tuple[str, list[str], list[tuple[str, bool]]]:
        """The network's name, the coordinators peerbot can message about ``current``, and
        earlier rounds; refused clearly (with other ways) when there is nobody to tell."""
        names = (
            await network_queries.names(tx, current.network_id)
            if current.network_id is not None
            else None
        )
        if names is None:
            raise UserError(
                "That answer is not linked to a network any more, so nobody was told.\n\n"
                + OTHER_WAYS
            )
        network_name = names[0]
        rounds = await self.kernel.outbox.fanouts_under(tx, f"{TELL_PREFIX}{current.id}:")
        if current.coordinator_told_at is not None:
            if rounds and rounds[-1][1]:
                raise UserError(
                    "peerbot is still sending this answer to your coordinator. You will "
                    "get a private message as soon as it has reached them, or if it could "
                    "not. Nothing more was sent."
                )
            raise UserError(
                "Your coordinator was already told about this answer, so nothing more was sent."
            )
        reachable = set(self.kernel.ports)
        coordinators = [
            key
            for key in await network_queries.coordinators(tx, current.network_id or 0)
            if key != user_key and key.partition(":")[0] in reachable
        ]
        if not coordinators:
            raise UserError(
                f"{network_name} has no coordinator peerbot can message, so nobody was "
                "told about your answer.\n\n" + OTHER_WAYS
            )
        return network_name, coordinators, rounds

    async def check_can_tell_coordinator(self, user_key: str, answer_id: int) -> None:
        """Before the form: refuse at once when no coordinator could be told."""
        found = await self.own_answer(user_key, answer_id)
        async with self.db.reading() as tx:
            await self._who_to_tell(tx, found, user_key)

    async def tell_coordinator(
        self, user_key: str, answer_id: int, reach: str = ""
    ) -> tuple[str, list[str]]:
        """Queue this one answer to the network's coordinators (never to the person), as one
        fan-out whose end ``told`` reports: returns the network's name and who is being told.

        Refused, with other ways to reach someone, when there is nobody to tell."""
        found = await self.own_answer(user_key, answer_id)
        line = clean_reach(reach)
        now = self.clock.now()
        async with self.db.transaction() as tx:
            current = await repo.answer_by_id(tx, found.id)
            if current is None:
                raise UserError("That answer no longer exists (it may have been deleted).")
            network_name, coordinators, rounds = await self._who_to_tell(tx, current, user_key)
            if not await repo.mark_told(tx, current.id, now):
                raise UserError(
                    "Your coordinator was already told about this answer, so nothing more was sent."
                )
            # Keys under the prefix are checkin-tell:ANSWER:rN:coordinators (or, from before
            # rounds, checkin-tell:ANSWER:coordinators, round 0).
            numbers = [int(m[1]) for key, _ in rounds if (m := _ROUND.fullmatch(key.split(":")[2]))]
            round_key = f"{TELL_PREFIX}{current.id}:r{max(numbers, default=0) + 1}"
            group = await self.kernel.outbox.fan_out(
                tx,
                key=f"{round_key}:coordinators",
                sender_key=user_key,
                about="your check-in answer",  # ``told`` words the outcome; this is a fallback
                advice="Please contact your coordinator or supervisor another way. If you need "
                "support now, type /support for crisis and support lines (in an emergency, "
                "call 000).",
            )
            for coordinator in coordinators:
                share_id = await repo.insert_share(
                    tx,
                    answer_id=current.id,
                    sender_key=user_key,
                    recipient_key=coordinator,
                    kind="coordinator",
                    status="sent",
                    reach=None,  # in the notice only, never stored apart from it
                    now=now,
                )
                await self.kernel.outbox.enqueue(
                    tx,
                    key=f"{round_key}:{coordinator}",
                    target=user_from_key(coordinator),
                    message=coordinator_notice(current, network_name, share_id, line),
                    fanout=group,
                )
        self.kernel.outbox.notify()
        log.info("check-in answer %d: %d coordinators to tell", found.id, len(coordinators))
        return network_name, coordinators

    async def told(self, tx: Transaction, outcome: Outcome) -> Reply | None:
        """The end of "Let someone know" (My coordinator) (called by the outbox when the last notice
        finished): the person hears the truth. Sent only if a coordinator has it; when none
        could be reached the answer may be shared again, and the person is given other ways.
        Nothing, if the answer was deleted meanwhile."""
        answer_id = outcome.key.removeprefix(TELL_PREFIX).partition(":")[0]
        answer = await repo.answer_by_id(tx, int(answer_id)) if answer_id.isdigit() else None
        if answer is None:
            return None
        if not outcome.reached:
            await repo.clear_told(tx, answer.id)
        missed = {item.recipient_key for item in outcome.unreached}
        for share in await repo.shares_of_answer(tx, answer.id):
            sent = share.kind == "coordinator" and share.status == "sent"
            if sent and share.recipient_key in missed and share.seen_at is None:
                await repo.set_share(tx, share.id, status="failed")
        names = await network_queries.names(tx, answer.network_id) if answer.network_id else None
        unreached = [(item.recipient_key, fanouts.why(item.reason)) for item in outcome.unreached]
        return told_outcome(
            answer, names[0] if names else "your network", list(outcome.reached), unreached
        )

    # ---- "Let someone know": a peer the person chooses, and "I have seen this" -----------

    async def latest_answer(self, user_key: str) -> Answer:
        answers = await self.history(user_key)
        if not answers:
            raise UserError(
                "You have no check-in answer to share yet. Answer one with /checkin now. "
                "Nothing was sent."
            )
        return max(answers, key=lambda a: (a.answered_at, a.id))

    async def ask_peer(self, user_key: str, peer_key: str, reach: str = "") -> tuple[Answer, str]:
        """Ask one peer of the answer's network, privately, whether they can take on the
        person's latest answer; they see it only if they say yes. Returns the answer and the
        network's name. Refused clearly (nothing queued) for someone outside the network,
        the person themselves, or a peer already asked about this answer."""
        line = clean_reach(reach)
        answer = await self.latest_answer(user_key)
        now = self.clock.now()
        async with self.db.transaction() as tx:
            names = (
                await network_queries.names(tx, answer.network_id)
                if answer.network_id is not None
                else None
            )
            if names is None:
                raise UserError(
                    "Your latest answer is not linked to a network any more, so nobody was "
                    "told.\n\n" + OTHER_WAYS
                )
            network_name = names[0]
            if peer_key == user_key:
                raise UserError(
                    "Choose someone other than yourself in the option 'peer'. Nothing was sent."
                )
            members = await network_queries.members(tx, answer.network_id or 0)
            if peer_key not in members:
                raise UserError(
                    f"That person is not a member of {network_name}, so peerbot will not pass "
                    "on your answer to them. Choose a member of your network in the option "
                    "'peer'. Nothing was sent."
                )
            if peer_key.partition(":")[0] not in self.kernel.ports:
                raise UserError(
                    "peerbot cannot message that person right now (it is not connected to "
                    "their platform). Nothing was sent.\n\n" + OTHER_WAYS
                )
            earlier = [
                s
                for s in await repo.shares_of_answer(tx, answer.id)
                if s.kind == "peer" and s.recipient_key == peer_key and s.status != "failed"
            ]
            if earlier:
                raise UserError(
                    f"You already asked {display(peer_key)} about this answer, so nothing more "
                    "was sent. peerbot tells you when they have seen it or if they cannot "
                    "take it on."
                )
            share_id = await repo.insert_share(
                tx,
                answer_id=answer.id,
                sender_key=user_key,
                recipient_key=peer_key,
                kind="peer",
                status="asked",
                reach=line or None,
                now=now,
            )
            key = f"{SHARE_PREFIX}{share_id}"
            group = await self.kernel.outbox.fan_out(
                tx, key=key, sender_key=user_key, about="your check-in answer"
            )
            await self.kernel.outbox.enqueue(
                tx,
                key=f"{key}:ask",
                target=user_from_key(peer_key),
                message=peer_request(user_key, network_name, share_id),
                fanout=group,
            )
        self.kernel.outbox.notify()
        log.info("check-in answer %d: a peer asked", answer.id)  # never who, never the answer
        return answer, network_name

    async def peer_asked(self, tx: Transaction, outcome: Outcome) -> Reply | None:
        """The end of asking a peer: nothing to say when it arrived (the person hears when
        they have seen it or said not now); the truth, and other ways, when it could not."""
        share_id = outcome.key.removeprefix(SHARE_PREFIX).partition(":")[0]
        share = await repo.share_by_id(tx, int(share_id)) if share_id.isdigit() else None
        if share is None or outcome.reached or not outcome.unreached:
            return None
        await repo.set_share(tx, share.id, status="failed", forget_reach=True)
        return peer_unreached(share.recipient_key, fanouts.why(outcome.unreached[0].reason))

    async def _received(self, tx: Transaction, user_key: str, share_id: int) -> Share:
        share = await repo.share_by_id(tx, share_id)
        if share is None or share.recipient_key != user_key:
            raise UserError(
                "That message is no longer there: the person who sent it may have deleted "
                "their check-in answers. Nothing was changed."
            )
        return share

    async def open_share(self, user_key: str, share_id: int) -> Reply:
        """A chosen peer said yes: now they see the answer and the person's line."""
        async with self.db.transaction() as tx:
            share = await self._received(tx, user_key, share_id)
            if share.status == "declined":
                raise UserError(
                    "You said you cannot take this on right now, and they were told. If you "
                    "can after all, get in touch with them yourself. Nothing was changed."
                )
            answer = await repo.answer_by_id(tx, share.answer_id)
            names = (
                await network_queries.names(tx, answer.network_id)
                if answer is not None and answer.network_id is not None
                else None
            )
            if answer is None or names is None:
                raise UserError("That message is no longer there. Nothing was changed.")
            if share.status == "asked":
                await repo.set_share(tx, share.id, status="shown")
        return peer_notice(answer, names[0], share.id, share.reach)

    async def decline_share(self, user_key: str, share_id: int) -> None:
        async with self.db.transaction() as tx:
            share = await self._received(tx, user_key, share_id)
            if share.status != "asked":
                raise UserError(
                    "You have already answered this one, so nothing was changed."
                    if share.status == "declined"
                    else "You have seen their answer already; if you cannot be in touch, "
                    "that is all right. Nothing was changed."
                )
            await repo.set_share(tx, share.id, status="declined", forget_reach=True)
            await self.kernel.outbox.enqueue(
                tx,
                key=f"{SHARE_PREFIX}{share.id}:declined",
                target=user_from_key(share.sender_key),
                message=declined_message(share.recipient_key),
            )
        self.kernel.outbox.notify()

    async def seen(self, user_key: str, share_id: int) -> Share:
        """The recipient pressed "I have seen this": the person is told, once."""
        async with self.db.transaction() as tx:
            share = await self._received(tx, user_key, share_id)
            if share.seen_at is not None:
                raise UserError(
                    "You have already said you have seen this, and they were told. Nothing "
                    "was changed."
                )
            await repo.set_share(tx, share.id, seen_at=self.clock.now(), forget_reach=True)
            await self.kernel.outbox.enqueue(
                tx,
                key=f"{SHARE_PREFIX}{share.id}:seen",
                target=user_from_key(share.sender_key),
                message=seen_message(share.recipient_key),
            )
        self.kernel.outbox.notify()
        return share

    async def history(self, user_key: str) -> list[Answer]:
        async with self.db.reading() as tx:
            return await repo.answers_of(tx, user_key)

    async def forget_history(self, tx: Transaction, user_key: str) -> int:
        """Delete the person's answers and any coordinator notice about one of them still in
        the outbox (queued or sent), since the notice quotes the answer."""
        await self._forget_notices(tx, user_key)
        return await repo.delete_answers(tx, user_key)

    async def _forget_notices(self, tx: Transaction, user_key: str) -> int:
        """The notices quoting the person's answers, and every message about who was told
        (the shares themselves go with their answers)."""
        removed = 0
        for answer in await repo.answers_of(tx, user_key):
            removed += await repo.delete_outbox_rows(tx, f"{TELL_PREFIX}{answer.id}:")
            removed += await repo.delete_outbox_rows(tx, f"fanout:{TELL_PREFIX}{answer.id}:")
            for share in await repo.shares_of_answer(tx, answer.id):
                removed += await _forget_share_messages(tx, share.id)
        return removed

    # ---- coordinators -------------------------------------------------------------------

    async def summary(
        self,
        network_id: int,
        since: dt.datetime,
        until: dt.datetime,
        shorter_since: dt.datetime | None = None,
    ) -> Summary:
        """How many people answered, and how many were doing ok or finding it hard, shown
        only when at least 5 different people answered: counts of people, not answers, so
        nothing like "6 people answered 8 times" points at someone who answers often.

        Periods share their end and are whole blocks, so comparing two of them reveals the
        weeks the longer one adds (``since`` to ``shorter_since``): a longer period is shown
        only if those weeks hold no answers or answers from at least 5 different people.
        """
        async with self.db.reading() as tx:
            rows = await repo.network_answers(tx, network_id, since, until)
            added = (
                await repo.network_answers(tx, network_id, since, shorter_since)
                if shorter_since is not None
                else []
            )
        hard: set[str] = set()
        people: set[str] = set()
        for who, scale, value in rows:
            people.add(who)
            if is_low(scale, value):
                hard.add(who)
        if len(people) < SUMMARY_MIN_PEOPLE:
            return Summary(people=len(people), groups=None)
        if 0 < len({who for who, _, _ in added}) < SUMMARY_MIN_PEOPLE:
            return Summary(people=len(people), groups=None, narrowed=True)
        return Summary(
            people=len(people),
            groups={DOING_OK: len(people - hard), FINDING_IT_HARD: len(hard)},
        )

    # ---- retention and privacy ----------------------------------------------------------

    async def delete_expired(self) -> int:
        days = self.kernel.settings.retention.checkin_days
        async with self.db.transaction() as tx:
            deleted = await repo.delete_older_than(tx, self.clock.now() - dt.timedelta(days=days))
        log.info("check-in retention: deleted %d answers older than %d days", deleted, days)
        return deleted

    async def export_person(self, tx: Transaction, user_key: str) -> dict[str, Any]:
        found = await repo.subscription_of(tx, user_key)
        answers = await repo.answers_of(tx, user_key)
        subscription = None
        if found is not None:
            t = found.timing
            subscription = {
                "scale": found.scale.value,
                "every": t.frequency.value,
                "weekday": t.weekday,
                "time": f"{t.local_time:%H:%M}",
                "timezone": t.timezone,
                "starts_on": t.starts_on.isoformat(),
                "paused_until": found.paused_until.isoformat() if found.paused_until else None,
            }
        sent = await repo.shares_sent_by(tx, user_key)
        received = await repo.shares_received_by(tx, user_key)
        return {
            "subscription": subscription,
            "let_someone_know": [
                {
                    "answer_checked_in": to_db(a.slot_at),
                    "told": s.recipient_key,
                    "as": s.kind,
                    "status": s.status,
                    "how_to_reach_me": s.reach,
                    "asked_at": to_db(s.created_at),
                    "seen_at": to_db(s.seen_at) if s.seen_at else None,
                }
                for s in sent
                for a in answers
                if a.id == s.answer_id
            ],
            "told_by_others": [
                {
                    "from": s.sender_key,
                    "as": s.kind,
                    "status": s.status,
                    "asked_at": to_db(s.created_at),
                    "seen_at": to_db(s.seen_at) if s.seen_at else None,
                }
                for s in received
            ],
            "answers": [
                {
                    "check_in": to_db(a.slot_at),
                    "answered_at": to_db(a.answered_at),
                    "scale": a.scale.value,
                    "answer": a.label,
                    "note": a.note,
                    "coordinator_told_at": (
                        to_db(a.coordinator_told_at) if a.coordinator_told_at else None
                    ),
                }
                for a in answers
            ],
        }

    async def delete_person(self, tx: Transaction, user_key: str) -> int:
        found = await repo.subscription_of(tx, user_key)
        removed = 0
        # Messages others shared with this person go too (and the sender's record of them).
        received = await repo.shares_received_by(tx, user_key)
        for share in received:
            removed += await _forget_share_messages(tx, share.id)
        removed += await repo.delete_shares(tx, [s.id for s in received])
        if found is not None:
            await self.kernel.outbox.skip_pending(
                tx, f"checkin:{found.id}:", "check-ins stopped or paused"
            )
            removed += await repo.delete_subscription(tx, user_key)
        return removed + await self.forget_history(tx, user_key)

    async def move_person(self, tx: Transaction, old_key: str, new_key: str) -> int:
        old = await repo.subscription_of(tx, old_key)
        if old is not None and await repo.subscription_of(tx, new_key) is not None:
            # Both had check-ins on: the main account's stay, the other's stop (never twice).
            await self.kernel.outbox.skip_pending(
                tx, f"checkin:{old.id}:", "linked to another account"
            )
        moved = await repo.move_person(tx, old_key, new_key)
        for column in ("sender_key", "recipient_key"):
            moved += await move_rows(tx, "checkin_shares", column, old_key, new_key)
        return moved


async def _forget_share_messages(tx: Transaction, share_id: int) -> int:
    removed = await repo.delete_outbox_rows(tx, f"{SHARE_PREFIX}{share_id}:")
    return removed + await repo.delete_outbox_rows(tx, f"fanout:{SHARE_PREFIX}{share_id}:")


def clean_reach(text: str) -> str:
    """The person's line on how to reach them: one line, at most REACH_MAX characters."""
    line = " ".join((text or "").split())
    if len(line) > REACH_MAX:
        raise UserError(
            f"The line on how to reach you is too long: keep it to {REACH_MAX} characters, "
            "like a phone number and a good time. Nothing was sent."
        )
    return line


#: How far ahead a start or pause date may be: plans further out are almost always a typo.
AHEAD_MAX_DAYS = 366


def _within_a_year(what: str, day: dt.date, today: dt.date) -> None:
    latest = today + dt.timedelta(days=AHEAD_MAX_DAYS)
    if day > latest:
        raise UserError(
            f"The {what} can be at most a year ahead, so by {describe_date(latest)}; "
            f"{describe_date(day)} is further. Nothing was changed."
        )
