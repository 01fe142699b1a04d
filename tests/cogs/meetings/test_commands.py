"""Layer 2: /meeting commands through the registry of a real App, as a person would run them."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from icalendar import Calendar, Event

from bot.clock import FakeClock
from bot.identity import PlaceRef, UserRef
from bot.registry import ActionInvocation, Invocation
from bot.replies import Reply
from cogs.meetings.commands import MINUTES_ACTION
from cogs.meetings.models import Answer
from tests.cogs.meetings.conftest import World, key
from tests.cogs.networks import invoke, press, user

SOUTH = "south-coast"
SCHEDULE: dict[str, Any] = {
    "network": SOUTH,
    "date": "2027-03-10",
    "time": "10:00",
    "duration": 120,
    "location": "Wollongong Hospital, room 3",
    "link": "https://example.org/meet",
    "agenda": "Welcome; training update",
}


def private(reply: Reply) -> str:
    assert reply.private, reply.text
    return reply.text


async def schedule(world: World, who: str = "carol", **extra: Any) -> str:
    return private(await invoke(world.kernel, who, "meeting schedule", **{**SCHEDULE, **extra}))


async def rows(world: World, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in await world.kernel.db.fetch_all(sql)]


async def meeting_audit(world: World) -> list[tuple[str, str, str]]:
    return await rows(
        world,
        "SELECT actor_key, action, target FROM audit_log WHERE action LIKE 'meeting.%' ORDER BY id",
    )


# ---- scheduling -----------------------------------------------------------------------------


async def test_an_executive_schedules_a_quarterly_meeting(world: World) -> None:
    text = await schedule(world, "eve", on="second wednesday")
    assert text.startswith("Scheduled South Coast meeting (series number 1): every 3 months")
    assert "- Wednesday 10 March 2027, 10:00 to 12:00 AEDT" in text
    assert "- Wednesday 9 June 2027, 10:00 to 12:00 AEST" in text
    assert "Daylight saving" not in text
    assert await meeting_audit(world) == [(key("eve"), "meeting.schedule", "series:1")]


async def test_on_discord_times_carry_a_timestamp(world: World) -> None:
    await schedule(world)
    await world.kernel.registry.directory.assign_role("discord:42", world.south, _member())
    invocation = Invocation(
        user=UserRef(platform="discord", id="42"),
        place=None,
        name="meeting next",
        arguments={"network": SOUTH},
    )
    text = private(await world.kernel.registry.invoke(invocation))
    start = int(datetime(2027, 3, 9, 23, 0, tzinfo=UTC).timestamp())
    assert f"(<t:{start}:F>)" in text


def _member() -> Any:
    from bot.commands import Role

    return Role.MEMBER


async def test_a_daylight_saving_gap_is_explained(world: World) -> None:
    text = await schedule(world, date="3 October 2027", time="2:30am", on="first sunday")
    assert "Daylight saving:" in text
    assert "does not exist" in text


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"date": "2026-12-01"}, "is in the past"),
        ({"date": "31 February 2027"}, "31 February 2027 does not exist"),
        ({"date": "someday"}, "could not read 'someday' as a date"),
        ({"time": "25:00"}, "hours go from 0 to 23"),
        ({"time": "10"}, "could be morning or evening"),
        ({"duration": 800}, "The option 'duration' must be a whole number from 1 to 720"),
        ({"every": 13}, "The option 'every' must be a whole number from 1 to 12"),
        ({"every": 0}, "The option 'every' must be a whole number from 1 to 12"),
        ({"link": "ftp://example.org"}, "is not a web link"),
        ({"on": "fifth friday"}, "Not every month has a fifth weekday"),
        ({"on": "second tuesday"}, "is not the second Tuesday"),
    ],
)
async def test_bad_input_gets_a_clear_answer_and_changes_nothing(
    world: World, extra: dict[str, Any], message: str
) -> None:
    text = await schedule(world, **extra)
    assert message in text
    assert await rows(world, "SELECT id FROM meeting_series") == []
    assert await meeting_audit(world) == []


async def test_members_may_not_schedule(world: World) -> None:
    text = await schedule(world, "mia")
    assert text.startswith("You need to be an executive in South Coast")
    assert await rows(world, "SELECT id FROM meeting_series") == []


# ---- seeing them ------------------------------------------------------------------------------


async def test_next_and_list(world: World) -> None:
    k = world.kernel
    text = private(await invoke(k, "mia", "meeting next"))
    assert text == "South Coast has no meetings scheduled."  # no confidentiality line
    await schedule(world)
    text = private(await invoke(k, "mia", "meeting next"))
    assert text.startswith("South Coast meeting: Wednesday 10 March 2027, 10:00 to 12:00 AEDT")
    assert "(South Coast)" not in text  # the network is named once
    assert "Where: Wollongong Hospital, room 3" in text
    assert "Online: https://example.org/meet" in text
    assert "This meeting is not recorded." in text
    assert "never share anything that could identify a person you support" in text
    text = private(await invoke(k, "mia", "meeting list", network=SOUTH, count=3))
    assert text.splitlines() == [
        "Upcoming meetings of South Coast:",
        "- Wednesday 10 March 2027, 10:00 to 12:00 AEDT",
        "- Thursday 10 June 2027, 10:00 to 12:00 AEST",
        "- Friday 10 September 2027, 10:00 to 12:00 AEST",
    ]
    assert private(await invoke(k, "ben", "meeting list")).startswith(
        "Brisbane has no meetings scheduled."
    )
    assert private(await invoke(k, "ben", "meeting list", network=SOUTH)).startswith(
        "You need to be a member in South Coast"
    )


async def test_next_shows_my_answer(world: World) -> None:
    await schedule(world)
    await world.service.rsvp(1, "2027-03-10", key("mia"), Answer.MAYBE)
    assert "Your answer: Maybe." in private(await invoke(world.kernel, "mia", "meeting next"))


# ---- editing, skipping, cancelling ----------------------------------------------------------


async def test_edit_one_meeting_then_the_series(world: World) -> None:
    k = world.kernel
    await schedule(world)
    text = private(
        await invoke(
            k, "carol", "meeting edit", network=SOUTH, date="2027-06-10", to="2027-06-17",
            location="Nowra library",
        )
    )  # fmt: skip
    assert "Changed that one meeting" in text
    assert "Thursday 17 June 2027, 10:00 to 12:00 AEST" in text
    assert "Where: Nowra library" in text
    # 'none' for one meeting goes back to the series' value
    text = private(
        await invoke(k, "carol", "meeting edit", network=SOUTH, date="2027-06-17", location="none")
    )
    assert "Where: Wollongong Hospital, room 3" in text
    listing = private(await invoke(k, "mia", "meeting list", network=SOUTH, count=2))
    assert "- Thursday 17 June 2027, 10:00 to 12:00 AEST (moved)" in listing
    text = private(
        await invoke(k, "carol", "meeting edit", network=SOUTH, time="9:30am", recorded=True)
    )
    assert text.startswith("Changed South Coast meeting (series number 1)")
    assert "- Wednesday 10 March 2027, 09:30 to 11:30 AEDT" in text
    assert "This meeting is recorded." in private(await invoke(k, "mia", "meeting next"))
    refused = private(
        await invoke(k, "carol", "meeting edit", network=SOUTH, date="2027-06-10", every=6)
    )
    assert refused.startswith("every can only be changed for the whole series")
    assert [a[1] for a in await meeting_audit(world)] == [
        "meeting.schedule",
        "meeting.edit",
        "meeting.edit",
        "meeting.edit",
    ]


async def test_skip_and_cancel_one_tell_those_coming(world: World) -> None:
    k = world.kernel
    await schedule(world)
    await world.service.rsvp(1, "2027-06-10", key("mia"), Answer.GOING)
    text = private(await invoke(k, "carol", "meeting skip", network=SOUTH, date="10/06/2027"))
    assert text.startswith("Skipped the South Coast meeting on Thursday 10 June 2027")
    assert "The 1 person who said they would or might come is being told privately." in text
    assert "peerbot will let you know privately if someone cannot be reached." in text
    text = private(await invoke(k, "carol", "meeting cancel", network=SOUTH, date="2027-09-10"))
    assert "Nobody had said they were coming" in text
    messages = await rows(world, "SELECT key, target_id, message_json FROM outbox")
    assert [(m[0], m[1]) for m in messages] == [
        ("meeting:1:2027-06-10:cancelled:console:mia", "mia")
    ]
    told = json.loads(messages[0][2])["text"]
    assert told == (
        "The South Coast meeting on Thursday 10 June 2027, 10:00 to 12:00 AEST is skipped: it "
        "will not take place. The series goes on. You said you would come, so peerbot is "
        "letting you know. Type /meeting next to see the next one."
    )
    listing = private(await invoke(k, "mia", "meeting list", network=SOUTH, count=2))
    assert "June" not in listing and "September" not in listing
    again = private(await invoke(k, "carol", "meeting skip", network=SOUTH, date="2027-06-10"))
    assert "was skipped or cancelled" in again


async def test_cancel_needs_a_date_or_whole(world: World) -> None:
    k = world.kernel
    await schedule(world)
    text = private(await invoke(k, "carol", "meeting cancel", network=SOUTH))
    assert text.startswith("Say what to cancel")
    asked = await invoke(k, "carol", "meeting cancel", network=SOUTH, whole=True)
    assert asked.private and asked.text.startswith(
        "This cancels every meeting to come of the South Coast meeting (series number 1, "
    ), asked.text
    assert "The next one would be Wednesday 10 March 2027, 10:00 to 12:00 AEDT." in asked.text
    assert [b.label for b in asked.buttons] == ["Cancel the whole series", "Keep the series"]
    assert (await meeting_audit(world))[-1][1] == "meeting.schedule"  # nothing yet
    confirm = asked.buttons[0].action
    # Only the person who asked can confirm, and only once.
    refused = await press(k, "eve", confirm)
    assert refused.text.startswith("That confirmation has expired or was already used")
    assert "South Coast meeting" in private(await invoke(k, "mia", "meeting next"))
    done = private(await press(k, "carol", confirm))
    assert done.startswith("Cancelled the whole series South Coast meeting (number 1)")
    assert private(await invoke(k, "mia", "meeting next")).startswith(
        "South Coast has no meetings scheduled."
    )
    assert (await meeting_audit(world))[-1] == (key("carol"), "meeting.cancel", "series:1")
    again = private(await press(k, "carol", confirm))
    assert again.startswith("That confirmation has expired or was already used")


async def test_keeping_the_series_uses_the_confirmation_up(world: World) -> None:
    k = world.kernel
    await schedule(world)
    asked = await invoke(k, "carol", "meeting cancel", network=SOUTH, whole=True)
    kept = private(await press(k, "carol", asked.buttons[1].action))
    assert kept == "The series stays as it is. Nothing was cancelled."
    late = private(await press(k, "carol", asked.buttons[0].action))
    assert late.startswith("That confirmation has expired or was already used")
    assert "South Coast meeting" in private(await invoke(k, "mia", "meeting next"))


# ---- answers, agenda, minutes, attendance, record -------------------------------------------


async def test_attendees(world: World) -> None:
    await schedule(world)
    for who, answer in (("mia", Answer.GOING), ("max", Answer.NO), ("eve", Answer.MAYBE)):
        await world.service.rsvp(1, "2027-03-10", key(who), answer)
    text = private(await invoke(world.kernel, "eve", "meeting attendees", network=SOUTH))
    assert text.splitlines()[1:] == ["Going (1): mia", "Maybe (1): eve", "Can't go (1): max"]


async def test_agenda_suggestions(world: World, clock: FakeClock) -> None:
    k = world.kernel
    await schedule(world)
    text = private(await invoke(k, "mia", "meeting agenda", add="Peer supervision options"))
    assert text.startswith("Added your suggestion to the agenda of the South Coast meeting")
    text = private(await invoke(k, "max", "meeting agenda", network=SOUTH))
    assert "Welcome; training update" in text
    assert "1. Peer supervision options (mia)" in text
    refused = private(await invoke(k, "ben", "meeting agenda", network=SOUTH, add="Hello"))
    assert refused.startswith("You need to be a member in South Coast")
    clock.set(datetime(2027, 3, 9, 23, 0, tzinfo=UTC))
    late = private(await invoke(k, "mia", "meeting agenda", add="Too late", date="2027-03-10"))
    assert "closed when it started" in late


async def test_minutes_form_and_attendance_then_my_record(world: World, clock: FakeClock) -> None:
    k = world.kernel
    await schedule(world)
    await world.service.rsvp(1, "2027-03-10", key("mia"), Answer.GOING)
    refused = private(await invoke(k, "carol", "meeting minutes", network=SOUTH))
    assert "has had no meetings yet" in refused
    clock.set(datetime(2027, 3, 10, 2, 0, tzinfo=UTC))  # 13:00 AEDT, after the meeting
    reply = await invoke(k, "carol", "meeting minutes", network=SOUTH)
    assert reply.form is not None and reply.form.action.action == MINUTES_ACTION
    submitted = ActionInvocation(
        user=user("carol"),
        place=None,
        action=reply.form.action,
        fields={"minutes": "Discussed peer supervision."},
    )
    assert private(await k.registry.invoke_action(submitted)).startswith("Saved the minutes")
    intruder = ActionInvocation(
        user=user("bea"), place=None, action=reply.form.action, fields={"minutes": "Mine now"}
    )
    assert "coordinator in South Coast" in private(await k.registry.invoke_action(intruder))
    assert await rows(world, "SELECT text FROM minutes") == [("Discussed peer supervision.",)]

    text = private(await invoke(k, "carol", "meeting attend", network=SOUTH))
    assert text.startswith("Marked 1 person as attending the South Coast meeting")
    text = private(
        await invoke(k, "carol", "meeting attend", network=SOUTH, members="max, <@eve>", hours=1.5)
    )
    assert "Marked 2 people" in text and "eve, max" in text
    assert [a[1] for a in await meeting_audit(world)][-3:] == [
        "meeting.minutes",
        "meeting.attend",
        "meeting.attend",
    ]

    reply = await invoke(k, "mia", "meeting record")
    assert "- 10 March 2027: South Coast, South Coast meeting, 2 hours" in private(reply)
    assert "Total: 2 hours at 1 meeting." in reply.text
    attachment, page = reply.attachments
    assert attachment.mime_type == "text/csv" and page.mime_type == "text/html"
    table = list(csv.reader(io.StringIO(attachment.content.decode("utf-8"))))
    assert table == [
        ["date", "network", "meeting", "topic", "facilitator", "hours"],
        ["2027-03-10", "South Coast", "South Coast meeting", "", "", "2"],
    ]
    nothing = private(await invoke(k, "ben", "meeting record"))
    assert nothing.startswith("No meeting attendance is recorded for you yet")


async def test_attendance_before_the_meeting_is_refused(world: World) -> None:
    await schedule(world)
    text = private(
        await invoke(world.kernel, "carol", "meeting attend", network=SOUTH, date="2027-03-10")
    )
    assert "has not started yet" in text
    assert await rows(world, "SELECT user_key FROM attendance") == []


# ---- calendar files and reminders -----------------------------------------------------------


def calendar_of(reply: Reply) -> tuple[Calendar, dict[str, Event]]:
    """The attached calendar file, its events by occurrence key."""
    [attachment] = reply.attachments
    assert attachment.mime_type == "text/calendar"
    calendar = Calendar.from_ical(attachment.content)
    events = {
        str(e["UID"]).removeprefix("meeting-series-1-").removesuffix("@peerbot"): e
        for e in calendar.walk("VEVENT")
        if isinstance(e, Event)
    }
    return calendar, events


def sequence(event: Event) -> int:
    value: Any = event["SEQUENCE"]
    return int(value)


async def test_calendar_files(world: World) -> None:
    k = world.kernel
    await schedule(world)
    await invoke(k, "carol", "meeting skip", network=SOUTH, date="2027-06-10")
    reply = await invoke(k, "mia", "meeting ics")
    assert reply.private and reply.text.startswith("The calendar file for the South Coast")
    assert reply.attachments[0].filename == "south-coast-meeting-2027-03-10.ics"
    calendar, single = calendar_of(reply)
    assert list(single) == ["2027-03-10"]
    assert single["2027-03-10"].decoded("dtstart") == datetime(2027, 3, 9, 23, 0, tzinfo=UTC)
    reply = await invoke(k, "mia", "meeting ics", whole=True)
    assert reply.attachments[0].filename == "south-coast-meetings.ics"
    assert "up to 5 years ahead" in reply.text
    calendar, events = calendar_of(reply)
    assert calendar["METHOD"] == "PUBLISH"
    assert list(events)[:3] == ["2027-03-10", "2027-06-10", "2027-09-10"]
    # The same event in both files: importing both keeps one.
    assert events["2027-03-10"]["UID"] == single["2027-03-10"]["UID"]
    assert sequence(events["2027-03-10"]) == sequence(single["2027-03-10"]) == 0
    assert str(events["2027-06-10"]["STATUS"]) == "CANCELLED"
    assert str(events["2027-09-10"]["STATUS"]) == "CONFIRMED"


async def test_calendar_sequence_rises_with_each_change(world: World, clock: FakeClock) -> None:
    k = world.kernel
    await schedule(world)

    async def event(day: str = "2027-09-10") -> Event:
        return calendar_of(await invoke(k, "mia", "meeting ics", date=day))[1][day]

    first = await event()
    clock.advance(timedelta(minutes=5))
    await invoke(k, "carol", "meeting edit", network=SOUTH, date="2027-09-10", location="Library")
    moved = await event()
    assert moved["UID"] == first["UID"]
    assert str(moved["LOCATION"]) == "Library"
    assert sequence(moved) > sequence(first)
    clock.advance(timedelta(minutes=5))
    await invoke(k, "carol", "meeting edit", network=SOUTH, link="https://example.org/new")
    relinked = await event()
    assert "https://example.org/new" in str(relinked["DESCRIPTION"])
    assert sequence(relinked) > sequence(moved)
    # After a restart nothing is different: the numbers come from the database.
    assert sequence(await event()) == sequence(relinked)
    clock.advance(timedelta(minutes=5))
    await invoke(k, "carol", "meeting cancel", network=SOUTH, date="2027-09-10")
    reply = await invoke(k, "mia", "meeting ics", date="2027-09-10")
    assert "was skipped or cancelled" in reply.text
    assert reply.attachments[0].filename == "south-coast-meeting-2027-09-10.ics"
    calendar, events = calendar_of(reply)
    assert calendar["METHOD"] == "CANCEL"
    cancelled = events["2027-09-10"]
    assert cancelled["UID"] == first["UID"]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert sequence(cancelled) > sequence(relinked)
    assert "has no meeting on" in (await invoke(k, "mia", "meeting ics", date="2027-09-11")).text


async def test_calendar_alarms_follow_the_reminder_settings(world: World) -> None:
    k = world.kernel
    await schedule(world)

    async def triggers(who: str = "mia") -> list[timedelta]:
        [event] = calendar_of(await invoke(k, who, "meeting ics"))[1].values()
        return [alarm.decoded("trigger") for alarm in event.walk("VALARM")]

    assert await triggers() == [-timedelta(days=1), -timedelta(hours=2)]
    await invoke(k, "carol", "meeting settings", network=SOUTH, reminders="2d, 30m")
    assert await triggers() == [-timedelta(days=2), -timedelta(minutes=30)]
    await invoke(k, "mia", "meeting reminders", state="off")
    assert await triggers() == []
    assert await triggers("max") == [-timedelta(days=2), -timedelta(minutes=30)]


async def test_reminders_on_and_off(world: World) -> None:
    k = world.kernel
    assert "are on" in private(await invoke(k, "mia", "meeting reminders"))
    assert "are off" in private(await invoke(k, "mia", "meeting reminders", state="off"))
    assert await world.service.reminders_off(key("mia"))
    assert "are off" in private(await invoke(k, "mia", "meeting reminders"))
    assert "are on" in private(await invoke(k, "mia", "meeting reminders", state="on"))
    bad = private(await invoke(k, "mia", "meeting reminders", state="maybe"))
    assert "must be one of: on, off" in bad


async def test_settings(world: World) -> None:
    k = world.kernel
    text = private(await invoke(k, "carol", "meeting settings", network=SOUTH))
    assert "14 days before" in text and "1 day, 2 hours before" in text
    text = private(
        await invoke(
            k, "carol", "meeting settings", network=SOUTH, notice_days=7, reminders="1d, 30m"
        )
    )
    assert "7 days before" in text and "1 day, 30 minutes before" in text
    bad = private(await invoke(k, "carol", "meeting settings", network=SOUTH, reminders="soon"))
    assert "is not a reminder time" in bad
    assert (await world.service.settings(world.south)).announce_days == 7


# ---- privacy ----------------------------------------------------------------------------------


async def test_privacy_export_and_delete(world: World, clock: FakeClock) -> None:
    k = world.kernel
    await schedule(world)
    await world.service.rsvp(1, "2027-03-10", key("mia"), Answer.GOING)
    await invoke(k, "mia", "meeting agenda", add="Peer supervision")
    await invoke(k, "mia", "meeting reminders", state="off")
    clock.set(datetime(2027, 3, 10, 2, 0, tzinfo=UTC))
    await invoke(k, "carol", "meeting attend", network=SOUTH)
    await world.service.record_minutes(
        actor_key=key("carol"), meeting=await world.service.find(world.south, past=True), text="M"
    )

    reply = await invoke(k, "mia", "privacy export")
    data = json.loads(reply.attachments[0].content)["data"]["meetings"]
    assert [a["answer"] for a in data["answers"]] == ["going"]
    assert [(a["network"], a["hours"]) for a in data["attendance"]] == [("South Coast", 2.0)]
    assert [a["text"] for a in data["agenda_items"]] == ["Peer supervision"]
    assert data["reminders_off_since"] is not None

    policy = private(await invoke(k, "mia", "privacy policy"))
    assert policy  # the statement is listed (checked below)
    statement = next(s for s in k.privacy.statements if s.area == "Meetings")
    assert "Minutes you recorded as a coordinator are the network's record" in statement.what

    for who in ("mia", "carol"):
        confirm = await invoke(k, who, "privacy delete")
        assert "Done." in private(await press(k, who, confirm.buttons[0].action))
    for table in ("rsvps", "attendance", "agenda_items", "reminder_optouts"):
        assert await rows(world, f"SELECT user_key FROM {table}") == []
    # the minutes stay, no longer naming carol
    assert await rows(world, "SELECT text, recorded_by FROM minutes") == [("M", "deleted-person")]
    assert await rows(world, "SELECT created_by FROM meeting_series") == [("deleted-person",)]


async def test_a_command_in_a_networks_channel_needs_no_network_option(world: World) -> None:
    place = PlaceRef(platform="console", id="south-general", name="south-general")
    async with world.kernel.db.transaction() as tx:
        await tx.execute(
            "INSERT INTO network_places (place_key, network_id, purpose) VALUES (?, ?, ?)",
            (place.key, world.south, "general"),
        )
    arguments = {k: v for k, v in SCHEDULE.items() if k != "network"}
    invocation = Invocation(
        user=user("carol"), place=place, name="meeting schedule", arguments=arguments
    )
    assert private(await world.kernel.registry.invoke(invocation)).startswith("Scheduled")
