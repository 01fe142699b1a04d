"""SQL for questions to the coordinators: ``questions`` (one exchange) and
``question_messages`` (its text). Every function takes the caller's transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.clock import from_db, to_db
from bot.storage import Row, Transaction
from cogs.questions.models import Direction, Message, Question, ShareState, Status


def _when(value: Any) -> dt.datetime | None:
    return None if value is None else from_db(str(value))


def _question(row: Row) -> Question:
    state = row["share_state"]
    created = _when(row["created_at"])
    assert created is not None
    return Question(
        id=int(row["id"]),
        network_id=int(row["network_id"]),
        asker_key=str(row["asker_key"]),
        status=Status(str(row["status"])),
        created_at=created,
        closed_at=_when(row["closed_at"]),
        forget_after=_when(row["forget_after"]),
        share_text=None if row["share_text"] is None else str(row["share_text"]),
        share_state=None if state is None else ShareState(str(state)),
        share_revision=int(row["share_revision"]),
    )


def _message(row: Row) -> Message:
    created = _when(row["created_at"])
    assert created is not None
    return Message(
        id=int(row["id"]),
        question_id=int(row["question_id"]),
        direction=Direction(str(row["direction"])),
        author_key=str(row["author_key"]),
        body=str(row["body"]),
        created_at=created,
    )


async def add(tx: Transaction, network_id: int, asker_key: str, text: str, now: dt.datetime) -> int:
    question_id = await tx.insert(
        """INSERT INTO questions (network_id, asker_key, status, created_at)
           VALUES (?, ?, 'open', ?)""",
        (network_id, asker_key, to_db(now)),
    )
    await add_message(tx, question_id, Direction.QUESTION, asker_key, text, now)
    return question_id


async def add_message(
    tx: Transaction,
    question_id: int,
    direction: Direction,
    author_key: str,
    text: str,
    now: dt.datetime,
) -> int:
    return await tx.insert(
        """INSERT INTO question_messages (question_id, direction, author_key, body, created_at)
           VALUES (?, ?, ?, ?, ?)""",
        (question_id, direction.value, author_key, text, to_db(now)),
    )


async def get(tx: Transaction, question_id: int) -> Question | None:
    row = await tx.fetch_one("SELECT * FROM questions WHERE id = ?", (question_id,))
    return None if row is None else _question(row)


async def messages(tx: Transaction, question_id: int) -> list[Message]:
    rows = await tx.fetch_all(
        "SELECT * FROM question_messages WHERE question_id = ? ORDER BY id", (question_id,)
    )
    return [_message(r) for r in rows]


async def first_text(tx: Transaction, question_id: int) -> str:
    value = await tx.fetch_value(
        """SELECT body FROM question_messages WHERE question_id = ? AND direction = 'question'
           ORDER BY id LIMIT 1""",
        (question_id,),
    )
    return "" if value is None else str(value)


async def of_asker(tx: Transaction, asker_key: str) -> list[Question]:
    rows = await tx.fetch_all(
        "SELECT * FROM questions WHERE asker_key = ? ORDER BY id", (asker_key,)
    )
    return [_question(r) for r in rows]


async def open_in(tx: Transaction, network_id: int) -> list[Question]:
    rows = await tx.fetch_all(
        "SELECT * FROM questions WHERE network_id = ? AND status = 'open' ORDER BY id",
        (network_id,),
    )
    return [_question(r) for r in rows]


async def close(
    tx: Transaction, question_id: int, now: dt.datetime, forget_after: dt.datetime
) -> bool:
    """Close it once: two closes at the same instant change it once."""
    changed = await tx.execute(
        """UPDATE questions SET status = 'closed', closed_at = ?, forget_after = ?
           WHERE id = ? AND status = 'open'""",
        (to_db(now), to_db(forget_after), question_id),
    )
    return changed == 1


async def propose_share(tx: Transaction, question_id: int, text: str) -> int:
    """A new de-identified version to ask the member about; returns its revision."""
    await tx.execute(
        """UPDATE questions SET share_text = ?, share_state = 'asked',
               share_revision = share_revision + 1
           WHERE id = ?""",
        (text, question_id),
    )
    value = await tx.fetch_value(
        "SELECT share_revision FROM questions WHERE id = ?", (question_id,)
    )
    return int(value)


async def answer_share(tx: Transaction, question_id: int, revision: int, state: ShareState) -> bool:
    """The member's yes or no, only to the version they were shown, and only once."""
    changed = await tx.execute(
        """UPDATE questions SET share_state = ?
           WHERE id = ? AND share_revision = ? AND share_state = 'asked'""",
        (state.value, question_id, revision),
    )
    return changed == 1


