"""Restarts on Matrix: the same device, no replayed commands, and no answers to history."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

from tests.e2e.matrix.peerbot_on_synapse import PeerbotOnSynapse, Person, after, from_bot
from tests.e2e.matrix.synapse import MatrixAccount, SynapseServer, unique


def device_ids(synapse: SynapseServer, account: MatrixAccount) -> set[str]:
    request = urllib.request.Request(
        f"{synapse.base_url}/_matrix/client/v3/devices",
        headers={"Authorization": f"Bearer {account.access_token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return {d["device_id"] for d in json.loads(response.read())["devices"]}


async def test_a_restart_reuses_the_device_and_does_not_replay_old_commands(
    synapse: SynapseServer, alex: Person, tmp_path: Path
) -> None:
    account = synapse.register(unique("peerbot"))
    first = PeerbotOnSynapse(synapse, account, tmp_path / "data")
    await first.start()
    try:
        assert first.service is not None and first.service.connection.session is not None
        device = first.service.connection.session.device_id
        dm_room = await alex.create_room(invite=[account.user_id], direct=True)
        await alex.wait_joined(dm_room, account.user_id)
        await alex.say(dm_room, "!support")
        await alex.wait_for(from_bot(first, "000"), "the support lines")
        await alex.say(dm_room, "!privacy delete")
        buttons = await alex.wait_for(from_bot(first, "2. Keep my data"), "the buttons")
    finally:
        await first.stop()
    devices = device_ids(synapse, account)
    assert device in devices

    mark = alex.mark()
    await alex.say(dm_room, "!network list")  # while the bot is stopped
    second = PeerbotOnSynapse(synapse, account, tmp_path / "data")
    await second.start()
    try:
        assert second.service is not None and second.service.connection.session is not None
        assert second.service.connection.session.device_id == device
        late = await alex.wait_for(after(alex, mark, second, "no networks yet"), "the late one")
        assert late.room_id == dm_room
        await alex.say(dm_room, "!help")
        await alex.wait_for(after(alex, mark, second, "Commands you can use"), "the help")
        # Choices listed before the restart still work: they are kept in the database.
        await alex.react(dm_room, buttons.event_id, "2️⃣")
        await alex.wait_for(after(alex, mark, second, "Nothing was deleted"), "the old choice")
    finally:
        await second.stop()
    answers = [s for s in alex.seen if s.event.sender == account.user_id and "000" in s.body]
    assert len(answers) == 1  # !support was answered once, before the restart
    assert device_ids(synapse, account) == devices  # no new device


async def test_messages_from_before_the_bot_joined_are_not_answered(
    synapse: SynapseServer, alex: Person, tmp_path: Path
) -> None:
    account = synapse.register(unique("peerbot"))
    dm_room = await alex.create_room(invite=[account.user_id], direct=True)
    await alex.say(dm_room, "!support")  # before peerbot ever ran
    bot = PeerbotOnSynapse(synapse, account, tmp_path / "data")
    await bot.start()
    try:
        await alex.wait_joined(dm_room, account.user_id)
        mark = alex.mark()
        await alex.say(dm_room, "!network list")
        await alex.wait_for(after(alex, mark, bot, "no networks yet"), "the answer")
    finally:
        await bot.stop()
    assert not [s for s in alex.seen if s.event.sender == account.user_id and "000" in s.body]
