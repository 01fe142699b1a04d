"""The web server inside peerbot, as an operator starts it: ``peerbot run`` on the console with
``[web] enabled`` prints the address, serves the home page, the stylesheet, /healthz and the
calendar feed a coordinator asked for in the console (polled with ETag: 304 when nothing
changed), and stops with the bot. A port in use is said plainly (exit 2); with ``[web]`` off
nothing listens. Real processes, real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from tests.bot.storage_helpers import one_line, peerbot_run
from tests.bot.test_cli import ROOT
from tests.cogs.meetings.feed_reading import expand

START_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def environment(tmp_path: Path, port: int, **more: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEERBOT_")}
    env.update(
        PYTHONPATH=str(ROOT),
        PEERBOT_DATA_DIR=str(tmp_path / "data"),
        PEERBOT_WEB__ENABLED="true",
        PEERBOT_WEB__PORT=str(port),
    )
    env.update(more)
    return env


@dataclass
class Console:
    process: asyncio.subprocess.Process
    address: str

    async def type(self, line: str, *, until: str) -> str:
        """Type a line and read what the console prints up to a line containing ``until``."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write((line + "\n").encode())
        await self.process.stdin.drain()
        return await read_until(self.process, until)


async def read_until(process: asyncio.subprocess.Process, text: str) -> str:
    assert process.stdout is not None
    seen: list[str] = []
    async with asyncio.timeout(START_SECONDS):
        while True:
            raw = await process.stdout.readline()
            if not raw:
                raise AssertionError(f"the console ended before {text!r}: {''.join(seen)}")
            seen.append(raw.decode())
            if text in seen[-1]:
                return "".join(seen)


@asynccontextmanager
async def console_with_web(tmp_path: Path, port: int) -> AsyncIterator[Console]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        cwd=tmp_path,
        env=environment(tmp_path, port),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        first = await read_until(process, "Web page:")
        address = first.strip().split("Web page: ", 1)[1]
        yield Console(process, address)
    finally:
        if process.returncode is None:
            assert process.stdin is not None
            process.stdin.write(b"/quit\n")
            await process.stdin.drain()
            try:
                async with asyncio.timeout(START_SECONDS):
                    await process.wait()
            except TimeoutError:
                process.kill()
                await process.wait()


async def test_the_console_serves_the_web_page_and_the_feed_a_coordinator_asked_for(
    tmp_path: Path,
) -> None:
    port = free_port()
    async with console_with_web(tmp_path, port) as console, aiohttp.ClientSession() as http:
        assert console.address == f"http://127.0.0.1:{port}"
        async with http.get(console.address + "/") as home:
            assert home.status == 200
            page = await home.text()
        assert "/meeting myfeed" in page and "not a crisis service" in page
        async with http.get(console.address + "/static/site.css") as css:
            assert css.status == 200 and css.content_type == "text/css"
        async with http.get(console.address + "/healthz") as health:
            assert health.status == 200, await health.text()
            report = await health.json()
        assert report["status"] == "ok" and report["database"] == {"ok": True}
        async with http.get(console.address + "/metrics") as metrics:
            assert metrics.status == 200
            assert "peerbot_commands_total" in await metrics.text()

        await console.type("/network create name:Coast slug:coast", until="Created the network")
        await console.type(
            "/manage meeting schedule network:coast date:2027-03-10 time:18:00 duration:90",
            until="Members see them",
        )
        said = await console.type("/manage meeting feed network:coast", until="Calendars check")
        [feed] = re.findall(r"http://127\.0\.0\.1:\d+/calendar/[A-Za-z0-9_-]+\.ics", said)
        async with http.get(feed) as first:
            assert first.status == 200
            assert first.content_type == "text/calendar"
            body = await first.read()
            etag = first.headers["ETag"]
        meetings = expand(body, until=datetime(2028, 1, 1, tzinfo=UTC))
        assert [m.start for m in meetings][:2] == [
            datetime(2027, 3, 10, 7, 0, tzinfo=UTC),  # 18:00 AEDT
            datetime(2027, 6, 10, 8, 0, tzinfo=UTC),  # 18:00 AEST
        ]
        async with http.get(feed, headers={"If-None-Match": etag}) as again:
            assert again.status == 304 and await again.read() == b""

    assert console.process.returncode == 0
    assert console.process.stderr is not None
    errors = (await console.process.stderr.read()).decode()
    assert "Traceback" not in errors
    log = (tmp_path / "data" / "peerbot.log").read_text()
    token = feed.rsplit("/", 1)[1]
    assert token not in log and "/calendar/" not in log  # no access log: the address is a secret


async def test_a_port_in_use_is_said_plainly_and_nothing_starts(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = await asyncio.to_thread(
            peerbot_run,
            "run",
            cwd=tmp_path,
            env={
                "PEERBOT_DATA_DIR": str(tmp_path / "data"),
                "PEERBOT_WEB__ENABLED": "true",
                "PEERBOT_WEB__PORT": str(port),
            },
            stdin="/support\n",
        )
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert line.startswith(f"peerbot: cannot start: the web page cannot listen on 127.0.0.1:{port}")
    assert "choose another port with web.port" in line
    assert "Web page:" not in result.stdout


async def test_with_the_web_page_off_nothing_listens(tmp_path: Path) -> None:
    port = free_port()
    env = environment(tmp_path, port, PEERBOT_WEB__ENABLED="false")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        cwd=tmp_path,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdin is not None
    process.stdin.write(b"/support\n")
    await process.stdin.drain()
    try:
        shown = await read_until(process, "000")
        assert "Web page:" not in shown
        with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
            pass
    finally:
        process.stdin.write(b"/quit\n")
        await process.stdin.drain()
        async with asyncio.timeout(START_SECONDS):
            await process.wait()


async def test_healthz_says_discord_is_connected_once_peerbot_is_on_discord(
    tmp_path: Path,
) -> None:
    """``peerbot run`` on the fake Discord with the web page on: /healthz reports the platform
    connected (200) once the client is ready."""
    from tests.e2e.fakediscord import FakeDiscord

    port = free_port()
    async with FakeDiscord() as fake:
        env = environment(
            tmp_path,
            port,
            PEERBOT_DISCORD__TOKEN=fake.token,
            PEERBOT_DISCORD__GUILD_IDS=str(fake.guild_id),
        )
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.e2e.peerbot_process",
            fake.api_url,
            fake.gateway_url,
            "run",
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        report: dict[str, object] = {}
        try:
            async with aiohttp.ClientSession() as http, asyncio.timeout(START_SECONDS):
                while report.get("platforms") != {"discord": True}:
                    await asyncio.sleep(0.2)
                    try:
                        async with http.get(f"http://127.0.0.1:{port}/healthz") as health:
                            report = await health.json()
                            status = health.status
                    except aiohttp.ClientConnectionError:
                        continue  # not listening yet
            assert status == 200 and report["status"] == "ok"
        finally:
            process.send_signal(signal.SIGTERM)
            async with asyncio.timeout(START_SECONDS):
                code = await process.wait()
    assert code == 0