async def due_to_forget(tx: Transaction, now: dt.datetime) -> list[int]:
    rows = await tx.fetch_all(
        "SELECT id FROM questions WHERE forget_after IS NOT NULL AND forget_after <= ?",
        (to_db(now),),
    )
    return [int(r["id"]) for r in rows]


async def delete(tx: Transaction, question_id: int) -> int:
    """The question and its whole exchange (the messages go with it)."""
    return await tx.execute("DELETE FROM questions WHERE id = ?", (question_id,))


async def forget_outbox_text(tx: Transaction, question_id: int, placeholder: str) -> int:
    """The outbox keeps each message it sent for a while: a forgotten question's text goes
    from there too (the rows stay, so a key is never queued twice)."""
    prefix = f"question:{question_id}:"
    return await tx.execute(
        "UPDATE outbox SET message_json = ? WHERE substr(key, 1, ?) = ?",
        (placeholder, len(prefix), prefix),
    )


# ---- privacy ------------------------------------------------------------------------------


async def export_person(tx: Transaction, user_key: str) -> dict[str, list[dict[str, Any]]]:
    asked = await tx.fetch_all(
        """SELECT q.*, n.slug FROM questions q JOIN networks n ON n.id = q.network_id
           WHERE q.asker_key = ? ORDER BY q.id""",
        (user_key,),
    )
    mine = []
    for row in asked:
        exchange = await messages(tx, int(row["id"]))
        mine.append(
            {
                "number": int(row["id"]),
                "network": str(row["slug"]),
                "status": str(row["status"]),
                "asked_at": str(row["created_at"]),
                "closed_at": row["closed_at"],
                "text_deleted_after": row["forget_after"],
                "shared_with_the_network": row["share_state"] == ShareState.SHARED.value,
                "exchange": [
                    {
                        "from": "you" if m.direction is not Direction.TO_MEMBER else "staff",
                        "written_by": m.author_key,
                        "text": m.body,
                        "at": m.created_at.isoformat(),
                    }
                    for m in exchange
                ],
            }
        )
    written = await tx.fetch_all(
        """SELECT m.* FROM question_messages m JOIN questions q ON q.id = m.question_id
           WHERE m.author_key = ? AND q.asker_key != ? ORDER BY m.id""",
        (user_key, user_key),
    )
    return {
        "questions_you_asked": mine,
        "replies_you_wrote_as_staff": [
            {"question": int(r["question_id"]), "text": str(r["body"]), "at": str(r["created_at"])}
            for r in written
        ],
    }


async def of_asker_ids(tx: Transaction, user_key: str) -> list[int]:
    rows = await tx.fetch_all("SELECT id FROM questions WHERE asker_key = ?", (user_key,))
    return [int(r["id"]) for r in rows]


async def unname_author(tx: Transaction, user_key: str, instead: str) -> int:
    return await tx.execute(
        "UPDATE question_messages SET author_key = ? WHERE author_key = ?", (instead, user_key)
    )


async def move_person(tx: Transaction, old_key: str, new_key: str) -> int:
    moved = await tx.execute(
        "UPDATE questions SET asker_key = ? WHERE asker_key = ?", (new_key, old_key)
    )
    moved += await tx.execute(
        "UPDATE question_messages SET author_key = ? WHERE author_key = ?", (new_key, old_key)
    )
    return moved
