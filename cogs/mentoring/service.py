"""The rules of mentoring: profiles, suggestions, asking, accepting or declining, the private
thread for the two (opened only once both agreed), check-ins, extending, ending, deletion of
the thread after the retention period, and requests offered to the coordinators.

What the two write to each other is never stored or logged: it lives only in their thread,
which the platform deletes after the retention period.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from bot import mentions
from bot.clock import to_db
from bot.commands import Role
from bot.errors import UserError
from bot.identity import PlaceRef, UserRef, place_from_key, user_from_key
from bot.kernel import Kernel
from bot.ports import OutboundPort
from bot.replies import ActionRef, Button, ButtonStyle, Reply
from bot.scheduler import PlannedJob
from bot.storage import Transaction
from cogs.mentoring import repository as repo
from cogs.mentoring.models import (
    NEAR_END_DAYS,
    PERIOD_MONTHS,
    SUGGESTIONS,
    WAITING_DAYS,
    Pair,
    PairStatus,
    Profile,
    Request,
    Suggestion,
    topics_text,
)
from cogs.networks import queries

log = logging.getLogger(__name__)

ACCEPT_ACTION = "mentor.accept"
DECLINE_ACTION = "mentor.decline"
ASK_ACTION = "mentor.ask"
WAIT_ACTION = "mentor.wait"
EXTEND_ACTION = "mentor.extend"
END_ACTION = "mentor.end"
END_CONFIRM_ACTION = "mentor.end-confirm"
JOB_SOURCE = "mentoring"
PEERBOT = "peerbot"
#: Work that came due while the bot was down still runs, however late (it only ends,
#: deletes or tells the coordinators once).
LATE_GRACE = timedelta(days=3650)
OUT_OF_DATE = "That button is out of date. Nothing was changed."


def display(user_key: str | None) -> str:
    if user_key is None:
        return "a person who has since deleted their data"
    return mentions.person(user_key)


def agreement(topics: tuple[str, ...], ends: str, retention_days: int) -> str:
    """The short mentoring agreement pinned in the thread: peerbot's own words."""
    return "\n".join(
        [
            "Mentoring agreement (pinned, so you can both find it again)",
            f"- Purpose: peer mentoring, one peer worker with another, on {topics_text(topics)}. "
            "Agree together early on what you each want from it and how often you will talk.",
            "- Voluntary, both ways: either of you can end it at any time without giving a "
            "reason, with /mentor end or the End button in a check-in. The other person is "
            "told kindly, and nobody else is.",
            "- Boundaries: agree how and when you are in touch, and what you will not talk "
            "about. Saying no, or not now, is fine.",
            "- Confidentiality and its limits: what you share here stays between you two. If "
            "someone's safety is at risk, telling a person who can help comes first. Never "
            "share anything that could identify a person you support.",
            "- This is not supervision: not clinical supervision and not line management. "
            "Professional peer supervision stays with your employer.",
            f"- End date: {ends}. peerbot checks in with each of you privately halfway and "
            "near the end, and you can extend it then. When it ends this thread is archived, "
            f"and deleted {retention_days} days later.",
            "- On Discord, server admins and roles with Manage Threads can see private "
            "threads. peerbot is not a crisis service: type /support for crisis lines.",
        ]
    )


def at_zone(zone: ZoneInfo, at: datetime) -> str:
    return mentions.moment(at.astimezone(zone))


def rank(
    profiles: list[Profile],
    topics: tuple[str, ...],
    region: str,
    *,
    leave_out: set[str],
) -> list[Suggestion]:
    """Up to three mentors: most topics in common first, then the same region, then the most
    free places. Never a paused or full mentor, never one in ``leave_out``."""
    wanted = set(topics)
    found = []
    for profile in profiles:
        if profile.paused or profile.free <= 0 or profile.user_key in leave_out:
            continue
        overlap = tuple(t for t in topics if t in profile.topics)
        if not overlap:
            continue
        same = bool(region) and profile.region.strip().lower() == region.strip().lower()
        found.append(Suggestion(profile, overlap, same))
    found.sort(key=lambda s: (-len(set(s.overlap) & wanted), not s.same_region, -s.profile.free))
    return found[:SUGGESTIONS]


