"""``peerbot run`` with Matrix configured: a real process logs in, answers, and stops cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.matrix.peerbot_on_synapse import Person
from tests.e2e.matrix.synapse import SynapseServer, unique

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("stop", "status"),
    [(signal.SIGTERM, 0), (signal.SIGINT, 130)],
    ids=["sigterm exits 0 (systemd counts 130 as a failure)", "ctrl-c exits 130 quietly"],
)
async def test_peerbot_run_serves_matrix_and_stops_on_a_signal(
    synapse: SynapseServer, alex: Person, tmp_path: Path, stop: signal.Signals, status: int
) -> None:
    account = synapse.register(unique("peerbot"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEERBOT_")}
    env.update(
        {
            "PEERBOT_DATA_DIR": str(tmp_path / "data"),
            "PEERBOT_MATRIX__HOMESERVER": synapse.base_url,
            "PEERBOT_MATRIX__USER_ID": account.user_id,
            "PEERBOT_MATRIX__PASSWORD": account.password,
            "PYTHONPATH": str(ROOT),
        }
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        room_id = await alex.create_room(invite=[account.user_id], direct=True)
        await alex.wait_joined(room_id, account.user_id)
        await alex.say(room_id, "!support")
        answer = await alex.wait_for(
            lambda s: s.event.sender == account.user_id and "000" in s.body, "the support lines"
        )
        assert answer.room_id == room_id
    finally:
        process.send_signal(stop)
        raw_out, raw_err = await asyncio.wait_for(process.communicate(), 60)
    out, err = raw_out.decode(), raw_err.decode()
    assert process.returncode == status, err
    assert "peerbot: stopped." in err
    assert "Traceback" not in err and "ERROR" not in err, err
    assert account.password not in out + err
    assert "end-to-end encryption is on" in err
    assert (tmp_path / "data" / "matrix" / "session.json").exists()
    assert oct((tmp_path / "data" / "matrix" / "session.json").stat().st_mode & 0o777) == "0o600"
