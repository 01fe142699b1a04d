"""The rules of co-reflection: start, consent, invitations, the facilitator, posts checked for
identifying details (and deleted by their writer), phases, close with takeaways, the network's
settings, and deletion of the thread after the retention period.

The text people write in a thread is never stored or logged: a post goes from the form
straight to the platform through the port, after the de-identification check. A post the
check holds back is kept in memory only, for its writer to edit (``drafts``). What is kept of
a post is who wrote it and the platform's message ids, so its writer can delete it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot import mentions
from bot.clock import to_db
from bot.commands import Role
from bot.errors import UserError
from bot.identity import MessageRef, PlaceRef, UserRef, place_from_key, user_from_key
from bot.kernel import Kernel
from bot.ports import OutboundPort, ThreadViewers
from bot.replies import ActionRef, Button, ButtonStyle, Reply
from bot.scheduler import PlannedJob
from bot.storage import Transaction
from cogs.networks.queries import NetworkReader
from cogs.reflection import repository as repo
from cogs.reflection.deidentify import find_identifiers, summary
from cogs.reflection.drafts import Drafts
from cogs.reflection.formats import FORMATS, Format, agreement
from cogs.reflection.models import (
    IDLE_MAX_DAYS,
    IDLE_MIN_DAYS,
    PEERS_MAX,
    RETENTION_MAX_DAYS,
    RETENTION_MIN_DAYS,
    NetworkSettings,
    Participant,
    Post,
    Reflection,
    Status,
    Takeaway,
)
from cogs.reflection.visibility import agreement_line

log = logging.getLogger(__name__)

JOIN_ACTION = "reflect.join"
DECLINE_ACTION = "reflect.decline"
POST_ACTION = "reflect.post"
FORM_ACTION = "reflect.form"
TAKEAWAY_ACTION = "reflect.takeaway"
TAKEAWAY_FORM_ACTION = "reflect.takeaway-form"
NEXT_PHASE_ACTION = "reflect.next"
KEEP_OPEN_ACTION = "reflect.keep-open"
DELETE_POST_ACTION = "reflect.delete-post"
JOB_SOURCE = "reflection-retention"
QUIET_SOURCE = "reflection-quiet"
#: Who acts when peerbot does something on its own (closing a quiet co-reflection).
PEERBOT = "peerbot"
#: A post longer than this goes out one field a message, so each part fits one message on
#: every platform (Discord's limit is 2,000 characters) and each can be deleted.
POST_PART_MAX = 1900
#: The check-in round posted when a thread opens, if the starter asked for one.
CHECKIN_ROUND = (
    "Check-in round, before we begin: how are you arriving today? A word or a line each is "
    "enough, and passing is fine. Keep it about you, not the people you support."
)
#: A deletion that came due while the bot was down still runs, however late.
DELETION_GRACE = timedelta(days=3650)


def display(user_key: str) -> str:
    """How to show a person: a neutral mark each platform shows its way."""
    return mentions.person(user_key)


@dataclass(frozen=True)
class Check:
    """The outcome of the de-identification check: what it found, in words (never the text)."""

    found: bool
    summary: str


Checker = Callable[[str], Check]


def deidentify_check(text: str) -> Check:
    """Run the de-identification check; only its summary (in words) leaves this function."""
    findings = find_identifiers(text)
    return Check(bool(findings), summary(findings) if findings else "")


@dataclass(frozen=True)
class Started:
    reflection: Reflection
    invited: list[str]


@dataclass(frozen=True)
class Posted:
    """What happened to a post: held back by the check (with the draft's token, so the
    writer can edit it), or posted (with its number, so the writer can delete it)."""

    check: Check
    draft: str | None = None
    post_id: int | None = None


@dataclass(frozen=True)
class Settings:
    """A network's co-reflection settings in force, and which are its own."""

    own: NetworkSettings
    retention_days: int
    idle_days: int

    @property
    def private_threads(self) -> bool:
        return self.own.private_threads


#: "Leave this setting as it is" (None already means "back to the default").
UNCHANGED: Any = object()


def facilitator_among(found: Reflection, joined: set[str]) -> str | None:
    """Who facilitates: the one chosen, once they have joined; until then, or if they
    declined, the starter; nobody if neither is in it."""
    if found.facilitator_key in joined:
        return found.facilitator_key
    if found.starter_key in joined:
        return found.starter_key
    return None


