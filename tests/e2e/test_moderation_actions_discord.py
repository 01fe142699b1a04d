"""Moderation that coordinators expect (issue 14, item 9, first half), end to end: the real
peerbot on the fake Discord, with a FakeClock the test moves.

Carol, Coast's coordinator, chooses a private modlog channel in Coast's category and locks
#coast-general for two hours with a reason: members can no longer post there, Discord's audit
log gets the reason (X-Audit-Log-Reason), a notice in the channel says until when and why, and
the modlog gets the entry. peerbot is then down past the end of the lock; started again, it
unlocks the channel by itself, once, with a notice, and a further restart does nothing more.
The reason starts with "@everyone": the notice and the modlog line ping nobody (the fixture
checks every message peerbot sent).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.clock import FakeClock
from tests.e2e.fakediscord import FakeDiscord, RecordedRequest
from tests.e2e.peerbot_on_fake import PeerbotOnFake
from tests.e2e.test_networks_discord import (
    COORDINATOR,
    EPHEMERAL,
    MEMBER,
    VIEW_CHANNEL,
    create_coast,
    mod,
)

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)  # 20:00 AEDT in Sydney
END = NOW + timedelta(hours=2)
REASON = "@everyone: a client's full name was posted; pausing while we remove it"
TIMED_END = "peerbot: the timed lock ended"
ENDED = "The lock on this channel has ended: members can post again."


def everyone_overwrite_puts(fake: FakeDiscord, channel_id: int) -> list[RecordedRequest]:
    return fake.requests_matching("PUT", f"/channels/{channel_id}/permissions/{fake.guild_id}")


def contents(fake: FakeDiscord, channel_id: int) -> list[str]:
    return [str(m.get("content", "")) for m in fake.messages_in(channel_id)]


async def started(fake: FakeDiscord, data: Path, clock: FakeClock) -> PeerbotOnFake:
    """A bot process, once its server is available (roles reconciled, timers re-planned)."""
    bot = PeerbotOnFake(fake, data, clock=clock)
    client = await bot.start()
    await client.roles_reconciled.wait()
    return bot


async def coordinators_channel(fake: FakeDiscord) -> int:
    """A private channel a coordinator made in Coast's category, after set-up (peerbot finds
    it through the API: it was not there when peerbot connected)."""
    category = fake.channel("Coast")
    hidden = [{"id": str(fake.guild_id), "type": 0, "allow": "0", "deny": str(VIEW_CHANNEL)}]
    made = fake.add_channel(
        "coast-coordinators", parent_id=category["id"], permission_overwrites=hidden
    )
    return int(made["id"])


async def carol_locks_general_for_two_hours(fake: FakeDiscord) -> tuple[int, int]:
    """Coast set up with bob a member; carol chooses the modlog and locks #coast-general for
    two hours with a reason. Returns (general, modlog) channel ids."""
    await create_coast(fake, members=(MEMBER,), timezone="Australia/Sydney")
    general = fake.channel_id("coast-general")
    g, bob, carol = fake.guild_id, fake.user_id(MEMBER), fake.user_id(COORDINATOR)
    assert fake.state.can_post(g, bob, general)

    modlog = await coordinators_channel(fake)
    chose = await mod(fake, "modlog", {"channel": modlog, "network": "coast"}, user=COORDINATOR)
    assert chose["flags"] & EPHEMERAL
    assert chose["content"].startswith(
        f"Moderation actions in Coast are now recorded in <#{modlog}>"
    ), chose
    first = await fake.wait_for_request("POST", f"/channels/{modlog}/messages")
    assert "mod.modlog" in first.json["content"], first.json

    locked = await mod(
        fake,
        "lock",
        {"channel": "coast-general", "reason": REASON, "duration": "2h", "network": "coast"},
        user=COORDINATOR,
    )
    assert locked["flags"] & EPHEMERAL
    assert locked["content"].startswith(f"Locked <#{general}>: members can read it"), locked
    assert "It undoes itself in 2 hours" in locked["content"], locked

    # members cannot post; the coordinator who locked it still can
    assert not fake.state.can_post(g, bob, general)
    assert fake.state.can_post(g, carol, general)
    lock = await fake.wait_for_request("PUT", f"/channels/{general}/permissions/{fake.guild_id}")
    assert len(everyone_overwrite_puts(fake, general)) == 1
    assert lock.audit_reason == f"Carol with peerbot: {REASON}", lock.headers

    notice = await fake.wait_for_request("POST", f"/channels/{general}/messages")
    text: str = notice.json["content"]
    assert text.startswith("This channel is locked by the coordinators of Coast until "), text
    assert f"<t:{int(END.timestamp())}:f>" in text and "22:00 AEDT" in text, text
    assert text.endswith(f"Reason: {REASON}"), text

    entry = await fake.wait_for_request("POST", f"/channels/{modlog}/messages")
    line: str = entry.json["content"]
    assert "20:00 AEDT" in line and f"<@{carol}>" in line, line
    assert f"mod.lock | <#{general}> | for 2 hours | Reason: {REASON}" in line, line
    assert not fake.state.can_post(g, bob, modlog)  # the modlog stays private
    return general, modlog


async def test_a_timed_lock_with_a_reason_then_downtime_then_it_unlocks_itself_once(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    clock = FakeClock(NOW)
    bot = await started(fake, tmp_path, clock)
    try:
        general, modlog = await carol_locks_general_for_two_hours(fake)
    finally:
        await bot.stop()

    # peerbot is down when the lock is due to end, and for a day after
    clock.set(END + timedelta(days=1))
    bot = await started(fake, tmp_path, clock)
    try:
        unlock = await fake.wait_for_request(
            "PUT", f"/channels/{general}/permissions/{fake.guild_id}"
        )
        assert unlock.audit_reason == TIMED_END
        ended = await fake.wait_for_request("POST", f"/channels/{general}/messages")
        assert ended.json["content"] == ENDED
        logged = await fake.wait_for_request("POST", f"/channels/{modlog}/messages")
        assert "peerbot (on time) | mod.unlock" in logged.json["content"], logged.json
        assert "the timed lock ended" in logged.json["content"]
        assert fake.state.can_post(fake.guild_id, fake.user_id(MEMBER), general)
    finally:
        await bot.stop()

    # a further restart, later still, finds nothing to do
    clock.advance(timedelta(days=1))
    bot = await started(fake, tmp_path, clock)
    try:
        assert await bot.kernel.scheduler.refresh("moderation-timers") == {}
        assert bot.app is not None and bot.app.worker is not None
        assert await bot.app.worker.run_once() == 0  # nothing left to send
    finally:
        await bot.stop()
    timed = [r for r in everyone_overwrite_puts(fake, general) if r.audit_reason == TIMED_END]
    assert len(timed) == 1
    assert contents(fake, general).count(ENDED) == 1
    assert sum("mod.unlock" in c for c in contents(fake, modlog)) == 1
    fake.assert_no_unknown_requests()


async def test_a_lock_unlocked_early_never_unlocks_again(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    clock = FakeClock(NOW)
    bot = await started(fake, tmp_path, clock)
    try:
        await create_coast(fake, members=(MEMBER,), timezone="Australia/Sydney")
        general = fake.channel_id("coast-general")
        options: dict[str, Any] = {"channel": "coast-general", "network": "coast"}
        await mod(fake, "lock", {**options, "duration": "30m"}, user=COORDINATOR)
        unlocked = await mod(fake, "unlock", {**options, "reason": "sorted"}, user=COORDINATOR)
        assert unlocked["content"].startswith(f"Unlocked <#{general}>"), unlocked
        assert everyone_overwrite_puts(fake, general)[-1].audit_reason == (
            "Carol with peerbot: sorted"
        )
        for expected in ("This channel is locked", "This channel is unlocked"):
            posted = await fake.wait_for_request("POST", f"/channels/{general}/messages")
            assert posted.json["content"].startswith(expected), posted.json
    finally:
        await bot.stop()
    clock.advance(timedelta(hours=1))
    bot = await started(fake, tmp_path, clock)
    try:
        assert await bot.kernel.scheduler.refresh("moderation-timers") == {}
    finally:
        await bot.stop()
    assert len(everyone_overwrite_puts(fake, general)) == 2  # the lock and the unlock
    assert not any(r.audit_reason == TIMED_END for r in everyone_overwrite_puts(fake, general))
