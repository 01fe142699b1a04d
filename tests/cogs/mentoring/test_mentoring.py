"""Layer 2: /mentor through the registry, as the console and every adapter run it."""

from __future__ import annotations

import base64
from datetime import timedelta

from bot.ports import NOT_ACCEPTING_DMS, DeliveryError
from bot.replies import Reply
from tests.cogs.mentoring.conftest import CHANNEL, World, key
from tests.cogs.networks import Apps


async def offer(world: World, who: str, topics: str, **extra: object) -> Reply:
    reply = await world.run(
        who, "mentor offer", topics=topics, availability="an hour a fortnight, online", **extra
    )
    assert reply.private
    assert reply.text.startswith("Thank you for offering to mentor."), reply.text
    return reply


async def mentors(world: World) -> None:
    await offer(world, "max", "working solo, boundaries", region="Illawarra", max_mentees=2)
    await offer(world, "kim", "working solo", region="South Coast", max_mentees=3)
    await offer(world, "lee", "youth")


async def ask_max(world: World) -> Reply:
    found = await world.run("mia", "mentor find", topics="working solo, boundaries")
    assert [b.label for b in found.buttons] == ["Ask mentor 1", "Ask mentor 2"]
    assert "max" in found.cards[1].description
    return await world.press("mia", found.buttons[0].action)


async def test_suggestions_rank_by_topics_then_region_then_free_places(world: World) -> None:
    await mentors(world)
    found = await world.run("mia", "mentor find", topics="working solo", region="south coast")
    # Same overlap (1): Kim is in Mia's region; Max is not; Lee offers no common topic.
    assert [c.description.split(":")[0] for c in found.cards[1:]] == ["kim", "max"]
    plain = await world.run("mia", "mentor find", topics="working solo")
    # Without a region: Kim has 3 free places, Max 2.
    assert [c.description.split(":")[0] for c in plain.cards[1:]] == ["kim", "max"]
    both = await world.run("mia", "mentor find", topics="boundaries, working-solo")
    assert [c.description.split(":")[0] for c in both.cards[1:]] == ["max", "kim"]
    # Never oneself, never paused, never full.
    mine = await world.run("max", "mentor find", topics="working solo")
    assert [c.description.split(":")[0] for c in mine.cards[1:]] == ["kim"]
    assert (await world.run("kim", "mentor pause")).text.startswith("Paused")
    after = await world.run("mia", "mentor find", topics="working solo")
    assert [c.description.split(":")[0] for c in after.cards[1:]] == ["max"]
    await world.run("kim", "mentor resume")
    await world.run(
        "kim",
        "mentor offer",
        topics="working solo",
        availability="x",
        max_mentees=1,
        region="South Coast",
    )
    for_lee = await world.run("lee", "mentor find", topics="working solo", region="South Coast")
    assert for_lee.cards[1].description.startswith("kim:")
    await world.press("lee", for_lee.buttons[0].action)
    # Kim's one place is taken by Lee's request, waiting for her answer.
    full = await world.run("mia", "mentor find", topics="working solo")
    assert [c.description.split(":")[0] for c in full.cards[1:]] == ["max"]


async def test_bad_input_is_refused_privately_and_writes_nothing(world: World) -> None:
    before = await world.table("mentor_profiles")
    for reply in (
        await world.run("max", "mentor offer", topics="knitting", availability="weekly"),
        await world.run("max", "mentor offer", topics="", availability="weekly"),
        await world.run("max", "mentor offer", topics="youth", availability="x", max_mentees=9),
        await world.run(
            "max", "mentor offer", topics="youth", availability="x", tags="a,b,c,d,e,f"
        ),
        await world.run("mia", "mentor find", topics="gardening"),
        await world.run("mia", "mentor pause"),
    ):
        assert reply.private
        assert "Nothing was changed" in reply.text or "Offer with /mentor offer" in reply.text
    assert (
        "'knitting' is not one of the topics"
        in (await world.run("max", "mentor offer", topics="knitting", availability="weekly")).text
    )
    assert await world.table("mentor_profiles") == before == []
    assert await world.table("mentoring_requests") == []
    assert (await world.run("ben", "mentor find", topics="youth", network="south-coast")).private


