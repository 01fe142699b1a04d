"""``./dev`` as a newcomer meets it, in a temporary copy with fake Pythons on PATH: a Python
older than 3.11 is named with what to do; a .venv made by another Python is rebuilt; ``run``
installs only requirements.lock and ``test`` the development lock too."""

from __future__ import annotations

import shutil
import stat
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COPIED = ("dev", "pyproject.toml", "requirements.lock", "requirements-dev.lock")
TOOLS = ("bash", "cat", "cut", "dirname", "grep", "rm", "sha256sum")


def _executable(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def _copy(tmp_path: Path) -> tuple[Path, Path]:
    project = tmp_path / "peerbot"
    project.mkdir()
    for name in COPIED:
        shutil.copy2(ROOT / name, project / name)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in TOOLS:
        found = shutil.which(tool)
        assert found is not None, tool
        (bin_dir / tool).symlink_to(found)
    _executable(bin_dir / "chromium", "#!/bin/bash\n")  # the browser tests' browser
    return project, bin_dir


def _python(bin_dir: Path, name: str, version: str) -> None:
    """A fake Python called ``name`` reporting ``version``."""
    body = f"""#!/bin/bash
VERSION={version}
if [[ "$1" == "-c" ]]; then echo "$VERSION"; exit 0; fi
if [[ "$1 $2" == "-m venv" ]]; then
  /bin/mkdir -p "$3/bin"
  /bin/cp "$0" "$3/bin/python"
  for tool in peerbot ruff mypy; do
    printf '#!/bin/bash\\necho "%s $*" >> "$DEV_LOG"\\n' "$tool" > "$3/bin/$tool"
  done
  /bin/chmod +x "$3"/bin/*
  echo "venv made by $VERSION" >> "$DEV_LOG"
  exit 0
fi
echo "python$VERSION $*" >> "$DEV_LOG"
"""
    _executable(bin_dir / name, body)


def dev(project: Path, bin_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["./dev", *args],
        cwd=project,
        env={"PATH": str(bin_dir), "DEV_LOG": str(project / "calls.log"), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def calls(project: Path) -> list[str]:
    log = project / "calls.log"
    return log.read_text().splitlines() if log.exists() else []


def test_python_3_10_is_named_with_what_to_do(tmp_path: Path) -> None:
    project, bin_dir = _copy(tmp_path)
    _python(bin_dir, "python3", "3.10")
    result = dev(project, bin_dir, "run")
    assert result.returncode == 3, result.stderr
    assert "peerbot needs Python 3.11 or newer; found only: python3 is Python 3.10." in (
        result.stderr
    )
    assert "PYTHON=python3.12 ./dev run" in result.stderr
    assert not (project / ".venv").exists()  # nothing half-made to trip over later


def test_a_python_named_in_python_that_is_too_old_is_refused(tmp_path: Path) -> None:
    project, bin_dir = _copy(tmp_path)
    _python(bin_dir, "python3.10", "3.10")
    result = dev(project, bin_dir, "test", PYTHON="python3.10")
    assert result.returncode == 3
    assert "found only: python3.10 is Python 3.10" in result.stderr
    assert "PYTHON=python3.12 ./dev test" in result.stderr


def test_a_venv_made_by_python_3_10_is_rebuilt_and_run_installs_only_the_run_lock(
    tmp_path: Path,
) -> None:
    project, bin_dir = _copy(tmp_path)
    _python(bin_dir, "python3.10", "3.10")
    made = dev(project, bin_dir, "run", PYTHON="python3.10")  # refused: no .venv made
    assert made.returncode == 3
    _python(tmp_path, "old-python", "3.10")  # a .venv left by an older ./dev, with 3.10
    (project / ".venv" / "bin").mkdir(parents=True)
    shutil.copy2(tmp_path / "old-python", project / ".venv" / "bin" / "python")

    _python(bin_dir, "python3.11", "3.11")
    ran = dev(project, bin_dir, "run", "--help")
    assert ran.returncode == 0, ran.stderr
    assert "dev: .venv was made by Python 3.10; rebuilding it with python3.11 (3.11)." in (
        ran.stderr
    )
    log = calls(project)
    assert log[0] == "venv made by 3.11"
    installs = [line for line in log if " -m pip install " in line and " -r " in line]
    assert installs == [
        "python3.11 -m pip install --disable-pip-version-check -r requirements.lock"
    ]
    assert log[-1] == "peerbot run --help"

    again = dev(project, bin_dir, "run")  # nothing changed: nothing installed again
    assert again.returncode == 0 and "installing" not in again.stderr

    tested = dev(project, bin_dir, "test", "-q")
    assert tested.returncode == 0, tested.stderr
    assert "installing the test and development tools too" in tested.stderr
    assert (
        "python3.11 -m pip install --disable-pip-version-check -r requirements.lock "
        "-r requirements-dev.lock"
    ) in calls(project)
    assert calls(project)[-4:] == [
        "python3.11 -m pytest -q",
        "ruff check .",
        "ruff format --check .",
        "mypy ",
    ]
    after_test = dev(project, bin_dir, "run")  # the full install holds what running needs
    assert "installing" not in after_test.stderr


def _without_chromium(tmp_path: Path, uid: int) -> tuple[Path, Path]:
    """A copy on a machine with no chromium, where ``id -u`` says ``uid`` and apt-get logs."""
    project, bin_dir = _copy(tmp_path)
    (bin_dir / "chromium").unlink()
    _python(bin_dir, "python3.11", "3.11")
    _executable(bin_dir / "id", f"#!/bin/bash\necho {uid}\n")
    apt = f"""#!/bin/bash
echo "apt-get $*" >> "$DEV_LOG"
if [[ "$1" == install ]]; then
  printf '#!/bin/bash\\n' > {bin_dir}/chromium; /bin/chmod +x {bin_dir}/chromium
fi
"""
    _executable(bin_dir / "apt-get", apt)
    return project, bin_dir


def test_dev_test_installs_chromium_when_missing_as_root(tmp_path: Path) -> None:
    project, bin_dir = _without_chromium(tmp_path, uid=0)
    tested = dev(project, bin_dir, "test", "-q")
    assert tested.returncode == 0, tested.stderr
    assert "installing chromium for the browser tests" in tested.stderr
    log = calls(project)
    assert "apt-get update -qq" in log
    assert "apt-get install -y -qq --no-install-recommends chromium" in log
    assert log.index("apt-get update -qq") < log.index("python3.11 -m pytest -q")
    again = dev(project, bin_dir, "test", "-q")  # installed now: not again
    assert "installing chromium" not in again.stderr


def test_dev_test_without_chromium_or_root_says_how_and_runs_nothing(tmp_path: Path) -> None:
    project, bin_dir = _without_chromium(tmp_path, uid=1000)
    tested = dev(project, bin_dir, "test", "-q")
    assert tested.returncode == 2
    assert "sudo apt install chromium" in tested.stderr
    assert not [line for line in calls(project) if "pytest" in line or "apt-get" in line]


def test_ci_runs_exactly_dev_test() -> None:
    lines = [
        line
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert lines[-1] == "./dev test"


def test_both_locks_pin_exact_versions_and_the_run_lock_has_no_tools() -> None:
    run = _pins(ROOT / "requirements.lock")
    dev_only = _pins(ROOT / "requirements-dev.lock")
    assert run and dev_only and not set(run) & set(dev_only)
    for tool in (
        "pytest",
        "mypy",
        "ruff",
        "hypothesis",
        "matrix-synapse",
        "pip-audit",
        "playwright",
    ):
        assert tool in dev_only and tool not in run, tool
    for needed in ("discord-py", "matrix-nio", "aiosqlite", "pydantic", "setuptools"):
        assert needed in run, needed


def _pins(lock: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in lock.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, sep, version = line.partition("==")
        assert sep and version and not set(version) & set("<>=*,; "), line
        found[name.lower().replace("_", "-").replace(".", "-")] = version
    return found


def test_the_local_configuration_and_the_data_stay_out_of_git() -> None:
    """Following the README's Discord steps puts the token in config/peerbot.toml (or the
    environment): git must never offer that file, or data/, for a commit."""
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert "config/peerbot.toml" in ignored and "data/" in ignored
    if shutil.which("git") and (ROOT / ".git").exists():
        checked = subprocess.run(
            ["git", "check-ignore", "config/peerbot.toml", "data/peerbot.sqlite3"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert checked.stdout.split() == ["config/peerbot.toml", "data/peerbot.sqlite3"]
        example = subprocess.run(
            ["git", "check-ignore", "-q", "config/peerbot.example.toml"], cwd=ROOT, check=False
        )
        assert example.returncode == 1  # the example stays in git
