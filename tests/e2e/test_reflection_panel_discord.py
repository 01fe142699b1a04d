"""Starting and joining a co-reflection as people expect from ticket bots (issue 16, item 6),
with the real peerbot on the fake Discord:

- a coordinator posts a "Start a co-reflection" panel in the reflection channel; posting it
  again replaces it; after a restart its button still starts the /reflect start flow
  privately (a format menu, then a form), with a check-in round posted when the thread opens;
- every private message about the co-reflection carries a jump link to the thread;
- someone is added after the start only once they accept the invitation;
- a live session is planned, and those who joined are reminded once, even across a restart;
- closing asks first with a one-time button; the starter reopens it, and the thread is
  unarchived and unlocked.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FakeClock
from cogs.reflection.commands import ReflectionCog
from tests.e2e.fakediscord import FakeDiscord
from tests.e2e.peerbot_on_fake import PeerbotOnFake
from tests.e2e.test_networks_discord import (
    COORDINATOR,
    EPHEMERAL,
    answer,
    create_coast,
    dm_channel_of,
)
from tests.e2e.test_reflection_discord import buttons, member_path, reflect
from tests.e2e.typed import current

STARTER, PEER, LATE, OUTSIDER = "bob", "dave", "erin", "finn"
#: Well after the real date: planned jobs are handed to APScheduler as real dates.
NOW = datetime(2035, 6, 4, 0, 0, tzinfo=UTC)
MODAL, SELECT = 9, 3
PANEL_TEXT = "Start a co-reflection\n\n"


class Bots:
    """One bot at a time on one data folder and one test clock, restarted at will."""

    def __init__(self, fake: FakeDiscord, data_dir: Path) -> None:
        self.fake, self.data_dir = fake, data_dir
        self.clock = FakeClock(NOW)
        fake.state.clock = self.clock.now
        self.bot: PeerbotOnFake | None = None

    async def start(self) -> PeerbotOnFake:
        self.bot = PeerbotOnFake(self.fake, self.data_dir, clock=self.clock)
        await self.bot.start()
        return self.bot

    async def restart(self) -> PeerbotOnFake:
        assert self.bot is not None
        await self.bot.stop()
        return await self.start()

    @property
    def cog(self) -> ReflectionCog:
        assert self.bot is not None
        cog = self.bot.kernel.cogs["reflection"]
        assert isinstance(cog, ReflectionCog)
        return cog


@pytest.fixture
async def bots(fake_discord: FakeDiscord, tmp_path: Path) -> AsyncIterator[Bots]:
    """Coast set up by carol, with bob, dave and erin as members (finn is not one)."""
    for name in (PEER, LATE, OUTSIDER):
        fake_discord.add_user(name)
    started = Bots(fake_discord, tmp_path)
    await started.start()
    try:
        await create_coast(fake_discord, members=(STARTER, PEER, LATE))
        yield started
    finally:
        if started.bot is not None:
            await started.bot.stop()


async def until(check: Callable[[], Any], what: str) -> Any:
    """Wait (up to 5 seconds) for the outbox worker: ``check``'s first truthy answer."""
    for _ in range(250):
        found = check()
        if found:
            return found
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def dms(fake: FakeDiscord, user: str) -> list[str]:
    if fake.user_id(user) not in fake.state.dm_by_user:
        return []
    return [m["content"] for m in fake.messages_in(dm_channel_of(fake, user))]


def dm_with(fake: FakeDiscord, user: str, text: str) -> list[dict[str, Any]]:
    if fake.user_id(user) not in fake.state.dm_by_user:
        return []
    return [m for m in fake.messages_in(dm_channel_of(fake, user)) if text in m["content"]]


def panels(fake: FakeDiscord) -> list[dict[str, Any]]:
    channel = fake.channel_id("coast-reflection")
    return [m for m in fake.messages_in(channel) if m["content"].startswith(PANEL_TEXT)]


def jump(fake: FakeDiscord, thread_id: int) -> str:
    return f"https://discord.com/channels/{fake.guild_id}/{thread_id}"


@dataclass
class FromPanel:
    number: int
    thread_id: int
    started: dict[str, Any]


