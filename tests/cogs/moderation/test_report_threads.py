"""Layer 2: reports after they are made (issue 14, item 9) through the registry of a real App:
a report from a message's menu, taking a report (once), removing the message (only staff of
the network whose channel holds it), and the anonymous replies, with their privacy hooks."""

from __future__ import annotations

import asyncio

from bot.commands import MessageTarget
from bot.identity import MessageRef, PlaceRef
from bot.mentions import plain
from bot.registry import ActionInvocation, MessageInvocation
from bot.replies import ActionRef, Reply
from cogs.moderation.report_buttons import FILE_ACTION
from cogs.moderation.reports import REPLY_MAX
from tests.cogs.moderation.conftest import World
from tests.cogs.networks import invoke, press, user

SECRET = "Jane Citizen from Ward 4"


def on_message(place_id: str, message_id: str) -> MessageTarget:
    place = PlaceRef(platform="console", id=place_id)
    return MessageTarget(
        message=MessageRef(place=place, id=message_id), link=f"message {message_id}"
    )


async def report_message(world: World, who: str, place_id: str, concern: str) -> Reply:
    """``who`` picks Report to coordinators on message 55 in ``place_id`` and sends the form."""
    registry = world.kernel.registry
    place = PlaceRef(platform="console", id=place_id)
    opened = await registry.invoke_on_message(
        MessageInvocation(
            user=user(who),
            place=place,
            label="Report to coordinators",
            target=on_message(place_id, "55"),
        )
    )
    assert opened.form is not None, opened.text
    assert opened.form.action == ActionRef(action=FILE_ACTION, payload=f"{place_id}/55")
    return await registry.invoke_action(
        ActionInvocation(
            user=user(who), place=place, action=opened.form.action, fields={"concern": concern}
        )
    )


async def value(world: World, sql: str) -> object:
    row = await world.kernel.db.fetch_one(sql)
    assert row is not None
    return row[0]


async def outbox(world: World) -> dict[str, str]:
    rows = await world.kernel.db.fetch_all("SELECT key, message_json FROM outbox ORDER BY id")
    return {str(r["key"]): str(r["message_json"]) for r in rows}


async def test_a_message_report_keeps_only_where_the_message_is(world: World) -> None:
    done = await report_message(world, "mia", "general", "It names a client")
    assert plain(done.text).startswith("Thank you. Your report (number 1) about that message in")
    row = await world.kernel.db.fetch_one("SELECT * FROM reports WHERE id = 1")
    assert row is not None
    assert (row["message_place"], row["message_id"]) == ("console:general", "55")
    assert row["network_id"] == world.south and row["concern"] == "It names a client"
    queued = await outbox(world)
    assert set(queued) == {"report:1:console:carol", "report:1:console:cody"}
    assert "Remove the message" in queued["report:1:console:carol"]


async def test_someone_outside_every_network_cannot_report_from_the_menu(world: World) -> None:
    refused = await world.kernel.registry.invoke_on_message(
        MessageInvocation(
            user=user("stranger"),
            place=PlaceRef(platform="console", id="general"),
            label="Report to coordinators",
            target=on_message("general", "55"),
        )
    )
    assert refused.private and refused.form is None
    assert refused.text.startswith("You need to be a member"), refused.text


async def test_a_report_is_taken_once_even_when_two_press_at_once(world: World) -> None:
    await report_message(world, "mia", "general", "It names a client")
    claim = ActionRef(action="report-claim", payload="1")
    carol, cody = await asyncio.gather(
        press(world.kernel, "carol", claim), press(world.kernel, "cody", claim)
    )
    texts = sorted([carol.text, cody.text])
    assert texts[0].startswith("Report number 1 was already taken by "), texts
    assert texts[1] == "You took report number 1. The other coordinators have been told."
    row = await world.kernel.db.fetch_one("SELECT claimed_by FROM reports WHERE id = 1")
    assert row is not None and row["claimed_by"] in ("console:carol", "console:cody")
    claimed = [k for k in await outbox(world) if ":claimed:" in k]
    assert len(claimed) == 1  # the one who lost is told who took it; the winner is not

    again = await invoke(world.kernel, "carol", "mod claim", report=1, network="south-coast")
    assert "already" in again.text
    member = await press(world.kernel, "mia", claim)
    assert member.text.startswith("You need to be"), member.text


