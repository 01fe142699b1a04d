"""Matrix events in, neutral invocations through the registry, replies back out.

- ``!name options`` runs a command, parsed exactly as the console parses ``/name options``.
- A number answers numbered choices: as a reply to the message that lists them, as a number
  reaction on it, or (in the direct-message room) on its own for the latest choices. Removing
  the reaction (a redaction) takes the answer back. What a reaction gets back is only ever
  said in the person's direct-message room; a reaction that answers nothing is ignored.
- While a guided form is open in the direct-message room, each message answers its question.
- Private replies, and every complaint about a command typed in a group room, go to the
  person's direct-message room with the bot.
- Commands are read from the formatted body when it holds Element's pills (``pills.py``); an
  edited command (``m.replace``) is read as its new text, once (``edits.py``).
- Someone joining a room in a space (or the space) the bot serves gets the private welcome.

Events are handled in order per person (a lock each), and concurrently across people.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

import nio

from bot.errors import UserError, log_failure, new_error_id
from bot.identity import PlaceRef, UserRef, place_from_key
from bot.kernel import Kernel
from bot.platforms.matrix.choices import ChoiceStore, keycap_number, parse_numbers, pick
from bot.platforms.matrix.client import MatrixConnection
from bot.platforms.matrix.dm import PLATFORM, DirectRooms, user_key
from bot.platforms.matrix.edits import EDITS_NOT_RUN, CommandLog, edited
from bot.platforms.matrix.forms import FormStore, OpenForm, answer, introduction, question
from bot.platforms.matrix.messages import Messenger
from bot.platforms.matrix.pills import formatted_text
from bot.platforms.matrix.reactions import Reacted, ReactionStore
from bot.platforms.matrix.rooms import split_place_id, thread_place_id
from bot.platforms.matrix.typed import command_help, unknown_command
from bot.platforms.textcommand import parse_command_text
from bot.registry import ActionInvocation, Invocation
from bot.replies import Reply
from bot.stopping import cancel_and_wait

log = logging.getLogger(__name__)

PREFIX = "!"
SENT_TO_DM = "I answered you in our direct-message room."
REDACTION = "m.room.redaction"
FORM_IN_DM = "I sent you the questions in our direct-message room."
CANNOT_DECRYPT = (
    "I cannot read encrypted messages in this room: end-to-end encryption is not set up for "
    "peerbot. Ask peerbot's admin to check its start-up log, or use a room without encryption."
)


def strip_reply_fallback(body: str) -> str:
    """A Matrix reply quotes the message it answers (``> ...`` lines); keep only the answer."""
    lines = body.splitlines()
    if not lines or not lines[0].startswith("> "):
        return body.strip()
    index = 0
    while index < len(lines) and lines[index].startswith(">"):
        index += 1
    return "\n".join(lines[index:]).strip()


def thread_of(event: Any) -> str | None:
    """The root event of the thread a message was sent in, if any."""
    relates = event.source.get("content", {}).get("m.relates_to") or {}
    root = relates.get("event_id")
    return str(root) if relates.get("rel_type") == "m.thread" and isinstance(root, str) else None


def redacted_id(event: Any) -> str | None:
    """The event a redaction removes (top level before room version 11, in content after)."""
    source = getattr(event, "source", None) or {}
    if source.get("type") != REDACTION:
        return None
    target = source.get("redacts") or (source.get("content") or {}).get("redacts")
    return str(target) if isinstance(target, str) else None


def replied_to(event: Any) -> str | None:
    relates = event.source.get("content", {}).get("m.relates_to") or {}
    reply = relates.get("m.in_reply_to") or {}
    target = reply.get("event_id")
    return str(target) if isinstance(target, str) else None


class MatrixInbound:
    def __init__(
        self,
        kernel: Kernel,
        connection: MatrixConnection,
        messenger: Messenger,
        choices: ChoiceStore,
        forms: FormStore,
        dms: DirectRooms,
        reactions: ReactionStore | None = None,
        commands: CommandLog | None = None,
    ) -> None:
        self.kernel = kernel
        self.connection = connection
        self.client: Any = connection.client
        self.messenger = messenger
        self.choices = choices
        self.forms = forms
        self.dms = dms
        self.reactions = reactions or ReactionStore(kernel.db, kernel.clock)
        self.commands = commands or CommandLog(kernel.db, kernel.clock)
        self._made_by_bot: dict[str, bool] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._queued: dict[str, int] = {}  # events per sender spawned and not yet handled
        self._tasks: set[asyncio.Task[None]] = set()
        self._spaces: dict[str, PlaceRef | None] = {}
        self._told_cannot_decrypt: set[str] = set()

    # ---- from a sync ----------------------------------------------------------------------

    async def handle_sync(self, response: Any, *, answer_messages: bool) -> None:
        """Join rooms the bot is invited to; hand each new event to its sender's queue.

        ``answer_messages`` is False for the first sync after a fresh login, whose timeline is
        history from before the bot was there.
        """
        # The sync token is already saved: a failed join or leave must never stop the messages
        # of this sync from being handed on, or they would be lost.
        for room_id, info in response.rooms.invite.items():
            await self._guarded(self._accept_invite(room_id, info), "joining", room_id)
        if not answer_messages:
            return
        for room_id, info in response.rooms.join.items():
            for event in info.timeline.events:
                await self._guarded(self._notice_leaving(room_id, event), "a leave in", room_id)
        for room_id, info in response.rooms.join.items():
            for event in self._after_own_join(info.timeline.events):
                await self._guarded(self._notice_joining(room_id, event), "a join in", room_id)
        for room_id, info in response.rooms.join.items():
            for event in self._after_own_join(info.timeline.events):
                sender = getattr(event, "sender", None)
                if not isinstance(sender, str) or sender == self.connection.user_id:
                    continue
                self._spawn(sender, room_id, event)

    @staticmethod
    async def _guarded(step: Awaitable[None], what: str, room_id: str) -> None:
        try:
            await step
        except Exception as error:
            log_failure(log, error, "matrix: %s %s failed", what, room_id)

    async def _notice_leaving(self, room_id: str, event: Any) -> None:
        """When a person leaves their direct-message room, forget it (and leave it too): the
        next private message opens a new one instead of going where nobody reads it."""
        if not (
            isinstance(event, nio.RoomMemberEvent)
            and event.membership in ("leave", "ban")
            and event.state_key != self.connection.user_id
        ):
            return
        person = str(event.state_key)
        if await self.dms.known(person) != room_id:
            return
        await self.dms.forget(person)
        await self.client.room_leave(room_id)
        log.info("matrix: a person left their direct-message room %s; forgot it", room_id)

    async def _notice_joining(self, room_id: str, event: Any) -> None:
        """Someone joined a space the bot serves, or a room in one that people made (not one
        of peerbot's own rooms, nor their direct chat): the cogs welcome them, once per
        space (the welcome's outbox key)."""
        if not (
            isinstance(event, nio.RoomMemberEvent)
            and event.membership == "join"
            and (event.prev_membership or "leave") != "join"
            and event.state_key == event.sender
            and event.state_key != self.connection.user_id
        ):
            return
        person = str(event.state_key)
        if await self.dms.known(person) == room_id or await self._made_by_us(room_id):
            return
        space = await self.space_of(room_id)
        if space is None:
            room = self.client.rooms.get(room_id)
            if getattr(room, "room_type", None) != "m.space":
                return  # a room outside any space: no community to welcome anyone to
            space = PlaceRef(platform=PLATFORM, id=room_id)
        await self.kernel.events.member_joined(self._user(room_id, person), space)

    async def _made_by_us(self, room_id: str) -> bool:
        """Whether peerbot created the room (its network spaces and rooms, direct chats)."""
        if room_id not in self._made_by_bot:
            state = await self.client.room_get_state(room_id)
            events = getattr(state, "events", None)
            if events is None:
                return True  # unreadable just now: welcome nobody rather than guess
            creators = [e.get("sender") for e in events if e.get("type") == "m.room.create"]
            self._made_by_bot[room_id] = self.connection.user_id in creators
        return self._made_by_bot[room_id]

    def _after_own_join(self, events: list[Any]) -> list[Any]:
        """A room joined just now arrives with its history; only what follows the join is new."""
        for index in range(len(events) - 1, -1, -1):
            event = events[index]
            if (
                isinstance(event, nio.RoomMemberEvent)
                and event.state_key == self.connection.user_id
                and event.membership == "join"
                and (event.prev_membership or "leave") != "join"
            ):
                return events[index + 1 :]
        return events

    def _spawn(self, sender: str, room_id: str, event: Any) -> None:
        lock = self._locks.setdefault(sender, asyncio.Lock())
        self._queued[sender] = self._queued.get(sender, 0) + 1

        async def in_order() -> None:
            try:
                async with lock:
                    await self.handle_event(room_id, event)
            finally:
                # Forget the person's lock once nothing of theirs waits: memory stays bounded.
                self._queued[sender] -= 1
                if not self._queued[sender]:
                    del self._queued[sender]
                    self._locks.pop(sender, None)

        task = asyncio.create_task(in_order())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for the events being handled (tests, and a clean stop)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def cancel(self) -> None:
        """Cancel the events being handled; bounded, so one stuck handler cannot hold a stop."""
        await cancel_and_wait(list(self._tasks), "matrix: stopping the event handlers")

    async def _accept_invite(self, room_id: str, info: Any) -> None:
        inviter: str | None = None
        direct = False
        for event in info.invite_state:
            if (
                isinstance(event, nio.InviteMemberEvent)
                and event.state_key == self.connection.user_id
                and event.membership == "invite"
            ):
                inviter = str(event.sender)
                direct = bool(event.content.get("is_direct"))
        joined = await self.client.join(room_id)
        if not isinstance(joined, nio.JoinResponse):
            log.warning("matrix: could not join %s (%s)", room_id, joined.status_code)
            return
        log.info("matrix: joined %s on invitation", room_id)
        if direct and inviter is not None and await self.dms.known(inviter) is None:
            await self.dms.remember(inviter, room_id)

    # ---- one event ----------------------------------------------------------------------

    async def handle_event(self, room_id: str, event: Any) -> None:
        try:
            if isinstance(event, nio.ReactionEvent):
                await self._reaction(room_id, event)
            elif redacted_id(event) is not None:
                await self._redaction(room_id, event)
            elif isinstance(event, nio.RoomMessageText):
                await self._message(room_id, event)
            elif isinstance(event, nio.MegolmEvent):
                await self._undecryptable(room_id, event)
        except UserError as error:
            await self._tell(room_id, event, str(error))
        except Exception as error:
            error_id = new_error_id()
            log_failure(
                log, error, "matrix: handling an event in %s failed [error %s]", room_id, error_id
            )
            if isinstance(event, nio.RoomMessageText | nio.ReactionEvent):
                await self._tell(
                    room_id,
                    event,
                    f"Sorry, something went wrong on peerbot's side (error id {error_id}). "
                    "Please try again in a moment.",
                )

    async def _tell(self, room_id: str, event: Any, text: str) -> None:
        """A complaint or apology: in the direct-message room (as a reply there), or, for a
        message in a group room, privately with a one-line pointer under the message. What
        answers a reaction is never said in the room at all."""
        sender = str(event.sender)
        try:
            if await self._is_direct(room_id, sender):
                await self.messenger.send_text(room_id, text, in_reply_to=event.event_id)
                return
            await self.messenger.send_private(sender, Reply.private_text(text))
            if isinstance(event, nio.RoomMessageText):
                await self.messenger.send_text(
                    room_id,
                    SENT_TO_DM,
                    in_reply_to=event.event_id,
                    thread_root=thread_of(event),
                    mention=sender,
                )
        except Exception as error:
            log_failure(log, error, "matrix: could not answer in %s", room_id)

    def _user(self, room_id: str, user_id: str) -> UserRef:
        room = self.client.rooms.get(room_id)
        name = room.user_name(user_id) if room is not None else None
        return UserRef(platform=PLATFORM, id=user_id, display_name=name or "")

    def _place(self, room_id: str, thread_root: str | None = None) -> PlaceRef:
        """The room, or the thread in it (``ROOM/ROOT``, as the outbound port names threads)."""
        room = self.client.rooms.get(room_id)
        name = room.display_name if room is not None else ""
        if thread_root is not None:
            return PlaceRef(platform=PLATFORM, id=thread_place_id(room_id, thread_root))
        return PlaceRef(platform=PLATFORM, id=room_id, name=name or "")

    async def _is_direct(self, room_id: str, sender: str) -> bool:
        """Only the person's own direct-message room with the bot is private to them. A room's
        member count is no guide: it reads 0 after a restart (members load lazily), and a
        co-reflection room holds only the bot and its starter until peers join."""
        return await self.dms.known(sender) == room_id

    async def space_of(self, room_id: str) -> PlaceRef | None:
        """The Matrix space a room belongs to (its ``m.space.parent``), looked up once."""
        if room_id in self._spaces:
            return self._spaces[room_id]
        space: PlaceRef | None = None
        state = await self.client.room_get_state(room_id)
        events = getattr(state, "events", None)
        for item in events or []:
            if item.get("type") == "m.space.parent" and item.get("content", {}).get("via"):
                space = PlaceRef(platform=PLATFORM, id=str(item["state_key"]))
                break
        if events is not None:  # a failed read (a rate limit, say) is asked again next time
            self._spaces[room_id] = space
        return space

    async def _message(self, room_id: str, event: Any) -> None:
        content = event.source.get("content", {}) or {}
        user = self._user(room_id, str(event.sender))
        direct = await self._is_direct(room_id, str(event.sender))
        edit = edited(event)
        if edit is not None:
            await self._edit(room_id, event, user, edit, direct=direct)
            return
        body = formatted_text(content) or strip_reply_fallback(str(event.body))
        open_form = await self.forms.open_for(user.key, room_id)
        if open_form is not None and not body.startswith(PREFIX):
            await self._form_answer(open_form, user, body)
            return
        if body.startswith(PREFIX):
            await self._command(room_id, event, user, body, direct=direct)
            return
        numbers = parse_numbers(body)
        if numbers is not None:
            target = replied_to(event)
            choice = await self.choices.find(target) if target else None
            if choice is None and direct:
                choice = await self.choices.latest_in_room(room_id, user.key)
            if choice is None:
                if direct:
                    raise UserError("There is nothing with that number to choose right now.")
                return  # a number in a busy room is just conversation
            if choice.user_key is not None and choice.user_key != user.key:
                raise UserError("Those choices were for someone else.")
            action, selected = pick(choice, numbers)
            await self._act(room_id, event, user, action, selected, direct=direct)
            return
        if direct:
            raise UserError(f"Commands start with {PREFIX}, for example {PREFIX}help.")

    async def _edit(
        self,
        room_id: str,
        event: Any,
        user: UserRef,
        edit: tuple[str, dict[str, Any]],
        *,
        direct: bool,
    ) -> None:
        """An edited message: a command that was refused runs as corrected; one that ran is
        not run again (said once); any other edit is not the bot's business."""
        original, new = edit
        text = formatted_text(new) or strip_reply_fallback(str(new.get("body", "")))
        if not text.startswith(PREFIX):
            return
        if await self.commands.ran(original):
            if await self.commands.first_edit_answer(original):
                raise UserError(EDITS_NOT_RUN)
            return
        await self._command(room_id, event, user, text, direct=direct, event_id=original)

    async def _reaction(self, room_id: str, event: Any) -> None:
        """A number reaction on numbered choices answers them; anything else is ignored."""
        number = keycap_number(str(event.key))
        if number is None:
            return
        choice = await self.choices.find(str(event.reacts_to))
        if choice is None or not 1 <= number <= len(choice.entries):
            return
        user = self._user(room_id, str(event.sender))
        if choice.user_key is not None and choice.user_key != user.key:
            return
        action, selected = pick(choice, [number])
        await self.reactions.record(
            Reacted(str(event.event_id), room_id, choice.event_id, user.key, number)
        )
        await self._act(
            room_id,
            event,
            user,
            action,
            selected,
            direct=await self._is_direct(room_id, str(event.sender)),
        )

    async def _redaction(self, room_id: str, event: Any) -> None:
        """A reaction that answered was removed: its answer is taken back (if the choice's
        action can take one back), and the person is told privately."""
        target = redacted_id(event)
        reacted = None if target is None else await self.reactions.take(target)
        if reacted is None or reacted.user_key != user_key(str(event.sender)):
            return
        choice = await self.choices.find(reacted.target_event_id)
        if choice is None or not 1 <= reacted.number <= len(choice.entries):
            return
        user = self._user(room_id, str(event.sender))
        action, selected = pick(choice, [reacted.number])
        direct = await self._is_direct(room_id, user.id)
        reply = await self.kernel.registry.invoke_action(
            ActionInvocation(
                user=user,
                place=self._place(room_id),
                action=action,
                selected=selected,
                space=None if direct else await self.space_of(room_id),
                withdrawn=True,
            )
        )
        if reply.text or reply.cards:
            await self.present(room_id, "", user, reply, direct=direct, quiet=True)

    async def _command(
        self,
        room_id: str,
        event: Any,
        user: UserRef,
        body: str,
        *,
        direct: bool,
        event_id: str | None = None,
    ) -> None:
        """Run ``!name options``; ``event_id`` is the command's own message (an edit's
        original), remembered as having run so an edit of it is not run again."""
        event_id = event_id or str(event.event_id)
        registry = self.kernel.registry
        try:
            words, options = parse_command_text(body[len(PREFIX) :])
            if words[:1] == ["help"] and len(words) > 1:
                reply = Reply.private_text(self._help_for(words[1:]))
                await self.present(
                    room_id,
                    event.event_id,
                    user,
                    reply,
                    direct=direct,
                    thread_root=thread_of(event),
                )
                return
            found = registry.find(words)
            if found is None:
                raise UserError(unknown_command(registry, words))
            spec, used = found
            if len(words) > used:
                raise UserError(
                    f"I did not understand '{words[used]}'. Give options as name:value, "
                    f"for example {PREFIX}{spec.name} {spec.options[0].name}:... "
                    f"({PREFIX}help {spec.name} lists them)."
                    if spec.options
                    else f"{PREFIX}{spec.name} takes no options."
                )
        except UserError:
            await self.commands.note(event_id, user.key, ran=False)
            raise
        await self.commands.note(event_id, user.key, ran=True)
        root = thread_of(event)
        place = self._place(room_id, root)
        reply = await registry.invoke(
            Invocation(
                user=user,
                place=place,
                name=spec.name,
                arguments=options,
                space=None if direct else await self.space_of(room_id),
            )
        )
        await self.present(room_id, event.event_id, user, reply, direct=direct, thread_root=root)

    def _help_for(self, words: list[str]) -> str:
        """``!help meeting schedule``: that command's options (or what it might have been)."""
        found = self.kernel.registry.find(words)
        if found is None or found[1] != len(words):
            return unknown_command(self.kernel.registry, words)
        return command_help(found[0])

    async def _act(
        self,
        room_id: str,
        event: Any,
        user: UserRef,
        action: Any,
        selected: tuple[str, ...],
        *,
        direct: bool,
    ) -> None:
        root = thread_of(event) if isinstance(event, nio.RoomMessageText) else None
        reply = await self.kernel.registry.invoke_action(
            ActionInvocation(
                user=user,
                place=self._place(room_id, root),
                action=action,
                selected=selected,
                space=None if direct else await self.space_of(room_id),
            )
        )
        quiet = isinstance(event, nio.ReactionEvent)
        await self.present(
            room_id, event.event_id, user, reply, direct=direct, thread_root=root, quiet=quiet
        )

    # ---- replies and forms --------------------------------------------------------------

    async def present(
        self,
        room_id: str,
        event_id: str,
        user: UserRef,
        reply: Reply,
        *,
        direct: bool,
        thread_root: str | None = None,
        quiet: bool = False,
    ) -> None:
        """Send a reply where it belongs: private ones (and forms) in the direct-message room.
        ``quiet`` (the answer to a reaction): whatever it is goes to the direct-message room,
        and nothing at all is said in the room the reaction was in."""
        has_message = bool(reply.text or reply.cards or reply.buttons or reply.select)
        has_message = has_message or bool(reply.attachments) or reply.form is None
        if has_message:
            if (reply.private or quiet) and not direct:
                await self.messenger.send_private(user.id, reply)
                if not quiet:
                    await self.messenger.send_text(
                        room_id,
                        SENT_TO_DM,
                        in_reply_to=event_id,
                        thread_root=thread_root,
                        mention=user.id,
                    )
            else:
                answerer = user.id if reply.private or direct else None
                await self.messenger.send(
                    room_id, reply, answerer=answerer, thread_root=thread_root
                )
        if reply.form is not None:
            dm_room = room_id if direct else await self.dms.room_for(user.id)
            open_form = OpenForm(
                user_key=user.key,
                room_id=dm_room,
                form=reply.form,
                place_key=self._place(room_id, thread_root).key,
            )
            await self.forms.save(open_form)
            await self.messenger.send_text(
                dm_room, introduction(open_form) + "\n\n" + question(open_form)
            )
            if not direct and not has_message and not quiet:
                await self.messenger.send_text(
                    room_id,
                    FORM_IN_DM,
                    in_reply_to=event_id,
                    thread_root=thread_root,
                    mention=user.id,
                )

    async def _form_answer(self, open_form: OpenForm, user: UserRef, body: str) -> None:
        step = answer(open_form, body)
        room_id = open_form.room_id
        if step.cancelled:
            await self.forms.close(user.key)
            await self.messenger.send_text(room_id, step.message)
            return
        if step.finished is None:
            await self.forms.save(open_form)
            await self.messenger.send_text(room_id, step.message)
            return
        await self.forms.close(user.key)
        place = place_from_key(open_form.place_key) if open_form.place_key else self._place(room_id)
        place_room, _root = split_place_id(place.id)
        direct = place_room == room_id or await self._is_direct(place_room, user.id)
        reply = await self.kernel.registry.invoke_action(
            ActionInvocation(
                user=user,
                place=place,
                action=open_form.form.action,
                fields=step.finished,
                space=None if direct else await self.space_of(place_room),
            )
        )
        await self.present(room_id, "", user, reply, direct=True)

    async def _undecryptable(self, room_id: str, event: Any) -> None:
        if not self.connection.encrypted:
            if room_id not in self._told_cannot_decrypt:
                self._told_cannot_decrypt.add(room_id)
                await self.messenger.send_text(room_id, CANNOT_DECRYPT)
            return
        log.warning("matrix: could not decrypt an event in %s; asking for its key", room_id)
        try:
            await self.client.request_room_key(event)
        except Exception as error:
            log_failure(log, error, "matrix: asking for a room key failed")
