"""Layer 2: /mod commands through the registry of a real App, as a person would run them."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from bot.commands import Role
from bot.identity import PlaceRef
from bot.mentions import plain
from bot.registry import ActionInvocation, Invocation
from bot.replies import Reply
from tests.cogs.moderation.conftest import SOUTH_LINK, World
from tests.cogs.networks import ADMIN_ID, invoke, user

DENIED = "You need to be"


def private(reply: Reply) -> str:
    """The private reply's text as the console shows it (names for people and places)."""
    assert reply.private, reply.text
    return plain(reply.text)


async def audit_rows(world: World) -> list[tuple[str, str, str, str]]:
    rows = await world.kernel.db.fetch_all(
        "SELECT actor_key, action, target, detail FROM audit_log WHERE action LIKE 'mod.%' "
        "ORDER BY id"
    )
    return [(r["actor_key"], r["action"], r["target"], r["detail"]) for r in rows]


async def outbox_keys(world: World) -> list[str]:
    rows = await world.kernel.db.fetch_all("SELECT key FROM outbox ORDER BY key")
    return [r["key"] for r in rows]


# ---- lock, unlock, slowmode, archive ------------------------------------------------------


async def test_coordinator_locks_and_unlocks_a_channel(world: World) -> None:
    k = world.kernel
    text = private(await invoke(k, "carol", "mod lock", channel="general", network="south-coast"))
    assert text.startswith("Locked #general")
    assert "Unlocked" in private(
        await invoke(k, "eve", "mod unlock", channel="<#general>", network="south-coast")
    )
    assert world.port.calls == [("lock", "general", True), ("lock", "general", False)]
    assert await audit_rows(world) == [
        ("console:carol", "mod.lock", "console:general", ""),
        ("console:eve", "mod.unlock", "console:general", ""),
    ]


async def test_lock_defaults_to_the_current_place(world: World) -> None:
    place = PlaceRef(platform="console", id="chat", name="chat")
    invocation = Invocation(
        user=user("carol"), place=place, name="mod lock", arguments={"network": "south-coast"}
    )
    text = private(await world.kernel.registry.invoke(invocation))
    assert text.startswith("Locked #chat")
    assert world.port.calls == [("lock", "chat", True)]


async def test_a_member_cannot_lock(world: World) -> None:
    reply = await invoke(world.kernel, "mia", "mod lock", channel="general", network="south-coast")
    assert DENIED in private(reply)
    assert world.port.calls == []
    assert await audit_rows(world) == []


async def test_a_coordinator_of_another_network_cannot_lock_there(world: World) -> None:
    reply = await invoke(world.kernel, "hana", "mod lock", channel="general", network="south-coast")
    assert DENIED in private(reply)
    assert world.port.calls == []


# ---- only the network's own channels (issue 14, item 4) -----------------------------------


async def test_an_executive_cannot_lock_a_server_wide_channel(world: World) -> None:
    k = world.kernel
    for command, extra in (("mod lock", {}), ("mod slowmode", {"seconds": 5}), ("mod archive", {})):
        text = private(
            await invoke(k, "eve", command, channel="lounge", network="south-coast", **extra)
        )
        assert text.startswith(
            "As an executive of South Coast, you can moderate only South "
            "Coast's own channels, the threads in them and the channels in its category: "
        ), text
        assert "#category-south" not in text
        # the refusal names the network's channels, and says why this one is not
        assert "#general" in text and "#south-announcements" in text and "#chat" in text
        assert "That channel is not one of them: it belongs to the whole server" in text
        assert "Only an admin can" in text and text.endswith("Nothing was changed.")
    assert world.port.calls == []
    assert await audit_rows(world) == []


async def test_a_coordinator_cannot_touch_another_networks_channel_or_thread(
    world: World,
) -> None:
    k = world.kernel
    for channel in ("hunter-general", "thread-9"):
        text = private(await invoke(k, "carol", "mod lock", channel=channel, network="south-coast"))
        assert "That channel belongs to Hunter." in text, text
        assert text.startswith("As a coordinator of South Coast")
    assert world.port.calls == []
    # hana is Hunter's coordinator, and #hunter-general is Hunter's: that works
    text = private(await invoke(k, "hana", "mod lock", channel="hunter-general", network="hunter"))
    assert text.startswith("Locked #hunter-general"), text
    assert world.port.calls == [("lock", "hunter-general", True)]


async def test_threads_and_channels_inside_the_networks_places_are_its_own(
    world: World,
) -> None:
    k = world.kernel
    archived = private(
        await invoke(k, "eve", "mod archive", channel="thread-7", network="south-coast")
    )
    assert archived.startswith("Archived and locked the thread #thread-7"), archived
    locked = private(await invoke(k, "eve", "mod lock", channel="side", network="south-coast"))
    assert locked.startswith("Locked #side"), locked  # a channel in the network's category
    assert world.port.calls == [("archive", "thread-7", True), ("lock", "side", True)]


