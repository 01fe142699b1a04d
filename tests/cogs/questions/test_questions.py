"""Questions to the coordinators (issue 21, item 2): a private exchange between a member and
their network's coordinators and executives; shared with the network only de-identified and
with the member's yes; deleted after the retention period once closed."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from bot.mentions import plain
from bot.ports import NOT_ACCEPTING_DMS, DeliveryError
from bot.replies import ActionRef, Reply
from cogs.questions.commands import QuestionsCog
from tests.cogs.questions.conftest import SOUTH_GENERAL, Desk

QUESTION = "How much of my own story should I share with someone on their first day?"


async def ask(desk: Desk, who: str = "mia", text: str = QUESTION, **extra: Any) -> Reply:
    return await desk.run(who, "ask coordinators", question=text, **extra)


def number_in(reply: Reply) -> int:
    return int(reply.text.split("(question ", 1)[1].split(")", 1)[0])


async def test_a_question_reaches_the_networks_staff_and_the_reply_reaches_the_member(
    desk: Desk,
) -> None:
    asked = await ask(desk)
    assert asked.private
    number = number_in(asked)
    assert asked.text.startswith(
        f"Your question (question {number}) has gone to the coordinators of South Coast; "
        "their reply will come here, privately."
    )
    await desk.deliver()
    notice = desk.last_to("carol")
    assert plain(notice.text).startswith(
        f"Question {number} from mia, a member of South Coast, asked privately:\n\n{QUESTION}"
    )
    assert [b.label for b in notice.buttons] == ["Reply", "Close", "Ask permission to share"]
    assert desk.last_to("eve").text == notice.text  # executives too
    assert desk.dms("bea") == [] and desk.dms("max") == [] and desk.channel() == []

    form = await desk.click("carol", notice, "Reply")
    assert form.form is not None
    sent = await desk.fill("carol", form, text="Start small: share what helps them, not all of it.")
    assert sent.text.startswith(f"Sent your reply to the member who asked question {number}")
    await desk.deliver()
    reply = desk.last_to("mia")
    assert plain(reply.text).startswith(
        f"carol, for the coordinators of South Coast, replied to your question (question "
        f"{number}):\n\nStart small: share what helps them, not all of it."
    )
    assert [b.label for b in reply.buttons] == ["Answer", "Close my question"]
    assert plain(desk.last_to("eve").text) == (
        f"carol replied to question {number} (South Coast):\n\n"
        "Start small: share what helps them, not all of it."
    )

    form = await desk.click("mia", reply, "Answer")
    answered = await desk.fill("mia", form, text="Thank you, that helps.")
    assert answered.text == (
        f"Sent your answer about question {number} to the coordinators, privately."
    )
    await desk.deliver()
    assert plain(desk.last_to("carol").text) == (
        f"mia answered about question {number} (South Coast):\n\nThank you, that helps."
    )
    assert desk.last_to("eve").text == desk.last_to("carol").text

    closed = await desk.click("mia", desk.last_to("mia"), "Close my question")
    assert closed.text.startswith(f"Closed your question (question {number})")
    assert "deleted in 30 days" in closed.text
    await desk.deliver()
    assert desk.last_to("carol").text == (
        f"Question {number} (South Coast) was closed by the member who asked it. Its exchange "
        "is deleted in 30 days."
    )
    again = await desk.run("mia", "ask answer", number=number, text="One more thing")
    assert "is closed" in again.text
    late = await desk.run("carol", "manage question reply", number=number, text="Hello?")
    assert "is closed" in late.text


async def test_text_commands_do_the_same_and_staff_close_tells_the_member(desk: Desk) -> None:
    number = number_in(await ask(desk, network="south-coast"))
    listed = await desk.run("eve", "manage question list", network="south-coast")
    assert f"- Question {number}: How much of my own story" in listed.text
    replied = await desk.run("eve", "manage question reply", number=number, text="Good question.")
    assert "signed with your name" in replied.text
    await desk.deliver()
    assert plain(desk.last_to("mia").text).startswith("eve, for the coordinators of South Coast")
    answer = await desk.run("mia", "ask answer", number=number, text="Thanks")
    assert answer.text.startswith("Sent your answer")
    mine = await desk.run("mia", "ask mine")
    assert f"- Question {number} (South Coast): open." in mine.text
    closed = await desk.run("carol", "manage question close", number=number)
    assert closed.text.startswith(f"Closed question {number}; the member has been told.")
    await desk.deliver()
    assert desk.last_to("mia").text.startswith(
        f"The coordinators of South Coast closed your question (question {number})."
    )
    twice = await desk.run("mia", "ask close", number=number)
    assert twice.text == f"Question {number} is already closed. Nothing was changed."
    assert (
        "No questions are open"
        in (await desk.run("carol", "manage question list", network="south-coast")).text
    )


async def test_bad_input_is_refused_clearly_and_writes_nothing(desk: Desk) -> None:
    empty = await ask(desk, text="   ")
    assert "needs the option 'question'" in empty.text and "Nothing was" in empty.text
    long = await ask(desk, text="x" * 1501)
    assert "at most 1500 characters" in long.text
    stranger = await desk.run("nobody", "ask coordinators", question=QUESTION)
    assert stranger.text.startswith("You need to be")
    assert await desk.count("SELECT count(*) FROM questions") == 0

    number = number_in(await ask(desk))
    # Another network's coordinator, a member, and someone else's question.
    bea = await desk.run("bea", "manage question reply", number=number, text="Hi")
    assert bea.text.startswith("You need to be a coordinator or an executive in South Coast")
    max_ = await desk.run("max", "manage question reply", number=number, text="Hi")
    assert max_.text.startswith("You need to be")
    not_his = await desk.run("max", "ask answer", number=number, text="Hi")
    assert not_his.text.startswith(f"You have no question number {number}")
    not_his_close = await desk.run("max", "ask close", number=number)
    assert not_his_close.text.startswith(f"You have no question number {number}")
    missing = await desk.run("carol", "manage question close", number=999)
    assert missing.text.startswith("There is no question number 999")
    stale = await desk.press("mia", ActionRef(action="question.answer", payload="abc"))
    assert "out of date" in stale.text
    # The buttons check the same: a member, another network's coordinator, someone else.
    await desk.deliver()
    notice = desk.last_to("carol")
    pressed = await desk.click("max", notice, "Reply")
    assert pressed.text.startswith("You need to be"), pressed.text
    pressed = await desk.click("bea", notice, "Close")
    assert pressed.text.startswith("You need to be a coordinator or an executive in South Coast")
    sent = await desk.press("bea", ActionRef(action="question.reply-form", payload=str(number)))
    assert sent.text.startswith("You need to be a coordinator or an executive in South Coast")
    await desk.run("carol", "manage question share", number=number, text="A general question?")
    await desk.deliver()
    prompt = desk.last_to("mia")
    pressed = await desk.click("max", prompt, "Yes, share it")
    assert pressed.text.startswith(f"You have no question number {number}")
    assert desk.channel() == []
    assert await desk.count("SELECT count(*) FROM question_messages") == 1
    assert await desk.count("SELECT count(*) FROM questions WHERE status = 'closed'") == 0


async def test_sharing_needs_a_clean_version_and_the_members_yes(desk: Desk) -> None:
    number = number_in(await ask(desk, text="My client Mrs Nguyen at Wollongong Hospital..."))
    await desk.deliver()
    notice = desk.last_to("carol")
    form = await desk.click("carol", notice, "Ask permission to share")
    assert form.form is not None
    assert form.form.fields[0].default.startswith("My client Mrs Nguyen")
    held = await desk.fill("carol", form, text="My client Mrs Nguyen at Wollongong Hospital...")
    assert held.text.startswith("The de-identification check found details")
    assert "Nothing was sent" in held.text
    await desk.deliver()
    assert desk.dms("mia") == []

    clean = "How do I answer when someone asks why I was in hospital myself?"
    asked = await desk.fill("carol", form, text=clean)
    assert asked.text.startswith(f"The member who asked question {number} is being shown")
    await desk.deliver()
    prompt = desk.last_to("mia")
    assert "It would be posted exactly like this, without your name:\n\n" in prompt.text
    assert f"A question from a peer worker:\n\n{clean}" in prompt.text
    assert [b.label for b in prompt.buttons] == ["Yes, share it", "No, keep it private"]
    assert desk.channel() == []

    yes = await desk.click("mia", prompt, "Yes, share it")
    assert yes.text.startswith("Thank you. The de-identified version is being posted")
    await desk.deliver()
    [post] = desk.channel(SOUTH_GENERAL)
    assert post.startswith(f"A question from a peer worker:\n\n{clean}")
    assert "mia" not in post and "Nguyen" not in post
    assert "said yes" in desk.last_to("carol").text
    twice = await desk.click("mia", prompt, "Yes, share it")
    assert "out of date" in twice.text
    await desk.deliver()
    assert len(desk.channel(SOUTH_GENERAL)) == 1


async def test_no_keeps_it_private_and_a_newer_version_outdates_the_old_prompt(
    desk: Desk,
) -> None:
    number = number_in(await ask(desk))
    await desk.run("carol", "manage question share", number=number, text="First version?")
    await desk.deliver()
    old = desk.last_to("mia")
    await desk.run("carol", "manage question share", number=number, text="Second version?")
    await desk.deliver()
    new = desk.last_to("mia")
    assert "Second version?" in new.text
    stale = await desk.click("mia", old, "Yes, share it")
    assert "out of date" in stale.text
    no = await desk.click("mia", new, "No, keep it private")
    assert no.text.startswith("Nothing is shared.")
    await desk.deliver()
    assert desk.channel() == []
    assert "would rather it was not shared" in desk.last_to("carol").text


async def test_a_reply_to_a_member_with_closed_dms_tells_the_coordinator(desk: Desk) -> None:
    number = number_in(await ask(desk))
    await desk.deliver()
    desk.port.fail_with = lambda key: (
        DeliveryError(NOT_ACCEPTING_DMS, retryable=False) if key.endswith(":console:mia") else None
    )
    await desk.run("carol", "manage question reply", number=number, text="Here is my reply.")
    await desk.deliver()
    await desk.deliver()
    told = plain(desk.last_to("carol").text)
    assert told.startswith(f"peerbot could not tell 1 person about your reply to question {number}")
    assert "mia could not be told: they do not accept direct messages from this server." in told
    assert "allow direct messages from this server" in told
    # The reply is kept with the question all the same.
    assert await desk.count("SELECT count(*) FROM question_messages") == 2


async def test_closed_questions_are_deleted_after_retention_text_and_all(desk: Desk) -> None:
    number = number_in(await ask(desk))
    await desk.run("carol", "manage question reply", number=number, text="A reply.")
    await desk.deliver()
    open_one = number_in(await ask(desk, who="max", text="Another question"))
    await desk.run("mia", "ask close", number=number)
    await desk.deliver()
    cog = desk.kernel.cogs["questions"]
    assert isinstance(cog, QuestionsCog)
    service = cog.service
    desk.clock.advance(dt.timedelta(days=29))
    assert await service.forget_due() == 0
    desk.clock.advance(dt.timedelta(days=1, minutes=1))
    assert await service.forget_due() == 1
    assert await desk.count(f"SELECT count(*) FROM questions WHERE id = {number}") == 0
    left = f"SELECT count(*) FROM question_messages WHERE question_id = {number}"
    assert await desk.count(left) == 0
    assert await desk.count(f"SELECT count(*) FROM questions WHERE id = {open_one}") == 1
    rows = await desk.kernel.db.fetch_all(
        "SELECT message_json FROM outbox WHERE key LIKE ?", (f"question:{number}:%",)
    )
    assert rows
    for row in rows:
        assert QUESTION not in str(row["message_json"])
        assert "A reply." not in str(row["message_json"])
    gone = await desk.run("mia", "ask answer", number=number, text="hi")
    assert gone.text.startswith(f"You have no question number {number}")


async def test_the_audit_log_says_what_happened_never_the_text_or_the_member(desk: Desk) -> None:
    number = number_in(await ask(desk))
    await desk.run("carol", "manage question reply", number=number, text="Secret reply words")
    await desk.run("mia", "ask answer", number=number, text="Secret answer words")
    await desk.run("mia", "ask close", number=number)
    rows = await desk.kernel.db.fetch_all(
        "SELECT actor_key, action, target, detail FROM audit_log WHERE action LIKE 'questions.%'"
        " ORDER BY id"
    )
    assert [(r["actor_key"], r["action"], r["target"]) for r in rows] == [
        ("a-member", "questions.ask", f"question:{number}"),
        ("console:carol", "questions.reply", f"question:{number}"),
        ("a-member", "questions.answer", f"question:{number}"),
        ("a-member", "questions.close", f"question:{number}"),
    ]
    assert all(r["detail"] == "" for r in rows)
    shown = plain((await desk.run("carol", "mod audit")).text)
    assert f"| a member | questions.ask | question number {number}" in shown, shown
    assert "Secret" not in shown and "mia" not in shown


async def test_privacy_export_and_delete_cover_questions(desk: Desk) -> None:
    number = number_in(await ask(desk))
    await desk.run("carol", "manage question reply", number=number, text="My reply.")
    other = number_in(await ask(desk, who="max", text="Max asks"))
    await desk.run("carol", "manage question reply", number=other, text="Reply to max.")
    exported = await desk.kernel.privacy.export(desk.kernel.db, "console:mia")
    mine = exported["questions"]["questions_you_asked"]
    assert [q["number"] for q in mine] == [number]
    assert [m["text"] for m in mine[0]["exchange"]] == [QUESTION, "My reply."]
    carols = await desk.kernel.privacy.export(desk.kernel.db, "console:carol")
    assert [r["text"] for r in carols["questions"]["replies_you_wrote_as_staff"]] == [
        "My reply.",
        "Reply to max.",
    ]
    json.dumps(exported)  # the export is plain JSON

    await desk.kernel.privacy.delete(desk.kernel.db, "console:mia")
    assert await desk.count(f"SELECT count(*) FROM questions WHERE id = {number}") == 0
    await desk.kernel.privacy.delete(desk.kernel.db, "console:carol")
    row = await desk.kernel.db.fetch_one(
        "SELECT author_key FROM question_messages WHERE body = 'Reply to max.'"
    )
    assert row is not None and row["author_key"] == "deleted-person"
    assert await desk.count(f"SELECT count(*) FROM questions WHERE id = {other}") == 1
