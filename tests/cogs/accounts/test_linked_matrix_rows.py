"""The Matrix adapter's own rows (direct-message room, unfinished forms) of a person whose main
account is on Discord: kept under the Matrix id, yet found by /privacy export and delete."""

from __future__ import annotations

from bot.clock import to_db
from bot.kernel import Kernel
from bot.platforms.matrix import serve
from bot.replies import ActionRef, Form, FormField
from tests.cogs.accounts.test_linking import DISCORD, MATRIX, link

FORM = Form(
    title="Report a concern",
    action=ActionRef(action="mod.report", payload="1"),
    fields=[FormField(name="concern", label="Concern")],
)


async def test_matrix_rows_of_a_linked_person_are_exported_and_deleted(kernel: Kernel) -> None:
    hooks = serve.MatrixPrivacy(kernel.people)
    kernel.privacy.register(
        serve.PRIVACY_NAME, serve.STATEMENT, hooks.export, hooks.delete, hooks.move
    )
    now = to_db(kernel.clock.now())
    async with kernel.db.transaction() as tx:
        await tx.execute(
            """INSERT INTO matrix_forms (user_key, room_id, form, answers, place_key, created_at)
               VALUES (?, ?, ?, ?, ?, ?)""",
            (
                MATRIX.key,
                "!dm:example.org",
                FORM.model_dump_json(),
                '{"concern": "private text"}',
                None,
                now,
            ),
        )
        await tx.execute(
            "INSERT INTO matrix_dm_rooms (user_key, room_id, created_at) VALUES (?, ?, ?)",
            (MATRIX.key, "!dm:example.org", now),
        )
    await link(kernel)
    exported = await kernel.privacy.export(kernel.db, DISCORD.key)
    assert exported["matrix"]["direct-message rooms"] == ["!dm:example.org"]
    assert len(exported["matrix"]["unfinished forms"]) == 1
    async with kernel.db.transaction() as tx:
        counts = await kernel.privacy.delete_in(tx, DISCORD.key)
    assert counts["matrix"] == 2
    for table in ("matrix_forms", "matrix_dm_rooms"):
        assert await kernel.db.fetch_all(f"SELECT * FROM {table}") == []