async def start_from_panel(fake: FakeDiscord, panel: dict[str, Any]) -> FromPanel:
    """bob presses the panel's button, picks "What? So what? Now what?" and invites dave, with
    a check-in round: what he sees at each step, privately."""
    pressed = await answer(
        await fake.click_button(
            buttons(panel)["Start a co-reflection"], message=panel, user=STARTER
        )
    )
    assert pressed["flags"] & EPHEMERAL, pressed
    assert pressed["content"].startswith("How would you like to reflect together?"), pressed
    [menu] = [c for row in pressed["components"] for c in row["components"]]
    assert menu["type"] == SELECT
    assert [o["label"] for o in menu["options"]] == [
        "What? So what? Now what?",
        "Gibbs' reflective cycle",
        "Group case consultation",
        "Intentional Peer Support style",
        "Open reflection",
    ]
    picked = await fake.choose_select(menu["custom_id"], ["what"], user=STARTER)
    callback = await picked.callback()
    assert callback["type"] == MODAL, callback
    form = callback["data"]
    labels = [c["components"][0]["label"] for c in form["components"]]
    assert labels == [
        "Who to invite (up to 11)",
        "Topic, if you like",
        "Who guides it (empty: you)",
        "Begin with a check-in round? yes or no",
    ], labels
    started = await answer(
        await fake.submit_modal(
            form["custom_id"],
            {"peers": f"<@{fake.user_id(PEER)}>", "topic": "Boundaries", "checkin": "yes"},
            user=STARTER,
        )
    )
    assert started["flags"] & EPHEMERAL, started
    assert started["content"].startswith("Started co-reflection number "), started
    number = int(started["content"].split("number ")[1].split(" ")[0])
    opened = await fake.wait_for_request(
        "POST", f"/channels/{fake.channel_id('coast-reflection')}/threads"
    )
    return FromPanel(number, int(opened.response["id"]), started)


async def test_the_panel_is_replaced_survives_a_restart_and_starts_privately(
    bots: Bots, fake_discord: FakeDiscord
) -> None:
    fake = fake_discord
    reflection = fake.channel_id("coast-reflection")
    posted = await reflect(fake, "panel", {"network": "coast"}, user=COORDINATOR)
    assert posted["flags"] & EPHEMERAL
    assert posted["content"] == f"Posted the start a co-reflection panel in <#{reflection}>."
    [first] = panels(fake)
    assert not first["flags"] & EPHEMERAL  # everyone in the channel sees it
    assert list(buttons(first)) == ["Start a co-reflection"]

    again = await reflect(fake, "panel", {"network": "coast"}, user=COORDINATOR)
    assert "It replaces the earlier one, which was removed." in again["content"], again
    [panel] = panels(fake)
    assert panel["id"] != first["id"]
    assert fake.requests_matching("DELETE", f"/channels/{reflection}/messages/{first['id']}")

    await bots.restart()  # nothing of the panel is in memory any more

    # Someone outside the network is told so, and nothing starts.
    refused = await answer(
        await fake.click_button(
            buttons(panel)["Start a co-reflection"], message=panel, user=OUTSIDER
        )
    )
    assert refused["flags"] & EPHEMERAL
    assert "you are not a member yet" in refused["content"], refused

    made = await start_from_panel(fake, panel)
    link = jump(fake, made.thread_id)
    assert made.started["content"].endswith(f"\nThe thread: {link}"), made.started
    assert "(What? So what? Now what?)" in made.started["content"]
    assert "Invited privately: <@" in made.started["content"]

    # The thread opens with the agreement, the check-in round, then the format's prompts.
    said = await until(
        lambda: (
            [m["content"] for m in fake.messages_in(made.thread_id)]
            if len(fake.messages_in(made.thread_id)) >= 3
            else None
        ),
        "the thread's opening messages",
    )
    assert said[0].startswith("Our confidentiality agreement:")
    assert said[1].startswith("Check-in round, before we begin: how are you arriving today?")
    assert said[2].startswith("Topic: boundaries.")

    # The invitation carries the jump link; Join adds dave and says where.
    [invitation] = await until(lambda: dm_with(fake, PEER, "invites you"), "the invitation")
    assert invitation["content"].endswith(f"The thread (it opens for you once you join): {link}"), (
        invitation
    )
    joined = await answer(await fake.click_button(buttons(invitation)["Join"], user=PEER))
    assert joined["content"].endswith(f"\nThe thread: {link}"), joined
    assert fake.user_id(PEER) in fake.state.thread_members[made.thread_id]


