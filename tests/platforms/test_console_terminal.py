"""The console at a terminal: line editing and history (readline), the prompt drawn again
under a message that arrives on its own, and a history file that keeps no one's words."""

from __future__ import annotations

import asyncio
import io
import os
import pty
import select
import subprocess
import sys
import threading
import time
from pathlib import Path

from bot.app import App
from bot.clock import FakeClock
from bot.identity import UserRef
from bot.platforms.console import CLEAR_LINE, ConsoleAdapter
from bot.replies import Reply
from config.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
UP = "\x1b[A"


class HeldEditor:
    """A line editor whose person has typed ``/sup`` and not pressed Enter yet."""

    buffer = "/sup"

    def __init__(self) -> None:
        self.release = threading.Event()
        self.remembered: list[tuple[str, bool]] = []

    def read(self, prompt: str) -> str:
        if not self.release.wait(30):
            raise EOFError
        return "/quit"

    def remember(self, line: str, *, keep: bool) -> None:
        self.remembered.append((line, keep))

    def close(self) -> None:
        return None


async def test_a_message_arriving_while_typing_redraws_the_prompt_and_the_typing(
    tmp_path: Path,
) -> None:
    settings = load_settings(None, environ={"PEERBOT_DATA_DIR": str(tmp_path)})
    app = App(settings, clock=FakeClock())
    kernel = await app.start_without_worker()
    out = io.StringIO()
    editor = HeldEditor()
    console = ConsoleAdapter(
        kernel,
        stdout=out,
        interactive=True,
        line_editor=editor,  # type: ignore[arg-type]
    )
    running = asyncio.create_task(console.run())
    try:
        for _ in range(200):
            if console._prompt_shown is not None:
                break
            await asyncio.sleep(0.01)
        before = out.tell()
        sam = UserRef(platform="console", id="sam", display_name="sam")
        await console.port.send_private(sam, Reply.private_text("A reminder."), idempotency_key="r")
        arrived = out.getvalue()[before:]
    finally:
        editor.release.set()
        await asyncio.wait_for(running, 30)
        await app.stop()
    assert arrived.startswith(f"\r{CLEAR_LINE}[private message to sam]\n")
    assert "A reminder." in arrived
    assert arrived.endswith("\nyou> /sup")  # the prompt again, with what was typed


def _read_until(fd: int, text: str, seen: list[str], seconds: float = 60, after: int = 0) -> int:
    """Read until ``text`` appears at or after offset ``after`` of what was printed; returns
    the offset just past it (output arrives in chunks of any size, so two things waited for
    one after the other can come in one read)."""
    deadline = time.monotonic() + seconds
    while text not in "".join(seen)[after:]:
        left = deadline - time.monotonic()
        assert left > 0, f"never printed {text!r}:\n{''.join(seen)}"
        ready, _, _ = select.select([fd], [], [], min(left, 1))
        if ready:
            try:
                seen.append(os.read(fd, 4096).decode(errors="replace"))
            except OSError:  # the process closed the terminal
                assert text in "".join(seen)[after:], "".join(seen)
                break
    printed = "".join(seen)
    return printed.index(text, after) + len(text)


def test_at_a_terminal_the_up_arrow_brings_a_line_back_and_history_keeps_no_words(
    tmp_path: Path,
) -> None:
    """``peerbot run`` on a real terminal (a pseudo-terminal): the up arrow recalls
    ``/support filter:nsw``; the history file keeps it, but not a line with free text."""
    main, child = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEERBOT_")}
    env.update({"PYTHONPATH": str(ROOT), "TERM": "xterm", "PEERBOT_ADMINS": "console:you"})
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=tmp_path,
        stdin=child,
        stdout=child,
        stderr=child,
        env=env,
        start_new_session=True,
    )
    os.close(child)
    seen: list[str] = []
    try:
        at = _read_until(main, "you> ", seen)
        os.write(main, b"/support filter:nsw\r")
        at = _read_until(main, "NSW Mental Health Line", seen, after=at)
        at = _read_until(main, "you> ", seen, after=at)
        os.write(main, (UP + "\r").encode())  # the same line again, from the history
        at = _read_until(main, "NSW Mental Health Line", seen, after=at)
        at = _read_until(main, "you> ", seen, after=at)
        os.write(main, b'/reflect start format:what peers:"Dana from work"\r')
        at = _read_until(main, "you> ", seen, after=at)
        os.write(main, b"/quit\r")
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(main)
    assert process.returncode == 0
    history = (tmp_path / "data" / "console_history").read_text().splitlines()
    assert history == ["/support filter:nsw", "/support filter:nsw"]  # no peers' names
    assert (tmp_path / "data" / "console_history").stat().st_mode & 0o077 == 0
