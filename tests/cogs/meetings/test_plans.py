"""Layer 2: each meeting planned on its own (issue 20, item 1): its professional development
topic, facilitator and agenda apply to that date only, its notice shows them, and a
coordinator is asked for the topic privately about four weeks ahead, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FakeClock
from bot.outbox import OutboxWorker
from bot.registry import ActionInvocation
from cogs.meetings.commands import PLAN_ACTION, MeetingsCog
from cogs.meetings.notices import MeetingJobs
from tests.bot.fakes import RecordingPort
from tests.cogs.meetings.conftest import World, key
from tests.cogs.meetings.test_commands import private, schedule
from tests.cogs.networks import invoke, user

FIRST = "2035-05-18"  # a Friday; quarterly: 18 August, 18 November
START = datetime(2035, 5, 18, 0, tzinfo=UTC)  # 10:00 AEST


def jobs_of(world: World) -> MeetingJobs:
    cog = world.kernel.cogs["meetings"]
    assert isinstance(cog, MeetingsCog)
    return cog.jobs


@pytest.fixture
async def planned(world: World) -> World:
    clock = world.kernel.clock
    assert isinstance(clock, FakeClock)
    clock.set(datetime(2035, 3, 1, tzinfo=UTC))
    async with world.kernel.db.transaction() as tx:
        await tx.execute(
            "INSERT INTO network_places (place_key, network_id, purpose, space_key) "
            "VALUES ('console:south-coast-announcements', ?, 'announcements', 'console:local')",
            (world.south,),
        )
    assert "Scheduled" in await schedule(world, date=FIRST, agenda="Welcome; round of news")
    return world


async def plan(world: World, who: str = "carol", **options: str) -> str:
    return private(
        await invoke(world.kernel, who, "manage meeting plan", network="south-coast", **options)
    )


async def test_a_topic_applies_to_its_own_meeting_only(planned: World) -> None:
    said = await plan(
        planned,
        date=FIRST,
        topic="Trauma-informed practice",
        facilitator="Dana Wills",
        agenda="1. Check-in\\n2. Case discussion",
    )
    assert "Professional development topic: Trauma-informed practice" in said
    assert "(this meeting only)" in said
    first = await invoke(planned.kernel, "mia", "meeting agenda", network="south-coast")
    assert "Professional development topic: Trauma-informed practice" in first.text
    assert "Facilitator: Dana Wills" in first.text
    assert "1. Check-in\n2. Case discussion" in first.text
    assert "Standing agenda: Welcome; round of news" in first.text
    # The next meeting keeps only the series' standing agenda: nothing carries over.
    later = await invoke(
        planned.kernel, "mia", "meeting agenda", network="south-coast", date="2035-08-18"
    )
    assert "Trauma-informed practice" not in later.text
    assert "Dana Wills" not in later.text
    assert "Welcome; round of news" in later.text

    # Changing the topic changes that meeting only; "none" clears one field.
    await plan(planned, date=FIRST, topic="Boundaries", facilitator="none")
    first = await invoke(planned.kernel, "mia", "meeting agenda", network="south-coast")
    assert "Boundaries" in first.text and "Dana Wills" not in first.text
    assert "1. Check-in" in first.text  # the agenda was not given, so it stays
    audit = await planned.kernel.db.fetch_all(
        "SELECT detail FROM audit_log WHERE action = 'meeting.plan' ORDER BY id"
    )
    assert [r["detail"] for r in audit] == ["topic, facilitator, agenda", "topic, facilitator"]


async def test_the_form_and_refusals(planned: World) -> None:
    kernel = planned.kernel
    reply = await invoke(kernel, "carol", "manage meeting plan", network="south-coast")
    assert reply.form is not None and reply.form.action.action == PLAN_ACTION
    assert [f.name for f in reply.form.fields] == ["topic", "facilitator", "agenda"]
    assert reply.form.fields[2].long
    saved = await kernel.registry.invoke_action(
        ActionInvocation(
            user=user("carol"),
            place=None,
            action=reply.form.action,
            fields={"topic": "Self-care", "facilitator": "", "agenda": "Line one\nLine two"},
        )
    )
    assert "Professional development topic: Self-care" in saved.text
    again = await invoke(kernel, "carol", "manage meeting plan", network="south-coast")
    assert again.form is not None
    assert [f.default for f in again.form.fields] == ["Self-care", "", "Line one\nLine two"]

    # A member may not plan, and a topic that is too long changes nothing.
    denied = await invoke(kernel, "mia", "manage meeting plan", network="south-coast", topic="x")
    assert "Self-care" not in denied.text and denied.private
    too_long = await invoke(
        kernel, "carol", "manage meeting plan", network="south-coast", topic="x" * 201
    )
    assert too_long.private and "at most 200 characters" in too_long.text
    agenda = await invoke(kernel, "mia", "meeting agenda", network="south-coast")
    assert "Self-care" in agenda.text


async def test_the_notice_shows_its_own_topic_and_follows_a_change(planned: World) -> None:
    kernel, clock = planned.kernel, planned.kernel.clock
    assert isinstance(clock, FakeClock)
    port = RecordingPort()
    kernel.ports["console"] = port
    worker = OutboxWorker(kernel.outbox, kernel.ports)
    await plan(planned, date=FIRST, topic="Trauma-informed practice", facilitator="Dana Wills")
    jobs = {j.key: j for j in await jobs_of(planned).planned_jobs(clock.now())}
    clock.set(START - timedelta(days=14))
    await kernel.scheduler.run_job(jobs[f"meeting:1:{FIRST}:announce"])
    await worker.run_once()
    text = next(t for k, _, t in port.sent if ":announce:" in k)
    assert "Professional development topic: Trauma-informed practice" in text
    assert "Facilitator: Dana Wills" in text
    assert "Agenda: Welcome; round of news" in text

    # A new topic edits the posted notice; the series' other meetings are not touched.
    await plan(planned, topic="Boundaries")
    await worker.run_once()
    fields = port.edited[-1][2].cards[0].fields
    assert [c.value for c in fields if "topic" in c.name] == ["Boundaries"]


async def test_a_coordinator_is_asked_for_the_topic_four_weeks_ahead_once(
    planned: World,
) -> None:
    kernel, clock = planned.kernel, planned.kernel.clock
    assert isinstance(clock, FakeClock)
    port = RecordingPort()
    kernel.ports["console"] = port
    worker = OutboxWorker(kernel.outbox, kernel.ports)
    jobs = {j.key: j for j in await jobs_of(planned).planned_jobs(clock.now())}
    job = jobs[f"meeting:1:{FIRST}:plan-prompt"]
    assert job.run_at == START - timedelta(days=28)
    clock.set(job.run_at)
    await kernel.scheduler.run_job(job)
    await kernel.scheduler.run_job(job)  # a repeat sends nothing more
    await worker.run_once()
    asked = [(k, t) for k, _, t in port.sent if "plan-prompt" in k]
    assert [k for k, _ in asked] == [f"meeting:1:{FIRST}:plan-prompt:{key('carol')}"]
    assert asked[0][1].startswith(
        "Set the professional development (PD) topic for the South Coast meeting on "
        "18 May 2035: the notice goes out on 4 May."
    )
    # A meeting with its topic set is not asked about.
    await plan(planned, date="2035-08-18", topic="Peer supervision")
    later = {j.key: j for j in await jobs_of(planned).planned_jobs(clock.now())}
    second = later["meeting:1:2035-08-18:plan-prompt"]
    clock.set(second.run_at)
    await kernel.scheduler.run_job(second)
    await worker.run_once()
    assert not [k for k, _, _ in port.sent if "2035-08-18:plan-prompt" in k]


async def test_suggested_items_are_accepted_into_that_meetings_agenda(planned: World) -> None:
    kernel = planned.kernel
    for who, text in (("mia", "Peer supervision options"), ("max", "Self-care after hard shifts")):
        await invoke(kernel, who, "meeting agenda", network="south-coast", add=text)
    listed = await invoke(kernel, "carol", "meeting agenda", network="south-coast")
    assert "2. Self-care after hard shifts" in listed.text
    await plan(planned, date=FIRST, agenda="Check-in")
    said = await plan(planned, date=FIRST, accept="2")
    assert "This meeting's agenda: Check-in\n- Self-care after hard shifts" in said
    wrong = await invoke(
        kernel, "carol", "manage meeting plan", network="south-coast", date=FIRST, accept="3"
    )
    assert wrong.private and wrong.text.startswith("'3' is not the number of a suggested item")
    later = await invoke(kernel, "mia", "meeting agenda", network="south-coast", date="2035-08-18")
    assert "Self-care after hard shifts" not in later.text
