"""A posted notice follows its meeting: every change re-renders it through the outbox (once,
in one pass, never twice after a restart), a closed notice says why and loses its buttons,
and a move tells the people coming, privately, with buttons to change their answer.

Layer 2: the real App and registry, a console announcements channel and a recording port.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import FakeClock, to_db
from bot.kernel import Kernel
from bot.migrations import MIGRATIONS_DIR, migrate
from bot.outbox import OutboxWorker
from bot.registry import ActionInvocation
from bot.replies import ActionRef, Reply
from bot.scheduler import Decision, PlannedJob, Scheduler
from bot.storage import Database
from cogs.meetings.commands import MeetingsCog
from cogs.meetings.render import NoticeState
from tests.bot.fakes import RecordingPort
from tests.cogs.meetings.conftest import World, key
from tests.cogs.meetings.test_commands import SOUTH, schedule
from tests.cogs.networks import invoke, press, user

START = datetime(2027, 3, 9, 23, 0, tzinfo=UTC)  # 10:00 AEDT, Wednesday 10 March 2027
END = START + timedelta(hours=2)
ANNOUNCE = START - timedelta(days=14)
JUNE = datetime(2027, 6, 10, 0, 0, tzinfo=UTC)  # 10:00 AEST, Thursday 10 June 2027
PLACE = "console:south-coast-announcements"
NOTICE_EDITS = f"meeting:1:2027-03-10:notice:{PLACE}:"


@dataclass
class Board:
    world: World
    port: RecordingPort
    clock: FakeClock
    worker: OutboxWorker = field(init=False)

    def __post_init__(self) -> None:
        self.worker = OutboxWorker(self.world.kernel.outbox, self.world.kernel.ports)

    @property
    def kernel(self) -> Kernel:
        return self.world.kernel

    def restart_worker(self) -> None:
        self.worker = OutboxWorker(self.kernel.outbox, self.kernel.ports)

    async def deliver(self) -> int:
        """One pass of the outbox worker."""
        return await self.worker.run_once()

    async def jobs(self) -> dict[str, PlannedJob]:
        cog = self.kernel.cogs["meetings"]
        assert isinstance(cog, MeetingsCog)
        return {j.key: j for j in await cog.jobs.planned_jobs(self.clock.now())}

    async def run(self, job_key: str) -> None:
        job = (await self.jobs())[job_key]
        self.clock.set(max(self.clock.now(), job.run_at))
        await self.kernel.scheduler.run_job(job)

    @property
    def edits(self) -> list[tuple[str, str | None, Reply]]:
        return self.port.edited

    def to(self, who: str) -> list[Reply]:
        """Private messages delivered to ``who``."""
        sent = zip(self.port.sent, self.port.replies, strict=True)
        return [reply for (_, target, _), reply in sent if target == who]

    @property
    def notice(self) -> Reply:
        return self.port.replies[0]


def button(reply: Reply, label: str) -> ActionRef:
    return next(b.action for b in reply.buttons if b.label == label)


def field_value(reply: Reply, name: str) -> str:
    return next(f.value for f in reply.cards[0].fields if f.name == name)


async def place_announcements(world: World) -> None:
    async with world.kernel.db.transaction() as tx:
        await tx.execute(
            "INSERT INTO network_places (place_key, network_id, purpose, space_key) "
            "VALUES (?, ?, 'announcements', 'console:local')",
            (PLACE, world.south),
        )


@pytest.fixture
async def board(world: World) -> Board:
    """South Coast's quarterly meeting scheduled; the March notice posted and delivered."""
    clock = world.kernel.clock
    assert isinstance(clock, FakeClock)
    port = RecordingPort()
    world.kernel.ports["console"] = port
    await place_announcements(world)
    assert "Scheduled" in await schedule(world)
    found = Board(world, port, clock)
    await found.run("meeting:1:2027-03-10:announce")
    await found.deliver()
    assert port.keys == [f"meeting:1:2027-03-10:announce:{PLACE}"]
    return found


async def answer(board: Board, *answers: tuple[str, str]) -> None:
    for who, label in answers:
        saved = await press(board.kernel, who, button(board.notice, label))
        assert saved.text.startswith(f"Saved: {label}"), saved.text
    await board.deliver()


# ---- an edit re-renders the notice; a move tells those coming -------------------------------


