"""The resource library end to end on Discord (issue 7, item 6): the real discord.py client and
the real peerbot against the fake Discord. Search with filters answers with embeds; autocomplete
answers within Discord's limits (at most 25 choices, names and values of at most 100
characters); Next and Previous page through results, even after a restart; a member's
suggestion opens as a modal, reaches a coordinator's review, is approved, the member is told by
DM, and search finds it. Issue 18: a typo asks "did you mean" with a button; "self harm" with
no match shows 000 and the /support lines; "Share here" posts an entry's card in the channel
(notifying nobody) and is refused in a direct message; a refused form opens again filled in."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.clock import FakeClock
from cogs.resources.commands import ResourcesCog
from cogs.resources.models import Draft
from tests.e2e.fakediscord import FakeDiscord
from tests.e2e.fakediscord.interactions import CommandNotShown
from tests.e2e.peerbot_on_fake import ADMIN, PeerbotOnFake
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
    assert typo["flags"] & EPHEMERAL and not typo.get("embeds"), typo  # no results shown
    assert "Did you mean 'supervision'?" in typo["content"], typo
    assert list(buttons(typo)) == ["Search for 'supervision'"]
    corrected = await answer(
        await fake_discord.click_button(buttons(typo)["Search for 'supervision'"], user=MEMBER)
    )
    assert titles(corrected)[0].startswith("Resources for 'supervision': 2 found"), corrected

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
    assert list(buttons(queue)) == ["Approve", "Edit, then approve", "Reject"]
    approved = await answer(await fake.click_button(buttons(queue)["Approve"], user=COORDINATOR))
    assert approved["content"].startswith("Approved: 'Peer supervision agreement template'")

    told = await dm_to(fake, MEMBER)
    assert "was approved" in told["content"], told
    found = await resources(fake, "search", {"query": "agreement"}, user=MEMBER)
    assert "Peer supervision agreement template" in titles(found)


async def test_self_harm_with_no_match_shows_000_and_the_support_lines(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    support = await answer(await fake_discord.send_command("support", user=MEMBER))
    reply = await resources(fake_discord, "search", {"query": "self harm"}, user=MEMBER)
    assert reply["flags"] & EPHEMERAL
    first = reply["embeds"][0]
    assert first["title"] == "Nothing found in the resource library"
    assert first["description"].startswith("Nothing in the resource library matched 'self harm'.")
    assert reply["embeds"][1:] == support["embeds"]  # /support's own answer, 000 first
    assert "000" in str(reply["embeds"][1]) and "13 11 14" in str(reply["embeds"][1])


async def test_share_here_posts_the_card_in_the_channel(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    fake = fake_discord
    channel = fake.channel_id("general")
    before = len(fake.messages_in(channel))
    shown = await resources(fake, "show", {"entry": "Lifeline"}, user=MEMBER, channel="general")
    assert shown["flags"] & EPHEMERAL and list(buttons(shown)) == ["Share here", "Save"]
    done = await answer(await fake.click_button(buttons(shown)["Share here"], user=MEMBER))
    assert done["flags"] & EPHEMERAL
    assert done["content"].startswith("Shared 'Lifeline' (entry ")
    assert done["content"].endswith(f" in <#{channel}>."), done
    posted = [m for m in fake.messages_in(channel)[before:] if not m["flags"] & EPHEMERAL]
    assert len(posted) == 1, posted  # for everyone in the channel; the rest only for bob
    card = posted[0]
    assert card["author"]["id"] == str(fake.bot_id) and "interaction_metadata" not in card
    assert card["embeds"][0]["title"] == "Lifeline"
    assert card["embeds"][0]["url"] == "https://lifeline.org.au"
    shared_by = next(f for f in card["embeds"][0]["fields"] if f["name"] == "Shared by")
    assert shared_by["value"] == f"<@{fake.user_id(MEMBER)}>"
    sent = fake.requests_matching("POST", f"/channels/{channel}/messages")
    assert sent[-1].json["allowed_mentions"] == {"parse": []}  # nobody is notified
    fake.assert_pings_only()


async def test_share_here_in_a_direct_message_is_refused(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    fake = fake_discord
    # Discord loses the answer, so peerbot sends it by direct message, Share here and all.
    fake.fail_next("POST", "/interactions/{id}/{token}/callback", status=404, code=10062)
    handle = await fake.send_command("resources show", {"entry": "Lifeline"}, user=MEMBER)
    await handle.callback_request()
    in_dm = await dm_to(fake, MEMBER)
    assert in_dm["embeds"][0]["title"] == "Lifeline"
    custom_id = in_dm["components"][0]["components"][0]["custom_id"]
    before = {m["id"] for m in fake.state.messages.values()}
    refused = await answer(await fake.click_button(custom_id, user=MEMBER))
    assert refused["content"].startswith(
        "Sharing posts the entry in a channel for everyone there to see, and this is a direct "
        "message, so there is nowhere to share it."
    ), refused
    new = [m for m in fake.state.messages.values() if m["id"] not in before]
    assert [m["content"] for m in new] == [refused["content"]]  # nothing posted anywhere


async def test_a_refused_form_opens_again_with_what_was_typed(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    fake = fake_discord
    handle = await fake.send_slash_command(
        "resources",
        {"area": "support", "type": "template", "network": "coast"},
        subcommand="submit",
        user=MEMBER,
    )
    form = (await handle.callback())["data"]["custom_id"]
    typed = {
        "title": "Peer supervision agreement template",
        "link": "example",
        "summary": "A template agreement for peer supervision sessions.",
        "tags": "supervision agreement",
    }
    refused = await answer(await fake.submit_modal(form, typed, user=MEMBER))
    assert refused["flags"] & EPHEMERAL
    assert refused["content"].startswith("The link must be a web address"), refused
    assert list(buttons(refused)) == ["Fix the form"]

    reopened = await fake.click_button(buttons(refused)["Fix the form"], user=MEMBER)
    modal = await reopened.callback()
    assert modal["type"] == MODAL, modal
    values = {
        c["custom_id"]: c.get("value")
        for row in modal["data"]["components"]
        for c in row["components"]
    }
    assert values == {**typed, "closes": None}
    fixed = {**typed, "link": "www.example.org/agreement", "closes": ""}
    sent = await answer(await fake.submit_modal(modal["data"]["custom_id"], fixed, user=MEMBER))
    assert sent["content"].startswith("Thank you. Your suggestion"), sent
    queue = await resources(fake, "review", {"network": "coast"}, user=COORDINATOR)
    assert queue["embeds"][0]["url"] == "https://www.example.org/agreement"
    assert queue["embeds"][0]["description"] == typed["summary"]


async def network_id(bot: PeerbotOnFake, slug: str) -> int:
    found = await bot.kernel.registry.directory.network_by_slug(slug)
    assert found is not None
    return found.id


@pytest.fixture
async def global_bot(fake_discord: FakeDiscord, tmp_path: Path) -> AsyncIterator[PeerbotOnFake]:
    """As ``bot``, with the commands registered globally (no guild_ids), as Discord offers
    only global commands in direct messages."""
    started = PeerbotOnFake(fake_discord, tmp_path, global_commands=True)
    await started.start()
    try:
        await create_coast(fake_discord, members=(MEMBER,), set_up=False)
        yield started
    finally:
        await started.stop()


async def test_search_in_a_direct_message_finds_the_persons_networks_entries(
    global_bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    """Issue 18 item 10: /resources works in the bot's direct messages (Discord offers it
    there), finding shared entries and those of the person's own networks only."""
    fake, bot = fake_discord, global_bot
    created = await answer(
        await fake.send_command(
            current("network create"), {"name": "Hills", "slug": "hills"}, user=ADMIN
        )
    )
    assert "Created the network" in created["content"], created
    cog = bot.kernel.cogs["resources"]
    assert isinstance(cog, ResourcesCog)
    for slug in ("coast", "hills"):
        draft = Draft(
            title=f"{slug.capitalize()} roster",
            link=f"https://example.org/{slug}",
            summary="Who is on shift when.",
            area="support",
            type="form",
        )
        await cog.service.add(draft, await network_id(bot, slug), "discord:1")

    reply = await resources(fake, "search", {"query": "roster"}, user=MEMBER, dm=True)
    assert reply["flags"] & EPHEMERAL, reply
    assert titles(reply)[1:] == ["Coast roster"], titles(reply)
    lines = await resources(fake, "search", {"query": "lifeline"}, user=MEMBER, dm=True)
    assert "Lifeline" in titles(lines)  # shared entries too
    shown = await resources(fake, "show", {"entry": "Coast roster"}, user=MEMBER, dm=True)
    assert titles(shown) == ["Coast roster"]
    hidden = await resources(fake, "show", {"entry": "Hills roster"}, user=MEMBER, dm=True)
    assert hidden["content"].startswith("There is no entry 'Hills roster' that you can see.")
    with pytest.raises(CommandNotShown):  # staff commands stay in the server, as before
        await fake.send_command(current("library stale"), {}, user=COORDINATOR, dm=True)


