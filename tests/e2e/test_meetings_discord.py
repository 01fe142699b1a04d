"""Meetings end to end on Discord (issue 5, item 9 and "Done when"): the real discord.py client
and the real peerbot against the fake Discord, with a FakeClock the test sets. A coordinator
schedules a quarterly meeting, the notice is posted at its instant with RSVP buttons, members
answer by button and the counts change on the notice, the day-before reminder reaches only
Going and Maybe, once, and a member downloads the .ics."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import icalendar
import pytest

from bot.clock import FakeClock
from bot.scheduler import PlannedJob
from cogs.meetings.commands import MeetingsCog
from tests.e2e.fakediscord import FakeDiscord
from tests.e2e.peerbot_on_fake import PeerbotOnFake
from tests.e2e.test_networks_discord import (
    COORDINATOR,
    EPHEMERAL,
    answer,
    create_coast,
    dm_to,
)
from tests.e2e.typed import current

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
# 10:00 AEDT on Wednesday 10 March 2027 is 23:00 UTC the day before.
START = datetime(2027, 3, 9, 23, 0, tzinfo=UTC)
OCCURRENCE = "2027-03-10"
ANNOUNCE = START - timedelta(days=14)
DAY_BEFORE = START - timedelta(days=1)
GOING, MAYBE, NOT_GOING = "bob", "dave", "erin"
BUTTON = 2


@dataclass
class Meeting:
    bot: PeerbotOnFake
    fake: FakeDiscord
    clock: FakeClock
    series_id: int

    def custom_id(self, answer: str) -> str:
        return f"pb:b:meeting.rsvp|{self.series_id}:{OCCURRENCE}:{answer}"

    async def job(self, kind: str) -> PlannedJob:
        cog = self.bot.kernel.cogs["meetings"]
        assert isinstance(cog, MeetingsCog)
        jobs = {j.key: j for j in await cog.jobs.planned_jobs(self.clock.now())}
        return jobs[f"meeting:{self.series_id}:{OCCURRENCE}:{kind}"]

    async def run_job(self, kind: str, at: datetime) -> None:
        job = await self.job(kind)
        assert job.run_at == at, job
        self.clock.set(at)
        await self.bot.kernel.scheduler.run_job(job)


async def meeting_cmd(
    fake: FakeDiscord, sub: str, options: dict[str, Any] | None = None, **kwargs: Any
) -> dict[str, Any]:
    return await answer(await fake.send_command(current(f"meeting {sub}"), options, **kwargs))


@pytest.fixture
async def meeting(fake_discord: FakeDiscord, tmp_path: Path) -> AsyncIterator[Meeting]:
    """Coast (Australia/Sydney) set up by carol, three members, a quarterly meeting scheduled."""
    clock = FakeClock(NOW)
    for name in (MAYBE, NOT_GOING):  # members of the server before the bot starts
        fake_discord.add_user(name)
    bot = PeerbotOnFake(fake_discord, tmp_path, clock=clock)
    await bot.start()
    try:
        fake = fake_discord
        await create_coast(fake, members=(GOING, MAYBE, NOT_GOING), timezone="Australia/Sydney")

        scheduled = await meeting_cmd(
            fake,
            "schedule",
            {
                "network": "coast",
                "date": OCCURRENCE,
                "time": "10:00",
                "duration": 120,
                "location": "Community Hall, Nowra",
                "link": "https://meet.example.org/coast",
            },
            user=COORDINATOR,
        )
        assert scheduled["flags"] & EPHEMERAL
        assert scheduled["content"].startswith("Scheduled "), scheduled
        assert f"<t:{int(START.timestamp())}:F>" in scheduled["content"], scheduled
        series_id = int(scheduled["content"].split("(series number ")[1].split(")")[0])
        yield Meeting(bot, fake, clock, series_id)
    finally:
        await bot.stop()


async def announce_and_rsvp(m: Meeting) -> tuple[int, int]:
    """Post the notice at its instant; the three members answer. (channel id, message id)"""
    fake = m.fake
    announcements = fake.channel_id("coast-announcements")
    await m.run_job("announce", ANNOUNCE)
    posted = await fake.wait_for_request("POST", f"/channels/{announcements}/messages")
    assert posted.status == 200, posted
    message_id = int(posted.response["id"])
    embed = posted.json["embeds"][0]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert f"<t:{int(START.timestamp())}:F>" in fields["When"], fields
    assert "stays in the meeting" in fields["Confidentiality"], fields
    assert fields["Where"] == "Community Hall, Nowra"
    assert embed["footer"]["text"] == "Going: 0, Maybe: 0, Can't go: 0"
    buttons = [
        c for row in posted.json["components"] for c in row["components"] if c["type"] == BUTTON
    ]
    assert [(b["label"], b["custom_id"]) for b in buttons] == [
        ("Going", m.custom_id("going")),
        ("Maybe", m.custom_id("maybe")),
        ("Can't go", m.custom_id("no")),
    ]

    edit_path = f"/channels/{announcements}/messages/{message_id}"
    expected = (
        (GOING, "going", "Saved: Going", "Going: 1, Maybe: 0, Can't go: 0"),
        (MAYBE, "maybe", "Saved: Maybe", "Going: 1, Maybe: 1, Can't go: 0"),
        (NOT_GOING, "no", "Saved: Can't go", "Going: 1, Maybe: 1, Can't go: 1"),
    )
    for user, choice, saved, footer in expected:
        reply = await answer(
            await fake.click_button(m.custom_id(choice), message=message_id, user=user)
        )
        assert reply["flags"] & EPHEMERAL, reply
        assert reply["content"].startswith(f"{saved} to the meeting on Wednesday 10 March 2027")
        edited = await fake.wait_for_request("PATCH", edit_path)
        assert edited.status == 200, edited
        assert edited.json["embeds"][0]["footer"]["text"] == footer
    stored = fake.state.message(message_id, announcements)
    assert stored["embeds"][0]["footer"]["text"] == "Going: 1, Maybe: 1, Can't go: 1"
    public = [m for m in fake.messages_in(announcements) if not m.get("flags", 0) & EPHEMERAL]
    assert [int(m["id"]) for m in public] == [message_id]  # edited in place, not posted again
    return announcements, message_id


async def test_notice_is_posted_at_its_instant_and_rsvp_buttons_update_the_counts(
    meeting: Meeting,
) -> None:
    await announce_and_rsvp(meeting)


async def test_day_before_reminder_reaches_going_and_maybe_only_and_only_once(
    meeting: Meeting,
) -> None:
    fake = meeting.fake
    await announce_and_rsvp(meeting)

    await meeting.run_job("reminder-1d", DAY_BEFORE)
    for user in (GOING, MAYBE):
        sent = await dm_to(fake, user)
        assert "is tomorrow, Wednesday 10 March 2027, 10:00 to 12:00 AEDT" in sent["content"]
    assert fake.user_id(NOT_GOING) not in fake.state.dm_by_user

    # Again (the scheduler's record), and the job's work itself again (the outbox's keys).
    await meeting.run_job("reminder-1d", DAY_BEFORE)
    cog = meeting.bot.kernel.cogs["meetings"]
    assert isinstance(cog, MeetingsCog)
    await cog.jobs.remind(meeting.series_id, OCCURRENCE, timedelta(days=1))
    # A round trip through the bot, so an unwanted send would have had its chance.
    await meeting_cmd(fake, "next", {"network": "coast"}, user=GOING)
    rows = await meeting.bot.kernel.db.fetch_all(
        "SELECT key FROM outbox WHERE key LIKE ? ORDER BY key", ("%:reminder-1d:%",)
    )
    prefix = f"meeting:{meeting.series_id}:{OCCURRENCE}:reminder-1d:discord:"
    assert sorted(str(r["key"]) for r in rows) == sorted(
        f"{prefix}{fake.user_id(user)}" for user in (GOING, MAYBE)
    )
    dm_posts = [
        r
        for user in (GOING, MAYBE)
        for r in fake.requests_matching(
            "POST", f"/channels/{fake.state.dm_by_user[fake.user_id(user)]}/messages"
        )
    ]
    assert len(dm_posts) == 2
    assert len(fake.requests_matching("POST", "/users/@me/channels")) == 2


async def test_a_member_downloads_the_series_ics_with_every_quarterly_meeting(
    meeting: Meeting,
) -> None:
    handle = await meeting.fake.send_slash_command(
        "meeting", {"network": "coast", "whole": True}, subcommand="ics", user=GOING
    )
    callback_request = await handle.callback_request()
    files = list(callback_request.files)
    if callback_request.json["type"] == 5:  # deferred: the file comes with the answer's edit
        edited = await handle.webhook_request("PATCH", "/messages/@original")
        files = list(edited.files)
    assert len(files) == 1, files
    upload = files[0]
    assert upload.filename == "coast-meetings.ics"
    assert upload.data.startswith(b"BEGIN:VCALENDAR\r\n"), upload.data[:40]
    calendar = icalendar.Calendar.from_ical(upload.data)
    events = list(calendar.walk("VEVENT"))
    # One event per meeting (each with its own UID), quarterly, for five years.
    assert len(events) == 20
    assert len({str(e["UID"]) for e in events}) == 20
    assert str(events[0]["UID"]).endswith(f"-{OCCURRENCE}@peerbot")
    starts = [e.decoded("DTSTART") for e in events]
    assert starts[0].astimezone(UTC) == START
    assert [(s.year, s.month, s.hour) for s in starts[:3]] == [
        (2027, 3, 10),
        (2027, 6, 10),
        (2027, 9, 10),
    ]
    assert str(events[0]["DTSTART"].params.get("TZID")) == "Australia/Sydney"
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Australia/Sydney"]


async def test_a_skip_reports_once_to_the_coordinator_who_could_not_be_told(
    meeting: Meeting,
) -> None:
    """dave said Maybe but does not accept direct messages (Discord answers 50007): bob is
    told, and carol, who skipped the meeting, is told privately once that dave was not."""
    fake = meeting.fake
    await announce_and_rsvp(meeting)
    fake.close_dms(MAYBE)
    reply = await meeting_cmd(
        fake, "skip", {"network": "coast", "date": OCCURRENCE}, user=COORDINATOR
    )
    assert (
        "The 2 people who said they would or might come are being told privately."
        in reply["content"]
    )
    assert "peerbot will let you know privately if someone cannot be reached." in reply["content"]
    assert "will be told" not in reply["content"]

    told = await dm_to(fake, GOING)
    assert "is skipped" in told["content"] and "You said you would come" in told["content"]
    summary = await dm_to(fake, COORDINATOR)
    assert summary["content"] == (
        "peerbot could not tell 1 person about the Coast meeting on Wednesday 10 March "
        "2027, 10:00 to 12:00 AEDT, which was skipped:\n"
        f"- <@{fake.user_id(MAYBE)}> could not be told: they do not accept direct messages "
        "from this server.\n"
        "You could tell them another way."
    )
    key = f"fanout:meeting:{meeting.series_id}:{OCCURRENCE}:cancelled:unreached"
    outbox = meeting.bot.kernel.outbox
    assert await outbox.status_of(key) in ("pending", "sent")
    refused = fake.requests_matching(
        "POST", f"/channels/{fake.state.dm_by_user[fake.user_id(MAYBE)]}/messages"
    )
    assert [(r.status, r.response["code"]) for r in refused] == [(403, 50007)]  # not retried
    assert fake.messages_in(fake.state.dm_by_user[fake.user_id(MAYBE)]) == []
    assert fake.user_id(NOT_GOING) not in fake.state.dm_by_user

    # More passes of the worker and a restart send nothing more.
    await meeting.bot.stop()
    await meeting.bot.start()
    await meeting_cmd(fake, "next", {"network": "coast"}, user=GOING)
    assert meeting.bot.app is not None and meeting.bot.app.worker is not None
    await meeting.bot.app.worker.run_once()
    carol_dm = fake.state.dm_by_user[fake.user_id(COORDINATOR)]
    summaries = [m for m in fake.messages_in(carol_dm) if "could not tell" in m["content"]]
    assert len(summaries) == 1
    assert await meeting.bot.kernel.outbox.status_of(key) == "sent"