async def test_moving_one_meeting_re_renders_its_notice_in_one_pass_and_tells_who_is_coming(
    board: Board,
) -> None:
    await answer(board, ("mia", "Going"), ("eve", "Maybe"), ("max", "Can't go"))
    edits_before = len(board.edits)

    reply = await invoke(
        board.kernel, "carol", "meeting edit", network=SOUTH, date="2027-03-10", time="14:00"
    )
    assert "Wednesday 10 March 2027, 14:00 to 16:00 AEDT" in reply.text
    assert (
        "The 2 people who said they would or might come are being told privately, with the old "
        "and new time and buttons to change their answer (it stays as it was)."
    ) in reply.text

    await board.deliver()  # one pass
    [(message_id, edit_key, shown)] = board.edits[edits_before:]
    assert message_id == "1" and edit_key is not None and edit_key.startswith(NOTICE_EDITS)
    assert field_value(shown, "When") == "Wednesday 10 March 2027, 14:00 to 16:00 AEDT"
    assert [b.label for b in shown.buttons] == ["Going", "Maybe", "Can't go"]
    assert shown.cards[0].footer == "Going: 1, Maybe: 1, Can't go: 1"  # answers carry over

    [to_mia] = board.to("mia")
    assert to_mia.private
    assert to_mia.text == (
        "The South Coast meeting has moved.\n"
        "It was: Wednesday 10 March 2027, 10:00 to 12:00 AEDT\n"
        "It is now: Wednesday 10 March 2027, 14:00 to 16:00 AEDT\n"
        "Where: Wollongong Hospital, room 3\n"
        "Online: https://example.org/meet\n"
        "You said you would come, so your answer stays Going. If that has changed, choose below."
    )
    assert [b.label for b in to_mia.buttons] == ["Going", "Maybe", "Can't go"]
    [to_eve] = board.to("eve")
    assert "You said you might come, so your answer stays Maybe." in to_eve.text
    assert board.to("max") == []  # Can't go: nothing to tell

    # A restart (a new worker on the same outbox) edits nothing again and tells nobody again.
    edits, sent = len(board.edits), len(board.port.sent)
    board.restart_worker()
    assert await board.deliver() == 0
    assert (len(board.edits), len(board.port.sent)) == (edits, sent)

    # The person changes their answer from the message itself: the notice follows.
    saved = await press(board.kernel, "mia", button(to_mia, "Can't go"))
    assert saved.text.startswith("Saved: Can't go to the meeting on Wednesday 10 March 2027, 14:00")
    await board.deliver()
    assert board.edits[-1][2].cards[0].footer == "Going: 0, Maybe: 1, Can't go: 2"


async def test_a_series_edit_re_renders_open_notices_and_leaves_closed_ones(board: Board) -> None:
    """Place, link and agenda of the whole series: the open notice shows them at once; the
    March notice, once held, keeps what it said."""
    reply = await invoke(
        board.kernel, "carol", "meeting edit", network=SOUTH, location="Nowra library"
    )
    assert reply.text.startswith("Changed South Coast meeting (series number 1)"), reply.text
    await board.deliver()
    assert field_value(board.edits[-1][2], "Where") == "Nowra library"

    board.clock.set(END + timedelta(minutes=1))
    await board.run("meeting:1:2027-03-10:held")
    await board.deliver()
    held = board.edits[-1][2]
    assert held.cards[0].title == "Held: South Coast meeting"
    edits = len(board.edits)
    await invoke(board.kernel, "carol", "meeting edit", network=SOUTH, agenda="A new agenda")
    await board.deliver()
    assert len(board.edits) == edits  # the held notice is left as it was


async def test_a_change_that_shows_nothing_new_edits_nothing(board: Board) -> None:
    await answer(board, ("mia", "Going"))
    edits = len(board.edits)
    await answer(board, ("mia", "Going"))  # the same answer again
    await invoke(board.kernel, "carol", "meeting settings", network=SOUTH, notice_days=10)
    assert await board.deliver() == 0
    assert len(board.edits) == edits


# ---- closed notices --------------------------------------------------------------------------


