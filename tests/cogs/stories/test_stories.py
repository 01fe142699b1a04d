"""Stories (issue 21, item 4): submitted privately, reviewed by a coordinator, published only
with the author's yes and under the name they chose (or none), and removed at once, wherever
it was shown, when the author withdraws it."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from bot.identity import MessageRef
from bot.ports import DeliveryError
from bot.replies import Reply
from cogs.stories.models import Status, Story
from cogs.stories.service import out_of_date, story_of_key
from tests.cogs.stories.conftest import STORIES, Desk

TITLE = "Finding my feet"
BODY = "The first year was hard.\n\nWhat helped was a peer who listened."


async def submit(desk: Desk, who: str = "mia", **extra: Any) -> Reply:
    options: dict[str, Any] = {
        "title": TITLE,
        "story": BODY,
        "name": "Mia",
        "network": "south-coast",
    }
    return await desk.run(who, "story submit", **{**options, **extra})


async def count(desk: Desk, sql: str) -> int:
    row = await desk.kernel.db.fetch_one(sql)
    return int(row[0]) if row else 0


def number_in(reply: Reply) -> int:
    return int(reply.text.split("(story ", 1)[1].split(")", 1)[0])


async def published(desk: Desk) -> int:
    """mia's story, through review and her yes; returns its number."""
    submitted = await submit(desk)
    number = number_in(submitted)
    await desk.deliver()
    await desk.click("carol", desk.last_to("carol"), "Approve")
    await desk.deliver()
    answered = await desk.click("mia", desk.last_to("mia"), "Yes, publish it")
    assert answered.text.startswith(f"Published: your story (story {number})"), answered.text
    await desk.deliver()
    return number


async def test_a_story_is_reviewed_then_published_only_after_the_authors_yes(desk: Desk) -> None:
    submitted = await submit(desk)
    assert submitted.private
    assert submitted.text.startswith("Thank you for sharing your story. 'Finding my feet'")
    assert "went privately to the coordinators of South Coast for review" in submitted.text
    assert "(Published as: Mia)" in submitted.text
    number = number_in(submitted)
    await desk.deliver()
    review = desk.last_to("carol")
    assert review.text.startswith(f"A member submitted a story for South Coast (story {number})")
    assert f"Title: {TITLE}\nPublished as: Mia\n\n{BODY}" in review.text
    assert [b.label for b in review.buttons] == ["Approve", "Ask for changes", "Decline"]
    assert desk.dms("eve") == [] and desk.dms("bea") == []  # coordinators of South Coast only
    assert desk.channel() == []

    approved = await desk.click("carol", review, "Approve")
    assert approved.text.startswith(f"Approved story {number}. It is not published yet")
    await desk.deliver()
    assert desk.channel() == []  # approving does not publish
    preview = desk.last_to("mia")
    assert preview.text.startswith(f"A coordinator approved your story '{TITLE}'")
    post = (
        f"A story of peer work: {TITLE}\n\n{BODY}\n\nShared by Mia. (Story {number}. Type "
        "/story list to see the network's stories.)"
    )
    assert f"It will be posted in #{STORIES}, exactly like this:\n\n{post}\n\n" in (
        desk.kernel_text(preview)
    )
    assert "Published as: Mia." in preview.text
    assert [b.label for b in preview.buttons] == [
        "Yes, publish it",
        "Edit my story",
        "Withdraw my story",
    ]
    # Another coordinator's late press changes nothing.
    again = await desk.click("carol", review, "Approve")
    assert "is no longer waiting for review" in again.text

    yes = await desk.click("mia", preview, "Yes, publish it")
    assert desk.kernel_text(yes).startswith(
        f"Published: your story (story {number}) is being posted in #{STORIES}, and it is in "
        "/story list."
    )
    await desk.deliver()
    await desk.deliver()
    assert desk.channel() == [post]
    twice = await desk.click("mia", preview, "Yes, publish it")
    assert "is published already" in twice.text
    await desk.deliver()
    assert len(desk.channel()) == 1

    listed = await desk.run("max", "story list")
    assert listed.private
    assert f"- Story {number}: {TITLE}, shared by Mia (5 March 2035)." in listed.text
    assert "No stories" in (await desk.run("ben", "story list")).text
    mine = await desk.run("mia", "story mine")
    assert f"- Story {number}: {TITLE} (shared as Mia): published." in mine.text


