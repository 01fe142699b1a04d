"""Matrix's own tables stay small: an idle form is dropped (so a later number is never taken as
its answer, and what was typed into it is not kept), and old numbered choices are forgotten."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from bot.platforms.matrix.choices import ChoiceStore
from bot.platforms.matrix.forms import FORM_IDLE, FormStore, OpenForm
from bot.replies import ActionRef, Button, Form, FormField, Reply
from bot.storage import Database

FORM = Form(
    title="Report a concern",
    action=ActionRef(action="mod.report", payload="1"),
    fields=[FormField(name="concern", label="Concern"), FormField(name="link", label="Link")],
)


async def test_an_idle_form_is_no_longer_open_and_is_purged(db: Database, clock: FakeClock) -> None:
    forms = FormStore(db, clock)
    await forms.save(OpenForm("matrix:@a:x.org", "!dm:x.org", FORM, {"concern": "typed"}))
    assert await forms.open_for("matrix:@a:x.org", "!dm:x.org") is not None
    clock.advance(FORM_IDLE - timedelta(minutes=1))
    assert await forms.open_for("matrix:@a:x.org", "!dm:x.org") is not None
    assert await forms.purge_idle() == 0
    clock.advance(timedelta(minutes=2))
    assert await forms.open_for("matrix:@a:x.org", "!dm:x.org") is None
    assert await forms.purge_idle() == 1
    assert await db.fetch_all("SELECT * FROM matrix_forms") == []


async def test_old_choices_are_forgotten(db: Database, clock: FakeClock) -> None:
    choices = ChoiceStore(db, clock)
    reply = Reply(text="Pick", buttons=[Button(label="Yes", action=ActionRef(action="a"))])
    await choices.remember("$old", "!room:x.org", reply, user_key=None)
    clock.advance(timedelta(days=31))
    await choices.remember("$new", "!room:x.org", reply, user_key=None)
    assert await choices.purge_older_than(timedelta(days=30)) == 1
    assert await choices.find("$old") is None
    assert await choices.find("$new") is not None