async def test_a_late_peer_joins_only_with_consent_and_a_session_reminds_once(
    bots: Bots, fake_discord: FakeDiscord
) -> None:
    fake = fake_discord
    await reflect(fake, "panel", {"network": "coast"}, user=COORDINATOR)
    made = await start_from_panel(fake, panels(fake)[0])
    link = jump(fake, made.thread_id)
    [invitation] = await until(lambda: dm_with(fake, PEER, "invites you"), "the invitation")
    await answer(await fake.click_button(buttons(invitation)["Join"], user=PEER))

    # A day later bob adds erin: she is asked, and is in the thread only once she accepts.
    bots.clock.advance(timedelta(days=1))
    invited = await reflect(
        fake, "invite", {"peers": f"<@{fake.user_id(LATE)}>", "number": made.number}, user=STARTER
    )
    assert invited["flags"] & EPHEMERAL
    assert invited["content"].startswith(f"Invited privately to co-reflection number {made.number}")
    assert invited["content"].endswith(f"\nThe thread: {link}"), invited
    [late] = await until(lambda: dm_with(fake, LATE, "invites you"), "erin's invitation")
    assert (
        "It started on 2035-06-04; once you join you can read what was shared so far."
        in (late["content"])
    )
    assert late["content"].endswith(link)
    assert fake.user_id(LATE) not in fake.state.thread_members[made.thread_id]
    assert fake.requests_matching("PUT", member_path(made.thread_id, fake, LATE)) == []

    # A live session on 10 June, 18:30 in Sydney (AEST): the group is told in the thread.
    planned = await reflect(
        fake, "schedule", {"when": "2035-06-10 18:30", "number": made.number}, user=STARTER
    )
    session = datetime(2035, 6, 10, 8, 30, tzinfo=UTC)
    epoch = int(session.timestamp())
    assert planned["content"].startswith(
        f"Planned a live session for co-reflection number {made.number} on "
        f"Sun 10 Jun 2035, 18:30 AEST (<t:{epoch}:f>)."
    ), planned
    assert planned["content"].endswith(f"\nThe thread: {link}")
    await until(
        lambda: any(
            "planned a live session" in m["content"] for m in fake.messages_in(made.thread_id)
        ),
        "the session notice in the thread",
    )
    refused = await reflect(
        fake, "schedule", {"when": "2035-06-10 25:00", "number": made.number}, user=STARTER
    )
    assert "hours go from 0 to 23" in refused["content"] or "could not read" in refused["content"]
    not_theirs = await reflect(
        fake, "schedule", {"when": "2035-06-11 18:30", "number": made.number}, user=PEER
    )
    assert not_theirs["content"].startswith("Only the person who started"), not_theirs

    # erin accepts before the session: she is reminded too.
    joined = await answer(await fake.click_button(buttons(late)["Join"], user=LATE))
    assert joined["content"].startswith("Thank you. You agreed"), joined
    assert fake.user_id(LATE) in fake.state.thread_members[made.thread_id]

    [job] = [j for j in await bots.cog.sessions.planned_jobs(bots.clock.now())]
    assert job.run_at == session - timedelta(hours=1)
    bots.clock.set(job.run_at)
    assert bots.bot is not None
    await bots.bot.kernel.scheduler.run_job(job)
    reminder = f"Reminder: the live session of co-reflection number {made.number} is at"
    for person in (STARTER, PEER, LATE):

        def reminded(who: str = person) -> list[dict[str, Any]]:
            return dm_with(fake, who, reminder)

        [sent] = await until(reminded, f"{person}'s reminder")
        assert f"Sun 10 Jun 2035, 18:30 AEST (<t:{epoch}:f>)" in sent["content"]
        assert sent["content"].endswith(f"\nThe thread: {link}")

    # A restart, and the job run again (as after a crash before it was recorded): nobody is
    # reminded twice.
    await bots.restart()
    assert await bots.cog.sessions.remind(made.number, job.key.split(":session:")[1][:-9]) == 0
    await bots.bot.kernel.scheduler.run_job(job)
    rows = await bots.bot.kernel.db.fetch_all(
        "SELECT key FROM outbox WHERE key LIKE ?", (f"reflection:{made.number}:session:%",)
    )
    assert len(rows) == 3, [r["key"] for r in rows]
    await reflect(fake, "privacy", user=STARTER)  # a round trip: a second reminder had its time
    await asyncio.sleep(0.2)
    for person in (STARTER, PEER, LATE):
        assert len(dm_with(fake, person, reminder)) == 1, dms(fake, person)
    assert dm_with(fake, OUTSIDER, reminder) == []


async def check_out(fake: FakeDiscord, offer: dict[str, Any]) -> None:
    """The peer checks out from the offer after close: one word for how they are leaving,
    kept for them alone with the takeaway."""
    opened = await (await fake.click_button(buttons(offer)["Check out"], user=PEER)).callback()
    assert opened["type"] == MODAL, opened
    labels = [row["components"][0]["label"] for row in opened["data"]["components"]]
    assert labels == ["One word for how you are leaving", "What I am taking away"], opened
    checked_out = await answer(
        await fake.submit_modal(opened["data"]["custom_id"], {"word": "Lighter"}, user=PEER)
    )
    assert checked_out["content"].startswith("Saved. Only you can see it"), checked_out
    notes = await reflect(fake, "notes", user=PEER)
    assert "Leaving: Lighter" in notes["content"], notes