class MentoringService:
    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.db = kernel.db
        self.clock = kernel.clock

    @property
    def retention_days(self) -> int:
        return int(self.kernel.settings.retention.mentoring_days)

    def port(self, platform: str) -> OutboundPort:
        port = self.kernel.ports.get(platform)
        if port is None:
            raise UserError("peerbot is not connected to this platform right now. Try again soon.")
        return port

    async def zone(self, network_id: int) -> ZoneInfo:
        async with self.db.reading() as tx:
            name = await queries.timezone(tx, network_id)
        return ZoneInfo(name or "Australia/Sydney")

    async def when(self, network_id: int, at: datetime) -> str:
        return at_zone(await self.zone(network_id), at)

    async def _refresh(self) -> None:
        self.kernel.outbox.notify()
        await self.kernel.scheduler.refresh(JOB_SOURCE)

    # ---- profiles ---------------------------------------------------------------------------

    async def profile(self, user_key: str, network_id: int) -> Profile | None:
        async with self.db.reading() as tx:
            return await repo.profile(tx, user_key, network_id)

    async def offer(self, profile: Profile) -> bool:
        """Save a mentor's profile (offering again un-pauses it); True if it is new."""
        async with self.db.transaction() as tx:
            before = await repo.profile(tx, profile.user_key, profile.network_id)
            await repo.save_profile(tx, profile, self.clock.now())
            await self.kernel.audit.record(
                tx,
                actor_key=profile.user_key,
                action="mentoring.offer",
                network_id=profile.network_id,
            )
        return before is None

    async def set_paused(self, user_key: str, network_id: int, paused: bool) -> None:
        async with self.db.transaction() as tx:
            found = await repo.profile(tx, user_key, network_id)
            if found is None:
                raise UserError(
                    "You are not offering to mentor in this network. Offer with /mentor offer."
                )
            if not await repo.set_paused(tx, user_key, network_id, paused, self.clock.now()):
                state = "paused" if paused else "open to requests"
                raise UserError(f"Your mentor profile is already {state}. Nothing was changed.")
            await self.kernel.audit.record(
                tx,
                actor_key=user_key,
                action="mentoring.pause" if paused else "mentoring.resume",
                network_id=network_id,
            )

    async def stop(self, user_key: str, network_id: int) -> int:
        """Take the profile down; pairings already going on continue. Requests still waiting
        for this mentor are answered for them (the asker is told, kindly)."""
        async with self.db.transaction() as tx:
            if not await repo.delete_profile(tx, user_key, network_id):
                raise UserError(
                    "You are not offering to mentor in this network, so there is nothing to "
                    "stop. Nothing was changed."
                )
            asked = [
                p
                for p in await repo.pairs_of(tx, user_key, PairStatus.ASKED)
                if p.mentor_key == user_key and p.network_id == network_id
            ]
            for found in asked:
                await self._not_taken(tx, found, PairStatus.CANCELLED)
            active = [
                p
                for p in await repo.pairs_of(tx, user_key, PairStatus.ACTIVE)
                if p.mentor_key == user_key and p.network_id == network_id
            ]
            await self.kernel.audit.record(
                tx, actor_key=user_key, action="mentoring.stop", network_id=network_id
            )
        self.kernel.outbox.notify()
        return len(active)

    # ---- finding and asking -----------------------------------------------------------------

    async def suggestions(
        self, mentee_key: str, network_id: int, topics: tuple[str, ...], region: str
    ) -> list[Suggestion]:
        async with self.db.reading() as tx:
            profiles = await repo.offering(tx, network_id)
            leave_out = {mentee_key}
            waiting = await repo.open_request(tx, mentee_key, network_id)
            if waiting is not None:
                leave_out |= await repo.asked_mentors(tx, waiting.id)
            for found in await repo.pairs_of(tx, mentee_key, PairStatus.ACTIVE):
                if found.mentor_key:
                    leave_out.add(found.mentor_key)
            if not region:
                own = await repo.profile(tx, mentee_key, network_id)
                region = own.region if own else ""
        directory = self.kernel.registry.directory
        still = [
            p for p in profiles if await directory.role_of(p.user_key, network_id) >= Role.MEMBER
        ]
        return rank(still, topics, region, leave_out=leave_out)

    async def _check_can_ask(self, tx: Transaction, mentee_key: str, network_id: int) -> None:
        for found in await repo.pairs_of(tx, mentee_key, PairStatus.ASKED):
            if found.mentee_key == mentee_key and found.network_id == network_id:
                raise UserError(
                    "You have already asked a mentor, who has not answered yet. Wait for their "
                    "answer, or withdraw with /mentor end. Nothing was changed."
                )

    async def _request_for(
        self,
        tx: Transaction,
        mentee_key: str,
        network_id: int,
        topics: tuple[str, ...],
        share_name: bool,
    ) -> int:
        waiting = await repo.open_request(tx, mentee_key, network_id)
        if waiting is not None:
            await repo.update_request(tx, waiting.id, topics, share_name)
            return waiting.id
        return await repo.insert_request(
            tx,
            network_id=network_id,
            mentee_key=mentee_key,
            topics=topics,
            share_name=share_name,
            now=self.clock.now(),
        )

    async def ask(
        self,
        mentee_key: str,
        network_id: int,
        mentor_key: str,
        topics: tuple[str, ...],
        share_name: bool,
    ) -> Pair:
        if mentor_key == mentee_key:
            raise UserError("You cannot be your own mentor. Nothing was changed.")
        if await self.kernel.registry.directory.role_of(mentee_key, network_id) < Role.MEMBER:
            raise UserError("You are no longer a member of that network. Nothing was changed.")
        if await self.kernel.registry.directory.role_of(mentor_key, network_id) < Role.MEMBER:
            raise UserError(
                "That mentor is no longer in the network. Try /mentor find again. Nothing was "
                "changed."
            )
        now = self.clock.now()
        async with self.db.transaction() as tx:
            await self._check_can_ask(tx, mentee_key, network_id)
            mentor = await repo.profile(tx, mentor_key, network_id)
            if mentor is None or mentor.paused or mentor.free <= 0:
                raise UserError(
                    "That mentor is not taking requests right now (paused, full or no longer "
                    "offering). Try /mentor find again. Nothing was changed."
                )
            request_id = await self._request_for(tx, mentee_key, network_id, topics, share_name)
            if mentor_key in await repo.asked_mentors(tx, request_id):
                raise UserError("You have asked this mentor already. Nothing was changed.")
            pair_id = await repo.insert_pair(
                tx,
                request_id=request_id,
                network_id=network_id,
                mentee_key=mentee_key,
                mentor_key=mentor_key,
                topics=topics,
                now=now,
            )
            name, _ = await queries.names(tx, network_id) or ("your network", "")
            # If the mentor cannot be reached (closed direct messages), the asker is told.
            group = await self.kernel.outbox.fan_out(
                tx,
                key=f"mentoring:{pair_id}:ask-group",
                sender_key=mentee_key,
                about="your request for a mentor",
                advice="Withdraw it with /mentor end, then ask someone else with /mentor find.",
            )
            await self.kernel.outbox.enqueue(
                tx,
                key=f"mentoring:{pair_id}:ask",
                fanout=group,
                target=user_from_key(mentor_key),
                message=Reply(
                    text=f"{display(mentee_key)}, a member of {name}, asks whether you would "
                    f"mentor them on {topics_text(topics)}. If you accept, peerbot opens a "
                    "private thread for the two of you with a short agreement, for "
                    f"{PERIOD_MONTHS} months unless you extend it. Declining is fine: they are "
                    "told only that you cannot take it on now, never a reason.",
                    private=True,
                    buttons=[
                        Button(
                            label="Accept",
                            action=ActionRef(action=ACCEPT_ACTION, payload=str(pair_id)),
                            style=ButtonStyle.SUCCESS,
                        ),
                        Button(
                            label="Decline",
                            action=ActionRef(action=DECLINE_ACTION, payload=str(pair_id)),
                        ),
                    ],
                ),
            )
            await self.kernel.audit.record(
                tx, actor_key=mentee_key, action="mentoring.ask", network_id=network_id
            )
            found = await repo.pair(tx, pair_id)
        await self._refresh()
        assert found is not None
        return found

    async def wait(
        self, mentee_key: str, network_id: int, topics: tuple[str, ...], share_name: bool
    ) -> Request:
        """Leave a request open with no mentor asked (none fits now)."""
        if await self.kernel.registry.directory.role_of(mentee_key, network_id) < Role.MEMBER:
            raise UserError("You are no longer a member of that network. Nothing was changed.")
        async with self.db.transaction() as tx:
            request_id = await self._request_for(tx, mentee_key, network_id, topics, share_name)
            await self.kernel.audit.record(
                tx, actor_key=mentee_key, action="mentoring.request", network_id=network_id
            )
            found = await repo.request(tx, request_id)
        await self._refresh()
        assert found is not None
        return found

    async def get(self, pair_id: int) -> Pair:
        async with self.db.reading() as tx:
            found = await repo.pair(tx, pair_id)
        if found is None:
            raise UserError(OUT_OF_DATE)
        return found

    async def _not_taken(self, tx: Transaction, found: Pair, status: PairStatus) -> None:
        """A request this mentor did not take: the asker hears it kindly, without a reason."""
        await repo.answer(tx, found.id, status, self.clock.now())
        await self.kernel.outbox.skip_pending(tx, f"mentoring:{found.id}:ask", "not needed now")
        if found.mentee_key is None:
            return
        await self.kernel.outbox.enqueue(
            tx,
            key=f"mentoring:{found.id}:not-taken",
            target=user_from_key(found.mentee_key),
            message=Reply.private_text(
                "The mentor you asked cannot take on mentoring right now. That is about their "
                "time, not about you. Your request stays open: try /mentor find again to ask "
                "someone else. If nobody takes it in "
                f"{WAITING_DAYS} days, peerbot asks your network's coordinators to help find "
                "a mentor."
            ),
        )

    async def decline(self, pair_id: int, mentor_key: str) -> None:
        async with self.db.transaction() as tx:
            found = await repo.pair(tx, pair_id)
            if found is None or found.mentor_key != mentor_key:
                raise UserError(OUT_OF_DATE)
            if found.status is not PairStatus.ASKED:
                raise UserError("You have answered this request already. Nothing was changed.")
            await self._not_taken(tx, found, PairStatus.DECLINED)
            await self.kernel.audit.record(
                tx, actor_key=mentor_key, action="mentoring.decline", network_id=found.network_id
            )
        self.kernel.outbox.notify()

    async def _thread_parent(self, network_id: int, platform: str) -> tuple[PlaceRef, str]:
        async with self.db.reading() as tx:
            places = await queries.places(tx, network_id, "reflection")
        for place_key, space_key in places:
            if place_key.startswith(platform + ":"):
                return place_from_key(place_key), space_key
        raise UserError(
            "This network has no channel for private threads here yet (its reflection "
            "channel). A coordinator can create one with /network setup or choose one with "
            "/manage network link. Nothing was changed."
        )

    async def accept(self, pair_id: int, mentor: UserRef, here: UserRef) -> Pair:
        """Both have agreed: open the private thread for the two, pin the agreement, and plan
        the check-ins. ``here`` is the mentor's account on the platform they pressed on."""
        found = await self.get(pair_id)
        if found.mentor_key != mentor.key:
            raise UserError(OUT_OF_DATE)
        if found.status is not PairStatus.ASKED:
            raise UserError("You have answered this request already. Nothing was changed.")
        if found.mentee_key is None:
            raise UserError("The person who asked is no longer here. Nothing was changed.")
        async with self.db.reading() as tx:
            mentor_profile = await repo.profile(tx, mentor.key, found.network_id)
        if mentor_profile is not None and mentor_profile.taken > mentor_profile.max_mentees:
            raise UserError(
                f"You already mentor {mentor_profile.max_mentees} people, the most your profile "
                "allows. Raise it with /mentor offer first, or decline. Nothing was changed."
            )
        platform = here.platform
        mentee_here = self.kernel.people.on_platform(found.mentee_key, platform)
        if mentee_here is None:
            raise UserError(
                "The person who asked does not use peerbot on this platform, so a private "
                "thread here cannot include them. Accept from the platform they use. Nothing "
                "was changed."
            )
        parent, space_key = await self._thread_parent(found.network_id, platform)
        port = self.port(platform)
        now = self.clock.now()
        ends = now + relativedelta(months=PERIOD_MONTHS)
        thread = await port.open_private_thread(parent, "Mentoring")
        zone = await self.zone(found.network_id)
        ends_text = at_zone(zone, ends)
        async with self.db.transaction() as tx:
            if not await repo.activate(
                tx, pair_id, now=now, ends_at=ends, thread_key=thread.key, space_key=space_key
            ):
                raise UserError("You have answered this request already. Nothing was changed.")
            if found.request_id is not None:
                await repo.close_request(tx, found.request_id, "paired", now)
            await self.kernel.outbox.skip_pending(
                tx, f"mentoring:request:{found.request_id}:", "paired"
            )
            await self.kernel.outbox.enqueue(
                tx,
                key=f"mentoring:{pair_id}:agreement",
                target=thread,
                message=Reply(
                    text=agreement(found.topics, ends_text, self.retention_days), pin=True
                ),
            )
            link = mentions.link(thread.key, space_key)
            await self.kernel.outbox.enqueue(
                tx,
                key=f"mentoring:{pair_id}:accepted",
                target=user_from_key(found.mentee_key),
                message=Reply.private_text(
                    f"{display(mentor.key)} accepted your request for mentoring on "
                    f"{topics_text(found.topics)}. peerbot opened a private thread for the two "
                    f"of you, with the agreement pinned. It runs until {ends_text}.\n"
                    f"The thread: {link}"
                ),
            )
            await self._plan_checkins(tx, await self._pair_in(tx, pair_id), zone)
            await self.kernel.audit.record(
                tx,
                actor_key=mentor.key,
                action="mentoring.accept",
                network_id=found.network_id,
                target=str(pair_id),
            )
            active = await self._pair_in(tx, pair_id)
        await port.add_to_thread(thread, here)
        await port.add_to_thread(thread, mentee_here)
        await self._refresh()
        return active

    @staticmethod
    async def _pair_in(tx: Transaction, pair_id: int) -> Pair:
        found = await repo.pair(tx, pair_id)
        assert found is not None
        return found

    async def _plan_checkins(self, tx: Transaction, found: Pair, zone: ZoneInfo) -> None:
        """ "How is it going?" to each, privately, halfway and near the end; keyed by the end
        date, so an extension plans new ones and a restart sends none twice."""
        assert found.started_at is not None and found.ends_at is not None
        start, ends = found.started_at, found.ends_at
        when = {"halfway": start + (ends - start) / 2}
        if ends - start > timedelta(days=3 * NEAR_END_DAYS):
            when["near-end"] = ends - timedelta(days=NEAR_END_DAYS)
        ends_text = at_zone(zone, ends)
        stamp = int(ends.timestamp())
        for person in (found.mentee_key, found.mentor_key):
            if person is None:
                continue
            for label, at in when.items():
                await self.kernel.outbox.enqueue(
                    tx,
                    key=f"mentoring:{found.id}:checkin:{stamp}:{label}:{person}",
                    target=user_from_key(person),
                    due_at=at,
                    not_after=ends,
                    message=checkin_message(found, person, ends_text, stamp),
                )

    async def extend(self, pair_id: int, person_key: str, stamp: int) -> Pair:
        found = await self.get(pair_id)
        if not found.includes(person_key):
            raise UserError(OUT_OF_DATE)
        if found.status is not PairStatus.ACTIVE or found.ends_at is None:
            raise UserError("This mentoring has ended, so it cannot be extended.")
        if int(found.ends_at.timestamp()) != stamp:
            raise UserError(
                "This mentoring was extended already; its end date is "
                f"{await self.when(found.network_id, found.ends_at)}. Nothing was changed."
            )
        new = found.ends_at + relativedelta(months=PERIOD_MONTHS)
        zone = await self.zone(found.network_id)
        new_text = at_zone(zone, new)
        async with self.db.transaction() as tx:
            if not await repo.extend(tx, pair_id, found.ends_at, new):
                raise UserError("This mentoring was changed just now. Nothing was changed.")
            await self.kernel.outbox.skip_pending(tx, f"mentoring:{pair_id}:checkin:", "extended")
            extended = await self._pair_in(tx, pair_id)
            await self._plan_checkins(tx, extended, zone)
            other = found.other(person_key)
            if other is not None:
                await self.kernel.outbox.enqueue(
                    tx,
                    key=f"mentoring:{pair_id}:extended:{stamp}",
                    target=user_from_key(other),
                    message=Reply.private_text(
                        f"{display(person_key)} extended your mentoring on "
                        f"{topics_text(found.topics)} until {new_text}. Either of you can end "
                        "it at any time with /mentor end, without giving a reason."
                    ),
                )
            await self.kernel.audit.record(
                tx,
                actor_key=person_key,
                action="mentoring.extend",
                network_id=found.network_id,
                target=str(pair_id),
            )
        await self._refresh()
        return extended

    async def end(self, pair_id: int, person_key: str) -> Pair:
        """Either person ends it, any time, no reason asked: the other hears it kindly, the
        thread is archived and deleted after the retention period."""
        found = await self.get(pair_id)
        if not found.includes(person_key):
            raise UserError(OUT_OF_DATE)
        if found.status is not PairStatus.ACTIVE:
            raise UserError("This mentoring has ended already. Nothing was changed.")
        zone = await self.zone(found.network_id)
        async with self.db.transaction() as tx:
            ended = await self._end_in(tx, found, zone, by=person_key)
        await self._archive(ended)
        await self._refresh()
        return ended

    async def _end_in(
        self, tx: Transaction, found: Pair, zone: ZoneInfo, *, by: str | None
    ) -> Pair:
        """End inside the caller's transaction; ``by`` None means its end date came."""
        now = self.clock.now()
        delete_after = now + timedelta(days=self.retention_days)
        if not await repo.end(tx, found.id, now, delete_after):
            raise UserError("This mentoring has ended already. Nothing was changed.")
        await self.kernel.outbox.skip_pending(tx, f"mentoring:{found.id}:checkin:", "ended")
        gone = at_zone(zone, delete_after)
        if by is None:
            told = [p for p in (found.mentee_key, found.mentor_key) if p]
            text = (
                f"Your mentoring on {topics_text(found.topics)} reached its end date. Thank "
                "you both. The private thread is archived now and deleted on "
                f"{gone}. You can always ask for a mentor again with /mentor find."
            )
        else:
            told = [p for p in (found.other(by),) if p]
            text = (
                f"{display(by)} has ended your mentoring on {topics_text(found.topics)}. "
                "No reason is needed, and none was asked. Thank you for what you gave to it. "
                f"The private thread is archived now and deleted on {gone}."
            )
        for person in told:
            await self.kernel.outbox.enqueue(
                tx,
                key=f"mentoring:{found.id}:ended:{person}",
                target=user_from_key(person),
                message=Reply.private_text(text),
            )
        if found.thread_key is not None:
            await self.kernel.outbox.enqueue(
                tx,
                key=f"mentoring:{found.id}:ended-note",
                target=place_from_key(found.thread_key),
                message=Reply(text=f"This mentoring has ended. The thread is deleted on {gone}."),
            )
        await self.kernel.audit.record(
            tx,
            actor_key=by or PEERBOT,
            action="mentoring.end",
            network_id=found.network_id,
            target=str(found.id),
        )
        return await self._pair_in(tx, found.id)

    async def _archive(self, found: Pair) -> None:
        if found.thread_key is None:
            return
        thread = place_from_key(found.thread_key)
        port = self.kernel.ports.get(thread.platform)
        if port is None:
            return  # deleted later all the same
        try:
            await port.archive_thread(thread, lock=True, reason="peerbot: mentoring ended")
        except Exception:
            log.warning("could not archive mentoring thread of pairing %s", found.id)

    async def withdraw(self, mentee_key: str, network_id: int) -> bool:
        """Take back an open request (and a question to a mentor still unanswered)."""
        now = self.clock.now()
        async with self.db.transaction() as tx:
            waiting = await repo.open_request(tx, mentee_key, network_id)
            if waiting is None:
                return False
            await repo.close_request(tx, waiting.id, "withdrawn", now)
            for found in await repo.pairs_of(tx, mentee_key, PairStatus.ASKED):
                if found.request_id == waiting.id:
                    await repo.answer(tx, found.id, PairStatus.CANCELLED, now)
                    await self.kernel.outbox.skip_pending(
                        tx, f"mentoring:{found.id}:ask", "withdrawn"
                    )
            await self.kernel.outbox.skip_pending(
                tx, f"mentoring:request:{waiting.id}:", "withdrawn"
            )
            await self.kernel.audit.record(
                tx, actor_key=mentee_key, action="mentoring.withdraw", network_id=network_id
            )
        await self._refresh()
        return True

    async def mine(self, person_key: str) -> tuple[list[Profile], list[Pair], list[Request]]:
        async with self.db.reading() as tx:
            profiles = await repo.profiles_of(tx, person_key)
            pairs = await repo.pairs_of(tx, person_key, PairStatus.ASKED, PairStatus.ACTIVE)
            rows = await tx.fetch_all(
                "SELECT id FROM mentoring_requests WHERE mentee_key = ? AND status = 'open'",
                (person_key,),
            )
            requests = [r for r in [await repo.request(tx, int(x["id"])) for x in rows] if r]
        return profiles, pairs, requests

    async def counts(self, network_id: int) -> dict[str, int]:
        async with self.db.reading() as tx:
            return await repo.counts(tx, network_id)

    # ---- scheduled work ---------------------------------------------------------------------

    async def end_at_end_date(self, pair_id: int) -> None:
        found = await self.get(pair_id)
        if found.status is not PairStatus.ACTIVE or found.ends_at is None:
            return
        if found.ends_at > self.clock.now():
            return  # extended meanwhile; the new date has its own job
        zone = await self.zone(found.network_id)
        async with self.db.transaction() as tx:
            ended = await self._end_in(tx, found, zone, by=None)
        await self._archive(ended)
        await self._refresh()

    async def delete_thread(self, pair_id: int) -> None:
        found = await self.get(pair_id)
        if found.thread_key is None or found.delete_after is None:
            return
        if found.delete_after > self.clock.now():
            return
        thread = place_from_key(found.thread_key)
        port = self.kernel.ports.get(thread.platform)
        if port is None:
            raise RuntimeError(f"{thread.platform} is not connected; the thread is deleted later")
        await port.delete_thread(thread)
        async with self.db.transaction() as tx:
            await repo.forget_thread(tx, pair_id, self.clock.now())
            await tx.execute(
                """DELETE FROM mentoring_pairs
                   WHERE id = ? AND mentee_key IS NULL AND mentor_key IS NULL""",
                (pair_id,),
            )
            await self.kernel.audit.record(
                tx,
                actor_key=PEERBOT,
                action="mentoring.delete-thread",
                network_id=found.network_id,
                target=str(pair_id),
            )

    async def delete_due_threads(self) -> int:
        async with self.db.reading() as tx:
            due = await repo.due_for_deletion(tx)
        now = self.clock.now()
        done = 0
        for found in due:
            if found.delete_after is not None and found.delete_after <= now:
                await self.delete_thread(found.id)
                done += 1
        return done

    async def offer_to_coordinators(self, request_id: int) -> None:
        """A request nobody took in 14 days: the coordinators hear the counts and its topics,
        and the asker's name only if they agreed."""
        now = self.clock.now()
        async with self.db.transaction() as tx:
            found = await repo.request(tx, request_id)
            if found is None or found.status != "open" or found.offered_at is not None:
                return
            if now - found.created_at < timedelta(days=WAITING_DAYS):
                return
            await repo.mark_offered(tx, request_id, now)
            counts = await repo.counts(tx, found.network_id)
            name, _ = await queries.names(tx, found.network_id) or ("your network", "")
            who = (
                f"{display(found.mentee_key)} agreed that you may know it is them: you could "
                "contact them."
                if found.share_name
                else "They did not ask for their name to be shared, so peerbot keeps it to itself."
            )
            text = (
                f"A request for a mentor in {name} has waited {WAITING_DAYS} days without a "
                f"mentor taking it. Topics: {topics_text(found.topics)}. {who} In {name} now: "
                f"{counts['waiting']} waiting requests, {counts['active']} active mentoring "
                f"pairs, {counts['mentors']} mentors offering. You could help by asking peer "
                "workers who know these topics to offer with /mentor offer."
            )
            for coordinator in await queries.coordinators(tx, found.network_id):
                await self.kernel.outbox.enqueue(
                    tx,
                    key=f"mentoring:request:{request_id}:waiting:{coordinator}",
                    target=user_from_key(coordinator),
                    message=Reply.private_text(text),
                )
            await self.kernel.outbox.enqueue(
                tx,
                key=f"mentoring:request:{request_id}:waiting-told",
                target=user_from_key(found.mentee_key),
                message=Reply.private_text(
                    f"Your request for a mentor on {topics_text(found.topics)} has waited "
                    f"{WAITING_DAYS} days, so peerbot asked your network's coordinators to "
                    "help find one"
                    + (
                        ", with your name as you agreed."
                        if found.share_name
                        else ", without your name."
                    )
                    + " It stays open; /mentor end withdraws it."
                ),
            )
            await self.kernel.audit.record(
                tx,
                actor_key=PEERBOT,
                action="mentoring.offer-to-coordinators",
                network_id=found.network_id,
            )
        self.kernel.outbox.notify()

    # ---- privacy ----------------------------------------------------------------------------

    async def export_person(self, tx: Transaction, person_key: str) -> dict[str, Any]:
        return await repo.export_person(tx, person_key)

    async def delete_person(self, tx: Transaction, person_key: str) -> int:
        """Inside /privacy delete's transaction: active pairings end kindly for the other
        person and their thread is deleted at once (after the commit); requests go."""
        now = self.clock.now()
        for found in await repo.pairs_of(tx, person_key, PairStatus.ACTIVE):
            other = found.other(person_key)
            await repo.end(tx, found.id, now, now)
            await self.kernel.outbox.skip_pending(tx, f"mentoring:{found.id}:", "data deleted")
            if other is not None:
                await self.kernel.outbox.enqueue(
                    tx,
                    key=f"mentoring:{found.id}:ended:{other}",
                    target=user_from_key(other),
                    message=Reply.private_text(
                        f"Your mentoring on {topics_text(found.topics)} has ended: the other "
                        "person has left peerbot and asked for their data to be deleted. That "
                        "is not about you. Thank you for what you gave to it. The private "
                        "thread is deleted now. You can ask for or offer mentoring again any "
                        "time with /mentor find or /mentor offer."
                    ),
                )
        # Their threads that already ended go now too, not after the retention period.
        await tx.execute(
            """UPDATE mentoring_pairs SET delete_after = ?
               WHERE status = 'ended' AND thread_key IS NOT NULL
                 AND (mentee_key = ? OR mentor_key = ?)""",
            (to_db(now), person_key, person_key),
        )
        for found in await repo.pairs_of(tx, person_key, PairStatus.ASKED):
            if found.mentor_key == person_key:
                await self._not_taken(tx, found, PairStatus.CANCELLED)
            else:
                await repo.answer(tx, found.id, PairStatus.CANCELLED, now)
                await self.kernel.outbox.skip_pending(tx, f"mentoring:{found.id}:ask", "deleted")
        for pending in await tx.fetch_all(
            "SELECT id FROM mentoring_requests WHERE mentee_key = ?", (person_key,)
        ):
            await self.kernel.outbox.skip_pending(
                tx, f"mentoring:request:{int(pending['id'])}:", "deleted"
            )
        # Check-ins to this person in pairings that already ended are withdrawn too.
        await tx.execute(
            """UPDATE outbox SET status = 'skipped', last_error = 'deleted', finished_at = ?
               WHERE status = 'pending' AND key LIKE 'mentoring:%' AND target_id = ?
                 AND platform = ?""",
            (to_db(now), *reversed(person_key.split(":", 1))),
        )
        return await repo.forget_person(tx, person_key)

    async def move_person(self, tx: Transaction, old_key: str, new_key: str) -> int:
        return await repo.move_person(tx, old_key, new_key)