async def test_without_a_name_it_says_so_everywhere(desk: Desk) -> None:
    submitted = await submit(desk, name="")
    assert "(Published without a name)" in submitted.text
    await desk.deliver()
    assert "Published without a name" in desk.last_to("carol").text
    await desk.click("carol", desk.last_to("carol"), "Approve")
    await desk.deliver()
    preview = desk.last_to("mia")
    assert "Shared without a name." in preview.text and "Published without a name." in preview.text
    assert "Mia" not in preview.text
    await desk.click("mia", preview, "Yes, publish it")
    await desk.deliver()
    [post] = desk.channel()
    assert "Shared without a name." in post and "Mia" not in post
    listed = await desk.run("max", "story list")
    assert "shared without a name" in listed.text


async def test_withdrawing_a_published_story_deletes_it_everywhere_at_once(desk: Desk) -> None:
    number = await published(desk)
    post_ids = desk.ids_to(STORIES)
    review_ids = desk.ids_to("carol")
    preview_ids = desk.ids_to("mia")
    assert post_ids and review_ids and preview_ids

    gone = await desk.run("mia", "story withdraw", number=number)
    assert gone.private
    assert gone.text.startswith(f"Withdrawn: your story (story {number}) is gone.")
    assert "Its posts in the network's channels are deleted." in gone.text
    deleted = {(place, message) for place, message, _ in desk.port.deleted}
    assert {(STORIES, i) for i in post_ids} <= deleted
    assert {("carol", i) for i in review_ids} <= deleted
    assert {("mia", i) for i in preview_ids} <= deleted
    # The text is gone from the database, the outbox included.
    assert await count(desk, "SELECT count(*) FROM stories") == 0
    assert await count(desk, "SELECT count(*) FROM story_messages") == 0
    for words in (TITLE, "peer who listened"):
        where = f"message_json LIKE '%{words}%'"
        assert await count(desk, f"SELECT count(*) FROM outbox WHERE {where}") == 0
    assert "No stories are published yet" in (await desk.run("max", "story list")).text
    # Nothing is deleted twice, and a second withdrawal is refused.
    assert await desk.cog.service.remove_due() == 0
    refused = await desk.run("mia", "story withdraw", number=number)
    assert refused.text == (
        f"You have no story number {number}. /story mine lists yours. Nothing was changed."
    )
    # The audit log says what happened, never the text or who wrote it.
    rows = await desk.kernel.db.fetch_all("SELECT actor_key, action, target, detail FROM audit_log")
    story_rows = [r for r in rows if str(r["action"]).startswith("stories.")]
    assert [str(r["action"]) for r in story_rows] == [
        "stories.submit",
        "stories.approve",
        "stories.publish",
        "stories.withdraw",
    ]
    for row in story_rows:
        assert "Finding" not in " ".join(str(v) for v in row)
        assert str(row["actor_key"]) in ("a-member", "console:carol")
    shown = desk.kernel_text(
        await desk.run("carol", "mod audit", of="south-coast", action="stories.")
    )
    assert f"a member | stories.submit | story number {number}" in shown, shown
    assert f"carol | stories.approve | story number {number}" in shown
    assert f"a member | stories.withdraw | story number {number}" in shown
    assert "mia" not in shown and TITLE not in shown


async def test_withdraw_works_while_in_review_and_by_the_button(desk: Desk) -> None:
    submitted = await submit(desk)
    number = number_in(submitted)
    # Withdrawn before the review message went out: it never goes.
    asked = await desk.click("mia", submitted, "Withdraw my story")
    assert asked.text.startswith(f"Withdraw your story (story {number})?")
    kept = await desk.click("mia", asked, "Keep it")
    assert "Nothing was changed" in kept.text
    done = await desk.click("mia", asked, "Withdraw it now")
    assert done.text.startswith(f"Withdrawn: your story (story {number}) is gone.")
    assert "It was not published." in done.text
    await desk.deliver()
    assert desk.dms("carol") == []
    # Someone else's story cannot be withdrawn.
    other = number_in(await submit(desk, who="max"))
    refused = await desk.run("mia", "story withdraw", number=other)
    assert refused.text.startswith(f"You have no story number {other}.")
    await desk.deliver()
    review = desk.last_to("carol")
    # Withdrawn after review reached the coordinator: the review message is deleted, and its
    # buttons say the story is gone.
    await desk.run("max", "story withdraw", number=other)
    assert ("carol", desk.ids_to("carol")[-1]) in {(p, m) for p, m, _ in desk.port.deleted}
    late = await desk.click("carol", review, "Approve")
    assert late.text.startswith(f"Story {other} is gone: its author withdrew it.")


