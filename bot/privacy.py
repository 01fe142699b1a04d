"""Every cog that stores something about a person says what, why and for how long, and
registers how to export and delete it, so one command covers the whole bot."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.storage import Database, Transaction

ExportHook = Callable[[Transaction, str], Awaitable[Any]]
DeleteHook = Callable[[Transaction, str], Awaitable[int]]
#: Move everything held under one identity onto another (linking two accounts of a person).
MoveHook = Callable[[Transaction, str, str], Awaitable[int]]


@dataclass(frozen=True)
class DataStatement:
    """Plain words for /privacy policy."""

    area: str
    what: str
    why: str
    kept_for: str


@dataclass(frozen=True)
class _Hooks:
    statement: DataStatement
    export: ExportHook
    delete: DeleteHook
    move: MoveHook | None


class PrivacyHooks:
    def __init__(self) -> None:
        self._hooks: dict[str, _Hooks] = {}

    def register(
        self,
        name: str,
        statement: DataStatement,
        export: ExportHook,
        delete: DeleteHook,
        move: MoveHook | None = None,
    ) -> None:
        """``move`` is required for data keyed by person: a test checks every cog gives one."""
        if name in self._hooks:
            raise ValueError(f"privacy hooks for {name!r} registered twice")
        self._hooks[name] = _Hooks(statement, export, delete, move)

    @property
    def without_move(self) -> list[str]:
        return [name for name, hooks in self._hooks.items() if hooks.move is None]

    @property
    def statements(self) -> list[DataStatement]:
        return [h.statement for h in self._hooks.values()]

    @property
    def names(self) -> list[str]:
        return list(self._hooks)

    async def export(self, db: Database, user_key: str) -> dict[str, Any]:
        """Everything every cog holds about the person, read in one consistent snapshot."""
        async with db.reading() as tx:
            return {name: await hooks.export(tx, user_key) for name, hooks in self._hooks.items()}

    async def delete(self, db: Database, user_key: str) -> dict[str, int]:
        """Delete it all in one transaction: if any cog fails, nothing is deleted."""
        async with db.transaction() as tx:
            return await self.delete_in(tx, user_key)

    async def delete_in(self, tx: Transaction, user_key: str) -> dict[str, int]:
        return {name: await hooks.delete(tx, user_key) for name, hooks in self._hooks.items()}

    async def move_in(self, tx: Transaction, old_key: str, new_key: str) -> dict[str, int]:
        """Move every cog's data from ``old_key`` to ``new_key`` in the caller's transaction."""
        return {
            name: await hooks.move(tx, old_key, new_key)
            for name, hooks in self._hooks.items()
            if hooks.move is not None
        }


async def move_rows(tx: Transaction, table: str, column: str, old_key: str, new_key: str) -> int:
    """Re-key ``table.column`` from one identity to another. Where the new key already has a
    row for the same thing (a unique constraint), the new key's row is kept and the old one
    dropped: the account that started the link wins. Table and column names come from code,
    never from people."""
    moved = await tx.execute(
        f"UPDATE OR IGNORE {table} SET {column} = ? WHERE {column} = ?", (new_key, old_key)
    )
    await tx.execute(f"DELETE FROM {table} WHERE {column} = ?", (old_key,))
    return moved
