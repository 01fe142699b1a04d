"""No duplicate after a long outage, on Matrix: the real peerbot against the real Synapse.

Synapse drops a repeated transaction id only for the same device, and only for a while (its
request cache keeps one 30 to 60 minutes; its table of sent transaction ids keeps them a day:
synapse/rest/client/transactions.py and ``_cleanup_old_transaction_ids``). Waiting a day is not
possible in a test, so the restart here logs in as a new device, which Synapse treats exactly
as it treats an expired transaction id: the same id makes a new event. The first test shows
that, so the rest prove something. The room is unencrypted: a new device cannot read what the
old one encrypted (see the README).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import nio
import pytest

from bot.clock import FakeClock
from bot.identity import PlaceRef, UserRef
from bot.platforms.matrix.messages import Messenger
from bot.platforms.matrix.port import MatrixPort
from bot.replies import Attachment, Reply
from tests.e2e.matrix.peerbot_on_synapse import PeerbotOnSynapse, Person
from tests.e2e.matrix.synapse import MatrixAccount, SynapseServer, unique

LONG_OUTAGE = timedelta(hours=30)  # past the day Synapse keeps transaction ids


class ProcessDied(BaseException):
    """Stands for kill -9: the worker catches only Exception, so nothing after it runs."""


def client_for(synapse: SynapseServer, account: MatrixAccount) -> nio.AsyncClient:
    """Another device of the account (the one registration made), to read the room."""
    client = nio.AsyncClient(synapse.base_url, account.user_id, device_id=account.device_id)
    client.user_id = account.user_id
    client.access_token = account.access_token
    return client


async def bot_messages(reader: nio.AsyncClient, room_id: str, sender: str) -> list[dict[str, Any]]:
    page = await reader.room_messages(room_id, limit=100)
    assert isinstance(page, nio.RoomMessagesResponse), page
    return [
        e.source
        for e in reversed(page.chunk)
        if e.source.get("type") == "m.room.message" and e.source.get("sender") == sender
    ]


def dying(
    monkeypatch: pytest.MonkeyPatch,
    owner: type,
    name: str,
    died: asyncio.Event,
    *,
    after_send: bool,
) -> None:
    original: Callable[..., Awaitable[Any]] = getattr(owner, name)

    async def die(self: Any, *args: Any, **kwargs: Any) -> Any:
        if after_send:
            await original(self, *args, **kwargs)
        died.set()
        raise ProcessDied

    monkeypatch.setattr(owner, name, die)


class Story:
    """One bot account, its data folder and clock, across a crash and a restart."""

    def __init__(self, synapse: SynapseServer, alex: Person, tmp_path: Path) -> None:
        self.synapse = synapse
        self.alex = alex
        self.account = synapse.register(unique("peerbot"))
        self.data_dir = tmp_path / "data"
        self.clock = FakeClock(datetime.now(UTC))  # Synapse stamps events with the real time
        self.bot: PeerbotOnSynapse | None = None

    async def start(self) -> PeerbotOnSynapse:
        self.bot = PeerbotOnSynapse(self.synapse, self.account, self.data_dir, clock=self.clock)
        await self.bot.start()
        return self.bot

    def device(self) -> str:
        assert self.bot is not None and self.bot.service is not None
        session = self.bot.service.connection.session
        assert session is not None
        return session.device_id

    async def room_with_bot(self) -> str:
        room_id = await self.alex.create_room(invite=[self.account.user_id], name="meetings")
        await self.alex.wait_joined(room_id, self.account.user_id)
        return room_id

    async def crash(self, died: asyncio.Event) -> None:
        """The worker died mid-delivery; the rest of the process goes down without it, and
        the saved login is lost, so the next start is a new device."""
        bot = self.bot
        assert bot is not None and bot.app is not None and bot.app.worker is not None
        await asyncio.wait_for(died.wait(), 30)
        task = bot.app.worker._task
        assert task is not None
        with contextlib.suppress(ProcessDied):
            await asyncio.wait_for(task, 30)
        bot.app.worker = None
        await bot.stop()
        self.bot = None
        (self.data_dir / "matrix" / "session.json").unlink()

    async def until_recorded(self, key: str) -> dict[str, Any]:
        assert self.bot is not None
        for _ in range(1000):
            row = await self.bot.kernel.outbox.db.fetch_one(
                "SELECT status, sent_message_id FROM outbox WHERE key = ?", (key,)
            )
            assert row is not None
            if row["status"] != "pending":
                return dict(row)
            await asyncio.sleep(0.02)
        raise AssertionError(f"{key} was never recorded as delivered")

    async def stop(self) -> None:
        if self.bot is not None:
            await self.bot.stop()
            self.bot = None


@pytest.fixture
async def story(synapse: SynapseServer, alex: Person, tmp_path: Path) -> Any:
    made = Story(synapse, alex, tmp_path)
    try:
        yield made
    finally:
        await made.stop()


async def test_synapse_makes_a_new_event_for_a_repeated_transaction_id_from_a_new_device(
    synapse: SynapseServer, alex: Person
) -> None:
    """What the restart below relies on: a new device is not protected by the old one's
    transaction ids, as an expired id is not."""
    account = synapse.register(unique("peerbot"))
    room_id = await alex.create_room(invite=[account.user_id])
    first = client_for(synapse, account)
    try:
        assert isinstance(await first.join(room_id), nio.JoinResponse)
        content = {"msgtype": "m.notice", "body": "The network meets on 10 March."}
        one = await first.room_send(room_id, "m.room.message", content, tx_id="peerbot-same")
        again = await first.room_send(room_id, "m.room.message", content, tx_id="peerbot-same")
        assert isinstance(one, nio.RoomSendResponse) and isinstance(again, nio.RoomSendResponse)
        assert one.event_id == again.event_id  # same device: dropped
        first.device_id = ""  # log in afresh: Synapse makes a new device
        other = await first.login(account.password, device_name="another device")
        assert isinstance(other, nio.LoginResponse)
        assert other.device_id != account.device_id
        third = await first.room_send(room_id, "m.room.message", content, tx_id="peerbot-same")
        assert isinstance(third, nio.RoomSendResponse)
        assert third.event_id != one.event_id  # new device: a second message
    finally:
        await first.close()


async def test_a_crash_after_synapse_accepted_is_not_sent_again_from_a_new_device(
    story: Story, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "meeting:1:2027-03-10:announce"
    died = asyncio.Event()
    dying(monkeypatch, MatrixPort, "post", died, after_send=True)
    bot = await story.start()
    device = story.device()
    room_id = await story.room_with_bot()
    await bot.kernel.outbox.send(
        key=key,
        target=PlaceRef(platform="matrix", id=room_id),
        message=Reply(text="The network meets on 10 March."),
    )
    await story.crash(died)
    monkeypatch.undo()
    reader = client_for(story.synapse, story.account)
    try:
        [posted] = await bot_messages(reader, room_id, story.account.user_id)

        story.clock.advance(LONG_OUTAGE)
        await story.start()
        assert story.device() != device
        recorded = await story.until_recorded(key)
        sent = await bot_messages(reader, room_id, story.account.user_id)
    finally:
        await reader.close()
    assert [m["content"]["body"] for m in sent] == ["The network meets on 10 March."]
    assert recorded == {"status": "sent", "sent_message_id": posted["event_id"]}
    assert "org.peerbot.outbox_key" in posted["content"]


async def test_a_crash_between_the_message_and_its_file_sends_only_the_file(
    story: Story, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "resources:7:share"
    died = asyncio.Event()
    dying(monkeypatch, Messenger, "send_file", died, after_send=False)
    bot = await story.start()
    room_id = await story.room_with_bot()
    message = Reply(
        text="The agenda for Tuesday is attached.",
        attachments=[
            Attachment.from_bytes("agenda.txt", b"1. Welcome\n2. Check-in\n", "text/plain")
        ],
    )
    await bot.kernel.outbox.send(
        key=key, target=PlaceRef(platform="matrix", id=room_id), message=message
    )
    await story.crash(died)
    monkeypatch.undo()
    reader = client_for(story.synapse, story.account)
    try:
        [text] = await bot_messages(reader, room_id, story.account.user_id)

        story.clock.advance(LONG_OUTAGE)
        await story.start()
        recorded = await story.until_recorded(key)
        sent = await bot_messages(reader, room_id, story.account.user_id)
    finally:
        await reader.close()
    assert [m["content"]["msgtype"] for m in sent] == ["m.notice", "m.file"]
    assert sent[0]["event_id"] == text["event_id"]
    assert sent[1]["content"]["filename"] == "agenda.txt"
    assert recorded == {"status": "sent", "sent_message_id": text["event_id"]}


async def test_a_crash_before_synapse_received_it_is_delivered_once_after_restart(
    story: Story, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "meeting:2:2027-03-11:announce"
    died = asyncio.Event()
    dying(monkeypatch, MatrixPort, "post", died, after_send=False)
    bot = await story.start()
    room_id = await story.room_with_bot()
    await bot.kernel.outbox.send(
        key=key,
        target=PlaceRef(platform="matrix", id=room_id),
        message=Reply(text="The network meets on 11 March."),
    )
    await story.crash(died)
    monkeypatch.undo()
    story.clock.advance(LONG_OUTAGE)
    await story.start()
    recorded = await story.until_recorded(key)
    reader = client_for(story.synapse, story.account)
    try:
        sent = await bot_messages(reader, room_id, story.account.user_id)
    finally:
        await reader.close()
    assert [m["content"]["body"] for m in sent] == ["The network meets on 11 March."]
    assert recorded == {"status": "sent", "sent_message_id": sent[0]["event_id"]}


async def test_the_look_finds_its_own_message_in_an_encrypted_direct_room(
    story: Story, alex: Person
) -> None:
    """The look for private messages: in the person's direct-message room, which is encrypted
    when peerbot can encrypt, peerbot reads its own earlier message (same device, its keys)."""
    bot = await story.start()
    assert bot.service is not None and bot.service.connection.encrypted
    port = bot.kernel.ports["matrix"]
    assert isinstance(port, MatrixPort)
    alex_ref = UserRef(platform="matrix", id=alex.user_id)
    since = datetime.now(UTC)
    message = Reply(text="How are you going this week?")
    assert await port.find_sent(alex_ref, message, idempotency_key="checkin:1", since=since) is None
    sent = await port.send_private(alex_ref, message, idempotency_key="checkin:1")
    found = await port.find_sent(alex_ref, message, idempotency_key="checkin:1", since=since)
    other = await port.find_sent(alex_ref, message, idempotency_key="checkin:2", since=since)
    assert found == sent
    assert other is None  # the same words under another key are not this message
    reader = client_for(story.synapse, story.account)  # a device without the room's keys
    try:
        page = await reader.room_messages(sent.place.id, limit=10)
        assert isinstance(page, nio.RoomMessagesResponse)
        kinds = {
            e.source.get("type")
            for e in page.chunk
            if e.source.get("sender") == bot.user_id and "state_key" not in e.source
        }
    finally:
        await reader.close()
    assert kinds == {"m.room.encrypted"}  # the mark travelled inside the encrypted content
