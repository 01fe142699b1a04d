"""A real Synapse homeserver for the Matrix end-to-end tests, started on 127.0.0.1.

Nothing is installed here: the ``matrix-synapse`` package comes from the README's test command.
Synapse runs as a child process of the test session (``python -m synapse.app.homeserver`` from
this venv) in a temporary folder, with a fresh SQLite database, shared-secret registration,
relaxed rate limits and no federation listener, so it never talks to another server.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SERVER_NAME = "peerbot.test"
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 15.0

# Generous limits: the tests send bursts of messages, joins and logins that real users never do.
_LOOSE = {"per_second": 1000, "burst_count": 1000}
_RATE_LIMITS: dict[str, Any] = {
    "rc_message": _LOOSE,
    "rc_registration": _LOOSE,
    "rc_registration_token_validity": _LOOSE,
    "rc_login": {"address": _LOOSE, "account": _LOOSE, "failed_attempts": _LOOSE},
    "rc_admin_redaction": _LOOSE,
    "rc_joins": {"local": _LOOSE, "remote": _LOOSE},
    "rc_joins_per_room": _LOOSE,
    "rc_3pid_validation": _LOOSE,
    "rc_invites": {"per_room": _LOOSE, "per_user": _LOOSE, "per_issuer": _LOOSE},
    "rc_presence": {"per_user": _LOOSE},
    "rc_delayed_event_mgmt": _LOOSE,
    "rc_room_creation": _LOOSE,
    "rc_reports": _LOOSE,
}

_counter = itertools.count(1)


def unique(prefix: str) -> str:
    """A localpart no other test in this session uses (accounts outlive a test)."""
    return f"{prefix}{next(_counter)}x{secrets.token_hex(2)}"


@dataclass(frozen=True)
class MatrixAccount:
    user_id: str
    password: str
    access_token: str
    device_id: str


class SynapseStartError(RuntimeError):
    """Synapse did not come up; the message carries its log."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(folder: Path, port: int, shared_secret: str) -> Path:
    """The homeserver's YAML (JSON is valid YAML), with every path inside ``folder``."""
    config: dict[str, Any] = {
        "server_name": SERVER_NAME,
        "public_baseurl": f"http://127.0.0.1:{port}/",
        "pid_file": str(folder / "homeserver.pid"),
        "listeners": [
            {
                "port": port,
                "bind_addresses": ["127.0.0.1"],
                "type": "http",
                "tls": False,
                "x_forwarded": False,
                "resources": [{"names": ["client"], "compress": False}],
            }
        ],
        "database": {"name": "sqlite3", "args": {"database": str(folder / "homeserver.db")}},
        "media_store_path": str(folder / "media"),
        "signing_key_path": str(folder / "signing.key"),
        "registration_shared_secret": shared_secret,
        "enable_registration": False,
        "report_stats": False,
        "bcrypt_rounds": 4,  # fast registration and login; these passwords protect nothing
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "federation_domain_whitelist": [],
        "presence": {"enabled": False},
        "url_preview_enabled": False,
        "enable_metrics": False,
        **_RATE_LIMITS,
    }
    path = folder / "homeserver.yaml"
    path.write_text(json.dumps(config, indent=2), encoding="utf-8")
    return path


class SynapseServer:
    """A running homeserver: its address, and a way to register accounts on it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.server_name = SERVER_NAME
        self.log_path = folder / "synapse.log"
        self.startup_seconds: float | None = None
        self._secret = secrets.token_hex(16)
        self._process: subprocess.Popen[bytes] | None = None

    # ---- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        config = write_config(self.folder, self.port, self._secret)
        started = time.monotonic()
        command = [sys.executable, "-m", "synapse.app.homeserver", "--config-path", str(config)]
        self._run_once([*command, "--generate-keys"])
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                command, cwd=self.folder, stdout=log, stderr=subprocess.STDOUT
            )
        self._wait_healthy()
        self.startup_seconds = time.monotonic() - started

    def _run_once(self, command: list[str]) -> None:
        with self.log_path.open("ab") as log:
            done = subprocess.run(
                command, cwd=self.folder, stdout=log, stderr=subprocess.STDOUT, check=False
            )
        if done.returncode != 0:
            raise SynapseStartError(
                f"{' '.join(command[2:])} exited with {done.returncode}:\n{self.log()}"
            )

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise SynapseStartError(
                    f"Synapse exited with {self._process.returncode} while starting:\n{self.log()}"
                )
            try:
                with urllib.request.urlopen(f"{self.base_url}/health", timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.05)  # polling a child process, not waiting for time to pass
        self.stop()
        raise SynapseStartError(
            f"Synapse was not healthy after {START_TIMEOUT_SECONDS:.0f} s:\n{self.log()}"
        )

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def log(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log written)"

    # ---- accounts -------------------------------------------------------------------------

    def register(self, localpart: str, *, admin: bool = False) -> MatrixAccount:
        """Create an account through the shared-secret admin API; it answers with a token."""
        url = f"{self.base_url}/_synapse/admin/v1/register"
        nonce = str(self._request("GET", url)["nonce"])
        password = secrets.token_urlsafe(12)
        mac = hmac.new(self._secret.encode(), digestmod=hashlib.sha1)
        mac.update(b"\x00".join([nonce.encode(), localpart.encode(), password.encode()]))
        mac.update(b"\x00" + (b"admin" if admin else b"notadmin"))
        body = {
            "nonce": nonce,
            "username": localpart,
            "password": password,
            "admin": admin,
            "mac": mac.hexdigest(),
        }
        answer = self._request("POST", url, body)
        return MatrixAccount(
            user_id=str(answer["user_id"]),
            password=password,
            access_token=str(answer["access_token"]),
            device_id=str(answer["device_id"]),
        )

    def user_id(self, localpart: str) -> str:
        return f"@{localpart}:{self.server_name}"

    def _request(self, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            url, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            detail = error.read().decode(errors="replace")
            raise AssertionError(f"{method} {url} -> {error.code}: {detail}") from None
