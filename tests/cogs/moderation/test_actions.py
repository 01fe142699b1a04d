"""Layer 2: reasons, the modlog channel, notices, and locks and slowmodes that undo themselves
(issue 14, item 9), through the registry of a real App with a FakeClock moved forward; a
restart is a new App on the same database."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from bot.identity import PlaceRef
from bot.kernel import Kernel
from bot.mentions import plain
from bot.replies import Reply
from bot.scheduler import Decision
from cogs.moderation.commands import ModerationCog
from cogs.moderation.timers import JOB_SOURCE
from tests.cogs.moderation.conftest import SOUTH_LINK, ModPort, World
from tests.cogs.networks import Apps, invoke

REASON = "A client's full name was posted; keeping it quiet while we sort it"
CONCERN = "Someone named a client of the Nowra clinic in the general channel"
NOTE = "Spoke with them and took the posts down"


def text_of(reply: Reply) -> str:
    assert reply.private, reply.text
    return plain(reply.text)


async def messages(kernel: Kernel, prefix: str) -> list[tuple[str, str, str]]:
    """Queued outbox messages whose key starts with ``prefix``: (key, where, text as shown)."""
    rows = await kernel.db.fetch_all(
        "SELECT key, target_id, message_json FROM outbox WHERE key LIKE ? ORDER BY id",
        (f"{prefix}%",),
    )
    return [
        (r["key"], r["target_id"], plain(Reply.model_validate_json(r["message_json"]).text))
        for r in rows
    ]


async def audit(kernel: Kernel) -> list[tuple[str, str, str, str, str]]:
    rows = await kernel.db.fetch_all(
        "SELECT actor_key, action, target, detail, reason FROM audit_log "
        "WHERE action LIKE 'mod.%' ORDER BY id"
    )
    return [(r["actor_key"], r["action"], r["target"], r["detail"], r["reason"]) for r in rows]


def cog(kernel: Kernel) -> ModerationCog:
    found = kernel.cogs["moderation"]
    assert isinstance(found, ModerationCog)
    return found


async def end_due_timers(kernel: Kernel, clock: FakeClock) -> dict[str, Decision]:
    """What the scheduler does at its next rebuild: plan the timers, and run the due ones
    (here directly, so the test knows they finished; APScheduler's own run of the same job
    then finds it done)."""
    decisions = await kernel.scheduler.refresh(JOB_SOURCE)
    for job in await cog(kernel).timer_jobs.planned_jobs(clock.now()):
        if decisions.get(job.key) is Decision.RUN_LATE:
            await kernel.scheduler.run_job(job)
    return decisions


# ---- reasons ----------------------------------------------------------------------------------


async def test_a_reason_reaches_the_platform_the_audit_log_and_the_notice(world: World) -> None:
    k = world.kernel
    reply = await invoke(
        k, "carol", "mod lock", channel="general", reason=REASON, network="south-coast"
    )
    assert text_of(reply).startswith("Locked #general: members can read it but not post")

    assert world.port.calls == [("lock", "general", True)]
    assert world.port.reasons == [f"carol with peerbot: {REASON}"]
    assert await audit(k) == [("console:carol", "mod.lock", "console:general", "", REASON)]
    shown = text_of(await invoke(k, "carol", "mod audit", of="south-coast"))
    assert f"carol | mod.lock | #general | Reason: {REASON}" in shown, shown

    [(_, where, notice)] = await messages(k, "mod-notice:")
    assert where == "general"
    assert notice == (
        "This channel is locked by the coordinators of South Coast until they unlock it: "
        f"members can read it but not post.\nReason: {REASON}"
    )


async def test_every_action_takes_a_reason(world: World) -> None:
    k = world.kernel
    world.port.parents["222"] = [PlaceRef(platform="console", id="category-south")]
    net = {"network": "south-coast"}
    await invoke(k, "eve", "mod slowmode", seconds=10, channel="chat", reason="heated", **net)
    await invoke(k, "eve", "mod archive", channel="thread-7", reason="done with", **net)
    await invoke(k, "eve", "mod pin", link=SOUTH_LINK, reason="the rules", **net)
    await invoke(k, "eve", "mod unpin", link=SOUTH_LINK, reason="old rules", **net)
    await invoke(k, "eve", "mod unlock", channel="general", reason="all calm", **net)
    reasons = ["heated", "done with", "the rules", "old rules", "all calm"]
    assert world.port.reasons == [f"eve with peerbot: {r}" for r in reasons]
    assert [row[4] for row in await audit(k)] == reasons
    notices = [text for _, _, text in await messages(k, "mod-notice:")]
    # slowmode and unlock tell the channel; an archived thread gets no message (it would
    # reopen it) and a pin is its own notice
    assert notices == [
        "Slowmode is on in this channel, set by the coordinators of South Coast: members can "
        "post once every 10 seconds.\nReason: heated",
        "This channel is unlocked by the coordinators of South Coast: members can post again."
        "\nReason: all calm",
    ]


async def test_a_reason_too_long_changes_nothing(world: World) -> None:
    k = world.kernel
    reply = await invoke(
        k, "carol", "mod lock", channel="general", reason="x" * 201, network="south-coast"
    )
    assert "at most 200 characters" in plain(reply.text), reply.text
    assert world.port.calls == []
    assert await audit(k) == []
    assert await messages(k, "") == []


# ---- timed locks and slowmodes ------------------------------------------------------------------


async def test_a_timed_lock_undoes_itself_once(world: World, clock: FakeClock) -> None:
    k = world.kernel
    start = clock.now()
    reply = await invoke(
        k,
        "carol",
        "mod lock",
        channel="general",
        reason=REASON,
        duration="2h",
        network="south-coast",
    )
    text = text_of(reply)
    # 9:00 UTC on 4 January 2027 is 20:00 in Sydney (AEDT); two hours later is 22:00
    assert "It undoes itself in 2 hours, at Mon 4 Jan 2027, 22:00 AEDT." in text, text
    [(_, _, notice)] = await messages(k, "mod-notice:")
    assert notice.startswith(
        "This channel is locked by the coordinators of South Coast until Mon 4 Jan 2027, "
        "22:00 AEDT: members can read it but not post."
    ), notice
    assert await audit(k) == [
        ("console:carol", "mod.lock", "console:general", "for 2 hours", REASON)
    ]

    clock.set(start + timedelta(hours=1, minutes=59))
    assert await end_due_timers(k, clock) == {"mod-timer:1:end": Decision.SCHEDULE}
    assert world.port.calls == [("lock", "general", True)]

    clock.set(start + timedelta(hours=2))
    assert await end_due_timers(k, clock) == {"mod-timer:1:end": Decision.RUN_LATE}
    assert world.port.calls == [("lock", "general", True), ("lock", "general", False)]
    assert world.port.reasons[-1] == "peerbot: the timed lock ended"
    assert (await audit(k))[-1] == (
        "peerbot",
        "mod.unlock",
        "console:general",
        "the timed lock ended",
        "",
    )
    notices = [text for _, _, text in await messages(k, "mod-notice:")]
    assert notices[-1] == "The lock on this channel has ended: members can post again."

    # again (another rebuild, a second run of the job): nothing more
    assert await end_due_timers(k, clock) == {}
    await cog(k).service.end_timer(k.ports, 1)
    assert len(world.port.calls) == 2
    assert len(await messages(k, "mod-notice:")) == 2
    assert len(await audit(k)) == 2


async def test_a_timed_lock_ends_after_a_restart_even_long_past_its_end(
    apps: Apps, world: World, clock: FakeClock
) -> None:
    """peerbot was down when the lock was due to end: the new process unlocks at start, once
    the platform is connected, and only once."""
    k = world.kernel
    await invoke(k, "carol", "mod lock", channel="general", duration="30m", network="south-coast")
    clock.advance(timedelta(days=3))

    await apps.stop_all()
    _, restarted = await apps.start()
    # no platform connected yet: nothing planned
    assert not [j for j in restarted.scheduler.job_ids() if j.startswith("mod-timer:")]
    port = ModPort()
    restarted.ports["console"] = port
    await restarted.events.space_available(PlaceRef(platform="console", id="local"))
    # the space-available re-plan found it overdue and ran it at once, or is about to:
    # running it here as well proves a second run changes nothing
    await end_due_timers(restarted, clock)
    for job in await cog(restarted).timer_jobs.planned_jobs(clock.now()):
        await restarted.scheduler.run_job(job)

    assert port.calls == [("lock", "general", False)]
    assert (await audit(restarted))[-1][:4] == (
        "peerbot",
        "mod.unlock",
        "console:general",
        "the timed lock ended",
    )
    ended = [t for _, _, t in await messages(restarted, "mod-notice:") if "has ended" in t]
    assert ended == ["The lock on this channel has ended: members can post again."]

    # and a second restart does nothing more
    await apps.stop_all()
    _, again = await apps.start()
    again.ports["console"] = port
    assert await end_due_timers(again, clock) == {}
    assert port.calls == [("lock", "general", False)]


async def test_an_unlock_before_the_end_cancels_the_timer(world: World, clock: FakeClock) -> None:
    k = world.kernel
    await invoke(k, "carol", "mod lock", channel="general", duration="1h", network="south-coast")
    await invoke(k, "carol", "mod unlock", channel="general", network="south-coast")
    clock.advance(timedelta(hours=2))
    assert await end_due_timers(k, clock) == {}
    assert world.port.calls == [("lock", "general", True), ("lock", "general", False)]
    outcome = await k.db.fetch_one("SELECT outcome FROM moderation_timers")
    assert outcome is not None and outcome["outcome"] == "cancelled"


async def test_a_later_lock_replaces_the_earlier_timer(world: World, clock: FakeClock) -> None:
    k = world.kernel
    start = clock.now()
    await invoke(k, "carol", "mod lock", channel="general", duration="1h", network="south-coast")
    await invoke(k, "cody", "mod lock", channel="general", duration="3h", network="south-coast")
    clock.set(start + timedelta(hours=2))
    assert await end_due_timers(k, clock) == {"mod-timer:2:end": Decision.SCHEDULE}
    assert world.port.calls == [("lock", "general", True)] * 2

    clock.set(start + timedelta(hours=3))
    assert await end_due_timers(k, clock) == {"mod-timer:2:end": Decision.RUN_LATE}
    assert world.port.calls[-1] == ("lock", "general", False)
    rows = await k.db.fetch_all("SELECT id, outcome FROM moderation_timers ORDER BY id")
    assert [(r["id"], r["outcome"]) for r in rows] == [(1, "replaced"), (2, "expired")]

    # a lock without a duration replaces a timer too: it stays locked
    await invoke(k, "carol", "mod lock", channel="chat", duration="1h", network="south-coast")
    await invoke(k, "carol", "mod lock", channel="chat", network="south-coast")
    clock.advance(timedelta(hours=5))
    assert await end_due_timers(k, clock) == {}
    assert world.port.calls[-1] == ("lock", "chat", True)


async def test_a_timed_slowmode_turns_itself_off(world: World, clock: FakeClock) -> None:
    k = world.kernel
    reply = await invoke(
        k, "eve", "mod slowmode", seconds=30, channel="chat", duration="90m", network="south-coast"
    )
    assert "It undoes itself in 1 hour and 30 minutes" in text_of(reply)
    assert (await audit(k))[-1][3] == "30 seconds, for 1 hour and 30 minutes"
    clock.advance(timedelta(minutes=90))
    await end_due_timers(k, clock)
    assert world.port.calls == [("slowmode", "chat", 30), ("slowmode", "chat", 0)]
    assert world.port.reasons[-1] == "peerbot: the timed slowmode ended"
    notices = [t for _, _, t in await messages(k, "mod-notice:")]
    assert notices[-1] == "Slowmode in this channel has ended: members can post freely again."


async def test_bad_durations_change_nothing(world: World) -> None:
    k = world.kernel
    net = {"network": "south-coast", "channel": "general"}
    for given in ("90x", "0m", "31d", "soon"):
        reply = await invoke(k, "carol", "mod lock", duration=given, **net)
        assert "from 1 minute to 30 days" in plain(reply.text), reply.text
        assert f"You gave '{given}'" in plain(reply.text)
    off = await invoke(k, "carol", "mod slowmode", seconds=0, duration="1h", **net)
    assert "leave the duration out" in plain(off.text), off.text
    assert world.port.calls == []
    assert await audit(k) == []
    assert await k.db.fetch_all("SELECT id FROM moderation_timers") == []


# ---- the modlog channel -------------------------------------------------------------------------


async def test_the_modlog_records_actions_without_anyones_words(world: World) -> None:
    k = world.kernel
    net = {"network": "south-coast"}
    chose = text_of(await invoke(k, "carol", "mod modlog", channel="side", **net))
    assert chose.startswith("Moderation actions in South Coast are now recorded in #side"), chose

    await invoke(k, "eve", "mod lock", channel="general", reason=REASON, duration="1h", **net)
    await invoke(k, "mia", "mod report", concern=CONCERN, **net)
    await invoke(k, "carol", "mod close", report=1, note=NOTE, **net)

    logged = await messages(k, "modlog:")
    assert {where for _, where, _ in logged} == {"side"}
    lines = [text for _, _, text in logged]
    assert len(lines) == 4, lines
    # the choice itself, then who did what where, when (Sydney time) and why
    assert lines[0] == "Mon 4 Jan 2027, 20:00 AEDT | carol | mod.modlog | #side | on"
    assert lines[1] == (
        f"Mon 4 Jan 2027, 20:00 AEDT | eve | mod.lock | #general | for 1 hour | Reason: {REASON}"
    )
    assert lines[2] == "Mon 4 Jan 2027, 20:00 AEDT | a member | mod.report | report number 1"
    assert lines[3] == "Mon 4 Jan 2027, 20:00 AEDT | carol | mod.close | report number 1"
    everything = "\n".join(lines)
    assert CONCERN not in everything and NOTE not in everything and "mia" not in everything

    # once per action: the keys are the audit entries'
    assert len({key for key, _, _ in logged}) == 4

    stopped = text_of(await invoke(k, "carol", "mod modlog", off=True, **net))
    assert "has no modlog channel now" in stopped
    await invoke(k, "eve", "mod unlock", channel="general", **net)
    logged = await messages(k, "modlog:")
    assert len(logged) == 5  # the "off" itself, in the old channel, and nothing after it
    assert logged[-1][1:] == ("side", "Mon 4 Jan 2027, 20:00 AEDT | carol | mod.modlog | - | off")


async def test_the_modlog_is_the_coordinators_choice_in_their_own_channels(world: World) -> None:
    k = world.kernel
    by_executive = await invoke(k, "eve", "mod modlog", channel="side", network="south-coast")
    assert "You need to be" in plain(by_executive.text), by_executive.text
    elsewhere = await invoke(
        k, "carol", "mod modlog", channel="hunter-general", network="south-coast"
    )
    assert "That channel belongs to Hunter." in plain(elsewhere.text), elsewhere.text
    both = await invoke(k, "carol", "mod modlog", channel="side", off=True, network="south-coast")
    assert "not both" in plain(both.text)
    assert await k.db.fetch_all("SELECT * FROM moderation_modlogs") == []
    assert await messages(k, "modlog:") == []