async def test_a_skipped_notice_says_so_loses_its_buttons_and_a_late_press_is_answered_kindly(
    board: Board,
) -> None:
    await answer(board, ("mia", "Going"), ("eve", "Maybe"))
    old_notice = board.notice
    reply = await invoke(board.kernel, "carol", "meeting skip", network=SOUTH, date="2027-03-10")
    assert "The 2 people who said they would or might come are being told privately." in (
        reply.text
    )
    await board.deliver()
    skipped = board.edits[-1][2]
    assert skipped.buttons == []
    assert skipped.cards[0].title == "Skipped: South Coast meeting"
    assert skipped.cards[0].description.startswith("Skipped. This meeting will not take place")
    assert skipped.text.startswith("Skipped: South Coast meeting\nSkipped. ")
    assert [f.name for f in skipped.cards[0].fields] == ["When"]
    assert "is skipped: it will not take place" in board.to("mia")[0].text
    assert "You said you would come" in board.to("mia")[0].text
    assert "You said you might come" in board.to("eve")[0].text

    late = await press(board.kernel, "max", button(old_notice, "Going"))
    assert late.private
    assert late.text == (
        "Thank you, but the South Coast meeting on Wednesday 10 March 2027, 10:00 to 12:00 AEDT "
        "was skipped, so it needs no answer. Type /meeting next to see the next one."
    )
    rows = await board.kernel.db.fetch_all(
        "SELECT user_key FROM rsvps WHERE user_key = ?", (key("max"),)
    )
    assert rows == []
    edits = len(board.edits)
    await board.deliver()
    assert len(board.edits) == edits  # the press changed nothing


async def test_cancelling_the_whole_series_closes_its_notices(board: Board) -> None:
    asked = await invoke(board.kernel, "carol", "meeting cancel", network=SOUTH, whole=True)
    done = await press(board.kernel, "carol", button(asked, "Cancel the whole series"))
    assert done.text.startswith("Cancelled the whole series"), done.text
    await board.deliver()
    cancelled = board.edits[-1][2]
    assert cancelled.buttons == []
    assert cancelled.cards[0].title == "Cancelled: South Coast meeting"
    assert cancelled.cards[0].description == (
        "Cancelled. This meeting and the rest of its series will not take place."
    )
    late = await press(board.kernel, "mia", button(board.notice, "Maybe"))
    assert "was cancelled, so it needs no answer" in late.text


async def test_the_notice_says_held_when_attendance_is_marked_and_again_when_corrected(
    board: Board,
) -> None:
    await answer(board, ("mia", "Going"), ("max", "Going"))
    board.clock.set(START + timedelta(minutes=30))  # in progress
    marked = await invoke(board.kernel, "carol", "meeting attend", network=SOUTH)
    assert marked.text.startswith("Marked 2 people"), marked.text
    await board.deliver()
    held = board.edits[-1][2]
    assert held.buttons == []
    assert held.cards[0].description == "Held on Wednesday 10 March 2027. Answers are closed."
    assert held.cards[0].footer == "Going: 2, Maybe: 0, Can't go: 0"

    # Correcting the record: max did not come after all.
    fixed = await invoke(
        board.kernel, "carol", "meeting attend", network=SOUTH, members="max", remove=True
    )
    assert fixed.text.startswith("Unmarked 1 person: max."), fixed.text
    attended = await board.kernel.db.fetch_all("SELECT user_key FROM attendance ORDER BY 1")
    assert [r["user_key"] for r in attended] == [key("mia")]
    again = await invoke(
        board.kernel, "carol", "meeting attend", network=SOUTH, members="max", remove=True
    )
    assert again.text.startswith("None of them is marked as having attended"), again.text
    assert "Nothing was changed." in again.text
    audit = await board.kernel.db.fetch_all(
        "SELECT action FROM audit_log WHERE action LIKE 'meeting.%attend' ORDER BY id"
    )
    assert [r["action"] for r in audit] == ["meeting.attend", "meeting.unattend"]
    refused = await invoke(board.kernel, "carol", "meeting attend", network=SOUTH, remove=True)
    assert refused.text.startswith("Say who to unmark in the option 'members'")


async def test_the_held_job_closes_the_notice_even_after_days_of_downtime(board: Board) -> None:
    await answer(board, ("mia", "Going"))
    # Down from before the meeting until ten days after it ended.
    board.clock.set(END + timedelta(days=10))
    restarted = Scheduler(board.kernel.db, board.clock)
    cog = board.kernel.cogs["meetings"]
    assert isinstance(cog, MeetingsCog)
    restarted.add_source(cog.jobs)
    decisions = await restarted.refresh("meetings")
    assert decisions["meeting:1:2027-03-10:held"] is Decision.RUN_LATE
    await restarted.shutdown()
    job = (await board.jobs())["meeting:1:2027-03-10:held"]
    await board.kernel.scheduler.run_job(job)
    await board.deliver()
    assert board.edits[-1][2].cards[0].title == "Held: South Coast meeting"
    late = await press(board.kernel, "mia", button(board.notice, "Maybe"))
    assert late.text.startswith(
        "Thank you, but the South Coast meeting was held on Wednesday 10 March 2027, so answers "
        "for it are closed."
    )


