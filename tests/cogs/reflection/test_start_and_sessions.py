"""Issue 16 item 6 below the platforms: the start panel's checks, the confirmation before
closing, reopening within the retention period, the live session and its reminder, the
check-in round, and the jump links each platform writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.errors import UserError
from bot.identity import PlaceRef, UserRef
from bot.mentions import link, plain
from bot.platforms.discord.render import to_message
from bot.platforms.matrix.render import to_content
from bot.registry import ActionInvocation
from bot.replies import ActionRef, Reply
from cogs.reflection.commands import ReflectionCog
from cogs.reflection.formats import Format
from cogs.reflection.panel import PANEL_ACTION, PANEL_FORMAT_ACTION, PANEL_START_ACTION
from cogs.reflection.sessions import parse_when
from tests.cogs.reflection.conftest import SPACE, World, key

SYDNEY = ZoneInfo("Australia/Sydney")


def person(who: str) -> UserRef:
    return UserRef(platform="console", id=who)


def cog(world: World) -> ReflectionCog:
    found = world.kernel.cogs["reflection"]
    assert isinstance(found, ReflectionCog)
    return found


async def start(world: World, peers: str = "max kim", *, checkin: bool = False) -> int:
    started = await world.service.start(
        starter=person("mia"),
        network_id=world.south,
        space=SPACE,
        fmt=Format.WHAT,
        topic=None,
        peers_text=peers,
        facilitator_text=None,
        checkin=checkin,
    )
    return started.reflection.id


async def count(world: World, table: str) -> int:
    row = await world.kernel.db.fetch_one(f"SELECT COUNT(*) AS n FROM {table}")
    assert row is not None
    return int(row["n"])


# ---- the panel ------------------------------------------------------------------------------


async def test_the_panel_flow_checks_each_step_and_bad_input_starts_nothing(world: World) -> None:
    pressed = await world.press("mia", ActionRef(action=PANEL_ACTION, payload=str(world.south)))
    assert pressed.private and pressed.select is not None
    assert [c.value for c in pressed.select.choices] == ["what", "gibbs", "case", "ips", "open"]
    nothing = await world.press("mia", pressed.select.action)  # nothing picked
    assert "Pick one of the formats" in nothing.text

    ben = await world.press("ben", ActionRef(action=PANEL_ACTION, payload=str(world.south)))
    assert "you are not a member yet" in ben.text and ben.select is None
    stale = await world.press("mia", ActionRef(action=PANEL_ACTION, payload="x"))
    assert "out of date" in stale.text

    submit = ActionRef(action=PANEL_START_ACTION, payload=f"{world.south}:what")
    for fields, why in (
        ({"peers": "max", "topic": "weather"}, "is not one of the topics"),
        ({"peers": "max", "checkin": "maybe"}, "with yes or no"),
        ({"peers": ""}, "Say who to invite"),
        ({"peers": "ben"}, "only invite members of the same network"),
    ):
        refused = await world.press("mia", submit, fields)
        assert why in plain(refused.text), (fields, refused.text)
    assert await count(world, "reflections") == 0
    assert world.port.calls == []

    started = await world.press(
        "mia", submit, {"peers": "max", "topic": "Role drift", "checkin": "no"}
    )
    assert started.text.startswith("Started co-reflection number 1"), started.text
    found = await world.service.get(1)
    assert found.topic == "role drift" and found.space_key == SPACE.key
    await world.deliver()
    assert await world.outbox_messages(":checkin") == []  # "no": no check-in round


async def test_picking_a_format_opens_the_start_form(world: World) -> None:
    picked = await world.press(
        "mia",
        ActionRef(action=PANEL_FORMAT_ACTION, payload=str(world.south)),
    )
    assert "Pick one of the formats" in picked.text
    form = await world.kernel.registry.invoke_action(
        ActionInvocation(
            user=person("mia"),
            place=None,
            action=ActionRef(action=PANEL_FORMAT_ACTION, payload=str(world.south)),
            selected=("case",),
            space=SPACE,
        )
    )
    assert form.form is not None
    assert form.form.action.payload == f"{world.south}:case"
    assert [f.name for f in form.form.fields] == ["peers", "topic", "facilitator", "checkin"]
    assert form.form.fields[3].default == "yes"


async def test_the_panel_needs_the_networks_reflection_channel(world: World) -> None:
    async with world.kernel.db.transaction() as tx:
        await tx.execute("DELETE FROM network_places")
    refused = await world.run("carol", "manage reflect panel", network="south-coast")
    assert "no reflection channel here yet" in refused.text
    assert await count(world, "reflection_panels") == 0


async def test_a_check_in_round_is_posted_between_the_agreement_and_the_prompts(
    world: World,
) -> None:
    await start(world, checkin=True)
    await world.deliver()
    said = [text for _, target, text in world.port.sent if target == "thread-1"]
    assert len(said) == 3
    assert said[0].startswith("Our confidentiality agreement:")
    assert said[1].startswith("Check-in round, before we begin: how are you arriving today?")
    assert said[2].startswith("What? So what? Now what?")


# ---- close, asked first ---------------------------------------------------------------------


async def test_closing_asks_first_and_the_button_is_for_one_person_once(world: World) -> None:
    number = await start(world)
    await world.service.answer(number, person("kim"), join=True)
    await world.service.hand_over(await world.service.get(number), key("mia"), "kim", "console")
    asked = await world.run("mia", "reflect close", number=number)
    assert [b.label for b in asked.buttons] == ["Close it", "Keep it open"]
    assert world.port.calls.count(("archive", "thread-1", "locked")) == 0
    # kim facilitates, but mia's button is mia's.
    used = await world.press("kim", asked.buttons[0].action)
    assert "expired or was already used" in used.text
    assert (await world.service.get(number)).is_open
    closed = await world.press("mia", asked.buttons[0].action)
    assert closed.text.startswith(f"Closed co-reflection number {number}")
    assert world.port.calls.count(("archive", "thread-1", "locked")) == 1


async def test_a_close_button_expires(world: World) -> None:
    number = await start(world)
    asked = await world.run("mia", "reflect close", number=number)
    world.clock.advance(timedelta(minutes=16))
    late = await world.press("mia", asked.buttons[0].action)
    assert "expired or was already used" in late.text
    assert (await world.service.get(number)).is_open


# ---- reopen ---------------------------------------------------------------------------------


async def test_reopen_within_retention_then_close_again(world: World) -> None:
    number = await start(world)
    await world.service.answer(number, person("max"), join=True)
    here = PlaceRef(platform="console", id="thread-1")
    await world.close("mia", place=here)
    await world.deliver()
    assert len(world.dms("max")) == 2  # the invitation and the takeaway offer

    not_yet = await world.run("mia", "reflect reopen", number=number)
    assert not_yet.text.startswith(f"Reopened co-reflection number {number}"), not_yet.text
    again = await world.run("mia", "reflect reopen", number=number)
    assert "is still open" in again.text
    found = await world.service.get(number)
    assert found.is_open and found.delete_after is None and found.reopened_at is not None
    assert await cog(world).jobs.planned_jobs(world.clock.now()) == []
    [quiet] = await cog(world).quiet.planned_jobs(world.clock.now())
    assert quiet.run_at == world.clock.now() + timedelta(days=13)  # a new quiet spell

    # Closed again later: thanked again, and no second takeaway offer for those offered one.
    world.clock.advance(timedelta(hours=1))
    await world.close("mia", place=here)
    await world.deliver()
    thanks = [t for _, where, t in world.port.sent if where == "thread-1" and "Thank you" in t]
    assert len(thanks) == 2
    assert len(world.dms("max")) == 2


async def test_reopen_is_for_the_starter_or_facilitator_before_the_thread_is_deleted(
    world: World,
) -> None:
    number = await start(world)
    await world.service.answer(number, person("max"), join=True)
    await world.close("mia")
    refused = await world.run("max", "reflect reopen", number=number)
    assert refused.text.startswith("Only the person who started"), refused.text
    nothing = await world.run("max", "reflect reopen")
    assert "no closed co-reflection to reopen" in nothing.text
    [job] = await cog(world).jobs.planned_jobs(world.clock.now())
    world.clock.set(job.run_at)
    await world.kernel.scheduler.run_job(job)
    gone = await world.run("mia", "reflect reopen", number=number)
    assert "was deleted when its retention period ended" in gone.text
    assert not (await world.service.get(number)).is_open


# ---- the live session -----------------------------------------------------------------------


def test_when_is_read_in_the_networks_zone() -> None:
    expected = datetime(2035, 6, 10, 18, 30, tzinfo=SYDNEY)
    for typed in ("2035-06-10 18:30", "10/06/2035 6:30pm", "10 June 2035 6:30 pm"):
        assert parse_when(typed, SYDNEY) == expected, typed
    for typed in ("tomorrow", "2035-06-10", "18:30", "2035-02-30 10:00"):
        with pytest.raises(UserError, match="could not read"):
            parse_when(typed, SYDNEY)


async def test_a_session_is_planned_changed_and_cleared_and_reminds_only_the_current_one(
    world: World,
) -> None:
    number = await start(world)
    await world.service.answer(number, person("max"), join=True)
    past = await world.run("mia", "reflect schedule", number=number, when="2035-03-01 10:00")
    assert "has already passed" in plain(past.text)
    not_theirs = await world.run("max", "reflect schedule", number=number, when="2035-03-20 10:00")
    assert not_theirs.text.startswith("Only the person who started")
    assert (await world.service.get(number)).session_at is None

    first = await world.run("mia", "reflect schedule", number=number, when="2035-03-20 10:00")
    assert "Planned a live session" in first.text
    [old] = await cog(world).sessions.planned_jobs(world.clock.now())
    assert old.run_at == datetime(2035, 3, 20, 9, 0, tzinfo=SYDNEY).astimezone(UTC)
    moved = await world.run("mia", "reflect schedule", number=number, when="2035-03-21 10:00")
    assert "Planned a live session" in moved.text
    [new] = await cog(world).sessions.planned_jobs(world.clock.now())
    assert new.key != old.key

    world.clock.set(old.run_at)
    await world.kernel.scheduler.run_job(old)  # the earlier time's reminder: nothing
    await world.deliver()
    assert not any("Reminder" in t for t in world.dms("mia") + world.dms("max"))
    world.clock.set(new.run_at)
    await world.kernel.scheduler.run_job(new)
    await world.deliver()
    for who in ("mia", "max"):
        assert sum("Reminder: the live session" in t for t in world.dms(who)) == 1
    assert not any("Reminder" in t for t in world.dms("kim"))  # invited, never joined

    cleared = await world.run("mia", "reflect schedule", number=number, when="none")
    assert cleared.text.startswith("Took away the live session")
    assert await cog(world).sessions.planned_jobs(world.clock.now()) == []
    again = await world.run("mia", "reflect schedule", number=number, when="none")
    assert "nothing to take away" in again.text


async def test_no_reminder_for_a_closed_co_reflection(world: World) -> None:
    number = await start(world)
    await world.run("mia", "reflect schedule", number=number, when="2035-03-20 10:00")
    [job] = await cog(world).sessions.planned_jobs(world.clock.now())
    await world.close("mia", number=number)
    assert await cog(world).sessions.planned_jobs(world.clock.now()) == []
    world.clock.set(job.run_at)
    await world.kernel.scheduler.run_job(job)
    await world.deliver()
    assert not any("Reminder" in t for t in world.dms("mia"))


# ---- jump links -----------------------------------------------------------------------------


def test_a_jump_link_on_each_platform() -> None:
    discord = Reply(text="The thread: " + link("discord:222", "discord:111"), private=True)
    assert to_message(discord).content == "The thread: https://discord.com/channels/111/222"
    no_server = Reply(text="The thread: " + link("discord:222"))
    assert to_message(no_server).content == "The thread: <#222>"
    matrix = to_content(Reply(text="The thread: " + link("matrix:!abc:example.org", "")))
    href = "https://matrix.to/#/!abc:example.org?via=example.org"
    assert matrix["body"] == f"The thread: {href}"
    assert f'<a href="{href}">' in matrix["formatted_body"]
    assert plain("The thread: " + link("console:thread-3", "console:local")) == (
        "The thread: #thread-3"
    )


async def test_reopening_and_planning_a_session_are_logged_as_a_member(world: World) -> None:
    number = await start(world)
    await world.run("mia", "reflect schedule", number=number, when="2035-03-20 10:00")
    await world.close("mia", number=number)
    await world.run("mia", "reflect reopen", number=number)
    rows = await world.kernel.db.fetch_all(
        "SELECT actor_key, action FROM audit_log WHERE action IN (?, ?)",
        ("reflection.reopen", "reflection.session"),
    )
    assert sorted((str(r["action"]), str(r["actor_key"])) for r in rows) == [
        ("reflection.reopen", "a-member"),
        ("reflection.session", "a-member"),
    ]