def checkin_message(found: Pair, person: str, ends_text: str, stamp: int) -> Reply:
    other = found.other(person)
    return Reply(
        text=f"How is your mentoring with {display(other)} going? It runs until {ends_text}. "
        "If it helps, you can extend it by three more months, or end it now: either is fine, "
        "and no reason is needed. If it is going well, there is nothing to do.",
        private=True,
        buttons=[
            Button(
                label="Extend by 3 months",
                action=ActionRef(action=EXTEND_ACTION, payload=f"{found.id}:{stamp}"),
                style=ButtonStyle.PRIMARY,
            ),
            Button(
                label="End it",
                action=ActionRef(action=END_ACTION, payload=str(found.id)),
                style=ButtonStyle.DANGER,
            ),
        ],
    )


class MentoringJobs:
    """The scheduler's job source: an end date reached, a thread to delete after retention, a
    request waiting 14 days. Each job is keyed by the date it is for, so it runs once."""

    name = JOB_SOURCE

    def __init__(self, service: MentoringService) -> None:
        self.service = service

    async def planned_jobs(self, now: datetime) -> list[PlannedJob]:
        async with self.service.db.reading() as tx:
            active = await repo.active_pairs(tx)
            deleting = await repo.due_for_deletion(tx)
            waiting = await repo.waiting_requests(tx)
        jobs = [self._ending(p) for p in active if p.ends_at is not None]
        jobs += [self._deleting(p) for p in deleting if p.delete_after is not None]
        jobs += [self._waiting(r) for r in waiting]
        return jobs

    def _ending(self, found: Pair) -> PlannedJob:
        assert found.ends_at is not None

        async def run() -> None:
            await self.service.end_at_end_date(found.id)

        return PlannedJob(
            key=f"mentoring:{found.id}:end:{int(found.ends_at.timestamp())}",
            run_at=found.ends_at,
            run=run,
            grace=LATE_GRACE,
        )

    def _deleting(self, found: Pair) -> PlannedJob:
        assert found.delete_after is not None

        async def run() -> None:
            await self.service.delete_thread(found.id)

        return PlannedJob(
            key=f"mentoring:{found.id}:delete",
            run_at=found.delete_after,
            run=run,
            grace=LATE_GRACE,
        )

    def _waiting(self, found: Request) -> PlannedJob:
        async def run() -> None:
            await self.service.offer_to_coordinators(found.id)

        return PlannedJob(
            key=f"mentoring:request:{found.id}:waiting",
            run_at=found.created_at + timedelta(days=WAITING_DAYS),
            run=run,
            grace=LATE_GRACE,
        )
