"""Layer 2: /privacy policy, export and delete through the registry of a real App.

The deletion button is followed through everything that can go wrong with it: pressed twice,
pressed by someone else, pressed too late, cancelled, pressed after a restart, and a cog's
delete hook failing half-way (then nothing at all may be deleted).
"""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FakeClock, to_db
from bot.identity import user_from_key
from bot.kernel import Kernel
from bot.privacy import DataStatement
from bot.replies import ActionRef, Reply
from bot.storage import Transaction
from cogs.privacy.commands import CANCEL_DELETE, CONFIRM_DELETE
from tests.cogs.networks import ADMIN_ID, Apps, invoke, press, settings_for
from tests.cogs.privacy.conftest import (
    ALEX_MESSAGE,
    BOB_MESSAGE,
    DISCORD_ALEX_MESSAGE,
    PLACE_MESSAGE,
)

ALEX = "console:alex"
BOB = "console:bob"
APOLOGY = re.compile(
    r"^Sorry, something went wrong on our side and nothing was changed\. "
    r"If it keeps happening, tell an admin this error id: (?P<id>[0-9A-F]{8})\.$"
)
USED_OR_EXPIRED = (
    "That confirmation has expired or was already used, so nothing was deleted. "
    "Type /privacy delete to start again."
)
ALL_MESSAGES = {ALEX_MESSAGE.key, BOB_MESSAGE.key, PLACE_MESSAGE.key, DISCORD_ALEX_MESSAGE.key}


# ---- helpers -----------------------------------------------------------------------------


async def memberships(kernel: Kernel) -> list[tuple[str, str]]:
    rows = await kernel.db.fetch_all(
        """SELECT m.user_key, n.slug FROM memberships m JOIN networks n ON n.id = m.network_id
           ORDER BY m.user_key, n.slug"""
    )
    return [(r["user_key"], r["slug"]) for r in rows]


async def outbox_keys(kernel: Kernel) -> set[str]:
    return {r["key"] for r in await kernel.db.fetch_all("SELECT key FROM outbox")}


async def confirmation_owners(kernel: Kernel) -> list[str]:
    rows = await kernel.db.fetch_all("SELECT user_key FROM confirmations ORDER BY user_key")
    return [r["user_key"] for r in rows]


EVERYONES_MEMBERSHIPS = [
    (ALEX, "hunter"),
    (ALEX, "south-coast"),
    (BOB, "south-coast"),
]


async def ask_to_delete(kernel: Kernel, user_id: str) -> tuple[ActionRef, ActionRef]:
    """Run /privacy delete; return the confirm and cancel buttons' actions."""
    reply = await invoke(kernel, user_id, "privacy delete")
    assert reply.private
    confirm, cancel = reply.buttons
    assert confirm.action.action == CONFIRM_DELETE
    assert cancel.action.action == CANCEL_DELETE
    assert confirm.action.payload == cancel.action.payload
    return confirm.action, cancel.action


def done(records: int) -> str:
    return f"Done. peerbot deleted everything it held about you ({records} records)."


def export_document(reply: Reply) -> tuple[bytes, dict[str, Any]]:
    [attachment] = reply.attachments
    assert attachment.mime_type == "application/json"
    raw = attachment.content
    document = json.loads(raw.decode("utf-8"))
    assert isinstance(document, dict)
    return raw, document


#: Hook names whose empty export this file spells out; later cogs test their own.
KERNEL_AND_EARLY_COGS = ("networks", "moderation", "audit", "meetings", "reflection", "delivery")


async def no_export(tx: Transaction, user_key: str) -> dict[str, str]:
    return {}


# ---- /privacy policy ---------------------------------------------------------------------


