"""Invite-only networks: for a network whose joining needs approval, a join is a request that
a coordinator approves or declines.

A request is one row (at most one pending per person and network). Asking queues one private
message per coordinator (per request and coordinator in the outbox key, so a repeat or a
restart never sends it twice) with Approve and Decline buttons. Approving makes the person a
member in the same transaction that queues their welcome; the caller then gives the platform
roles, exactly as an open join does. Declining tells the person kindly, with no reason asked.
Until then the person is not a member, so nothing that needs membership is shown to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.audit import AuditLog
from bot.clock import Clock, from_db, to_db
from bot.commands import Role
from bot.errors import UserError
from bot.identity import user_from_key
from bot.mentions import moment, person
from bot.outbox import Outbox
from bot.privacy import move_rows
from bot.replies import ActionRef, Button, ButtonStyle, Reply
from bot.storage import Database, Row, Transaction
from cogs.networks import repository as repo
from cogs.networks.models import Network
from cogs.networks.queries import coordinators

APPROVE_ACTION = "network-request-approve"
DECLINE_ACTION = "network-request-decline"
#: Audit actions. Asking and withdrawing are recorded with the person who asked as the actor
#: (coordinators must act on a request, so they see who); a decision has them as its target.
ASKED, APPROVED, DECLINED, WITHDRAWN = (
    "network.join.ask",
    "network.join.approve",
    "network.join.decline",
    "network.join.withdraw",
)
#: How long a decided or withdrawn request is kept (so a late press of a button still says
#: what happened); then it is deleted. The audit log keeps who decided.
KEEP_DECIDED = timedelta(days=30)
#: How many pending requests a list gives buttons for (two each; Discord allows 25 a message).
BUTTONS_FOR = 5

_STATUS_WORDS = {
    "approved": "already approved",
    "declined": "already declined",
    "withdrawn": "taken back by the person who asked",
}


@dataclass(frozen=True)
class JoinRequest:
    id: int
    network_id: int
    user_key: str
    status: str
    asked_at: datetime


def _request(row: Row) -> JoinRequest:
    return JoinRequest(
        id=int(row["id"]),
        network_id=int(row["network_id"]),
        user_key=str(row["user_key"]),
        status=str(row["status"]),
        asked_at=from_db(row["asked_at"]),
    )


def request_buttons(request_id: int, *, numbered: bool = False) -> list[Button]:
    suffix = f" request {request_id}" if numbered else ""
    return [
        Button(
            label=f"Approve{suffix}",
            action=ActionRef(action=APPROVE_ACTION, payload=str(request_id)),
            style=ButtonStyle.SUCCESS,
        ),
        Button(
            label=f"Decline{suffix}",
            action=ActionRef(action=DECLINE_ACTION, payload=str(request_id)),
            style=ButtonStyle.DANGER,
        ),
    ]


def asked_text(network: Network) -> str:
    """What the person sees once their request is recorded."""
    return (
        f"{network.name} is invite-only: joining needs a coordinator's approval. I have sent "
        "your request to its coordinators, privately, and a coordinator will look at it. "
        "Until then you are not a member: you do not see the network's channels, members or "
        "meetings, and its members are not told you asked. You will get a private message "
        f"when it is decided. To take the request back: /network withdraw network:{network.slug}"
    )


def declined_text(network: Network) -> str:
    return (
        f"Thank you for asking to join {network.name}. A coordinator has not approved the "
        "request this time, so you are not a member. Nothing about you was shared with the "
        "network's members. You can see the other networks with /network list."
    )


class Approvals:
    """Join requests: ask, decide, withdraw, and what a coordinator sees."""

    def __init__(self, db: Database, clock: Clock, audit: AuditLog, outbox: Outbox) -> None:
        self.db = db
        self.clock = clock
        self.audit = audit
        self.outbox = outbox

    async def ask(self, user_key: str, network: Network) -> bool:
        """Record a request and tell the coordinators (the admins when the network has none)
        once; False when one is already pending (nothing new is sent)."""
        now = self.clock.now()
        async with self.db.transaction() as tx:
            if await _pending(tx, network.id, user_key) is not None:
                return False
            request_id = await tx.insert(
                """INSERT INTO join_requests (network_id, user_key, status, asked_at)
                   VALUES (?, ?, 'pending', ?)""",
                (network.id, user_key, to_db(now)),
            )
            deciders = await coordinators(tx, network.id) or await _admins(tx)
            message = Reply(
                text=(
                    f"{person(user_key)} asked to join {network.name}, which needs a "
                    "coordinator's approval. Approve to make them a member (they then see the "
                    "network's channels and get the welcome), or decline (they are told "
                    "kindly; no reason is needed). All pending requests: "
                    f"/manage network requests network:{network.slug}"
                ),
                buttons=request_buttons(request_id),
                private=True,
            )
            for key in deciders:
                if key != user_key:
                    await self.outbox.enqueue(
                        tx,
                        key=f"join-request:{request_id}:ask:{key}",
                        target=user_from_key(key),
                        message=message,
                    )
            await self.audit.record(tx, actor_key=user_key, action=ASKED, network_id=network.id)
        self.outbox.notify()
        return True

    async def get(self, request_id: int) -> JoinRequest:
        async with self.db.reading() as tx:
            row = await tx.fetch_one("SELECT * FROM join_requests WHERE id = ?", (request_id,))
        if row is None:
            raise UserError(
                f"There is no request number {request_id} (the person may have deleted their "
                "data). Nothing was changed."
            )
        return _request(row)

    async def decide(
        self, request: JoinRequest, network: Network, *, actor_key: str, approve: bool, welcome: str
    ) -> bool:
        """Approve (the person becomes a member and is sent ``welcome``) or decline (they are
        told kindly). False if they were already a member (approved some other way)."""
        now = self.clock.now()
        async with self.db.transaction() as tx:
            changed = await tx.execute(
                """UPDATE join_requests SET status = ?, decided_at = ?
                   WHERE id = ? AND status = 'pending'""",
                ("approved" if approve else "declined", to_db(now), request.id),
            )
            if changed != 1:
                fresh = await tx.fetch_one(
                    "SELECT status FROM join_requests WHERE id = ?", (request.id,)
                )
                status = str(fresh["status"]) if fresh else "withdrawn"
                raise UserError(
                    f"That request was {_STATUS_WORDS.get(status, status)}. Nothing was changed."
                )
            joined = False
            if approve and await repo.role_in(tx, request.user_key, network.id) is None:
                await repo.set_role(tx, request.user_key, network.id, Role.MEMBER, now)
                joined = True
            await self.outbox.enqueue(
                tx,
                key=f"join-request:{request.id}:answer",
                target=user_from_key(request.user_key),
                message=Reply.private_text(welcome if approve else declined_text(network)),
            )
            await self.audit.record(
                tx,
                actor_key=actor_key,
                action=APPROVED if approve else DECLINED,
                network_id=network.id,
                target=request.user_key,
            )
        self.outbox.notify()
        return joined

    async def withdraw(self, user_key: str, network: Network) -> bool:
        """Take back one's own pending request; False if there was none."""
        async with self.db.transaction() as tx:
            changed = await tx.execute(
                """UPDATE join_requests SET status = 'withdrawn', decided_at = ?
                   WHERE network_id = ? AND user_key = ? AND status = 'pending'""",
                (to_db(self.clock.now()), network.id, user_key),
            )
            if changed:
                await self.audit.record(
                    tx, actor_key=user_key, action=WITHDRAWN, network_id=network.id
                )
        return changed == 1

    async def purge_decided(self) -> None:
        """Delete requests decided or withdrawn more than ``KEEP_DECIDED`` ago."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "DELETE FROM join_requests WHERE status != 'pending' AND decided_at < ?",
                (to_db(self.clock.now() - KEEP_DECIDED),),
            )

    async def pending(self, network_id: int) -> list[JoinRequest]:
        async with self.db.reading() as tx:
            rows = await tx.fetch_all(
                """SELECT * FROM join_requests WHERE network_id = ? AND status = 'pending'
                   ORDER BY asked_at, id""",
                (network_id,),
            )
        return [_request(r) for r in rows]

    async def is_pending(self, user_key: str, network_id: int) -> bool:
        async with self.db.reading() as tx:
            return await _pending(tx, network_id, user_key) is not None

    async def pending_names(self, user_key: str) -> list[tuple[str, str]]:
        """(name, slug) of the networks the person is waiting to join."""
        async with self.db.reading() as tx:
            rows = await tx.fetch_all(
                """SELECT n.name, n.slug FROM join_requests r JOIN networks n ON n.id = r.network_id
                   WHERE r.user_key = ? AND r.status = 'pending' AND n.archived_at IS NULL
                   ORDER BY n.name""",
                (user_key,),
            )
        return [(str(r["name"]), str(r["slug"])) for r in rows]

    def listing(self, network: Network, requests: list[JoinRequest]) -> Reply:
        """What /manage network requests shows a coordinator."""
        if not requests:
            return Reply.private_text(f"Nobody is waiting to join {network.name}.")
        zone = ZoneInfo(network.timezone)
        lines = [
            f"{len(requests)} request{'s' if len(requests) != 1 else ''} to join "
            f"{network.name}, oldest first:"
        ]
        buttons: list[Button] = []
        for request in requests:
            lines.append(
                f"- Request {request.id}: {person(request.user_key)}, asked "
                f"{moment(request.asked_at.astimezone(zone))}"
            )
            if len(buttons) < 2 * BUTTONS_FOR:
                buttons += request_buttons(request.id, numbered=True)
        if len(requests) > BUTTONS_FOR:
            lines.append(
                f"The buttons are for the first {BUTTONS_FOR}; decide those, then list again."
            )
        return Reply(text="\n".join(lines), buttons=buttons, private=True)


async def _pending(tx: Transaction, network_id: int, user_key: str) -> Row | None:
    return await tx.fetch_one(
        """SELECT * FROM join_requests
           WHERE network_id = ? AND user_key = ? AND status = 'pending'""",
        (network_id, user_key),
    )


async def _admins(tx: Transaction) -> list[str]:
    rows = await tx.fetch_all("SELECT user_key FROM admins ORDER BY user_key")
    return [str(r["user_key"]) for r in rows]


# ---- privacy ------------------------------------------------------------------------------


async def export_requests(tx: Transaction, user_key: str) -> list[dict[str, Any]]:
    rows = await tx.fetch_all(
        """SELECT n.slug, r.status, r.asked_at, r.decided_at FROM join_requests r
           JOIN networks n ON n.id = r.network_id WHERE r.user_key = ? ORDER BY r.id""",
        (user_key,),
    )
    return [
        {
            "network": r["slug"],
            "status": r["status"],
            "asked_at": r["asked_at"],
            "decided_at": r["decided_at"],
        }
        for r in rows
    ]


async def delete_requests(tx: Transaction, user_key: str) -> int:
    return await tx.execute("DELETE FROM join_requests WHERE user_key = ?", (user_key,))


async def move_requests(tx: Transaction, old_key: str, new_key: str) -> int:
    return await move_rows(tx, "join_requests", "user_key", old_key, new_key)
