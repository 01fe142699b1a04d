"""Reports that coordinators can act on (issue 14, item 9, second half), end to end: the real
peerbot on the fake Discord. A member reports a message from its menu (Apps, Report to
coordinators); the coordinators get a notice with a link (never the message's text), take the
report (one of them only, even when two press at once), reply anonymously (and the reporter
answers the same way), and remove the message; the reporter is told privately.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from tests.e2e.fakediscord import FakeDiscord
from tests.e2e.peerbot_on_fake import ADMIN, PeerbotOnFake
from tests.e2e.test_networks_discord import (
    COORDINATOR,
    EPHEMERAL,
    MEMBER,
    answer,
    create_coast,
    dm_channel_of,
    dm_to,
    mod,
    run,
)
from tests.e2e.test_peerbot_discord import Launcher

MODAL = 9
SECOND = "cody"  # a second coordinator of Coast
AUTHOR = "dave"  # posts the message that is reported
SECRET = "Saw Jane Citizen from Ward 4 at the bus stop again"
REPORT = "Report to coordinators"


@pytest.fixture
async def launcher(fake_discord: FakeDiscord, tmp_path: Path) -> AsyncIterator[Launcher]:
    started = Launcher(fake_discord, tmp_path)
    try:
        yield started
    finally:
        await started.stop_all()


@pytest.fixture
async def bot(launcher: Launcher, fake_discord: FakeDiscord) -> PeerbotOnFake:
    """Coast set up by carol; cody its second coordinator; bob and dave members."""
    for name in (SECOND, AUTHOR):
        fake_discord.add_user(name)
    started = await launcher.start()
    await create_coast(fake_discord, members=(MEMBER, AUTHOR))
    named = await run(
        fake_discord,
        "role",
        {"network": "coast", "member": SECOND, "role": "coordinator"},
        user=ADMIN,
    )
    assert "is now a coordinator of Coast" in named["content"], named
    return started


def last_dm(fake: FakeDiscord, name: str) -> dict[str, Any]:
    """The newest message in the bot's DM with ``name``, as stored (with its id)."""
    messages = fake.messages_in(dm_channel_of(fake, name))
    assert messages, f"no DM to {name}"
    return messages[-1]


def buttons(message: dict[str, Any]) -> dict[str, str]:
    return {
        c["label"]: c["custom_id"]
        for row in message.get("components", [])
        for c in row["components"]
        if c["type"] == 2
    }


async def report_from_menu(
    fake: FakeDiscord, message: dict[str, Any], concern: str, user: str = MEMBER
) -> dict[str, Any]:
    """bob opens the message's menu, picks Report to coordinators, fills in the form."""
    opened = await (await fake.send_message_command(REPORT, message, user=user)).callback()
    assert opened["type"] == MODAL, opened
    assert opened["data"]["custom_id"].startswith("pb:f:report-message|"), opened
    return await answer(
        await fake.submit_modal(opened["data"]["custom_id"], {"concern": concern}, user=user)
    )