async def test_an_admin_may_act_anywhere_and_is_told_so(world: World) -> None:
    k = world.kernel
    text = private(await invoke(k, ADMIN_ID, "mod lock", channel="lounge", network="hunter"))
    assert text.startswith("Locked #lounge"), text
    assert "not one of a network's: you did this as an admin" in text
    text = private(
        await invoke(
            k, ADMIN_ID, "mod slowmode", seconds=5, channel="hunter-general", network="south-coast"
        )
    )
    assert "This channel is Hunter's: you did this there as an admin" in text
    assert world.port.calls == [("lock", "lounge", True), ("slowmode", "hunter-general", 5)]


async def test_pinning_is_refused_in_a_channel_outside_the_network(world: World) -> None:
    k = world.kernel
    outside = "https://discord.com/channels/111/999/333"
    text = private(await invoke(k, "carol", "mod pin", link=outside, network="south-coast"))
    assert "The channel of that message is not one of them" in text, text
    assert world.port.calls == []


async def test_slowmode_happy_path_and_range(world: World) -> None:
    k = world.kernel
    text = private(
        await invoke(
            k, "carol", "mod slowmode", seconds=30, channel="general", network="south-coast"
        )
    )
    assert "once every 30 seconds" in text
    for bad in (-1, 21601):
        text = private(
            await invoke(
                k, "carol", "mod slowmode", seconds=bad, channel="general", network="south-coast"
            )
        )
        assert "Nothing was changed" in text
    assert world.port.calls == [("slowmode", "general", 30)]
    assert await audit_rows(world) == [
        ("console:carol", "mod.slowmode", "console:general", "30 seconds")
    ]
    assert DENIED in private(
        await invoke(k, "mia", "mod slowmode", seconds=5, channel="general", network="south-coast")
    )


async def test_archive_a_thread_or_lock_a_channel(world: World) -> None:
    k = world.kernel
    text = private(
        await invoke(k, "carol", "mod archive", channel="thread-7", network="south-coast")
    )
    assert text.startswith("Archived and locked the thread")
    text = private(
        await invoke(k, "carol", "mod archive", channel="general", network="south-coast")
    )
    assert "is a channel, not a thread" in text and "locked instead" in text
    assert world.port.calls == [("archive", "thread-7", True), ("lock", "general", True)]
    assert DENIED in private(
        await invoke(k, "mia", "mod archive", channel="thread-7", network="south-coast")
    )


# ---- pin and unpin ------------------------------------------------------------------------


async def test_pin_and_unpin_by_message_link(world: World) -> None:
    k = world.kernel
    world.port.parents["222"] = [PlaceRef(platform="console", id="category-south")]
    assert private(await invoke(k, "carol", "mod pin", link=SOUTH_LINK, network="south-coast")) == (
        "Pinned that message."
    )
    assert private(
        await invoke(k, "carol", "mod unpin", link=SOUTH_LINK, network="south-coast")
    ) == ("Unpinned that message.")
    assert world.port.calls == [("pin", "222/333", True), ("pin", "222/333", False)]
    assert [a for _, a, _, _ in await audit_rows(world)] == ["mod.pin", "mod.unpin"]


async def test_a_bad_message_link_gets_a_clear_message(world: World) -> None:
    text = private(
        await invoke(world.kernel, "carol", "mod pin", link="not a link", network="south-coast")
    )
    assert "not a message link" in text and "Copy Message Link" in text
    assert world.port.calls == []
    assert await audit_rows(world) == []


async def test_a_member_cannot_pin(world: World) -> None:
    reply = await invoke(world.kernel, "mia", "mod pin", link=SOUTH_LINK, network="south-coast")
    assert DENIED in private(reply)
    assert world.port.calls == []


# ---- guidelines ---------------------------------------------------------------------------


async def test_guidelines_through_the_form(world: World) -> None:
    k = world.kernel
    reply = await invoke(k, "carol", "mod guidelines", network="south-coast")
    assert reply.private and reply.form is not None
    [field] = reply.form.fields
    assert field.long and field.max_length == 2000
    submitted = ActionInvocation(
        user=user("carol"), place=None, action=reply.form.action, fields={field.name: "Be kind."}
    )
    assert "Saved" in private(await k.registry.invoke_action(submitted))
    row = await k.db.fetch_one("SELECT guidelines FROM networks WHERE slug = 'south-coast'")
    assert row is not None and row["guidelines"] == "Be kind."
    # the form shows the current guidelines next time
    again = await invoke(k, "carol", "mod guidelines", network="south-coast")
    assert again.form is not None and again.form.fields[0].default == "Be kind."
    # another network's coordinator cannot submit this network's form
    forged = ActionInvocation(
        user=user("hana"), place=None, action=reply.form.action, fields={field.name: "Mine now"}
    )
    assert DENIED in private(await k.registry.invoke_action(forged))
    row = await k.db.fetch_one("SELECT guidelines FROM networks WHERE slug = 'south-coast'")
    assert row is not None and row["guidelines"] == "Be kind."
    assert [(a, d) for _, a, _, d in await audit_rows(world)] == [
        ("mod.guidelines", "8 characters")
    ]