async def test_every_cog_that_keeps_personal_data_registers_its_hooks(kernel: Kernel) -> None:
    names = kernel.privacy.names
    for name in ("networks", "moderation", "audit", "meetings", "reflection", "accounts"):
        assert name in names
    assert names[-1] == "delivery"  # the privacy cog's own, loaded last
    areas = [s.area for s in kernel.privacy.statements]
    for area in ("Networks", "Reports", "Audit log", "Meetings", "Co-reflection"):
        assert area in areas
    # Linking two accounts moves every cog's data: none may be left behind.
    assert kernel.privacy.without_move == []


async def test_policy_states_every_hook_with_its_retention(kernel: Kernel) -> None:
    reply = await invoke(kernel, "alex", "privacy policy")
    assert reply.private
    for statement in kernel.privacy.statements:
        line = (
            f"{statement.area}: {statement.what}. Why: {statement.why}. Kept: {statement.kept_for}."
        )
        assert line in reply.text
    assert "Networks: which networks you joined" in reply.text
    assert "Kept: until you leave the network or delete your data." in reply.text
    assert (
        "Kept: 30 days after sending; codes expire after 15 minutes and are removed within "
        "the hour." in reply.text
    )
    assert "/privacy export" in reply.text
    assert "/privacy delete" in reply.text
    first, *areas = reply.cards
    assert "/privacy export" in first.description and "/privacy delete" in first.description
    assert [f.name for f in first.fields] == ["Who runs this peerbot"]
    assert [f.name for card in areas for f in card.fields] == [
        s.area for s in kernel.privacy.statements
    ]
    assert all(len(card.fields) <= 5 for card in areas)
    assert areas[-1].fields[-1].name == "Messages to you"


async def test_policy_retention_wording_follows_the_settings(
    tmp_path: Path, clock: FakeClock
) -> None:
    settings = settings_for(
        tmp_path,
        PEERBOT_RETENTION__OUTBOX_DAYS="7",
        PEERBOT_RETENTION__CONFIRMATION_MINUTES="5",
    )
    apps = Apps(settings, clock)
    try:
        _, kernel = await apps.start()
        policy = await invoke(kernel, "alex", "privacy policy")
        asked = await invoke(kernel, "alex", "privacy delete")
    finally:
        await apps.stop_all()
    assert "Kept: 7 days after sending; codes expire after 5 minutes" in policy.text
    assert "Press the button within 5 minutes to confirm." in asked.text


async def test_policy_includes_a_hook_registered_by_any_cog(kernel: Kernel) -> None:
    async def delete(tx: Transaction, user_key: str) -> int:
        return 0

    statement = DataStatement(
        area="Example notes", what="your example notes", why="to test", kept_for="180 days"
    )
    kernel.privacy.register("example", statement, no_export, delete)
    reply = await invoke(kernel, "alex", "privacy policy")
    assert "Example notes: your example notes. Why: to test. Kept: 180 days." in reply.text
    asked = await invoke(kernel, "alex", "privacy delete")
    assert asked.text.count("example notes") == 1
    assert "messages to you, example notes)" in asked.text


# ---- /privacy export ---------------------------------------------------------------------


async def test_export_holds_the_callers_data_and_nobody_elses(
    people: Kernel, clock: FakeClock
) -> None:
    reply = await invoke(people, "alex", "privacy export")
    assert reply.private
    assert "Only you can see it" in reply.text
    [attachment] = reply.attachments
    assert attachment.filename == f"peerbot-export-{clock.now():%Y%m%d-%H%M%S}.json"
    raw, document = export_document(reply)

    assert document["person"] == ALEX
    assert document["exported_at"] == to_db(clock.now())
    assert set(document["data"]) == set(people.privacy.names)
    networks = document["data"]["networks"]
    assert [(m["network_slug"], m["role"]) for m in networks["memberships"]] == [
        ("hunter", "member"),
        ("south-coast", "member"),
    ]
    assert networks["admin"] == []
    [message] = document["data"]["delivery"]["private_messages"]
    assert message["key"] == ALEX_MESSAGE.key
    assert message["status"] == "pending"
    assert message["message"]["text"] == ALEX_MESSAGE.text

    for foreign in (BOB_MESSAGE, PLACE_MESSAGE, DISCORD_ALEX_MESSAGE):
        assert foreign.key.encode() not in raw
        assert foreign.text.encode() not in raw
    assert BOB.encode() not in raw


