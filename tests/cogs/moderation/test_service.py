"""Layer 1: the moderation service and its rules against a real SQLite file."""

from __future__ import annotations

import pytest

from bot.clock import FakeClock
from bot.errors import UserError
from bot.identity import MessageRef, PlaceRef, user_from_key
from bot.storage import Database
from cogs.moderation import repository as repo
from cogs.moderation.models import check_slowmode, parse_message_link
from cogs.moderation.service import ModerationService
from tests.cogs.moderation.conftest import SOUTH_LINK, ModPort

GENERAL = PlaceRef(platform="console", id="general")


async def outbox_rows(db: Database) -> list[tuple[str, str, str]]:
    rows = await db.fetch_all("SELECT key, platform, target_id FROM outbox ORDER BY key")
    return [(r["key"], r["platform"], r["target_id"]) for r in rows]


async def audit_rows(db: Database) -> list[tuple[str, str, int | None, str, str]]:
    rows = await db.fetch_all(
        "SELECT actor_key, action, network_id, target, detail FROM audit_log ORDER BY id"
    )
    return [(r["actor_key"], r["action"], r["network_id"], r["target"], r["detail"]) for r in rows]


def test_message_links_are_taken_apart() -> None:
    linked = parse_message_link(f" {SOUTH_LINK} ")
    assert (linked.space_id, linked.channel_id, linked.message_id) == ("111", "222", "333")
    assert linked.ref("discord").place.key == "discord:222"
    assert parse_message_link("https://ptb.discord.com/channels/1/2/3/").message_id == "3"


@pytest.mark.parametrize(
    "link",
    [
        "",
        "hello",
        "https://discord.com/channels/111/222",
        "https://evil.example/channels/1/2/3",
        "http://discord.com/channels/1/2/3",
        "https://discord.com/channels/1/2/3x",
    ],
)
def test_bad_message_links_are_refused(link: str) -> None:
    with pytest.raises(UserError, match="not a message link"):
        parse_message_link(link)


def test_a_link_to_another_server_is_refused() -> None:
    with pytest.raises(UserError, match="another server"):
        parse_message_link(SOUTH_LINK, space_id="999")


@pytest.mark.parametrize("seconds", [-1, 21601, 100000])
def test_slowmode_out_of_range_is_refused(seconds: int) -> None:
    with pytest.raises(UserError, match="from 0 to 21600 seconds"):
        check_slowmode(seconds)


def test_user_keys_become_user_refs() -> None:
    ref = user_from_key("discord:1234")
    assert (ref.platform, ref.id, ref.key) == ("discord", "1234", "discord:1234")
    with pytest.raises(ValueError):
        user_from_key("nobody")


async def test_lock_and_slowmode_call_the_port_and_are_audited(
    service: ModerationService, db: Database
) -> None:
    port = ModPort()
    await service.lock(port, "console:carol", 1, GENERAL, locked=True)
    await service.slowmode(port, "console:carol", 1, GENERAL, 30)
    assert port.calls == [("lock", "general", True), ("slowmode", "general", 30)]
    assert await audit_rows(db) == [
        ("console:carol", "mod.lock", 1, "console:general", ""),
        ("console:carol", "mod.slowmode", 1, "console:general", "30 seconds"),
    ]


async def test_a_lock_keeps_the_networks_executives_and_coordinators_posting(
    service: ModerationService, db: Database
) -> None:
    """The network's staff roles (set-up records them beside its member role) are what the
    platform keeps posting; the member role and other networks' roles are not."""
    rows = [
        (1, "discord:9", "member-role"),
        (1, "discord:9|executive", "executives-role"),
        (1, "discord:9|coordinator", "coordinators-role"),
        (2, "discord:9|coordinator", "hunter-coordinators"),
    ]
    async with db.transaction() as tx:
        for row in rows:
            await tx.execute(
                "INSERT INTO network_roles (network_id, space_key, role_id) VALUES (?, ?, ?)", row
            )
    port = ModPort()
    await service.lock(port, "console:carol", 1, GENERAL, locked=True)
    assert set(port.kept_posting) == {"executives-role", "coordinators-role"}
    await service.archive(port, "console:carol", 2, GENERAL)
    assert port.kept_posting == ("hunter-coordinators",)


async def test_slowmode_out_of_range_changes_nothing(
    service: ModerationService, db: Database
) -> None:
    port = ModPort()
    with pytest.raises(UserError):
        await service.slowmode(port, "console:carol", 1, GENERAL, 21601)
    assert port.calls == []
    assert await audit_rows(db) == []


