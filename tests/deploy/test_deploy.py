"""The recipes in deploy/ for running peerbot 24/7: a systemd unit and a container.

The unit is checked by systemd's own parser where ``systemd-analyze`` exists (it returns 0 even
for lines it ignores, so any complaint at all fails the test). The container is built and its
console tried only where a container tool can reach its daemon; CI machines without one skip it.
"""

from __future__ import annotations

import configparser
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from config.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "deploy" / "peerbot.service"
CONTAINERFILE = ROOT / "deploy" / "Containerfile"
INSTALL_DIR = "/opt/peerbot"


def read_unit(text: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(text)
    return parser


def test_unit_runs_peerbot_with_a_clean_stop_and_writable_data_only() -> None:
    service = read_unit(UNIT.read_text(encoding="utf-8"))["Service"]
    assert service["ExecStart"] == f"{INSTALL_DIR}/.venv/bin/peerbot run"
    assert service["WorkingDirectory"] == INSTALL_DIR
    assert service["KillSignal"] == "SIGTERM"
    data_dir = Settings.model_fields["data_dir"].default
    assert service["ReadWritePaths"] == f"{INSTALL_DIR}/{data_dir}"
    assert service["ProtectSystem"] == "strict"
    assert service["UMask"] == "0077"
    assert "TOKEN" not in service.get("Environment", "")


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not here")
def test_systemd_accepts_every_line_of_the_unit(tmp_path: Path) -> None:
    install = tmp_path / "peerbot"
    (install / ".venv" / "bin").mkdir(parents=True)
    (install / "data").mkdir()
    program = install / ".venv" / "bin" / "peerbot"
    program.write_text("#!/bin/sh\n", encoding="utf-8")
    program.chmod(0o755)
    unit = tmp_path / "peerbot.service"
    unit.write_text(UNIT.read_text(encoding="utf-8").replace(INSTALL_DIR, str(install)))
    done = subprocess.run(
        ["systemd-analyze", "verify", str(unit)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    complaints = [line for line in done.stderr.splitlines() if unit.name in line]
    assert complaints == []


def test_a_broken_unit_line_would_be_caught(tmp_path: Path) -> None:
    """The check above must be able to fail: systemd names an unparsable line on stderr."""
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze not here")
    unit = tmp_path / "broken.service"
    unit.write_text("[Service]\nType=exex\nExecStart=/bin/true\n", encoding="utf-8")
    done = subprocess.run(
        ["systemd-analyze", "verify", str(unit)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "broken.service" in done.stderr


def test_images_never_hold_secrets_or_local_data() -> None:
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {"config/peerbot.toml", "data", ".venv", ".git"} <= ignored
    text = CONTAINERFILE.read_text(encoding="utf-8")
    assert "TOKEN" not in "".join(line for line in text.splitlines() if not line.startswith("#"))
    assert 'CMD ["run"]' in text and "STOPSIGNAL SIGTERM" in text


def container_tool() -> str | None:
    """A docker or podman whose daemon answers, else None."""
    for tool in ("podman", "docker"):
        if shutil.which(tool) is None:
            continue
        try:
            info = subprocess.run([tool, "info"], check=False, capture_output=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if info.returncode == 0:
            return tool
    return None


def test_the_container_builds_and_starts_the_console() -> None:
    tool = container_tool()
    if tool is None:
        pytest.skip("no container tool with a running daemon on this machine")
    tag = f"peerbot-test-{uuid.uuid4().hex[:8]}"
    try:
        built = subprocess.run(
            [tool, "build", "-f", str(CONTAINERFILE), "-t", tag, str(ROOT)],
            check=False,
            capture_output=True,
            text=True,
            timeout=1200,
        )
        if built.returncode != 0 and "pull" in built.stderr.lower():
            pytest.skip("the base image could not be pulled from here")
        assert built.returncode == 0, built.stderr[-2000:]
        ran = subprocess.run(
            [tool, "run", "-i", "--rm", tag],
            check=False,
            input="/support\n",
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert ran.returncode == 0, ran.stderr[-2000:]
        assert "000" in ran.stdout
    finally:
        subprocess.run([tool, "rmi", "-f", tag], check=False, capture_output=True, timeout=120)