async def test_the_done_when_scenario(world: World) -> None:  # noqa: PLR0915 (one story)
    await mentors(world)
    asked = await ask_max(world)
    assert asked.text.startswith("Asked max to mentor you on working solo, boundaries.")
    # Nothing opens before the mentor agrees.
    assert not [c for c in world.port.calls if c[0] == "open"]
    await world.deliver()
    [request] = world.dms("max")
    assert "mia, a member of South Coast, asks whether you would mentor them" in request.text
    assert [b.label for b in request.buttons] == ["Accept", "Decline"]
    # Only Max may answer.
    stranger = await world.press("kim", request.buttons[0].action)
    assert "out of date" in stranger.text
    assert not [c for c in world.port.calls if c[0] == "open"]

    accepted = await world.press("max", request.buttons[0].action)
    assert accepted.text.startswith("Thank you. peerbot opened a private thread"), accepted.text
    assert ("open", "thread-1", CHANNEL.id) in world.port.calls
    assert world.port.added("thread-1") == ["max", "mia"]
    await world.deliver()
    [agreement] = [text for _, target, text in world.port.sent if target == "thread-1"]
    assert agreement.startswith("Mentoring agreement")
    for part in ("Purpose:", "Boundaries:", "Confidentiality and its limits:", "not supervision"):
        assert part in agreement
    assert "without giving a reason" in agreement
    assert world.port.pinned == [str(1 + [t for _, t, _ in world.port.sent].index("thread-1"))]
    [told] = world.dms("mia")
    assert "max accepted your request" in told.text
    assert "The thread: #thread-1" in told.text
    again = await world.press("max", request.buttons[0].action)
    assert "answered this request already" in again.text

    # The halfway check-in, to each, privately, once.
    [pair] = await world.table("mentoring_pairs")
    assert pair["status"] == "active"
    world.clock.advance(timedelta(days=46))
    await world.deliver()
    await world.deliver()
    for who, other in (("mia", "max"), ("max", "mia")):
        checkins = [r for r in world.dms(who) if r.text.startswith("How is your mentoring")]
        assert len(checkins) == 1, who
        assert f"with {other} going?" in checkins[0].text
        assert [b.label for b in checkins[0].buttons] == ["Extend by 3 months", "End it"]
    sent_before = len(world.port.sent)
    await world.deliver()
    assert len(world.port.sent) == sent_before

    # Mia ends it, no reason asked; Max hears it kindly; the thread is archived.
    [checkin] = [r for r in world.dms("mia") if r.text.startswith("How is your mentoring")]
    sure = await world.press("mia", checkin.buttons[1].action)
    assert [b.label for b in sure.buttons] == ["End it now", "Keep going"]
    ended = await world.press("mia", sure.buttons[0].action)
    assert ended.text.startswith("Ended. max was told kindly"), ended.text
    assert ("archive", "thread-1", "locked") in world.port.calls
    await world.deliver()
    [bye] = [r for r in world.dms("max") if "has ended your mentoring" in r.text]
    assert "No reason is needed" in bye.text
    # The near-end check-ins never come.
    world.clock.advance(timedelta(days=60))
    await world.deliver()
    assert len([r for r in world.dms("mia") if r.text.startswith("How is your")]) == 1

    # After retention (30 days) the thread is deleted.
    await world.run_due_jobs()
    assert ("delete", "thread-1", "") in world.port.calls
    [pair] = await world.table("mentoring_pairs")
    assert pair["thread_key"] is None


