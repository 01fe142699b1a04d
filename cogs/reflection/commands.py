"""/reflect commands: start, invite, post and delete, the facilitator, next, close, notes,
privacy and the network's settings. Every reply is private."""

from __future__ import annotations

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
    action,
    command,
)
from bot.errors import UserError
from bot.fanouts import UNREACHED_PROMISE
from bot.identity import PlaceRef
from bot.kernel import Kernel
from bot.mentions import local_time, moment
from bot.ports import OutboundPort
from bot.privacy import DataStatement
from bot.replies import ActionRef, Button, ButtonStyle, Choice, Form, FormField, Reply, Select
from bot.storage import Transaction
from cogs.networks.directory import PeerDirectory
from cogs.networks.queries import NetworkReader
from cogs.reflection import repository as reflection_repo
from cogs.reflection.formats import FORMATS, Format, Topic
from cogs.reflection.models import (
    IDLE_MAX_DAYS,
    IDLE_MIN_DAYS,
    POST_FIELD_MAX,
    RETENTION_MAX_DAYS,
    RETENTION_MIN_DAYS,
    TAKEAWAY_MAX,
    Post,
    Reflection,
)
from cogs.reflection.panel import StartPanel, started_text
from cogs.reflection.quiet import KEEP_ALIVE_EVERY, QuietJobs
from cogs.reflection.service import (
    DECLINE_ACTION,
    DELETE_POST_ACTION,
    FORM_ACTION,
    JOIN_ACTION,
    KEEP_OPEN_ACTION,
    NEXT_PHASE_ACTION,
    POST_ACTION,
    TAKEAWAY_ACTION,
    TAKEAWAY_FORM_ACTION,
    UNCHANGED,
    ReflectionService,
    RetentionJobs,
    Settings,
    display,
)
from cogs.reflection.sessions import SessionJobs, network_zone, schedule
from cogs.reflection.visibility import setup_note

CLOSE_CONFIRM_ACTION = "reflect.close-confirm"
#: Post what the check held back, exactly as it was written, in one press.
POST_HELD_ACTION = "reflect.post-held"
CLOSE_CANCEL_ACTION = "reflect.close-cancel"
#: A check-out is a word or a few, not a story.
CHECKOUT_WORD_MAX = 40

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
        "Manage Threads in the channel can also see every private thread. That is how Discord "
        "works. The agreement in each thread, and the invitation, name who that is there.",
        "- A coordinator can turn on /manage reflect settings private_threads:true: peerbot "
        "then denies Manage Threads in the network's reflection channel to every role but its "
        "own. Nothing can take Administrator away, and the server owner sees everything, so "
        "keep those to as few people as possible.",
        "- peerbot keeps who took part, the format, the topic, the times and which posts were "
        "whose, never what was written. You can delete your own posts with /reflect delete. "
        "The thread is deleted a set number of days after it closes.",
        "- Your takeaway notes are yours alone: /reflect notes shows them, /privacy export and "
        "/privacy delete include them.",
    ]
)
#: Posts offered in /reflect delete's menu, newest first.
POSTS_LISTED = 25


def post_form(
    found: Reflection,
    user_key: str,
    *,
    anyway: bool,
    values: dict[str, str] | None = None,
    lost: bool = False,
) -> Form:
    """The post form for this person's role and the group's phase; ``values`` fill it with
    what they wrote before (held back by the check, kept under its own fields if the phase
    moved on meanwhile); ``lost`` says the earlier text is no longer held."""
    info = FORMATS[found.format]
    values = values or {}
    fields = list(info.fields_for(presenter=user_key == found.starter_key, phase=found.phase))
    known = info.all_fields()
    fields += [known[n] for n in values if n in known and known[n] not in fields][: 5 - len(fields)]
    return Form(
        title=("Post anyway: " if anyway else "Post: ") + info.title[:30],
        action=ActionRef(action=POST_ACTION, payload=f"{found.id}:{int(anyway)}"),
        fields=[
            FormField(
                name=f.name,
                label=f.label,
                long=True,
                required=len(fields) == 1,
                max_length=POST_FIELD_MAX,
                placeholder=(
                    "peerbot no longer holds what you wrote (30 minutes at most, and not "
                    "across a restart): please write it again."
                )[:100]
                if lost
                else f.placeholder,
                default=values.get(f.name, "")[:POST_FIELD_MAX],
            )
            for f in fields
        ],
    )