def everything_stored(db_path: Path) -> str:
    """Every value in every table of peerbot's database, as one text."""
    with sqlite3.connect(db_path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return "\n".join(
            repr(row) for table in tables for row in conn.execute(f"SELECT * FROM {table}")
        )


async def test_message_menu_report_is_a_link_and_removal_deletes_it_and_tells_the_reporter(
    bot: PeerbotOnFake, fake_discord: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    for logger in ("bot", "cogs"):
        caplog.set_level(logging.DEBUG, logger=logger)
    fake, g = fake_discord, fake_discord.guild_id
    registered = fake.state.find_command(REPORT, g, kind=3)
    assert registered is not None and registered["description"] == ""
    general = fake.channel_id("coast-general")
    posted = fake.member_posts(AUTHOR, general, SECRET)

    done = await report_from_menu(fake, posted, "It names a client")
    assert done["flags"] & EPHEMERAL
    assert done["content"].startswith("Thank you. Your report (number 1) about that message in")
    assert "with a link to the message (not its text)" in done["content"]

    link = f"https://discord.com/channels/{g}/{general}/{posted['id']}"
    for coordinator in (COORDINATOR, SECOND):
        notice = await dm_to(fake, coordinator)
        assert "New report (number 1) in Coast" in notice["content"]
        assert f"About this message: {link}" in notice["content"]
        assert "Concern: It names a client" in notice["content"]
        assert SECRET not in json.dumps(notice)
    shown = last_dm(fake, COORDINATOR)
    assert list(buttons(shown)) == ["I'll take this", "Reply to the reporter", "Remove the message"]

    # The reported text is nowhere in peerbot's database or logs.
    assert SECRET not in everything_stored(bot.kernel.settings.database_path)
    ours = [r.getMessage() for r in caplog.records if r.name.startswith(("bot", "cogs"))]
    assert ours and not any("Jane Citizen" in line for line in ours)

    removed = await answer(
        await fake.click_button(
            buttons(shown)["Remove the message"], message=shown, user=COORDINATOR
        )
    )
    assert removed["flags"] & EPHEMERAL
    assert removed["content"].startswith("Removed the message of report number 1."), removed
    assert all(m["id"] != posted["id"] for m in fake.messages_in(general))
    deleted = fake.requests_matching("DELETE", f"/channels/{general}/messages/{posted['id']}")
    assert [r.status for r in deleted] == [204]
    reason = unquote(deleted[0].headers.get("X-Audit-Log-Reason", ""))  # discord.py quotes it
    assert reason == "peerbot: removed for report number 1"

    told = await dm_to(fake, MEMBER)
    assert told["content"].startswith(
        "The Coast coordinators removed the message you reported (report number 1)."
    ), told
    carol = fake.user_id(COORDINATOR)
    assert str(carol) not in json.dumps(told) and COORDINATOR not in json.dumps(told)

    again = await answer(
        await fake.click_button(buttons(shown)["Remove the message"], message=shown, user=SECOND)
    )
    assert again["content"] == (
        f"The message of report number 1 was already removed by <@{carol}>."
    ), again
    assert len(fake.requests_matching("DELETE", f"/channels/{general}/messages/{{id}}")) == 1

    audit = await mod(fake, "audit", {"of": "coast"}, user=COORDINATOR)
    line = next(x for x in audit["content"].splitlines() if "| mod.remove |" in x)
    assert line.endswith(f"<@{carol}> | mod.remove | a message in <#{general}> | report number 1")
    assert SECRET not in audit["content"]


async def test_a_message_already_deleted_is_fine_and_said_so(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    fake = fake_discord
    general = fake.channel_id("coast-general")
    posted = fake.member_posts(AUTHOR, general, SECRET)
    await report_from_menu(fake, posted, "")
    notice = await dm_to(fake, COORDINATOR)
    assert "Concern: (none given: open the message to see it)" in notice["content"]
    fake.state.delete_message(int(posted["id"]))  # dave deleted it himself

    shown = last_dm(fake, COORDINATOR)
    removed = await answer(
        await fake.click_button(
            buttons(shown)["Remove the message"], message=shown, user=COORDINATOR
        )
    )
    assert removed["content"].startswith(
        "The message of report number 1 was already deleted, so there was nothing to remove."
    ), removed
    told = await dm_to(fake, MEMBER)
    assert "is no longer on the server" in told["content"], told


async def test_a_member_cannot_remove_and_a_report_outside_a_network_goes_to_their_network(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    """In the server's #general (no network's), bob's report goes to Coast, his one network;
    only an admin could remove that message, so a coordinator pressing Remove is refused."""
    fake = fake_discord
    general = fake.channel_id("general")
    posted = fake.member_posts(AUTHOR, general, SECRET)
    done = await report_from_menu(fake, posted, "Names a client")
    assert "went privately to the coordinators of Coast" in done["content"], done
    await dm_to(fake, COORDINATOR)
    shown = last_dm(fake, COORDINATOR)
    refused = await answer(
        await fake.click_button(
            buttons(shown)["Remove the message"], message=shown, user=COORDINATOR
        )
    )
    assert refused["content"].startswith(
        "The message of report number 1 is in a channel of the whole server"
    ), refused
    assert any(m["id"] == posted["id"] for m in fake.messages_in(general))
    assert fake.requests_matching("DELETE", f"/channels/{general}/messages/{{id}}") == []


async def test_two_coordinators_press_take_at_once_and_only_one_gets_it(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    fake = fake_discord
    posted = fake.member_posts(AUTHOR, "coast-general", SECRET)
    await report_from_menu(fake, posted, "It names a client")
    for coordinator in (COORDINATOR, SECOND):
        await dm_to(fake, coordinator)
    carols, codys = last_dm(fake, COORDINATOR), last_dm(fake, SECOND)

    presses = await asyncio.gather(
        fake.click_button(buttons(carols)["I'll take this"], message=carols, user=COORDINATOR),
        fake.click_button(buttons(codys)["I'll take this"], message=codys, user=SECOND),
    )
    answers = [a["content"] for a in await asyncio.gather(*(answer(p) for p in presses))]
    won = [a for a in answers if a.startswith("You took report number 1.")]
    lost = [a for a in answers if a.startswith("Report number 1 was already taken by <@")]
    assert len(won) == 1 and len(lost) == 1, answers
    winner = COORDINATOR if answers[0] in won else SECOND
    loser = SECOND if winner == COORDINATOR else COORDINATOR
    assert f"taken by <@{fake.user_id(winner)}>" in lost[0]

    told = await dm_to(fake, loser)
    assert told["content"].startswith(
        f"Report number 1 in Coast was taken by <@{fake.user_id(winner)}>"
    ), told
    listed = await mod(fake, "reports", {"network": "coast"}, user=loser)
    assert f"taken by <@{fake.user_id(winner)}>" in listed["content"], listed


async def test_coordinators_and_the_reporter_write_to_each_other_without_names(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    fake = fake_discord
    posted = fake.member_posts(AUTHOR, "coast-general", SECRET)
    await report_from_menu(fake, posted, "It names a client")
    for coordinator in (COORDINATOR, SECOND):
        await dm_to(fake, coordinator)
    shown = last_dm(fake, COORDINATOR)

    opened = await (
        await fake.click_button(
            buttons(shown)["Reply to the reporter"], message=shown, user=COORDINATOR
        )
    ).callback()
    assert opened["type"] == MODAL, opened
    sent = await answer(
        await fake.submit_modal(
            opened["data"]["custom_id"],
            {"text": "Thank you, we are looking into it today."},
            user=COORDINATOR,
            dm=True,
        )
    )
    assert sent["content"].startswith("Sent your reply to the person who made report number 1.")

    reply = await dm_to(fake, MEMBER)
    assert reply["content"].startswith(
        "The Coast coordinators replied about your report (number 1):\n\n"
        "Thank you, we are looking into it today."
    ), reply
    carol = fake.user_id(COORDINATOR)
    everything = json.dumps(last_dm(fake, MEMBER))
    assert str(carol) not in everything and COORDINATOR not in everything.lower()

    got = last_dm(fake, MEMBER)
    form = await (
        await fake.click_button(buttons(got)["Answer the coordinators"], message=got, user=MEMBER)
    ).callback()
    assert form["type"] == MODAL, form
    answered = await answer(
        await fake.submit_modal(
            form["data"]["custom_id"],
            {"text": "It happened twice this week."},
            user=MEMBER,
            dm=True,
        )
    )
    assert answered["content"].startswith("Sent your answer to the Coast coordinators"), answered

    bob = fake.user_id(MEMBER)
    for coordinator in (COORDINATOR, SECOND):
        notice = await dm_to(fake, coordinator)
        assert notice["content"] == (
            "The person who made report number 1 in Coast answered:\n\nIt happened twice this week."
        ), notice
        stored = json.dumps(last_dm(fake, coordinator))
        assert str(bob) not in stored and MEMBER not in stored.lower()
        assert "Reply to the reporter" in buttons(last_dm(fake, coordinator))

    exported = await bot.kernel.privacy.export(bot.kernel.db, f"discord:{bob}")
    thread = exported["report-threads"]["replies_about_your_reports"]
    assert [(t["from"], t["text"]) for t in thread] == [
        ("the coordinators", "Thank you, we are looking into it today."),
        ("you", "It happened twice this week."),
    ]
    assert str(carol) not in json.dumps(exported)


async def test_help_on_discord_names_the_message_menu_command(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    handle = await fake_discord.send_slash_command("help", user=MEMBER)
    text = (await answer(handle))["content"]
    while "If you need support now" not in text:  # a long answer comes in several parts
        text += "\n" + (await handle.followup())["content"]
    # its own line (where a long answer is split into messages can fall either side of it)
    assert "In a message's menu (Apps): Report to coordinators." in text.splitlines(), text
