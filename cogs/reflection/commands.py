"""/reflect commands: start, post, next, close, notes and privacy. Every reply is private."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from bot.cog import Cog
from bot.commands import NETWORK_SLUG_MAX, ActionEvent, Context, Option, Role, action, command
from bot.errors import UserError
from bot.fanouts import UNREACHED_PROMISE
from bot.kernel import Kernel
from bot.privacy import DataStatement
from bot.replies import ActionRef, Button, ButtonStyle, Form, FormField, Reply
from bot.storage import Transaction
from cogs.networks.queries import NetworkReader
from cogs.reflection import repository as reflection_repo
from cogs.reflection.formats import FORMATS, Format, Topic
from cogs.reflection.models import (
    POST_FIELD_MAX,
    RETENTION_MAX_DAYS,
    RETENTION_MIN_DAYS,
    TAKEAWAY_MAX,
)
from cogs.reflection.service import (
    DECLINE_ACTION,
    FORM_ACTION,
    JOIN_ACTION,
    NEXT_PHASE_ACTION,
    POST_ACTION,
    TAKEAWAY_ACTION,
    TAKEAWAY_FORM_ACTION,
    ReflectionService,
    RetentionJobs,
    display,
)

NetworkOption = Annotated[
    str | None,
    Option(
        "The network's short name, like south-coast",
        autocomplete="complete_network",
        max_length=NETWORK_SLUG_MAX,
    ),
]
NumberOption = Annotated[
    int | None, Option("The co-reflection's number, when not used inside its thread", min=1)
]

PRIVACY_TEXT = "\n".join(
    [
        "Who can see a co-reflection thread:",
        "- peerbot opens a private thread that only the people who pressed Join are added to; "
        "members cannot invite others into it.",
        "- On Discord, server admins (Administrator permission) and anyone whose role has "
        "Manage Threads can also see every private thread. That is how Discord works, and "
        "peerbot cannot change it.",
        "- To keep threads to the bot and the participants: in Server Settings, then Roles, give "
        "Administrator and Manage Threads only to people who must have them (peerbot's own role "
        "needs Manage Threads to archive and lock threads). Check channel overrides on the "
        "reflection channel too.",
        "- peerbot keeps who took part, the format, the topic and the times, never what was "
        "written. The thread is deleted a set number of days after it closes.",
        "- Your takeaway notes are yours alone: /reflect notes shows them, /privacy export and "
        "/privacy delete include them.",
    ]
)


def post_form(reflection_id: int, fmt: Format, *, anyway: bool) -> Form:
    info = FORMATS[fmt]
    return Form(
        title=("Post anyway: " if anyway else "Post: ") + info.title[:30],
        action=ActionRef(action=POST_ACTION, payload=f"{reflection_id}:{int(anyway)}"),
        fields=[
            FormField(
                name=f.name,
                label=f.label,
                long=True,
                required=len(info.fields) == 1,
                max_length=POST_FIELD_MAX,
                placeholder=f.placeholder,
            )
            for f in info.fields
        ],
    )


def _number(payload: str) -> int:
    head = payload.partition(":")[0]
    if not head.isdigit():
        raise UserError("That button is out of date. Nothing was changed.")
    return int(head)


class ReflectionCog(Cog):
    name: ClassVar[str] = "reflection"
    title: ClassVar[str] = "Co-reflection"

    def __init__(self, kernel: Kernel) -> None:
        super().__init__(kernel)
        self.service = ReflectionService(kernel)
        self.jobs = RetentionJobs(self.service)
        kernel.scheduler.add_source(self.jobs)
        kernel.privacy.register(
            self.name,
            DataStatement(
                area="Co-reflection",
                what="which co-reflections you were invited to and whether you joined, the "
                "format, topic and times, and the takeaway notes you wrote. Never the text "
                "of a thread",
                why="to add you to threads you agreed to join, and to keep your notes for you",
                kept_for="threads: deleted a set number of days after closing; your part and "
                "your notes: until you delete your data",
            ),
            self._export,
            self._delete,
            self._move,
        )

    async def _export(self, tx: Transaction, user_key: str) -> Any:
        return await self.service.export_person(tx, user_key)

    async def _delete(self, tx: Transaction, user_key: str) -> int:
        return await self.service.delete_person(tx, user_key)

    async def _move(self, tx: Transaction, old_key: str, new_key: str) -> int:
        return await reflection_repo.move_person(tx, old_key, new_key)

    def _place_key(self, ctx: Context) -> str | None:
        return ctx.place.key if ctx.place is not None else None

    async def _one_network(self, ctx: Context) -> int:
        """The network named (or of this channel), else the person's only network.

        The registry leaves a member command without a network when none is named and the
        person is outside any network's channel: with several, they must say which.
        """
        if ctx.network_id is not None:
            return ctx.network_id
        mine = await NetworkReader(self.kernel.db).member_networks(ctx.user.key)
        if len(mine) == 1:
            return mine[0]
        if not mine:
            raise UserError(
                "You are not in a network yet, and co-reflection is with peers from your "
                "network. Type /network list to see them and /network join to join one."
            )
        raise UserError(
            "Say which network to reflect in with network:SHORT-NAME (type /network mine to "
            "see yours). Nothing was changed."
        )

    # ---- start and consent ------------------------------------------------------------------

    @command("reflect start", "Start a private co-reflection with peers from your network")
    async def begin(
        self,
        ctx: Context,
        format: Annotated[Format, Option("How to reflect together")],
        peers: Annotated[
            str, Option("Up to 11 peers: ids or mentions, by commas or spaces", max_length=1000)
        ],
        network: NetworkOption = None,
        topic: Annotated[Topic | None, Option("What it is about, if you like")] = None,
        facilitator: Annotated[
            str | None,
            Option("Who guides it (you or one of the peers); default: you", max_length=200),
        ] = None,
    ) -> Reply:
        started = await self.service.start(
            starter=ctx.user,
            here=ctx.here,
            network_id=await self._one_network(ctx),
            space=ctx.space,
            fmt=format,
            topic=topic.value if topic else None,
            peers_text=peers,
            facilitator_text=facilitator,
        )
        found = started.reflection
        return Reply.private_text(
            f"Started co-reflection number {found.id} ({FORMATS[format].title}) in a private "
            "thread, and added you. By starting it you accept the confidentiality agreement "
            "posted there. Invited privately: "
            + ", ".join(display(p) for p in started.invited)
            + ". Each is added only after pressing Join. "
            + UNREACHED_PROMISE
        )

    @action(JOIN_ACTION)
    async def join(self, ctx: Context, event: ActionEvent) -> Reply:
        await self.service.answer(_number(event.payload), ctx.user, join=True)
        return Reply.private_text(
            "Thank you. You agreed to the confidentiality agreement and peerbot added you to "
            "the thread. Post with /reflect post inside it."
        )

    @action(DECLINE_ACTION)
    async def decline(self, ctx: Context, event: ActionEvent) -> Reply:
        await self.service.answer(_number(event.payload), ctx.user, join=False)
        return Reply.private_text(
            "You declined. Nobody is told. Look after yourself, and thank you for answering."
        )

    # ---- posts ------------------------------------------------------------------------------

    @command("reflect post", "Post in a co-reflection, checked for identifying details first")
    async def post(
        self,
        ctx: Context,
        number: NumberOption = None,
        anyway: Annotated[
            bool, Option("Post even if the check finds something (you checked it yourself)")
        ] = False,
    ) -> Reply:
        found = await self.service.find(ctx.user.key, self._place_key(ctx), number)
        await self.service.require_joined(found, ctx.user.key)
        return Reply(
            text="Fill in the form. peerbot checks it for details that could identify someone "
            "before posting, and keeps none of it.",
            form=post_form(found.id, found.format, anyway=anyway),
            private=True,
        )

    @action(FORM_ACTION)
    async def reopen_form(self, ctx: Context, event: ActionEvent) -> Reply:
        found = await self.service.get(_number(event.payload))
        await self.service.require_joined(found, ctx.user.key)
        anyway = event.payload.endswith(":1")
        return Reply(
            text="Write your post again.",
            form=post_form(found.id, found.format, anyway=anyway),
            private=True,
        )

    @action(POST_ACTION)
    async def submit_post(self, ctx: Context, event: ActionEvent) -> Reply:
        found = await self.service.get(_number(event.payload))
        anyway = event.payload.endswith(":1")
        check = await self.service.post(found, ctx.user, dict(event.fields), anyway=anyway)
        if not check.found:
            return Reply.private_text("Posted in the thread.")
        return Reply(
            text=f"Nothing was posted: the check found something that could identify a "
            f"person.\n{check.summary}\npeerbot did not keep your text. Write it again with "
            "those details left out or made general. If you are sure no stranger could work "
            "out who this is, choose 'Post anyway' and write it again.",
            private=True,
            buttons=[
                Button(
                    label="Write it again",
                    action=ActionRef(action=FORM_ACTION, payload=f"{found.id}:0"),
                    style=ButtonStyle.PRIMARY,
                ),
                Button(
                    label="Post anyway",
                    action=ActionRef(action=FORM_ACTION, payload=f"{found.id}:1"),
                ),
            ],
        )

    # ---- phases and close -------------------------------------------------------------------

    @command("reflect next", "Facilitator: move a case consultation to its next phase")
    async def next(self, ctx: Context, number: NumberOption = None) -> Reply:
        found = await self.service.find(ctx.user.key, self._place_key(ctx), number)
        text = await self.service.next_phase(found, ctx.user.key)
        return Reply.private_text(f"Posted in the thread: {text}")

    @action(NEXT_PHASE_ACTION)
    async def next_button(self, ctx: Context, event: ActionEvent) -> Reply:
        head, _, phase = event.payload.partition(":")
        if not head.isdigit() or not phase.isdigit():
            raise UserError("That button is out of date. Nothing was changed.")
        found = await self.service.get(int(head))
        text = await self.service.next_phase(found, ctx.user.key, expected=int(phase))
        return Reply.private_text(f"Posted in the thread: {text}")

    @command("reflect close", "Starter or facilitator: close a co-reflection")
    async def close(self, ctx: Context, number: NumberOption = None) -> Reply:
        found = await self.service.find(ctx.user.key, self._place_key(ctx), number)
        closed = await self.service.close(found, ctx.user.key)
        when = closed.delete_after.date().isoformat() if closed.delete_after else "later"
        return Reply.private_text(
            f"Closed co-reflection number {closed.id}: the thread is archived and locked, and "
            f"is deleted on {when}. Everyone who joined was offered a private takeaway note."
        )

    @action(TAKEAWAY_FORM_ACTION)
    async def takeaway_form(self, ctx: Context, event: ActionEvent) -> Reply:
        reflection_id = _number(event.payload)
        return Reply(
            text="What are you taking away? Only you will see this, with /reflect notes.",
            form=Form(
                title="What I am taking away",
                action=ActionRef(action=TAKEAWAY_ACTION, payload=str(reflection_id)),
                fields=[
                    FormField(
                        name="note",
                        label="What I am taking away",
                        long=True,
                        max_length=TAKEAWAY_MAX,
                        placeholder="No details that could identify a person you support.",
                    )
                ],
            ),
            private=True,
        )

    @action(TAKEAWAY_ACTION)
    async def save_takeaway(self, ctx: Context, event: ActionEvent) -> Reply:
        await self.service.save_takeaway(
            _number(event.payload), ctx.user.key, event.fields.get("note", "")
        )
        return Reply.private_text("Saved. Only you can see it, with /reflect notes.")

    @command(
        "manage reflect retention",
        "Coordinator: how many days closed co-reflection threads are kept",
        role=Role.COORDINATOR,
        aliases=("reflect retention",),
    )
    async def retention(
        self,
        ctx: Context,
        network: NetworkOption = None,
        days: Annotated[
            int | None,
            Option(
                "Days to keep a closed thread before it is deleted",
                min=RETENTION_MIN_DAYS,
                max=RETENTION_MAX_DAYS,
            ),
        ] = None,
        default: Annotated[bool, Option("Go back to the bot's configured default period")] = False,
    ) -> Reply:
        assert ctx.network_id is not None  # the registry insists on one for a coordinator
        if days is not None and default:
            raise UserError("Give either days or default:true, not both. Nothing was changed.")
        if days is None and not default:
            current, own = await self.service.retention_for(ctx.network_id)
            source = "set for this network" if own else "the bot's default"
            return Reply.private_text(
                f"Closed co-reflection threads in this network are deleted {current} days "
                f"after they close ({source}). Change it with /manage reflect retention days:..."
            )
        kept = await self.service.set_retention(
            ctx.network_id, None if default else days, ctx.user.key
        )
        return Reply.private_text(
            f"Closed co-reflection threads in this network will be deleted {kept} days after "
            "they close. Co-reflections already started keep the period their participants "
            "agreed to."
        )

    @command("reflect notes", "Your own co-reflection takeaway notes", role=Role.EVERYONE)
    async def notes(self, ctx: Context) -> Reply:
        notes = await self.service.takeaways(ctx.user.key)
        if not notes:
            return Reply.private_text(
                "You have no takeaway notes yet. After a co-reflection closes, peerbot offers "
                "you a private place to write one."
            )
        lines = ["Your takeaway notes (only you can see them):"]
        lines += [
            f"- {n.written_at.date().isoformat()} (co-reflection {n.reflection_id}): {n.text}"
            for n in notes
        ]
        return Reply.private_text("\n".join(lines))

    @command("reflect privacy", "Who can see a co-reflection thread", role=Role.EVERYONE)
    async def privacy(self, ctx: Context) -> Reply:
        return Reply.private_text(PRIVACY_TEXT)