async def test_export_for_someone_with_no_data(people: Kernel) -> None:
    _, document = export_document(await invoke(people, "casey", "privacy export"))
    assert document["person"] == "console:casey"
    data = document["data"]
    assert set(data) == set(people.privacy.names)
    assert {name: data[name] for name in KERNEL_AND_EARLY_COGS} == {
        "networks": {"memberships": [], "admin": []},
        "moderation": {"reports": []},
        "audit": [],
        "meetings": {
            "agenda_items": [],
            "answers": [],
            "attendance": [],
            "reminders_off_since": None,
        },
        "reflection": {"participation": [], "posts": [], "takeaways": []},
        "delivery": {
            "confirmation_codes": [],
            "group_messages_you_caused": [],
            "private_messages": [],
        },
    }


async def test_export_shows_a_configured_admin_their_admin_record(
    people: Kernel, clock: FakeClock
) -> None:
    _, document = export_document(await invoke(people, ADMIN_ID, "privacy export"))
    assert document["data"]["networks"]["admin"] == [
        {"source": "config", "granted_at": to_db(clock.now())}
    ]


async def test_export_changes_nothing(people: Kernel) -> None:
    await invoke(people, "alex", "privacy export")
    assert await memberships(people) == EVERYONES_MEMBERSHIPS
    assert await outbox_keys(people) == ALL_MESSAGES


# ---- /privacy delete ---------------------------------------------------------------------


async def test_delete_asks_first_and_deletes_nothing_yet(people: Kernel) -> None:
    reply = await invoke(people, "alex", "privacy delete")
    assert reply.private
    areas = ", ".join(s.area.lower() for s in people.privacy.statements)
    assert f"({areas})" in reply.text
    assert "(networks, join requests, peer directory, reports, report replies, audit log, " in (
        reply.text
    )
    assert "audit log, meetings, calendar feeds, co-reflection," in reply.text
    assert "cannot be undone" in reply.text
    assert "Press the button within 15 minutes to confirm." in reply.text
    assert [b.label for b in reply.buttons] == ["Delete my data", "Keep my data"]
    assert await memberships(people) == EVERYONES_MEMBERSHIPS
    assert await outbox_keys(people) == ALL_MESSAGES
    assert await confirmation_owners(people) == [ALEX]


async def test_confirm_deletes_the_callers_data_only(people: Kernel) -> None:
    older, _ = await ask_to_delete(people, "alex")
    confirm, _ = await ask_to_delete(people, "alex")
    bobs, _ = await ask_to_delete(people, "bob")
    assert older.payload != confirm.payload

    reply = await press(people, "alex", confirm)
    # 2 memberships, 1 private message, and the older confirmation code.
    assert reply.private
    assert reply.text == done(4)
    assert await memberships(people) == [(BOB, "south-coast")]
    assert await outbox_keys(people) == ALL_MESSAGES - {ALEX_MESSAGE.key}
    assert await confirmation_owners(people) == [BOB]
    assert (await press(people, "alex", older)).text == USED_OR_EXPIRED

    mine = await invoke(people, "alex", "network mine")
    assert mine.text.startswith("You are not in any network yet.")
    _, document = export_document(await invoke(people, "alex", "privacy export"))
    assert document["data"]["networks"]["memberships"] == []
    assert document["data"]["delivery"]["private_messages"] == []

    # Bob's own button was untouched by alex's deletion, and still works.
    assert (await press(people, "bob", bobs)).text == done(2)
    assert await memberships(people) == []