class ReflectionService:
    def __init__(self, kernel: Kernel, checker: Checker = deidentify_check) -> None:
        self.kernel = kernel
        self.db = kernel.db
        self.clock = kernel.clock
        self.checker = checker
        self.drafts = Drafts()

    @property
    def default_retention_days(self) -> int:
        """The configured period, for networks that have not set their own."""
        return int(self.kernel.settings.retention.reflection_days)

    @property
    def default_idle_days(self) -> int:
        """The configured quiet spell after which an open co-reflection is closed."""
        return int(self.kernel.settings.retention.reflection_idle_days)

    def kept_days(self, found: Reflection) -> int:
        """The period this reflection's participants agreed to when they joined."""
        return found.retention_days or self.default_retention_days

    # ---- the network's settings -------------------------------------------------------------

    async def settings(self, network_id: int) -> Settings:
        async with self.db.reading() as tx:
            own = await repo.network_settings(tx, network_id)
        return Settings(
            own=own,
            retention_days=own.retention_days or self.default_retention_days,
            idle_days=own.idle_days or self.default_idle_days,
        )

    async def retention_for(self, network_id: int) -> tuple[int, bool]:
        """The network's retention period in days, and whether it is the network's own."""
        found = await self.settings(network_id)
        return found.retention_days, found.own.retention_days is not None

    async def set_retention(self, network_id: int, days: int | None, actor_key: str) -> int:
        """Set (or, with None, reset) a network's period; reflections already started keep
        the period their participants agreed to."""
        changed = await self.change_settings(network_id, actor_key, retention_days=days)
        return changed.retention_days

    async def change_settings(
        self,
        network_id: int,
        actor_key: str,
        *,
        retention_days: Any = UNCHANGED,
        idle_days: Any = UNCHANGED,
        private_threads: bool | None = None,
    ) -> Settings:
        """Change some of a network's settings (None for a number: back to the default), in
        one transaction, after checking every value; reflections already started keep the
        retention period their participants agreed to."""
        if retention_days not in (UNCHANGED, None) and not (
            RETENTION_MIN_DAYS <= retention_days <= RETENTION_MAX_DAYS
        ):
            raise UserError(
                f"Keep closed threads between {RETENTION_MIN_DAYS} and {RETENTION_MAX_DAYS} "
                f"days; you gave {retention_days}. Nothing was changed."
            )
        if idle_days not in (UNCHANGED, None) and not IDLE_MIN_DAYS <= idle_days <= IDLE_MAX_DAYS:
            raise UserError(
                f"Close a quiet co-reflection after {IDLE_MIN_DAYS} to {IDLE_MAX_DAYS} days; "
                f"you gave {idle_days}. Nothing was changed."
            )
        async with self.db.transaction() as tx:
            old = await repo.network_settings(tx, network_id)
            new = NetworkSettings(
                retention_days=old.retention_days
                if retention_days is UNCHANGED
                else retention_days,
                idle_days=old.idle_days if idle_days is UNCHANGED else idle_days,
                private_threads=old.private_threads if private_threads is None else private_threads,
            )
            await repo.set_network_settings(tx, network_id, new)
            await self.kernel.audit.record(
                tx,
                actor_key=actor_key,
                action="reflection.settings",
                network_id=network_id,
                detail=(
                    f"kept {new.retention_days or 'default'} days, closed after "
                    f"{new.idle_days or 'default'} quiet days, private threads "
                    f"{'on' if new.private_threads else 'off'}"
                ),
            )
        await self.kernel.scheduler.refresh(QUIET_SOURCE)
        return await self.settings(network_id)

    async def viewers(
        self, port: OutboundPort, parent: PlaceRef, *, private: bool
    ) -> ThreadViewers | None:
        """Who besides its members can see a thread opened in ``parent``; with the network's
        private_threads setting on, peerbot first takes Manage Threads there from every role
        it can (again each time: a role made since has it too)."""
        if private:
            return await port.restrict_thread_viewers(parent)
        return await port.thread_viewers(parent)

    def port(self, platform: str) -> OutboundPort:
        port = self.kernel.ports.get(platform)
        if port is None:
            raise UserError("peerbot is not connected to this platform right now. Try again soon.")
        return port

    # ---- reading ----------------------------------------------------------------------------

    async def get(self, reflection_id: int) -> Reflection:
        async with self.db.reading() as tx:
            found = await repo.reflection(tx, reflection_id)
        if found is None:
            raise UserError("That co-reflection no longer exists. Nothing was changed.")
        return found

    async def find(self, user_key: str, place_key: str | None, number: int | None) -> Reflection:
        """The reflection meant: by number, else the thread the command is used in, else the
        person's only open one."""
        return await self._meant(
            number,
            place_key,
            lambda tx: repo.open_for(tx, user_key),
            none="Use this command inside a co-reflection thread you have joined. "
            "Nothing was changed.",
            several=lambda numbers: (
                f"You are in more than one open co-reflection ({numbers}). Use the command "
                "inside its thread, or say which with number:. Nothing was changed."
            ),
        )

    async def _meant(
        self,
        number: int | None,
        place_key: str | None,
        candidates: Callable[[Transaction], Awaitable[list[Reflection]]],
        *,
        none: str,
        several: Callable[[str], str],
    ) -> Reflection:
        """By number, else the thread the command is used in, else the person's only
        candidate; ``none`` and ``several`` say what to do when that is not one."""
        if number is not None:
            return await self.get(number)
        async with self.db.reading() as tx:
            if place_key is not None:
                here = await repo.by_thread(tx, place_key)
                if here is not None:
                    return here
            mine = await candidates(tx)
        if len(mine) == 1:
            return mine[0]
        if not mine:
            raise UserError(none)
        raise UserError(several(", ".join(str(r.id) for r in mine)))

    async def participants(self, reflection_id: int) -> list[Participant]:
        async with self.db.reading() as tx:
            return await repo.participants(tx, reflection_id)

    async def status_of(self, reflection_id: int, user_key: str) -> Status | None:
        for p in await self.participants(reflection_id):
            if p.user_key == user_key:
                return p.status
        return None

    async def joined(self, reflection_id: int) -> set[str]:
        return {
            p.user_key for p in await self.participants(reflection_id) if p.status is Status.JOINED
        }

    async def facilitator(self, found: Reflection) -> str | None:
        """Who moves the phases now: roles follow consent (``facilitator_among``)."""
        return facilitator_among(found, await self.joined(found.id))

    async def takeaways(self, user_key: str) -> list[Takeaway]:
        async with self.db.reading() as tx:
            return await repo.takeaways(tx, user_key)

    async def reflection_place(self, network_id: int, space_key: str) -> PlaceRef | None:
        found = await NetworkReader(self.db).place_in_space(network_id, space_key, "reflection")
        return place_from_key(found) if found else None

    async def _touched(self) -> None:
        """Something happened in a co-reflection: its quiet-spell jobs move on."""
        self.kernel.outbox.notify()
        await self.kernel.scheduler.refresh(QUIET_SOURCE)

    # ---- start and consent ------------------------------------------------------------------

    async def _members_to_invite(
        self,
        network_id: int,
        peers_text: str,
        here: UserRef,
        starter_key: str,
        *,
        at_most: int = PEERS_MAX,
    ) -> list[str]:
        """The people named in 'peers', checked: ids or mentions, not the starter, members
        of the network, not peerbot."""
        peers = self.kernel.people.persons_typed(peers_text, here.platform)
        if not peers:
            raise UserError(
                "Say who to invite in the option 'peers': ids or mentions, separated by commas "
                "or spaces. Nothing was changed."
            )
        if starter_key in peers:
            raise UserError(
                "Leave yourself out of 'peers': you are in it already as the one who starts it. "
                "Nothing was changed."
            )
        if len(peers) > at_most:
            raise UserError(
                f"You can invite at most {PEERS_MAX} peers: 12 people in all. For more, split "
                "into two groups. Nothing was changed."
            )
        directory = self.kernel.registry.directory
        outside = [p for p in peers if await directory.role_of(p, network_id) < Role.MEMBER]
        if outside:
            raise UserError(
                "You can only invite members of the same network, and not peerbot itself. "
                f"Not members: {', '.join(display(p) for p in outside)}. Nothing was changed."
            )
        return peers

    async def start(
        self,
        *,
        starter: UserRef,
        here: UserRef | None = None,
        network_id: int,
        space: PlaceRef | None,
        fmt: Format,
        topic: str | None,
        peers_text: str,
        facilitator_text: str | None,
        checkin: bool = False,
    ) -> Started:
        # ``starter`` is the person; ``here`` their account on this platform, where the
        # thread opens and where typed ids and mentions come from.
        here = here or starter
        people = self.kernel.people
        peers = await self._members_to_invite(network_id, peers_text, here, starter.key)
        facilitator = starter.key
        if facilitator_text:
            named = people.persons_typed(facilitator_text, here.platform)
            if len(named) != 1 or (named[0] != starter.key and named[0] not in peers):
                raise UserError(
                    "The facilitator must be you or one of the peers you invite. "
                    "Nothing was changed."
                )
            facilitator = named[0]
        if space is None:
            raise UserError(
                "Run /reflect start in your network's server or space, not in a direct message. "
                "Nothing was changed."
            )
        parent = await self.reflection_place(network_id, space.key)
        if parent is None:
            raise UserError(
                "This network has no reflection channel here yet. A coordinator can create one "
                "with /network setup or choose one with /manage network link. Nothing was changed."
            )
        port = self.port(here.platform)
        settings = await self.settings(network_id)
        seen_by = agreement_line(
            await self.viewers(port, parent, private=settings.private_threads), port.platform
        )
        info = FORMATS[fmt]
        thread = await port.open_private_thread(parent, f"Co-reflection: {info.title}"[:100])
        now = self.clock.now()
        days = settings.retention_days
        async with self.db.transaction() as tx:
            reflection_id = await repo.insert_reflection(
                tx,
                network_id=network_id,
                thread_key=thread.key,
                fmt=fmt,
                topic=topic,
                starter_key=starter.key,
                facilitator_key=facilitator,
                retention_days=days,
                now=now,
                space_key=space.key,
            )
            await repo.add_participant(tx, reflection_id, starter.key, Status.JOINED, now)
            for peer in peers:
                await repo.add_participant(tx, reflection_id, peer, Status.INVITED, now)
            # The agreement first, pinned, so it stays at hand; then the format's prompts.
            await self.kernel.outbox.enqueue(
                tx,
                key=f"reflection:{reflection_id}:agreement",
                target=thread,
                message=Reply(text=agreement(days, seen_by), pin=True),
            )
            if checkin:
                await self.kernel.outbox.enqueue(
                    tx,
                    key=f"reflection:{reflection_id}:checkin",
                    target=thread,
                    message=Reply(text=CHECKIN_ROUND),
                )
            opening = [info.prompts()]
            if topic:
                opening.insert(0, f"Topic: {topic}.")
            await self.kernel.outbox.enqueue(
                tx,
                key=f"reflection:{reflection_id}:prompts",
                target=thread,
                message=Reply(
                    text="\n".join(opening), buttons=next_phase_buttons(reflection_id, fmt, 0)
                ),
            )
            await self._queue_invitations(
                tx,
                reflection_id=reflection_id,
                starter_key=starter.key,
                sender_key=starter.key,
                fmt=fmt,
                topic=topic,
                days=days,
                seen_by=seen_by,
                peers=peers,
                stamp="",
                link=mentions.link(thread.key, space.key),
            )
            await self.kernel.audit.record(
                tx,
                actor_key=starter.key,
                action="reflection.start",
                network_id=network_id,
                target=str(reflection_id),
                detail=f"{fmt.value}, {len(peers)} invited",
            )
            found = await repo.reflection(tx, reflection_id)
        await port.add_to_thread(thread, here)
        await self._touched()
        assert found is not None
        return Started(found, peers)

    async def _queue_invitations(
        self,
        tx: Transaction,
        *,
        reflection_id: int,
        starter_key: str,
        sender_key: str,
        fmt: Format,
        topic: str | None,
        days: int,
        seen_by: str | None,
        peers: list[str],
        stamp: str,
        link: str = "",
        begun: Reflection | None = None,
    ) -> None:
        """One private invitation each, in a fan-out whose sender is told privately whose
        could not be delivered (direct messages closed), and what to do about it."""
        suffix = f":{stamp}" if stamp else ""
        group = await self.kernel.outbox.fan_out(
            tx,
            key=f"reflection:{reflection_id}:invites{suffix}",
            sender_key=sender_key,
            about=f"your invitation to co-reflection number {reflection_id}",
            advice="The invitation and its Join button come by direct message, so they cannot "
            "join until they get one. Ask them to allow direct messages from this server "
            "(on Discord: the server's menu, then Privacy Settings), then invite them again "
            f"with /reflect invite number:{reflection_id}, or invite someone else."
            + (f"\nThe thread: {link}" if link else ""),
        )
        for peer in peers:
            await self.kernel.outbox.enqueue(
                tx,
                key=f"reflection:{reflection_id}:invite:{peer}{suffix}",
                target=user_from_key(peer),
                message=self.invitation(
                    reflection_id,
                    sender_key,
                    fmt,
                    topic,
                    days,
                    seen_by,
                    found=begun,
                    link=link,
                ),
                fanout=group,
            )

    def invitation(
        self,
        reflection_id: int,
        starter_key: str,
        fmt: Format,
        topic: str | None,
        days: int,
        seen_by: str | None = None,
        *,
        found: Reflection | None = None,
        link: str = "",
    ) -> Reply:
        """The invitation; ``found`` when it is already under way (someone added after the
        start), so the invitee knows they join a conversation that has begun."""
        about = f" about {topic}" if topic else ""
        begun = (
            f" It started on {found.opened_at.date().isoformat()}; once you join you can read "
            "what was shared so far."
            if found is not None
            else ""
        )
        where = f"\nThe thread (it opens for you once you join): {link}" if link else ""
        text = (
            f"{display(starter_key)} invites you to a private co-reflection{about} "
            f"({FORMATS[fmt].title}).{begun}\n\n{agreement(days, seen_by)}\n\n"
            "Press Join if you agree; peerbot then adds you to the thread. Decline tells no one."
            + where
        )
        payload = str(reflection_id)
        return Reply(
            text=text,
            private=True,
            buttons=[
                Button(
                    label="Join",
                    action=ActionRef(action=JOIN_ACTION, payload=payload),
                    style=ButtonStyle.SUCCESS,
                ),
                Button(label="Decline", action=ActionRef(action=DECLINE_ACTION, payload=payload)),
            ],
        )

    async def invite(
        self, found: Reflection, actor: UserRef, peers_text: str, here: UserRef | None = None
    ) -> tuple[list[str], list[str]]:
        """Invite more peers into an open co-reflection, or again someone whose invitation did
        not reach them: the starter or the facilitator may. Someone who declined is never
        asked again. Returns (invited now, already in it)."""
        here = here or actor
        if not found.is_open or found.thread_key is None:
            raise UserError("This co-reflection has closed. Nothing was changed.")
        if actor.key not in (found.starter_key, await self.facilitator(found)):
            raise UserError(
                "Only the person who started this co-reflection or its facilitator can invite "
                "people to it. Nothing was changed."
            )
        peers = await self._members_to_invite(found.network_id, peers_text, here, actor.key)
        status = {p.user_key: p.status for p in await self.participants(found.id)}
        declined = [p for p in peers if status.get(p) is Status.DECLINED]
        if declined:
            raise UserError(
                f"{', '.join(display(p) for p in declined)} declined this co-reflection, and "
                "peerbot does not ask again. Nothing was changed."
            )
        already = [p for p in peers if status.get(p) is Status.JOINED]
        wanted = [p for p in peers if p not in already]
        if not wanted:
            raise UserError(
                f"{', '.join(display(p) for p in already)} already joined. Nothing was changed."
            )
        taking_part = sum(1 for s in status.values() if s is not Status.DECLINED)
        new = [p for p in wanted if p not in status]
        if taking_part + len(new) > PEERS_MAX + 1:
            raise UserError(
                f"A co-reflection has at most 12 people, and this one has {taking_part} joined "
                f"or invited; you named {len(new)} more. Nothing was changed."
            )
        thread = place_from_key(found.thread_key)
        port = self.port(thread.platform)
        parent = await port.parents_of(thread)
        settings = await self.settings(found.network_id)
        viewers = (
            await self.viewers(port, parent[0], private=settings.private_threads)
            if parent
            else None
        )
        now = self.clock.now()
        async with self.db.transaction() as tx:
            for peer in new:
                await repo.add_participant(tx, found.id, peer, Status.INVITED, now)
            await self._queue_invitations(
                tx,
                reflection_id=found.id,
                starter_key=found.starter_key,
                sender_key=actor.key,
                fmt=found.format,
                topic=found.topic,
                days=self.kept_days(found),
                seen_by=agreement_line(viewers, port.platform),
                peers=wanted,
                stamp=to_db(now),
                link=found.thread_link,
                begun=found,
            )
            await repo.mark_active(tx, found.id, now)
            await self.kernel.audit.record(
                tx,
                actor_key=actor.key,
                action="reflection.invite",
                network_id=found.network_id,
                target=str(found.id),
                detail=f"{len(wanted)} invited",
            )
        await self._touched()
        return wanted, already

    async def answer(self, reflection_id: int, user: UserRef, *, join: bool) -> Reflection:
        found = await self.get(reflection_id)
        if not found.is_open or found.thread_key is None:
            raise UserError("That co-reflection has closed. Nothing was changed.")
        status = await self.status_of(reflection_id, user.key)
        if status is None:
            raise UserError("You were not invited to that co-reflection. Nothing was changed.")
        if status is not Status.INVITED:
            raise UserError(f"You already answered that invitation ({status.value}).")
        now = self.clock.now()
        thread = place_from_key(found.thread_key)
        if join:
            there = self.kernel.people.on_platform(user.key, thread.platform) or user
            if there.platform != thread.platform:
                raise UserError(
                    f"This co-reflection is on {thread.platform}, and peerbot does not know "
                    f"your account there. Press Join from that account, or link it with "
                    "/link start. Nothing was changed."
                )
            # Into the thread first: if the platform refuses, the invitation still waits. The
            # port unarchives a thread the platform archived while it was quiet.
            await self.port(thread.platform).add_to_thread(thread, there)
        async with self.db.transaction() as tx:
            answered = await repo.answer(
                tx, reflection_id, user.key, Status.JOINED if join else Status.DECLINED, now
            )
            if join and answered:
                await repo.mark_active(tx, reflection_id, now)
                # The group hears who joined; nobody hears who declined.
                leads = " They facilitate." if user.key == found.facilitator_key else ""
                await self.kernel.outbox.enqueue(
                    tx,
                    key=f"reflection:{reflection_id}:joined:{user.key}",
                    target=thread,
                    message=Reply(
                        text=f"{display(user.key)} accepted the agreement and joined. "
                        f"Welcome.{leads}"
                    ),
                )
            elif answered and user.key == found.facilitator_key:
                # Roles follow consent: a facilitator who declined is not the facilitator.
                # Quietly, since nobody hears who declined: the starter leads again.
                await repo.set_facilitator(tx, reflection_id, found.starter_key)
        await self._touched()
        return found

    async def hand_over(
        self, found: Reflection, actor_key: str, to_text: str, platform: str
    ) -> str:
        """The facilitator (or the starter) hands the role to someone who joined."""
        if not found.is_open or found.thread_key is None:
            raise UserError("This co-reflection is closed. Nothing was changed.")
        current = await self.facilitator(found)
        if actor_key not in (current, found.starter_key):
            raise UserError(
                "Only the facilitator or the person who started this co-reflection can hand "
                "the facilitator's role on. Nothing was changed."
            )
        named = self.kernel.people.persons_typed(to_text, platform)
        if len(named) != 1:
            raise UserError(
                "Name one person in 'person': their id or mention. Nothing was changed."
            )
        target = named[0]
        if target not in await self.joined(found.id):
            raise UserError(
                f"{display(target)} has not joined this co-reflection; the facilitator must be "
                "someone who joined. Nothing was changed."
            )
        if target == current:
            raise UserError(f"{display(target)} already facilitates. Nothing was changed.")
        now = self.clock.now()
        async with self.db.transaction() as tx:
            if not await repo.set_facilitator(tx, found.id, target):
                raise UserError("This co-reflection is closed. Nothing was changed.")
            await repo.mark_active(tx, found.id, now)
            await self.kernel.outbox.enqueue(
                tx,
                key=f"reflection:{found.id}:facilitator:{target}:{to_db(now)}",
                target=place_from_key(found.thread_key),
                message=Reply(
                    text=f"{display(target)} now facilitates, handed on by {display(actor_key)}."
                ),
            )
            await self.kernel.audit.record(
                tx,
                actor_key=actor_key,
                action="reflection.facilitator",
                network_id=found.network_id,
                target=str(found.id),
            )
        await self._touched()
        return target

    # ---- posts ------------------------------------------------------------------------------

    async def require_joined(self, found: Reflection, user_key: str) -> None:
        if await self.status_of(found.id, user_key) is not Status.JOINED:
            raise UserError(
                "Only people who joined this co-reflection can do that. Nothing was changed."
            )
        if not found.is_open or found.thread_key is None:
            raise UserError("This co-reflection is closed, so nothing more can be posted.")

    async def post(
        self,
        found: Reflection,
        user: UserRef,
        fields: dict[str, str],
        *,
        anyway: bool,
        draft: str | None = None,
    ) -> Posted:
        """Check the text and, when clean (or ``anyway``), post it to the thread as the bot,
        naming the person. Held back, it waits in memory (never on disk) for its writer to
        edit; posted, only who wrote it and the message ids are kept, never the text, which
        is never logged either."""
        await self.require_joined(found, user.key)
        known = FORMATS[found.format].all_fields()
        parts = [
            (known[name].label, text.strip()) for name, text in fields.items() if name in known
        ]
        parts = [(label, text) for label, text in parts if text]
        if not parts:
            raise UserError("The form was empty, so nothing was posted.")
        now = self.clock.now()
        check = self.checker("\n".join(text for _, text in parts))
        if check.found and not anyway:
            if draft is not None:
                self.drafts.drop(draft)
            kept = {name: text for name, text in fields.items() if name in known}
            return Posted(check, draft=self.drafts.hold(user.key, found.id, kept, now))
        assert found.thread_key is not None
        thread = place_from_key(found.thread_key)
        port = self.port(thread.platform)
        head = f"From {display(user.key)}:"
        body = "\n".join(f"{label}\n{text}" for label, text in parts)
        if len(head) + len(body) < POST_PART_MAX:
            messages = [f"{head}\n{body}"]
        else:  # one field a message, so each part fits and can be deleted
            count = len(parts)
            messages = [
                f"From {display(user.key)} ({n} of {count}):\n{label}\n{text}"
                for n, (label, text) in enumerate(parts, start=1)
            ]
        unique = uuid.uuid4().hex
        sent: list[MessageRef] = []
        for n, text in enumerate(messages):
            sent.append(
                await port.post(
                    thread,
                    Reply(text=text),
                    idempotency_key=f"reflection:{found.id}:post:{unique}:{n}",
                )
            )
        async with self.db.transaction() as tx:
            post_id = await repo.add_post(tx, found.id, user.key, [m.id for m in sent], now)
            await repo.mark_active(tx, found.id, now)
        if draft is not None:
            self.drafts.drop(draft)
        await self._touched()
        return Posted(Check(False, ""), post_id=post_id)

    async def my_posts(self, found: Reflection, user_key: str) -> list[Post]:
        async with self.db.reading() as tx:
            return await repo.posts_of(tx, found.id, user_key)

    async def delete_post(self, post_id: int, user_key: str) -> Post:
        """A participant deletes their own post: the thread's messages first, then the note
        that it was theirs."""
        async with self.db.reading() as tx:
            found = await repo.post(tx, post_id)
            reflection = await repo.reflection(tx, found.reflection_id) if found else None
        if found is None or reflection is None or reflection.thread_key is None:
            raise UserError("That post is already gone. Nothing was changed.")
        if found.user_key != user_key:
            raise UserError("You can only delete your own posts. Nothing was changed.")
        thread = place_from_key(reflection.thread_key)
        port = self.port(thread.platform)
        for message_id in found.message_ids:
            await port.delete_message(
                MessageRef(place=thread, id=message_id), reason="deleted by its writer"
            )
        async with self.db.transaction() as tx:
            await repo.delete_post(tx, post_id)
        return found

    async def delete_posts_of(self, posts: list[tuple[Post, str | None]]) -> int:
        """After /privacy delete: take the person's posts out of the threads (best effort:
        a thread already deleted holds nothing). Returns how many were removed."""
        removed = 0
        for found, thread_key in posts:
            if thread_key is None:
                continue
            thread = place_from_key(thread_key)
            port = self.kernel.ports.get(thread.platform)
            if port is None:
                continue
            for message_id in found.message_ids:
                try:
                    await port.delete_message(
                        MessageRef(place=thread, id=message_id), reason="its writer's data deleted"
                    )
                except Exception as error:
                    log.warning(
                        "could not remove a deleted person's post %s from its thread: %s",
                        found.id,
                        type(error).__name__,
                    )
                    continue
            removed += 1
        return removed

    # ---- phases -----------------------------------------------------------------------------

    async def next_phase(
        self, found: Reflection, user_key: str, *, expected: int | None = None
    ) -> str:
        """Move to the next phase. ``expected`` is the phase a button was for, so a second
        press, or a press on an older button, never skips a phase."""
        phases = FORMATS[found.format].phases
        if not phases:
            raise UserError("Only a group case consultation has phases. Nothing was changed.")
        if user_key != await self.facilitator(found):
            raise UserError("Only the facilitator moves to the next phase. Nothing was changed.")
        if not found.is_open or found.thread_key is None:
            raise UserError("This co-reflection is closed. Nothing was changed.")
        if found.phase + 1 >= len(phases):
            raise UserError(
                "This is the last phase (What helped). Close with /reflect close when ready."
            )
        new = found.phase + 1
        if expected is not None and expected != new:
            raise UserError(
                f"The group is already in phase {found.phase + 1} ({phases[found.phase].name}); "
                "use the button on the latest phase message. Nothing was changed."
            )
        phase = phases[new]
        text = f"Phase {new + 1} of {len(phases)}: {phase.name}. {phase.rule}"
        async with self.db.transaction() as tx:
            moved = await repo.set_phase(tx, found.id, found.phase, new)
            if not moved:
                raise UserError("The group has just moved on. Nothing was changed.")
            await repo.mark_active(tx, found.id, self.clock.now())
            await self.kernel.outbox.enqueue(
                tx,
                key=f"reflection:{found.id}:phase:{new}",
                target=place_from_key(found.thread_key),
                message=Reply(text=text, buttons=next_phase_buttons(found.id, found.format, new)),
            )
        await self._touched()
        return text

    # ---- close, takeaways and retention -----------------------------------------------------

    async def keep_open(self, reflection_id: int, user_key: str) -> Reflection:
        """Someone who joined says the co-reflection is not done: a new quiet spell begins."""
        found = await self.get(reflection_id)
        await self.require_joined(found, user_key)
        async with self.db.transaction() as tx:
            await repo.mark_active(tx, found.id, self.clock.now())
        await self._touched()
        return await self.get(reflection_id)

    async def close(
        self, found: Reflection, user_key: str, *, quiet_days: int | None = None
    ) -> Reflection:
        """Close: the starter or the facilitator, or peerbot itself (``quiet_days``) after a
        quiet spell it warned of a day before."""
        if quiet_days is None:
            await self.check_close(found, user_key)
        elif not found.is_open or found.thread_key is None:
            raise UserError("This co-reflection is already closed. Nothing was changed.")
        assert found.thread_key is not None
        now = self.clock.now()
        days = self.kept_days(found)
        delete_after = now + timedelta(days=days)
        thread = place_from_key(found.thread_key)
        port = self.port(thread.platform)
        why = (
            f"peerbot closed this co-reflection because nothing happened in it for {quiet_days} "
            "days. Thank you, everyone, for what you shared and how you listened."
            if quiet_days is not None
            else "Thank you, everyone, for what you shared and how you listened. This thread "
            "is now closed."
        )
        await port.post(
            thread,
            Reply(
                text=f"{why} To check out, peerbot will send each of you a private note to "
                "keep: one word for how you are leaving, and what you are taking away. The "
                f"thread is deleted in {days} days."
            ),
            idempotency_key=f"reflection:{found.id}:thanks"
            + (f":{to_db(found.reopened_at)}" if found.reopened_at else ""),
        )
        joined = await self.joined(found.id)
        async with self.db.transaction() as tx:
            await repo.close(tx, found.id, now, delete_after)
            for person in sorted(joined):
                await self.kernel.outbox.enqueue(
                    tx,
                    key=f"reflection:{found.id}:takeaway:{person}",
                    target=user_from_key(person),
                    message=takeaway_offer(found.id, found.thread_link),
                )
            await self.kernel.audit.record(
                tx,
                actor_key=user_key,
                action="reflection.close",
                network_id=found.network_id,
                target=str(found.id),
                detail=f"after {quiet_days} quiet days" if quiet_days is not None else "",
            )
            closed = await repo.reflection(tx, found.id)
        self.kernel.outbox.notify()
        await port.archive_thread(thread, lock=True)
        await self.kernel.scheduler.refresh(JOB_SOURCE)
        await self.kernel.scheduler.refresh(QUIET_SOURCE)
        assert closed is not None
        return closed

    async def check_close(self, found: Reflection, user_key: str) -> None:
        """Whether this person may close it now (asked before the confirmation, and again
        when it is pressed)."""
        if user_key not in (found.starter_key, await self.facilitator(found)):
            raise UserError(
                "Only the person who started this co-reflection or its facilitator can close "
                "it. Nothing was changed."
            )
        if not found.is_open or found.thread_key is None:
            raise UserError("This co-reflection is already closed. Nothing was changed.")

    async def reopen(self, found: Reflection, user_key: str) -> Reflection:
        """Open a closed co-reflection again, before its thread is deleted: the starter or
        the facilitator it had. The thread is unlocked and unarchived, the deletion date
        goes, and a new quiet spell begins."""
        if user_key not in (found.starter_key, found.facilitator_key):
            raise UserError(
                "Only the person who started this co-reflection or its facilitator can reopen "
                "it. Nothing was changed."
            )
        if found.thread_key is None:
            raise UserError(
                "This co-reflection's thread was deleted when its retention period ended, so "
                "it cannot be reopened. Start a new one with /reflect start."
            )
        if found.is_open:
            raise UserError(f"Co-reflection number {found.id} is still open. Nothing was changed.")
        thread = place_from_key(found.thread_key)
        port = self.port(thread.platform)
        # The thread first: if the platform refuses, the co-reflection stays closed.
        await port.reopen_thread(thread, reason="peerbot: co-reflection reopened")
        now = self.clock.now()
        async with self.db.transaction() as tx:
            if not await repo.reopen(tx, found.id, now):
                raise UserError("This co-reflection was reopened just now. Nothing was changed.")
            await self.kernel.outbox.enqueue(
                tx,
                key=f"reflection:{found.id}:reopened:{to_db(now)}",
                target=thread,
                message=Reply(
                    text=f"{display(user_key)} reopened this co-reflection. The agreement "
                    "pinned above still holds. It closes again with /reflect close (or after "
                    "a quiet spell), and the thread is then deleted "
                    f"{self.kept_days(found)} days later."
                ),
            )
            await self.kernel.audit.record(
                tx,
                actor_key=user_key,
                action="reflection.reopen",
                network_id=found.network_id,
                target=str(found.id),
            )
            reopened = await repo.reflection(tx, found.id)
        await self.kernel.scheduler.refresh(JOB_SOURCE)
        await self._touched()
        assert reopened is not None
        return reopened

    async def find_reopenable(
        self, user_key: str, place_key: str | None, number: int | None
    ) -> Reflection:
        """The closed co-reflection meant: by number, else this thread, else the person's
        only one that can be reopened."""
        return await self._meant(
            number,
            place_key,
            lambda tx: repo.reopenable_for(tx, user_key),
            none="You have no closed co-reflection to reopen (only its starter or facilitator "
            "can, before its thread is deleted). Nothing was changed.",
            several=lambda numbers: (
                f"You can reopen more than one ({numbers}): say which with number:. "
                "Nothing was changed."
            ),
        )

    async def save_takeaway(self, reflection_id: int, user_key: str, text: str) -> None:
        if await self.status_of(reflection_id, user_key) is not Status.JOINED:
            raise UserError("You can only keep a takeaway from a co-reflection you joined.")
        if not text.strip():
            raise UserError("The form was empty, so nothing was saved.")
        async with self.db.transaction() as tx:
            await repo.add_takeaway(tx, reflection_id, user_key, text.strip(), self.clock.now())

    async def delete_thread(self, found: Reflection) -> None:
        """After the retention period: delete the thread where the port can, and forget it."""
        if found.thread_key is None:
            return
        thread = place_from_key(found.thread_key)
        port = self.kernel.ports.get(thread.platform)
        if port is None:
            # Not connected to that platform now: fail, so the job is not recorded as done and
            # runs again at the next start, instead of forgetting a thread that still exists.
            raise RuntimeError(f"{thread.platform} is not connected; the thread is deleted later")
        await port.delete_thread(thread)
        async with self.db.transaction() as tx:
            await repo.forget_thread(tx, found.id, self.clock.now())
            await self.kernel.audit.record(
                tx,
                actor_key=PEERBOT,
                action="reflection.delete-thread",
                network_id=found.network_id,
                target=str(found.id),
            )

    # ---- privacy ----------------------------------------------------------------------------

    async def export_person(self, tx: Transaction, user_key: str) -> dict[str, Any]:
        return await repo.export_person(tx, user_key)

    async def delete_person(self, tx: Transaction, user_key: str) -> int:
        self.drafts.drop_person(user_key)
        return await repo.delete_person(tx, user_key)

    async def posts_by(self, tx: Transaction, user_key: str) -> list[tuple[Post, str | None]]:
        return await repo.posts_by(tx, user_key)