def _number(payload: str) -> int:
    head = payload.partition(":")[0]
    if not head.isdigit():
        raise UserError("That button is out of date. Nothing was changed.")
    return int(head)


def _form_payload(payload: str) -> tuple[int, bool, str | None]:
    """A post form's or its button's payload: number, anyway, and the draft's token."""
    parts = payload.split(":")
    if not parts[0].isdigit():
        raise UserError("That button is out of date. Nothing was changed.")
    anyway = len(parts) > 1 and parts[1] == "1"
    token = parts[2] if len(parts) > 2 and parts[2] else None
    return int(parts[0]), anyway, token


def delete_button(post_id: int) -> Button:
    return Button(
        label="Delete this post",
        action=ActionRef(action=DELETE_POST_ACTION, payload=str(post_id)),
        style=ButtonStyle.DANGER,
    )


def changed_network(ctx: Context) -> int:
    assert ctx.network_id is not None
    return ctx.network_id


def settings_text(found: Settings) -> str:
    def whose(own: object) -> str:
        return "set for this network" if own is not None else "the bot's default"

    private = (
        "on: peerbot keeps Manage Threads in the reflection channel to itself"
        if found.private_threads
        else "off"
    )
    return (
        f"Closed co-reflection threads are deleted {found.retention_days} days after they "
        f"close ({whose(found.own.retention_days)}). An open co-reflection nobody closes is "
        f"closed after {found.idle_days} days without activity, with a warning a day before "
        f"({whose(found.own.idle_days)}). Private threads: {private}."
    )


def close_purpose(reflection_id: int) -> str:
    return f"reflect-close:{reflection_id}"


def _token_payload(payload: str) -> tuple[int, str]:
    head, _, token = payload.partition(":")
    if not head.isdigit() or not token:
        raise UserError("That button is out of date. Nothing was changed.")
    return int(head), token


def in_thread(found: Reflection) -> str:
    """The last line of a private reply about a co-reflection: a jump link to its thread
    (on a line of its own, so no punctuation runs into the link)."""
    return f"\nThe thread: {found.thread_link}" if found.thread_link else ""


#: A member's own steps in their co-reflection: the audit log says "a member" took them.
PRIVATE_ACTIONS = (
    "reflection.start",
    "reflection.invite",
    "reflection.facilitator",
    "reflection.close",
    "reflection.reopen",
    "reflection.session",
)


