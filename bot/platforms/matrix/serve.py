"""Serving Matrix from ``peerbot run``: log in, deliver the outbox, answer in rooms.

``MatrixService`` is started in two steps (log in, then sync) so that its outbound port can
join Discord's in the outbox worker before either platform starts serving.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any

import nio

from bot.app import App
from bot.errors import StartupError, log_failure
from bot.kernel import Kernel
from bot.people import People
from bot.platforms.matrix import render
from bot.platforms.matrix.choices import ChoiceStore, delete_choices, export_choices
from bot.platforms.matrix.client import MatrixConnection
from bot.platforms.matrix.dm import PLATFORM, DirectRooms, delete_dm_rooms, export_dm_rooms
from bot.platforms.matrix.edits import CommandLog, delete_commands, export_commands
from bot.platforms.matrix.forms import FormStore, delete_forms, export_forms
from bot.platforms.matrix.inbound import MatrixInbound
from bot.platforms.matrix.messages import Messenger
from bot.platforms.matrix.port import MatrixPort
from bot.platforms.matrix.reactions import ReactionStore, delete_reactions, export_reactions
from bot.privacy import DataStatement
from bot.storage import Transaction

log = logging.getLogger(__name__)

RETRY_SECONDS = 5.0
HOUSEKEEPING_EVERY = timedelta(hours=1)
PRIVACY_NAME = "matrix"
STATEMENT = DataStatement(
    area="Matrix",
    what="which room is your direct-message room with the bot, the numbered choices it sent "
    "you, the answers of a form you have not finished, which of your reactions answered a "
    "choice, and which of your command messages ran (not their text)",
    why="so private replies reach you, a number you reply with (or react with) counts, "
    "removing your reaction takes its answer back, and an edited command never runs twice",
    kept_for="the direct-message room until you delete your data; numbered choices, reactions "
    "and commands for the outbox retention period; a form's answers until you finish or "
    "cancel it, or leave it for an hour",
)


class MatrixPrivacy:
    """Export and delete the Matrix rows of a person: those of every linked account, since a
    person whose main account is on Discord keeps their Matrix rows under the Matrix id."""

    def __init__(self, people: People) -> None:
        self.people = people

    def _matrix_keys(self, user_key: str) -> list[str]:
        return [k for k in self.people.identities(user_key) if k.startswith(f"{PLATFORM}:")]

    async def export(self, tx: Transaction, user_key: str) -> dict[str, Any]:
        found: dict[str, Any] = {
            "direct-message rooms": [],
            "choices waiting for you": [],
            "unfinished forms": [],
            "reactions that answered": [],
            "commands you sent": [],
        }
        for key in self._matrix_keys(user_key):
            found["direct-message rooms"] += await export_dm_rooms(tx, key)
            found["choices waiting for you"] += await export_choices(tx, key)
            found["unfinished forms"] += await export_forms(tx, key)
            found["reactions that answered"] += await export_reactions(tx, key)
            found["commands you sent"] += await export_commands(tx, key)
        return found

    async def delete(self, tx: Transaction, user_key: str) -> int:
        removed = 0
        for key in self._matrix_keys(user_key):
            removed += await delete_dm_rooms(tx, key)
            removed += await delete_choices(tx, key)
            removed += await delete_forms(tx, key)
            removed += await delete_reactions(tx, key)
            removed += await delete_commands(tx, key)
        return removed

    async def move(self, tx: Transaction, old_key: str, new_key: str) -> int:
        """Nothing moves when a person links two identities: a direct-message room, a pending
        choice or a half-filled form belongs to the Matrix account itself, which stays theirs
        (export and delete find it through the link)."""
        return 0


def _being_cancelled() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


class MatrixService:
    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        settings = kernel.settings
        self.connection = MatrixConnection(
            settings.matrix, settings.data_dir, kernel.platform_state
        )
        self.choices = ChoiceStore(kernel.db, kernel.clock)
        self.forms = FormStore(kernel.db, kernel.clock)
        self.reactions = ReactionStore(kernel.db, kernel.clock)
        self.commands = CommandLog(kernel.db, kernel.clock)
        self.dms: DirectRooms | None = None
        self.messenger: Messenger | None = None
        self.inbound: MatrixInbound | None = None
        self._fresh = True
        #: Set once the first sync after start is done (rooms known, invitations accepted).
        self.ready = asyncio.Event()
        #: Whether the last sync with the homeserver worked (for /healthz).
        self.connected = False

    async def start(self) -> MatrixPort:
        """Log in and build the port; nothing is answered until ``run``."""
        await self.connection.connect()
        self._fresh = self.connection.sync_token is None
        client = self.connection.client
        render.set_home_server(self.connection.user_id.partition(":")[2])
        self.dms = DirectRooms(self.kernel.db, self.kernel.clock, self.connection)
        words = frozenset(name.split(" ")[0] for name in self.kernel.registry.commands)
        self.messenger = Messenger(client, self.choices, self.dms, words)
        self.inbound = MatrixInbound(
            self.kernel,
            self.connection,
            self.messenger,
            self.choices,
            self.forms,
            self.dms,
            self.reactions,
            self.commands,
        )
        self.kernel.scheduler.add_periodic(
            "matrix-housekeeping", self._housekeeping, HOUSEKEEPING_EVERY
        )
        if PRIVACY_NAME not in self.kernel.privacy.names:
            hooks = MatrixPrivacy(self.kernel.people)
            self.kernel.privacy.register(
                PRIVACY_NAME, STATEMENT, hooks.export, hooks.delete, hooks.move
            )
        return MatrixPort(
            client,
            self.messenger,
            wait_until=self.connection.wait_until,
            retention_days=self.kernel.settings.retention.reflection_days,
            # Co-reflection rooms stay unencrypted: people join them after the agreement and
            # prompts are posted, and nio shares room keys only with the bot's own devices,
            # so late joiners could not read them. Their privacy comes from invite-only
            # membership (after consent), no guests, and the retention deletion.
            encrypt_private_rooms=False,
        )

    async def _housekeeping(self) -> None:
        """Idle forms and old numbered choices go, so the tables stay small and nothing typed
        into an abandoned form is kept."""
        forms = await self.forms.purge_idle()
        age = timedelta(days=self.kernel.settings.retention.outbox_days)
        choices = await self.choices.purge_older_than(age)
        choices += await self.reactions.purge_older_than(age)
        commands = await self.commands.purge_older_than(age)
        log.info(
            "matrix housekeeping: %d idle forms, %d old choices and reactions, %d old commands "
            "removed",
            forms,
            choices,
            commands,
        )

    async def sync_once(self, *, first: bool) -> bool:
        """One sync and its events handed on; False when the homeserver refused."""
        assert self.inbound is not None
        response = await self.connection.sync(first=first)
        if not isinstance(response, nio.SyncResponse):
            log.warning("matrix: sync failed (%s)", getattr(response, "status_code", None))
            return False
        # The token is saved before the events are handled: after a crash an event is
        # skipped rather than handled twice (a command run twice could do a thing twice).
        await self.connection.save_sync_token(str(response.next_batch))
        await self.inbound.handle_sync(response, answer_messages=not (first and self._fresh))
        await self.connection.synced()
        return True

    async def run(self) -> None:
        """Sync until cancelled; a failed sync is retried after a pause."""
        first = True
        while True:
            try:
                synced = await self.sync_once(first=first)
            except Exception as error:  # one bad sync must not stop the bot for good
                if _being_cancelled():
                    # An error raised while the stop cancels this task (a library that turns
                    # the cancellation into an error): retrying would sync for ever, and the
                    # stop waiting for this task would never end.
                    raise asyncio.CancelledError from error
                log_failure(log, error, "matrix: a sync failed; trying again shortly")
                synced = False
            self.connected = synced
            if synced:
                first = False
                self.ready.set()
            else:
                await asyncio.sleep(RETRY_SECONDS)

    async def stop(self) -> None:
        if self.inbound is not None:
            await self.inbound.cancel()
        await self.connection.close()


async def serve_matrix(
    app: App, kernel: Kernel, *, alongside: Coroutine[Any, Any, None] | None = None
) -> None:
    """Log in and serve Matrix until stopped; ``alongside`` (Discord's serving) runs with it.

    With Discord, Matrix's port goes into ``kernel.ports`` first, so the outbox worker that
    Discord's start-up creates delivers to both platforms.
    """
    service = MatrixService(kernel)
    # Closed by App.stop once the scheduler and the outbox worker have stopped, so a delivery
    # in progress keeps its connection (and the handlers of commands in flight with it).
    app.add_connection("the Matrix client", service.stop)
    app.report_connection("matrix", lambda: service.connected)
    try:
        port = await service.start()
        if alongside is None:
            app.start_worker([port])
            await service.run()
            return
        kernel.ports[port.platform] = port
        other, alongside = alongside, None
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(service.run())
                group.create_task(other)
        except* StartupError as failed:
            raise failed.exceptions[0] from None
    finally:
        if alongside is not None:
            alongside.close()  # never started: Matrix refused first
