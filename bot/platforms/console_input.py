"""Typing at the console's prompt: line editing and history with the standard library's
readline, when standard input is a terminal.

Only command lines go into the history, never what is typed into a form (a reflection, a
concern). The history file (``data/console_history``, private to peerbot's account) keeps
only lines without free text, so nobody's words are stored there: ``/support filter:nsw`` is
kept, ``/report concern text:...`` is remembered for this session only.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

#: How many lines the history file keeps (the newest).
HISTORY_LINES = 500


def _readline() -> ModuleType | None:
    try:
        import readline  # noqa: PLC0415 - absent on some systems; only the console needs it
    except ImportError:
        return None
    return readline


class LineEditor:
    """readline's line editing, the history, and the terminal put back as it was at the end.

    ``read`` blocks (it runs on the console's input thread); the rest is called from the
    event loop."""

    def __init__(self, readline: ModuleType, history_file: Path) -> None:
        self._readline = readline
        self.history_file = history_file
        self._terminal: list[Any] | None = None
        readline.set_auto_history(False)  # the console chooses what is remembered
        with contextlib.suppress(ImportError, OSError):
            import termios  # noqa: PLC0415 - POSIX only

            self._terminal = termios.tcgetattr(sys.stdin.fileno())
        for line in self._saved_lines()[-HISTORY_LINES:]:
            readline.add_history(line)

    @classmethod
    def for_terminal(cls, history_file: Path) -> LineEditor | None:
        """A line editor when standard input is a terminal and readline exists, else None."""
        readline = _readline()
        if readline is None or not sys.stdin.isatty():
            return None
        return cls(readline, history_file)

    def _saved_lines(self) -> list[str]:
        try:
            text = self.history_file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return []
        return [line for line in text.splitlines() if line.strip()]

    def read(self, prompt: str) -> str:
        """One line, edited with the arrow keys; EOFError at the end of input (Ctrl-D)."""
        return input(prompt)

    @property
    def buffer(self) -> str:
        """What the person has typed so far at the prompt (to draw it again)."""
        return str(self._readline.get_line_buffer())

    def remember(self, line: str, *, keep: bool) -> None:
        """Up-arrow brings the line back; ``keep`` also saves it in the history file."""
        self._readline.add_history(line)
        if not keep:
            return
        try:
            lines = [*self._saved_lines(), line][-HISTORY_LINES:]
            self.history_file.parent.mkdir(parents=True, exist_ok=True)
            partial = self.history_file.with_name(self.history_file.name + ".partial")
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write("\n".join(lines) + "\n")
            partial.replace(self.history_file)
        except OSError:
            pass  # a history that cannot be saved is no reason to stop the console

    def close(self) -> None:
        """Put the terminal back as it was: a stop during a read must not leave it raw."""
        if self._terminal is None:
            return
        with contextlib.suppress(ImportError, OSError):
            import termios  # noqa: PLC0415

            termios.tcsetattr(sys.stdin.fileno(), termios.TCSADRAIN, self._terminal)
