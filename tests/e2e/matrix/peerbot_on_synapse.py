"""The real peerbot (App, kernel, cogs, Matrix adapter) logged into the test Synapse, and test
people who act through plain ``nio.AsyncClient``s."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import nio

from bot.app import App
from bot.clock import Clock
from bot.kernel import Kernel
from bot.platforms.matrix.serve import MatrixService
from bot.stopping import cancel_and_wait
from cogs import ALL_COGS
from config.settings import load_settings
from tests.e2e.matrix.synapse import MatrixAccount, SynapseServer

WAIT_SECONDS = 30.0


class PeerbotOnSynapse:
    """One bot process: start it, stop it, start a new one on the same data folder."""

    def __init__(
        self,
        synapse: SynapseServer,
        account: MatrixAccount,
        data_dir: Path,
        *,
        admins: tuple[str, ...] = (),
        clock: Clock | None = None,
    ) -> None:
        self.synapse = synapse
        self.account = account
        self.data_dir = data_dir
        self.admins = admins
        self.clock = clock
        self.app: App | None = None
        self.service: MatrixService | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def kernel(self) -> Kernel:
        assert self.app is not None and self.app.kernel is not None
        return self.app.kernel

    @property
    def user_id(self) -> str:
        return self.account.user_id

    async def start(self) -> MatrixService:
        settings = load_settings(
            None,
            environ={
                "PEERBOT_DATA_DIR": str(self.data_dir),
                "PEERBOT_ADMINS": ",".join(f"matrix:{a}" for a in self.admins),
                "PEERBOT_MATRIX__HOMESERVER": self.synapse.base_url,
                "PEERBOT_MATRIX__USER_ID": self.account.user_id,
                "PEERBOT_MATRIX__PASSWORD": self.account.password,
            },
        )
        self.app = App(settings, clock=self.clock, cog_modules=(*ALL_COGS, "tests.e2e.probe_cog"))
        kernel = await self.app.start_without_worker()
        service = MatrixService(kernel)
        port = await service.start()
        self.app.start_worker([port])
        self.service = service
        self._task = asyncio.create_task(service.run())
        await asyncio.wait_for(service.ready.wait(), WAIT_SECONDS)
        return service

    async def stop(self) -> None:
        if self._task is not None:
            # Bounded like the bot's own stops: a sync loop that did not end is logged and
            # left, instead of holding the test run until the global timeout.
            await cancel_and_wait(self._task, "matrix sync loop")
            self._task = None
        if self.service is not None:
            await self.service.stop()
            self.service = None
        if self.app is not None:
            await self.app.stop()
            self.app = None


@dataclass
class Seen:
    """A message or reaction someone saw, with the room it was in."""

    room_id: str
    event: Any

    @property
    def content(self) -> dict[str, Any]:
        return dict(self.event.source.get("content", {}))

    @property
    def body(self) -> str:
        return str(self.content.get("body", ""))

    @property
    def html(self) -> str:
        return str(self.content.get("formatted_body", ""))

    @property
    def event_id(self) -> str:
        return str(self.event.event_id)


class Person:
    """A test user: a plain nio client that joins what it is invited to and records what the
    bot says."""

    def __init__(self, synapse: SynapseServer, account: MatrixAccount, store: Path | None = None):
        self.account = account
        self.user_id = account.user_id
        config = nio.AsyncClientConfig(encryption_enabled=store is not None)
        if store is not None:
            store.mkdir(parents=True, exist_ok=True)
        self.client: Any = nio.AsyncClient(
            synapse.base_url,
            account.user_id,
            device_id=account.device_id,
            store_path=str(store) if store is not None else "",
            config=config,
        )
        self.client.restore_login(account.user_id, account.device_id, account.access_token)
        self.seen: list[Seen] = []
        self._token: str | None = None

    async def open(self) -> Person:
        """A first sync, which also uploads the device's keys when it can encrypt."""
        await self.sync(0)
        if self.client.olm is not None and self.client.should_upload_keys:
            await self.client.keys_upload()
        return self

    async def close(self) -> None:
        await self.client.close()

    async def sync(self, timeout_ms: int = 500) -> None:
        response = await self.client.sync(timeout=timeout_ms, since=self._token, full_state=True)
        assert isinstance(response, nio.SyncResponse), response
        self._token = response.next_batch
        for room_id in response.rooms.invite:
            await self.client.join(room_id)
        for room_id, info in response.rooms.join.items():
            for event in info.timeline.events:
                self.seen.append(Seen(room_id, event))
        if self.client.olm is not None:
            await self.client.send_to_device_messages()
            if self.client.should_upload_keys:
                await self.client.keys_upload()
            if self.client.should_query_keys:
                await self.client.keys_query()
            if self.client.should_claim_keys:
                await self.client.keys_claim(self.client.get_users_for_key_claiming())

    async def wait_for(self, wanted: Callable[[Seen], bool], what: str) -> Seen:
        """Sync until a matching event is seen (checking what was seen already first)."""
        deadline = time.monotonic() + WAIT_SECONDS
        checked = 0
        while True:
            for item in self.seen[checked:]:
                if wanted(item):
                    return item
            checked = len(self.seen)
            if time.monotonic() > deadline:
                bodies = [f"{s.event.sender}: {s.body[:80]!r}" for s in self.seen[-10:]]
                raise AssertionError(f"never saw {what}; last seen: {bodies}")
            await self.sync()

    async def message_from(
        self, sender: str, *, room_id: str | None = None, after: int = 0
    ) -> Seen:
        """The next message ``sender`` sends (in ``room_id`` if given) after seen[after:]."""
        start = after

        def wanted(item: Seen) -> bool:
            return (
                self.seen.index(item) >= start
                and item.event.sender == sender
                and isinstance(item.event, nio.RoomMessage)
                and (room_id is None or item.room_id == room_id)
            )

        return await self.wait_for(wanted, f"a message from {sender}")

    def mark(self) -> int:
        """A bookmark: wait only for what comes after this point."""
        return len(self.seen)

    async def create_room(
        self, *, invite: list[str], name: str = "", encrypted: bool = False, direct: bool = False
    ) -> str:
        """A room; ``direct`` marks it as a direct chat (``is_direct``), as clients do when
        someone starts a private conversation with the bot."""
        initial_state: list[dict[str, Any]] = []
        if encrypted:
            initial_state.append(
                {
                    "type": "m.room.encryption",
                    "state_key": "",
                    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
                }
            )
        response = await self.client.room_create(
            name=name or None, invite=invite, initial_state=initial_state, is_direct=direct
        )
        assert isinstance(response, nio.RoomCreateResponse), response
        return str(response.room_id)

    async def join(self, room_id: str) -> None:
        response = await self.client.join(room_id)
        assert isinstance(response, nio.JoinResponse), response

    async def wait_joined(self, room_id: str, user_id: str) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            members = await self.client.joined_members(room_id)
            if isinstance(members, nio.JoinedMembersResponse) and any(
                m.user_id == user_id for m in members.members
            ):
                await self.sync(0)
                return
            await asyncio.sleep(0.05)  # polling the homeserver, not waiting for time to pass
        raise AssertionError(f"{user_id} never joined {room_id}")

    async def say(
        self,
        room_id: str,
        text: str,
        *,
        reply_to: str | None = None,
        thread_root: str | None = None,
    ) -> str:
        await self.know_room(room_id)
        content: dict[str, Any] = {"msgtype": "m.text", "body": text}
        if thread_root is not None:
            content["m.relates_to"] = {"rel_type": "m.thread", "event_id": thread_root}
        elif reply_to is not None:
            content["m.relates_to"] = {"m.in_reply_to": {"event_id": reply_to}}
        response = await self.client.room_send(
            room_id, "m.room.message", content, ignore_unverified_devices=True
        )
        assert isinstance(response, nio.RoomSendResponse), response
        return str(response.event_id)

    async def know_room(self, room_id: str) -> None:
        """An encrypting client must have synced a room before it may send there."""
        deadline = time.monotonic() + WAIT_SECONDS
        while room_id not in self.client.rooms:
            assert time.monotonic() < deadline, f"{room_id} never reached {self.user_id}'s sync"
            await self.sync(100)

    async def react(self, room_id: str, event_id: str, key: str) -> str:
        """A reaction, as Element sends one (also when clicking an existing reaction)."""
        await self.know_room(room_id)
        content = {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}}
        response = await self.client.room_send(
            room_id, "m.reaction", content, ignore_unverified_devices=True
        )
        assert isinstance(response, nio.RoomSendResponse), response
        return str(response.event_id)

    async def redact(self, room_id: str, event_id: str) -> None:
        """Remove one's own event, as Element does to remove a reaction."""
        response = await self.client.room_redact(room_id, event_id)
        assert isinstance(response, nio.RoomRedactResponse), response

    async def say_with_pills(self, room_id: str, text: str, people: dict[str, str]) -> str:
        """A message written in Element's composer with people picked as pills: ``text``
        holds ``{name}`` where each pill goes; the plain body has only the display name, the
        formatted body the matrix.to link (``people``: name -> Matrix id)."""
        await self.know_room(room_id)
        body = text.format(**{name: name for name in people})
        links = {
            name: f'<a href="https://matrix.to/#/{user_id}">{name}</a>'
            for name, user_id in people.items()
        }
        content = {
            "msgtype": "m.text",
            "body": body,
            "format": "org.matrix.custom.html",
            "formatted_body": text.format(**links),
            "m.mentions": {"user_ids": list(people.values())},
        }
        response = await self.client.room_send(
            room_id, "m.room.message", content, ignore_unverified_devices=True
        )
        assert isinstance(response, nio.RoomSendResponse), response
        return str(response.event_id)

    async def edit(self, room_id: str, event_id: str, text: str) -> str:
        """An edit of one's own message, as Element sends it (``m.replace``)."""
        await self.know_room(room_id)
        content = {
            "msgtype": "m.text",
            "body": f"* {text}",
            "m.new_content": {"msgtype": "m.text", "body": text},
            "m.relates_to": {"rel_type": "m.replace", "event_id": event_id},
        }
        response = await self.client.room_send(
            room_id, "m.room.message", content, ignore_unverified_devices=True
        )
        assert isinstance(response, nio.RoomSendResponse), response
        return str(response.event_id)


