"""Logging set-up: readable lines by default, one JSON object per line as an option.

Log calls in peerbot pass ids, names of commands and counts, never the text people write;
the JSON formatter is a few lines, so it is written here rather than added as a dependency.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        for key, value in vars(record).items():
            if key not in _STANDARD:
                entry[key] = value
        return json.dumps(entry, default=str)


def _formatter(fmt: Literal["text", "json"]) -> logging.Formatter:
    if fmt == "json":
        return JsonFormatter()
    return logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s")


def setup_logging(
    level: str = "INFO",
    fmt: Literal["text", "json"] = "text",
    *,
    file: Path | None = None,
) -> None:
    """Log to standard error; or, with ``file`` (the console, where the terminal is the
    conversation), log to that file and show only warnings and errors on standard error."""
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setFormatter(_formatter(fmt))
    handlers: list[logging.Handler] = [stderr]
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
        to_file = logging.FileHandler(file, encoding="utf-8")
        to_file.setFormatter(_formatter(fmt))
        handlers.append(to_file)
        stderr.setLevel(logging.WARNING)
    root = logging.getLogger()
    for old in root.handlers:
        old.close()
    root.handlers[:] = handlers
    root.setLevel(level)
    # Chat libraries log payloads at DEBUG; keep them quieter than our own logs.
    for noisy in ("discord", "nio", "aiosqlite", "apscheduler"):
        logging.getLogger(noisy).setLevel(max(logging.getLevelName(level), logging.WARNING))
