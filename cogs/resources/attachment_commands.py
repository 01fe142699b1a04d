"""Files on library entries: ``/library attach`` and ``/library detach`` for curators,
``/resources download`` for everyone who can see the entry. ``ResourcesCog`` takes these
commands from ``EntryFiles``, so the library stays one cog, with its files in their own module.

On Discord the file is an attachment option and comes back as an attachment; on the console
it is a local path and the download is saved in ``data/exports``; on Matrix downloads are sent
through the media repository, but a file cannot be attached to a ``!`` command.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from bot.cog import Cog
from bot.commands import ActionEvent, Context, Option, Role, Upload, action, command
from bot.errors import UserError
from bot.kernel import Kernel
from bot.privacy import DataStatement
from bot.replies import ActionRef, Attachment, Button, CardField, Reply
from bot.storage import Transaction
from cogs.resources import attachments as files
from cogs.resources.models import Resource
from cogs.resources.service import ResourceService

log = logging.getLogger(__name__)

FileOption = Annotated[Upload, Option("The template or form: a PDF or a Word document (DOCX)")]


EntryChoice = Annotated[
    str, Option("The entry's number or title", autocomplete="complete_entry", max_length=200)
]
PRIVACY_NAME = "resource-files"
DOWNLOAD_ACTION = "resources-download"


class EntryFiles(Cog):
    """The file commands of the library cog (a base class of ``ResourcesCog``)."""

    service: ResourceService

    def __init__(self, kernel: Kernel) -> None:
        super().__init__(kernel)
        self.file_store = files.FileStore(kernel.settings.data_dir)
        kernel.privacy.register(
            PRIVACY_NAME,
            DataStatement(
                area="Resource library files",
                what="which template or form files you attached to library entries, and when",
                why="so curators can see who attached a file to an entry",
                kept_for="until you delete your data; the files stay in the library for "
                "everyone, no longer naming you",
            ),
            self._export_files,
            self._delete_files,
            self._move_files,
        )

    @property
    def file_max_bytes(self) -> int:
        return int(self.kernel.settings.resources.file_max_mb) * files.MEGABYTE

    # ---- privacy ------------------------------------------------------------------------------

    async def _export_files(self, tx: Transaction, user_key: str) -> Any:
        return [
            {
                "entry": stored.resource_id,
                "file": stored.filename,
                "size_bytes": stored.size,
                "attached_at": stored.uploaded_at.isoformat(),
            }
            for stored in await files.files_by(tx, user_key)
        ]

    async def _delete_files(self, tx: Transaction, user_key: str) -> int:
        return await files.forget_uploader(tx, user_key)

    async def _move_files(self, tx: Transaction, old_key: str, new_key: str) -> int:
        return await files.move_uploader(tx, old_key, new_key)

    async def _file_entry(self, ctx: Context, entry: str) -> Resource:
        return await self.service.find(entry, await self.service.networks_for(ctx.user.key, None))

    async def with_file_note(self, found: Resource, reply: Reply) -> Reply:
        """An entry's reply, saying that it has a file, with a button to download it."""
        async with self.kernel.db.reading() as tx:
            stored = await files.file_of(tx, found.id)
        if stored is None:
            return reply
        note = (
            f"{stored.filename} ({stored.size_text}): download it with the button, or with "
            f"/resources download entry:{found.id}."
        )
        cards = [
            card.model_copy(update={"fields": [*card.fields, CardField(name="File", value=note)]})
            for card in reply.cards[:1]
        ] + reply.cards[1:]
        button = Button(
            label="Download the file",
            action=ActionRef(action=DOWNLOAD_ACTION, payload=str(found.id)),
        )
        return reply.model_copy(
            update={
                "text": f"{reply.text}\nFile: {note}",
                "cards": cards,
                "buttons": [*reply.buttons, button],
            }
        )

    @action(DOWNLOAD_ACTION)
    async def download_pressed(self, ctx: Context, event: ActionEvent) -> Reply:
        if not event.payload.isdigit():
            raise UserError("That button is out of date. Type /resources download instead.")
        return await self._download(ctx, event.payload)

    # ---- commands -----------------------------------------------------------------------------

    @command(
        "library attach",
        "Attach a template or form file (PDF or DOCX) to an entry",
        role=Role.COORDINATOR,
    )
    async def attach(self, ctx: Context, entry: EntryChoice, file: FileOption) -> Reply:
        found = await self._file_entry(ctx, entry)
        await self.service.require_curator(ctx.user.key, found)
        checked = files.check_upload(file, self.file_max_bytes)
        name = self.file_store.stored_name(found.id, checked)
        async with self.kernel.db.reading() as tx:
            before = await files.file_of(tx, found.id)
        self.file_store.write(name, checked.data)  # first the file, then the row that points to it
        try:
            async with self.kernel.db.transaction() as tx:
                await files.put_file(
                    tx,
                    files.StoredFile(
                        resource_id=found.id,
                        stored_name=name,
                        filename=checked.filename,
                        mime_type=checked.mime_type,
                        size=len(checked.data),
                        sha256=checked.sha256,
                        uploaded_by=ctx.user.key,
                        uploaded_at=ctx.now,
                    ),
                )
        except BaseException:
            if before is None or before.stored_name != name:
                self.file_store.remove(name)
            raise
        if before is not None and before.stored_name != name:
            self.file_store.remove(before.stored_name)
        replaced = f" It replaces {before.filename}." if before is not None else ""
        log.info("a file was attached to library entry %d", found.id)
        return Reply.private_text(
            f"Attached {checked.filename} ({files.KIND_NAMES[checked.kind]}, "
            f"{files.size_text(len(checked.data))}) to entry {found.id}, {found.title}.{replaced} "
            f"Members can download it with /resources download entry:{found.id}."
        )

    @command("library detach", "Take the file off an entry", role=Role.COORDINATOR)
    async def detach(self, ctx: Context, entry: EntryChoice) -> Reply:
        found = await self._file_entry(ctx, entry)
        await self.service.require_curator(ctx.user.key, found)
        async with self.kernel.db.transaction() as tx:
            before = await files.file_of(tx, found.id)
            if before is None:
                raise UserError(f"Entry {found.id} has no file. Nothing was changed.")
            await files.remove_file(tx, found.id)
        self.file_store.remove(before.stored_name)
        return Reply.private_text(f"Took {before.filename} off entry {found.id}, {found.title}.")

    @command(
        "resources download",
        "Download an entry's template or form file",
        role=Role.EVERYONE,
    )
    async def download(self, ctx: Context, entry: EntryChoice) -> Reply:
        return await self._download(ctx, entry)

    async def _download(self, ctx: Context, entry: str) -> Reply:
        found = await self._file_entry(ctx, entry)
        async with self.kernel.db.reading() as tx:
            stored = await files.file_of(tx, found.id)
        if stored is None:
            raise UserError(
                f"Entry {found.id}, {found.title}, has no file to download. "
                "Type /resources show to see its link or phone number."
            )
        data = self.file_store.read(stored.stored_name)
        if data is None:
            log.warning("the file of library entry %d is missing from the data folder", found.id)
            raise UserError(
                f"The file of entry {found.id} is missing from peerbot's data folder. "
                "Tell a coordinator, who can attach it again with /library attach."
            )
        return Reply(
            text=f"{stored.filename} ({stored.size_text}): the file of entry {found.id}, "
            f"{found.title}.",
            attachments=[
                Attachment.from_bytes(
                    stored.filename,
                    data,
                    stored.mime_type,
                    description=f"The file of library entry {found.id}, {found.title}",
                )
            ],
            private=True,
        )
