"""Fixtures for the privacy cog: the real App on tmp_path, and two people with data in it.

``alex`` is in two networks and has a private message waiting; ``bob`` is in one network and
has his own. Two look-alikes must never be touched by anything done for alex: a message to a
*place* whose id is "alex", and a message to the Discord user "alex" (another person).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.identity import PlaceRef, UserRef
from bot.kernel import Kernel
from bot.replies import Reply
from tests.cogs.networks import ADMIN_ID, invoke


@dataclass(frozen=True)
class Outboxed:
    key: str
    text: str


ALEX_MESSAGE = Outboxed("reminder:alex", "Your co-reflection starts in an hour.")
BOB_MESSAGE = Outboxed("reminder:bob", "Bob, your check-in is due.")
PLACE_MESSAGE = Outboxed("post:place-alex", "A post in the channel called alex.")
DISCORD_ALEX_MESSAGE = Outboxed("reminder:discord-alex", "For the Discord user alex.")


async def queue(kernel: Kernel, item: Outboxed, target: UserRef | PlaceRef) -> None:
    assert await kernel.outbox.send(key=item.key, target=target, message=Reply(text=item.text))


@pytest.fixture
async def people(kernel: Kernel) -> Kernel:
    """Networks south-coast and hunter; alex in both, bob in south-coast; queued messages."""
    for name, slug in (("South Coast Peer Network", "south-coast"), ("Hunter", "hunter")):
        created = await invoke(kernel, ADMIN_ID, "network create", name=name, slug=slug)
        assert created.text.startswith("Created"), created.text
    for person, slug in (("alex", "south-coast"), ("alex", "hunter"), ("bob", "south-coast")):
        joined = await invoke(kernel, person, "network join", network=slug)
        assert joined.text.startswith("Welcome"), joined.text
    await queue(kernel, ALEX_MESSAGE, UserRef(platform="console", id="alex"))
    await queue(kernel, BOB_MESSAGE, UserRef(platform="console", id="bob"))
    await queue(kernel, PLACE_MESSAGE, PlaceRef(platform="console", id="alex"))
    await queue(kernel, DISCORD_ALEX_MESSAGE, UserRef(platform="discord", id="alex"))
    return kernel