async def test_a_confirmation_cannot_be_used_twice(people: Kernel) -> None:
    confirm, _ = await ask_to_delete(people, "alex")
    assert (await press(people, "alex", confirm)).text == done(3)
    rejoined = await invoke(people, "alex", "network join", network="hunter")
    assert rejoined.text.startswith("Welcome")

    again = await press(people, "alex", confirm)
    assert again.private
    assert again.text == USED_OR_EXPIRED
    assert (ALEX, "hunter") in await memberships(people)


async def test_another_person_cannot_press_the_button(people: Kernel) -> None:
    confirm, cancel = await ask_to_delete(people, "alex")
    assert (await press(people, "bob", confirm)).text == USED_OR_EXPIRED
    assert (await press(people, "bob", cancel)).text == "Nothing was deleted."
    assert await memberships(people) == EVERYONES_MEMBERSHIPS
    assert await outbox_keys(people) == ALL_MESSAGES

    # Neither bob's press nor his cancel used up alex's code.
    assert (await press(people, "alex", confirm)).text == done(3)
    assert await memberships(people) == [(BOB, "south-coast")]


async def test_the_button_works_until_just_before_it_expires(
    people: Kernel, clock: FakeClock
) -> None:
    confirm, _ = await ask_to_delete(people, "alex")
    minutes = people.settings.retention.confirmation_minutes
    clock.advance(timedelta(minutes=minutes) - timedelta(seconds=1))
    assert (await press(people, "alex", confirm)).text == done(3)


async def test_the_button_expires(people: Kernel, clock: FakeClock) -> None:
    confirm, _ = await ask_to_delete(people, "alex")
    minutes = people.settings.retention.confirmation_minutes
    assert minutes == 15
    clock.advance(timedelta(minutes=minutes, seconds=1))
    reply = await press(people, "alex", confirm)
    assert reply.text == USED_OR_EXPIRED
    assert await memberships(people) == EVERYONES_MEMBERSHIPS
    assert await outbox_keys(people) == ALL_MESSAGES


async def test_cancel_deletes_nothing_and_retires_the_button(people: Kernel) -> None:
    confirm, cancel = await ask_to_delete(people, "alex")
    reply = await press(people, "alex", cancel)
    assert reply.private
    assert reply.text == "Nothing was deleted."
    assert await memberships(people) == EVERYONES_MEMBERSHIPS
    assert await outbox_keys(people) == ALL_MESSAGES
    assert await confirmation_owners(people) == []
    assert (await press(people, "alex", confirm)).text == USED_OR_EXPIRED
    assert await memberships(people) == EVERYONES_MEMBERSHIPS


async def test_the_button_still_works_after_a_restart(people: Kernel, apps: Apps) -> None:
    confirm, _ = await ask_to_delete(people, "alex")
    [first] = apps.started
    await first.stop()
    assert first.kernel is None

    second, kernel = await apps.start()
    assert second is not first
    assert kernel is not people
    assert kernel.db.path == people.db.path
    # The new process knows nothing but what the button carries.
    same = ActionRef.decode(confirm.encode())
    reply = await press(kernel, "alex", same)
    assert reply.text == done(3)
    assert await memberships(kernel) == [(BOB, "south-coast")]
    assert await outbox_keys(kernel) == ALL_MESSAGES - {ALEX_MESSAGE.key}


