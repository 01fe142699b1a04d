"""``peerbot run`` meeting the ordinary failures at start, as a newcomer meets them: a wrong
token, the Server Members intent switched off, Discord unreachable. Each ends in one clear
line (what is wrong and how to fix it) and its own exit status, never a traceback; a network
failure is tried again, with a growing pause, and said so."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from tests.e2e.fakediscord import FakeDiscord

ROOT = Path(__file__).resolve().parents[2]
PROCESS_SECONDS = 60.0


async def run_peerbot(
    data_dir: Path,
    api_url: str,
    gateway_url: str,
    token: str,
    *,
    guild_id: int = 1,
    stop_after: str | None = None,
) -> tuple[int, str]:
    """Run ``peerbot run`` on Discord; its exit status and standard error. With
    ``stop_after``, SIGTERM once that text was printed (a retry does not end on its own)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEERBOT_")}
    env.update(
        {
            "PEERBOT_DATA_DIR": str(data_dir),
            "PEERBOT_DISCORD__TOKEN": token,
            "PEERBOT_DISCORD__GUILD_IDS": str(guild_id),
            "PYTHONPATH": str(ROOT),
        }
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.e2e.peerbot_process",
        api_url,
        gateway_url,
        "run",
        cwd=data_dir.parent,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert process.stderr is not None
    lines: list[str] = []
    try:
        async with asyncio.timeout(PROCESS_SECONDS):
            async for raw in process.stderr:
                lines.append(raw.decode(errors="replace").rstrip("\n"))
                if stop_after is not None and stop_after in lines[-1]:
                    process.send_signal(signal.SIGTERM)
            code = await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    return code, "\n".join(lines)


def _last_line(err: str) -> str:
    return err.strip().splitlines()[-1]


async def test_a_wrong_token_is_one_line_and_exit_status_3(tmp_path: Path) -> None:
    async with FakeDiscord() as fake:
        code, err = await run_peerbot(
            tmp_path / "data", fake.api_url, fake.gateway_url, "not-the-real-token-7"
        )
    assert code == 3, err
    assert _last_line(err).startswith("peerbot: cannot start: Discord refused the token.")
    assert "PEERBOT_DISCORD__TOKEN" in _last_line(err)
    assert "Traceback" not in err
    assert "not-the-real-token-7" not in err  # the token itself is never shown


async def test_the_members_intent_switched_off_is_one_line_and_exit_status_4(
    tmp_path: Path,
) -> None:
    async with FakeDiscord(members_intent_enabled=False) as fake:
        code, err = await run_peerbot(
            tmp_path / "data", fake.api_url, fake.gateway_url, fake.token, guild_id=fake.guild_id
        )
        assert fake.gateway.identifies, err
    assert code == 4, err
    last = _last_line(err)
    assert last.startswith("peerbot: cannot start: Discord refused the Server Members intent.")
    assert "Privileged Gateway Intents" in last
    assert "Traceback" not in err


async def test_a_server_id_the_bot_is_not_in_is_one_line_and_exit_status_2(
    tmp_path: Path,
) -> None:
    async with FakeDiscord() as fake:
        code, err = await run_peerbot(
            tmp_path / "data", fake.api_url, fake.gateway_url, fake.token, guild_id=424242
        )
    assert code == 2, err
    last = _last_line(err)
    assert last.startswith("peerbot: cannot start: Discord refused to put the commands on the")
    assert "424242" in last and "PEERBOT_DISCORD__GUILD_IDS" in last
    assert "Traceback" not in err


def _free_port() -> int:
    """A port nothing listens on: bound, then closed again."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_an_unreachable_discord_is_retried_with_a_growing_pause(tmp_path: Path) -> None:
    port = _free_port()
    code, err = await run_peerbot(
        tmp_path / "data",
        f"http://127.0.0.1:{port}/api/v10",
        f"ws://127.0.0.1:{port}/",
        "some-token",
        stop_after="again in 4 seconds (attempt 3)",
    )
    assert code == 0, err  # SIGTERM while waiting: a clean stop, as systemd expects
    tries = [line for line in err.splitlines() if "Cannot reach Discord at 127.0.0.1" in line]
    assert len(tries) == 2, err
    assert "Check this computer's internet connection" in tries[0]
    assert "again in 2 seconds (attempt 2)" in tries[0]
    assert "Traceback" not in err
    assert "some-token" not in err