class ReflectionCog(StartPanel, Cog):
    name: ClassVar[str] = "reflection"
    title: ClassVar[str] = "Co-reflection"

    def __init__(self, kernel: Kernel) -> None:
        super().__init__(kernel)
        self.service = ReflectionService(kernel)
        self.jobs = RetentionJobs(self.service)
        kernel.scheduler.add_source(self.jobs)
        self.quiet = QuietJobs(self.service)
        kernel.scheduler.add_source(self.quiet)
        self.sessions = SessionJobs(self.service)
        kernel.scheduler.add_source(self.sessions)
        kernel.events.on_network_set_up(self._network_set_up)
        kernel.events.on_person_deleted(self._person_deleted)
        kernel.audit.keep_actor_private(*PRIVATE_ACTIONS)
        #: Posts of people whose data is being deleted, kept from the delete hook until it
        #: has committed, so their messages come out of the threads too.
        self._deleted_posts: dict[str, list[tuple[Post, str | None]]] = {}
        kernel.privacy.register(
            self.name,
            DataStatement(
                area="Co-reflection",
                what="which co-reflections you were invited to and whether you joined, the "
                "format, topic and times, which messages in a thread were your posts, and the "
                "takeaway notes you wrote. Never the text of a thread",
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

    async def start(self) -> None:
        self.kernel.scheduler.add_periodic(
            "reflection-keep-alive", self._keep_alive, KEEP_ALIVE_EVERY
        )

    async def _keep_alive(self) -> None:
        await self.quiet.keep_alive()

    async def _delete(self, tx: Transaction, user_key: str) -> int:
        self._deleted_posts[user_key] = await self.service.posts_by(tx, user_key)
        return await self.service.delete_person(tx, user_key)

    async def _person_deleted(self, person_key: str) -> str:
        """After /privacy delete: their posts come out of the threads they are still in."""
        posts = self._deleted_posts.pop(person_key, [])
        removed = await self.service.delete_posts_of(posts)
        if not removed:
            return ""
        return (
            f" Your {removed} post{'s' if removed != 1 else ''} in co-reflection threads "
            f"{'were' if removed != 1 else 'was'} removed too."
        )

    async def _network_set_up(self, network_id: int, space: PlaceRef, port: OutboundPort) -> str:
        """After /network setup: tell the coordinator who can see co-reflection threads in the
        network's reflection channel (keeping Manage Threads to peerbot when asked to)."""
        parent = await self.service.reflection_place(network_id, space.key)
        if parent is None or parent.platform != port.platform:
            return ""
        settings = await self.service.settings(network_id)
        try:
            viewers = await self.service.viewers(port, parent, private=settings.private_threads)
        except UserError as error:
            return f" {error}"
        return setup_note(viewers, parent.key, port.platform, private=settings.private_threads)

    async def _move(self, tx: Transaction, old_key: str, new_key: str) -> int:
        return await reflection_repo.move_person(tx, old_key, new_key)

    def _place_key(self, ctx: Context) -> str | None:
        return ctx.place.key if ctx.place is not None else None

    async def complete_peers(self, ctx: Context, partial: str) -> list[Choice]:
        """The peers option, as it is typed: the network's members who chose to be in the peer
        directory (/peers profile), for the network of this channel or all of the person's."""
        directory = PeerDirectory(self.kernel.db, self.kernel.clock)
        return await directory.choices(
            self.kernel.people, ctx.user.key, ctx.platform, ctx.network_id, partial
        )

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
            str,
            Option(
                "Up to 11 peers: ids or mentions, by commas or spaces",
                max_length=1000,
                autocomplete="complete_peers",
            ),
        ],
        network: NetworkOption = None,
        topic: Annotated[Topic | None, Option("What it is about, if you like")] = None,
        facilitator: Annotated[
            str | None,
            Option("Who guides it (you or one of the peers); default: you", max_length=200),
        ] = None,
        checkin: Annotated[
            bool, Option("Begin with a check-in round: how is everyone arriving today?")
        ] = False,
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
            checkin=checkin,
        )
        return Reply.private_text(started_text(started))

    @action(JOIN_ACTION)
    async def join(self, ctx: Context, event: ActionEvent) -> Reply:
        found = await self.service.answer(_number(event.payload), ctx.user, join=True)
        return Reply.private_text(
            "Thank you. You agreed to the confidentiality agreement and peerbot added you to "
            "the thread. Post with /reflect post inside it." + in_thread(found)
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
            form=post_form(found, ctx.user.key, anyway=anyway),
            private=True,
        )

    @action(FORM_ACTION)
    async def reopen_form(self, ctx: Context, event: ActionEvent) -> Reply:
        """The form again, filled in with what the check held back (while peerbot holds it)."""
        number, anyway, token = _form_payload(event.payload)
        found = await self.service.get(number)
        await self.service.require_joined(found, ctx.user.key)
        draft = (
            self.service.drafts.get(token, ctx.user.key, found.id, self.kernel.clock.now())
            if token
            else None
        )
        form = post_form(
            found,
            ctx.user.key,
            anyway=anyway,
            values=draft.fields if draft else None,
            lost=token is not None and draft is None,
        )
        if draft is not None:  # the submit drops it once posted
            form = form.model_copy(
                update={
                    "action": ActionRef(
                        action=POST_ACTION, payload=f"{found.id}:{int(anyway)}:{token}"
                    )
                }
            )
        return Reply(text="Edit your post.", form=form, private=True)

    @action(POST_ACTION)
    async def submit_post(self, ctx: Context, event: ActionEvent) -> Reply:
        number, anyway, token = _form_payload(event.payload)
        found = await self.service.get(number)
        posted = await self.service.post(
            found, ctx.user, dict(event.fields), anyway=anyway, draft=token
        )
        if posted.post_id is not None:
            return Reply(
                text="Posted in the thread. You can delete it with the button below, or later "
                "with /reflect delete.",
                private=True,
                buttons=[delete_button(posted.post_id)],
            )
        held = f"{found.id}:0:{posted.draft}"
        return Reply(
            text=f"Nothing was posted: the check found something that could identify a "
            f"person.\n{posted.check.summary}\npeerbot kept what you wrote for 30 minutes, in "
            "memory only: press Edit my post to change those details or make them general. If "
            "you are sure no stranger could work out who this is, press Post as it is.",
            private=True,
            buttons=[
                Button(
                    label="Edit my post",
                    action=ActionRef(action=FORM_ACTION, payload=held),
                    style=ButtonStyle.PRIMARY,
                ),
                Button(
                    label="Post as it is",
                    action=ActionRef(action=POST_HELD_ACTION, payload=held),
                ),
            ],
        )

    @action(POST_HELD_ACTION)
    async def post_held(self, ctx: Context, event: ActionEvent) -> Reply:
        """Post the held text unchanged. If peerbot no longer holds it (30 minutes, or a
        restart), the form opens instead, saying so, so nothing is posted blind."""
        number, _, token = _form_payload(event.payload)
        found = await self.service.get(number)
        await self.service.require_joined(found, ctx.user.key)
        now = self.kernel.clock.now()
        draft = self.service.drafts.get(token, ctx.user.key, found.id, now) if token else None
        if draft is None:
            form = post_form(found, ctx.user.key, anyway=True, lost=True)
            return Reply(text="Write your post again.", form=form, private=True)
        posted = await self.service.post(found, ctx.user, draft.fields, anyway=True, draft=token)
        assert posted.post_id is not None
        return Reply(
            text="Posted in the thread as you wrote it. You can delete it with the button "
            "below, or later with /reflect delete.",
            private=True,
            buttons=[delete_button(posted.post_id)],
        )

    @command("reflect delete", "Delete one of your own posts in a co-reflection")
    async def delete(self, ctx: Context, number: NumberOption = None) -> Reply:
        found = await self.service.find(ctx.user.key, self._place_key(ctx), number)
        posts = await self.service.my_posts(found, ctx.user.key)
        if not posts:
            return Reply.private_text(
                f"You have no posts in co-reflection number {found.id}, so there is nothing to "
                "delete."
            )
        zone = ZoneInfo(await NetworkReader(self.kernel.db).timezone(found.network_id) or "UTC")
        choices = [
            Choice(
                label=f"Posted {local_time(post.posted_at.astimezone(zone))}"[:100],
                value=str(post.id),
                description=f"{len(post.message_ids)} message"
                + ("s" if len(post.message_ids) != 1 else ""),
            )
            for post in posts[:POSTS_LISTED]
        ]
        more = f" (the {POSTS_LISTED} newest of {len(posts)})" if len(posts) > POSTS_LISTED else ""
        return Reply(
            text=f"Which of your posts in co-reflection number {found.id} should peerbot "
            f"delete{more}? It is removed from the thread at once.",
            select=Select(
                placeholder="Pick the post to delete",
                action=ActionRef(action=DELETE_POST_ACTION),
                choices=choices,
            ),
            private=True,
        )

    @action(DELETE_POST_ACTION)
    async def delete_post(self, ctx: Context, event: ActionEvent) -> Reply:
        picked = event.selected[0] if event.selected else event.payload
        if not picked.isdigit():
            raise UserError("Pick the post to delete. Nothing was changed.")
        deleted = await self.service.delete_post(int(picked), ctx.user.key)
        return Reply.private_text(
            f"Deleted your post from co-reflection number {deleted.reflection_id}: it is no "
            "longer in the thread."
        )

    # ---- people: invitations and the facilitator ----------------------------------------------

    @command("reflect invite", "Starter or facilitator: invite more peers, or someone again")
    async def invite(
        self,
        ctx: Context,
        peers: Annotated[
            str, Option("Peers to invite: ids or mentions, by commas or spaces", max_length=1000)
        ],
        number: NumberOption = None,
    ) -> Reply:
        found = await self.service.find(ctx.user.key, self._place_key(ctx), number)
        invited, already = await self.service.invite(found, ctx.user, peers, ctx.here)
        note = f" Already in it: {', '.join(display(p) for p in already)}." if already else ""
        return Reply.private_text(
            f"Invited privately to co-reflection number {found.id}: "
            + ", ".join(display(p) for p in invited)
            + ". Each is added only after pressing Join (the invitation says the "
            "co-reflection has begun, and they can read what was shared so far)."
            + note
            + " "
            + UNREACHED_PROMISE
            + in_thread(found)
        )

    @command("reflect facilitator", "Hand the facilitator's role to someone who joined")
    async def facilitator(
        self,
        ctx: Context,
        person: Annotated[Member, Option("Who facilitates from now on (someone who joined)")],
        number: NumberOption = None,
    ) -> Reply:
        found = await self.service.find(ctx.user.key, self._place_key(ctx), number)
        target = await self.service.hand_over(found, ctx.user.key, person, ctx.platform)
        return Reply.private_text(
            f"{display(target)} now facilitates co-reflection number {found.id}: they move the "
            "phases and can close it. The group was told in the thread."
        )

    @action(KEEP_OPEN_ACTION)
    async def keep_open(self, ctx: Context, event: ActionEvent) -> Reply:
        found = await self.service.keep_open(_number(event.payload), ctx.user.key)
        days = (await self.service.settings(found.network_id)).idle_days
        return Reply.private_text(
            f"Kept open. peerbot closes co-reflection number {found.id} only after {days} more "
            "days without activity, and warns a day before."
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
        """Asks first, with a one-time button (as /privacy delete does): closing ends the
        conversation for everyone in it."""
        found = await self.service.find(ctx.user.key, self._place_key(ctx), number)
        await self.service.check_close(found, ctx.user.key)
        token = await self.kernel.confirmations.create(ctx.user.key, close_purpose(found.id))
        minutes = self.kernel.settings.retention.confirmation_minutes
        days = self.service.kept_days(found)
        return Reply(
            text=f"Close co-reflection number {found.id} for everyone in it? peerbot thanks "
            "the group, archives and locks the thread, and offers each person a private "
            f"takeaway note. The thread is deleted {days} days later; until then you can "
            f"reopen it with /reflect reopen number:{found.id}. Press Close it within "
            f"{minutes} minutes to confirm." + in_thread(found),
            buttons=[
                Button(
                    label="Close it",
                    action=ActionRef(action=CLOSE_CONFIRM_ACTION, payload=f"{found.id}:{token}"),
                    style=ButtonStyle.DANGER,
                ),
                Button(
                    label="Keep it open",
                    action=ActionRef(action=CLOSE_CANCEL_ACTION, payload=f"{found.id}:{token}"),
                ),
            ],
            private=True,
        )

    @action(CLOSE_CONFIRM_ACTION)
    async def confirm_close(self, ctx: Context, event: ActionEvent) -> Reply:
        number, token = _token_payload(event.payload)
        found = await self.service.get(number)
        await self.service.check_close(found, ctx.user.key)
        if not await self.kernel.confirmations.consume(ctx.user.key, close_purpose(number), token):
            return Reply.private_text(
                "That confirmation has expired or was already used, so nothing was closed. "
                "Type /reflect close to start again."
            )
        closed = await self.service.close(found, ctx.user.key)
        when = closed.delete_after.date().isoformat() if closed.delete_after else "later"
        return Reply.private_text(
            f"Closed co-reflection number {closed.id}: the thread is archived and locked, and "
            f"is deleted on {when}. Everyone who joined was offered a private takeaway note. "
            f"You can reopen it until then with /reflect reopen number:{closed.id}."
            + in_thread(closed)
        )

    @action(CLOSE_CANCEL_ACTION)
    async def cancel_close(self, ctx: Context, event: ActionEvent) -> Reply:
        number, token = _token_payload(event.payload)
        await self.kernel.confirmations.consume(ctx.user.key, close_purpose(number), token)
        return Reply.private_text(f"Co-reflection number {number} stays open. Nothing was changed.")

    @command("reflect reopen", "Starter or facilitator: reopen a closed co-reflection")
    async def reopen(self, ctx: Context, number: NumberOption = None) -> Reply:
        found = await self.service.find_reopenable(ctx.user.key, self._place_key(ctx), number)
        reopened = await self.service.reopen(found, ctx.user.key)
        return Reply.private_text(
            f"Reopened co-reflection number {reopened.id}: the thread is unarchived and "
            "unlocked, and is no longer due to be deleted. The group was told in the thread. "
            "Close it again with /reflect close." + in_thread(reopened)
        )

    @command("reflect schedule", "Starter or facilitator: plan a live session, with a reminder")
    async def schedule(
        self,
        ctx: Context,
        when: Annotated[
            str,
            Option(
                "Date and time in the network's zone, like 2035-06-10 18:30; none to take away",
                max_length=60,
            ),
        ],
        number: NumberOption = None,
    ) -> Reply:
        found = await self.service.find(ctx.user.key, self._place_key(ctx), number)
        planned = await schedule(self.service, found, ctx.user.key, when)
        if planned.session_at is None:
            return Reply.private_text(
                f"Took away the live session of co-reflection number {planned.id}; nobody "
                "will be reminded. The group was told in the thread." + in_thread(planned)
            )
        zone = await network_zone(self.service, planned.network_id)
        return Reply.private_text(
            f"Planned a live session for co-reflection number {planned.id} on "
            f"{moment(planned.session_at.astimezone(zone))}. peerbot reminds everyone who "
            "joined by then, privately, an hour before. The group was told in the thread."
            + in_thread(planned)
        )

    @action(TAKEAWAY_FORM_ACTION)
    async def takeaway_form(self, ctx: Context, event: ActionEvent) -> Reply:
        reflection_id = _number(event.payload)
        return Reply(
            text="Check out: one word for how you are leaving, and what you are taking away. "
            "Only you will see these, with /reflect notes.",
            form=Form(
                title="Check out",
                action=ActionRef(action=TAKEAWAY_ACTION, payload=str(reflection_id)),
                fields=[
                    FormField(
                        name="word",
                        label="One word for how you are leaving",
                        required=False,
                        max_length=CHECKOUT_WORD_MAX,
                        placeholder="Lighter, tired, thoughtful ...",
                    ),
                    FormField(
                        name="note",
                        label="What I am taking away",
                        long=True,
                        max_length=TAKEAWAY_MAX,
                        required=False,
                        placeholder="No details that could identify a person you support.",
                    ),
                ],
            ),
            private=True,
        )

    @action(TAKEAWAY_ACTION)
    async def save_takeaway(self, ctx: Context, event: ActionEvent) -> Reply:
        word = event.fields.get("word", "").strip()
        note = event.fields.get("note", "").strip()
        text = f"Leaving: {word}" + (f"\n{note}" if note else "") if word else note
        await self.service.save_takeaway(_number(event.payload), ctx.user.key, text)
        return Reply.private_text("Saved. Only you can see it, with /reflect notes.")

    @command(
        "manage reflect settings",
        "Coordinator: how long closed threads are kept, when quiet ones close, who sees them",
        role=Role.COORDINATOR,
        aliases=("manage reflect retention", "reflect retention", "reflect settings"),
    )
    async def settings(
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
        quiet_days: Annotated[
            int | None,
            Option(
                "Days without activity before peerbot closes an open co-reflection",
                min=IDLE_MIN_DAYS,
                max=IDLE_MAX_DAYS,
            ),
        ] = None,
        private_threads: Annotated[
            bool | None,
            Option("Deny Manage Threads in the reflection channel to every role but peerbot's"),
        ] = None,
        default: Annotated[bool, Option("Go back to the bot's configured defaults")] = False,
    ) -> Reply:
        assert ctx.network_id is not None  # the registry insists on one for a coordinator
        if default and (days is not None or quiet_days is not None or private_threads):
            raise UserError(
                "Give either default:true or the settings to change, not both. Nothing was changed."
            )
        if not default and days is None and quiet_days is None and private_threads is None:
            found = await self.service.settings(ctx.network_id)
            return Reply.private_text(
                settings_text(found) + " Change them with /manage reflect settings (days, "
                "quiet_days, private_threads)."
            )
        before = await self.service.settings(ctx.network_id)
        changed = await self.service.change_settings(
            ctx.network_id,
            ctx.user.key,
            retention_days=None if default else (UNCHANGED if days is None else days),
            idle_days=None if default else (UNCHANGED if quiet_days is None else quiet_days),
            private_threads=False if default else private_threads,
        )
        text = "Saved. " + settings_text(changed)
        if days is not None or default:
            text += " Co-reflections already started keep the period their participants agreed to."
        if private_threads:
            text += await self._private_threads_now(ctx, changed)
        elif before.private_threads and not changed.private_threads:
            text += (
                " peerbot no longer takes Manage Threads away in the reflection channel; the "
                "denials it set stay until a server admin changes the channel's permissions."
            )
        return Reply.private_text(text)

    async def _private_threads_now(self, ctx: Context, changed: Settings) -> str:
        """Apply private_threads in this server at once, and say who can still see threads."""
        if not changed.private_threads:
            return ""
        port = self.kernel.ports.get(ctx.platform)
        parent = (
            await self.service.reflection_place(changed_network(ctx), ctx.space.key)
            if ctx.space is not None
            else None
        )
        if port is None or parent is None:
            return (
                " It applies in each server when the network's next co-reflection starts "
                "there, and at /network setup."
            )
        viewers = await self.service.viewers(port, parent, private=True)
        note = setup_note(viewers, parent.key, port.platform, private=True)
        return note or " Nobody but the people in a thread can see it on this platform."

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