async def test_closing_asks_first_and_the_starter_reopens_it(
    bots: Bots, fake_discord: FakeDiscord
) -> None:
    fake = fake_discord
    await reflect(fake, "panel", {"network": "coast"}, user=COORDINATOR)
    made = await start_from_panel(fake, panels(fake)[0])
    link = jump(fake, made.thread_id)
    [invitation] = await until(lambda: dm_with(fake, PEER, "invites you"), "the invitation")
    await answer(await fake.click_button(buttons(invitation)["Join"], user=PEER))

    # A participant who is neither starter nor facilitator cannot close it.
    refused = await reflect(fake, "close", {"number": made.number}, user=PEER)
    assert refused["content"].startswith("Only the person who started"), refused
    assert "components" not in refused or not refused["components"], refused

    asked = await reflect(fake, "close", {"number": made.number}, user=STARTER)
    assert asked["flags"] & EPHEMERAL
    assert asked["content"].startswith(
        f"Close co-reflection number {made.number} for everyone in it?"
    ), asked
    assert asked["content"].endswith(f"\nThe thread: {link}")
    assert list(buttons(asked)) == ["Close it", "Keep it open"]
    kept = await answer(await fake.click_button(buttons(asked)["Keep it open"], user=STARTER))
    assert kept["content"] == f"Co-reflection number {made.number} stays open. Nothing was changed."
    stale = await answer(await fake.click_button(buttons(asked)["Close it"], user=STARTER))
    assert stale["content"].startswith("That confirmation has expired or was already used"), stale
    metadata = fake.state.channel(made.thread_id)["thread_metadata"]
    assert metadata["archived"] is False and metadata["locked"] is False

    asked = await reflect(fake, "close", {"number": made.number}, user=STARTER)
    closed = await answer(await fake.click_button(buttons(asked)["Close it"], user=STARTER))
    assert closed["content"].startswith(f"Closed co-reflection number {made.number}:"), closed
    assert closed["content"].endswith(f"\nThe thread: {link}")
    metadata = fake.state.channel(made.thread_id)["thread_metadata"]
    assert metadata["archived"] is True and metadata["locked"] is True
    [offer] = await until(lambda: dm_with(fake, PEER, "Thank you for taking part"), "takeaway")
    assert offer["content"].endswith(f"\nThe thread: {link}"), offer
    await check_out(fake, offer)
    again = await answer(await fake.click_button(buttons(asked)["Close it"], user=STARTER))
    assert again["content"].startswith("This co-reflection is already closed"), again

    # Two days later, within the retention period: only the starter or facilitator reopens.
    bots.clock.advance(timedelta(days=2))
    not_theirs = await reflect(fake, "reopen", {"number": made.number}, user=PEER)
    assert not_theirs["content"].startswith("Only the person who started"), not_theirs
    assert fake.state.channel(made.thread_id)["thread_metadata"]["locked"] is True
    reopened = await reflect(fake, "reopen", {"number": made.number}, user=STARTER)
    assert reopened["flags"] & EPHEMERAL
    assert reopened["content"].startswith(f"Reopened co-reflection number {made.number}:"), reopened
    assert reopened["content"].endswith(f"\nThe thread: {link}")
    unlocked = fake.requests_matching("PATCH", f"/channels/{made.thread_id}")[-1]
    assert unlocked.status == 200 and unlocked.json["archived"] is False
    assert unlocked.json["locked"] is False
    metadata = fake.state.channel(made.thread_id)["thread_metadata"]
    assert metadata["archived"] is False and metadata["locked"] is False
    await until(
        lambda: any(
            m["content"].startswith(f"<@{fake.user_id(STARTER)}> reopened this co-reflection.")
            for m in fake.messages_in(made.thread_id)
        ),
        "the reopening notice",
    )
    assert [j for j in await bots.cog.jobs.planned_jobs(bots.clock.now())] == []  # no deletion
    # dave can post again.
    posted = await fake.send_command(current("reflect post"), {"number": made.number}, user=PEER)
    assert (await posted.callback())["type"] == MODAL
    still_open = await reflect(fake, "reopen", {"number": made.number}, user=STARTER)
    assert "is still open" in still_open["content"], still_open
