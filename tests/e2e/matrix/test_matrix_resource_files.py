"""A template file on Matrix: ``!resources download`` sends the entry's file to the
direct-message room through the homeserver's media repository (an ``m.file`` event whose
``mxc://`` address gives back the same bytes), and ``!library attach`` with text in place of
a file says that files are attached on Discord or the console."""

from __future__ import annotations

from typing import Any

import nio

from bot.commands import Upload
from bot.identity import UserRef
from bot.registry import Invocation
from cogs.resources.commands import ResourcesCog
from cogs.resources.models import Draft
from tests.e2e.matrix.peerbot_on_synapse import PeerbotOnSynapse, Person, Seen, ask
from tests.e2e.matrix.test_matrix_inbound import room_with_bot

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


async def shared_entry_with_file(bot: PeerbotOnSynapse, admin: Person) -> int:
    cog = bot.kernel.cogs["resources"]
    assert isinstance(cog, ResourcesCog)
    draft = Draft(
        title="Supervision agreement template",
        link="https://example.org/agreement",
        summary="A template agreement for peer supervision sessions.",
        area="support",
        type="template",
    )
    found = await cog.service.add(draft, None, f"matrix:{admin.user_id}")
    reply = await bot.kernel.registry.invoke(
        Invocation(
            user=UserRef(platform="matrix", id=admin.user_id),
            place=None,
            name="library attach",
            arguments={
                "entry": str(found.id),
                "file": Upload(filename="Agreement.pdf", size=len(PDF), data=PDF),
            },
        )
    )
    assert reply.text.startswith("Attached Agreement.pdf"), reply.text
    return found.id


async def test_a_template_file_downloads_through_the_media_repository(
    bot: PeerbotOnSynapse, admin: Person, alex: Person
) -> None:
    number = await shared_entry_with_file(bot, admin)
    room_id = await room_with_bot(admin, bot, alex)
    mark = alex.mark()
    await ask(alex, room_id, bot, f"!resources download entry:{number}", "the file of entry")

    def is_file(seen: Seen) -> bool:
        return (
            alex.seen.index(seen) >= mark
            and seen.event.sender == bot.user_id
            and seen.content.get("msgtype") == "m.file"
        )

    event = await alex.wait_for(is_file, "the file")
    content: dict[str, Any] = event.content
    assert content["filename"] == "Agreement.pdf"
    assert content["info"]["mimetype"] == "application/pdf"
    url = content.get("url") or content["file"]["url"]
    assert url.startswith("mxc://")
    downloaded = await alex.client.download(mxc=url)
    assert isinstance(downloaded, nio.MemoryDownloadResponse), downloaded
    if "url" in content:  # an unencrypted room: the media is the file itself
        assert downloaded.body == PDF


async def test_attaching_by_text_on_matrix_says_where_files_are_attached(
    bot: PeerbotOnSynapse, admin: Person, alex: Person
) -> None:
    number = await shared_entry_with_file(bot, admin)
    room_id = await room_with_bot(admin, bot, alex)
    answer = await ask(
        admin, room_id, bot, f"!library attach entry:{number} file:form.pdf", "no file came"
    )
    assert "a file cannot be attached on Matrix" in answer.body
    assert "Nothing was changed" in answer.body