class MatrixBot(Protocol):
    """Whatever runs the bot: only its Matrix id is needed to recognise its messages."""

    @property
    def user_id(self) -> str: ...


def from_bot(bot: MatrixBot, text: str, *, not_in: str = "") -> Callable[[Seen], bool]:
    """A message from the bot containing ``text`` (outside room ``not_in``, if given)."""

    def wanted(seen: Seen) -> bool:
        return seen.event.sender == bot.user_id and text in seen.body and seen.room_id != not_in

    return wanted


def after(person: Person, mark: int, bot: MatrixBot, text: str) -> Callable[[Seen], bool]:
    """A message from the bot containing ``text``, seen after ``person.mark()`` gave ``mark``."""

    def wanted(seen: Seen) -> bool:
        return (
            person.seen.index(seen) >= mark
            and seen.event.sender == bot.user_id
            and text in seen.body
        )

    return wanted


async def ask(person: Person, room_id: str, bot: MatrixBot, command: str, want: str) -> Seen:
    """``person`` types ``command`` in ``room_id``; the bot's answer containing ``want``."""
    mark = person.mark()
    await person.say(room_id, command)
    return await person.wait_for(after(person, mark, bot, want), f"the answer to {command}")


async def state_of(who: Person | PeerbotOnSynapse, room_id: str) -> dict[str, dict[str, Any]]:
    """``type|state_key`` -> content, as the person's (or the bot's) own client reads it."""
    if isinstance(who, Person):
        client = who.client
    else:
        assert who.service is not None
        client = who.service.connection.client
    found = await client.room_get_state(room_id)
    assert isinstance(found, nio.RoomGetStateResponse), found
    return {f"{e['type']}|{e.get('state_key', '')}": e["content"] for e in found.events}