async def test_removal_needs_staff_of_the_network_whose_channel_holds_the_message(
    world: World,
) -> None:
    await report_message(world, "mia", "general", "It names a client")
    k = world.kernel
    remove = ActionRef(action="report-remove", payload="1")
    assert (await press(k, "hana", remove)).text.startswith("You need to be an executive in South")
    assert (await press(k, "mia", remove)).text.startswith("You need to be")
    assert world.port.deleted == []

    done = await press(k, "eve", remove)  # an executive of South Coast
    assert done.text.startswith("Removed the message of report number 1."), done.text
    assert world.port.deleted == [("general", "55", "peerbot: removed for report number 1")]
    assert "report:1:removed" in await outbox(world)
    audit = await k.db.fetch_all(
        "SELECT actor_key, target, detail FROM audit_log WHERE action = 'mod.remove'"
    )
    assert [tuple(r) for r in audit] == [("console:eve", "console:general/55", "report number 1")]

    again = await press(k, "carol", remove)
    assert plain(again.text) == "The message of report number 1 was already removed by eve."
    assert len(world.port.deleted) == 1


async def test_a_message_already_gone_is_recorded_and_the_reporter_told(world: World) -> None:
    await report_message(world, "mia", "general", "")
    world.port.gone_messages.add(("general", "55"))
    done = await invoke(world.kernel, "carol", "mod remove", report=1, network="south-coast")
    assert done.text.startswith("The message of report number 1 was already deleted")
    detail = await value(world, "SELECT detail FROM audit_log WHERE action = 'mod.remove'")
    assert detail == "report number 1; it was already deleted"
    assert "is no longer on the server" in (await outbox(world))["report:1:removed"]


async def test_replies_go_both_ways_unnamed_and_are_bounded(world: World) -> None:
    k = world.kernel
    await report_message(world, "mia", "general", "It names a client")
    too_long = await invoke(
        k, "carol", "mod reply", report=1, text="x" * (REPLY_MAX + 1), network="south-coast"
    )
    assert "at most 1000 characters" in too_long.text
    empty = await press(
        k, "carol", ActionRef(action="report-reply-send", payload="1")
    )  # a form sent empty
    assert empty.text.startswith("Write what you want to say")
    assert await value(world, "SELECT COUNT(*) FROM report_replies") == 0

    sent = await invoke(
        k, "carol", "mod reply", report=1, text="We are on it.", network="south-coast"
    )
    assert sent.text.startswith("Sent your reply")
    queued = await outbox(world)
    to_mia = queued["report:1:reply:1"]
    assert "The South Coast coordinators replied about your report" in to_mia
    assert "carol" not in to_mia

    stranger = await invoke(k, "hugo", "mod answer", report=1, text="Me too")
    assert stranger.text.startswith("You did not make report number 1")
    answered = await invoke(k, "mia", "mod answer", report=1, text=f"It named {SECRET}")
    assert answered.text.startswith("Sent your answer to the South Coast coordinators")
    queued = await outbox(world)
    for coordinator in ("carol", "cody"):
        notice = queued[f"report:1:answer:2:console:{coordinator}"]
        assert "The person who made report number 1 in South Coast answered" in notice
        assert "mia" not in notice
    audit = await k.db.fetch_all(
        "SELECT actor_key, action FROM audit_log WHERE action "
        "IN ('mod.reply', 'mod.answer') ORDER BY id"
    )
    assert [tuple(r) for r in audit] == [("console:carol", "mod.reply"), ("a-member", "mod.answer")]
    assert SECRET not in repr([tuple(r) for r in await k.db.fetch_all("SELECT * FROM audit_log")])


async def test_privacy_export_move_and_delete_cover_the_thread(world: World) -> None:
    k = world.kernel
    await report_message(world, "mia", "general", "It names a client")
    await invoke(k, "carol", "mod claim", report=1, network="south-coast")
    await invoke(k, "carol", "mod reply", report=1, text="We are on it.", network="south-coast")
    await invoke(k, "mia", "mod answer", report=1, text="Thanks.")

    mia = (await k.privacy.export(k.db, "console:mia"))["report-threads"]
    assert [(r["from"], r["text"]) for r in mia["replies_about_your_reports"]] == [
        ("the coordinators", "We are on it."),
        ("you", "Thanks."),
    ]
    assert "carol" not in repr(mia)
    carol = (await k.privacy.export(k.db, "console:carol"))["report-threads"]
    assert carol["replies_you_wrote_as_coordinator"][0]["text"] == "We are on it."
    assert carol["reports_you_took"] == [1]

    async with k.db.transaction() as tx:
        await k.privacy.move_in(tx, "console:carol", "console:carol2")
    moved = await k.db.fetch_one("SELECT claimed_by FROM reports WHERE id = 1")
    assert moved is not None and moved["claimed_by"] == "console:carol2"

    await k.privacy.delete(k.db, "console:carol2")
    kept = await k.db.fetch_all("SELECT author_key, body FROM report_replies ORDER BY id")
    assert [r["body"] for r in kept] == ["We are on it.", "Thanks."]  # the reporter's thread
    assert "console:carol2" not in repr([tuple(r) for r in kept])

    await k.privacy.delete(k.db, "console:mia")
    assert await value(world, "SELECT COUNT(*) FROM report_replies") == 0
    assert await value(world, "SELECT COUNT(*) FROM reports") == 0