async def test_the_thread_is_deleted_only_after_retention(world: World) -> None:
    await mentors(world)
    await ask_max(world)
    await world.deliver()
    [request] = world.dms("max")
    await world.press("max", request.buttons[0].action)
    [pair] = await world.table("mentoring_pairs")
    sure = await world.run("max", "mentor end")
    await world.press("max", sure.buttons[0].action)
    world.clock.advance(timedelta(days=29))
    assert f"mentoring:{pair['id']}:delete" not in await world.run_due_jobs()
    assert ("delete", "thread-1", "") not in world.port.calls
    world.clock.advance(timedelta(days=1, seconds=1))
    assert f"mentoring:{pair['id']}:delete" in await world.run_due_jobs()
    assert ("delete", "thread-1", "") in world.port.calls


async def test_extend_moves_the_end_date_and_the_check_ins(world: World) -> None:
    await mentors(world)
    await ask_max(world)
    await world.deliver()
    await world.press("max", world.dms("max")[0].buttons[0].action)
    world.clock.advance(timedelta(days=46))
    await world.deliver()
    [checkin] = [r for r in world.dms("max") if r.text.startswith("How is")]
    extended = await world.press("max", checkin.buttons[0].action)
    assert extended.text.startswith("Extended until"), extended.text
    twice = await world.press("max", checkin.buttons[0].action)
    assert "extended already" in twice.text
    await world.deliver()
    assert any("extended your mentoring" in r.text for r in world.dms("mia"))
    # The old end date passes: nothing ends; the old near-end check-in never comes.
    world.clock.advance(timedelta(days=50))
    await world.run_due_jobs()
    await world.deliver()
    [pair] = await world.table("mentoring_pairs")
    assert pair["status"] == "active"
    # The new end date: it ends by itself, and both are thanked.
    world.clock.advance(timedelta(days=100))
    await world.run_due_jobs()
    await world.deliver()
    [pair] = await world.table("mentoring_pairs")
    assert pair["status"] == "ended"
    for who in ("mia", "max"):
        assert any("reached its end date" in r.text for r in world.dms(who))


async def test_decline_is_kind_and_the_request_can_go_to_someone_else(world: World) -> None:
    await mentors(world)
    await ask_max(world)
    await world.deliver()
    declined = await world.press("max", world.dms("max")[0].buttons[1].action)
    assert declined.text.startswith("Declined.")
    await world.deliver()
    [told] = world.dms("mia")
    assert "cannot take on mentoring right now" in told.text
    assert "max" not in told.text
    again = await world.run("mia", "mentor find", topics="working solo, boundaries")
    assert [c.description.split(":")[0] for c in again.cards[1:]] == ["kim"]


async def test_a_request_nobody_takes_goes_to_the_coordinators_once(world: World) -> None:
    none = await world.run("mia", "mentor find", topics="carer peer work")
    assert not none.cards
    [wait] = none.buttons
    assert wait.label == "Leave my request open"
    opened = await world.press("mia", wait.action)
    assert opened.text.startswith("Your request for a mentor on carer peer work is open.")
    world.clock.advance(timedelta(days=13))
    await world.run_due_jobs()
    await world.deliver()
    assert world.dms("carol") == []
    world.clock.advance(timedelta(days=1))
    await world.run_due_jobs()
    await world.run_due_jobs()
    await world.deliver()
    [offered] = world.dms("carol")
    assert "has waited 14 days" in offered.text
    assert "Topics: carer peer work." in offered.text
    assert "mia" not in offered.text
    assert "1 waiting requests" in offered.text
    assert any("without your name" in r.text for r in world.dms("mia"))
    counts = await world.run("carol", "manage mentoring counts")
    assert "0 active pairs, 1 requests waiting" in counts.text
    assert "mia" not in counts.text
    refused = await world.run("mia", "manage mentoring counts")
    assert "coordinator" in refused.text.lower()


async def test_a_request_with_consent_names_the_member(world: World) -> None:
    none = await world.run("mia", "mentor find", topics="youth", share_name=True)
    await world.press("mia", none.buttons[0].action)
    world.clock.advance(timedelta(days=14))
    await world.run_due_jobs()
    await world.deliver()
    [offered] = world.dms("carol")
    assert "mia agreed that you may know it is them" in offered.text


