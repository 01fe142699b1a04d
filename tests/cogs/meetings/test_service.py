"""Layer 1: the meetings service and its rules against a real SQLite file, with a set clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.errors import UserError
from bot.storage import Database
from cogs.meetings.models import Answer, parse_offsets
from cogs.meetings.service import MeetingService, Scheduled
from cogs.meetings.timefmt import describe
from tests.cogs.meetings.conftest import BRISBANE, SOUTH, key

MARCH = date(2027, 3, 10)


async def quarterly(service: MeetingService, **extra: Any) -> Scheduled:
    """South Coast meets every three months from Wednesday 10 March 2027, 10:00 for 2 hours."""
    arguments: dict[str, Any] = {
        "actor_key": key("carol"),
        "network_id": SOUTH,
        "first_date": MARCH,
        "start_time": time(10, 0),
        "duration_minutes": 120,
        "location": "Wollongong Hospital, room 3",
        "link": "https://example.org/meet",
    }
    arguments.update(extra)
    return await service.schedule(**arguments)


async def count(db: Database, table: str) -> int:
    row = await db.fetch_one(f"SELECT COUNT(*) AS n FROM {table}")
    assert row is not None
    return int(row["n"])


async def outbox(db: Database) -> dict[str, str]:
    rows = await db.fetch_all("SELECT key, target_id, message_json FROM outbox ORDER BY key")
    return {r["key"]: r["target_id"] for r in rows}


async def audit(db: Database) -> list[tuple[str, str, str, str]]:
    rows = await db.fetch_all("SELECT actor_key, action, target, detail FROM audit_log ORDER BY id")
    return [(r["actor_key"], r["action"], r["target"], r["detail"]) for r in rows]


# ---- scheduling -----------------------------------------------------------------------------


async def test_a_quarterly_series_stays_at_ten_across_daylight_saving(
    service: MeetingService, db: Database
) -> None:
    result = await quarterly(service)
    assert result.notes == []
    assert result.series.name == "South Coast meeting"
    assert [describe(m.occurrence) for m in result.upcoming] == [
        "Wednesday 10 March 2027, 10:00 to 12:00 AEDT",
        "Thursday 10 June 2027, 10:00 to 12:00 AEST",
        "Friday 10 September 2027, 10:00 to 12:00 AEST",
    ]
    assert [m.occurrence.start for m in result.upcoming] == [
        datetime(2027, 3, 9, 23, 0, tzinfo=UTC),
        datetime(2027, 6, 10, 0, 0, tzinfo=UTC),
        datetime(2027, 9, 10, 0, 0, tzinfo=UTC),
    ]
    assert result.upcoming[0].location == "Wollongong Hospital, room 3"
    assert await audit(db) == [
        (key("carol"), "meeting.schedule", "series:1", "every 3 months from 2027-03-10")
    ]


async def test_the_second_tuesday_rule(service: MeetingService) -> None:
    result = await quarterly(service, first_date=date(2027, 3, 9), nth_weekday=(1, 2))
    assert [m.key for m in result.upcoming] == ["2027-03-09", "2027-06-08", "2027-09-14"]


async def test_brisbane_has_no_daylight_saving(service: MeetingService) -> None:
    result = await quarterly(service, network_id=BRISBANE, actor_key=key("bea"))
    assert {m.occurrence.local_start.tzname() for m in result.upcoming} == {"AEST"}
    assert {m.occurrence.start.hour for m in result.upcoming} == {0}


async def test_a_time_that_does_not_exist_is_scheduled_with_a_note(
    service: MeetingService,
) -> None:
    # 02:30 on Sunday 3 October 2027 does not exist in Sydney: the clocks go forward at 02:00.
    result = await quarterly(
        service, first_date=date(2027, 10, 3), start_time=time(2, 30), nth_weekday=(6, 1)
    )
    assert result.notes and "does not exist" in result.notes[0]
    assert result.upcoming[0].occurrence.local_start.strftime("%H:%M %Z") == "03:00 AEDT"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"first_date": date(2026, 12, 1)}, "in the past"),
        ({"duration_minutes": 800}, "12 hours"),
        ({"duration_minutes": 0}, "1 to 720 minutes"),
        ({"interval_months": 13}, "every 1 to 12 months"),
        ({"interval_months": 0}, "every 1 to 12 months"),
        ({"link": "ftp://example.org/meet"}, "not a web link"),
        ({"link": "javascript:alert(1)"}, "not a web link"),
        ({"nth_weekday": (1, 2)}, "is not the second Tuesday"),
        ({"location": "x" * 201}, "at most 200 characters"),
        ({"until": date(2027, 1, 1)}, "cannot end"),
    ],
)
async def test_bad_input_is_refused_and_nothing_is_stored(
    service: MeetingService, db: Database, extra: dict[str, Any], message: str
) -> None:
    with pytest.raises(UserError, match=message):
        await quarterly(service, **extra)
    assert await count(db, "meeting_series") == 0
    assert await count(db, "audit_log") == 0


# ---- finding, skipping, editing, cancelling -----------------------------------------------


async def test_find_by_date_and_the_next_one(service: MeetingService) -> None:
    await quarterly(service)
    assert (await service.find(SOUTH)).key == "2027-03-10"
    assert (await service.find(SOUTH, day=date(2027, 6, 10))).key == "2027-06-10"
    with pytest.raises(UserError, match="no meeting on Friday 11 June 2027"):
        await service.find(SOUTH, day=date(2027, 6, 11))
    with pytest.raises(UserError, match="Brisbane has no meetings scheduled"):
        await service.find(BRISBANE)


async def test_skipping_one_tells_those_coming(service: MeetingService, db: Database) -> None:
    result = await quarterly(service)
    series_id = result.series.id
    await service.rsvp(series_id, "2027-06-10", key("mia"), Answer.GOING)
    await service.rsvp(series_id, "2027-06-10", key("max"), Answer.NO)
    await service.rsvp(series_id, "2027-06-10", key("eve"), Answer.MAYBE)
    meeting, told = await service.skip(
        actor_key=key("eve"), network_id=SOUTH, day=date(2027, 6, 10)
    )
    assert (meeting.key, told) == ("2027-06-10", 2)
    assert await outbox(db) == {
        f"meeting:{series_id}:2027-06-10:cancelled:console:eve": "eve",
        f"meeting:{series_id}:2027-06-10:cancelled:console:mia": "mia",
    }
    assert [m.key for m in await service.upcoming(SOUTH, limit=3)] == [
        "2027-03-10",
        "2027-09-10",
        "2027-12-10",
    ]
    with pytest.raises(UserError, match="skipped or cancelled"):
        await service.find(SOUTH, day=date(2027, 6, 10))
    with pytest.raises(UserError, match="skipped or cancelled"):
        await service.skip(actor_key=key("eve"), network_id=SOUTH, day=date(2027, 6, 10))
    assert (await audit(db))[-1] == (
        key("eve"),
        "meeting.skip",
        f"series:{series_id}:2027-06-10",
        "2 told",
    )


async def test_a_started_meeting_cannot_be_skipped(
    service: MeetingService, clock: FakeClock
) -> None:
    await quarterly(service)
    clock.set(datetime(2027, 3, 9, 23, 30, tzinfo=UTC))
    with pytest.raises(UserError, match="already started"):
        await service.skip(actor_key=key("carol"), network_id=SOUTH, day=MARCH)


async def test_moving_one_occurrence(service: MeetingService, db: Database) -> None:
    await quarterly(service)
    edited = await service.edit_occurrence(
        actor_key=key("carol"),
        network_id=SOUTH,
        day=date(2027, 6, 10),
        new_date=date(2027, 6, 17),
        start_time=time(13, 0),
        location="Nowra library",
    )
    meeting = edited.meeting
    assert edited.note is None
    assert edited.moved == 0  # nobody had answered
    assert meeting.key == "2027-06-10"  # the key stays: outbox keys stay stable
    assert describe(meeting.occurrence) == "Thursday 17 June 2027, 13:00 to 15:00 AEST"
    assert meeting.location == "Nowra library"
    assert meeting.link == "https://example.org/meet"  # not overridden: the series' one
    # found again by its new date, and by its original one
    assert (await service.find(SOUTH, day=date(2027, 6, 17))).key == "2027-06-10"
    assert (await service.find(SOUTH, day=date(2027, 6, 10))).occurrence.overridden
    # a second edit keeps the first one's changes
    meeting = (
        await service.edit_occurrence(
            actor_key=key("carol"), network_id=SOUTH, day=date(2027, 6, 17), duration_minutes=60
        )
    ).meeting
    assert describe(meeting.occurrence) == "Thursday 17 June 2027, 13:00 to 14:00 AEST"
    assert meeting.location == "Nowra library"
    assert [a[1:3] for a in await audit(db)][-2:] == [
        ("meeting.edit", "series:1:2027-06-10"),
        ("meeting.edit", "series:1:2027-06-10"),
    ]


async def test_moving_one_into_the_past_or_with_nothing_changes_nothing(
    service: MeetingService, db: Database
) -> None:
    await quarterly(service)
    with pytest.raises(UserError, match="already passed"):
        await service.edit_occurrence(
            actor_key=key("carol"), network_id=SOUTH, day=MARCH, new_date=date(2027, 1, 1)
        )
    with pytest.raises(UserError, match="Say what to change"):
        await service.edit_occurrence(actor_key=key("carol"), network_id=SOUTH, day=MARCH)
    with pytest.raises(UserError, match="not a web link"):
        await service.edit_occurrence(
            actor_key=key("carol"), network_id=SOUTH, day=MARCH, link="www.example.org"
        )
    assert await count(db, "occurrence_changes") == 0


async def test_editing_the_series(service: MeetingService, db: Database) -> None:
    result = await quarterly(service)
    series_id = result.series.id
    await service.rsvp(series_id, "2027-06-10", key("mia"), Answer.GOING)
    edited = await service.edit_series(
        actor_key=key("carol"),
        network_id=SOUTH,
        series_id=series_id,
        start_time=time(9, 30),
        interval_months=6,
        link="",
    )
    assert [m.key for m in edited.upcoming] == ["2027-03-10", "2027-09-10", "2028-03-10"]
    assert edited.upcoming[0].occurrence.local_start.time() == time(9, 30)
    assert edited.series.link is None
    # June is no longer a meeting: mia, who said she was going, is told
    assert list(await outbox(db)) == [f"meeting:{series_id}:2027-06-10:cancelled:console:mia"]
    assert (await audit(db))[-1][1:] == (
        "meeting.edit",
        f"series:{series_id}",
        "start time, repeat, link",
    )


async def test_editing_the_series_to_a_weekday_of_the_month(service: MeetingService) -> None:
    result = await quarterly(service)
    edited = await service.edit_series(
        actor_key=key("carol"), network_id=SOUTH, series_id=result.series.id, nth_weekday=(1, 2)
    )
    assert [m.key for m in edited.upcoming] == ["2027-03-09", "2027-06-08", "2027-09-14"]
    back = await service.edit_series(
        actor_key=key("carol"), network_id=SOUTH, series_id=result.series.id, same_date=True
    )
    assert back.upcoming[0].key == "2027-03-09"


async def test_bad_series_edits_change_nothing(service: MeetingService, db: Database) -> None:
    result = await quarterly(service)
    for bad in ({"interval_months": 13}, {"duration_minutes": 721}, {"link": "mailto:a@b.c"}):
        with pytest.raises(UserError):
            await service.edit_series(
                actor_key=key("carol"), network_id=SOUTH, series_id=result.series.id, **bad
            )
    with pytest.raises(UserError, match="Say what to change"):
        await service.edit_series(
            actor_key=key("carol"), network_id=SOUTH, series_id=result.series.id
        )
    with pytest.raises(UserError, match="no meeting series number"):
        await service.edit_series(
            actor_key=key("bea"), network_id=BRISBANE, series_id=result.series.id, recorded=True
        )
    series = await service.series_by_id(result.series.id)
    assert series == result.series


async def test_cancelling_the_series(service: MeetingService, db: Database) -> None:
    result = await quarterly(service)
    series_id = result.series.id
    await service.rsvp(series_id, "2027-03-10", key("mia"), Answer.GOING)
    await service.rsvp(series_id, "2027-06-10", key("mia"), Answer.MAYBE)
    await service.rsvp(series_id, "2027-06-10", key("max"), Answer.GOING)
    cancelled, told = await service.cancel_series(actor_key=key("carol"), network_id=SOUTH)
    assert (cancelled.id, told) == (series_id, 3)
    assert set(await outbox(db)) == {
        f"meeting:{series_id}:2027-03-10:cancelled:console:mia",
        f"meeting:{series_id}:2027-06-10:cancelled:console:mia",
        f"meeting:{series_id}:2027-06-10:cancelled:console:max",
    }
    assert await service.upcoming(SOUTH) == []
    assert await service.due_series() == []
    with pytest.raises(UserError, match="no meetings scheduled"):
        await service.cancel_series(actor_key=key("carol"), network_id=SOUTH)


async def test_listeners_hear_about_changes(service: MeetingService) -> None:
    heard: list[int] = []

    async def listener(series_id: int) -> None:
        heard.append(series_id)

    async def broken(series_id: int) -> None:
        raise RuntimeError("a broken listener never undoes a change")

    service.on_change(broken)
    service.on_change(listener)
    result = await quarterly(service)
    await service.skip(actor_key=key("carol"), network_id=SOUTH, day=MARCH)
    assert heard == [result.series.id, result.series.id]


# ---- answers, reminders, settings -----------------------------------------------------------


async def test_answers_are_one_per_person_and_can_change(service: MeetingService) -> None:
    series_id = (await quarterly(service)).series.id
    assert await service.rsvp(series_id, "2027-03-10", key("mia"), Answer.GOING) == {
        "going": 1,
        "maybe": 0,
        "no": 0,
    }
    await service.rsvp(series_id, "2027-03-10", key("max"), Answer.GOING)
    counts = await service.rsvp(series_id, "2027-03-10", key("mia"), Answer.MAYBE)
    assert counts == {"going": 1, "maybe": 1, "no": 0}
    assert [(r.user_key, r.answer) for r in await service.rsvps(series_id, "2027-03-10")] == [
        (key("max"), Answer.GOING),
        (key("mia"), Answer.MAYBE),
    ]
    assert await service.going_or_maybe(series_id, "2027-03-10") == [key("max"), key("mia")]
    assert await service.my_answer(series_id, "2027-03-10", key("mia")) is Answer.MAYBE


async def test_answers_are_refused_when_they_make_no_sense(
    service: MeetingService, clock: FakeClock
) -> None:
    series_id = (await quarterly(service)).series.id
    with pytest.raises(UserError, match="Only members of South Coast"):
        await service.rsvp(series_id, "2027-03-10", key("ben"), Answer.GOING)
    with pytest.raises(UserError, match="no longer exists"):
        await service.rsvp(series_id, "2027-03-11", key("mia"), Answer.GOING)
    clock.set(datetime(2027, 3, 10, 0, 0, tzinfo=UTC))
    with pytest.raises(UserError, match="already started"):
        await service.rsvp(series_id, "2027-03-10", key("mia"), Answer.GOING)


async def test_reminder_recipients_leave_out_those_who_turned_them_off(
    service: MeetingService,
) -> None:
    series_id = (await quarterly(service)).series.id
    for who, answer in (("mia", Answer.GOING), ("max", Answer.MAYBE), ("eve", Answer.NO)):
        await service.rsvp(series_id, "2027-03-10", key(who), answer)
    assert await service.set_reminders(key("max"), on=False) is True
    assert await service.set_reminders(key("max"), on=False) is False
    assert await service.reminders_off(key("max"))
    assert await service.reminder_recipients(series_id, "2027-03-10") == [key("mia")]
    await service.set_reminders(key("max"), on=True)
    assert await service.reminder_recipients(series_id, "2027-03-10") == [
        key("max"),
        key("mia"),
    ]


async def test_settings_default_and_change(service: MeetingService, db: Database) -> None:
    defaults = await service.settings(SOUTH)
    assert defaults.announce_days == 14
    assert defaults.reminder_offsets == (timedelta(days=1), timedelta(hours=2))
    await quarterly(service)
    changed = await service.set_settings(
        actor_key=key("carol"),
        network_id=SOUTH,
        announce_days=21,
        reminder_offsets=parse_offsets("2h, 30m, 2d"),
    )
    assert changed.reminder_offsets == (
        timedelta(days=2),
        timedelta(hours=2),
        timedelta(minutes=30),
    )
    [plan] = await service.due_series()
    assert plan.settings == changed
    assert plan.network_slug == "south-coast"
    assert (await service.settings(BRISBANE)).announce_days == 14
    with pytest.raises(UserError, match="0 to 60 days"):
        await service.set_settings(actor_key=key("carol"), network_id=SOUTH, announce_days=61)
    assert (await audit(db))[-1][1:] == (
        "meeting.settings",
        "network:1",
        "notice 21 days; reminders 2880,120,30 minutes",
    )


@pytest.mark.parametrize("text", ["1x", "h", "0h", "1d,2h,3h,4h,5h", "31d"])
def test_bad_reminder_times_are_refused(text: str) -> None:
    with pytest.raises(UserError):
        parse_offsets(text)


def test_no_reminders() -> None:
    assert parse_offsets("none") == ()


async def test_due_series_carries_skips_and_overrides(service: MeetingService) -> None:
    series_id = (await quarterly(service)).series.id
    await service.skip(actor_key=key("carol"), network_id=SOUTH, day=date(2027, 6, 10))
    await service.edit_occurrence(
        actor_key=key("carol"), network_id=SOUTH, day=date(2027, 9, 10), start_time=time(11, 0)
    )
    [plan] = await service.due_series()
    assert plan.series.id == series_id
    assert plan.changes.skipped == frozenset({"2027-06-10"})
    assert set(plan.changes.overrides) == {"2027-09-10"}
    meeting = await service.meeting(series_id, "2027-09-10")
    assert meeting is not None and meeting.occurrence.local_start.hour == 11
    assert await service.meeting(series_id, "2027-06-10") is None


# ---- agenda, minutes, attendance, record ----------------------------------------------------


async def test_agenda_items_until_the_meeting_starts(
    service: MeetingService, clock: FakeClock
) -> None:
    await quarterly(service, agenda="Welcome; training update")
    meeting = await service.find(SOUTH)
    await service.add_agenda_item(meeting, key("mia"), "  Peer supervision options  ")
    [item] = await service.agenda_items(meeting)
    assert (item.user_key, item.text) == (key("mia"), "Peer supervision options")
    with pytest.raises(UserError, match="at most 300 characters"):
        await service.add_agenda_item(meeting, key("mia"), "x" * 301)
    clock.set(meeting.occurrence.start)
    with pytest.raises(UserError, match="closed when it started"):
        await service.add_agenda_item(meeting, key("mia"), "Too late")
    assert len(await service.agenda_items(meeting)) == 1


async def test_minutes_after_the_meeting(
    service: MeetingService, clock: FakeClock, db: Database
) -> None:
    await quarterly(service)
    meeting = await service.find(SOUTH)
    with pytest.raises(UserError, match="not started yet"):
        await service.record_minutes(actor_key=key("carol"), meeting=meeting, text="Notes")
    clock.set(meeting.occurrence.end)
    await service.record_minutes(actor_key=key("carol"), meeting=meeting, text="First")
    await service.record_minutes(actor_key=key("carol"), meeting=meeting, text="Second")
    minutes = await service.minutes(meeting)
    assert minutes is not None and minutes.text == "Second"
    assert (await audit(db))[-1] == (
        key("carol"),
        "meeting.minutes",
        "series:1:2027-03-10",
        "6 characters",
    )


async def test_attendance_defaults_to_going_and_becomes_a_record(
    service: MeetingService, clock: FakeClock
) -> None:
    series_id = (await quarterly(service)).series.id
    await service.rsvp(series_id, "2027-03-10", key("mia"), Answer.GOING)
    await service.rsvp(series_id, "2027-03-10", key("max"), Answer.MAYBE)
    meeting = await service.find(SOUTH)
    with pytest.raises(UserError, match="not started yet"):
        await service.mark_attendance(actor_key=key("carol"), meeting=meeting)
    clock.set(datetime(2027, 3, 10, 3, 0, tzinfo=UTC))
    latest = await service.find(SOUTH, past=True)
    assert latest.key == "2027-03-10"
    assert await service.mark_attendance(actor_key=key("carol"), meeting=latest) == [key("mia")]
    await service.mark_attendance(
        actor_key=key("carol"), meeting=latest, user_keys=[key("max"), key("guest")], hours=1.5
    )
    assert await service.attendees(latest) == [
        (key("guest"), 1.5),
        (key("max"), 1.5),
        (key("mia"), 2.0),
    ]
    [record] = await service.record(key("mia"))
    assert (record.day, record.network_name, record.hours) == (MARCH, "South Coast", 2.0)
    assert await service.record(key("mia"), BRISBANE) == []
    with pytest.raises(UserError, match="at most 12"):
        await service.mark_attendance(actor_key=key("carol"), meeting=latest, hours=13)


async def test_nobody_going_means_name_them(service: MeetingService, clock: FakeClock) -> None:
    await quarterly(service)
    clock.set(datetime(2027, 3, 10, 3, 0, tzinfo=UTC))
    meeting = await service.find(SOUTH, past=True)
    with pytest.raises(UserError, match="Nobody answered Going"):
        await service.mark_attendance(actor_key=key("carol"), meeting=meeting)


async def test_no_past_meeting_yet(service: MeetingService) -> None:
    await quarterly(service)
    with pytest.raises(UserError, match="has had no meetings yet"):
        await service.find(SOUTH, past=True)