async def test_archiving_a_channel_locks_it_instead(service: ModerationService) -> None:
    port = ModPort()
    thread = PlaceRef(platform="console", id="thread-1")
    assert await service.archive(port, "console:carol", 1, thread)
    assert not await service.archive(port, "console:carol", 1, GENERAL)
    assert port.calls == [("archive", "thread-1", True), ("lock", "general", True)]


async def test_a_report_tells_each_coordinator_once(
    service: ModerationService, db: Database
) -> None:
    report_id, told = await service.report("console:mia", 1, "Someone is upset", SOUTH_LINK)
    assert told == 2
    assert await outbox_rows(db) == [
        (f"report:{report_id}:console:carol", "console", "carol"),
        (f"report:{report_id}:console:cody", "console", "cody"),
    ]
    [report] = await service.reports(1, closed=False)
    assert (report.concern, report.message_link, report.status) == (
        "Someone is upset",
        SOUTH_LINK,
        "open",
    )
    assert await service.reports(2, closed=False) == []
    # the audit names neither the reporter nor the concern
    [row] = await audit_rows(db)
    assert row == ("a-member", "mod.report", 1, f"report:{report_id}", "with a message link")


async def test_closing_a_report_tells_the_reporter(
    service: ModerationService, db: Database, clock: FakeClock
) -> None:
    report_id, _ = await service.report("console:mia", 1, "Someone is upset", None)
    closed = await service.close("console:carol", 1, report_id, "Talked it through")
    assert (closed.status, closed.closed_by, closed.closing_note) == (
        "closed",
        "console:carol",
        "Talked it through",
    )
    assert (f"report:{report_id}:closed", "console", "mia") in await outbox_rows(db)
    message = await db.fetch_one(
        "SELECT message_json FROM outbox WHERE key = ?", (f"report:{report_id}:closed",)
    )
    assert message is not None and "Talked it through" not in message["message_json"]
    with pytest.raises(UserError, match="already closed"):
        await service.close("console:carol", 1, report_id, "again")
    assert [r.id for r in await service.reports(1, closed=True)] == [report_id]


async def test_a_report_cannot_be_closed_from_another_network(
    service: ModerationService,
) -> None:
    report_id, _ = await service.report("console:mia", 1, "Concern", None)
    with pytest.raises(UserError, match="no report number"):
        await service.close("console:hana", 2, report_id, "not mine")
    [report] = await service.reports(1, closed=False)
    assert report.status == "open"


async def test_guidelines_are_saved_and_audited_without_their_text(
    service: ModerationService, db: Database
) -> None:
    await service.set_guidelines("console:carol", 1, "  Be kind.  ")
    assert await service.guidelines(1) == "Be kind."
    [row] = await audit_rows(db)
    assert row == ("console:carol", "mod.guidelines", 1, "network:1", "8 characters")
    with pytest.raises(UserError, match="at most 2000"):
        await service.set_guidelines("console:carol", 1, "x" * 2001)
    assert await service.guidelines(1) == "Be kind."


async def test_privacy_export_and_delete_of_reports(
    service: ModerationService, db: Database
) -> None:
    report_id, _ = await service.report("console:mia", 1, "My concern", None)
    await service.report("console:hugo", 2, "Other concern", None)
    await service.close("console:carol", 1, report_id, "done")
    async with db.reading() as tx:
        exported = await service.export_reports(tx, "console:mia")
    assert [(r["id"], r["concern"], r["status"]) for r in exported] == [
        (report_id, "My concern", "closed")
    ]
    async with db.transaction() as tx:
        assert await repo.delete_person(tx, "console:mia") == 1
        assert await repo.delete_person(tx, "console:carol") == 0
    assert await service.reports(1, closed=True) == []
    assert len(await service.reports(2, closed=False)) == 1


class NotOursPort(ModPort):
    async def is_own_message(self, message: MessageRef) -> bool:
        return False


async def test_only_the_bots_own_notices_are_pinned(
    service: ModerationService, db: Database
) -> None:
    message = MessageRef(place=PlaceRef(platform="discord", id="20"), id="30")
    port = NotOursPort()
    with pytest.raises(UserError, match="only its own notices"):
        await service.pin(port, "console:carol", 1, message, pinned=True)
    assert port.calls == []
    ours = ModPort()
    await service.pin(ours, "console:carol", 1, message, pinned=True)
    assert ours.calls == [("pin", "20/30", True)]
