"""Layer 2: /reflect through the registry, as the console and every adapter run it."""

from __future__ import annotations

from datetime import timedelta

from bot.commands import Role
from bot.identity import PlaceRef
from bot.mentions import plain
from bot.replies import Reply
from cogs.reflection.commands import ReflectionCog
from cogs.reflection.formats import FORMATS, Format
from tests.cogs.reflection.conftest import CHANNEL, World, key


async def start_case(world: World) -> int:
    reply = await world.run(
        "mia",
        "reflect start",
        format="case",
        peers="max, kim lee",
        network="south-coast",
        topic="boundaries",
    )
    assert reply.private
    assert reply.text.startswith("Started co-reflection number"), reply.text
    reflections = await world.kernel.db.fetch_all("SELECT id FROM reflections")
    return int(reflections[-1]["id"])


async def test_start_opens_a_private_thread_and_invites_privately(world: World) -> None:
    number = await start_case(world)
    assert ("open", "thread-1", CHANNEL.id) in world.port.calls
    assert world.port.added("thread-1") == ["mia"]  # only the starter, before any consent
    await world.deliver()
    [agreement, prompts] = [text for _, target, text in world.port.sent if target == "thread-1"]
    assert "A made-up name is not enough" in agreement
    assert "deleted 30 days after it closes" in agreement
    assert world.port.pinned == [
        str(1 + world.port.sent.index(("reflection:1:agreement", "thread-1", agreement)))
    ]
    assert "Group case consultation" in prompts
    assert "Topic: boundaries." in prompts
    for peer in ("max", "kim", "lee"):
        [invite] = world.dms(peer)
        assert "Press Join if you agree" in invite
        assert "deleted 30 days after it closes" in invite
    rows = await world.kernel.db.fetch_all(
        "SELECT user_key, status FROM reflection_participants WHERE reflection_id = ?", (number,)
    )
    assert {str(r["user_key"]): str(r["status"]) for r in rows} == {
        "console:mia": "joined",
        "console:max": "invited",
        "console:kim": "invited",
        "console:lee": "invited",
    }


