"""``./dev audit``: known vulnerabilities in exactly the versions requirements.lock pins.

pip-audit alone can print an all-clear without checking anything: when the PyPI JSON API
answers 404 (as a mirror-only network does), it skips every package and still says "No known
vulnerabilities found" with exit code 0; when OSV cannot be reached it dies with a traceback.
This wrapper runs pip-audit, reads its JSON report, and counts: unless every pinned package
was checked, it fails with one plain line saying the database could not be reached.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import canonicalize_name

#: Exit codes: 0 all checked and clean, 1 vulnerabilities found, 2 not everything was checked.
CLEAN, VULNERABLE, UNCHECKED = 0, 1, 2
SERVICES = ("pypi", "osv")
_PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s;#]+)")


@dataclass
class Outcome:
    """What one pip-audit run established about the pinned set."""

    service: str
    code: int
    lines: list[str] = field(default_factory=list)


def read_pins(lock: Path) -> dict[str, str]:
    """Every ``name==version`` line of the lock, by canonical name (comments ignored)."""
    pins: dict[str, str] = {}
    for line in lock.read_text().splitlines():
        if (match := _PIN.match(line)) is not None:
            pins[canonicalize_name(match.group(1))] = match.group(2)
    return pins


def judge(service: str, pins: dict[str, str], report: dict[str, object] | None) -> Outcome:
    """Turn pip-audit's JSON report into an outcome. Nothing counts as checked unless the
    report names that package at its pinned version with no skip reason."""
    entries = report.get("dependencies") if isinstance(report, dict) else None
    if not isinstance(entries, list):
        return Outcome(service, UNCHECKED, ["pip-audit gave no report"])
    checked: dict[str, list[dict[str, object]]] = {}
    skipped: dict[str, str] = {}
    for entry in entries:
        name = canonicalize_name(str(entry.get("name", "")))
        if "skip_reason" in entry:
            skipped[name] = str(entry["skip_reason"])
        elif pins.get(name) == str(entry.get("version")):
            checked[name] = list(entry.get("vulns") or [])
    missing = sorted(set(pins) - set(checked))
    if not checked:
        reason = next(iter(skipped.values()), "no package was checked")
        return Outcome(service, UNCHECKED, [f"every package was skipped ({reason})"])
    if missing:
        return Outcome(
            service,
            UNCHECKED,
            [
                f"{len(missing)} of {len(pins)} pinned packages were not checked: "
                + ", ".join(missing)
            ],
        )
    found = [
        f"{name} {pins[name]}: {_describe(vuln)}"
        for name, vulns in sorted(checked.items())
        for vuln in vulns
    ]
    if found:
        return Outcome(service, VULNERABLE, found)
    return Outcome(service, CLEAN, [])


def _describe(vuln: dict[str, object]) -> str:
    fixes = vuln.get("fix_versions")
    fixed = ", ".join(map(str, fixes)) if isinstance(fixes, list) and fixes else "no fix yet"
    return f"{vuln.get('id')} (fixed in: {fixed})"


def run_pip_audit(
    lock: Path, service: str, *, osv_url: str | None, timeout: int, cache_dir: Path | None
) -> dict[str, object] | str:
    """Run pip-audit on the lock alone (``--no-deps --disable-pip``: no resolving, no pip
    install, just the pinned versions). Returns the JSON report, or why there is none."""
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "report.json"
        command = [
            sys.executable,
            "-m",
            "pip_audit",
            "--requirement",
            str(lock),
            "--no-deps",
            "--disable-pip",
            "--vulnerability-service",
            service,
            "--format",
            "json",
            "--output",
            str(output),
            "--progress-spinner",
            "off",
            "--timeout",
            str(timeout),
        ]
        if osv_url is not None:
            command += ["--osv-url", osv_url]
        if cache_dir is not None:
            command += ["--cache-dir", str(cache_dir)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode in (0, 1) and output.exists():
            try:
                report = json.loads(output.read_text())
            except ValueError:
                report = None
            if isinstance(report, dict):
                return report
        errors = [line for line in done.stderr.splitlines() if line.strip()]
        return errors[-1] if errors else f"pip-audit exited with code {done.returncode}"


def audit(
    lock: Path,
    services: tuple[str, ...] = SERVICES,
    *,
    osv_url: str | None = None,
    timeout: int = 15,
    cache_dir: Path | None = None,
) -> tuple[int, list[str]]:
    """Try each service in turn until one checks every pinned package; the exit code and the
    lines to print."""
    pins = read_pins(lock)
    if not pins:
        return UNCHECKED, [f"AUDIT FAILED: {lock} pins no packages, so nothing was checked."]
    failures: list[str] = []
    for service in services:
        report = run_pip_audit(lock, service, osv_url=osv_url, timeout=timeout, cache_dir=cache_dir)
        outcome = (
            judge(service, pins, report)
            if isinstance(report, dict)
            else Outcome(service, UNCHECKED, [report])
        )
        if outcome.code == CLEAN:
            return CLEAN, [
                f"No known vulnerabilities in the {len(pins)} packages {lock.name} pins "
                f"(checked against {service})."
            ]
        if outcome.code == VULNERABLE:
            return VULNERABLE, [
                f"AUDIT FAILED: {len(outcome.lines)} known vulnerabilities in {lock.name} "
                f"(checked against {service}):",
                *(f"  {line}" for line in outcome.lines),
            ]
        failures.append(f"  {service}: {'; '.join(outcome.lines)}")
    return UNCHECKED, [
        "AUDIT FAILED: the vulnerability database could not be reached, so nothing was "
        f"checked ({len(pins)} packages in {lock.name} are unaudited).",
        *failures,
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="./dev audit", description=__doc__)
    parser.add_argument("--lock", type=Path, default=Path("requirements.lock"))
    parser.add_argument(
        "--service",
        choices=(*SERVICES, "auto"),
        default="auto",
        help="the vulnerability database; auto tries PyPI, then OSV",
    )
    parser.add_argument("--osv-url", help="another OSV API address (a mirror)")
    parser.add_argument("--timeout", type=int, default=15, help="seconds per request")
    parser.add_argument("--cache-dir", type=Path)
    args = parser.parse_args(argv)
    services = SERVICES if args.service == "auto" else (args.service,)
    code, lines = audit(
        args.lock, services, osv_url=args.osv_url, timeout=args.timeout, cache_dir=args.cache_dir
    )
    print("\n".join(lines), file=sys.stdout if code == CLEAN else sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