async def test_guidelines_as_an_option_and_refused_for_executives(world: World) -> None:
    k = world.kernel
    assert "Saved" in private(
        await invoke(k, "carol", "mod guidelines", network="south-coast", text="Listen first.")
    )
    assert DENIED in private(
        await invoke(k, "eve", "mod guidelines", network="south-coast", text="Mine")
    )
    assert DENIED in private(await invoke(k, "mia", "mod guidelines", network="south-coast"))
    row = await k.db.fetch_one("SELECT guidelines FROM networks WHERE slug = 'south-coast'")
    assert row is not None and row["guidelines"] == "Listen first."


# ---- reports ------------------------------------------------------------------------------


async def test_a_member_reports_and_each_coordinator_is_told(world: World) -> None:
    k = world.kernel
    text = private(
        await invoke(k, "mia", "mod report", concern="Someone seems unsafe", link=SOUTH_LINK)
    )
    assert "went privately to the coordinators of South Coast" in text
    assert "/support" in text and "message you privately when they close it" in text
    [row] = await k.db.fetch_all("SELECT id, network_id, reporter_key FROM reports")
    assert (row["network_id"], row["reporter_key"]) == (world.south, "console:mia")
    report_id = row["id"]
    # one message per coordinator; none for members, the executive or the other network
    assert await outbox_keys(world) == [
        f"report:{report_id}:console:carol",
        f"report:{report_id}:console:cody",
    ]
    notice = await k.db.fetch_one("SELECT message_json FROM outbox LIMIT 1")
    assert notice is not None
    assert "Someone seems unsafe" in notice["message_json"]
    assert "mia" not in notice["message_json"]


async def test_a_report_needs_a_network_when_in_several(world: World) -> None:
    k = world.kernel
    await k.registry.directory.assign_role("console:mia", world.hunter, Role.MEMBER)
    text = private(await invoke(k, "mia", "mod report", concern="Concern"))
    assert "Say which network" in text
    assert "went privately" in private(
        await invoke(k, "mia", "mod report", concern="Concern", network="hunter")
    )
    assert [key.rsplit(":", 1)[-1] for key in await outbox_keys(world)] == ["hana"]


async def test_a_report_with_a_bad_link_sends_nothing(world: World) -> None:
    text = private(await invoke(world.kernel, "mia", "mod report", concern="C", link="nope"))
    assert "not a message link" in text
    assert await world.kernel.db.fetch_all("SELECT * FROM reports") == []
    assert await outbox_keys(world) == []


async def test_someone_outside_the_network_cannot_report_there(world: World) -> None:
    reply = await invoke(world.kernel, "hugo", "mod report", concern="C", network="south-coast")
    assert DENIED in private(reply)


async def test_reports_are_listed_per_network_and_closed(world: World) -> None:
    k = world.kernel
    await invoke(k, "mia", "mod report", concern="South concern")
    await invoke(k, "hugo", "mod report", concern="Hunter concern")
    south = private(await invoke(k, "eve", "mod reports", network="south-coast"))
    assert "South concern" in south and "Hunter concern" not in south
    hunter = private(await invoke(k, "hana", "mod reports", network="hunter"))
    assert "Hunter concern" in hunter and "South concern" not in hunter
    assert DENIED in private(await invoke(k, "mia", "mod reports", network="south-coast"))

    [row] = await k.db.fetch_all("SELECT id FROM reports WHERE concern = 'South concern'")
    report_id = row["id"]
    assert DENIED in private(
        await invoke(k, "eve", "mod close", report=report_id, note="x", network="south-coast")
    )
    assert "no report number" in private(
        await invoke(k, "hana", "mod close", report=report_id, note="x", network="hunter")
    )
    text = private(
        await invoke(k, "carol", "mod close", report=report_id, note="Spoke", network="south-coast")
    )
    assert text.startswith(f"Closed report number {report_id}")
    assert f"report:{report_id}:closed" in await outbox_keys(world)
    closed_row = await k.db.fetch_one(
        "SELECT target_id FROM outbox WHERE key = ?", (f"report:{report_id}:closed",)
    )
    assert closed_row is not None and closed_row["target_id"] == "mia"
    assert "There are no open reports" in private(
        await invoke(k, "carol", "mod reports", network="south-coast")
    )
    closed = private(await invoke(k, "carol", "mod reports", network="south-coast", closed=True))
    assert "South concern" in closed and "Spoke" in closed


