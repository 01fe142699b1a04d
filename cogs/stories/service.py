"""The rules of stories: a member submits privately, the de-identification check may hold it
back, a coordinator reviews it, the author says yes before anything is posted, and the author
can withdraw it at any stage, which deletes its text and every message that showed it.

Every message goes through the outbox under a key starting ``story:ID:``, written in the
transaction that made the change, so a restart neither loses nor repeats one. Each message
that shows the story is recorded when the outbox delivers it (``delivered``), so withdrawing
can delete it on its platform; one still on its way when the story was withdrawn is deleted
as soon as it lands. Audit lines name the story's number, never its text or its author.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.commands import Role
from bot.errors import UserError
from bot.identity import MessageRef, PlaceRef, place_from_key, user_from_key
from bot.kernel import Kernel
from bot.mentions import place
from bot.ports import DeliveryError
from bot.replies import Reply
from bot.storage import Transaction
from cogs.networks import queries as network_queries
from cogs.reflection.deidentify import find_identifiers, summary
from cogs.stories import render
from cogs.stories import repository as repo
from cogs.stories.models import EDITABLE, Status, Story, Written, published_as

log = logging.getLogger(__name__)

#: The channel kind stories are posted in, linked by a coordinator with /manage network link.
PURPOSE = "stories"
#: Where stories go when the network has no stories channel.
FALLBACK_PURPOSE = "general"
OUT_OF_DATE = "That button is out of date: the story changed or is gone. Type /story mine."
WITHDRAWN = "the author withdrew the story"
TAKEN_DOWN = "a coordinator took the story down"


def no_story(number: int) -> UserError:
    return UserError(
        f"You have no story number {number}. /story mine lists yours. Nothing was changed."
    )


@dataclass(frozen=True)
class KeyOf:
    """What an outbox key ``story:ID:KIND:REVISION:...`` is about."""

    story_id: int
    #: post, review, preview, or author (what else the author was told).
    kind: str
    revision: int | None


def story_of_key(key: str) -> KeyOf | None:
    parts = key.split(":", 4)
    if len(parts) < 3 or parts[0] != "story" or not parts[1].isdigit():
        return None
    kind = parts[2] if parts[2] in ("post", "review", "preview") else "author"
    revision = int(parts[3]) if len(parts) > 3 and parts[3].isdigit() else None
    return KeyOf(int(parts[1]), kind, revision)


def out_of_date(story: Story | None, key: KeyOf) -> bool:
    """A message that should no longer be shown: its story is withdrawn, it is a post of a
    story no longer published, or it shows a version the author has replaced."""
    if story is None:
        return True
    if key.kind == "post" and story.status is not Status.PUBLISHED:
        return True
    replaced = key.kind in ("post", "review", "preview")
    return replaced and key.revision not in (None, story.revision)


@dataclass(frozen=True)
class Submitted:
    story: Story
    #: What the de-identification check found ("" when nothing, or when sent as it is).
    held_back: str = ""
    #: How many coordinators it was sent to for review.
    reviewers: int = 0


class StoryService:
    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.db = kernel.db
        self.outbox = kernel.outbox
        self.clock = kernel.clock
        self.audit = kernel.audit

    # ---- reading ----------------------------------------------------------------------------

    async def get(self, story_id: int) -> Story | None:
        async with self.db.reading() as tx:
            return await repo.get(tx, story_id)

    async def own(self, story_id: int, author_key: str) -> Story:
        found = await self.get(story_id)
        if found is None or found.author_key != author_key:
            raise no_story(story_id)
        return found

    async def mine(self, author_key: str) -> list[Story]:
        async with self.db.reading() as tx:
            return await repo.of_author(tx, author_key)

    async def published(self, networks: list[int]) -> list[Story]:
        async with self.db.reading() as tx:
            return await repo.published(tx, networks)

    async def waiting(self, network_id: int) -> list[Story]:
        async with self.db.reading() as tx:
            return await repo.waiting(tx, network_id)

    async def places(self, tx: Transaction, network_id: int) -> list[str]:
        """Where the network's stories are posted: its stories channels, else its general."""
        found = await network_queries.places(tx, network_id, PURPOSE)
        if not found:
            found = await network_queries.places(tx, network_id, FALLBACK_PURPOSE)
        return [place_key for place_key, _ in found]

    # ---- submitting and editing -------------------------------------------------------------

    async def submit(
        self, author_key: str, network_id: int, written: Written, *, anyway: bool = False
    ) -> Submitted:
        """Keep the story; unless the check finds something (and the author did not say
        they checked), send it to the coordinators."""
        held = "" if anyway else _check(written)
        now = self.clock.now()
        async with self.db.transaction() as tx:
            status = Status.DRAFT if held else Status.REVIEW
            story_id = await repo.add(tx, network_id, author_key, written, status, now)
            story = await repo.get(tx, story_id)
            assert story is not None
            await self.audit.record(
                tx,
                actor_key=author_key,
                action="stories.submit",
                network_id=network_id,
                target=f"story:{story_id}",
            )
            reviewers = 0 if held else await self._to_review(tx, story)
        self.outbox.notify()
        return Submitted(story, held, reviewers)

    async def rewrite(
        self, story_id: int, author_key: str, written: Written, *, anyway: bool = False
    ) -> Submitted:
        """The author's new version: reviewed again (a coordinator's earlier approval does
        not cover new words)."""
        found = await self.own(story_id, author_key)
        if found.status not in EDITABLE:
            raise UserError(
                f"Story {story_id} is published, so it cannot be changed. Withdraw it with "
                f"/story withdraw number:{story_id} and submit it again. Nothing was changed."
            )
        held = "" if anyway else _check(written)
        now = self.clock.now()
        async with self.db.transaction() as tx:
            status = Status.DRAFT if held else Status.REVIEW
            if await repo.rewrite(tx, story_id, written, status, now) != 1:
                raise UserError(  # published or withdrawn meanwhile
                    f"Story {story_id} changed while you were editing it (type /story mine to "
                    "see where it is). Nothing was changed."
                )
            story = await repo.get(tx, story_id)
            assert story is not None
            await self._forget_review(tx, story_id)
            await self.audit.record(
                tx,
                actor_key=author_key,
                action="stories.edit",
                network_id=story.network_id,
                target=f"story:{story_id}",
            )
            reviewers = 0 if held else await self._to_review(tx, story)
        self.outbox.notify()
        await self.remove_due()
        return Submitted(story, held, reviewers)

    async def send_as_it_is(self, story_id: int, revision: int, author_key: str) -> Submitted:
        """A draft the check held back, sent for review unchanged (the author checked it)."""
        await self.own(story_id, author_key)
        now = self.clock.now()
        async with self.db.transaction() as tx:
            if not await repo.move_on(
                tx, story_id, revision, frozenset({Status.DRAFT}), Status.REVIEW, now
            ):
                raise UserError(OUT_OF_DATE)
            story = await repo.get(tx, story_id)
            assert story is not None
            reviewers = await self._to_review(tx, story)
        self.outbox.notify()
        return Submitted(story, "", reviewers)

    async def _to_review(self, tx: Transaction, story: Story) -> int:
        names = await network_queries.names(tx, story.network_id)
        name, slug = names if names else ("the network", "")
        message = render.review(story, name, slug)
        coordinators = await network_queries.coordinators(tx, story.network_id)
        group = await self.outbox.fan_out(
            tx,
            key=f"story:{story.id}:review:{story.revision}",
            sender_key=story.author_key,
            about=f"your story (story {story.id})",
            advice="The story waits for review all the same: the other coordinators see it "
            "with /manage story review.",
        )
        for coordinator_key in coordinators:
            for n, part in enumerate(render.as_parts(message), start=1):
                await self.outbox.enqueue(
                    tx,
                    key=f"story:{story.id}:review:{story.revision}:{coordinator_key}:{n}",
                    target=user_from_key(coordinator_key),
                    message=part,
                    fanout=group,
                )
        return len(coordinators)

    async def _forget_review(self, tx: Transaction, story_id: int) -> None:
        """A new version replaces the old: its review messages and preview are taken back
        (not yet sent: never sent; sent: deleted)."""
        await self.outbox.skip_pending(tx, f"story:{story_id}:review:", "a newer version")
        await self.outbox.skip_pending(tx, f"story:{story_id}:preview:", "a newer version")
        await repo.mark_removing(tx, story_id, ("review", "preview"))

    # ---- the coordinators' review -----------------------------------------------------------

    async def check_reviewable(self, story_id: int, revision: int, actor_key: str) -> Story:
        found = await self.get(story_id)
        if found is None:
            raise UserError(
                f"Story {story_id} is gone: its author withdrew it. Nothing was changed."
            )
        role = await self.kernel.registry.directory.role_of(actor_key, found.network_id)
        if role < Role.COORDINATOR:
            raise UserError(
                "Only a coordinator of the story's network can review it. Nothing was changed."
            )
        if found.revision != revision:
            raise UserError(
                f"The author changed story {story_id} since this message: review the new "
                "version (it was sent to you too). Nothing was changed."
            )
        if found.status is not Status.REVIEW:
            raise UserError(
                f"Story {story_id} is no longer waiting for review ({found.status.label}). "
                "Nothing was changed."
            )
        return found

    async def approve(self, story_id: int, revision: int, actor_key: str) -> Story:
        """Approved, not published: the author is shown exactly how it will look."""
        await self.check_reviewable(story_id, revision, actor_key)
        now = self.clock.now()
        async with self.db.transaction() as tx:
            if not await repo.move_on(
                tx, story_id, revision, frozenset({Status.REVIEW}), Status.APPROVED, now
            ):
                raise UserError(
                    f"Story {story_id} was reviewed by another coordinator just now. Nothing "
                    "was changed."
                )
            story = await repo.get(tx, story_id)
            assert story is not None
            where = where_text(await self.places(tx, story.network_id))
            for n, part in enumerate(render.as_parts(render.preview(story, where)), start=1):
                await self.outbox.enqueue(
                    tx,
                    key=f"story:{story_id}:preview:{revision}:{n}",
                    target=user_from_key(story.author_key),
                    message=part,
                )
            await self._audit(tx, actor_key, "stories.approve", story)
        self.outbox.notify()
        return story

    async def ask_changes(self, story_id: int, revision: int, actor_key: str, note: str) -> Story:
        note = _note(note, required=True)
        return await self._answer(
            story_id,
            revision,
            actor_key,
            Status.CHANGES,
            "stories.changes",
            lambda s: (
                f"A coordinator asked for changes to your story '{s.title}' (story {s.id}) "
                f"before it can be published:\n{note}\n\nPress Edit my story to change it (it "
                "is then reviewed again), or withdraw it: it is deleted at once."
            ),
        )

    async def decline(self, story_id: int, revision: int, actor_key: str, note: str) -> Story:
        note = _note(note, required=False)
        why = f"\n{note}\n" if note else " "
        return await self._answer(
            story_id,
            revision,
            actor_key,
            Status.DECLINED,
            "stories.decline",
            lambda s: (
                f"A coordinator decided your story '{s.title}' (story {s.id}) will not be "
                f"published.{why}\nIt is kept only for you: change it with Edit my story to "
                "ask again, or withdraw it to delete it now. Thank you for sharing it."
            ),
        )

    async def _answer(
        self,
        story_id: int,
        revision: int,
        actor_key: str,
        to: Status,
        action: str,
        words: Callable[[Story], str],
    ) -> Story:
        await self.check_reviewable(story_id, revision, actor_key)
        now = self.clock.now()
        async with self.db.transaction() as tx:
            if not await repo.move_on(tx, story_id, revision, frozenset({Status.REVIEW}), to, now):
                raise UserError(
                    f"Story {story_id} was reviewed by another coordinator just now. Nothing "
                    "was changed."
                )
            story = await repo.get(tx, story_id)
            assert story is not None
            await self.outbox.enqueue(
                tx,
                key=f"story:{story_id}:{to.value}:{revision}",
                target=user_from_key(story.author_key),
                message=Reply(
                    text=words(story),
                    buttons=[render.edit_button(story), render.withdraw_button(story)],
                    private=True,
                ),
            )
            await self._audit(tx, actor_key, action, story)
        self.outbox.notify()
        return story

    # ---- publishing ---------------------------------------------------------------------------

    async def publish(self, story_id: int, revision: int, author_key: str) -> list[str]:
        """The author's yes: queue the post in each of the network's story places (none:
        it is listed by /story list only). Returns where it goes."""
        found = await self.own(story_id, author_key)
        if found.status is Status.PUBLISHED and found.revision == revision:
            raise UserError(f"Story {story_id} is published already. Nothing was changed.")
        now = self.clock.now()
        async with self.db.transaction() as tx:
            if not await repo.move_on(
                tx, story_id, revision, frozenset({Status.APPROVED}), Status.PUBLISHED, now
            ):
                raise UserError(
                    f"Story {story_id} is not waiting for your yes any more "
                    f"({found.status.label}). /story mine shows where it is. Nothing was changed."
                )
            story = await repo.get(tx, story_id)
            assert story is not None
            places = await self.places(tx, story.network_id)
            parts = render.as_parts(render.post(story))
            for place_key in places:
                for n, part in enumerate(parts, start=1):
                    await self.outbox.enqueue(
                        tx,
                        key=f"story:{story_id}:post:{revision}:{place_key}:{n}",
                        target=place_from_key(place_key),
                        message=part,
                    )
            await self._audit(tx, author_key, "stories.publish", story)
        self.outbox.notify()
        return places

    # ---- withdrawing and taking down ------------------------------------------------------------

    async def withdraw(self, story_id: int, author_key: str) -> tuple[Story, int]:
        """Delete the story at any stage: its text now, and every message that showed it
        (posts, review messages, the preview) on every platform, at once. Returns the story
        as it was, and how many of its messages could not be deleted yet (tried again)."""
        found = await self.own(story_id, author_key)
        async with self.db.transaction() as tx:
            await self._withdraw_in(tx, found)
            await self._audit(tx, author_key, "stories.withdraw", found)
        await self.remove_due()
        async with self.db.reading() as tx:
            left = await repo.still_shown(tx, story_id)
        return found, left

    async def _withdraw_in(self, tx: Transaction, story: Story) -> None:
        await self.outbox.skip_pending(tx, f"story:{story.id}:", WITHDRAWN)
        await repo.mark_removing(tx, story.id, ("post", "review", "preview", "author"))
        await repo.forget_outbox_text(tx, story.id, render.FORGOTTEN)
        await repo.delete(tx, story.id)

    async def unpublish(self, story_id: int, actor_key: str, network_id: int) -> Story:
        """A coordinator takes a published story down: its posts are deleted; the author is
        told and keeps it (to change, or withdraw)."""
        found = await self.get(story_id)
        if found is None or found.network_id != network_id:
            raise UserError(
                f"There is no story number {story_id} in that network. /story list shows the "
                "published ones. Nothing was changed."
            )
        now = self.clock.now()
        async with self.db.transaction() as tx:
            if not await repo.move_on(
                tx,
                story_id,
                found.revision,
                frozenset({Status.PUBLISHED}),
                Status.UNPUBLISHED,
                now,
            ):
                raise UserError(
                    f"Story {story_id} is not published ({found.status.label}). Nothing was "
                    "changed."
                )
            await self.outbox.skip_pending(tx, f"story:{story_id}:post:", TAKEN_DOWN)
            await repo.mark_removing(tx, story_id, ("post",))
            story = await repo.get(tx, story_id)
            assert story is not None
            await self.outbox.enqueue(
                tx,
                key=f"story:{story_id}:unpublished:{story.revision}",
                target=user_from_key(story.author_key),
                message=Reply(
                    text=f"A coordinator took your story '{story.title}' (story {story_id}) "
                    "off the network's channels; its posts are deleted. It is kept only for "
                    "you: change it with Edit my story to have it reviewed again, or withdraw "
                    "it to delete it now.",
                    buttons=[render.edit_button(story), render.withdraw_button(story)],
                    private=True,
                ),
            )
            await self._audit(tx, actor_key, "stories.unpublish", story)
        self.outbox.notify()
        await self.remove_due()
        return story

    async def remove_due(self) -> int:
        """Delete, on its platform, every message of a withdrawn (or taken down) story that
        is still there; returns how many went. Run at once and every minute: a platform that
        is down now is tried again, and a message already gone counts as gone."""
        async with self.db.reading() as tx:
            due = await repo.to_remove(tx)
        removed = 0
        for key, place_key, message_id in due:
            where = place_from_key(place_key)
            port = self.kernel.ports.get(where.platform)
            if port is None:
                continue  # that platform is not running now; tried again when it is
            try:
                await port.delete_message(
                    MessageRef(place=PlaceRef(platform=where.platform, id=where.id), id=message_id),
                    reason="peerbot: the story was withdrawn or taken down",
                )
            except DeliveryError as error:
                if error.retryable:
                    log.warning("stories: could not delete a message yet: %s", error)
                    continue
                log.warning("stories: a message cannot be deleted, giving up: %s", error)
            except Exception as error:
                log.warning("stories: could not delete a message yet: %s", type(error).__name__)
                continue
            async with self.db.transaction() as tx:
                await repo.removed(tx, key)
            removed += 1
        if removed:
            log.info("stories: %d message(s) deleted", removed)
        return removed

    # ---- the outbox's delivered hook ------------------------------------------------------------

    async def delivered(self, tx: Transaction, key: str, sent: MessageRef, message: Reply) -> None:
        """Remember where a message showing a story landed, so it can be deleted; one that
        landed after the story was withdrawn (or taken down) is marked for deleting now."""
        parsed = story_of_key(key)
        if parsed is None:
            return
        story = await repo.get(tx, parsed.story_id)
        await repo.record_message(
            tx,
            key,
            parsed.story_id,
            parsed.kind,
            sent.place.key,
            sent.id,
            removing=out_of_date(story, parsed),
        )
        if story is None:
            await repo.forget_outbox_text(tx, parsed.story_id, render.FORGOTTEN)

    # ---- privacy ------------------------------------------------------------------------------

    async def export_person(self, tx: Transaction, user_key: str) -> Any:
        return {"stories": await repo.export_person(tx, user_key)}

    async def delete_person(self, tx: Transaction, user_key: str) -> int:
        """Their stories are withdrawn, as if they had withdrawn each one."""
        stories = await repo.of_author(tx, user_key)
        for story in stories:
            await self._withdraw_in(tx, story)
        return len(stories)

    async def move_person(self, tx: Transaction, old_key: str, new_key: str) -> int:
        return await repo.move_person(tx, old_key, new_key)

    async def _audit(self, tx: Transaction, actor_key: str, action: str, story: Story) -> None:
        await self.audit.record(
            tx,
            actor_key=actor_key,
            action=action,
            network_id=story.network_id,
            target=f"story:{story.id}",
        )


def where_text(places: list[str]) -> str:
    if not places:
        return (
            "nowhere yet (the network has no stories or general channel, so it is listed in "
            "/story list only)"
        )
    return "in " + ", ".join(place(p) for p in places)


def _check(written: Written) -> str:
    """What the de-identification check says about the title and the story ("" for
    nothing). The shown name is the author's own choice and is not checked."""
    return summary(find_identifiers(f"{written.title}\n{written.body}"))


NOTE_MAX = 1000


def _note(note: str, *, required: bool) -> str:
    note = note.strip()
    if required and not note:
        raise UserError(
            "Say what should change, so the author knows what to do. Nothing was changed."
        )
    if len(note) > NOTE_MAX:
        raise UserError(
            f"A note can be at most {NOTE_MAX} characters; yours has {len(note)}. Nothing "
            "was changed."
        )
    return note


__all__ = ["PURPOSE", "StoryService", "Submitted", "published_as"]
