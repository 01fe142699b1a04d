"""The local console: try every command in a terminal, or pipe a script of commands into it.

Commands are typed as on a text platform: ``/support filter:nsw``, with quotes around values
that have spaces. Buttons and menu items are numbered; forms are filled in field by field.
The console is a trusted local tool: ``/as NAME ROLE`` switches who you are and gives that
person the role, so a newcomer can see what a coordinator sees.
"""

from __future__ import annotations

import asyncio
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
from bot.platforms.console_render import render_reply
from bot.platforms.textcommand import parse_command_text
from bot.ports import ChannelSpec, EventSpec, ThreadViewers
from bot.private_files import write_private
from bot.registry import ActionInvocation, Invocation
from bot.replies import ActionRef, Form, Reply

PLATFORM = "console"
#: The console is one space, as a Discord server is.
CONSOLE_SPACE = PlaceRef(platform=PLATFORM, id="local", name="console")


@dataclass
class _Pending:
    """A numbered choice on screen: a button's action, or a menu's action and the value picked."""

    action: ActionRef
    selected: tuple[str, ...] = ()


class ConsolePort:
    """The outbound port on the console: messages are printed, places are just names."""

    platform = PLATFORM

    def __init__(self, write: Callable[[str], None]) -> None:
        self._write = write
        self._counter = 0
        self.delivered: list[str] = []
        #: The latest private message with choices sent to each person (by user id), so that
        #: after ``/as NAME`` they can answer it, as they would press its buttons on Discord.
        self.waiting_choices: dict[str, Reply] = {}
        #: Who is at the keyboard: their own private messages' choices can be answered at once.
        self.current_user: Callable[[], str] = lambda: ""
        self.offer_choices: Callable[[Reply], None] = lambda message: None
        #: The channel each thread opened here sits in (moderation asks where a thread is).
        self.thread_parents: dict[str, PlaceRef] = {}

    def _next_id(self) -> str:
        self._counter += 1
        return str(self._counter)

    async def post(self, place: PlaceRef, message: Reply, *, idempotency_key: str) -> MessageRef:
        self._print(f"[posted in #{place.name or place.id}]", message)
        self.delivered.append(idempotency_key)
        return MessageRef(place=place, id=self._next_id())

    async def send_private(
        self, user: UserRef, message: Reply, *, idempotency_key: str
    ) -> MessageRef:
        self._print(f"[private message to {user.name}]", message)
        self.delivered.append(idempotency_key)
        if not (message.buttons or message.select is not None):
            self.waiting_choices.pop(user.id, None)
        elif user.id == self.current_user():
            self.offer_choices(message)  # the newest thing on screen for this person
        else:
            self.waiting_choices[user.id] = message
        return MessageRef(place=PlaceRef(platform=PLATFORM, id=f"dm-{user.id}"), id=self._next_id())

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

    async def rename_thread(self, thread: PlaceRef, name: str) -> None:
        self._write(f"[renamed thread {thread.name or thread.id} to {name}]")

    async def delete_message(self, message: MessageRef, *, reason: str = "") -> bool:
        self._write(f"[deleted message {message.id}]")
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

    def _print(self, header: str, message: Reply) -> None:
        self._write("\n".join([header, *render_reply(message, show_cards=False)]))


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
    ) -> None:
        self.kernel = kernel
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.interactive = self.stdin.isatty() if interactive is None else interactive
        self.user = UserRef(platform=PLATFORM, id=user_name, display_name=user_name)
        self.place: PlaceRef | None = None
        self.exports_dir = exports_dir or kernel.settings.data_dir / "exports"
        self.port = ConsolePort(self.write)
        self.port.current_user = lambda: self.user.id
        self.port.offer_choices = self._set_choices
        self._pending: list[_Pending] = []
        self._lines: asyncio.Queue[str | None] | None = None
        #: In script mode, called before each line to deliver what is due (the outbox's
        #: ``run_once``), so a script reads in a stable order: an invitation arrives before
        #: the next line answers it.
        self.settle = settle

    def write(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def _start_reader(self) -> asyncio.Queue[str | None]:
        """Read standard input on a daemon thread, so Ctrl-C or a stop never waits for Enter."""
        loop = asyncio.get_running_loop()
        lines: asyncio.Queue[str | None] = asyncio.Queue()

        def pump() -> None:
            for line in iter(self.stdin.readline, ""):
                loop.call_soon_threadsafe(lines.put_nowait, line)
            loop.call_soon_threadsafe(lines.put_nowait, None)

        threading.Thread(target=pump, name="console-input", daemon=True).start()
        return lines

    async def _read_line(self, prompt: str) -> str | None:
        if self._lines is None:
            self._lines = self._start_reader()
        if self.interactive:
            self.stdout.write(prompt)
            self.stdout.flush()
        line = await self._lines.get()
        if line is None:
            self._lines.put_nowait(None)  # stay at the end for any later read
            return None
        return line.rstrip("\r\n")

    async def run(self) -> None:
        """Read and run lines until /quit or the end of input."""
        if self.interactive:
            await self._welcome()
        while True:
            line = await self._read_line(f"{self.user.name}> ")
            if line is None:
                break
            line = line.strip()
            if not line or line.startswith("#"):
                continue
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
        found = self.kernel.registry.find(words)
        if found is None:
            shown = " ".join(words) or "(nothing)"
            raise UserError(f"There is no command /{shown}. Type /help to see the commands.")
        spec, used = found
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

    async def _choose(self, number: int) -> None:
        if not 1 <= number <= len(self._pending):
            raise UserError(
                "There is nothing with that number to choose right now."
                if not self._pending
                else f"Choose a number from 1 to {len(self._pending)}."
            )
        picked = self._pending[number - 1]
        self._pending = []
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
        pending = [_Pending(b.action) for b in reply.buttons]
        if reply.select is not None:
            pending += [_Pending(reply.select.action, (c.value,)) for c in reply.select.choices]
        # Only the latest reply's choices can be picked: a number typed later must never
        # press an older button (such as "Delete my data") by surprise.
        self._pending = pending

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
                    self.write(f"That is {len(value)} characters; the limit is {field.max_length}.")
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
        """Show the person's latest private message with choices, ready to be answered."""
        waiting = self.port.waiting_choices.pop(self.user.id, None)
        if waiting is not None:
            self.write("Your latest private message has choices; type a number to answer it.")
            self._show(waiting)

    async def _welcome(self) -> None:
        role = await self.kernel.registry.directory.role_of(self.user.key, None)
        self.write(
            f"peerbot local console. You are '{self.user.name}' ({role.label}).\n"
            "Type /help for the commands, /support for crisis and support lines,\n"
            "/as NAME ROLE to be someone else, and /quit to leave."
        )