async def test_the_done_when_scenario(world: World) -> None:  # noqa: PLR0915 (one story)
    number = await start_case(world)
    await world.deliver()
    invite = await world.outbox_messages("invite:console:max")
    assert invite
    replies = {}
    for who, label in (("max", "Join"), ("kim", "Join"), ("lee", "Decline")):
        rows = await world.kernel.db.fetch_all(
            "SELECT message_json FROM outbox WHERE key = ?",
            (f"reflection:{number}:invite:console:{who}",),
        )
        message = Reply.model_validate_json(str(rows[0]["message_json"]))
        [pressed] = [b for b in message.buttons if b.label == label]
        replies[who] = await world.press(who, pressed.action)
    assert "added you to the thread" in replies["max"].text
    assert "Nobody is told" in replies["lee"].text
    assert world.port.added("thread-1") == ["mia", "max", "kim"]
    posted_before = len(world.port.sent)
    await world.deliver()
    assert not any(
        "lee" in text for _, t, text in world.port.sent[posted_before:] if t == "thread-1"
    )

    # A post with a phone number is flagged, and nothing goes to the thread.
    thread = world.port.calls[0][1]
    here = PlaceRef(platform="console", id=thread)
    form_reply = await world.run("max", "reflect post", place=here)
    assert form_reply.form is not None
    # Max is a peer, and the presenter is presenting: his form says so; Mia's asks what happened.
    assert [f.label for f in form_reply.form.fields] == ["A welcome, or that you are listening"]
    presenter_form = await world.run("mia", "reflect post", place=here)
    assert presenter_form.form is not None
    assert [f.label for f in presenter_form.form.fields] == ["What happened"]
    sent_before = list(world.port.sent)
    flagged = await world.press(
        "max",
        form_reply.form.action,
        {"listening": "They rang me on 0412 345 678 at night."},
    )
    assert flagged.private
    assert "Nothing was posted" in flagged.text
    assert "phone number" in flagged.text
    assert world.port.sent == sent_before
    [again, anyway] = flagged.buttons
    assert (again.label, anyway.label) == ("Edit my post", "Post as it is")
    assert "This check cannot catch everything" in flagged.text
    reopened = await world.press("max", again.action)
    assert reopened.form is not None
    # What they wrote comes back in the form, to edit rather than write again.
    situation = {f.name: f.default for f in reopened.form.fields}["listening"]
    assert situation == "They rang me on 0412 345 678 at night."
    # Edited but still flagged: held again; "Post as it is" then posts exactly that text.
    still = await world.press(
        "max", reopened.form.action, {"listening": "They rang me on 0412 345 678."}
    )
    assert "Nothing was posted" in still.text
    assert world.port.sent == sent_before
    posted = await world.press("max", still.buttons[1].action)
    assert posted.text.startswith("Posted in the thread as you wrote it.")
    assert "They rang me on 0412 345 678." in world.port.sent[-1][2]
    # Pressed again, the held text is gone: the form opens (saying so), nothing posts twice.
    again_sent = list(world.port.sent)
    twice = await world.press("max", still.buttons[1].action)
    assert twice.form is not None and world.port.sent == again_sent
    clean = await world.press(
        "kim", form_reply.form.action, {"listening": "How do I say no kindly?"}
    )
    assert clean.text.startswith("Posted in the thread.")
    assert [b.label for b in clean.buttons] == ["Delete this post"]
    assert world.port.sent[-1][1] == thread
    assert "How do I say no kindly?" in world.port.sent[-1][2]
    # The text is never stored: not in the outbox, not in any reflection table.
    for table in (
        "outbox",
        "reflections",
        "reflection_participants",
        "reflection_posts",
        "audit_log",
    ):
        rows = await world.kernel.db.fetch_all(f"SELECT * FROM {table}")
        assert not any("kindly" in str(v) or "0412" in str(v) for r in rows for v in tuple(r))

    # Phases: only the facilitator (the starter, by default) moves them.
    refused = await world.run("max", "reflect next", place=here)
    assert "Only the facilitator" in refused.text
    for expected in (
        "Clarifying questions",
        "The presenter's question",
        "Reflections",
        "What helped",
    ):
        moved = await world.run("mia", "reflect next", place=here)
        assert expected in moved.text, moved.text
        if expected == "Clarifying questions":  # each form follows the role and the phase
            peer = await world.run("max", "reflect post", place=here)
            presenter = await world.run("mia", "reflect post", place=here)
            assert peer.form is not None and presenter.form is not None
            assert [f.label for f in peer.form.fields] == ["A clarifying question"]
            assert [f.label for f in presenter.form.fields] == ["Your answers to the questions"]
    last = await world.run("mia", "reflect next", place=here)
    assert "This is the last phase" in last.text

    # Close: by the starter or facilitator only.
    refused = await world.run("kim", "reflect close", place=here)
    assert "Only the person who started" in refused.text
    closed = await world.close("mia", place=here)
    assert "archived and locked" in closed.text
    assert ("archive", thread, "locked") in world.port.calls
    late = await world.press("kim", form_reply.form.action, {"question": "one more"})
    assert "closed" in late.text

    # Takeaways: offered to each who joined, kept for that person only.
    await world.deliver()
    assert world.dms("lee") == [world.dms("lee")[0]]  # the invitation only
    offers = await world.outbox_messages(f"reflection:{number}:takeaway:")
    assert len(offers) == 3
    rows = await world.kernel.db.fetch_all(
        "SELECT message_json FROM outbox WHERE key = ?",
        (f"reflection:{number}:takeaway:console:max",),
    )
    offer = Reply.model_validate_json(str(rows[0]["message_json"]))
    form = await world.press("max", offer.buttons[0].action)
    assert form.form is not None
    saved = await world.press("max", form.form.action, {"note": "Boundaries can be kind."})
    assert "Only you can see it" in saved.text
    assert "Boundaries can be kind." in (await world.run("max", "reflect notes")).text
    assert "no takeaway notes" in (await world.run("kim", "reflect notes")).text
    stolen = await world.press("lee", form.form.action, {"note": "not mine"})
    assert "co-reflection you joined" in stolen.text

    # Deletion after the retention period, with the clock set by the test.
    world.clock.advance(timedelta(days=91))
    decisions = await world.kernel.scheduler.refresh("reflection-retention")
    assert list(decisions.values()) == ["run-late"]
    cog = world.kernel.cogs["reflection"]
    assert isinstance(cog, ReflectionCog)
    [job] = await cog.jobs.planned_jobs(world.clock.now())
    await world.kernel.scheduler.run_job(job)
    assert ("delete", thread, "") in world.port.calls
    row = await world.kernel.db.fetch_one(
        "SELECT thread_key, thread_deleted_at FROM reflections WHERE id = ?", (number,)
    )
    assert row is not None and row["thread_key"] is None and row["thread_deleted_at"]
    assert "Boundaries can be kind." in (await world.run("max", "reflect notes")).text


