"""Layer 1: the formats, the agreement and the service's rules, called directly."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.errors import UserError
from bot.identity import UserRef
from bot.mentions import plain
from bot.people import parse_people
from bot.replies import FORM_FIELDS_MAX
from cogs.reflection.formats import CASE_PHASES, FORMATS, Format, agreement
from cogs.reflection.models import Status
from cogs.reflection.service import Check, RetentionJobs
from tests.cogs.reflection.conftest import SPACE, World, key


def person(who: str) -> UserRef:
    return UserRef(platform="console", id=who)


def test_every_format_fits_one_form_with_short_labels() -> None:
    assert set(FORMATS) == set(Format)
    for info in FORMATS.values():
        assert 1 <= len(info.fields) <= FORM_FIELDS_MAX
        assert all(len(f.label) <= 45 for f in info.fields)
        assert info.title in info.prompts()


def test_case_consultation_has_five_phases_each_with_a_one_line_rule() -> None:
    assert [p.name for p in CASE_PHASES] == [
        "Presenting",
        "Clarifying questions",
        "The presenter's question",
        "Reflections",
        "What helped",
    ]
    assert all(p.rule and "\n" not in p.rule for p in CASE_PHASES)
    assert "no advice" in CASE_PHASES[1].rule


def test_the_agreement_says_what_matters() -> None:
    text = agreement(30)
    for needed in (
        "could identify a person you support",
        "A made-up name is not enough",
        "stays in this thread",
        "deleted 30 days after it closes",
        "not a crisis service",
        "/support",
        "000",
    ):
        assert needed in text


def test_people_are_read_from_ids_and_mentions() -> None:
    assert parse_people("<@12>, 34  <@!56> 12", "discord") == [
        "discord:12",
        "discord:34",
        "discord:56",
    ]
    assert parse_people(" , ", "console") == []


async def start(world: World, peers: str = "max kim", fmt: Format = Format.WHAT) -> int:
    started = await world.service.start(
        starter=person("mia"),
        network_id=world.south,
        space=SPACE,
        fmt=fmt,
        topic=None,
        peers_text=peers,
        facilitator_text=None,
    )
    return started.reflection.id


async def test_decline_is_recorded_and_an_answer_is_given_once(world: World) -> None:
    number = await start(world)
    await world.service.answer(number, person("kim"), join=False)
    assert await world.service.status_of(number, key("kim")) is Status.DECLINED
    with pytest.raises(UserError, match="already answered"):
        await world.service.answer(number, person("kim"), join=True)
    with pytest.raises(UserError, match="not invited"):
        await world.service.answer(number, person("lee"), join=True)
    assert world.port.added("thread-1") == ["mia"]


async def test_only_people_who_joined_can_post(world: World) -> None:
    number = await start(world)
    found = await world.service.get(number)
    with pytest.raises(UserError, match="Only people who joined"):
        await world.service.post(found, person("max"), {"what": "hello"}, anyway=False)


async def test_a_flagged_post_is_not_posted_unless_anyway(world: World) -> None:
    world.service.checker = lambda text: Check(True, "It has a phone number.")
    number = await start(world)
    found = await world.service.get(number)
    held = await world.service.post(found, person("mia"), {"what": "x"}, anyway=False)
    assert held.check.found and held.post_id is None and world.port.sent == []
    posted = await world.service.post(found, person("mia"), {"what": "x"}, anyway=True)
    assert not posted.check.found and posted.post_id is not None
    assert world.port.sent[-1][1] == "thread-1"


async def test_next_is_only_for_case_consultations(world: World) -> None:
    number = await start(world)
    with pytest.raises(UserError, match="Only a group case consultation"):
        await world.service.next_phase(await world.service.get(number), key("mia"))


async def test_the_deletion_is_planned_at_delete_after(world: World) -> None:
    number = await start(world)
    closed = await world.service.close(await world.service.get(number), key("mia"))
    assert closed.delete_after == world.clock.now() + timedelta(days=30)
    [job] = await RetentionJobs(world.service).planned_jobs(world.clock.now())
    assert job.run_at == closed.delete_after
    assert job.key == f"reflection:{number}:delete"


async def test_a_network_sets_its_own_retention_and_started_reflections_keep_theirs(
    world: World,
) -> None:
    assert await world.service.retention_for(world.south) == (30, False)
    before = await start(world)
    assert await world.service.set_retention(world.south, 7, key("carol")) == 7
    assert await world.service.retention_for(world.south) == (7, True)
    assert await world.service.retention_for(world.brisbane) == (30, False)
    after = await start(world)
    now = world.clock.now()
    kept_before = await world.service.close(await world.service.get(before), key("mia"))
    kept_after = await world.service.close(await world.service.get(after), key("mia"))
    # What the participants agreed to when they joined is what happens.
    assert kept_before.delete_after == now + timedelta(days=30)
    assert kept_after.delete_after == now + timedelta(days=7)
    assert (
        "deleted 7 days after it closes" in (await world.outbox_messages(f"{after}:agreement"))[0]
    )
    assert await world.service.set_retention(world.south, None, key("carol")) == 30
    assert await world.service.retention_for(world.south) == (30, False)


@pytest.mark.parametrize("days", [0, 366, -5])
async def test_a_retention_out_of_bounds_changes_nothing(world: World, days: int) -> None:
    await world.service.set_retention(world.south, 14, key("carol"))
    with pytest.raises(UserError, match="between 1 and 365 days"):
        await world.service.set_retention(world.south, days, key("carol"))
    assert await world.service.retention_for(world.south) == (14, True)


async def test_the_group_hears_who_joined_and_never_who_declined(world: World) -> None:
    number = await start(world)
    await world.service.answer(number, person("max"), join=True)
    await world.service.answer(number, person("kim"), join=False)
    await world.deliver()
    thread_posts = [plain(text) for _, target, text in world.port.sent if target == "thread-1"]
    assert [t for t in thread_posts if "joined" in t] == [
        "max accepted the agreement and joined. Welcome."
    ]
    assert not any("kim" in t for t in thread_posts)


async def test_a_refused_add_leaves_the_invitation_waiting(world: World) -> None:
    number = await start(world)

    async def refuse(thread: object, user: object) -> None:
        raise UserError("peerbot lacks Manage Threads here.")

    world.port.add_to_thread = refuse  # type: ignore[method-assign]
    with pytest.raises(UserError, match="Manage Threads"):
        await world.service.answer(number, person("max"), join=True)
    assert await world.service.status_of(number, key("max")) is Status.INVITED
    assert await world.outbox_messages(f"{number}:joined") == []


async def test_a_phase_button_pressed_twice_moves_one_phase(world: World) -> None:
    number = await start(world, fmt=Format.CASE)
    found = await world.service.get(number)
    await world.service.next_phase(found, key("mia"), expected=1)
    with pytest.raises(UserError, match="already in phase 2"):
        await world.service.next_phase(await world.service.get(number), key("mia"), expected=1)
    # A stale read (two presses at once): the second finds the phase moved and changes nothing.
    with pytest.raises(UserError, match="just moved on"):
        await world.service.next_phase(found, key("mia"))
    assert (await world.service.get(number)).phase == 1
    assert len(await world.outbox_messages(f"{number}:phase:")) == 1


async def test_export_and_delete_a_persons_part(world: World) -> None:
    number = await start(world)
    await world.service.answer(number, person("max"), join=True)
    await world.service.close(await world.service.get(number), key("mia"))
    await world.service.save_takeaway(number, key("max"), "mine")
    async with world.kernel.db.reading() as tx:
        data = await world.service.export_person(tx, key("max"))
    assert [p["status"] for p in data["participation"]] == ["joined"]
    assert [t["text"] for t in data["takeaways"]] == ["mine"]
    async with world.kernel.db.transaction() as tx:
        assert await world.service.delete_person(tx, key("max")) == 2
    async with world.kernel.db.reading() as tx:
        assert await world.service.export_person(tx, key("max")) == {
            "participation": [],
            "posts": [],
            "takeaways": [],
        }
    assert await world.service.status_of(number, key("mia")) is Status.JOINED