def next_phase_buttons(reflection_id: int, fmt: Format, current: int) -> list[Button]:
    """The facilitator's button on a phase message: move to the phase after ``current``."""
    phases = FORMATS[fmt].phases
    if current + 1 >= len(phases):
        return []
    upcoming = current + 1
    return [
        Button(
            label=f"Next phase: {phases[upcoming].name}"[:80],
            action=ActionRef(action=NEXT_PHASE_ACTION, payload=f"{reflection_id}:{upcoming}"),
            style=ButtonStyle.PRIMARY,
        )
    ]


def takeaway_offer(reflection_id: int, link: str = "") -> Reply:
    where = f"\nThe thread: {link}" if link else ""
    return Reply(
        text=f"Thank you for taking part in co-reflection number {reflection_id}. To check "
        "out, if you like: one word for how you are leaving, and a short note of what you are "
        "taking away. Only you can see them later, with /reflect notes." + where,
        private=True,
        buttons=[
            Button(
                label="Check out",
                action=ActionRef(action=TAKEAWAY_FORM_ACTION, payload=str(reflection_id)),
            )
        ],
    )


class RetentionJobs:
    """The scheduler's job source: one deletion per closed reflection, at its delete_after."""

    name = JOB_SOURCE

    def __init__(self, service: ReflectionService) -> None:
        self.service = service

    async def planned_jobs(self, now: datetime) -> list[PlannedJob]:
        async with self.service.db.reading() as tx:
            due = await repo.due_for_deletion(tx)
        return [self._job(r) for r in due if r.delete_after is not None]

    def _job(self, found: Reflection) -> PlannedJob:
        assert found.delete_after is not None

        async def run() -> None:
            await self.service.delete_thread(await self.service.get(found.id))

        return PlannedJob(
            key=f"reflection:{found.id}:delete",
            run_at=found.delete_after,
            run=run,
            grace=DELETION_GRACE,
        )
