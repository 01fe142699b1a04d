"""Layer 1: the formats, the agreement and the service's rules, called directly."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.errors import UserError
from bot.identity import UserRef
from bot.replies import FORM_FIELDS_MAX
from cogs.reflection.formats import CASE_PHASES, FORMATS, Format, agreement
from cogs.reflection.models import Status
from cogs.reflection.service import Check, RetentionJobs, parse_people
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
    check = await world.service.post(found, person("mia"), {"what": "x"}, anyway=False)
    assert check.found and world.port.sent == []
    check = await world.service.post(found, person("mia"), {"what": "x"}, anyway=True)
    assert not check.found
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
            "takeaways": [],
        }
    assert await world.service.status_of(number, key("mia")) is Status.JOINED