async def test_a_reviewer_edits_the_suggestion_in_its_form_then_approves(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    """Issue 18 item 10: "Edit, then approve" opens the suggestion's modal filled in with
    what was suggested; sending it approves the entry as edited and tells the member."""
    fake = fake_discord
    handle = await fake.send_command(
        current("resources submit"), {"area": "support", "type": "template"}, user=MEMBER
    )
    form = (await handle.callback())["data"]["custom_id"]
    typed = {
        "title": "Supervison agreement",
        "link": "https://example.org/agreement",
        "summary": "A template agreement for peer supervision sessions.",
        "tags": "",
        "closes": "",
    }
    await answer(await fake.submit_modal(form, typed, user=MEMBER))
    queue = await resources(fake, "review", {"network": "coast"}, user=COORDINATOR)
    opened = await (
        await fake.click_button(buttons(queue)["Edit, then approve"], user=COORDINATOR)
    ).callback()
    assert opened["type"] == MODAL, opened
    assert opened["data"]["title"] == "Edit, then approve"
    values = {
        c["custom_id"]: c.get("value")
        for row in opened["data"]["components"]
        for c in row["components"]
    }
    assert values == {**typed, "tags": None, "closes": None}
    edited = {**typed, "title": "Peer supervision agreement template"}
    done = await answer(
        await fake.submit_modal(opened["data"]["custom_id"], edited, user=COORDINATOR)
    )
    assert done["flags"] & EPHEMERAL
    assert done["content"].startswith(
        "Approved as edited: 'Peer supervision agreement template' is entry"
    ), done
    told = await dm_to(fake, MEMBER)
    assert "The reviewer changed its title before adding it" in told["content"], told
    found = await resources(fake, "search", {"query": "agreement"}, user=MEMBER)
    assert "Peer supervision agreement template" in titles(found)


async def test_coordinators_see_searches_that_found_nothing(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    """Issue 18 item 10: the words of searches that found nothing, with how often; never
    who searched."""
    fake = fake_discord
    for query in ("burnout", "Burnout", "crisis"):
        await resources(fake, "search", {"query": query}, user=MEMBER)
    shown = await answer(
        await fake.send_command("library missed", {"network": "coast"}, user=COORDINATOR)
    )
    assert shown["flags"] & EPHEMERAL
    lines = shown["content"].splitlines()
    assert lines[0].startswith("Searches by members of Coast that found nothing"), shown
    assert [line.partition(", last on")[0] for line in lines[1:]] == ["- 'burnout': 2 times"]
    assert MEMBER not in shown["content"] and str(fake.user_id(MEMBER)) not in shown["content"]


async def test_save_an_entry_then_see_and_remove_it_in_a_direct_message(
    global_bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    """Issue 18 item 10: Save on an entry's card; /resources saved (here in a direct
    message) lists it with a menu to remove it."""
    fake = fake_discord
    shown = await resources(fake, "show", {"entry": "Lifeline"}, user=MEMBER)
    assert list(buttons(shown)) == ["Share here", "Save"]
    saved = await answer(await fake.click_button(buttons(shown)["Save"], user=MEMBER))
    assert saved["flags"] & EPHEMERAL and saved["content"].startswith("Saved 'Lifeline'")
    listed = await resources(fake, "saved", user=MEMBER, dm=True)
    assert listed["flags"] & EPHEMERAL
    assert listed["content"].splitlines()[1].startswith("- Lifeline (entry "), listed
    menu = listed["components"][0]["components"][0]
    assert menu["placeholder"] == "Remove from saved"
    removed = await answer(
        await fake.choose_select(menu["custom_id"], [menu["options"][0]["value"]], user=MEMBER)
    )
    assert removed["content"] == "Removed 1 entry from your saved entries."
    empty = await resources(fake, "saved", user=MEMBER, dm=True)
    assert empty["content"].startswith("You have no saved entries.")


async def test_a_broken_link_is_told_to_the_coordinator_and_listed_in_stale(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """Issue 18 item 10: with [resources] check_links on, the weekly check (against a web
    server on 127.0.0.1) tells the coordinator privately and /library stale lists it."""
    fake = fake_discord
    clock = FakeClock(dt.datetime(2035, 6, 3, 12, tzinfo=dt.UTC))  # nothing due at start
    bot = PeerbotOnFake(fake, tmp_path, clock, environ={"PEERBOT_RESOURCES__CHECK_LINKS": "true"})
    await bot.start()
    async with loopback_site() as site:
        try:
            await create_coast(fake, members=(MEMBER,), set_up=False)
            cog = bot.kernel.cogs["resources"]
            assert isinstance(cog, ResourcesCog)
            async with bot.kernel.db.transaction() as tx:  # seed links are real sites
                await tx.execute(
                    "UPDATE resources SET retired_at = '2035-01-01T00:00:00+00:00' "
                    "WHERE network_id IS NULL"
                )
            draft = Draft(
                title="Coast leave form",
                link=f"{site}/gone",
                summary="How to ask for leave.",
                area="support",
                type="form",
            )
            coast = await network_id(bot, "coast")
            entry = await cog.service.add(draft, coast, "discord:1")
            clock.set(dt.datetime(2035, 6, 4, 0, 5, tzinfo=dt.UTC))
            assert [b.id for b in await cog.links.check_all()] == [entry.id]
            told = await dm_to(fake, COORDINATOR)
            assert told["content"].startswith(
                "A link in your network's resource library stopped working: Coast leave form"
            ), told
            stale = await answer(
                await fake.send_command("library stale", {"network": "coast"}, user=COORDINATOR)
            )
            assert stale["flags"] & EPHEMERAL
            assert stale["content"].splitlines()[1] == (
                f"- Coast leave form (entry {entry.id}), {site}/gone: the site answered 404 "
                "(not found or refused), since 2035-06-04"
            ), stale
        finally:
            await bot.stop()


@contextlib.asynccontextmanager
async def loopback_site() -> AsyncIterator[str]:
    """A web server on 127.0.0.1 whose /gone is 404."""

    async def gone(_: web.Request) -> web.Response:
        return web.Response(status=404)

    app = web.Application()
    app.router.add_route("*", "/gone", gone)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()
