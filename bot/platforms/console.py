"""The local console: try every command in a terminal, or pipe a script of commands into it.

Commands are typed as on a text platform: ``/support filter:nsw``, with quotes around values
that have spaces. Buttons and menu items are numbered; forms are filled in field by field.
The console is a trusted local tool: ``/as NAME ROLE`` switches who you are and gives that
person the role, so a newcomer can see what a coordinator sees.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import queue
import sys
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TextIO

from bot.commands import UPLOAD_FETCH_MAX, CommandSpec, OptionKind, Role, Upload
from bot.errors import UserError
from bot.identity import MessageRef, PlaceRef, UserRef
from bot.kernel import Kernel
from bot.platforms.console_input import LineEditor
from bot.platforms.console_render import CHOOSE_LINE, render_reply
from bot.platforms.textcommand import parse_command_text
from bot.ports import ChannelSpec, EventSpec, ThreadViewers
from bot.private_files import write_private
from bot.registry import ActionInvocation, Invocation
from bot.replies import ActionRef, Form, Reply

PLATFORM = "console"
#: The terminal's "erase the line from the cursor" (ANSI), before drawing the prompt again.
CLEAR_LINE = "\x1b[K"
#: How many waiting messages ``/as NAME`` shows at most (the newest).
MAX_WAITING_SHOWN = 5
#: The console is one space, as a Discord server is.
CONSOLE_SPACE = PlaceRef(platform=PLATFORM, id="local", name="console")


@dataclass
class _Pending:
    """A numbered choice on screen: a button's action, or a menu's action and the value picked;
    ``message`` is the id of the delivered message it belongs to (None: a command's reply)."""

    action: ActionRef
    selected: tuple[str, ...] = ()
    message: str | None = None


@dataclass
class Waiting:
    """A delivered message with buttons or a menu, not yet answered by everyone it is for.

    ``audience`` is the one person a private message went to, or None for a message posted in
    a channel (everyone on the console can see it); ``answered`` who picked one of its choices.
    """

    message_id: str
    reply: Reply
    audience: str | None
    order: int
    answered: set[str] = dataclasses.field(default_factory=set)

    def waits_for(self, user_id: str) -> bool:
        return self.audience in (None, user_id) and user_id not in self.answered


def has_choices(reply: Reply) -> bool:
    return bool(reply.buttons) or reply.select is not None


class ConsolePort:
    """The outbound port on the console: messages are printed, places are just names."""

    platform = PLATFORM

    def __init__(self, write: Callable[[str], None]) -> None:
        self._write = write
        self._counter = 0
        self._order = itertools.count()
        self.delivered: list[str] = []
        #: Delivered messages with choices, by message id, so that whoever they are for can
        #: answer them by number (at once, or after ``/as NAME``), as they would press their
        #: buttons on Discord: private messages and channel posts alike.
        self.waiting: dict[str, Waiting] = {}
        #: Who is at the keyboard: the choices of a message they can see are offered at once.
        self.current_user: Callable[[], str] = lambda: ""
        self.offer_choices: Callable[[Waiting], None] = lambda waiting: None
        #: The channel each thread opened here sits in (moderation asks where a thread is).
        self.thread_parents: dict[str, PlaceRef] = {}
        #: The newest message with buttons posted in a channel (a panel), for ``/look``.
        self.latest_with_choices: tuple[PlaceRef, Reply] | None = None

    def _next_id(self) -> str:
        self._counter += 1
        return str(self._counter)

    async def post(self, place: PlaceRef, message: Reply, *, idempotency_key: str) -> MessageRef:
        self._print(f"[posted in #{place.name or place.id}]", message)
        self.delivered.append(idempotency_key)
        ref = MessageRef(place=place, id=self._next_id())
        if message.buttons or message.select is not None:
            self.latest_with_choices = (place, message)
        self._keep_choices(ref, message)
        return ref

    async def send_private(
        self, user: UserRef, message: Reply, *, idempotency_key: str
    ) -> MessageRef:
        self._print(f"[private message to {user.name}]", message)
        self.delivered.append(idempotency_key)
        ref = MessageRef(place=PlaceRef(platform=PLATFORM, id=f"dm-{user.id}"), id=self._next_id())
        self._keep_choices(ref, message)
        return ref

    def _keep_choices(self, ref: MessageRef, message: Reply) -> None:
        """Remember a message with choices until it is answered; offer it to the person at the
        keyboard at once if it is for them (the newest thing on their screen)."""
        if not has_choices(message):
            self.waiting.pop(ref.id, None)  # an edit that took the buttons away
            return
        place = ref.place.id
        audience = place.removeprefix("dm-") if place.startswith("dm-") else None
        before = self.waiting.get(ref.id)
        kept = Waiting(
            ref.id,
            message,
            audience,
            order=next(self._order),
            answered=before.answered if before is not None else set(),
        )
        self.waiting[ref.id] = kept
        if audience in (None, self.current_user()):
            self.offer_choices(kept)

    def answered(self, message_id: str, user_id: str) -> None:
        """The person picked one of the message's choices: it no longer waits for them."""
        kept = self.waiting.get(message_id)
        if kept is None:
            return
        kept.answered.add(user_id)
        if kept.audience is not None:
            del self.waiting[message_id]

    def waiting_for(self, user_id: str) -> list[Waiting]:
        """The messages with choices this person has not answered, newest first."""
        found = [w for w in self.waiting.values() if w.waits_for(user_id)]
        return sorted(found, key=lambda w: w.order, reverse=True)

    async def find_sent(
        self,
        target: PlaceRef | UserRef,
        message: Reply,
        *,
        idempotency_key: str,
        since: datetime,
        taken: frozenset[str] = frozenset(),
    ) -> MessageRef | None:
        """What the console printed is gone with the process: it cannot look, so it resends."""
        return None

    async def open_private_thread(self, parent: PlaceRef, name: str) -> PlaceRef:
        place = PlaceRef(platform=PLATFORM, id=f"thread-{self._next_id()}", name=name)
        self._write(f"[opened private thread '{name}' in #{parent.name or parent.id}]")
        self.thread_parents[place.id] = parent
        return place

    async def open_thread_from(self, message: MessageRef, name: str) -> PlaceRef:
        place = PlaceRef(platform=PLATFORM, id=f"thread-{self._next_id()}", name=name)
        self._write(f"[opened thread '{name}' under message {message.id}]")
        self.thread_parents[place.id] = message.place
        return place

    async def add_to_thread(self, thread: PlaceRef, user: UserRef) -> None:
        self._write(f"[added {user.name} to '{thread.name or thread.id}']")

    async def archive_thread(
        self, thread: PlaceRef, *, lock: bool = True, reason: str = ""
    ) -> None:
        self._write(f"[archived{' and locked' if lock else ''} '{thread.name or thread.id}']")

    async def reopen_thread(self, thread: PlaceRef, *, reason: str = "") -> None:
        self._write(f"[unarchived and unlocked '{thread.name or thread.id}']")

    async def keep_thread_active(self, thread: PlaceRef) -> datetime | None:
        """Console threads never archive themselves, and nobody types in them but peerbot."""
        return None

    async def thread_viewers(self, parent: PlaceRef) -> ThreadViewers | None:
        return None  # only the person at the keyboard sees the console

    async def restrict_thread_viewers(self, parent: PlaceRef) -> ThreadViewers | None:
        return None

    async def delete_thread(self, thread: PlaceRef) -> None:
        self._write(f"[deleted thread '{thread.name or thread.id}']")

    async def create_category(
        self, space: PlaceRef, name: str, visible_to_roles: tuple[str, ...] = ()
    ) -> PlaceRef:
        self._write(f"[created category {name}]")
        return PlaceRef(platform=PLATFORM, id=f"category-{name}", name=name)

    async def create_channel(self, spec: ChannelSpec) -> PlaceRef:
        self._write(f"[created channel #{spec.name}]")
        return PlaceRef(platform=PLATFORM, id=spec.name, name=spec.name)

    async def lock_channel(
        self,
        place: PlaceRef,
        *,
        locked: bool,
        keep_posting: tuple[str, ...] = (),
        reason: str = "",
    ) -> None:
        self._write(f"[{'locked' if locked else 'unlocked'} #{place.name or place.id}]")

    async def edit_message(
        self, message: MessageRef, new: Reply, *, idempotency_key: str | None = None
    ) -> None:
        self._print(f"[edited message {message.id}]", new)
        self._keep_choices(message, new)

    async def rename_thread(self, thread: PlaceRef, name: str) -> None:
        self._write(f"[renamed thread {thread.name or thread.id} to {name}]")

    async def delete_message(self, message: MessageRef, *, reason: str = "") -> bool:
        self._write(f"[deleted message {message.id}]")
        self.waiting.pop(message.id, None)
        return True

    async def pin_message(self, message: MessageRef, *, pinned: bool, reason: str = "") -> None:
        self._write(f"[{'pinned' if pinned else 'unpinned'} message {message.id}]")

    async def set_slowmode(self, place: PlaceRef, seconds: int, *, reason: str = "") -> None:
        self._write(f"[slowmode in #{place.name or place.id}: {seconds} seconds]")

    async def is_thread(self, place: PlaceRef) -> bool:
        return place.id.startswith("thread-")

    async def is_own_message(self, message: MessageRef) -> bool:
        return True  # on the console every message with an id is the bot's

    async def parents_of(self, place: PlaceRef) -> list[PlaceRef]:
        parent = self.thread_parents.get(place.id)
        return [] if parent is None else [parent]

    async def set_role_access(
        self,
        place: PlaceRef,
        space: PlaceRef,
        role_id: str,
        *,
        read_only: bool,
        can_post: bool = False,
    ) -> None:
        self._write(f"[gave role {role_id} access to #{place.name or place.id}]")

    async def place_exists(self, place: PlaceRef) -> bool:
        return True  # console places are names; they cannot be deleted behind our back

    async def create_role(self, space: PlaceRef, name: str) -> str:
        self._write(f"[created role {name}]")
        return f"role-{name}"

    async def create_staff_role(self, space: PlaceRef, name: str) -> str | None:
        return None  # peerbot's own roles are all the console has

    async def show_staff_commands(self, space: PlaceRef, role_id: str) -> bool:
        return True  # the console has no menu to trim

    async def role_exists(self, space: PlaceRef, role_id: str) -> bool:
        return True

    async def rename_role(self, space: PlaceRef, role_id: str, name: str) -> None:
        self._write(f"[renamed role {role_id} to {name}]")

    async def rename_place(self, place: PlaceRef, name: str) -> None:
        self._write(f"[renamed {place.name or place.id} to {name}]")

    async def role_holders(self, space: PlaceRef, role_id: str) -> set[str] | None:
        return None  # the console keeps no roles of its own to compare with

    async def set_member_role(
        self, space: PlaceRef, user: UserRef, role_id: str, *, present: bool
    ) -> None:
        change = f"gave role {role_id} to" if present else f"took role {role_id} from"
        self._write(f"[{change} {user.name}]")

    async def set_member_rank(
        self, space: PlaceRef, role_id: str, user: UserRef, rank: Role
    ) -> None:
        return None  # the console has no standing beyond peerbot's own roles

    async def create_event(self, spec: EventSpec) -> str | None:
        return None  # the console has no calendar

    async def find_event(
        self, space: PlaceRef, name: str, start: datetime, *, taken: frozenset[str]
    ) -> str | None:
        return None

    async def update_event(self, space: PlaceRef, event_id: str, spec: EventSpec) -> None:
        return None

    async def delete_event(self, space: PlaceRef, event_id: str) -> None:
        return None

    async def event_users(self, space: PlaceRef, event_id: str) -> set[str] | None:
        return None

    def _print(self, header: str, message: Reply) -> None:
        self._write("\n".join([header, *render_reply(message, show_cards=False)]))


def _choices_of(reply: Reply, message_id: str | None) -> list[_Pending]:
    pending = [_Pending(b.action, message=message_id) for b in reply.buttons]
    if reply.select is not None:
        pending += [
            _Pending(reply.select.action, (c.value,), message_id) for c in reply.select.choices
        ]
    return pending


def with_files(spec: CommandSpec, options: dict[str, str]) -> dict[str, object]:
    """On the console a file option is a local path: read it, as Discord's attachment is. A
    path that is not a file stays text, and the kernel explains it with the other options."""
    arguments: dict[str, object] = dict(options)
    for option in spec.options:
        typed = options.get(option.name)
        if option.kind is OptionKind.FILE and typed and typed.strip():
            path = Path(typed.strip()).expanduser()
            if "\x00" not in typed and path.is_file():
                arguments[option.name] = read_upload(path)
    return arguments


def read_upload(path: Path) -> Upload:
    """The file at ``path`` as an Upload; a clear message when it cannot be read."""
    try:
        size = path.stat().st_size
        data = path.read_bytes() if size <= UPLOAD_FETCH_MAX else None
    except OSError as error:
        raise UserError(f"Cannot read {path} ({error.strerror}). Nothing was changed.") from None
    return Upload(filename=path.name, size=size, data=data)


def parse_command_line(line: str) -> tuple[list[str], dict[str, str]]:
    """``/manage meeting schedule date:2027-03-10 title:"Our meeting"`` -> words and options."""
    return parse_command_text(line[1:])


class ConsoleAdapter:
    def __init__(
        self,
        kernel: Kernel,
        *,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        interactive: bool | None = None,
        user_name: str = "you",
        exports_dir: Path | None = None,
        settle: Callable[[], Awaitable[object]] | None = None,
        line_editor: LineEditor | None = None,
    ) -> None:
        self.kernel = kernel
        #: readline's editing and history, when standard input is a terminal (``peerbot run``).
        self.line_editor = line_editor
        #: The prompt on screen while waiting for a line, to draw again under a message that
        #: arrives meanwhile (a reminder, an invitation); None while a line is being handled.
        self._prompt_shown: str | None = None
        self._prompts: queue.Queue[str] = queue.Queue()
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.interactive = self.stdin.isatty() if interactive is None else interactive
        self.user = UserRef(platform=PLATFORM, id=user_name, display_name=user_name)
        self.place: PlaceRef | None = None
        self.exports_dir = exports_dir or kernel.settings.data_dir / "exports"
        self.port = ConsolePort(self.write)
        self.port.current_user = lambda: self.user.id
        self.port.offer_choices = self._offer
        self._pending: list[_Pending] = []
        self._lines: asyncio.Queue[str | None] | None = None
        #: In script mode, called before each line to deliver what is due (the outbox's
        #: ``run_once``), so a script reads in a stable order: an invitation arrives before
        #: the next line answers it.
        self.settle = settle

    def write(self, text: str) -> None:
        prompt = self._prompt_shown
        if prompt is None:
            self.stdout.write(text + "\n")
        else:
            # A message arrived while the person types: clear the prompt's line, print the
            # message, then draw the prompt again with what they had typed so far.
            typed = self.line_editor.buffer if self.line_editor is not None else ""
            self.stdout.write(f"\r{CLEAR_LINE}{text}\n{prompt}{typed}")
        self.stdout.flush()

    def _start_reader(self) -> asyncio.Queue[str | None]:
        """Read standard input on a daemon thread, so Ctrl-C or a stop never waits for Enter."""
        loop = asyncio.get_running_loop()
        lines: asyncio.Queue[str | None] = asyncio.Queue()

        def pump() -> None:
            for line in iter(self.stdin.readline, ""):
                loop.call_soon_threadsafe(lines.put_nowait, line)
            loop.call_soon_threadsafe(lines.put_nowait, None)

        def edit(editor: LineEditor) -> None:
            """readline draws the prompt itself, so each read waits for the prompt to use."""
            while True:
                prompt = self._prompts.get()
                try:
                    line = editor.read(prompt)
                except (EOFError, OSError, ValueError):
                    break
                loop.call_soon_threadsafe(lines.put_nowait, line + "\n")
            loop.call_soon_threadsafe(lines.put_nowait, None)

        editor = self.line_editor
        target = pump if editor is None else lambda: edit(editor)
        threading.Thread(target=target, name="console-input", daemon=True).start()
        return lines

    async def _read_line(self, prompt: str) -> str | None:
        if self._lines is None:
            self._lines = self._start_reader()
        if self.line_editor is not None:
            self._prompts.put(prompt)
        elif self.interactive:
            self.stdout.write(prompt)
            self.stdout.flush()
        self._prompt_shown = prompt if self.interactive else None
        try:
            line = await self._lines.get()
        finally:
            self._prompt_shown = None
        if line is None:
            self._lines.put_nowait(None)  # stay at the end for any later read
            return None
        return line.rstrip("\r\n")

    def _remember(self, line: str) -> None:
        """A command line for the up arrow; saved in the history file only without free text."""
        if self.line_editor is not None:
            self.line_editor.remember(line, keep=self._keepable(line))

    def _keepable(self, line: str) -> bool:
        """Whether the line holds no one's words: a command whose every option given is a
        choice, a number, a date, a name, never free text."""
        if not line.startswith("/"):
            return False
        try:
            words, options = parse_command_line(line)
        except UserError:
            return False
        if words[:1] == ["as"]:
            return True
        found = self.kernel.registry.find(words)
        if found is None:
            return False
        spec = found[0]
        for name in options:
            option = spec.option(name)
            if option is None or (option.kind is OptionKind.TEXT and not option.choices):
                return False
        return len(words) == found[1] or spec.name == "help"

    async def run(self) -> None:
        """Read and run lines until /quit or the end of input."""
        try:
            await self._run()
        finally:
            if self.line_editor is not None:
                self.line_editor.close()

    async def _run(self) -> None:
        if self.interactive:
            await self._welcome()
        while True:
            line = await self._read_line(f"{self.user.name}> ")
            if line is None:
                break
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            self._remember(line)
            if line in ("/quit", "/exit"):
                break
            if not self.interactive:
                if self.settle is not None:
                    await self.settle()
                self.write(f"> {line}")
            try:
                await self.handle_line(line)
            except UserError as error:
                self._show(Reply.private_text(str(error)))

    async def handle_line(self, line: str) -> None:
        if line.isdigit():
            await self._choose(int(line))
            return
        if not line.startswith("/"):
            raise UserError("Commands start with a slash. Type /help to see them.")
        words, options = parse_command_line(line)
        if words[:1] == ["as"]:
            await self._switch_user(words[1:], options)
            return
        if words == ["look"]:
            self._look()
            return
        found = self.kernel.registry.find(words)
        if found is None:
            shown = " ".join(words) or "(nothing)"
            raise UserError(f"There is no command /{shown}. Type /help to see the commands.")
        spec, used = found
        if spec.name == "help" and len(words) > used and "command" not in options:
            options["command"] = " ".join(words[used:])  # /help reflect start
            words = words[:used]
        if len(words) > used:
            raise UserError(
                f"I did not understand '{words[used]}'. Give options as name:value, "
                f"for example /{spec.name} {spec.options[0].name}:..."
                if spec.options
                else f"/{spec.name} takes no options."
            )
        reply = await self.kernel.registry.invoke(
            Invocation(
                user=self.user,
                place=self.place,
                name=spec.name,
                arguments=with_files(spec, options),
                space=CONSOLE_SPACE,
            )
        )
        await self._present(reply)

    def _look(self) -> None:
        """Everyone in a channel sees a message posted there (a panel) and may press its
        buttons: ``/look`` shows the newest one with buttons and lets you choose."""
        found = self.port.latest_with_choices
        if found is None:
            raise UserError("No message with buttons has been posted in a channel yet.")
        place, message = found
        self.write(f"[the newest message with buttons, in #{place.name or place.id}]")
        self._show(message)

    async def _choose(self, number: int) -> None:
        if not 1 <= number <= len(self._pending):
            raise UserError(
                "There is nothing with that number to choose right now."
                if not self._pending
                else f"Choose a number from 1 to {len(self._pending)}."
            )
        picked = self._pending[number - 1]
        self._pending = []
        if picked.message is not None:
            self.port.answered(picked.message, self.user.id)
        reply = await self.kernel.registry.invoke_action(
            ActionInvocation(
                user=self.user,
                place=self.place,
                action=picked.action,
                selected=picked.selected,
                space=CONSOLE_SPACE,
            )
        )
        await self._present(reply)

    async def _present(self, reply: Reply) -> None:
        self._show(reply)
        for attachment in reply.attachments:
            path = self.exports_dir / attachment.filename
            try:
                write_private(path, attachment.content)  # exports hold personal data: 0600
            except OSError as error:
                self.write(f"(could not save the file {path}: {error.strerror}; nothing was saved)")
                continue
            about = f" - {attachment.description}" if attachment.description else ""
            self.write(f"(file saved: {path}{about})")
        if reply.form is not None:
            await self._fill_form(reply.form)

    def _show(self, reply: Reply) -> None:
        self.write("\n".join(render_reply(reply, show_cards=False)))
        self._set_choices(reply)

    def _set_choices(self, reply: Reply) -> None:
        # Only the latest reply's choices can be picked: a number typed later must never
        # press an older button (such as "Delete my data") by surprise.
        self._pending = _choices_of(reply, None)

    def _offer(self, waiting: Waiting) -> None:
        """A message for the person at the keyboard arrived with choices: it is the newest
        thing on their screen, so its numbers are the ones to type."""
        self._pending = _choices_of(waiting.reply, waiting.message_id)

    async def _fill_form(self, form: Form) -> None:
        self.write(f"{form.title} (an empty line skips an optional field; /cancel stops)")
        values: dict[str, str] = {}
        for field in form.fields:
            while True:
                need = "required" if field.required else "optional"
                line = await self._read_line(f"{field.label} ({need}): ")
                if line is None or line.strip() == "/cancel":
                    self.write("Cancelled. Nothing was sent.")
                    return
                if not self.interactive:
                    self.write(f"{field.label}: {line}")
                value = line.strip() or field.default
                if field.required and not value:
                    self.write(f"{field.label} is required.")
                    continue
                if len(value) > field.max_length:
                    self.write(
                        f"That is too long for {field.label}: it fits {field.max_length} "
                        f"characters and you typed {len(value)}. Please shorten it."
                    )
                    continue
                values[field.name] = value
                break
        reply = await self.kernel.registry.invoke_action(
            ActionInvocation(
                user=self.user,
                place=self.place,
                action=form.action,
                fields=values,
                space=CONSOLE_SPACE,
            )
        )
        await self._present(reply)

    async def _switch_user(self, words: list[str], options: dict[str, str]) -> None:
        if not words:
            raise UserError(
                "Say who to be: /as alex, or with a role: /as alex coordinator network:south-coast."
            )
        name = words[0]
        role_word = words[1] if len(words) > 1 else None
        self.user = UserRef(platform=PLATFORM, id=name, display_name=name)
        self._pending = []
        if role_word is None:
            self.write(f"You are now {name}.")
            self._offer_waiting_choices()
            return
        try:
            role = Role[role_word.upper()]
        except KeyError:
            raise UserError(
                f"'{role_word}' is not a role. Use member, executive, coordinator or admin."
            ) from None
        directory = self.kernel.registry.directory
        network_id = None
        where = ""
        if role is not Role.ADMIN:
            slug = options.get("network")
            networks = await directory.networks()
            if slug:
                network = await directory.network_by_slug(slug.lower())
            elif len(networks) == 1:
                network = networks[0]
            else:
                raise UserError(
                    "Say which network: /as NAME ROLE network:SHORT-NAME."
                    if networks
                    else "There are no networks yet. Create one first with /network create."
                )
            if network is None:
                raise UserError(f"There is no network called '{slug}'. Try /network list.")
            network_id, where = network.id, f" in {network.name}"
        await directory.assign_role(self.user.key, network_id, role)
        self.write(f"You are now {name}, {role.label}{where}.")
        self._offer_waiting_choices()

    def _offer_waiting_choices(self) -> None:
        """Show every message with choices this person has not answered yet (a pending
        invitation is not lost under a later message), newest first, numbered one after
        another so that any of them can be answered."""
        waiting = self.port.waiting_for(self.user.id)[:MAX_WAITING_SHOWN]
        if not waiting:
            return
        many = len(waiting) > 1
        self.write(
            f"{len(waiting)} messages with choices are waiting for your answer, newest first; "
            "type a number to answer one."
            if many
            else "A message with choices is waiting for your answer; type a number to answer it."
        )
        pending: list[_Pending] = []
        for kept in waiting:
            where = "private message" if kept.audience is not None else "posted in a channel"
            lines = render_reply(kept.reply, show_cards=False, first=len(pending) + 1)
            if many:
                lines = [line for line in lines if line != CHOOSE_LINE]
            self.write("\n".join([f"[{where}, message {kept.message_id}]", *lines]))
            pending += _choices_of(kept.reply, kept.message_id)
        if many:
            self.write(CHOOSE_LINE)
        self._pending = pending

    async def _welcome(self) -> None:
        role = await self.kernel.registry.directory.role_of(self.user.key, None)
        self.write(
            f"peerbot local console. You are '{self.user.name}' ({role.label}).\n"
            "Type /help for the commands, /support for crisis and support lines,\n"
            "/as NAME ROLE to be someone else, /look to press the buttons of the newest\n"
            "message posted in a channel (a panel), and /quit to leave."
        )
