"""``./dev audit`` runs the real pip-audit against a stand-in OSV server on 127.0.0.1.

The point of the wrapper is that it never prints an all-clear it did not earn, so most of
these tests are about the database failing: refused, answering 404, skipping packages.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from devtools.audit import CLEAN, UNCHECKED, VULNERABLE, audit, judge, main, read_pins

LOCK = "# a comment\naiosqlite==0.22.1\nRich==15.0.0\n"


class FakeOsv:
    """Answers OSV's ``POST /v1/query`` the way ``mode`` says."""

    def __init__(self) -> None:
        self.mode = "clean"
        self.queried: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                name = query["package"]["name"]
                fake.queried.append(f"{name}=={query['version']}")
                if fake.mode == "404":
                    self.send_error(404)
                    return
                body: dict[str, object] = {}
                if fake.mode == "vulnerable" and name == "rich":
                    body = {
                        "vulns": [
                            {
                                "id": "GHSA-test-0001",
                                "summary": "a made-up advisory",
                                "affected": [
                                    {
                                        "package": {"name": "rich", "ecosystem": "PyPI"},
                                        "ranges": [
                                            {
                                                "type": "ECOSYSTEM",
                                                "events": [
                                                    {"introduced": "0"},
                                                    {"fixed": "15.0.1"},
                                                ],
                                            }
                                        ],
                                    }
                                ],
                            }
                        ]
                    }
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/query"


@pytest.fixture
def osv() -> Iterator[FakeOsv]:
    fake = FakeOsv()
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()
    thread.join()


@pytest.fixture
def lock(tmp_path: Path) -> Path:
    path = tmp_path / "requirements.lock"
    path.write_text(LOCK)
    return path


def run(lock: Path, url: str, tmp_path: Path) -> tuple[int, list[str]]:
    return audit(lock, ("osv",), osv_url=url, timeout=5, cache_dir=tmp_path / "cache")


def test_the_pinned_versions_are_what_is_checked(osv: FakeOsv, lock: Path, tmp_path: Path) -> None:
    code, lines = run(lock, osv.url, tmp_path)
    assert code == CLEAN
    assert lines == [
        "No known vulnerabilities in the 2 packages requirements.lock pins (checked against osv)."
    ]
    assert sorted(osv.queried) == ["aiosqlite==0.22.1", "rich==15.0.0"]


def test_a_known_vulnerability_fails_and_is_named(osv: FakeOsv, lock: Path, tmp_path: Path) -> None:
    osv.mode = "vulnerable"
    code, lines = run(lock, osv.url, tmp_path)
    assert code == VULNERABLE
    assert lines[0].startswith("AUDIT FAILED: 1 known vulnerabilities in requirements.lock")
    assert lines[1:] == ["  rich 15.0.0: GHSA-test-0001 (fixed in: 15.0.1)"]


def test_a_database_that_refuses_connections_fails_loudly(lock: Path, tmp_path: Path) -> None:
    # A port nothing listens on: bind one, note it, close it.
    closed = FakeOsv()
    url = closed.url
    closed.server.server_close()
    code, lines = run(lock, url, tmp_path)
    assert code == UNCHECKED
    assert lines[0] == (
        "AUDIT FAILED: the vulnerability database could not be reached, so nothing was "
        "checked (2 packages in requirements.lock are unaudited)."
    )
    assert "Connection refused" in lines[1]


def test_a_database_answering_404_fails_loudly(osv: FakeOsv, lock: Path, tmp_path: Path) -> None:
    osv.mode = "404"
    code, lines = run(lock, osv.url, tmp_path)
    assert code == UNCHECKED
    assert lines[0].startswith("AUDIT FAILED: the vulnerability database could not be reached")


def test_the_command_exits_non_zero_and_says_why(
    lock: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    closed = FakeOsv()
    url = closed.url
    closed.server.server_close()
    code = main(["--lock", str(lock), "--service", "osv", "--osv-url", url, "--timeout", "5"])
    assert code == UNCHECKED
    assert "could not be reached, so nothing was checked" in capsys.readouterr().err


def test_pypi_skipping_every_package_is_not_an_all_clear(lock: Path) -> None:
    # What pip-audit 2.10 reports (exit 0, "No known vulnerabilities found") when the PyPI
    # JSON API answers 404 for every package, as on a network that only reaches the mirror.
    report: dict[str, object] = {
        "dependencies": [
            {
                "name": n,
                "skip_reason": f"Dependency not found on PyPI and could not be audited: {n}",
            }
            for n in ("aiosqlite", "rich")
        ],
        "fixes": [],
    }
    outcome = judge("pypi", read_pins(lock), report)
    assert outcome.code == UNCHECKED
    assert outcome.lines[0].startswith("every package was skipped")


def test_one_skipped_package_is_not_an_all_clear(lock: Path) -> None:
    report: dict[str, object] = {
        "dependencies": [
            {"name": "aiosqlite", "version": "0.22.1", "vulns": []},
            {"name": "rich", "skip_reason": "Dependency not found on PyPI"},
        ],
        "fixes": [],
    }
    outcome = judge("pypi", read_pins(lock), report)
    assert outcome.code == UNCHECKED
    assert outcome.lines == ["1 of 2 pinned packages were not checked: rich"]


def test_a_report_for_another_version_does_not_count(lock: Path) -> None:
    report: dict[str, object] = {
        "dependencies": [
            {"name": "aiosqlite", "version": "0.22.1", "vulns": []},
            {"name": "rich", "version": "14.0.0", "vulns": []},
        ],
    }
    assert judge("osv", read_pins(lock), report).code == UNCHECKED