async def test_audit_log_says_a_member(world: World) -> None:
    await mentors(world)
    await ask_max(world)
    rows = await world.kernel.db.fetch_all(
        "SELECT actor_key, action FROM audit_log WHERE action LIKE 'mentoring.%'"
    )
    assert rows
    assert {str(r["actor_key"]) for r in rows} == {"a-member"}


async def test_privacy_delete_ends_it_kindly_and_removes_everything(world: World) -> None:
    await mentors(world)
    await ask_max(world)
    await world.deliver()
    await world.press("max", world.dms("max")[0].buttons[0].action)
    await world.run("mia", "mentor offer", topics="youth", availability="weekly")
    exported = await world.run("mia", "privacy export")
    data = base64.b64decode(exported.attachments[0].content_b64).decode()
    assert '"mentor_profiles"' in data
    assert '"pairings"' in data
    asked = await world.run("mia", "privacy delete")
    confirm = [b for b in asked.buttons if "delete" in b.label.lower()]
    done = await world.press("mia", confirm[0].action)
    assert "mentoring thread was deleted" in done.text, done.text
    assert ("delete", "thread-1", "") in world.port.calls
    await world.deliver()
    [bye] = [r for r in world.dms("max") if "has ended" in r.text]
    assert "asked for their data to be deleted" in bye.text
    assert await world.table("mentoring_requests") == []
    assert [r["user_key"] for r in await world.table("mentor_profiles")] == [
        key("max"),
        key("kim"),
        key("lee"),
    ]
    pairs = await world.table("mentoring_pairs")
    assert all(key("mia") not in (p["mentee_key"], p["mentor_key"]) for p in pairs)
    # No check-in reaches anyone later.
    world.clock.advance(timedelta(days=50))
    sent = len(world.port.sent)
    await world.deliver()
    assert len(world.port.sent) == sent


async def test_a_mentor_who_cannot_be_reached_is_named_to_the_asker(world: World) -> None:
    await mentors(world)
    world.port.fail_with = lambda key: (
        DeliveryError(NOT_ACCEPTING_DMS, retryable=False) if key.endswith(":ask") else None
    )
    await ask_max(world)
    await world.deliver()
    await world.deliver()
    assert world.dms("max") == []
    [told] = world.dms("mia")
    assert "max could not be told" in told.text, told.text
    assert "Withdraw it with /mentor end, then ask someone else with /mentor find." in told.text
    withdrawn = await world.run("mia", "mentor end")
    assert withdrawn.text.startswith("Your request for a mentor is withdrawn"), withdrawn.text
    again = await world.run("mia", "mentor find", topics="working solo")
    assert [c.description.split(":")[0] for c in again.cards[1:]] == ["kim", "max"]


async def test_a_restart_sends_no_check_in_twice_and_keeps_the_jobs(
    world: World, apps: Apps
) -> None:
    await mentors(world)
    await ask_max(world)
    await world.deliver()
    await world.press("max", world.dms("max")[0].buttons[0].action)
    world.clock.advance(timedelta(days=46))
    await world.deliver()
    assert len([r for r in world.dms("mia") if r.text.startswith("How is")]) == 1
    await apps.stop_all()

    _, kernel = await apps.start()
    kernel.ports["console"] = world.port
    again = World(kernel, world.port, world.clock, world.south, world.brisbane)
    await again.deliver()
    assert len([r for r in again.dms("mia") if r.text.startswith("How is")]) == 1
    # The near-end check-in and the end date still come, once, after the restart.
    world.clock.advance(timedelta(days=40))
    await again.deliver()
    await again.deliver()
    assert len([r for r in again.dms("mia") if r.text.startswith("How is")]) == 2
    world.clock.advance(timedelta(days=10))
    assert any(":end:" in k for k in await again.run_due_jobs())
    await again.deliver()
    assert len([r for r in again.dms("max") if "reached its end date" in r.text]) == 1
    [pair] = await again.table("mentoring_pairs")
    assert pair["status"] == "ended"