async def test_the_deidentification_check_holds_a_story_back_until_edited_or_sent(
    desk: Desk,
) -> None:
    risky = "I met Mrs Nguyen on Ward 5. Her number is 0412 345 678."
    held = await submit(desk, story=risky)
    number = number_in(held)
    assert "is saved but not sent yet: the check found something" in held.text
    assert "phone number (0412 345 678)" in held.text
    assert [b.label for b in held.buttons] == [
        "Edit my story",
        "Send it as it is",
        "Withdraw my story",
    ]
    await desk.deliver()
    assert desk.dms("carol") == []
    form = await desk.click("mia", held, "Edit my story")
    assert form.form is not None
    assert [f.default for f in form.form.fields] == [TITLE, risky, "Mia"]
    fixed = await desk.fill("mia", form, title=TITLE, story=BODY, name="Mia")
    assert fixed.text.startswith("Your changes are saved."), fixed.text
    await desk.deliver()
    assert BODY in desk.last_to("carol").text
    # The held-back version's button is out of date now.
    stale = await desk.click("mia", held, "Send it as it is")
    assert stale.text.startswith("That button is out of date")

    again = await submit(desk, story=risky)
    sent = await desk.click("mia", again, "Send it as it is")
    assert sent.text.startswith("Thank you for sharing your story."), sent.text
    await desk.deliver()
    assert risky in desk.last_to("carol").text
    assert number != number_in(again)


async def test_asked_for_changes_the_author_edits_and_it_is_reviewed_again(desk: Desk) -> None:
    number = number_in(await submit(desk))
    await desk.deliver()
    review = desk.last_to("carol")
    form = await desk.click("carol", review, "Ask for changes")
    empty = await desk.fill("carol", form, note="  ")
    assert empty.text.startswith("Say what should change")
    sent = await desk.fill("carol", form, note="Please leave out the year.")
    assert sent.text.startswith(f"Sent: the author of story {number} was asked privately")
    await desk.deliver()
    asked = desk.last_to("mia")
    assert "asked for changes to your story" in asked.text
    assert "Please leave out the year." in asked.text and "carol" not in asked.text
    asked_id = desk.ids_to("mia")[-1]
    edit = await desk.click("mia", asked, "Edit my story")
    await desk.fill("mia", edit, title=TITLE, story="What helped was a peer who listened.")
    # The coordinator's note stays with the author; the old review message goes.
    assert ("mia", asked_id) not in {(p, m) for p, m, _ in desk.port.deleted}
    await desk.deliver()
    newer = desk.last_to("carol")
    assert "What helped was a peer who listened." in newer.text
    stale = await desk.click("carol", review, "Approve")
    assert "changed story" in stale.text and "Nothing was changed" in stale.text
    # The first review message is taken back.
    assert any(p == "carol" for p, _, _ in desk.port.deleted)
    await desk.click("carol", newer, "Approve")
    await desk.deliver()
    assert "What helped was a peer who listened." in desk.last_to("mia").text


async def test_a_declined_story_is_never_posted_and_the_author_is_told(desk: Desk) -> None:
    number = number_in(await submit(desk))
    await desk.deliver()
    form = await desk.click("carol", desk.last_to("carol"), "Decline")
    declined = await desk.fill("carol", form, note="")
    assert declined.text == (
        f"Declined story {number}. The author was told privately; it is not published."
    )
    await desk.deliver()
    told = desk.last_to("mia")
    assert told.text.startswith(f"A coordinator decided your story '{TITLE}' (story {number})")
    assert desk.channel() == []
    mine = await desk.run("mia", "story mine")
    assert "declined by a coordinator" in mine.text


