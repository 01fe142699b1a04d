"""``peerbot run`` on the fake Discord, stopped by SIGTERM while a notice is on its way.

The real process (``tests/e2e/peerbot_process.py`` points discord.py at the fake and runs
``bot.cli.main``) is told to schedule a meeting whose notice is due at once, so it posts the
notice; Discord takes the message but is slow to answer, and SIGTERM arrives meanwhile. The
stop must let the delivery finish and record it, then close the Discord client and the
database: no error in the log, exit status 0, and after a restart the notice is there
exactly once (and its Scheduled Event too).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.e2e.fakediscord import FakeDiscord
from tests.e2e.peerbot_on_fake import ADMIN, PeerbotOnFake
from tests.e2e.test_meetings_discord import meeting_cmd
from tests.e2e.test_networks_discord import COORDINATOR, create_coast

ROOT = Path(__file__).resolve().parents[2]
STOPPING = "peerbot stopping: finishing the work in progress"
ERRORS = re.compile(r"\b(ERROR|CRITICAL)\b|Traceback")
#: A process's start (imports, login, READY and discord.py's 2 seconds for the servers) and
#: stop take a few seconds on a busy machine.
PROCESS_SECONDS = 60.0


class Peerbot:
    """One ``peerbot run`` process; its standard error is read line by line as it comes."""

    def __init__(self, fake: FakeDiscord, data_dir: Path) -> None:
        self.fake = fake
        self.data_dir = data_dir
        self.lines: list[str] = []
        self.process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._seen = asyncio.Condition()

    async def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PEERBOT_")}
        env.update(
            {
                "PEERBOT_DATA_DIR": str(self.data_dir),
                "PEERBOT_ADMINS": f"discord:{self.fake.user_id(ADMIN)}",
                "PEERBOT_DISCORD__TOKEN": self.fake.token,
                "PEERBOT_DISCORD__GUILD_IDS": str(self.fake.guild_id),
                "PYTHONPATH": str(ROOT),
            }
        )
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.e2e.peerbot_process",
            self.fake.api_url,
            self.fake.gateway_url,
            "run",
            cwd=self.data_dir.parent,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process is not None and self.process.stderr is not None
        async for raw in self.process.stderr:
            async with self._seen:
                self.lines.append(raw.decode(errors="replace").rstrip("\n"))
                self._seen.notify_all()

    async def wait_for_line(self, text: str) -> None:
        async def seen() -> None:
            async with self._seen:
                await self._seen.wait_for(lambda: any(text in line for line in self.lines))

        try:
            await asyncio.wait_for(seen(), PROCESS_SECONDS)
        except TimeoutError:
            raise AssertionError(f"never logged {text!r}:\n" + "\n".join(self.lines)) from None

    async def terminate(self) -> int:
        """SIGTERM, as a service manager stops it; the exit status."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return await self.wait()

    async def wait(self) -> int:
        assert self.process is not None and self._reader is not None
        code = await asyncio.wait_for(self.process.wait(), PROCESS_SECONDS)
        await asyncio.wait_for(self._reader, PROCESS_SECONDS)
        return code

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

    @property
    def log(self) -> str:
        return "\n".join(self.lines)


def notice_rows(data_dir: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(data_dir / "peerbot.sqlite3") as db:
        found = db.execute(
            "SELECT status, sent_message_id FROM outbox WHERE key LIKE 'meeting:%:announce:%'"
        ).fetchall()
    return [(str(status), str(sent)) for status, sent in found]


async def test_sigterm_during_a_slow_post_finishes_it_logs_no_error_and_posts_nothing_twice(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    fake.timeout = PROCESS_SECONDS
    data_dir = tmp_path / "data"
    setup = PeerbotOnFake(fake, data_dir)  # Coast and its channels, set up in this process
    await setup.start()
    try:
        await create_coast(fake, members=("bob",), timezone="Australia/Sydney")
    finally:
        await setup.stop()
    announcements = fake.channel_id("coast-announcements")
    slow = fake.answer_slowly("POST", f"/channels/{announcements}/messages")
    # A meeting in 10 days: its notice (14 days before) is due at once, and goes at once.
    meeting_day = (dt.datetime.now(ZoneInfo("Australia/Sydney")) + dt.timedelta(days=10)).date()

    first = Peerbot(fake, data_dir)
    await first.start()
    try:
        await first.wait_for_line("connected to Discord in 1 server(s)")
        scheduled = await meeting_cmd(
            fake,
            "schedule",
            {"network": "coast", "date": meeting_day.isoformat(), "time": "10:00", "duration": 90},
            user=COORDINATOR,
        )
        assert scheduled["content"].startswith("Scheduled "), scheduled
        await slow.wait_arrived()  # Discord has the notice; its answer is on the way
        assert first.process is not None
        first.process.send_signal(signal.SIGTERM)
        await first.wait_for_line(STOPPING)
        slow.release()
        code = await first.wait()
    finally:
        await first.kill()
    assert code == 0, first.log
    assert "peerbot: stopped." in first.log
    assert not ERRORS.search(first.log), first.log
    posted = fake.messages_in(announcements)
    assert len(posted) == 1
    assert notice_rows(data_dir) == [("sent", posted[0]["id"])]  # recorded before closing
    assert len(fake.guild.scheduled_events) == 1

    second = Peerbot(fake, data_dir)  # a restart on the same data
    await second.start()
    try:
        await second.wait_for_line("connected to Discord in 1 server(s)")
        await meeting_cmd(fake, "next", {"network": "coast"}, user="bob")  # it is serving
        code = await second.terminate()
    finally:
        await second.kill()
    assert code == 0, second.log
    assert not ERRORS.search(second.log), second.log
    assert len(fake.messages_in(announcements)) == 1  # nothing posted twice
    assert len(fake.requests_matching("POST", f"/channels/{announcements}/messages")) == 1
    assert len(fake.guild.scheduled_events) == 1
    assert len(fake.requests_matching("POST", f"/guilds/{fake.guild_id}/scheduled-events")) == 1
