"""One meeting planned on its own, on Discord (issue 20, item 1): the coordinator fills in a
pop-up form (topic, facilitator, a multi-line agenda) for one date, the notice posted for that
date shows them and the next meeting's does not, and a coordinator is asked privately for the
topic four weeks ahead."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.scheduler import PlannedJob
from cogs.meetings.commands import MeetingsCog
from tests.e2e.fakediscord import FakeDiscord
from tests.e2e.peerbot_on_fake import PeerbotOnFake
from tests.e2e.test_networks_discord import COORDINATOR, EPHEMERAL, answer, create_coast, dm_to

NOW = datetime(2035, 3, 1, 0, 0, tzinfo=UTC)
FIRST = "2035-05-18"  # 10:00 AEST is 00:00 UTC
START = datetime(2035, 5, 18, 0, 0, tzinfo=UTC)
MODAL = 9
MEMBER = "bob"


class Coast:
    def __init__(self, bot: PeerbotOnFake, fake: FakeDiscord, clock: FakeClock) -> None:
        self.bot, self.fake, self.clock = bot, fake, clock

    async def job(self, key: str, kind: str) -> PlannedJob:
        cog = self.bot.kernel.cogs["meetings"]
        assert isinstance(cog, MeetingsCog)
        jobs = {j.key: j for j in await cog.jobs.planned_jobs(self.clock.now())}
        return jobs[f"meeting:1:{key}:{kind}"]

    async def run(self, key: str, kind: str) -> None:
        job = await self.job(key, kind)
        self.clock.set(job.run_at)
        await self.bot.kernel.scheduler.run_job(job)


@pytest.fixture
async def coast(fake_discord: FakeDiscord, tmp_path: Path) -> AsyncIterator[Coast]:
    clock = FakeClock(NOW)
    bot = PeerbotOnFake(fake_discord, tmp_path, clock=clock)
    await bot.start()
    try:
        await create_coast(fake_discord, members=(MEMBER,), timezone="Australia/Sydney")
        scheduled = await answer(
            await fake_discord.send_command(
                "manage meeting schedule",
                {
                    "network": "coast",
                    "date": FIRST,
                    "time": "10:00",
                    "duration": 90,
                    "agenda": "Welcome and news",
                },
                user=COORDINATOR,
            )
        )
        assert scheduled["content"].startswith("Scheduled "), scheduled
        yield Coast(bot, fake_discord, clock)
    finally:
        await bot.stop()


async def test_the_coordinator_plans_one_meeting_in_a_form_and_its_notice_shows_it(
    coast: Coast,
) -> None:
    fake = coast.fake
    handle = await fake.send_command(
        "manage meeting plan", {"network": "coast", "date": FIRST}, user=COORDINATOR
    )
    modal = await handle.callback()
    assert modal["type"] == MODAL, modal
    inputs = [c for row in modal["data"]["components"] for c in row["components"]]
    assert [(c["custom_id"], c["style"]) for c in inputs] == [
        ("topic", 1),
        ("facilitator", 1),
        ("agenda", 2),  # paragraph: several lines
    ]
    saved = await answer(
        await fake.submit_modal(
            modal["data"]["custom_id"],
            {
                "topic": "Trauma-informed practice",
                "facilitator": "Dana Wills",
                "agenda": "1. Check-in\n2. Case discussion",
            },
            user=COORDINATOR,
        )
    )
    assert saved["flags"] & EPHEMERAL
    assert saved["content"].startswith("Saved the plan of the Coast meeting on Friday 18 May 2035")

    announcements = fake.channel_id("coast-announcements")
    await coast.run(FIRST, "announce")
    posted = await fake.wait_for_request("POST", f"/channels/{announcements}/messages")
    fields = {f["name"]: f["value"] for f in posted.json["embeds"][0]["fields"]}
    assert fields["Professional development topic"] == "Trauma-informed practice"
    assert fields["Facilitator"] == "Dana Wills"
    assert fields["This meeting's agenda"] == "1. Check-in\n2. Case discussion"
    assert fields["Standing agenda"] == "Welcome and news"
    # The meeting's Discord event says the same (all the server sees it, as Discord shows it).
    for _ in range(500):
        events = list(fake.guild.scheduled_events.values())
        if events and "Trauma-informed" in (events[0].get("description") or ""):
            break
        await asyncio.sleep(0.01)
    assert events[0]["description"].startswith(
        "Professional development topic: Trauma-informed practice\nFacilitator: Dana Wills"
    ), events

    # The next meeting has none of it: only the series' standing agenda.
    later = await answer(
        await fake.send_command(
            "meeting agenda", {"network": "coast", "date": "2035-08-18"}, user=MEMBER
        )
    )
    assert "Trauma-informed" not in later["content"]
    assert "Agenda: Welcome and news" in later["content"]


async def test_the_coordinator_is_asked_for_the_topic_privately_four_weeks_ahead(
    coast: Coast,
) -> None:
    job = await coast.job(FIRST, "plan-prompt")
    assert job.run_at == START - timedelta(days=28)
    await coast.run(FIRST, "plan-prompt")
    sent = await dm_to(coast.fake, COORDINATOR)
    assert sent["content"].startswith(
        "Set the professional development (PD) topic for the Coast meeting on 18 May 2035: "
        "the notice goes out on 4 May."
    ), sent
    assert "/manage meeting plan network:coast date:2035-05-18" in sent["content"]


async def test_going_then_online_and_access_needs_seen_by_the_coordinator_only(
    coast: Coast,
) -> None:
    """Issue 20, item 2: after Going, the member picks Online and fills in access needs."""
    fake = coast.fake
    announcements = fake.channel_id("coast-announcements")
    await coast.run(FIRST, "announce")
    posted = await fake.wait_for_request("POST", f"/channels/{announcements}/messages")
    notice = int(posted.response["id"])
    going = await answer(
        await fake.click_button(f"pb:b:meeting.rsvp|1:{FIRST}:going", message=notice, user=MEMBER)
    )
    assert going["flags"] & EPHEMERAL
    assert "How will you come: in the room or online?" in going["content"]
    labels = [c["label"] for row in going["components"] for c in row["components"]]
    assert labels == ["In the room", "Online", "Access needs"]
    online = await answer(
        await fake.click_button(f"pb:b:meeting.how|1:{FIRST}:online", user=MEMBER)
    )
    assert online["flags"] & EPHEMERAL and online["content"] == "Saved. You come online."
    opened = await fake.click_button(f"pb:b:meeting.access|1:{FIRST}", user=MEMBER)
    modal = await opened.callback()
    assert modal["type"] == MODAL, modal
    saved = await answer(
        await fake.submit_modal(
            modal["data"]["custom_id"], {"needs": "Captions, please"}, user=MEMBER
        )
    )
    assert saved["content"].endswith("The coordinators can see your access needs."), saved
    seen = await answer(
        await fake.send_command(
            "manage meeting attendees", {"network": "coast", "date": FIRST}, user=COORDINATOR
        )
    )
    assert seen["flags"] & EPHEMERAL
    assert "Going (1):" in seen["content"] and "(online)" in seen["content"]
    assert ": Captions, please" in seen["content"]


async def test_a_member_checks_in_with_the_button_on_starting_now(coast: Coast) -> None:
    """Issue 20, item 3: the Check in button on the "Starting now" post records attendance."""
    fake = coast.fake
    announcements = fake.channel_id("coast-announcements")
    await coast.run(FIRST, "starting")
    posted = await fake.wait_for_request("POST", f"/channels/{announcements}/messages")
    assert posted.json["content"].startswith("Starting now: Coast meeting, 10:00 to 11:30 AEST.")
    buttons = [c for row in posted.json["components"] for c in row["components"]]
    assert [(b["label"], b["custom_id"]) for b in buttons] == [
        ("Check in", f"pb:b:meeting.checkin|1:{FIRST}")
    ]
    coast.clock.set(START + timedelta(minutes=20))
    done = await answer(
        await fake.click_button(
            f"pb:b:meeting.checkin|1:{FIRST}", message=int(posted.response["id"]), user=MEMBER
        )
    )
    assert done["flags"] & EPHEMERAL
    assert done["content"].startswith("Checked in at the Coast meeting on Friday 18 May 2035")
    assert "1.5 hours on your record" in done["content"]
    coast.clock.set(START + timedelta(minutes=90))
    closed = await answer(
        await fake.click_button(f"pb:b:meeting.checkin|1:{FIRST}", user=COORDINATOR)
    )
    assert "check-in is closed" in closed["content"]

    # Issue 20, item 4: the member's PD statement, as a CSV file and a printable page.
    handle = await fake.send_command("meeting record", {}, user=MEMBER)
    request = await handle.callback_request()
    files = list(request.files)
    content = request.json["data"].get("content", "")
    if request.json["type"] == 5:  # deferred: the files come with the answer's edit
        edited = await handle.webhook_request("PATCH", "/messages/@original")
        files, content = list(edited.files), edited.json.get("content", "")
    assert [f.filename for f in files] == ["pd-statement.csv", "pd-statement.html"]
    assert "Total: 1.5 hours at 1 meeting." in content, content
    page = files[1].data.decode("utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<td>1.5 hours</td>" in page