async def space_with_lobby(admin: Person, bot: MatrixBot, others: list[Person]) -> tuple[str, str]:
    """A Matrix space (the bot may list rooms in it) with a lobby room inside it, the bot
    and ``others`` in the lobby: where a coordinator runs !network setup."""
    server = bot.user_id.partition(":")[2]
    created = await admin.client.room_create(
        name="Peer networks",
        space=True,
        invite=[bot.user_id],
        power_level_override={"users": {bot.user_id: 100}},
    )
    assert isinstance(created, nio.RoomCreateResponse), created
    space = str(created.room_id)
    parent = {
        "type": "m.space.parent",
        "state_key": space,
        "content": {"via": [server], "canonical": True},
    }
    lobby = await admin.client.room_create(
        name="Lobby",
        invite=[bot.user_id, *(o.user_id for o in others)],
        initial_state=[parent],
    )
    assert isinstance(lobby, nio.RoomCreateResponse), lobby
    room_id = str(lobby.room_id)
    put = await admin.client.room_put_state(
        space, "m.space.child", {"via": [server]}, state_key=room_id
    )
    assert isinstance(put, nio.RoomPutStateResponse), put
    for other in others:
        await other.join(room_id)
    await admin.wait_joined(space, bot.user_id)
    await admin.wait_joined(room_id, bot.user_id)
    return space, room_id
