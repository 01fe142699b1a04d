"""Stopping the Matrix sync loop ends it, even when the cancellation surfaces as an error."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.platforms.matrix import serve
from bot.platforms.matrix.serve import MatrixService
from bot.stopping import cancel_and_wait


class SyncedAgain(BaseException):
    """Raised by the fake sync if the loop went on syncing after it was cancelled."""


async def test_the_sync_loop_ends_when_cancelled_even_if_the_cancel_comes_as_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(serve, "RETRY_SECONDS", 0.0)
    service: Any = object.__new__(MatrixService)  # only ``run`` is used
    service.ready = asyncio.Event()
    syncing = asyncio.Event()
    calls = 0

    async def sync_once(*, first: bool) -> bool:
        nonlocal calls
        calls += 1
        if calls > 1:
            raise SyncedAgain
        syncing.set()
        try:
            await asyncio.Event().wait()  # a long-polling sync, until the stop cancels it
        except asyncio.CancelledError:
            # What a library that loses the cancellation does (the read pool once did).
            raise ValueError("not in deque") from None
        return True

    service.sync_once = sync_once
    task = asyncio.create_task(service.run())
    await syncing.wait()
    task.cancel()
    ended = await asyncio.gather(task, return_exceptions=True)
    assert isinstance(ended[0], asyncio.CancelledError), ended
    assert calls == 1


async def test_a_stop_leaves_a_task_that_ignores_cancellation_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    release = asyncio.Event()

    async def stubborn() -> None:
        while not release.is_set():
            try:
                await release.wait()
            except asyncio.CancelledError:
                continue  # swallows every cancellation

    task = asyncio.create_task(stubborn(), name="stubborn")
    await asyncio.sleep(0)
    assert not await cancel_and_wait(task, "the test", seconds=0.01)
    assert "stubborn" in caplog.text and "did not stop" in caplog.text
    release.set()
    await task
