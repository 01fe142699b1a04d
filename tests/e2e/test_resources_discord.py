"""The resource library end to end on Discord (issue 7, item 6): the real discord.py client and
the real peerbot against the fake Discord. Search with filters answers with embeds; autocomplete
answers within Discord's limits (at most 25 choices, names and values of at most 100
characters); Next and Previous page through results, even after a restart; a member's
suggestion opens as a modal, reaches a coordinator's review, is approved, the member is told by
DM, and search finds it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from cogs.resources.commands import ResourcesCog
from cogs.resources.models import Draft
from tests.e2e.fakediscord import FakeDiscord
from tests.e2e.peerbot_on_fake import PeerbotOnFake
from tests.e2e.test_networks_discord import COORDINATOR, EPHEMERAL, answer, create_coast, dm_to
from tests.e2e.test_reflection_discord import buttons
from tests.e2e.typed import current

AUTOCOMPLETE = 8
MODAL = 9
MEMBER = "bob"


async def resources(
    fake: FakeDiscord, sub: str, options: dict[str, Any] | None = None, **kwargs: Any
) -> dict[str, Any]:
    return await answer(await fake.send_command(current(f"resources {sub}"), options, **kwargs))


def titles(message: dict[str, Any]) -> list[str]:
    return [str(e.get("title", "")) for e in message.get("embeds", [])]


async def add_entries(bot: PeerbotOnFake, title: str, count: int) -> None:
    cog = bot.kernel.cogs["resources"]
    assert isinstance(cog, ResourcesCog)
    for number in range(count):
        draft = Draft(
            title=f"{title} {number:02d}",
            link=f"https://example.org/{number}",
            summary="A template for peer supervision notes.",
            area="support",
            type="template",
        )
        await cog.service.add(draft, None, "discord:1")


@pytest.fixture
async def bot(fake_discord: FakeDiscord, tmp_path: Path) -> AsyncIterator[PeerbotOnFake]:
    """Coast, with carol its coordinator and bob a member."""
    started = PeerbotOnFake(fake_discord, tmp_path)
    await started.start()
    try:
        await create_coast(fake_discord, members=(MEMBER,), set_up=False)
        yield started
    finally:
        await started.stop()


async def test_search_with_filters_answers_privately_with_embeds(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    reply = await resources(
        fake_discord,
        "search",
        {"query": "crisis", "type": "support-line", "region": "nsw"},
        user=MEMBER,
    )
    assert reply["flags"] & EPHEMERAL, reply
    found = titles(reply)
    assert found[0].startswith("Resources for 'crisis':"), found
    assert "Lifeline" in found and "NSW Mental Health Line" in found
    lifeline = next(e for e in reply["embeds"] if e["title"] == "Lifeline")
    assert lifeline["url"] == "https://lifeline.org.au"
    assert {"name": "Phone", "value": "13 11 14", "inline": True} in lifeline["fields"]

    typo = await resources(fake_discord, "search", {"query": "supervison"}, user=MEMBER)
    assert "check the spelling" in typo["embeds"][0]["title"], typo

    bad = await resources(fake_discord, "search", {"query": '"NEAR" *'}, user=MEMBER)
    assert bad["flags"] & EPHEMERAL
    assert bad["content"].startswith("Your search has no words to look for"), bad


async def test_autocomplete_stays_within_discord_limits(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    await add_entries(bot, "Peer supervision notes template with a long title " + "x" * 60, 30)
    handle = await fake_discord.send_autocomplete(
        "resources", {"query": "peer sup"}, subcommand="search", focused="query", user=MEMBER
    )
    callback = await handle.callback()
    assert callback["type"] == AUTOCOMPLETE
    choices = callback["data"]["choices"]
    assert len(choices) == 25
    assert all(len(c["name"]) <= 100 and len(c["value"]) <= 100 for c in choices)

    handle = await fake_discord.send_autocomplete(
        "resources", {"entry": "lifel"}, subcommand="show", focused="entry", user=MEMBER
    )
    entries = (await handle.callback())["data"]["choices"]
    assert entries[0]["name"].startswith("Lifeline (entry "), entries
    shown = await resources(fake_discord, "show", {"entry": entries[0]["value"]}, user=MEMBER)
    assert titles(shown) == ["Lifeline"]


async def test_paging_buttons_work_and_survive_a_restart(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    fake = fake_discord
    await add_entries(bot, "Supervision template", 12)
    first = await resources(fake, "search", {"query": "supervision template"}, user=MEMBER)
    assert "(page 1 of 3)" in first["embeds"][0]["title"], first
    assert list(buttons(first)) == ["Next"]
    assert all(len(custom_id) <= 100 for custom_id in buttons(first).values())

    second = await answer(await fake.click_button(buttons(first)["Next"], user=MEMBER))
    assert "showing 6 to 10 (page 2 of 3)" in second["embeds"][0]["title"], second
    assert list(buttons(second)) == ["Previous", "Next"]

    await bot.stop()
    await bot.start()
    third = await answer(await fake.click_button(buttons(second)["Next"], user=MEMBER))
    assert "showing 11 to 12 (page 3 of 3)" in third["embeds"][0]["title"], third
    assert list(buttons(third)) == ["Previous"]


async def test_submit_then_review_then_search_finds_it(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    fake = fake_discord
    handle = await fake.send_slash_command(
        "resources",
        {"area": "support", "type": "template", "network": "coast"},
        subcommand="submit",
        user=MEMBER,
    )
    callback = await handle.callback()
    assert callback["type"] == MODAL, callback
    form = callback["data"]["custom_id"]
    fields = {
        "title": "Peer supervision agreement template",
        "link": "https://example.org/agreement",
        "summary": "A template agreement for peer supervision sessions.",
        "tags": "supervision agreement",
    }
    sent = await answer(await fake.submit_modal(form, fields, user=MEMBER))
    assert sent["flags"] & EPHEMERAL
    assert sent["content"].startswith("Thank you. Your suggestion"), sent

    queue = await resources(fake, "review", {"network": "coast"}, user=COORDINATOR)
    assert queue["flags"] & EPHEMERAL
    assert titles(queue) == ["Peer supervision agreement template"]
    assert list(buttons(queue)) == ["Approve", "Reject"]
    approved = await answer(await fake.click_button(buttons(queue)["Approve"], user=COORDINATOR))
    assert approved["content"].startswith("Approved: 'Peer supervision agreement template'")

    told = await dm_to(fake, MEMBER)
    assert "was approved" in told["content"], told
    found = await resources(fake, "search", {"query": "agreement"}, user=MEMBER)
    assert "Peer supervision agreement template" in titles(found)
