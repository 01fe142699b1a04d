"""The rules of co-reflection: start, consent, posts checked for identifying details, phases,
close with takeaways, and deletion of the thread after the retention period.

The text people write in a thread is never stored or logged: a post goes from the form
straight to the platform through the port, after the de-identification check.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot import mentions
from bot.commands import Role
from bot.errors import UserError
from bot.identity import PlaceRef, UserRef, place_from_key, user_from_key
from bot.kernel import Kernel
from bot.ports import OutboundPort
from bot.replies import ActionRef, Button, ButtonStyle, Reply
from bot.scheduler import PlannedJob
from bot.storage import Transaction
from cogs.networks.queries import NetworkReader
from cogs.reflection import repository as repo
from cogs.reflection.deidentify import find_identifiers, summary
from cogs.reflection.formats import FORMATS, Format, agreement
from cogs.reflection.models import (
    PEERS_MAX,
    RETENTION_MAX_DAYS,
    RETENTION_MIN_DAYS,
    Participant,
    Reflection,
    Status,
    Takeaway,
)

log = logging.getLogger(__name__)

JOIN_ACTION = "reflect.join"
DECLINE_ACTION = "reflect.decline"
POST_ACTION = "reflect.post"
FORM_ACTION = "reflect.form"
TAKEAWAY_ACTION = "reflect.takeaway"
TAKEAWAY_FORM_ACTION = "reflect.takeaway-form"
NEXT_PHASE_ACTION = "reflect.next"
JOB_SOURCE = "reflection-retention"
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


class ReflectionService:
    def __init__(self, kernel: Kernel, checker: Checker = deidentify_check) -> None:
        self.kernel = kernel
        self.db = kernel.db
        self.clock = kernel.clock
        self.checker = checker

    @property
    def default_retention_days(self) -> int:
        """The configured period, for networks that have not set their own."""
        return int(self.kernel.settings.retention.reflection_days)

    def kept_days(self, found: Reflection) -> int:
        """The period this reflection's participants agreed to when they joined."""
        return found.retention_days or self.default_retention_days

    async def retention_for(self, network_id: int) -> tuple[int, bool]:
        """The network's retention period in days, and whether it is the network's own."""
        async with self.db.reading() as tx:
            own = await repo.network_retention(tx, network_id)
        return (own, True) if own is not None else (self.default_retention_days, False)

    async def set_retention(self, network_id: int, days: int | None, actor_key: str) -> int:
        """Set (or, with None, reset) a network's period; reflections already started keep
        the period their participants agreed to."""
        if days is not None and not RETENTION_MIN_DAYS <= days <= RETENTION_MAX_DAYS:
            raise UserError(
                f"Keep closed threads between {RETENTION_MIN_DAYS} and {RETENTION_MAX_DAYS} "
                f"days; you gave {days}. Nothing was changed."
            )
        async with self.db.transaction() as tx:
            await repo.set_network_retention(tx, network_id, days)
            await self.kernel.audit.record(
                tx,
                actor_key=actor_key,
                action="reflection.retention",
                network_id=network_id,
                detail=f"{days} days" if days is not None else "default",
            )
        return days if days is not None else self.default_retention_days

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
        if number is not None:
            return await self.get(number)
        async with self.db.reading() as tx:
            if place_key is not None:
                here = await repo.by_thread(tx, place_key)
                if here is not None:
                    return here
            mine = await repo.open_for(tx, user_key)
        if len(mine) == 1:
            return mine[0]
        if not mine:
            raise UserError(
                "Use this command inside a co-reflection thread you have joined. "
                "Nothing was changed."
            )
        numbers = ", ".join(str(r.id) for r in mine)
        raise UserError(
            f"You are in more than one open co-reflection ({numbers}). Use the command inside "
            "its thread, or say which with number:. Nothing was changed."
        )

    async def participants(self, reflection_id: int) -> list[Participant]:
        async with self.db.reading() as tx:
            return await repo.participants(tx, reflection_id)

    async def status_of(self, reflection_id: int, user_key: str) -> Status | None:
        for p in await self.participants(reflection_id):
            if p.user_key == user_key:
                return p.status
        return None

    async def takeaways(self, user_key: str) -> list[Takeaway]:
        async with self.db.reading() as tx:
            return await repo.takeaways(tx, user_key)

    async def reflection_place(self, network_id: int, space_key: str) -> PlaceRef | None:
        found = await NetworkReader(self.db).place_in_space(network_id, space_key, "reflection")
        return place_from_key(found) if found else None

    # ---- start and consent ------------------------------------------------------------------

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
    ) -> Started:
        # ``starter`` is the person; ``here`` their account on this platform, where the
        # thread opens and where typed ids and mentions come from.
        here = here or starter
        people = self.kernel.people
        peers = people.persons_typed(peers_text, here.platform)
        if not peers:
            raise UserError(
                "Say who to invite in the option 'peers': ids or mentions, separated by commas "
                "or spaces. Nothing was changed."
            )
        if starter.key in peers:
            raise UserError(
                "Leave yourself out of 'peers': you are in it already as the one who starts it. "
                "Nothing was changed."
            )
        if len(peers) > PEERS_MAX:
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
        info = FORMATS[fmt]
        thread = await port.open_private_thread(parent, f"Co-reflection: {info.title}"[:100])
        now = self.clock.now()
        async with self.db.transaction() as tx:
            days = await repo.network_retention(tx, network_id) or self.default_retention_days
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
            )
            await repo.add_participant(tx, reflection_id, starter.key, Status.JOINED, now)
            for peer in peers:
                await repo.add_participant(tx, reflection_id, peer, Status.INVITED, now)
            # The agreement first, pinned, so it stays at hand; then the format's prompts.
            await self.kernel.outbox.enqueue(
                tx,
                key=f"reflection:{reflection_id}:agreement",
                target=thread,
                message=Reply(text=agreement(days), pin=True),
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
            group = await self.kernel.outbox.fan_out(
                tx,
                key=f"reflection:{reflection_id}:invites",
                sender_key=starter.key,
                about=f"your invitation to co-reflection number {reflection_id}",
                advice="The invitation and its Join button come by direct message, so they "
                "cannot join this one yet. You could tell them another way, and once they allow "
                "direct messages from this server, start a new co-reflection with them.",
            )
            for peer in peers:
                await self.kernel.outbox.enqueue(
                    tx,
                    key=f"reflection:{reflection_id}:invite:{peer}",
                    target=user_from_key(peer),
                    message=self.invitation(reflection_id, starter.key, fmt, topic, days),
                    fanout=group,
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
        self.kernel.outbox.notify()
        await port.add_to_thread(thread, here)
        assert found is not None
        return Started(found, peers)

    def invitation(
        self, reflection_id: int, starter_key: str, fmt: Format, topic: str | None, days: int
    ) -> Reply:
        about = f" about {topic}" if topic else ""
        text = (
            f"{display(starter_key)} invites you to a private co-reflection{about} "
            f"({FORMATS[fmt].title}).\n\n{agreement(days)}\n\n"
            "Press Join if you agree; peerbot then adds you to the thread. Decline tells no one."
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
            # Into the thread first: if the platform refuses, the invitation still waits.
            await self.port(thread.platform).add_to_thread(thread, there)
        async with self.db.transaction() as tx:
            answered = await repo.answer(
                tx, reflection_id, user.key, Status.JOINED if join else Status.DECLINED, now
            )
            if join and answered:
                # The group hears who joined; nobody hears who declined.
                await self.kernel.outbox.enqueue(
                    tx,
                    key=f"reflection:{reflection_id}:joined:{user.key}",
                    target=thread,
                    message=Reply(
                        text=f"{display(user.key)} accepted the agreement and joined. Welcome."
                    ),
                )
        self.kernel.outbox.notify()
        return found

    # ---- posts ------------------------------------------------------------------------------

    async def require_joined(self, found: Reflection, user_key: str) -> None:
        if await self.status_of(found.id, user_key) is not Status.JOINED:
            raise UserError(
                "Only people who joined this co-reflection can do that. Nothing was changed."
            )
        if not found.is_open or found.thread_key is None:
            raise UserError("This co-reflection is closed, so nothing more can be posted.")

    async def post(
        self, found: Reflection, user: UserRef, fields: dict[str, str], *, anyway: bool
    ) -> Check:
        """Check the text and, when clean (or ``anyway``), post it to the thread as the bot,
        naming the person. The text is never stored and never logged."""
        await self.require_joined(found, user.key)
        info = FORMATS[found.format]
        parts = [(f.label, fields.get(f.name, "").strip()) for f in info.fields]
        parts = [(label, text) for label, text in parts if text]
        if not parts:
            raise UserError("The form was empty, so nothing was posted.")
        check = self.checker("\n".join(text for _, text in parts))
        if check.found and not anyway:
            return check
        body = "\n".join(f"{label}\n{text}" for label, text in parts)
        assert found.thread_key is not None
        thread = place_from_key(found.thread_key)
        await self.port(thread.platform).post(
            thread,
            Reply(text=f"From {display(user.key)}:\n{body}"),
            idempotency_key=f"reflection:{found.id}:post:{uuid.uuid4().hex}",
        )
        return Check(False, "")

    # ---- phases -----------------------------------------------------------------------------

    async def next_phase(
        self, found: Reflection, user_key: str, *, expected: int | None = None
    ) -> str:
        """Move to the next phase. ``expected`` is the phase a button was for, so a second
        press, or a press on an older button, never skips a phase."""
        phases = FORMATS[found.format].phases
        if not phases:
            raise UserError("Only a group case consultation has phases. Nothing was changed.")
        if user_key != found.facilitator_key:
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
            await self.kernel.outbox.enqueue(
                tx,
                key=f"reflection:{found.id}:phase:{new}",
                target=place_from_key(found.thread_key),
                message=Reply(text=text, buttons=next_phase_buttons(found.id, found.format, new)),
            )
        self.kernel.outbox.notify()
        return text

    # ---- close, takeaways and retention -----------------------------------------------------

    async def close(self, found: Reflection, user_key: str) -> Reflection:
        if user_key not in (found.starter_key, found.facilitator_key):
            raise UserError(
                "Only the person who started this co-reflection or its facilitator can close "
                "it. Nothing was changed."
            )
        if not found.is_open or found.thread_key is None:
            raise UserError("This co-reflection is already closed. Nothing was changed.")
        now = self.clock.now()
        days = self.kept_days(found)
        delete_after = now + timedelta(days=days)
        thread = place_from_key(found.thread_key)
        port = self.port(thread.platform)
        await port.post(
            thread,
            Reply(
                text="Thank you, everyone, for what you shared and how you listened. This "
                "thread is now closed. peerbot will send each of you a private place to note "
                f"what you are taking away. The thread is deleted in {days} days."
            ),
            idempotency_key=f"reflection:{found.id}:thanks",
        )
        joined = [
            p.user_key for p in await self.participants(found.id) if p.status is Status.JOINED
        ]
        async with self.db.transaction() as tx:
            await repo.close(tx, found.id, now, delete_after)
            for person in joined:
                await self.kernel.outbox.enqueue(
                    tx,
                    key=f"reflection:{found.id}:takeaway:{person}",
                    target=user_from_key(person),
                    message=takeaway_offer(found.id),
                )
            await self.kernel.audit.record(
                tx,
                actor_key=user_key,
                action="reflection.close",
                network_id=found.network_id,
                target=str(found.id),
            )
            closed = await repo.reflection(tx, found.id)
        self.kernel.outbox.notify()
        await port.archive_thread(thread, lock=True)
        await self.kernel.scheduler.refresh(JOB_SOURCE)
        assert closed is not None
        return closed

    async def save_takeaway(self, reflection_id: int, user_key: str, text: str) -> None:
        if await self.status_of(reflection_id, user_key) is not Status.JOINED:
            raise UserError("You can only keep a takeaway from a co-reflection you joined.")
        if not text.strip():
            raise UserError("The note was empty, so nothing was saved.")
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
                actor_key="peerbot",
                action="reflection.delete-thread",
                network_id=found.network_id,
                target=str(found.id),
            )

    # ---- privacy ----------------------------------------------------------------------------

    async def export_person(self, tx: Transaction, user_key: str) -> dict[str, Any]:
        return await repo.export_person(tx, user_key)

    async def delete_person(self, tx: Transaction, user_key: str) -> int:
        return await repo.delete_person(tx, user_key)


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


def takeaway_offer(reflection_id: int) -> Reply:
    return Reply(
        text="Thank you for taking part in the co-reflection. If you like, write a short note "
        "of what you are taking away from it. Only you can see it later, with /reflect notes.",
        private=True,
        buttons=[
            Button(
                label="Write my takeaway",
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
