"""A private answer never lands in a group room, even after a restart, when the bot's room
member counts read 0 until members load, and even in a room of two that is not the person's
direct chat (a co-reflection room before peers join)."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.matrix.peerbot_on_synapse import PeerbotOnSynapse, Person, after
from tests.e2e.matrix.synapse import SynapseServer, unique


async def test_private_answers_go_to_the_direct_chat_after_a_restart(
    synapse: SynapseServer, alex: Person, admin: Person, tmp_path: Path
) -> None:
    account = synapse.register(unique("peerbot"))
    first = PeerbotOnSynapse(synapse, account, tmp_path / "data")
    await first.start()
    try:
        group = await alex.create_room(invite=[account.user_id, admin.user_id], name="group")
        await admin.join(group)
        await alex.wait_joined(group, account.user_id)
        await alex.wait_joined(group, admin.user_id)
        await alex.say(group, "hello all")
    finally:
        await first.stop()
    second = PeerbotOnSynapse(synapse, account, tmp_path / "data")
    await second.start()
    try:
        mark = alex.mark()
        await alex.say(group, "!privacy policy")
        policy = await alex.wait_for(after(alex, mark, second, "Networks:"), "the policy")
        assert policy.room_id != group  # in alex's direct chat with the bot
        pointer = await alex.wait_for(
            after(alex, mark, second, "I answered you in our direct-message room"), "the pointer"
        )
        assert pointer.room_id == group
        # Plain conversation in the group is not the bot's business.
        mark = alex.mark()
        await admin.say(group, "just chatting")
        await alex.say(group, "!help")
        await alex.wait_for(
            after(alex, mark, second, "I answered you in our direct-message room"),
            "the next pointer",
        )
        said = [s for s in alex.seen[mark:] if s.event.sender == account.user_id]
        assert not any("Commands start with" in s.body for s in said)
        assert all(s.room_id != group or "I answered you in our" in s.body for s in said)
    finally:
        await second.stop()