async def test_bad_input_gets_a_clear_private_message_and_changes_nothing(world: World) -> None:
    cases = [
        ("ben", "Not members: ben"),
        ("mia", "Leave yourself out"),
        (", ".join(f"p{i}" for i in range(12)), "12 people in all"),
        ("", "needs the option 'peers'"),
    ]
    for peers, expected in cases:
        reply = await world.run(
            "mia", "reflect start", format="open", peers=peers or " ", network="south-coast"
        )
        assert reply.private
        assert expected in plain(reply.text), reply.text
        assert "Nothing was changed" in reply.text
    reply = await world.run(
        "mia",
        "reflect start",
        format="open",
        peers="max",
        network="south-coast",
        facilitator="kim",
    )
    assert "facilitator must be you or one of the peers" in reply.text
    assert await world.kernel.db.fetch_all("SELECT id FROM reflections") == []
    assert world.port.calls == []


async def test_privacy_explains_who_can_see_a_private_thread(world: World) -> None:
    reply = await world.run("mia", "reflect privacy")
    assert reply.private
    assert "Manage Threads" in reply.text
    assert "server admins" in reply.text


async def test_retention_bad_input_gets_a_clear_message_and_changes_nothing(world: World) -> None:
    both = await world.run(
        "carol", "reflect retention", network="south-coast", days=10, default=True
    )
    assert both.private and "either default:true or the settings" in both.text
    too_long = await world.run("carol", "reflect retention", network="south-coast", days=400)
    assert too_long.private and "365" in too_long.text, too_long.text
    too_quiet = await world.run(
        "carol", "manage reflect settings", network="south-coast", quiet_days=1
    )
    assert too_quiet.private and "quiet_days" in too_quiet.text, too_quiet.text
    member = await world.run("mia", "reflect retention", network="south-coast", days=10)
    assert member.private and "coordinator" in member.text, member.text
    shown = await world.run("carol", "manage reflect settings", network="south-coast")
    assert "deleted 30 days after they close (the bot's default)" in shown.text
    assert "closed after 14 days without activity" in shown.text
    assert "Private threads: off" in shown.text
    assert await world.kernel.db.fetch_all("SELECT * FROM reflection_settings") == []


async def test_start_without_a_network_uses_the_persons_only_network(world: World) -> None:
    """Found by the fuzz test: outside a network's channel and with no network:, a member's
    /reflect start ended in an apology with an error id."""
    reply = await world.run("mia", "reflect start", format="case", peers="max")
    assert reply.text.startswith("Started co-reflection number"), reply.text
    rows = await world.kernel.db.fetch_all("SELECT network_id FROM reflections")
    [network] = await world.kernel.db.fetch_all(
        "SELECT id FROM networks WHERE slug = 'south-coast'"
    )
    assert [r["network_id"] for r in rows] == [network["id"]]


async def test_start_without_a_network_asks_which_when_in_several(world: World) -> None:
    await world.kernel.registry.directory.assign_role(
        key("mia"), await _brisbane(world), Role.MEMBER
    )
    reply = await world.run("mia", "reflect start", format="case", peers="max")
    assert reply.private
    assert "Say which network to reflect in with network:SHORT-NAME" in reply.text
    assert "something went wrong" not in reply.text
    assert await world.kernel.db.fetch_all("SELECT id FROM reflections") == []


async def _brisbane(world: World) -> int:
    [row] = await world.kernel.db.fetch_all("SELECT id FROM networks WHERE slug != 'south-coast'")
    return int(row["id"])


def test_each_format_gives_the_starter_and_the_others_forms_that_fit() -> None:
    ips = FORMATS[Format.IPS]
    assert [f.name for f in ips.fields_for(presenter=True, phase=0)] == [
        "connection",
        "worldview",
        "mutuality",
        "moving_towards",
    ]
    assert ips.fields_for(presenter=False, phase=0)[0].label == (
        "Where you felt connected to what they said"
    )
    what = FORMATS[Format.WHAT]
    assert what.fields_for(presenter=False, phase=0)[0].label != "What happened?"
    assert FORMATS[Format.OPEN].fields_for(presenter=False, phase=0) == FORMATS[Format.OPEN].fields
    case = FORMATS[Format.CASE]
    labels = [case.fields_for(presenter=True, phase=n)[0].label for n in range(5)]
    assert "The situation" not in labels and len(set(labels)) == 5
    for info in FORMATS.values():
        assert all(
            len(f.label) <= 45 and len(f.placeholder) <= 100 for f in info.all_fields().values()
        )
