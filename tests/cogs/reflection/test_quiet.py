"""Layer 1: a co-reflection nobody closes. After the network's quiet spell (default 14 days)
peerbot closes it, warning in the thread a day before; anything that happens (a post, Keep it
open, someone typing in the thread) starts a new spell; after downtime the warning still comes
a day before the close; the jobs come from the database, so a restart plans the same ones."""

from __future__ import annotations

from datetime import timedelta

from bot.identity import PlaceRef, UserRef
from bot.mentions import plain
from bot.replies import Reply
from bot.scheduler import PlannedJob
from cogs.reflection.commands import ReflectionCog
from cogs.reflection.formats import Format
from cogs.reflection.quiet import QuietJobs
from tests.cogs.reflection.conftest import SPACE, World, key

THREAD = "thread-1"


def person(who: str) -> UserRef:
    return UserRef(platform="console", id=who)


def quiet(world: World) -> QuietJobs:
    cog = world.kernel.cogs["reflection"]
    assert isinstance(cog, ReflectionCog)
    return cog.quiet


async def start(world: World) -> int:
    started = await world.service.start(
        starter=person("mia"),
        network_id=world.south,
        space=SPACE,
        fmt=Format.OPEN,
        topic=None,
        peers_text="max",
        facilitator_text=None,
    )
    await world.service.answer(started.reflection.id, person("max"), join=True)
    return started.reflection.id


async def planned(world: World) -> PlannedJob:
    [job] = await quiet(world).planned_jobs(world.clock.now())
    return job


def thread_texts(world: World) -> list[str]:
    return [plain(text) for _, where, text in world.port.sent if where == THREAD]


async def warning_message(world: World) -> Reply:
    [row] = await world.kernel.db.fetch_all(
        "SELECT message_json FROM outbox WHERE key LIKE '%:quiet-warning:%'"
    )
    return Reply.model_validate_json(str(row["message_json"]))


async def test_warned_a_day_before_then_closed_after_fourteen_quiet_days(world: World) -> None:
    opened = world.clock.now()
    number = await start(world)
    warn = await planned(world)
    assert warn.key.startswith(f"reflection:{number}:quiet-warning:")
    assert warn.run_at == opened + timedelta(days=13)

    world.clock.set(warn.run_at)
    await world.kernel.scheduler.run_job(warn)
    await world.deliver()
    [warning] = [t for t in thread_texts(world) if "quiet" in t]
    assert warning.startswith("This co-reflection has been quiet for 13 days.")
    assert "unless someone posts or presses Keep it open" in warning
    assert "deleted 30 days later" in warning
    assert [b.label for b in (await warning_message(world)).buttons] == ["Keep it open"]
    assert world.port.kept_active == [THREAD]  # the platform was asked first

    close = await planned(world)
    assert close.key == f"reflection:{number}:quiet-close:{warn.key.rsplit(':quiet-warning:')[1]}"
    assert close.run_at == opened + timedelta(days=14)
    world.clock.set(close.run_at)
    await world.kernel.scheduler.run_job(close)
    await world.deliver()
    found = await world.service.get(number)
    assert not found.is_open and found.delete_after == close.run_at + timedelta(days=30)
    assert ("archive", THREAD, "locked") in world.port.calls
    [thanks] = [t for t in thread_texts(world) if "peerbot closed this" in t]
    assert "because nothing happened in it for 14 days" in thanks
    assert [t for t in world.dms("max") if "Check out" in t or "taking away" in t]
    assert await quiet(world).planned_jobs(world.clock.now()) == []

    # Running either job again (a restart in between) sends and closes nothing more.
    sent = list(world.port.sent)
    await world.kernel.scheduler.run_job(warn)
    await world.kernel.scheduler.run_job(close)
    await world.deliver()
    assert world.port.sent == sent


async def test_a_post_or_keep_it_open_starts_a_new_quiet_spell(world: World) -> None:
    number = await start(world)
    world.clock.advance(timedelta(days=10))
    found = await world.service.get(number)
    await world.service.post(found, person("max"), {"text": "A thought."}, anyway=False)
    posted_at = world.clock.now()
    assert (await planned(world)).run_at == posted_at + timedelta(days=13)

    world.clock.set(posted_at + timedelta(days=13))
    await world.kernel.scheduler.run_job(await planned(world))
    warned = await world.service.get(number)
    assert warned.warned
    world.clock.advance(timedelta(hours=2))
    kept = await world.press("max", (await warning_message(world)).buttons[0].action)
    assert kept.private and f"closes co-reflection number {number} only after 14 more" in (
        kept.text
    )
    job = await planned(world)
    assert ":quiet-warning:" in job.key and job.run_at == world.clock.now() + timedelta(days=13)
    outsider = await world.press("kim", (await warning_message(world)).buttons[0].action)
    assert "Only people who joined" in outsider.text


async def test_someone_typing_in_the_thread_counts_as_activity(world: World) -> None:
    number = await start(world)
    typed = world.clock.now() + timedelta(days=12)
    world.port.thread_activity[THREAD] = typed
    warn = await planned(world)
    world.clock.set(warn.run_at)
    await world.kernel.scheduler.run_job(warn)
    await world.deliver()
    assert not [t for t in thread_texts(world) if "quiet" in t]
    found = await world.service.get(number)
    assert found.active_at == typed and not found.warned
    assert (await planned(world)).run_at == typed + timedelta(days=13)


async def test_after_downtime_the_close_still_waits_a_day_after_the_warning(
    world: World,
) -> None:
    opened = world.clock.now()
    number = await start(world)
    world.clock.set(opened + timedelta(days=20))  # peerbot was down from day 12 to day 20
    warn = await planned(world)
    assert warn.run_at < world.clock.now()  # overdue: run late, not skipped
    await world.kernel.scheduler.run_job(warn)
    close = await planned(world)
    assert close.run_at == world.clock.now() + timedelta(days=1)
    assert (await world.service.get(number)).is_open


async def test_the_networks_own_quiet_days_and_keep_alive(world: World) -> None:
    changed = await world.run(
        "carol", "manage reflect settings", network="south-coast", quiet_days=5
    )
    assert "closed after 5 days without activity" in changed.text, changed.text
    opened = world.clock.now()
    number = await start(world)
    assert (await planned(world)).run_at == opened + timedelta(days=4)

    other = await world.service.start(
        starter=person("kim"),
        network_id=world.south,
        space=SPACE,
        fmt=Format.OPEN,
        topic=None,
        peers_text="lee",
        facilitator_text=None,
    )
    here = PlaceRef(platform="console", id=THREAD)
    await world.close("mia", place=here)
    assert await quiet(world).keep_alive() == 1  # only the open one
    assert world.port.kept_active == ["thread-2"]
    assert (await world.service.get(number)).closed_at is not None
    assert (await world.service.get(other.reflection.id)).is_open
    assert key("kim") == other.reflection.starter_key
