"""One network on two platforms in one peerbot: the meeting notice goes to the fake Discord's
announcements channel and to a Matrix room, and RSVPs from both are counted together."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.app import App
from bot.clock import FakeClock
from bot.kernel import Kernel
from bot.platforms.discord.client import PeerbotDiscordClient
from bot.platforms.discord.port import DiscordPort
from bot.platforms.matrix.serve import MatrixService
from cogs import ALL_COGS
from cogs.meetings.commands import MeetingsCog
from config.settings import load_settings
from tests.e2e.fakediscord import FakeDiscord, running
from tests.e2e.matrix.peerbot_on_synapse import WAIT_SECONDS, Person, after, from_bot
from tests.e2e.matrix.synapse import SynapseServer, unique
from tests.e2e.peerbot_on_fake import ADMIN
from tests.e2e.test_networks_discord import COORDINATOR, MEMBER, answer, run, setup_coast

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
OCCURRENCE = "2027-03-10"


@dataclass
class Both:
    kernel: Kernel
    clock: FakeClock
    user_id: str  # the bot's Matrix id


@contextlib.asynccontextmanager
async def peerbot_on_both(
    fake: FakeDiscord, synapse: SynapseServer, admin: Person, data_dir: Path
) -> AsyncIterator[Both]:
    """Discord and Matrix in one App, wired as ``peerbot run`` wires them."""
    account = synapse.register(unique("peerbot"))
    settings = load_settings(
        None,
        environ={
            "PEERBOT_DATA_DIR": str(data_dir),
            "PEERBOT_ADMINS": f"discord:{fake.user_id(ADMIN)},matrix:{admin.user_id}",
            "PEERBOT_DISCORD__TOKEN": fake.token,
            "PEERBOT_DISCORD__GUILD_IDS": str(fake.guild_id),
            "PEERBOT_MATRIX__HOMESERVER": synapse.base_url,
            "PEERBOT_MATRIX__USER_ID": account.user_id,
            "PEERBOT_MATRIX__PASSWORD": account.password,
        },
    )
    clock = FakeClock(NOW)
    app = App(settings, clock=clock, cog_modules=ALL_COGS)
    kernel = await app.start_without_worker()
    matrix = MatrixService(kernel)
    sync: asyncio.Task[None] | None = None
    try:
        port = await matrix.start()
        kernel.ports[port.platform] = port  # as serve_matrix does before Discord starts
        client = PeerbotDiscordClient(kernel, [fake.guild_id], guild_ready_timeout=0.05)
        app.start_worker([DiscordPort(client)])
        assert app.worker is not None and set(app.worker.ports) == {"discord", "matrix"}
        sync = asyncio.create_task(matrix.run())
        await asyncio.wait_for(matrix.ready.wait(), WAIT_SECONDS)
        async with running(client, fake):
            yield Both(kernel, clock, account.user_id)
    finally:
        if sync is not None:
            sync.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sync
        await matrix.stop()
        await app.stop()


async def coast_on_discord(fake: FakeDiscord) -> int:
    """The network, its coordinator and channels, a member and a meeting; the series id."""
    created = await run(fake, "create", {"name": "Coast", "slug": "coast"}, user=ADMIN)
    assert "Created the network" in created["content"], created
    await run(
        fake, "role", {"network": "coast", "member": COORDINATOR, "role": "coordinator"}, user=ADMIN
    )
    done = await setup_coast(fake)
    assert done["content"].startswith("Set up Coast here."), done
    joined = await run(fake, "join", {"network": "coast"}, user=MEMBER)
    assert joined["content"].startswith("Welcome to Coast."), joined
    scheduled = await answer(
        await fake.send_command(
            "manage meeting schedule",
            {"network": "coast", "date": OCCURRENCE, "time": "10:00", "duration": 120},
            user=COORDINATOR,
        )
    )
    return int(scheduled["content"].split("(series number ")[1].split(")")[0])


async def coast_on_matrix(bot: Both, admin: Person, alex: Person) -> str:
    """The same network's announcements in a Matrix room, and alex a member there."""
    room_id = await admin.create_room(
        invite=[bot.user_id, alex.user_id], name="Coast announcements"
    )
    await alex.join(room_id)
    await admin.wait_joined(room_id, bot.user_id)
    mark = admin.mark()
    await admin.say(room_id, f"!network link network:coast channel:{room_id} purpose:announcements")
    await admin.wait_for(after(admin, mark, bot, "Linked that channel"), "the link")
    mark = alex.mark()
    await alex.say(room_id, "!network join network:coast")
    await alex.wait_for(after(alex, mark, bot, "Coast"), "joined on Matrix")
    return room_id


async def test_a_network_on_discord_and_matrix_counts_rsvps_from_both(
    fake_discord: FakeDiscord, synapse: SynapseServer, admin: Person, alex: Person, tmp_path: Path
) -> None:
    fake = fake_discord
    async with peerbot_on_both(fake, synapse, admin, tmp_path / "data") as bot:
        series_id = await coast_on_discord(fake)
        room_id = await coast_on_matrix(bot, admin, alex)

        cog = bot.kernel.cogs["meetings"]
        assert isinstance(cog, MeetingsCog)
        jobs = {j.key: j for j in await cog.jobs.planned_jobs(bot.clock.now())}
        announce = jobs[f"meeting:{series_id}:{OCCURRENCE}:announce"]
        bot.clock.set(announce.run_at)
        await bot.kernel.scheduler.run_job(announce)
        announcements = fake.channel_id("coast-announcements")
        posted = await fake.wait_for_request("POST", f"/channels/{announcements}/messages")
        notice = await alex.wait_for(from_bot(bot, "1. Going"), "the Matrix notice")
        assert notice.room_id == room_id

        reply = await answer(
            await fake.click_button(
                f"pb:b:meeting.rsvp|{series_id}:{OCCURRENCE}:going",
                message=int(posted.response["id"]),
                user=MEMBER,
            )
        )
        assert reply["content"].startswith("Saved: Going"), reply
        mark = alex.mark()
        await alex.react(room_id, notice.event_id, "2️⃣")
        await alex.wait_for(after(alex, mark, bot, "Saved: Maybe"), "alex's RSVP")
        counted = await alex.wait_for(
            lambda s: s.room_id == room_id and "Going: 1, Maybe: 1" in s.body,
            "the Matrix notice counting both",
        )
        assert counted.content["m.relates_to"]["event_id"] == notice.event_id
        rows = await bot.kernel.db.fetch_all(
            "SELECT user_key, answer FROM rsvps WHERE series_id = ? ORDER BY answer",
            (series_id,),
        )
        assert [(r["user_key"], r["answer"]) for r in rows] == [
            (f"discord:{fake.user_id(MEMBER)}", "going"),
            (f"matrix:{alex.user_id}", "maybe"),
        ]