async def test_a_coordinator_may_unpublish_but_never_edit(desk: Desk) -> None:
    number = await published(desk)
    refused = await desk.run("bea", "manage story unpublish", number=number, network="brisbane")
    assert refused.text.startswith(f"There is no story number {number} in that network.")
    not_theirs = await desk.run("carol", "story edit", number=number)
    assert not_theirs.text.startswith(f"You have no story number {number}.")
    taken = await desk.run("carol", "manage story unpublish", number=number, network="south-coast")
    assert taken.text.startswith(f"Story {number} is taken down: its posts are deleted")
    assert {(STORIES, i) for i in desk.ids_to(STORIES)} <= {(p, m) for p, m, _ in desk.port.deleted}
    await desk.deliver()
    assert "took your story" in desk.last_to("mia").text
    assert "No stories are published yet" in (await desk.run("max", "story list")).text
    mine = await desk.run("mia", "story mine")
    assert "taken down by a coordinator" in mine.text


async def test_bad_input_is_refused_and_saves_nothing(desk: Desk) -> None:
    long_title = await submit(desk, title="x" * 101)
    assert long_title.text.startswith("The option 'title' must be text of at most 100")
    form = await desk.run("mia", "story submit", network="south-coast")
    assert form.form is not None and [f.name for f in form.form.fields] == [
        "title",
        "story",
        "name",
    ]
    too_long = await desk.fill("mia", form, title="x" * 101, story=BODY)
    assert too_long.text == (
        "A title can be at most 100 characters; yours has 101. Shorten it and send it again. "
        "Nothing was saved."
    )
    blank = await desk.fill("mia", form, title=TITLE, story="   \n  ")
    assert blank.text == "Write your story in the story field. Nothing was saved."
    named = await desk.fill("mia", form, title=TITLE, story=BODY, name="n" * 41)
    assert "The name to show can be at most 40 characters" in named.text
    stranger = await desk.run("ben", "story submit", network="south-coast", title=TITLE, story=BODY)
    assert stranger.text.startswith("You need to be a member")
    assert await count(desk, "SELECT count(*) FROM stories") == 0
    await desk.deliver()
    assert desk.dms("carol") == []


async def test_with_no_stories_channel_the_general_channel_is_used(desk: Desk) -> None:
    await desk.run(
        "bea",
        "manage network link",
        place=None,
        network="brisbane",
        channel="brisbane-general",
        purpose="general",
    )
    number = number_in(await submit(desk, who="ben", network="brisbane"))
    await desk.deliver()
    await desk.click("bea", desk.last_to("bea"), "Approve")
    await desk.deliver()
    assert "It will be posted in #brisbane-general" in desk.kernel_text(desk.last_to("ben"))
    await desk.click("ben", desk.last_to("ben"), "Yes, publish it")
    await desk.deliver()
    assert [t for t in desk.channel("brisbane-general") if f"(Story {number}." in t]


async def test_privacy_export_and_delete_cover_stories(desk: Desk) -> None:
    number = await published(desk)
    exported = await desk.kernel.privacy.export(desk.kernel.db, "console:mia")
    [story] = exported["stories"]["stories"]
    assert story["number"] == number and story["title"] == TITLE and story["story"] == BODY
    assert story["published_as"] == "Mia" and story["stage"] == "published"
    counts = await desk.kernel.privacy.delete(desk.kernel.db, "console:mia")
    assert counts["stories"] == 1
    await desk.kernel.events.person_deleted("console:mia")
    assert await count(desk, "SELECT count(*) FROM stories") == 0
    assert {(STORIES, i) for i in desk.ids_to(STORIES)} <= {(p, m) for p, m, _ in desk.port.deleted}


