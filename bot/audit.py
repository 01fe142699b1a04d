"""The audit log: every admin, coordinator and moderation action, recorded in the same
transaction as the change itself. It says who, what, when and in which network, and never
what anyone wrote: ``detail`` is for settings such as "30 seconds", not for text. ``reason``
is the one exception: the short reason a moderator gave for their own action (Red, Dyno and
Carl-bot keep one too), never a member's words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.clock import Clock, from_db, to_db
from bot.storage import Database, Transaction

DELETED_PERSON = "deleted-person"
#: Who is recorded for a person's own private action (starting a co-reflection, a report):
#: coordinators reading the log see "a member", and no filter by person can find it.
A_MEMBER = "a-member"
#: Actors that are not people, whose actions are never private to anyone.
NOT_PEOPLE = frozenset({"peerbot", DELETED_PERSON, A_MEMBER})


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor_key: str
    action: str
    network_id: int | None
    target: str
    detail: str
    reason: str = ""


class AuditLog:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self._private_actions: set[str] = set()

    def keep_actor_private(self, *actions: str) -> None:
        """Record these actions as done by "a member": they are a person's own private steps
        (starting or closing their co-reflection), which the log keeps a count of without
        telling coordinators who took them."""
        self._private_actions.update(actions)

    def recorded_actor(self, actor_key: str, action: str) -> str:
        """Who ``record`` writes down for ``actor_key`` doing ``action``."""
        if action in self._private_actions and actor_key not in NOT_PEOPLE:
            return A_MEMBER
        return actor_key

    async def record(
        self,
        tx: Transaction,
        *,
        actor_key: str,
        action: str,
        network_id: int | None,
        target: str = "",
        detail: str = "",
        reason: str = "",
    ) -> AuditEntry:
        """Record one action in the caller's transaction; returns it (its id names it for
        good: the modlog's outbox key is made from it)."""
        at = self.clock.now()
        actor_key = self.recorded_actor(actor_key, action)
        entry_id = await tx.insert(
            """INSERT INTO audit_log (at, actor_key, action, network_id, target, detail, reason)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            (to_db(at), actor_key, action, network_id, target, detail[:200], reason[:200]),
        )
        return AuditEntry(
            id=entry_id,
            at=at,
            actor_key=actor_key,
            action=action,
            network_id=network_id,
            target=target,
            detail=detail[:200],
            reason=reason[:200],
        )

    async def entries(
        self,
        *,
        network_ids: list[int] | None = None,
        action: str | None = None,
        actor_key: str | None = None,
        since: datetime | None = None,
        limit: int = 50,
    ) -> list[AuditEntry]:
        """Newest first. ``network_ids`` None means every network (admins)."""
        clauses: list[str] = []
        params: list[object] = []
        if network_ids is not None:
            marks = ",".join("?" for _ in network_ids) or "NULL"
            clauses.append(f"network_id IN ({marks})")
            params.extend(network_ids)
        if action:
            clauses.append("action LIKE ?")
            params.append(f"{action}%")
        if actor_key:
            clauses.append("actor_key = ?")
            params.append(actor_key)
        if since is not None:
            clauses.append("at >= ?")
            params.append(to_db(since))
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = await self.db.fetch_all(
            f"SELECT * FROM audit_log {where} ORDER BY at DESC, id DESC LIMIT ?",
            (*params, limit),
        )
        return [
            AuditEntry(
                id=int(r["id"]),
                at=from_db(r["at"]),
                actor_key=str(r["actor_key"]),
                action=str(r["action"]),
                network_id=r["network_id"],
                target=str(r["target"]),
                detail=str(r["detail"]),
                reason=str(r["reason"]),
            )
            for r in rows
        ]

    async def export_for(self, tx: Transaction, user_key: str) -> list[dict[str, object]]:
        rows = await tx.fetch_all(
            "SELECT at, action, network_id, target, detail, reason FROM audit_log "
            "WHERE actor_key = ?",
            (user_key,),
        )
        return [dict(r) for r in rows]

    async def move(self, tx: Transaction, old_key: str, new_key: str) -> int:
        """Linking two accounts: their actions, and the actions done to them, are one
        person's."""
        moved = await tx.execute(
            "UPDATE audit_log SET actor_key = ? WHERE actor_key = ?", (new_key, old_key)
        )
        return moved + await tx.execute(
            "UPDATE audit_log SET target = ? WHERE target = ?", (new_key, old_key)
        )

    async def forget(self, tx: Transaction, user_key: str) -> int:
        """On deletion the actions stay (accountability) but no longer name the person, as
        the one who acted or as the one acted on."""
        forgotten = await tx.execute(
            "UPDATE audit_log SET actor_key = ? WHERE actor_key = ?", (DELETED_PERSON, user_key)
        )
        return forgotten + await tx.execute(
            "UPDATE audit_log SET target = ? WHERE target = ?", (DELETED_PERSON, user_key)
        )
