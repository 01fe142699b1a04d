"""What the integrity check at start costs: ``Database.open`` (which runs ``PRAGMA quick_check``)
on a database of about 50 MB, against the same open without reading every page.

Prints figures; asserts nothing (shared machines are noisy, so targets are read, not tested).
The figures are with the file in the page cache; the first open after a reboot reads the whole
file from disk once (about a second for 75 MB on this machine's disk).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from bot.storage import Database


def build(path: Path, megabytes: int) -> None:
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("CREATE TABLE rows (id INTEGER PRIMARY KEY, key TEXT UNIQUE, body TEXT)")
    connection.execute("CREATE INDEX rows_body ON rows (body)")
    batch = 10_000
    while path.stat().st_size < megabytes * 1_000_000:
        connection.executemany(
            "INSERT INTO rows (key, body) VALUES (?, ?)",
            ((os.urandom(8).hex(), os.urandom(60).hex()) for _ in range(batch)),
        )
        connection.commit()
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()


async def timed_open(path: Path) -> float:
    started = time.perf_counter()
    db = await Database.open(path)
    elapsed = time.perf_counter() - started
    await db.close()
    return elapsed * 1000


def plain_open(path: Path) -> float:
    started = time.perf_counter()
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("SELECT COUNT(*) FROM sqlite_schema").fetchone()  # parses the header
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed * 1000


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--megabytes", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "peerbot.sqlite3"
        build(path, args.megabytes)
        size = path.stat().st_size / 1_000_000
        await timed_open(path)  # into the page cache
        checked = [await timed_open(path) for _ in range(5)]
        plain = [plain_open(path) for _ in range(5)]
        print(f"database: {size:.0f} MB")
        print(f"Database.open with quick_check: median {statistics.median(checked):.0f} ms")
        print(f"open and read the schema only:   median {statistics.median(plain):.1f} ms")


if __name__ == "__main__":
    asyncio.run(main())
