"""``peerbot run`` on a real Synapse with a wrong password: one line saying so and how to fix
it, exit status 3, no traceback, and the password never shown."""

from __future__ import annotations

from pathlib import Path

from tests.bot.test_cli import peerbot
from tests.e2e.matrix.synapse import SynapseServer, unique


def test_a_refused_matrix_password_is_one_line_and_exit_status_3(
    synapse: SynapseServer, tmp_path: Path
) -> None:
    account = synapse.register(unique("bot"))
    env = {
        "PEERBOT_MATRIX__HOMESERVER": synapse.base_url,
        "PEERBOT_MATRIX__USER_ID": account.user_id,
        "PEERBOT_MATRIX__PASSWORD": "not-the-password-42",
    }
    result = peerbot("run", cwd=tmp_path, env=env)
    assert result.returncode == 3, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(
        f"peerbot: cannot start: Matrix refused the password for {account.user_id}"
    )
    assert "PEERBOT_MATRIX__PASSWORD" in last
    assert "Traceback" not in result.stderr
    assert "not-the-password-42" not in result.stdout + result.stderr
