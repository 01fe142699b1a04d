"""Forms as a short guided exchange in the direct-message room: one question at a time.

Matrix has no modal dialogs, so the bot asks each field in turn and the person replies;
``cancel`` stops. The answers so far are kept in the database (they can be personal, so they
are covered by export and delete) and removed as soon as the form is sent or cancelled.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta

from bot.clock import Clock, to_db
from bot.replies import Form, FormField
from bot.storage import Database, Transaction

CANCEL_WORDS = frozenset({"cancel", "!cancel", "/cancel"})
SKIP_WORDS = frozenset({"skip", "-"})
#: A form left unanswered this long is dropped, so a later number is never taken as its answer.
FORM_IDLE = timedelta(hours=1)


@dataclass
class OpenForm:
    user_key: str
    room_id: str
    form: Form
    answers: dict[str, str] = field(default_factory=dict)
    place_key: str | None = None

    @property
    def next_field(self) -> FormField | None:
        return next((f for f in self.form.fields if f.name not in self.answers), None)


@dataclass(frozen=True)
class Step:
    """What one reply did: the form's next question, a complaint, or the finished answers."""

    message: str = ""
    finished: dict[str, str] | None = None
    cancelled: bool = False


def question(open_form: OpenForm) -> str:
    """The next field as a question, saying whether it may be skipped."""
    next_field = open_form.next_field
    assert next_field is not None
    number = open_form.form.fields.index(next_field) + 1
    total = len(open_form.form.fields)
    hint = f" ({next_field.placeholder})" if next_field.placeholder else ""
    if next_field.required:
        how = "Reply with your answer."
    elif next_field.default:
        how = f"Reply with your answer, or 'skip' to keep: {next_field.default}"
    else:
        how = "Reply with your answer, or 'skip' to leave it empty."
    return f"{open_form.form.title}, question {number} of {total}: {next_field.label}{hint}\n{how}"


def introduction(open_form: OpenForm) -> str:
    count = len(open_form.form.fields)
    return (
        f"{open_form.form.title}: I will ask {count} question{'s' if count != 1 else ''}, "
        "one at a time. Say cancel at any point to stop; nothing is sent until the end."
    )


def answer(open_form: OpenForm, text: str) -> Step:
    """Record one reply to the current question (``open_form`` is changed in place)."""
    stripped = text.strip()
    if stripped.lower() in CANCEL_WORDS:
        return Step(message="Cancelled. Nothing was sent.", cancelled=True)
    current = open_form.next_field
    assert current is not None
    value = stripped
    if stripped.lower() in SKIP_WORDS:
        if current.required:
            return Step(message=f"{current.label} is required. Reply with your answer.")
        value = current.default
    if current.required and not value:
        return Step(message=f"{current.label} is required. Reply with your answer.")
    if len(value) > current.max_length:
        return Step(
            message=f"That is too long for {current.label}: it fits {current.max_length} "
            f"characters and you sent {len(value)}. Reply with a shorter answer."
        )
    open_form.answers[current.name] = value
    if open_form.next_field is None:
        return Step(finished=dict(open_form.answers))
    return Step(message=question(open_form))


class FormStore:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def save(self, open_form: OpenForm) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                """INSERT OR REPLACE INTO matrix_forms
                   (user_key, room_id, form, answers, place_key, created_at)
                   VALUES (?, ?, ?, ?, ?, ?)""",
                (
                    open_form.user_key,
                    open_form.room_id,
                    open_form.form.model_dump_json(),
                    json.dumps(open_form.answers),
                    open_form.place_key,
                    to_db(self.clock.now()),
                ),
            )

    async def open_for(self, user_key: str, room_id: str) -> OpenForm | None:
        """The person's form in progress in this room, unless it was left idle too long."""
        row = await self.db.fetch_one(
            """SELECT * FROM matrix_forms WHERE user_key = ? AND room_id = ? AND created_at > ?""",
            (user_key, room_id, to_db(self.clock.now() - FORM_IDLE)),
        )
        if row is None:
            return None
        return OpenForm(
            user_key=str(row["user_key"]),
            room_id=str(row["room_id"]),
            form=Form.model_validate_json(row["form"]),
            answers=dict(json.loads(row["answers"])),
            place_key=None if row["place_key"] is None else str(row["place_key"]),
        )

    async def purge_idle(self) -> int:
        """Drop forms left idle (and the answers typed into them)."""
        async with self.db.transaction() as tx:
            return await tx.execute(
                "DELETE FROM matrix_forms WHERE created_at <= ?",
                (to_db(self.clock.now() - FORM_IDLE),),
            )

    async def close(self, user_key: str) -> None:
        async with self.db.transaction() as tx:
            await tx.execute("DELETE FROM matrix_forms WHERE user_key = ?", (user_key,))


async def export_forms(tx: Transaction, user_key: str) -> list[dict[str, object]]:
    rows = await tx.fetch_all(
        "SELECT form, answers, created_at FROM matrix_forms WHERE user_key = ?", (user_key,)
    )
    return [
        {
            "form": Form.model_validate_json(row["form"]).title,
            "answers so far": json.loads(row["answers"]),
            "started": str(row["created_at"]),
        }
        for row in rows
    ]


async def delete_forms(tx: Transaction, user_key: str) -> int:
    return await tx.execute("DELETE FROM matrix_forms WHERE user_key = ?", (user_key,))
