"""Sending a neutral Reply to a Matrix room: the message, its numbered choices, its files.

The inbound handler and the outbound port both send through here, so a meeting notice's RSVP
choices posted by the outbox and a command's reply are remembered the same way.
"""

from __future__ import annotations

import hashlib
import io
import logging
from typing import Any

import nio

from bot.platforms.matrix.choices import KEYCAPS, ChoiceStore, entries_of
from bot.platforms.matrix.dm import DirectRooms, user_key
from bot.platforms.matrix.errors import error_for
from bot.platforms.matrix.html import in_thread
from bot.platforms.matrix.reactions import add_answer_reactions
from bot.platforms.matrix.render import intentional_mentions, text_content, to_content
from bot.replies import Attachment, Reply

log = logging.getLogger(__name__)

#: A key of peerbot's own in the content of every outbox event (custom keys are allowed in
#: event content; clients ignore them). Synapse forgets transaction ids after a day, or at
#: once for a new device, so after a crash the port looks for this mark instead.
OUTBOX_MARKER = "org.peerbot.outbox_key"


def marker_for(txn_id: str) -> str:
    """The mark for one event sent under ``txn_id``: short, and not the outbox key itself."""
    return hashlib.sha256(txn_id.encode("utf-8")).hexdigest()[:16]


class Messenger:
    def __init__(
        self,
        client: Any,
        choices: ChoiceStore,
        dms: DirectRooms,
        command_words: frozenset[str] = frozenset(),
    ) -> None:
        self.client = client
        self.choices = choices
        self.dms = dms
        #: The first words of every command, so "/support" in a reply reads "!support".
        self.command_words = command_words

    async def send(
        self,
        room_id: str,
        reply: Reply,
        *,
        answerer: str | None = None,
        txn_id: str | None = None,
        deliver: bool = False,
        thread_root: str | None = None,
    ) -> str:
        """Send ``reply`` (without its form) and remember its choices; returns the event id.

        ``answerer`` is the Matrix id of the one person who may answer the choices (a private
        reply); None lets anyone in the room answer (a notice's RSVP). ``deliver`` makes a
        refusal a ``DeliveryError`` for the outbox to retry or give up on.
        """
        content = to_content(reply, self.command_words)
        if thread_root is not None:
            content = in_thread(content, thread_root)
        event_id = await self.send_content(room_id, content, txn_id, deliver=deliver)
        await self.choices.remember(
            event_id, room_id, reply, user_key=None if answerer is None else user_key(answerer)
        )
        if answerer is None:
            await self.add_answer_reactions(room_id, event_id, reply)
        for number, attachment in enumerate(reply.attachments):
            file_txn = None if txn_id is None else f"{txn_id}-file{number}"
            await self.send_file(room_id, attachment, file_txn, deliver=deliver)
        return event_id

    async def add_answer_reactions(self, room_id: str, event_id: str, reply: Reply) -> None:
        """Choices anyone in the room may answer (a meeting notice's RSVP) get the bot's own
        number reactions, so a person answers with one click on an existing reaction."""
        count = len(entries_of(reply))
        many = reply.select is not None and reply.select.max_values > 1
        if 0 < count <= len(KEYCAPS) and not many:
            await add_answer_reactions(self.client, room_id, event_id, list(KEYCAPS[:count]))

    async def send_text(
        self,
        room_id: str,
        text: str,
        *,
        in_reply_to: str | None = None,
        thread_root: str | None = None,
        mention: str | None = None,
    ) -> str:
        content = text_content(text, self.command_words, mention=mention)
        if thread_root is not None:
            content = in_thread(content, thread_root)
        elif in_reply_to is not None:
            content["m.relates_to"] = {"m.in_reply_to": {"event_id": in_reply_to}}
        return await self.send_content(room_id, content, None)

    async def send_private(
        self, user_id: str, reply: Reply, *, txn_id: str | None = None, deliver: bool = False
    ) -> tuple[str, str]:
        """Send to the person's direct-message room; returns (room id, event id)."""
        room_id = await self.dms.room_for(user_id)
        event_id = await self.send(room_id, reply, answerer=user_id, txn_id=txn_id, deliver=deliver)
        return room_id, event_id

    async def send_content(
        self, room_id: str, content: dict[str, Any], txn_id: str | None, *, deliver: bool = False
    ) -> str:
        # Whatever built the content, it notifies only whom it names (see render).
        content = {"m.mentions": intentional_mentions(), **content}
        if txn_id is not None:  # only the outbox gives one; see OUTBOX_MARKER
            content = {**content, OUTBOX_MARKER: marker_for(txn_id)}
        # Unverified devices still get the keys: a bot has nobody to compare emoji with, and
        # refusing them would leave people unable to read its answers (see the README).
        response = await self.client.room_send(
            room_id, "m.room.message", content, tx_id=txn_id, ignore_unverified_devices=True
        )
        if not isinstance(response, nio.RoomSendResponse):
            raise error_for(response, permission="send messages", where=room_id, deliver=deliver)
        return str(response.event_id)

    async def send_file(
        self, room_id: str, attachment: Attachment, txn_id: str | None, *, deliver: bool = False
    ) -> str:
        data = attachment.content
        room = self.client.rooms.get(room_id)
        encrypt = bool(room is not None and room.encrypted and self.client.olm is not None)
        # In an encrypted room the file is encrypted too, so the homeserver never sees it.
        uploaded, keys = await self.client.upload(
            io.BytesIO(data),
            content_type="application/octet-stream" if encrypt else attachment.mime_type,
            filename=attachment.filename,
            filesize=len(data),
            encrypt=encrypt,
        )
        if not isinstance(uploaded, nio.UploadResponse):
            raise error_for(uploaded, permission="upload files", where=room_id, deliver=deliver)
        is_image = attachment.mime_type.startswith("image/")
        content: dict[str, Any] = {
            "msgtype": "m.image" if is_image else "m.file",
            "body": attachment.description or attachment.filename,
            "filename": attachment.filename,
            "info": {"mimetype": attachment.mime_type, "size": len(data)},
            "m.mentions": intentional_mentions(),
        }
        if encrypt:
            content["file"] = {"url": uploaded.content_uri, **keys}
        else:
            content["url"] = uploaded.content_uri
        return await self.send_content(room_id, content, txn_id, deliver=deliver)
