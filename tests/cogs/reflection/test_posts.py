"""Layer 2: a participant's posts are theirs. A post the check holds back comes back in the form
to edit (held in memory only, for its writer, for 30 minutes); a post can be deleted by its
writer, from the button under "Posted" or later with /reflect delete, and its messages leave
the thread; /privacy delete takes them out of the threads too."""

from __future__ import annotations

from datetime import timedelta

from bot.identity import PlaceRef, UserRef
from bot.mentions import plain
from bot.registry import ActionInvocation
from bot.replies import Reply
from cogs.reflection.formats import Format
from cogs.reflection.models import POST_FIELD_MAX
from tests.cogs.reflection.conftest import SPACE, World

THREAD = "thread-1"
HERE = PlaceRef(platform="console", id=THREAD)


def person(who: str) -> UserRef:
    return UserRef(platform="console", id=who)


async def start(world: World, fmt: Format = Format.OPEN) -> int:
    started = await world.service.start(
        starter=person("mia"),
        network_id=world.south,
        space=SPACE,
        fmt=fmt,
        topic=None,
        peers_text="max kim",
        facilitator_text=None,
    )
    for who in ("max", "kim"):
        await world.service.answer(started.reflection.id, person(who), join=True)
    return started.reflection.id


async def submit(world: World, who: str, fields: dict[str, str]) -> Reply:
    form = await world.run(who, "reflect post", place=HERE)
    assert form.form is not None
    return await world.press(who, form.form.action, fields)


def posts_in_thread(world: World) -> list[tuple[str, str]]:
    """(message id, text) of every post still in the thread."""
    gone = {(place, message) for place, message, _ in world.port.deleted}
    return [
        (str(n), text)
        for n, (_, where, text) in enumerate(world.port.sent, start=1)
        if where == THREAD and plain(text).startswith("From ") and (THREAD, str(n)) not in gone
    ]


async def test_a_held_back_post_comes_back_in_the_form_to_edit(world: World) -> None:
    await start(world)
    written = "Mrs Nguyen rang me again at 2am."
    held = await submit(world, "max", {"text": written})
    assert "Nothing was posted" in held.text and "name with a title (Mrs Nguyen)" in held.text
    edit, _ = held.buttons
    # Someone else cannot open max's draft.
    stolen = await world.press("kim", edit.action)
    assert stolen.form is not None and stolen.form.fields[0].default == ""
    reopened = await world.press("max", edit.action)
    assert reopened.form is not None
    assert reopened.form.fields[0].default == written
    # Edited and clean: posted, and the draft is gone.
    posted = await world.press("max", reopened.form.action, {"text": "Someone rang me at 2am."})
    assert posted.text.startswith("Posted in the thread.")
    again = await world.press("max", edit.action)
    assert again.form is not None and again.form.fields[0].default == ""
    assert "no longer holds what you wrote" in again.form.fields[0].placeholder
    # The text was never written to the database.
    for table in ("outbox", "reflection_posts", "audit_log"):
        rows = await world.kernel.db.fetch_all(f"SELECT * FROM {table}")
        assert not any("Nguyen" in str(v) or "2am" in str(v) for r in rows for v in tuple(r))


async def test_a_draft_is_held_for_thirty_minutes_only(world: World) -> None:
    await start(world)
    held = await submit(world, "max", {"text": "Dr Smith said no."})
    world.clock.advance(timedelta(minutes=31))
    reopened = await world.press("max", held.buttons[0].action)
    assert reopened.form is not None and reopened.form.fields[0].default == ""
    assert "no longer holds what you wrote" in reopened.form.fields[0].placeholder


async def test_the_writer_deletes_a_post_with_the_button_and_nobody_else_can(
    world: World,
) -> None:
    await start(world)
    posted = await submit(world, "max", {"text": "A boundary I held today."})
    [delete] = posted.buttons
    [(message_id, _)] = [p for p in posts_in_thread(world) if "boundary" in p[1]]
    refused = await world.press("kim", delete.action)
    assert "only delete your own posts" in refused.text
    assert world.port.deleted == []
    deleted = await world.press("max", delete.action)
    assert deleted.text.startswith("Deleted your post from co-reflection number")
    assert world.port.deleted == [(THREAD, message_id, "deleted by its writer")]
    twice = await world.press("max", delete.action)
    assert "already gone" in twice.text
    assert await world.kernel.db.fetch_all("SELECT * FROM reflection_posts") == []


async def test_reflect_delete_lists_your_posts_newest_first(world: World) -> None:
    await start(world)
    empty = await world.run("kim", "reflect delete", place=HERE)
    assert "You have no posts" in empty.text
    await submit(world, "max", {"text": "First thought."})
    world.clock.advance(timedelta(minutes=5))
    await submit(world, "max", {"text": "Second thought."})
    await submit(world, "kim", {"text": "Kim's thought."})
    menu = await world.run("max", "reflect delete", place=HERE)
    assert menu.select is not None
    assert [c.label.startswith("Posted ") for c in menu.select.choices] == [True, True]
    newest = menu.select.choices[0].value
    done = await world.kernel.registry.invoke_action(
        ActionInvocation(
            user=person("max"),
            place=HERE,
            action=menu.select.action,
            selected=(newest,),
            space=SPACE,
        )
    )
    assert done.text.startswith("Deleted your post")
    left = [text for _, text in posts_in_thread(world)]
    assert any("First thought." in t for t in left) and any("Kim's thought." in t for t in left)
    assert not any("Second thought." in t for t in left)


async def test_a_long_post_goes_out_a_field_a_message_and_is_deleted_whole(
    world: World,
) -> None:
    await start(world, Format.GIBBS)
    form = await world.run("max", "reflect post", place=HERE)
    assert form.form is not None
    fields = {f.name: ("word " * 200)[: POST_FIELD_MAX - 5] + f.name for f in form.form.fields}
    posted = await world.press("max", form.form.action, fields)
    assert posted.text.startswith("Posted in the thread."), posted.text
    parts = posts_in_thread(world)
    count = len(form.form.fields)
    assert [plain(t).split(":")[0] for _, t in parts] == [
        f"From max ({n} of {count})" for n in range(1, count + 1)
    ]
    assert all(len(t) < 2000 for _, t in parts)
    await world.press("max", posted.buttons[0].action)
    assert sorted(m for _, m, _ in world.port.deleted) == sorted(m for m, _ in parts)


async def test_privacy_delete_takes_a_persons_posts_out_of_the_threads(world: World) -> None:
    await start(world)
    await submit(world, "max", {"text": "Something I learnt."})
    await submit(world, "kim", {"text": "This one stays."})
    asked = await world.run("max", "privacy delete")
    [confirm, _] = asked.buttons
    done = await world.press("max", confirm.action)
    assert "Your 1 post in co-reflection threads was removed too." in done.text, done.text
    left = [text for _, text in posts_in_thread(world)]
    assert left and all("This one stays." in t for t in left)
    rows = await world.kernel.db.fetch_all("SELECT user_key FROM reflection_posts")
    assert [r["user_key"] for r in rows] == ["console:kim"]