# ---- notices on their way while the meeting changes -----------------------------------------


async def test_a_notice_that_went_out_while_its_meeting_moved_is_put_right_at_once(
    world: World,
) -> None:
    clock = world.kernel.clock
    assert isinstance(clock, FakeClock)
    port = RecordingPort()
    world.kernel.ports["console"] = port
    await place_announcements(world)
    await schedule(world)
    board = Board(world, port, clock)
    await board.run("meeting:1:2027-03-10:announce")  # queued, not delivered yet
    await invoke(
        world.kernel, "carol", "meeting edit", network=SOUTH, date="2027-03-10", time="9:00am"
    )
    await board.deliver()  # one pass: the (stale) notice, then its correction
    assert field_value(board.notice, "When").startswith("Wednesday 10 March 2027, 10:00")
    [(_, _, shown)] = board.edits
    assert field_value(shown, "When") == "Wednesday 10 March 2027, 09:00 to 11:00 AEDT"


async def test_a_notice_not_yet_out_for_a_skipped_meeting_is_never_posted(world: World) -> None:
    clock = world.kernel.clock
    assert isinstance(clock, FakeClock)
    port = RecordingPort()
    world.kernel.ports["console"] = port
    await place_announcements(world)
    await schedule(world)
    board = Board(world, port, clock)
    await board.run("meeting:1:2027-03-10:announce")
    await invoke(world.kernel, "carol", "meeting skip", network=SOUTH, date="2027-03-10")
    await board.deliver()
    assert port.sent == [] and port.edited == []
    status = await world.kernel.outbox.status_of(f"meeting:1:2027-03-10:announce:{PLACE}")
    assert status == "skipped"


# ---- the series' day changes: the meeting keeps its answers and its notice -------------------


async def test_a_new_day_of_the_month_carries_the_answers_the_notice_and_tells_who_is_coming(
    world: World,
) -> None:
    clock = world.kernel.clock
    assert isinstance(clock, FakeClock)
    port = RecordingPort()
    world.kernel.ports["console"] = port
    await place_announcements(world)
    await schedule(world)
    board = Board(world, port, clock)
    await board.run("meeting:1:2027-06-10:announce")
    await board.deliver()
    await answer(board, ("mia", "Going"))
    added = await invoke(
        board.kernel, "max", "meeting agenda", network=SOUTH, add="Peer supervision"
    )
    assert added.text.startswith("Added your suggestion")

    # From the 10th to the second Wednesday: 10 June 2027 (a Thursday) becomes 9 June.
    reply = await invoke(
        board.kernel, "carol", "meeting edit", network=SOUTH, on="second wednesday"
    )
    assert "- Wednesday 9 June 2027, 10:00 to 12:00 AEST" in reply.text, reply.text
    assert "The 1 person who said they would or might come is being told privately, with" in (
        reply.text
    )
    await board.deliver()
    [to_mia] = board.to("mia")
    assert "It was: Thursday 10 June 2027, 10:00 to 12:00 AEST" in to_mia.text
    assert "It is now: Wednesday 9 June 2027, 10:00 to 12:00 AEST" in to_mia.text
    assert button(to_mia, "Going").payload == "1:2027-06-09:going"
    rsvps = await board.kernel.db.fetch_all("SELECT occurrence_key, answer FROM rsvps")
    assert [tuple(r) for r in rsvps] == [("2027-06-09", "going")]
    items = await board.kernel.db.fetch_all("SELECT occurrence_key FROM agenda_items")
    assert [r["occurrence_key"] for r in items] == ["2027-06-09"]
    shown = board.edits[-1][2]
    assert field_value(shown, "When") == "Wednesday 9 June 2027, 10:00 to 12:00 AEST"
    assert button(shown, "Maybe").payload == "1:2027-06-09:maybe"
    # The new date's notice job finds its notice already there, and posts no second one.
    await board.run("meeting:1:2027-06-09:announce")
    await board.deliver()
    assert [k for k in port.keys if ":announce:" in k] == [f"meeting:1:2027-06-10:announce:{PLACE}"]


# ---- the minutes thread follows its meeting --------------------------------------------------


