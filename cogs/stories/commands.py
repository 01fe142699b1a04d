"""/story commands and buttons: a member submits (a form on Discord), edits and withdraws;
coordinators review (Approve, Ask for changes, Decline) and may take a story down; everyone
in a network lists its published stories. Every reply is private."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, ClassVar
from zoneinfo import ZoneInfo

from bot.cog import Cog
from bot.commands import NETWORK_SLUG_MAX, ActionEvent, Context, Option, Role, action, command
from bot.errors import UserError
from bot.kernel import Kernel
from bot.privacy import DataStatement
from bot.replies import ActionRef, Button, ButtonStyle, Form, FormField, Reply
from bot.storage import Transaction
from cogs.networks.queries import NetworkReader
from cogs.stories import render
from cogs.stories.models import (
    BODY_MAX,
    LIST_MAX,
    NAME_MAX,
    TITLE_MAX,
    Status,
    Story,
    check_written,
    published_as,
)
from cogs.stories.service import OUT_OF_DATE, StoryService, Submitted, where_text

#: How often messages of withdrawn stories that could not be deleted yet are tried again.
REMOVE_EVERY = dt.timedelta(minutes=1)
NOTE_FORM_MAX = 1000

#: A member's own steps: the audit log records "a member" took them, never who.
PRIVATE_ACTIONS = ("stories.submit", "stories.edit", "stories.publish", "stories.withdraw")

NetworkOption = Annotated[
    str | None,
    Option(
        "The network's short name, like south-coast",
        autocomplete="complete_network",
        max_length=NETWORK_SLUG_MAX,
    ),
]
NumberOption = Annotated[int, Option("The story's number, from /story mine", min=1)]


def _ids(payload: str, count: int) -> list[int]:
    parts = payload.split(":")[:count]
    if len(parts) != count or not all(p.isdigit() for p in parts):
        raise UserError(OUT_OF_DATE)
    return [int(p) for p in parts]


def story_form(action_id: str, payload: str, values: dict[str, str], title: str) -> Form:
    return Form(
        title=title,
        action=ActionRef(action=action_id, payload=payload),
        fields=[
            FormField(
                name="title",
                label="Title",
                max_length=TITLE_MAX,
                default=values.get("title", "")[:TITLE_MAX],
            ),
            FormField(
                name="story",
                label="Your story",
                long=True,
                max_length=BODY_MAX,
                placeholder="Leave out anything that could identify a person you support.",
                default=values.get("story", "")[:BODY_MAX],
            ),
            FormField(
                name="name",
                label="Name to show (empty: no name)",
                required=False,
                max_length=NAME_MAX,
                default=values.get("name", "")[:NAME_MAX],
            ),
        ],
    )


def _values(story: Story) -> dict[str, str]:
    return {"title": story.title, "story": story.body, "name": story.shown_name}


class StoriesCog(Cog):
    name: ClassVar[str] = "stories"
    title: ClassVar[str] = "Stories"

    def __init__(self, kernel: Kernel) -> None:
        super().__init__(kernel)
        self.service = StoryService(kernel)
        kernel.outbox.on_delivered("story:", self.service.delivered)
        kernel.audit.keep_actor_private(*PRIVATE_ACTIONS)
        kernel.events.on_person_deleted(self._person_deleted)
        kernel.privacy.register(
            self.name,
            DataStatement(
                area="Stories",
                what="the stories you submitted (title, text, the name you chose to show or "
                "none, its stage, when) and where peerbot posted or sent them",
                why="so coordinators can review a story, it is published only once you say "
                "yes, and it can be deleted everywhere when you withdraw it",
                kept_for="until you withdraw the story (it is then deleted at once, with every "
                "message that showed it) or delete your data",
            ),
            self._export,
            self._delete,
            self._move,
        )

    async def start(self) -> None:
        await self.service.remove_due()
        self.kernel.scheduler.add_periodic("stories-removals", self._remove_due, REMOVE_EVERY)

    async def _remove_due(self) -> None:
        await self.service.remove_due()

    async def _export(self, tx: Transaction, user_key: str) -> Any:
        return await self.service.export_person(tx, user_key)

    async def _delete(self, tx: Transaction, user_key: str) -> int:
        return await self.service.delete_person(tx, user_key)

    async def _move(self, tx: Transaction, old_key: str, new_key: str) -> int:
        return await self.service.move_person(tx, old_key, new_key)

    async def _person_deleted(self, person_key: str) -> str:
        """After /privacy delete has committed: their stories' messages come down now."""
        removed = await self.service.remove_due()
        return f" {removed} message(s) showing your stories were deleted." if removed else ""

    # ---- helpers ----------------------------------------------------------------------------

    async def _one_network(self, ctx: Context) -> int:
        if ctx.network_id is not None:
            return ctx.network_id
        mine = await NetworkReader(self.kernel.db).member_networks(ctx.user.key)
        if len(mine) == 1:
            return mine[0]
        if not mine:
            raise UserError(
                "Stories are shared with a network: join one first (/network list, then "
                "/network join). Nothing was saved."
            )
        raise UserError(
            "Say which network the story is for with network:SHORT-NAME (type /network mine "
            "to see yours). Nothing was saved."
        )

    async def _member(self, ctx: Context, network_id: int) -> None:
        role = await self.kernel.registry.directory.role_of(ctx.user.key, network_id)
        if role < Role.MEMBER:
            raise UserError(
                "You need to be a member of that network to share a story there. Nothing was saved."
            )

    async def _network_name(self, network_id: int) -> str:
        return (await NetworkReader(self.kernel.db).names(network_id))[0]

    async def _after_submit(self, submitted: Submitted, edited: bool) -> Reply:
        story = submitted.story
        if submitted.held_back:
            return Reply(
                text=f"Your story '{story.title}' (story {story.id}) is saved but not sent "
                f"yet: the check found something that could identify a person.\n"
                f"{submitted.held_back}\nPress Edit my story to change those details or make "
                "them general. If you are sure no stranger could work out who this is, press "
                "Send it as it is.",
                buttons=[
                    render.edit_button(story),
                    Button(
                        label="Send it as it is",
                        action=ActionRef(
                            action=render.SEND_AS_IT_IS_ACTION, payload=render.payload(story)
                        ),
                    ),
                    render.withdraw_button(story),
                ],
                private=True,
            )
        name = await self._network_name(story.network_id)
        head = "Your changes are saved." if edited else "Thank you for sharing your story."
        sent = (
            f"went privately to the coordinators of {name} for review"
            if submitted.reviewers
            else f"is waiting for review: {name} has no coordinator yet, and one named later "
            "sees it with /manage story review"
        )
        return Reply(
            text=f"{head} '{story.title}' (story {story.id}) {sent}. Nothing is published "
            "until you say yes: "
            "once a coordinator approves it, you are shown exactly how it will look, with "
            f"the name ({published_as(story.shown_name)}). Withdraw it at any time with "
            f"/story withdraw number:{story.id} or the button below; it is then deleted at once.",
            buttons=[render.withdraw_button(story)],
            private=True,
        )

    # ---- submitting -------------------------------------------------------------------------

    @command(
        "story submit", "Share a story of your peer work; a coordinator reviews it", in_dms=True
    )
    async def submit(
        self,
        ctx: Context,
        title: Annotated[str | None, Option("The story's title", max_length=TITLE_MAX)] = None,
        story: Annotated[
            str | None, Option("Your story (a form opens if you leave it out)", max_length=BODY_MAX)
        ] = None,
        name: Annotated[
            str | None,
            Option("The name to publish it under (leave out: no name)", max_length=NAME_MAX),
        ] = None,
        network: NetworkOption = None,
    ) -> Reply:
        network_id = await self._one_network(ctx)
        await self._member(ctx, network_id)
        if title and story:
            written = check_written(title, story, name)
            return await self._after_submit(
                await self.service.submit(ctx.user.key, network_id, written), False
            )
        values = {"title": title or "", "story": story or "", "name": name or ""}
        return Reply(
            text="Fill in the form. peerbot checks it for details that could identify someone, "
            "then it goes privately to the coordinators. Nothing is published until you say "
            "yes, and you can withdraw it at any time.",
            form=story_form(render.SUBMIT_FORM_ACTION, str(network_id), values, "Share a story"),
            private=True,
        )

    @action(render.SUBMIT_FORM_ACTION, role=Role.MEMBER)
    async def submitted(self, ctx: Context, event: ActionEvent) -> Reply:
        [network_id] = _ids(event.payload, 1)
        await self._member(ctx, network_id)
        fields = event.fields
        written = check_written(fields.get("title"), fields.get("story"), fields.get("name"))
        return await self._after_submit(
            await self.service.submit(ctx.user.key, network_id, written), False
        )

    # ---- the author's own stories ---------------------------------------------------------------

    @command("story edit", "Change your story (it is reviewed again)", role=Role.EVERYONE)
    async def edit(self, ctx: Context, number: NumberOption) -> Reply:
        return await self._edit_form(ctx, number)

    @action(render.EDIT_ACTION)
    async def edit_button(self, ctx: Context, event: ActionEvent) -> Reply:
        [story_id] = _ids(event.payload, 1)
        return await self._edit_form(ctx, story_id)

    async def _edit_form(self, ctx: Context, story_id: int) -> Reply:
        found = await self.service.own(story_id, ctx.user.key)
        if found.status is Status.PUBLISHED:
            raise UserError(
                f"Story {story_id} is published, so it cannot be changed. Withdraw it with "
                f"/story withdraw number:{story_id} and submit it again. Nothing was changed."
            )
        return Reply(
            text="Change what you want, then send it. It goes to the coordinators again.",
            form=story_form(
                render.EDIT_FORM_ACTION, str(found.id), _values(found), "Edit your story"
            ),
            private=True,
        )

    @action(render.EDIT_FORM_ACTION)
    async def edited(self, ctx: Context, event: ActionEvent) -> Reply:
        [story_id] = _ids(event.payload, 1)
        fields = event.fields
        written = check_written(fields.get("title"), fields.get("story"), fields.get("name"))
        return await self._after_submit(
            await self.service.rewrite(story_id, ctx.user.key, written), True
        )

    @action(render.SEND_AS_IT_IS_ACTION)
    async def send_as_it_is(self, ctx: Context, event: ActionEvent) -> Reply:
        story_id, revision = _ids(event.payload, 2)
        sent = await self.service.send_as_it_is(story_id, revision, ctx.user.key)
        return await self._after_submit(sent, False)

    @action(render.PUBLISH_ACTION)
    async def publish(self, ctx: Context, event: ActionEvent) -> Reply:
        story_id, revision = _ids(event.payload, 2)
        places = await self.service.publish(story_id, revision, ctx.user.key)
        where = where_text(places)
        return Reply(
            text=f"Published: your story (story {story_id}) is being posted {where}, and it is "
            f"in /story list. Withdraw it at any time with /story withdraw number:{story_id}: "
            "it is then deleted everywhere at once.",
            buttons=[render.withdraw_button(story_id)],
            private=True,
        )

    @command("story mine", "Your stories and where each one is", role=Role.EVERYONE)
    async def mine(self, ctx: Context) -> Reply:
        found = await self.service.mine(ctx.user.key)
        if not found:
            return Reply.private_text(
                "You have not shared a story. Share one with /story submit: a coordinator "
                "reviews it, and it is published only if you say yes."
            )
        lines = ["Your stories:"]
        for story in found:
            shown = f"shared as {story.shown_name}" if story.shown_name else "without a name"
            lines.append(f"- Story {story.id}: {story.title} ({shown}): {story.status.label}.")
        lines.append(
            "Change one with /story edit number:N, withdraw one with /story withdraw "
            "number:N (it is deleted at once, wherever it was shown)."
        )
        return Reply.private_text("\n".join(lines))

    # ---- withdrawing ------------------------------------------------------------------------

    @command(
        "story withdraw", "Withdraw your story: deleted everywhere at once", role=Role.EVERYONE
    )
    async def withdraw(self, ctx: Context, number: NumberOption) -> Reply:
        return await self._withdraw(ctx, number)

    @action(render.WITHDRAW_ACTION)
    async def withdraw_button(self, ctx: Context, event: ActionEvent) -> Reply:
        [story_id] = _ids(event.payload, 1)
        found = await self.service.own(story_id, ctx.user.key)
        return Reply(
            text=f"Withdraw your story (story {found.id})? Its text is deleted "
            "at once, and every message that showed it is deleted, wherever it was posted. "
            "This cannot be undone.",
            buttons=[
                Button(
                    label="Withdraw it now",
                    action=ActionRef(action=render.WITHDRAW_CONFIRM_ACTION, payload=str(found.id)),
                    style=ButtonStyle.DANGER,
                ),
                Button(
                    label="Keep it",
                    action=ActionRef(action=render.KEEP_ACTION, payload=str(found.id)),
                ),
            ],
            private=True,
        )

    @action(render.WITHDRAW_CONFIRM_ACTION)
    async def withdraw_confirmed(self, ctx: Context, event: ActionEvent) -> Reply:
        [story_id] = _ids(event.payload, 1)
        return await self._withdraw(ctx, story_id)

    @action(render.KEEP_ACTION)
    async def keep(self, ctx: Context, event: ActionEvent) -> Reply:
        return Reply.private_text("Your story is kept as it was. Nothing was changed.")

    async def _withdraw(self, ctx: Context, story_id: int) -> Reply:
        found, left = await self.service.withdraw(story_id, ctx.user.key)
        was = (
            " Its posts in the network's channels are deleted."
            if found.status is Status.PUBLISHED
            else " It was not published."
        )
        shown = "and so is every message that showed it."
        if left:
            was = ""
            shown = (
                f"and the messages that showed it are being deleted: {left} could not be "
                "deleted yet (the platform did not answer), and peerbot tries again every "
                "minute until they are."
            )
        return Reply.private_text(
            f"Withdrawn: your story (story {found.id}) is gone. Its text is deleted from "
            f"peerbot, {shown}{was} Thank you for sharing it."
        )

    # ---- reading ----------------------------------------------------------------------------

    @command(
        "story list", "The stories published in your networks", role=Role.EVERYONE, in_dms=True
    )
    async def list_stories(self, ctx: Context, network: NetworkOption = None) -> Reply:
        reader = NetworkReader(self.kernel.db)
        networks = [ctx.network_id] if ctx.network_id is not None else []
        if not networks:
            networks = await reader.member_networks(ctx.user.key)
        elif ctx.role < Role.MEMBER:
            networks = []
        if not networks:
            raise UserError(
                "Stories are for a network's members: join one with /network join to read them."
            )
        found = await self.service.published(networks)
        if not found:
            return Reply.private_text(
                "No stories are published yet. Share one with /story submit: a coordinator "
                "reviews it, and it is published only if you say yes."
            )
        lines = ["Stories of peer work, newest first:"]
        zones: dict[int, ZoneInfo] = {}
        for story in found[:LIST_MAX]:
            assert story.published_at is not None
            if story.network_id not in zones:
                zone = await reader.timezone(story.network_id)
                zones[story.network_id] = ZoneInfo(zone or "Australia/Sydney")
            day = story.published_at.astimezone(zones[story.network_id]).date()
            who = f"shared by {story.shown_name}" if story.shown_name else "shared without a name"
            lines.append(f"- Story {story.id}: {story.title}, {who} ({day.day} {day:%B %Y}).")
        if len(found) > LIST_MAX:
            lines.append(f"{len(found) - LIST_MAX} older stories are not listed here.")
        return Reply.private_text("\n".join(lines))

    # ---- for coordinators -------------------------------------------------------------------

    @command(
        "manage story review", "Coordinator: the stories waiting for review", role=Role.COORDINATOR
    )
    async def review(self, ctx: Context, network: NetworkOption = None) -> Reply:
        assert ctx.network_id is not None
        waiting = await self.service.waiting(ctx.network_id)
        if not waiting:
            return Reply.private_text("No stories are waiting for review. Nothing to do.")
        first = waiting[0]
        name, slug = await NetworkReader(self.kernel.db).names(ctx.network_id)
        shown = render.review(first, name, slug)
        more = f"{len(waiting)} stor{'ies' if len(waiting) != 1 else 'y'} waiting; the oldest:\n"
        return shown.model_copy(update={"text": more + shown.text})

    @action(render.APPROVE_ACTION, role=Role.COORDINATOR)
    async def approve(self, ctx: Context, event: ActionEvent) -> Reply:
        story_id, revision = _ids(event.payload, 2)
        await self.service.approve(story_id, revision, ctx.user.key)
        return Reply.private_text(
            f"Approved story {story_id}. It is not published yet: the author is shown exactly "
            "how it will look and asked privately to say yes."
        )

    @action(render.CHANGES_ACTION, role=Role.COORDINATOR)
    async def changes_form(self, ctx: Context, event: ActionEvent) -> Reply:
        story_id, revision = _ids(event.payload, 2)
        await self.service.check_reviewable(story_id, revision, ctx.user.key)
        return Reply(
            text="Say what should change. The author sees your note privately, without your name.",
            form=Form(
                title="Ask for changes",
                action=ActionRef(action=render.CHANGES_FORM_ACTION, payload=event.payload),
                fields=[
                    FormField(
                        name="note",
                        label="What should change",
                        long=True,
                        max_length=NOTE_FORM_MAX,
                        placeholder="For example: the ward and the date could identify someone",
                    )
                ],
            ),
            private=True,
        )

    @action(render.CHANGES_FORM_ACTION, role=Role.COORDINATOR)
    async def changes(self, ctx: Context, event: ActionEvent) -> Reply:
        story_id, revision = _ids(event.payload, 2)
        await self.service.ask_changes(
            story_id, revision, ctx.user.key, event.fields.get("note", "")
        )
        return Reply.private_text(
            f"Sent: the author of story {story_id} was asked privately for those changes. "
            "Its new version comes to you for review."
        )

    @action(render.DECLINE_ACTION, role=Role.COORDINATOR)
    async def decline_form(self, ctx: Context, event: ActionEvent) -> Reply:
        story_id, revision = _ids(event.payload, 2)
        await self.service.check_reviewable(story_id, revision, ctx.user.key)
        return Reply(
            text="Decline this story. You may say why; the author sees it privately.",
            form=Form(
                title="Decline the story",
                action=ActionRef(action=render.DECLINE_FORM_ACTION, payload=event.payload),
                fields=[
                    FormField(
                        name="note",
                        label="Why (optional)",
                        long=True,
                        required=False,
                        max_length=NOTE_FORM_MAX,
                    )
                ],
            ),
            private=True,
        )

    @action(render.DECLINE_FORM_ACTION, role=Role.COORDINATOR)
    async def decline(self, ctx: Context, event: ActionEvent) -> Reply:
        story_id, revision = _ids(event.payload, 2)
        await self.service.decline(story_id, revision, ctx.user.key, event.fields.get("note", ""))
        return Reply.private_text(
            f"Declined story {story_id}. The author was told privately; it is not published."
        )

    @command(
        "manage story unpublish",
        "Coordinator: take a published story off the network's channels",
        role=Role.COORDINATOR,
    )
    async def unpublish(
        self, ctx: Context, number: NumberOption, network: NetworkOption = None
    ) -> Reply:
        assert ctx.network_id is not None
        await self.service.unpublish(number, ctx.user.key, ctx.network_id)
        return Reply.private_text(
            f"Story {number} is taken down: its posts are deleted and it is no longer in "
            "/story list. The author was told privately and keeps it, to change or withdraw."
        )