async def test_a_post_that_lands_after_the_story_was_withdrawn_is_deleted(desk: Desk) -> None:
    submitted = await submit(desk)
    number = number_in(submitted)
    await desk.deliver()
    await desk.click("carol", desk.last_to("carol"), "Approve")
    await desk.deliver()
    await desk.click("mia", desk.last_to("mia"), "Yes, publish it")
    desk.port.gate = asyncio.Event()
    desk.port.entered.clear()
    delivering = asyncio.create_task(desk.deliver())
    await desk.port.entered.wait()
    await desk.run("mia", "story withdraw", number=number)  # the post is on its way
    desk.port.gate.set()
    await delivering
    desk.port.gate = None
    assert await desk.cog.service.remove_due() == 1
    [post_id] = desk.ids_to(STORIES)
    assert (STORIES, post_id) in {(p, m) for p, m, _ in desk.port.deleted}
    assert await count(desk, "SELECT count(*) FROM story_messages") == 0


async def test_a_long_story_is_posted_in_parts_and_every_part_is_withdrawn(desk: Desk) -> None:
    paragraph = "We talked about what it is like to be the only peer worker on a team. " * 12
    long_story = "\n\n".join([paragraph.strip()] * 4)  # about 3,400 characters
    number = number_in(await submit(desk, story=long_story, name=""))
    await desk.deliver()
    review = [
        r for (_, t, _), r in zip(desk.port.sent, desk.port.replies, strict=True) if t == "carol"
    ]
    assert len(review) == 3 and all(len(r.text) <= 2000 for r in review)
    assert review[0].buttons == [] and review[-1].buttons  # the buttons under the last part
    assert "mia" not in " ".join(r.text for r in review).lower()  # the author is not named
    await desk.click("carol", review[-1], "Approve")
    await desk.deliver()
    await desk.click("mia", desk.last_to("mia"), "Yes, publish it")
    await desk.deliver()
    posted = desk.channel()
    assert len(posted) == 2 and posted[0].endswith("(1 of 2)") and posted[1].endswith("(2 of 2)")
    assert all(len(p) <= 2000 for p in posted)
    await desk.run("mia", "story withdraw", number=number)
    deleted = {(p, m) for p, m, _ in desk.port.deleted}
    assert {(STORIES, i) for i in desk.ids_to(STORIES)} <= deleted
    assert {("carol", i) for i in desk.ids_to("carol")} <= deleted


async def test_with_no_coordinator_the_author_is_told_it_waits(desk: Desk) -> None:
    await desk.run("admin", "network create", name="Inland", slug="inland")
    await desk.run("max", "network join", network="inland")
    waiting = await submit(desk, who="max", network="inland")
    assert "is waiting for review: Inland has no coordinator yet" in waiting.text, waiting.text


def test_a_message_of_an_older_version_or_a_withdrawn_story_is_out_of_date() -> None:
    story = Story(
        1, 1, "console:mia", "T", "B", "", Status.PUBLISHED, 3, dt.datetime.now(dt.UTC), None
    )
    post = story_of_key("story:1:post:3:console:south-stories:1")
    assert post is not None and (post.story_id, post.kind, post.revision) == (1, "post", 3)
    assert not out_of_date(story, post)
    old_review = story_of_key("story:1:review:2:console:carol:1")
    assert old_review is not None and out_of_date(story, old_review)
    told = story_of_key("story:1:changes:3")
    assert told is not None and told.kind == "author" and not out_of_date(story, told)
    old_preview = story_of_key("story:1:preview:2:1")
    assert old_preview is not None and out_of_date(story, old_preview)
    assert out_of_date(None, post)
    assert story_of_key("notices:1:post:x") is None


async def test_a_delete_the_platform_refuses_for_now_is_tried_again(desk: Desk) -> None:
    number = await published(desk)
    real_delete = desk.port.delete_message

    async def down(message: MessageRef, *, reason: str = "") -> bool:
        raise DeliveryError("Discord is unavailable (503)", retryable=True)

    desk.port.delete_message = down  # type: ignore[method-assign]
    gone = await desk.run("mia", "story withdraw", number=number)
    assert "3 could not be deleted yet (the platform did not answer)" in gone.text, gone.text
    assert await count(desk, "SELECT count(*) FROM stories") == 0  # the text is gone at once
    desk.port.delete_message = real_delete  # type: ignore[method-assign]
    assert await desk.cog.service.remove_due() == 3
    assert {(STORIES, i) for i in desk.ids_to(STORIES)} <= {(p, m) for p, m, _ in desk.port.deleted}
    assert await count(desk, "SELECT count(*) FROM story_messages") == 0
