"""/ask commands and buttons: a member asks their network's coordinators privately, answers
their replies and closes the question; coordinators and executives reply, close and ask the
member's permission to share a de-identified version (under /manage question, so members'
menus hold only what members run). Every reply is private."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, ClassVar

from bot.cog import Cog
from bot.commands import NETWORK_SLUG_MAX, ActionEvent, Context, Option, Role, action, command
from bot.errors import UserError
from bot.fanouts import UNREACHED_PROMISE
from bot.kernel import Kernel
from bot.privacy import DataStatement
from bot.replies import Reply
from bot.storage import Transaction
from cogs.networks.queries import NetworkReader
from cogs.questions import render
from cogs.questions.models import LIST_MAX, TEXT_MAX, Direction, ShareState
from cogs.questions.service import PRIVATE_ACTIONS, QuestionService

#: How often closed questions past their retention period are deleted.
SWEEP_EVERY = dt.timedelta(days=1)
OUT_OF_DATE = "That button is out of date. Type /ask mine to see your questions."

NetworkOption = Annotated[
    str | None,
    Option(
        "The network's short name, like south-coast",
        autocomplete="complete_network",
        max_length=NETWORK_SLUG_MAX,
    ),
]
NumberOption = Annotated[int, Option("The question's number", min=1)]
TextOption = Annotated[
    str, Option(f"What to write (at most {TEXT_MAX} characters)", max_length=TEXT_MAX)
]


def _ids(payload: str, count: int) -> list[int]:
    parts = payload.split(":")[:count]
    if len(parts) != count or not all(p.isdigit() for p in parts):
        raise UserError(OUT_OF_DATE)
    return [int(p) for p in parts]


class QuestionsCog(Cog):
    name: ClassVar[str] = "questions"
    title: ClassVar[str] = "Questions to the coordinators"

    def __init__(self, kernel: Kernel) -> None:
        super().__init__(kernel)
        self.service = QuestionService(kernel)
        kernel.audit.keep_actor_private(*PRIVATE_ACTIONS)
        kernel.privacy.register(
            self.name,
            DataStatement(
                area="Questions to the coordinators",
                what="the questions you asked a network's coordinators with /ask, their "
                "replies and your answers, whether you agreed to share a de-identified "
                "version, and, as a coordinator or executive, the replies you wrote",
                why="so the coordinators can answer you privately, and nothing is shared "
                "without your yes",
                kept_for=f"until the question is closed and then "
                f"{kernel.settings.retention.questions_days} days (then it is deleted, text "
                "and all), or until you delete your data; the audit log records only that a "
                "question was asked, answered or closed, never its text or who asked",
            ),
            self._export,
            self._delete,
            self._move,
        )

    async def start(self) -> None:
        await self.service.forget_due()
        self.kernel.scheduler.add_periodic("questions-retention", self._sweep, SWEEP_EVERY)

    async def _sweep(self) -> None:
        await self.service.forget_due()

    async def _export(self, tx: Transaction, user_key: str) -> Any:
        return await self.service.export_person(tx, user_key)

    async def _delete(self, tx: Transaction, user_key: str) -> int:
        return await self.service.delete_person(tx, user_key)

    async def _move(self, tx: Transaction, old_key: str, new_key: str) -> int:
        return await self.service.move_person(tx, old_key, new_key)

    # ---- the member -------------------------------------------------------------------------

    async def _one_network(self, ctx: Context) -> int:
        """The network named or whose channel this is, else the person's one network."""
        if ctx.network_id is not None:
            return ctx.network_id
        mine = await NetworkReader(self.kernel.db).member_networks(ctx.user.key)
        if len(mine) == 1:
            return mine[0]
        if not mine:
            raise UserError(
                "Questions go to a network's coordinators: join one first (/network list, "
                "then /network join). Nothing was sent."
            )
        raise UserError(
            "Say which network's coordinators to ask with network:SHORT-NAME (type /network "
            "mine to see yours). Nothing was sent."
        )

    @command(
        "ask coordinators",
        "Ask your network's coordinators something, privately",
        in_dms=True,
    )
    async def ask(
        self,
        ctx: Context,
        question: Annotated[
            str,
            Option(f"Your question (at most {TEXT_MAX} characters)", max_length=TEXT_MAX),
        ],
        network: NetworkOption = None,
    ) -> Reply:
        network_id = await self._one_network(ctx)
        asked = await self.service.ask(ctx.user.key, network_id, question)
        number = asked.question.id
        if not asked.staff:
            went = (
                f"Your question (question {number}) is kept for the coordinators of "
                f"{asked.network_name}, but the network has no coordinator or executive yet: "
                "one named later sees it with /manage question list."
            )
        else:
            went = (
                f"Your question (question {number}) has gone to the coordinators of "
                f"{asked.network_name}; their reply will come here, privately. "
                f"{UNREACHED_PROMISE}"
            )
        return Reply.private_text(
            f"{went} Only the network's coordinators and executives see it, and nothing is "
            "shared with anyone else unless you agree. Answer them with /ask answer "
            f"number:{number} text:..., and close it with /ask close number:{number}. "
            "peerbot is not a crisis service: if you need support now, type /support (in an "
            "emergency, call 000)."
        )

    @command("ask answer", "Answer the coordinators about your question", role=Role.EVERYONE)
    async def answer(self, ctx: Context, number: NumberOption, text: TextOption) -> Reply:
        return await self._answer(ctx, number, text)

    async def _answer(self, ctx: Context, question_id: int, text: str) -> Reply:
        _, staff = await self.service.answer(question_id, ctx.user.key, text)
        if not staff:
            return Reply.private_text(
                f"Your answer about question {question_id} is kept with it; the network has no "
                "coordinator or executive just now."
            )
        return Reply.private_text(
            f"Sent your answer about question {question_id} to the coordinators, privately."
        )

    @action(render.ANSWER_ACTION)
    async def answer_pressed(self, ctx: Context, event: ActionEvent) -> Reply:
        [question_id] = _ids(event.payload, 1)
        found = await self.service.own(question_id, ctx.user.key)
        if not found.is_open:
            raise UserError(
                f"Your question {question_id} is closed. Ask a new one with /ask coordinators."
            )
        return Reply(
            text="Write your answer in the form.",
            form=render.text_form(
                f"Answer about question {question_id}",
                render.ANSWER_FORM_ACTION,
                question_id,
                "Your answer (only the coordinators see it)",
            ),
            private=True,
        )

    @action(render.ANSWER_FORM_ACTION)
    async def answer_sent(self, ctx: Context, event: ActionEvent) -> Reply:
        [question_id] = _ids(event.payload, 1)
        return await self._answer(ctx, question_id, event.fields.get("text", ""))

    @command("ask close", "Close your question to the coordinators", role=Role.EVERYONE)
    async def close(self, ctx: Context, number: NumberOption) -> Reply:
        return await self._member_close(ctx, number)

    @action(render.MEMBER_CLOSE_ACTION)
    async def close_pressed(self, ctx: Context, event: ActionEvent) -> Reply:
        [question_id] = _ids(event.payload, 1)
        return await self._member_close(ctx, question_id)

    async def _member_close(self, ctx: Context, question_id: int) -> Reply:
        await self.service.close_by_member(question_id, ctx.user.key)
        return Reply.private_text(
            f"Closed your question (question {question_id}); the coordinators have been told. "
            f"Its exchange is deleted in {self.service.retention_days} days. Ask another one "
            "at any time with /ask coordinators."
        )

    @command("ask mine", "Your questions to the coordinators", role=Role.EVERYONE)
    async def mine(self, ctx: Context) -> Reply:
        found = await self.service.mine(ctx.user.key)
        if not found:
            return Reply.private_text(
                "You have no questions to the coordinators. Ask one with /ask coordinators."
            )
        reader = NetworkReader(self.kernel.db)
        lines = ["Your questions to the coordinators:"]
        for question in found[-LIST_MAX:]:
            name, _ = await reader.names(question.network_id)
            state = "open" if question.is_open else "closed, deleted after the retention period"
            lines.append(f"- Question {question.id} ({name}): {state}.")
        lines.append("Answer one with /ask answer number:N text:..., close one with /ask close.")
        return Reply.private_text("\n".join(lines))

    @action(render.CONSENT_YES_ACTION)
    async def consent_yes(self, ctx: Context, event: ActionEvent) -> Reply:
        question_id, revision = _ids(event.payload, 2)
        _, places = await self.service.consent(question_id, revision, ctx.user.key, yes=True)
        if not places:
            return Reply.private_text(
                "Thank you. The network has no general channel yet, so nothing was posted; "
                "the coordinators have been told."
            )
        return Reply.private_text(
            "Thank you. The de-identified version is being posted in the network's general "
            "channel, without your name; the coordinators have been told."
        )

    @action(render.CONSENT_NO_ACTION)
    async def consent_no(self, ctx: Context, event: ActionEvent) -> Reply:
        question_id, revision = _ids(event.payload, 2)
        await self.service.consent(question_id, revision, ctx.user.key, yes=False)
        return Reply.private_text(
            "Nothing is shared. The coordinators have been told you would rather not, and "
            "your question carries on as before."
        )

    # ---- coordinators and executives --------------------------------------------------------

    @command(
        "manage question list",
        "Coordinator or executive: the open questions to the coordinators",
        role=Role.EXECUTIVE,
    )
    async def list_open(self, ctx: Context, network: NetworkOption = None) -> Reply:
        assert ctx.network_id is not None
        found = await self.service.open_in(ctx.network_id)
        if not found:
            return Reply.private_text("No questions are open. Nothing to do.")
        lines = [f"{len(found)} open question{'s' if len(found) != 1 else ''}:"]
        for question, exchange in found[:LIST_MAX]:
            first = next((m.body for m in exchange if m.direction is Direction.QUESTION), "")
            short = " ".join(first.split())
            short = short if len(short) <= 80 else short[:79] + "…"
            replies = sum(1 for m in exchange if m.direction is Direction.TO_MEMBER)
            lines.append(
                f"- Question {question.id}: {short} ({replies} repl"
                f"{'y' if replies == 1 else 'ies'})"
            )
        lines.append(
            "Reply with /manage question reply number:N text:..., close with /manage question "
            "close number:N."
        )
        return Reply.private_text("\n".join(lines))

    @command(
        "manage question reply",
        "Coordinator or executive: reply privately to a member's question",
        role=Role.EXECUTIVE,
    )
    async def reply(self, ctx: Context, number: NumberOption, text: TextOption) -> Reply:
        return await self._reply(ctx, number, text)

    async def _reply(self, ctx: Context, question_id: int, text: str) -> Reply:
        await self.service.reply(question_id, ctx.user, text)
        return Reply.private_text(
            f"Sent your reply to the member who asked question {question_id}, privately and "
            f"signed with your name. {UNREACHED_PROMISE}"
        )

    @action(render.REPLY_ACTION, role=Role.EXECUTIVE)
    async def reply_pressed(self, ctx: Context, event: ActionEvent) -> Reply:
        [question_id] = _ids(event.payload, 1)
        found = await self.service.staff_question(question_id, ctx.user.key)
        if not found.is_open:
            raise UserError(f"Question {question_id} is closed. Nothing was changed.")
        return Reply(
            text="Write your reply in the form. It reaches the member privately, signed with "
            "your name.",
            form=render.text_form(
                f"Reply to question {question_id}",
                render.REPLY_FORM_ACTION,
                question_id,
                "Your reply (signed with your name)",
            ),
            private=True,
        )

    @action(render.REPLY_FORM_ACTION, role=Role.EXECUTIVE)
    async def reply_sent(self, ctx: Context, event: ActionEvent) -> Reply:
        [question_id] = _ids(event.payload, 1)
        return await self._reply(ctx, question_id, event.fields.get("text", ""))

    @command(
        "manage question close",
        "Coordinator or executive: close a question once it is answered",
        role=Role.EXECUTIVE,
    )
    async def staff_close(self, ctx: Context, number: NumberOption) -> Reply:
        return await self._staff_close(ctx, number)

    @action(render.CLOSE_ACTION, role=Role.EXECUTIVE)
    async def staff_close_pressed(self, ctx: Context, event: ActionEvent) -> Reply:
        [question_id] = _ids(event.payload, 1)
        return await self._staff_close(ctx, question_id)

    async def _staff_close(self, ctx: Context, question_id: int) -> Reply:
        await self.service.close_by_staff(question_id, ctx.user.key)
        return Reply.private_text(
            f"Closed question {question_id}; the member has been told. Its exchange is deleted "
            f"in {self.service.retention_days} days."
        )

    @command(
        "manage question share",
        "Coordinator or executive: ask the member to share a de-identified version",
        role=Role.EXECUTIVE,
    )
    async def share(self, ctx: Context, number: NumberOption, text: TextOption) -> Reply:
        return await self._share(ctx, number, text)

    async def _share(self, ctx: Context, question_id: int, text: str) -> Reply:
        await self.service.propose_share(question_id, ctx.user.key, text)
        return Reply.private_text(
            f"The member who asked question {question_id} is being shown exactly that text "
            "and asked whether it may be shared with the network, without their name. "
            "Nothing is posted unless they say yes; you will be told either way."
        )

    @action(render.SHARE_ACTION, role=Role.EXECUTIVE)
    async def share_pressed(self, ctx: Context, event: ActionEvent) -> Reply:
        [question_id] = _ids(event.payload, 1)
        found = await self.service.staff_question(question_id, ctx.user.key)
        if not found.is_open:
            raise UserError(f"Question {question_id} is closed. Nothing was changed.")
        if found.share_state is ShareState.SHARED:
            raise UserError(f"Question {question_id} was shared already. Nothing was changed.")
        start = found.share_text or await self.service.question_text(question_id)
        return Reply(
            text="Edit the question into a version no stranger could trace to anyone (names, "
            "places, dates, rare details made general). peerbot checks it, then shows the "
            "member exactly this text and asks them; nothing is shared without their yes.",
            form=render.text_form(
                f"Share question {question_id}",
                render.SHARE_FORM_ACTION,
                question_id,
                "The de-identified question",
                default=start,
            ),
            private=True,
        )

    @action(render.SHARE_FORM_ACTION, role=Role.EXECUTIVE)
    async def share_sent(self, ctx: Context, event: ActionEvent) -> Reply:
        [question_id] = _ids(event.payload, 1)
        return await self._share(ctx, question_id, event.fields.get("text", ""))
