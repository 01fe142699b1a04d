"""End-to-end encryption: peerbot reads and answers in an encrypted room."""

from __future__ import annotations

from pathlib import Path

import nio
import pytest

from bot.platforms.matrix import client as client_module
from tests.e2e.matrix.peerbot_on_synapse import PeerbotOnSynapse, Person, from_bot
from tests.e2e.matrix.synapse import SynapseServer, unique


async def test_a_message_in_an_encrypted_room_is_read_and_answered_encrypted(
    bot: PeerbotOnSynapse, alex: Person
) -> None:
    assert bot.service is not None and bot.service.connection.encrypted
    room_id = await alex.create_room(invite=[bot.user_id], encrypted=True, direct=True)
    await alex.wait_joined(room_id, bot.user_id)
    await alex.say(room_id, "!support")
    answer = await alex.wait_for(from_bot(bot, "000"), "the support lines")
    assert answer.room_id == room_id  # the person's direct chat with the bot, encrypted
    assert isinstance(answer.event, nio.RoomMessageNotice)
    assert answer.event.decrypted  # it came encrypted, and alex's client could decrypt it
    sent = [s for s in alex.seen if s.room_id == room_id and s.event.sender == alex.user_id]
    assert sent and all(getattr(s.event, "decrypted", False) for s in sent if s.body)


async def test_without_encryption_the_bot_says_so_in_an_encrypted_room(
    synapse: SynapseServer, alex: Person, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client_module, "ENCRYPTION_ENABLED", False)
    bot = PeerbotOnSynapse(synapse, synapse.register(unique("peerbot")), tmp_path / "data")
    await bot.start()
    try:
        assert bot.service is not None and not bot.service.connection.encrypted
        room_id = await alex.create_room(invite=[bot.user_id], encrypted=True)
        await alex.wait_joined(room_id, bot.user_id)
        await alex.say(room_id, "!support")
        told = await alex.wait_for(from_bot(bot, "cannot read encrypted"), "the explanation")
        assert told.room_id == room_id
        assert "000" not in told.body  # it could not read the command, so it did not run it
    finally:
        await bot.stop()
