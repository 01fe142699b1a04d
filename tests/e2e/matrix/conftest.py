"""Fixtures for the Matrix end-to-end tests: one real Synapse for the whole session.

``synapse`` yields a running :class:`SynapseServer` (``base_url``, ``server_name``,
``register(localpart, admin=False)``). It skips nothing: if Synapse cannot start, every test
that uses it fails with Synapse's log.

``bot``, ``admin`` and ``alex`` are for the inbound tests: peerbot logged in as a fresh account
(``admin`` is its admin), and two people acting through plain nio clients that can encrypt.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.clock import Clock, FakeClock
from tests.e2e.matrix.peerbot_on_synapse import PeerbotOnSynapse, Person
from tests.e2e.matrix.synapse import SynapseServer, SynapseStartError, unique


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SynapseServer]:
    folder: Path = tmp_path_factory.mktemp("synapse")
    server = SynapseServer(folder)
    try:
        server.start()
    except SynapseStartError as error:
        pytest.fail(str(error), pytrace=False)
    try:
        yield server
    finally:
        server.stop()


async def _person(synapse: SynapseServer, name: str, folder: Path) -> Person:
    return await Person(synapse, synapse.register(unique(name)), folder / name).open()


@pytest.fixture
async def admin(synapse: SynapseServer, tmp_path: Path) -> AsyncIterator[Person]:
    person = await _person(synapse, "admin", tmp_path)
    try:
        yield person
    finally:
        await person.close()


@pytest.fixture
async def alex(synapse: SynapseServer, tmp_path: Path) -> AsyncIterator[Person]:
    person = await _person(synapse, "alex", tmp_path)
    try:
        yield person
    finally:
        await person.close()


@asynccontextmanager
async def running_bot(
    synapse: SynapseServer, admin: Person, folder: Path, clock: Clock | None = None
) -> AsyncIterator[PeerbotOnSynapse]:
    """peerbot on a fresh Matrix account, ``admin`` its admin, stopped at the end."""
    running = PeerbotOnSynapse(
        synapse,
        synapse.register(unique("peerbot")),
        folder / "data",
        admins=(admin.user_id,),
        clock=clock,
    )
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def bot(
    synapse: SynapseServer, admin: Person, tmp_path: Path
) -> AsyncIterator[PeerbotOnSynapse]:
    async with running_bot(synapse, admin, tmp_path) as running:
        yield running


@pytest.fixture
async def clocked_bot(
    request: pytest.FixtureRequest, synapse: SynapseServer, admin: Person, tmp_path: Path
) -> AsyncIterator[PeerbotOnSynapse]:
    """The bot on a clock the test sets, starting at the test module's ``NOW``."""
    now = request.module.NOW
    async with running_bot(synapse, admin, tmp_path, FakeClock(now)) as running:
        yield running
