"""Logging set-up: readable lines by default, one JSON object per line as an option.

Log calls in peerbot pass ids, names of commands and counts, never the text people write;
the JSON formatter is a few lines, so it is written here rather than added as a dependency.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from bot.private_files import PRIVATE_DIR, PRIVATE_FILE

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


class PrivateFileHandler(logging.FileHandler):
    """The log file, created 0600; a record it cannot take (a full disk, a permission taken
    away) is marked so the standard-error handler shows it instead, with one line saying why,
    so an error id is never lost. The file is tried again for every record."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, encoding="utf-8", delay=True)
        self._failing = False

    def _open(self) -> io.TextIOWrapper:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE)
        return open(fd, "a", encoding=self.encoding)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record) + self.terminator
        except Exception:
            self.handleError(record)
            return
        try:
            stream = self.stream if self.stream is not None else self._open()
            self.stream = stream
            stream.write(text)
            stream.flush()
        except OSError as error:
            self._drop_stream()
            record.not_in_log_file = True
            if not self._failing:
                self._failing = True
                print(
                    f"peerbot: cannot write the log file {self.baseFilename} ({error.strerror}); "
                    "log lines go to standard error until it can.",
                    file=sys.stderr,
                )
        else:
            self._failing = False

    def _drop_stream(self) -> None:
        stream, self.stream = self.stream, None
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


def _shown_on_terminal(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.WARNING or bool(getattr(record, "not_in_log_file", False))


def setup_logging(
    level: str = "INFO",
    fmt: Literal["text", "json"] = "text",
    *,
    file: Path | None = None,
) -> None:
    """Log to standard error; or, with ``file`` (the console, where the terminal is the
    conversation), log to that file and show on standard error only warnings, errors, and any
    line the file could not take."""
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setFormatter(_formatter(fmt))
    handlers: list[logging.Handler] = []
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
        to_file = PrivateFileHandler(file)
        to_file.setFormatter(_formatter(fmt))
        handlers.append(to_file)  # first, so it can mark what it failed to write
        stderr.addFilter(_shown_on_terminal)
    handlers.append(stderr)
    root = logging.getLogger()
    for old in root.handlers:
        old.close()
    root.handlers[:] = handlers
    root.setLevel(level)
    # Chat libraries log payloads at DEBUG; keep them quieter than our own logs.
    for noisy in ("discord", "nio", "aiosqlite", "apscheduler"):
        logging.getLogger(noisy).setLevel(max(logging.getLevelName(level), logging.WARNING))
