"""When the console's input ends while scheduled work is running, peerbot stops quietly: the
work finishes (or, past the grace period, is cancelled), the answers already given stay on the
screen, and nothing but them reaches the terminal: no traceback, no error (issue 20 item 19).

This runs the real ``peerbot run`` path (bot.cli._run) with a pipe as standard input, which a
thread writes and then closes once the slow job is under way."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
from pathlib import Path

import pytest

import bot.cli
from bot.app import App
from bot.scheduler import Scheduler
from cogs import ALL_COGS
from config.settings import Settings, load_settings
from tests.platforms.slow_job_cog import SlowJobCog

SCRIPT = '/network create name:"South Coast"\n/support\n'


def _settings(tmp_path: Path) -> Settings:
    return load_settings(None, {"PEERBOT_DATA_DIR": str(tmp_path / "data")})


def _feed(write_end: int) -> threading.Thread:
    def write() -> None:
        with os.fdopen(write_end, "w") as pipe:
            pipe.write(SCRIPT)
            pipe.flush()
            assert SlowJobCog.started.wait(30), "the scheduled job never started"
        # closing the pipe is the end of input, with the job still running

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


@pytest.fixture
def console_with_slow_job(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Settings, int]:
    SlowJobCog.started.clear()
    SlowJobCog.finished.clear()
    monkeypatch.setattr(
        bot.cli,
        "App",
        lambda settings: App(settings, cog_modules=(*ALL_COGS, "tests.platforms.slow_job_cog")),
    )
    read_end, write_end = os.pipe()
    monkeypatch.setattr(sys, "stdin", os.fdopen(read_end, "r"))
    settings = _settings(tmp_path)
    settings.data_dir.mkdir(parents=True)
    return settings, write_end


def test_input_ending_while_a_job_runs_lets_it_finish_and_prints_no_error(
    console_with_slow_job: tuple[Settings, int], capfd: pytest.CaptureFixture[str]
) -> None:
    settings, write_end = console_with_slow_job
    SlowJobCog.takes = 0.5
    feeder = _feed(write_end)
    assert asyncio.run(bot.cli._run(settings)) == 0
    feeder.join(5)
    out, err = capfd.readouterr()
    assert SlowJobCog.finished.is_set()  # the stop waited for it
    assert "South Coast" in out
    assert "000" in out  # /support answered before the input ended
    assert err == ""
    assert "Traceback" not in out


def test_a_job_that_will_not_finish_is_cancelled_quietly(
    console_with_slow_job: tuple[Settings, int],
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    settings, write_end = console_with_slow_job
    SlowJobCog.takes = None
    monkeypatch.setattr(Scheduler.shutdown, "__defaults__", (0.3,))  # a short grace period
    feeder = _feed(write_end)
    assert asyncio.run(bot.cli._run(settings)) == 0
    feeder.join(5)
    out, err = capfd.readouterr()
    assert not SlowJobCog.finished.is_set()
    assert err == "" and "Traceback" not in out
    logged = caplog.text  # what goes to data/peerbot.log on the console
    assert "still running after" in logged and "cancelled by the stop" in logged
    assert "Traceback" not in logged and "raised an exception" not in logged