# ---- audit --------------------------------------------------------------------------------


async def test_audit_filters_and_never_holds_report_text(world: World, clock: FakeClock) -> None:
    k = world.kernel
    await invoke(k, "carol", "mod lock", channel="general", network="south-coast")
    await invoke(k, "hana", "mod slowmode", seconds=10, channel="hunter-general", network="hunter")
    await invoke(k, "mia", "mod report", concern="A secret worry", link=SOUTH_LINK)
    [row] = await k.db.fetch_all("SELECT id FROM reports")
    await invoke(
        k, "carol", "mod close", report=row["id"], note="Private note", network="south-coast"
    )

    dump = " ".join(" ".join(map(str, r)) for r in await k.db.fetch_all("SELECT * FROM audit_log"))
    assert "A secret worry" not in dump and "Private note" not in dump and "mia" not in dump

    everything = private(await invoke(k, ADMIN_ID, "mod audit", action="mod."))
    lines = everything.splitlines()[1:]
    assert [line.split(" | ")[2] for line in lines] == [
        "mod.close",
        "mod.report",
        "mod.slowmode",
        "mod.lock",
    ]
    # names for people and places, and the network's local time (09:00 UTC is 20:00 AEDT)
    assert lines[-1] == "Mon 4 Jan 2027, 20:00 AEDT | carol | mod.lock | #general"
    assert lines[-2].endswith("| hana | mod.slowmode | #hunter-general | 10 seconds")
    assert lines[-3].endswith(" | a member | mod.report | report number 1 | with a message link")
    # a coordinator sees only their network
    south = private(await invoke(k, "carol", "mod audit"))
    assert "mod.slowmode" not in south and "mod.lock" in south
    assert DENIED in private(await invoke(k, "carol", "mod audit", of="hunter"))
    # filters: action prefix, member, network, days
    only_locks = private(await invoke(k, ADMIN_ID, "mod audit", action="mod.lo"))
    assert len(only_locks.splitlines()) == 2
    by_hana = private(await invoke(k, ADMIN_ID, "mod audit", member="hana"))
    assert "| hana | mod.slowmode" in by_hana and "carol" not in by_hana
    hunter = private(await invoke(k, ADMIN_ID, "mod audit", of="hunter", action="mod."))
    assert len(hunter.splitlines()) == 2
    clock.advance(timedelta(days=2))
    assert "No audit entries" in private(await invoke(k, ADMIN_ID, "mod audit", days=1))
    assert "must be" in private(await invoke(k, ADMIN_ID, "mod audit", days=366))
    # members and executives may not read it
    assert DENIED in private(await invoke(k, "mia", "mod audit"))
    assert DENIED in private(await invoke(k, "eve", "mod audit"))


async def test_privacy_export_and_delete_cover_reports_and_the_audit_log(world: World) -> None:
    k = world.kernel
    await invoke(k, "mia", "mod report", concern="My worry")
    await invoke(k, "carol", "mod lock", channel="general", network="south-coast")
    mia = await k.privacy.export(k.db, "console:mia")
    assert [r["concern"] for r in mia["moderation"]["reports"]] == ["My worry"]
    carol = await k.privacy.export(k.db, "console:carol")
    assert [e["action"] for e in carol["audit"]] == ["mod.lock"]

    await k.privacy.delete(k.db, "console:mia")
    await k.privacy.delete(k.db, "console:carol")
    assert await k.db.fetch_all("SELECT * FROM reports") == []
    rows = await audit_rows(world)
    assert ("deleted-person", "mod.lock", "console:general", "") in rows
    assert not any("carol" in actor for actor, _, _, _ in rows)


async def test_a_concern_cannot_smuggle_a_mention_into_the_coordinators_message(
    world: World,
) -> None:
    k = world.kernel
    forged = "Look at \ue000place\x1fdiscord:1\x1f\ue001 and \ue000person\x1fdiscord:2\x1f\ue001"
    refused = private(await invoke(k, "mia", "mod report", concern=forged, network="south-coast"))
    assert "control character" in refused and "Nothing was changed" in refused
    assert await k.db.fetch_all("SELECT concern FROM reports") == []
    # Without the separators the marks' own characters are stripped, so none can be forged.
    forged = forged.replace("\x1f", " ")
    await invoke(k, "mia", "mod report", concern=forged, network="south-coast")
    [row] = await k.db.fetch_all("SELECT concern FROM reports")
    assert "\ue000" not in row["concern"] and "\ue001" not in row["concern"]
    text = private(await invoke(k, "carol", "mod reports", network="south-coast"))
    assert "#" not in text.split("Look at", 1)[1]  # no channel link made from the text
