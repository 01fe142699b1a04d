"""The rules of questions to the coordinators: a member asks privately, the network's
coordinators and executives each get it privately with Reply, Close and Ask permission to
share; a reply reaches the member privately, signed with the name of who wrote it; the member
answers back or closes it; a de-identified version is shared with the network only on the
member's yes; once closed, the exchange is kept for ``retention.questions_days`` and then
deleted, text and all.

Every message goes through the outbox under a key starting ``question:ID:``, written in the
transaction that made the change, so a restart neither loses nor repeats one. Audit lines
name the question's number and what happened, never its text, and record "a member" for the
member's own steps.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.audit import DELETED_PERSON
from bot.commands import Role
from bot.errors import PermissionDenied, UserError
from bot.identity import UserRef, place_from_key, user_from_key
from bot.kernel import Kernel
from bot.replies import Reply
from bot.storage import Transaction
from cogs.networks import queries as network_queries
from cogs.questions import render
from cogs.questions import repository as repo
from cogs.questions.models import Direction, Message, Question, ShareState, check_text
from cogs.reflection.deidentify import find_identifiers, summary

log = logging.getLogger(__name__)

#: Where a shared question is posted: the network's general channel.
SHARE_PURPOSE = "general"
#: The member's own steps: the audit log records "a member" took them, never who.
PRIVATE_ACTIONS = (
    "questions.ask",
    "questions.answer",
    "questions.close",
    "questions.share",
    "questions.share-declined",
)
CLOSED_DMS_ADVICE = (
    "What you wrote is kept with the question. Ask them another way (in person, or in the "
    "network's channels without saying why) to allow direct messages from this server "
    "(on Discord: the server's name, then Privacy Settings, then Direct Messages), then send "
    "it again."
)


def no_question(number: int) -> UserError:
    return UserError(
        f"You have no question number {number} (a closed one is deleted after the retention "
        "period). /ask mine lists yours. Nothing was changed."
    )


@dataclass(frozen=True)
class Asked:
    question: Question
    network_name: str
    #: How many coordinators and executives it was sent to.
    staff: int


class QuestionService:
    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.db = kernel.db
        self.outbox = kernel.outbox
        self.clock = kernel.clock
        self.audit = kernel.audit

    @property
    def retention_days(self) -> int:
        return int(self.kernel.settings.retention.questions_days)

    # ---- reading ----------------------------------------------------------------------------

    async def get(self, question_id: int) -> Question | None:
        async with self.db.reading() as tx:
            return await repo.get(tx, question_id)

    async def own(self, question_id: int, asker_key: str) -> Question:
        found = await self.get(question_id)
        if found is None or found.asker_key != asker_key:
            raise no_question(question_id)
        return found

    async def mine(self, asker_key: str) -> list[Question]:
        async with self.db.reading() as tx:
            return await repo.of_asker(tx, asker_key)

    async def open_in(self, network_id: int) -> list[tuple[Question, list[Message]]]:
        async with self.db.reading() as tx:
            found = await repo.open_in(tx, network_id)
            return [(q, await repo.messages(tx, q.id)) for q in found]

    async def exchange(self, question_id: int) -> list[Message]:
        async with self.db.reading() as tx:
            return await repo.messages(tx, question_id)

    async def staff_question(self, question_id: int, actor_key: str) -> Question:
        """The question, if ``actor_key`` is a coordinator or executive of its network (an
        admin anywhere)."""
        found = await self.get(question_id)
        if found is None:
            raise UserError(
                f"There is no question number {question_id} (a closed one is deleted after "
                "the retention period). Nothing was changed."
            )
        role = await self.kernel.registry.directory.role_of(actor_key, found.network_id)
        if role < Role.EXECUTIVE:
            name = await self._name(found.network_id)
            raise PermissionDenied(
                f"You need to be a coordinator or an executive in {name} to do that. Nothing "
                "was changed."
            )
        return found

    async def _name(self, network_id: int) -> str:
        async with self.db.reading() as tx:
            names = await network_queries.names(tx, network_id)
        return names[0] if names else "the network"

    # ---- asking -----------------------------------------------------------------------------

    async def ask(self, asker_key: str, network_id: int, text: str) -> Asked:
        """Keep the question and queue it privately to every coordinator and executive."""
        text = check_text(text)
        now = self.clock.now()
        async with self.db.transaction() as tx:
            names = await network_queries.names(tx, network_id)
            if names is None:
                raise UserError("That network no longer exists. Nothing was sent.")
            name = names[0]
            question_id = await repo.add(tx, network_id, asker_key, text, now)
            staff = [k for k in await network_queries.staff(tx, network_id) if k != asker_key]
            group = await self.outbox.fan_out(
                tx,
                key=f"question:{question_id}:ask",
                sender_key=asker_key,
                about=f"your question (question {question_id})",
                advice="The others were told, and the question is kept for them. You could "
                "also tell a coordinator another way. If you need support now, type /support.",
            )
            notice = render.to_staff(question_id, asker_key, name, text)
            for staff_key in staff:
                await self.outbox.enqueue(
                    tx,
                    key=f"question:{question_id}:ask:{staff_key}",
                    target=user_from_key(staff_key),
                    message=notice,
                    fanout=group,
                )
            await self._audit(tx, asker_key, "questions.ask", network_id, question_id)
            question = await repo.get(tx, question_id)
            assert question is not None
        self.outbox.notify()
        return Asked(question, name, len(staff))

    # ---- replies, both ways -----------------------------------------------------------------

    async def reply(self, question_id: int, actor: UserRef, text: str) -> Question:
        """A coordinator's or executive's reply, privately to the member, signed with the
        name of who wrote it (they are the network's staff, and the member asked them)."""
        found = await self.staff_question(question_id, actor.key)
        text = check_text(text, "your reply")
        if not found.is_open:
            raise UserError(
                f"Question {question_id} is closed, so the member is not written to about it "
                "any more. Nothing was sent."
            )
        now = self.clock.now()
        async with self.db.transaction() as tx:
            message_id = await repo.add_message(
                tx, question_id, Direction.TO_MEMBER, actor.key, text, now
            )
            name = (await network_queries.names(tx, found.network_id) or ("the network", ""))[0]
            group = await self.outbox.fan_out(
                tx,
                key=f"question:{question_id}:reply:{message_id}",
                sender_key=actor.key,
                about=f"your reply to question {question_id}",
                advice=CLOSED_DMS_ADVICE,
            )
            await self.outbox.enqueue(
                tx,
                key=f"question:{question_id}:reply:{message_id}:{found.asker_key}",
                target=user_from_key(found.asker_key),
                message=render.reply_to_member(
                    question_id, actor.key, actor.display_name, name, text
                ),
                fanout=group,
            )
            # The other coordinators and executives see it too, so nobody answers twice.
            copy = render.reply_copy(question_id, actor.key, actor.display_name, name, text)
            for staff_key in await network_queries.staff(tx, found.network_id):
                if staff_key in (actor.key, found.asker_key):
                    continue
                await self.outbox.enqueue(
                    tx,
                    key=f"question:{question_id}:reply:{message_id}:copy:{staff_key}",
                    target=user_from_key(staff_key),
                    message=copy,
                )
            await self._audit(tx, actor.key, "questions.reply", found.network_id, question_id)
        self.outbox.notify()
        return found

    async def answer(self, question_id: int, asker_key: str, text: str) -> tuple[Question, int]:
        """The member answers back; it reaches every coordinator and executive."""
        found = await self.own(question_id, asker_key)
        text = check_text(text, "your answer")
        if not found.is_open:
            raise UserError(
                f"Your question {question_id} is closed. Ask a new one with /ask coordinators. "
                "Nothing was sent."
            )
        now = self.clock.now()
        async with self.db.transaction() as tx:
            message_id = await repo.add_message(
                tx, question_id, Direction.TO_STAFF, asker_key, text, now
            )
            name = (await network_queries.names(tx, found.network_id) or ("the network", ""))[0]
            staff = [k for k in await network_queries.staff(tx, found.network_id) if k != asker_key]
            group = await self.outbox.fan_out(
                tx,
                key=f"question:{question_id}:answer:{message_id}",
                sender_key=asker_key,
                about=f"your answer about question {question_id}",
                advice="Your answer is kept with the question, so they can still see it. If "
                "you need support now, type /support.",
            )
            notice = render.answer_to_staff(question_id, asker_key, name, text)
            for staff_key in staff:
                await self.outbox.enqueue(
                    tx,
                    key=f"question:{question_id}:answer:{message_id}:{staff_key}",
                    target=user_from_key(staff_key),
                    message=notice,
                    fanout=group,
                )
            await self._audit(tx, asker_key, "questions.answer", found.network_id, question_id)
        self.outbox.notify()
        return found, len(staff)

    # ---- closing ----------------------------------------------------------------------------

    async def close_by_member(self, question_id: int, asker_key: str) -> Question:
        found = await self.own(question_id, asker_key)
        return await self._close(found, asker_key, by_member=True)

    async def close_by_staff(self, question_id: int, actor_key: str) -> Question:
        found = await self.staff_question(question_id, actor_key)
        return await self._close(found, actor_key, by_member=False)

    async def _close(self, found: Question, actor_key: str, *, by_member: bool) -> Question:
        now = self.clock.now()
        forget_after = now + timedelta(days=self.retention_days)
        days = self.retention_days
        async with self.db.transaction() as tx:
            if not await repo.close(tx, found.id, now, forget_after):
                raise UserError(f"Question {found.id} is already closed. Nothing was changed.")
            # A consent prompt not yet answered is out of date: nothing is shared any more.
            await self.outbox.skip_pending(tx, f"question:{found.id}:consent:", "closed")
            if found.share_state is ShareState.ASKED:
                await repo.answer_share(tx, found.id, found.share_revision, ShareState.DECLINED)
            name = (await network_queries.names(tx, found.network_id) or ("the network", ""))[0]
            if by_member:
                staff = await network_queries.staff(tx, found.network_id)
                for staff_key in staff:
                    await self.outbox.enqueue(
                        tx,
                        key=f"question:{found.id}:closed:{staff_key}",
                        target=user_from_key(staff_key),
                        message=Reply.private_text(
                            f"Question {found.id} ({name}) was closed by the member who asked "
                            f"it. Its exchange is deleted in {days} days."
                        ),
                    )
            else:
                await self.outbox.enqueue(
                    tx,
                    key=f"question:{found.id}:closed:{found.asker_key}",
                    target=user_from_key(found.asker_key),
                    message=Reply.private_text(
                        f"The coordinators of {name} closed your question (question "
                        f"{found.id}). Its exchange is deleted in {days} days. Ask another "
                        "one at any time with /ask coordinators."
                    ),
                )
            action = "questions.close" if by_member else "questions.staff-close"
            await self._audit(tx, actor_key, action, found.network_id, found.id)
            closed = await repo.get(tx, found.id)
            assert closed is not None
        self.outbox.notify()
        return closed

    # ---- sharing with the network, only with the member's yes ---------------------------------

    async def question_text(self, question_id: int) -> str:
        async with self.db.reading() as tx:
            return await repo.first_text(tx, question_id)

    async def propose_share(self, question_id: int, actor_key: str, text: str) -> Question:
        """Show the member the exact de-identified text and ask them. The co-reflection
        de-identification check runs first: if it finds anything, the staff member edits."""
        found = await self.staff_question(question_id, actor_key)
        text = check_text(text, "the version to share")
        if not found.is_open:
            raise UserError(
                f"Question {question_id} is closed, so the member is not asked about it any "
                "more. Nothing was sent."
            )
        if found.share_state is ShareState.SHARED:
            raise UserError(
                f"Question {question_id} was shared with the network already. Nothing was sent."
            )
        found_here = _check(text)
        if found_here:
            raise UserError(
                "The de-identification check found details that could identify someone, so "
                f"the member was not asked.\n{found_here}\nEdit the text to make them general "
                "and try again. Nothing was sent."
            )
        async with self.db.transaction() as tx:
            await self.outbox.skip_pending(
                tx, f"question:{question_id}:consent:", "a newer version"
            )
            revision = await repo.propose_share(tx, question_id, text)
            name = (await network_queries.names(tx, found.network_id) or ("the network", ""))[0]
            group = await self.outbox.fan_out(
                tx,
                key=f"question:{question_id}:consent:{revision}",
                sender_key=actor_key,
                about=f"your request to share question {question_id}",
                advice="Nothing is shared without their yes. " + CLOSED_DMS_ADVICE,
            )
            await self.outbox.enqueue(
                tx,
                key=f"question:{question_id}:consent:{revision}:{found.asker_key}",
                target=user_from_key(found.asker_key),
                message=render.consent_prompt(question_id, revision, name, text),
                fanout=group,
            )
            await self._audit(tx, actor_key, "questions.share-ask", found.network_id, question_id)
            asked = await repo.get(tx, question_id)
            assert asked is not None
        self.outbox.notify()
        return asked

    async def consent(
        self, question_id: int, revision: int, asker_key: str, *, yes: bool
    ) -> tuple[Question, list[str]]:
        """The member's answer to the version they were shown. Yes: posted in the network's
        general channels without a name. Returns the question and where it is posted."""
        found = await self.own(question_id, asker_key)
        if found.share_revision != revision or found.share_state is not ShareState.ASKED:
            raise UserError(
                "That question is out of date: the coordinators changed the text, the question "
                "is closed, or you answered already. Nothing was changed."
            )
        state = ShareState.SHARED if yes else ShareState.DECLINED
        places: list[str] = []
        async with self.db.transaction() as tx:
            if not await repo.answer_share(tx, question_id, revision, state):
                raise UserError("You answered that already. Nothing was changed.")
            text = found.share_text or ""
            if yes:
                places = [
                    p for p, _ in await network_queries.places(tx, found.network_id, SHARE_PURPOSE)
                ]
                for place_key in places:
                    await self.outbox.enqueue(
                        tx,
                        key=f"question:{question_id}:shared:{place_key}",
                        target=place_from_key(place_key),
                        message=Reply(text=render.shared_post(text)),
                    )
            name = (await network_queries.names(tx, found.network_id) or ("the network", ""))[0]
            outcome = (
                f"The member who asked question {question_id} ({name}) said yes: the "
                "de-identified version is posted in the network's general channel, without "
                "their name."
                if yes
                else f"The member who asked question {question_id} ({name}) would rather it "
                "was not shared. Nothing was posted."
            )
            if yes and not places:
                outcome = (
                    f"The member who asked question {question_id} ({name}) said yes, but the "
                    "network has no general channel, so nothing was posted. Set one up with "
                    "/network setup, then ask them again."
                )
            for staff_key in await network_queries.staff(tx, found.network_id):
                await self.outbox.enqueue(
                    tx,
                    key=f"question:{question_id}:consented:{revision}:{staff_key}",
                    target=user_from_key(staff_key),
                    message=Reply.private_text(outcome),
                )
            action = "questions.share" if yes else "questions.share-declined"
            await self._audit(tx, asker_key, action, found.network_id, question_id)
            answered = await repo.get(tx, question_id)
            assert answered is not None
        self.outbox.notify()
        return answered, places

    # ---- retention --------------------------------------------------------------------------

    async def forget_due(self) -> int:
        """Delete every closed question whose retention period is over: its exchange, and
        the text the outbox kept of its messages. Returns how many went."""
        now = self.clock.now()
        async with self.db.transaction() as tx:
            due = await repo.due_to_forget(tx, now)
            for question_id in due:
                await self._forget_in(tx, question_id)
        if due:
            log.info("questions: %d closed question(s) deleted after retention", len(due))
        return len(due)

    async def _forget_in(self, tx: Transaction, question_id: int) -> None:
        await self.outbox.skip_pending(tx, f"question:{question_id}:", "the question was deleted")
        await repo.forget_outbox_text(tx, question_id, render.FORGOTTEN)
        await repo.delete(tx, question_id)

    # ---- privacy ----------------------------------------------------------------------------

    async def export_person(self, tx: Transaction, user_key: str) -> Any:
        return await repo.export_person(tx, user_key)

    async def delete_person(self, tx: Transaction, user_key: str) -> int:
        """Their questions go at once, whole; what they wrote as staff on others' questions
        stays with that member's exchange, no longer naming them."""
        asked = await repo.of_asker_ids(tx, user_key)
        for question_id in asked:
            await self._forget_in(tx, question_id)
        unnamed = await repo.unname_author(tx, user_key, DELETED_PERSON)
        return len(asked) + unnamed

    async def move_person(self, tx: Transaction, old_key: str, new_key: str) -> int:
        return await repo.move_person(tx, old_key, new_key)

    async def _audit(
        self, tx: Transaction, actor_key: str, action: str, network_id: int, question_id: int
    ) -> None:
        await self.audit.record(
            tx,
            actor_key=actor_key,
            action=action,
            network_id=network_id,
            target=f"question:{question_id}",
        )


def _check(text: str) -> str:
    """What the co-reflection de-identification check finds ("" for nothing), worded for a
    coordinator, who must edit: there is no "post anyway" here."""
    return summary(find_identifiers(text)).replace(
        " Edit them out, or post anyway if you are sure.", ""
    )


__all__ = ["PRIVATE_ACTIONS", "Asked", "QuestionService"]