async def test_a_failing_hook_rolls_back_every_deletion(
    people: Kernel, caplog: pytest.LogCaptureFixture
) -> None:
    seen_inside: list[tuple[int, int]] = []
    detail = "journal storage is unavailable"  # a variable: the log may quote source lines

    async def broken_delete(tx: Transaction, user_key: str) -> int:
        # By now the networks and delivery hooks have deleted alex's rows in this transaction.
        left = await tx.fetch_value(
            "SELECT COUNT(*) FROM memberships WHERE user_key = ?", (user_key,)
        )
        queued = await tx.fetch_value(
            "SELECT COUNT(*) FROM outbox WHERE target_kind = 'user' AND target_id = 'alex' "
            "AND platform = 'console'"
        )
        seen_inside.append((int(left), int(queued)))
        raise RuntimeError(detail)

    statement = DataStatement(area="Journal", what="notes", why="testing", kept_for="ever")
    people.privacy.register("journal", statement, no_export, broken_delete)
    confirm, _ = await ask_to_delete(people, "alex")

    with caplog.at_level(logging.ERROR, logger="bot.registry"):
        reply = await press(people, "alex", confirm)

    assert seen_inside == [(0, 0)], "the failing hook should run after the others"
    assert reply.private
    apology = APOLOGY.match(reply.text)
    assert apology is not None, reply.text
    assert detail not in reply.text
    assert "Traceback" not in reply.text
    [logged] = [r for r in caplog.records if apology["id"] in r.getMessage()]
    assert logged.levelno == logging.ERROR
    assert "RuntimeError" in logged.getMessage()
    assert detail not in logged.getMessage()

    assert await memberships(people) == EVERYONES_MEMBERSHIPS
    assert await outbox_keys(people) == ALL_MESSAGES


async def test_the_button_still_works_after_a_failed_deletion(people: Kernel) -> None:
    # Regression: the code was once consumed before the deletion, in its own transaction, so
    # after "nothing was changed" the same button said "expired or already used".
    failures = [RuntimeError("storage is briefly unavailable")]

    async def flaky_delete(tx: Transaction, user_key: str) -> int:
        if failures:
            raise failures.pop()
        return 0

    statement = DataStatement(area="Journal", what="notes", why="testing", kept_for="ever")
    people.privacy.register("journal", statement, no_export, flaky_delete)
    confirm, _ = await ask_to_delete(people, "alex")
    assert APOLOGY.match((await press(people, "alex", confirm)).text)
    assert await memberships(people) == EVERYONES_MEMBERSHIPS
    assert await confirmation_owners(people) == [ALEX]

    retried = await press(people, "alex", confirm)
    assert retried.text == done(3)
    assert await memberships(people) == [(BOB, "south-coast")]
    assert await confirmation_owners(people) == []


async def test_export_lists_pending_codes_without_the_code_itself(kernel: Kernel) -> None:
    reply = await invoke(kernel, "alex", "privacy delete")
    token = reply.buttons[0].action.payload
    export = await invoke(kernel, "alex", "privacy export")
    content = export.attachments[0].content.decode("utf-8")
    codes = json.loads(content)["data"]["delivery"]["confirmation_codes"]
    assert [c["purpose"] for c in codes] == ["privacy-delete"]
    assert token not in content


async def test_deleting_removes_who_was_in_a_group_message_and_the_groups_sent(
    people: Kernel,
) -> None:
    """A fan-out holds who sent it and who it went to; each person's deletion takes theirs."""
    outbox = people.outbox
    async with people.db.transaction() as tx:
        group = await outbox.fan_out(tx, key="report:9", sender_key=ALEX, about="a report")
        await outbox.enqueue(
            tx,
            key="report:9:console:bob",
            target=user_from_key(BOB),
            message=Reply.private_text("A report."),
            fanout=group,
        )

    async def fanout_rows() -> tuple[list[str], list[str]]:
        senders = await people.db.fetch_all("SELECT sender_key FROM outbox_fanouts")
        recipients = await people.db.fetch_all("SELECT recipient_key FROM outbox_fanout_rows")
        return [r["sender_key"] for r in senders], [r["recipient_key"] for r in recipients]

    assert await fanout_rows() == ([ALEX], [BOB])
    bobs, _ = await ask_to_delete(people, "bob")
    await press(people, "bob", bobs)
    assert await fanout_rows() == ([ALEX], [])
    alexs, _ = await ask_to_delete(people, "alex")
    await press(people, "alex", alexs)
    assert await fanout_rows() == ([], [])
