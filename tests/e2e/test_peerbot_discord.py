"""peerbot end to end on Discord: the real discord.py client, our adapter and kernel, and the
fake Discord on 127.0.0.1. Each test drives it as a Discord user would."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.identity import PlaceRef, UserRef
from bot.registry import Invocation
from bot.replies import Reply
from tests.e2e.fakediscord import FakeDiscord
from tests.e2e.peerbot_on_fake import ADMIN, PeerbotOnFake
from tests.e2e.probe_cog import ProbeCog

EPHEMERAL = 64
MESSAGE = 4
DEFERRED = 5
AUTOCOMPLETE = 8
MODAL = 9


class Launcher:
    """Starts bot processes on one data folder and stops every one of them at the end, so a
    failing test never leaves a client reconnecting to a stopped fake."""

    def __init__(self, fake: FakeDiscord, data_dir: Path) -> None:
        self.fake = fake
        self.data_dir = data_dir
        self.started: list[PeerbotOnFake] = []

    async def start(self, *, defer_after: float | None = None) -> PeerbotOnFake:
        bot = PeerbotOnFake(self.fake, self.data_dir)
        self.started.append(bot)
        await bot.start(defer_after=defer_after)
        return bot

    async def stop_all(self) -> None:
        for bot in reversed(self.started):
            await bot.stop()


@pytest.fixture
async def launcher(fake_discord: FakeDiscord, tmp_path: Path) -> AsyncIterator[Launcher]:
    started = Launcher(fake_discord, tmp_path)
    try:
        yield started
    finally:
        if ProbeCog.release is not None:
            ProbeCog.release.set()
        await started.stop_all()


@pytest.fixture
async def bot(launcher: Launcher) -> PeerbotOnFake:
    return await launcher.start()


def custom_ids(callback: dict[str, Any]) -> list[str]:
    return [
        component["custom_id"]
        for row in callback["data"].get("components", [])
        for component in row.get("components", [])
    ]


async def test_identifies_with_guilds_and_members_but_not_message_content(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    intents = fake_discord.intents
    assert intents is not None
    assert intents & (1 << 0) and intents & (1 << 1)  # GUILDS, GUILD_MEMBERS
    assert not intents & (1 << 15)  # MESSAGE_CONTENT


async def test_support_answers_ephemerally_with_000_first(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    handle = await fake_discord.send_slash_command("support", {"filter": "nsw"}, user="bob")
    callback = await handle.callback()
    assert callback["type"] == MESSAGE
    assert callback["data"]["flags"] & EPHEMERAL
    embed = callback["data"]["embeds"][0]
    assert "nobody watches it around the clock" in embed["description"]
    names = [field["name"] for field in embed["fields"]]
    assert names[0].startswith("Emergency") and "000" in embed["fields"][0]["value"]
    assert "NSW Mental Health Line" in names
    assert any("13 11 14" in field["value"] for field in embed["fields"])


async def test_help_answers_ephemerally_in_a_server_and_in_a_dm(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    # Global commands, as in production: Discord offers only those in direct messages.
    bot = PeerbotOnFake(fake_discord, tmp_path, global_commands=True)
    await bot.start()
    try:
        await _help_in_both_places(fake_discord)
    finally:
        await bot.stop()


async def _help_in_both_places(fake_discord: FakeDiscord) -> None:
    for in_dm in (False, True):
        handle = await fake_discord.send_slash_command("help", user="bob", dm=in_dm)
        callback = await handle.callback()
        assert callback["data"]["flags"] & EPHEMERAL
        # A long help goes on in private follow-ups; read it to its closing line.
        parts = [callback["data"]["content"]]
        while "If you need support now" not in parts[-1]:
            followup = await handle.followup()
            assert followup["flags"] & EPHEMERAL, followup
            parts.append(followup["content"])
        text = "\n".join(parts)
        assert "/support" in text
        assert "/network create" not in text  # bob is not an admin


async def test_commands_are_synced_valid_and_only_when_changed(
    fake_discord: FakeDiscord, launcher: Launcher
) -> None:
    first = await launcher.start()
    await first.stop()
    route = f"/applications/{fake_discord.application_id}/guilds/{fake_discord.guild_id}/commands"
    puts = fake_discord.requests_matching("PUT", route)
    assert len(puts) == 1
    payload = puts[0].json
    assert {c["name"] for c in payload} >= {"help", "support", "network", "privacy", "probe"}
    slash = [c for c in payload if c["type"] == 1]
    for command in slash:
        assert re.fullmatch(r"[a-z0-9_-]{1,32}", command["name"])
        assert 1 <= len(command["description"]) <= 100
        assert len(command["options"]) <= 25
    # Commands in a message's menu: a name people read, no description or options.
    on_messages = [c for c in payload if c["type"] == 3]
    assert [c["name"] for c in on_messages] == ["Report to coordinators"]
    assert all("description" not in c and "options" not in c for c in on_messages)
    assert len(slash) + len(on_messages) == len(payload)
    second = await launcher.start()
    await second.stop()
    assert len(fake_discord.requests_matching("PUT", route)) == 1  # unchanged: not synced again


async def test_button_round_trip(bot: PeerbotOnFake, fake_discord: FakeDiscord) -> None:
    handle = await fake_discord.send_slash_command("privacy", subcommand="delete", user="bob")
    callback = await handle.callback()
    confirm = next(i for i in custom_ids(callback) if "privacy.delete.confirm" in i)
    click = await fake_discord.click_button(confirm, user="bob")
    answer = await click.callback()
    assert answer["type"] == MESSAGE
    assert answer["data"]["content"].startswith("Done. peerbot deleted everything")


async def test_a_button_from_before_a_restart_still_works(
    fake_discord: FakeDiscord, launcher: Launcher
) -> None:
    first = await launcher.start()
    created = await first.kernel.registry.invoke(
        _invocation(fake_discord, ADMIN, "network create", name="Coast", slug="coast")
    )
    assert "Created the network" in created.text
    join = await fake_discord.send_slash_command(
        "network", {"network": "coast"}, subcommand="join", user="bob"
    )
    assert "Welcome" in (await join.callback())["data"]["content"]
    ask = await fake_discord.send_slash_command("privacy", subcommand="delete", user="bob")
    confirm = next(i for i in custom_ids(await ask.callback()) if "confirm" in i)
    await first.stop()

    second = await launcher.start()  # a new process on the same database
    click = await fake_discord.click_button(confirm, user="bob")
    answer = await click.callback()
    mine = await second.kernel.registry.invoke(_invocation(fake_discord, "bob", "network mine"))
    assert answer["data"]["content"].startswith("Done. peerbot deleted everything")
    assert "not in any network" in mine.text


async def test_without_guild_ids_commands_are_global_and_work_in_dms(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    bot = PeerbotOnFake(fake_discord, tmp_path, global_commands=True)
    await bot.start()
    try:
        route = f"/applications/{fake_discord.application_id}/commands"
        assert len(fake_discord.requests_matching("PUT", route)) == 1
        handle = await fake_discord.send_slash_command("support", user="carol", dm=True)
        callback = await handle.callback()
    finally:
        await bot.stop()
    assert callback["data"]["flags"] & EPHEMERAL
    assert "000" in callback["data"]["embeds"][0]["fields"][0]["value"]


async def test_select_menu_round_trip(bot: PeerbotOnFake, fake_discord: FakeDiscord) -> None:
    handle = await fake_discord.send_slash_command("probe", subcommand="pick", user="bob")
    callback = await handle.callback()
    menu = callback["data"]["components"][0]["components"][0]
    assert menu["type"] == 3 and len(menu["options"]) == 5
    chosen = await fake_discord.choose_select(menu["custom_id"], ["boundaries"], user="bob")
    answer = await chosen.callback()
    assert answer["data"]["content"] == "You picked boundaries (7)."


async def test_form_round_trip(bot: PeerbotOnFake, fake_discord: FakeDiscord) -> None:
    handle = await fake_discord.send_slash_command("probe", subcommand="form", user="bob")
    callback = await handle.callback()
    assert callback["type"] == MODAL
    custom_id = callback["data"]["custom_id"]
    submitted = await fake_discord.submit_modal(
        custom_id, {"title": "Boundaries", "body": ""}, user="bob"
    )
    answer = await submitted.callback()
    assert answer["data"]["content"] == "Saved 'Boundaries' for 42."
    assert answer["data"]["flags"] & EPHEMERAL


async def test_autocomplete_round_trip(bot: PeerbotOnFake, fake_discord: FakeDiscord) -> None:
    for name, slug in (("South Coast", "south-coast"), ("Southern Tablelands", "tablelands")):
        await bot.kernel.registry.invoke(
            _invocation(fake_discord, ADMIN, "network create", name=name, slug=slug)
        )
    handle = await fake_discord.send_autocomplete(
        "network", {"network": "coast"}, subcommand="join", focused="network", user="bob"
    )
    callback = await handle.callback()
    assert callback["type"] == AUTOCOMPLETE
    assert callback["data"]["choices"] == [{"name": "South Coast", "value": "south-coast"}]


async def test_permission_refusal(bot: PeerbotOnFake, fake_discord: FakeDiscord) -> None:
    handle = await fake_discord.send_slash_command(
        "network", {"name": "Mine", "slug": "mine"}, subcommand="create", user="bob"
    )
    callback = await handle.callback()
    assert callback["data"]["flags"] & EPHEMERAL
    assert callback["data"]["content"].startswith("Only a peerbot admin can do that.")
    listed = await bot.kernel.registry.invoke(_invocation(fake_discord, "bob", "network list"))
    assert "no networks yet" in listed.text


async def test_unexpected_error_shows_an_id_that_is_in_the_log(
    bot: PeerbotOnFake, fake_discord: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="bot.registry")
    handle = await fake_discord.send_slash_command("probe", subcommand="crash", user="bob")
    content = (await handle.callback())["data"]["content"]
    error_id = re.search(r"error id: ([0-9A-F]{8})", content)
    assert error_id is not None
    assert error_id[1] in caplog.text
    assert "secret text" not in caplog.text and "Traceback" not in content


async def test_a_slow_handler_is_deferred_then_answered(
    fake_discord: FakeDiscord, launcher: Launcher
) -> None:
    await launcher.start(defer_after=0.05)
    ProbeCog.release = asyncio.Event()
    handle = await fake_discord.send_slash_command("probe", subcommand="slow", user="bob")
    callback = await handle.callback()
    assert callback["type"] == DEFERRED and callback["data"]["flags"] & EPHEMERAL
    ProbeCog.release.set()
    edited = await handle.edit_original()
    assert edited["content"] == "Finally done."
    assert handle.original_message is not None
    assert handle.original_message["content"] == "Finally done."
    assert handle.original_message["flags"] == EPHEMERAL  # no longer loading, still private


async def test_missing_permission_is_explained_and_logged(
    bot: PeerbotOnFake, fake_discord: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.platforms.discord.port")
    channel = fake_discord.channel_id("reflection")
    fake_discord.fail_next("POST", f"/channels/{channel}/threads", status=403, code=50013)
    handle = await fake_discord.send_slash_command(
        "probe", subcommand="thread", user="bob", channel="reflection"
    )
    content = (await handle.callback())["data"]["content"]
    assert content.startswith("peerbot needs the Create Private Threads permission")
    assert "Create Private Threads" in caplog.text


async def test_a_rate_limited_outbox_message_arrives_once(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    channel = fake_discord.channel_id("meetings")
    fake_discord.fail_next("POST", f"/channels/{channel}/messages", status=429, retry_after=0.05)
    queued = await bot.kernel.outbox.send(
        key="meeting:1:2027-03-10:announce",
        target=PlaceRef(platform="discord", id=str(channel)),
        message=Reply(text="The network meets on 10 March."),
    )
    assert queued
    await fake_discord.wait_for_request("POST", f"/channels/{channel}/messages")
    delivered = await fake_discord.wait_for_request("POST", f"/channels/{channel}/messages")
    assert delivered.status == 200
    for _ in range(200):
        if await bot.kernel.outbox.status_of("meeting:1:2027-03-10:announce") == "sent":
            break
        await asyncio.sleep(0.01)
    assert await bot.kernel.outbox.status_of("meeting:1:2027-03-10:announce") == "sent"
    texts = [m["content"] for m in fake_discord.messages_in(channel)]
    assert texts.count("The network meets on 10 March.") == 1


async def test_a_private_message_goes_by_dm(bot: PeerbotOnFake, fake_discord: FakeDiscord) -> None:
    bob = fake_discord.user_id("bob")
    await bot.kernel.outbox.send(
        key="checkin:bob:1",
        target=UserRef(platform="discord", id=str(bob)),
        message=Reply(text="How are you going this week?"),
    )
    await fake_discord.wait_for_request("POST", "/users/@me/channels")
    sent = await fake_discord.wait_for_request("POST", "/channels/{id}/messages")
    assert sent.json["content"] == "How are you going this week?"
    assert sent.json["enforce_nonce"] is True


def _invocation(fake: FakeDiscord, user: str, command: str, /, **arguments: Any) -> Invocation:

    who = UserRef(platform="discord", id=str(fake.user_id(user)), display_name=user)
    return Invocation(user=who, place=None, name=command, arguments=arguments)