async def test_the_minutes_thread_is_named_after_its_meeting_and_renamed_with_it(
    board: Board,
) -> None:
    board.clock.set(START + timedelta(minutes=50))  # the meeting is still going
    saved = await board.kernel.registry.invoke_action(
        ActionInvocation(
            user=user("carol"),
            place=None,
            action=ActionRef(action="meeting-minutes", payload="1:2027-03-10"),
            fields={"minutes": "We welcomed two new members."},
        )
    )
    assert "posted in a thread under the meeting's notice" in saved.text
    row = await board.kernel.db.fetch_one("SELECT thread_id, thread_name FROM meeting_notices")
    assert row is not None
    assert tuple(row) == ("thread-1", "Minutes: South Coast meeting, 10 March 2027")
    await invoke(board.kernel, "carol", "meeting edit", network=SOUTH, title="Peer network meeting")
    await board.deliver()
    assert board.port.renamed == [
        ("thread-1", "Minutes: South Coast: Peer network meeting, 10 March 2027")
    ]
    assert board.edits[-1][2].cards[0].title == "South Coast: Peer network meeting"


# ---- scheduling the same series twice --------------------------------------------------------


async def test_an_identical_series_is_refused_and_changes_nothing(world: World) -> None:
    await schedule(world)

    async def counts() -> list[tuple[object, ...]]:
        rows = await world.kernel.db.fetch_all(
            "SELECT (SELECT COUNT(*) FROM meeting_series), (SELECT COUNT(*) FROM audit_log)"
        )
        return [tuple(r) for r in rows]

    before = await counts()
    again = await invoke(world.kernel, "eve", "meeting schedule", network=SOUTH, date="2027-03-10",
                         time="10:00", duration=90)  # fmt: skip
    assert again.private
    assert again.text.startswith(
        "South Coast already has that meeting series: number 1, every 3 months on the 10th"
    ), again.text
    assert "Nothing was changed." in again.text
    assert await counts() == before
    other = await invoke(world.kernel, "eve", "meeting schedule", network=SOUTH, date="2027-03-10",
                         time="14:00", duration=90)  # fmt: skip
    assert other.text.startswith("Scheduled"), other.text


# ---- notices posted before this feature are found --------------------------------------------


async def test_the_migration_finds_notices_posted_before_it(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, folder)
    # The database as it was before 0016: that migration and every later one held back.
    later = {f: f.read_text() for f in folder.glob("*.sql") if f.name >= "0016"}
    for held_back in later:
        held_back.unlink()
    db = await Database.open(tmp_path / "old.sqlite3")
    try:
        await migrate(db, folder)
        now = to_db(datetime(2027, 2, 23, 23, 0, tzinfo=UTC))
        async with db.transaction() as tx:
            await tx.execute(
                "INSERT INTO networks (id, slug, name, timezone, created_at) "
                "VALUES (1, 'coast', 'Coast', 'Australia/Sydney', ?)",
                (now,),
            )
            await tx.execute(
                """INSERT INTO meeting_series (id, network_id, name, first_date, start_time,
                       duration_minutes, timezone, created_by, created_at, updated_at)
                   VALUES (12, 1, 'Coast meeting', '2027-03-10', '10:00', 120,
                           'Australia/Sydney', 'console:carol', ?, ?)""",
                (now, now),
            )
            for key, status in (
                ("meeting:12:2027-03-10:announce:discord:555", "sent"),
                ("meeting:12:2027-06-10:announce:discord:555", "pending"),
                ("meeting:12:2027-03-10:reminder-1d:discord:99", "sent"),
            ):
                await tx.execute(
                    """INSERT INTO outbox (key, platform, target_kind, target_id, message_json,
                           due_at, next_attempt_at, created_at, status, sent_message_id,
                           finished_at)
                       VALUES (?, 'discord', 'place', '555', '{}', ?, ?, ?, ?, '777', ?)""",
                    (key, now, now, now, status, now),
                )
            await tx.execute(
                "INSERT INTO platform_state (key, value, updated_at) VALUES (?, '888', ?)",
                ("meeting-minutes-thread:12:2027-03-10:discord:555", now),
            )
        for held_back, text in later.items():
            held_back.write_text(text)
        await migrate(db, folder)
        rows = await db.fetch_all(
            "SELECT series_id, occurrence_key, place_key, message_id, shown, thread_id "
            "FROM meeting_notices"
        )
        assert [tuple(r) for r in rows] == [
            (12, "2027-03-10", "discord:555", "777", NoticeState.OPEN.value, "888")
        ]
    finally:
        await db.close()
