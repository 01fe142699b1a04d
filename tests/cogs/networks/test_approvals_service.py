"""Layer 1: join requests on a real SQLite file, without any platform: one pending request per
person and network, one message per coordinator however often someone asks, a decision taken
once, and a membership only from an approval."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.audit import AuditLog
from bot.clock import FakeClock
from bot.commands import Role
from bot.errors import UserError
from bot.outbox import Outbox
from bot.storage import Database
from cogs.networks.approvals import Approvals
from cogs.networks.models import Network
from cogs.networks.service import NetworkService


@pytest.fixture
async def invite_only(service: NetworkService) -> Network:
    network = await service.create(
        slug="yarn", name="Yarning Circle", timezone="Australia/Sydney", description=""
    )
    await service.set_role("console:casey", network.id, Role.COORDINATOR)
    await service.set_role("console:kim", network.id, Role.COORDINATOR)
    return await service.edit(network.id, actor_key="console:casey", joining="approval")


@pytest.fixture
def approvals(db: Database, clock: FakeClock) -> Approvals:
    return Approvals(db, clock, AuditLog(db, clock), Outbox(db, clock))


async def outbox_keys(db: Database) -> list[str]:
    return [str(r["key"]) for r in await db.fetch_all("SELECT key FROM outbox ORDER BY id")]


async def test_edit_refuses_an_unknown_way_of_joining(
    service: NetworkService, invite_only: Network
) -> None:
    assert invite_only.invite_only
    with pytest.raises(UserError, match="Joining must be 'open'"):
        await service.edit(invite_only.id, actor_key="console:casey", joining="secret")
    assert (await service.get(invite_only.id)).joining == "approval"


async def test_asking_twice_tells_each_coordinator_once(
    db: Database, approvals: Approvals, invite_only: Network
) -> None:
    assert await approvals.ask("console:sam", invite_only)
    assert not await approvals.ask("console:sam", invite_only)
    assert await outbox_keys(db) == [
        "join-request:1:ask:console:casey",
        "join-request:1:ask:console:kim",
    ]
    # A fresh service (a restart) finds the same pending request and sends nothing.
    again = Approvals(db, approvals.clock, approvals.audit, Outbox(db, approvals.clock))
    assert not await again.ask("console:sam", invite_only)
    assert len(await outbox_keys(db)) == 2


async def test_a_decision_is_taken_once(
    db: Database, service: NetworkService, approvals: Approvals, invite_only: Network
) -> None:
    await approvals.ask("console:sam", invite_only)
    [request] = await approvals.pending(invite_only.id)
    assert (
        await approvals.decide(
            request, invite_only, actor_key="console:kim", approve=False, welcome=""
        )
        is False
    )
    with pytest.raises(UserError, match="already declined"):
        await approvals.decide(
            request, invite_only, actor_key="console:casey", approve=True, welcome="Welcome"
        )
    assert await service.role_in("console:sam", invite_only.id) is None
    assert await approvals.pending(invite_only.id) == []
    assert (await outbox_keys(db))[-1] == "join-request:1:answer"


async def test_only_an_approval_makes_a_member(
    service: NetworkService, approvals: Approvals, invite_only: Network
) -> None:
    await approvals.ask("console:sam", invite_only)
    assert await service.role_in("console:sam", invite_only.id) is None
    [request] = await approvals.pending(invite_only.id)
    joined = await approvals.decide(
        request, invite_only, actor_key="console:casey", approve=True, welcome="Welcome"
    )
    assert joined
    assert await service.role_in("console:sam", invite_only.id) is Role.MEMBER
    assert await approvals.pending_names("console:sam") == []


async def test_decided_requests_are_deleted_after_30_days(
    db: Database, clock: FakeClock, approvals: Approvals, invite_only: Network
) -> None:
    await approvals.ask("console:sam", invite_only)
    await approvals.ask("console:tia", invite_only)
    [first, _] = await approvals.pending(invite_only.id)
    await approvals.decide(first, invite_only, actor_key="console:casey", approve=False, welcome="")
    clock.advance(timedelta(days=29))
    await approvals.purge_decided()
    assert len(await db.fetch_all("SELECT id FROM join_requests")) == 2
    clock.advance(timedelta(days=2))
    await approvals.purge_decided()
    rows = await db.fetch_all("SELECT user_key, status FROM join_requests")
    assert [(r["user_key"], r["status"]) for r in rows] == [("console:tia", "pending")]
