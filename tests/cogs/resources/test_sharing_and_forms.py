"""Sharing an entry into a channel (issue 18, item 8) and forms that keep what was typed
(item 11), through the registry as on the console."""

from __future__ import annotations

from typing import Any

from bot.commands import Role
from bot.identity import PlaceRef, UserRef
from bot.mentions import plain
from bot.ports import DeliveryError
from bot.registry import ActionInvocation
from bot.replies import Reply
from tests.cogs.resources.conftest import GENERAL, World

LINK = "https://example.org/agreement"


def share_button(reply: Reply) -> Any:
    return next(b.action for b in reply.buttons if b.label == "Share here")


async def test_share_here_posts_the_card_in_the_channel(world: World) -> None:
    shown = await world.run("mia", "resources show", entry="lifeline", place=GENERAL)
    assert [b.label for b in shown.buttons] == ["Share here", "Save"]
    done = await world.press("mia", share_button(shown), place=GENERAL)
    assert done.private
    assert done.text.startswith("Shared 'Lifeline' (entry "), done.text
    [(key, target, text)] = world.port.sent
    assert target == "general" and key.startswith("resources:share:")
    posted = world.port.replies[0]
    assert not posted.private
    assert posted.mentions.users == () and posted.mentions.roles == ()  # notifies nobody
    assert posted.cards[0].title == "Lifeline"
    assert posted.cards[0].url == "https://lifeline.org.au"
    assert ("Shared by", "mia") in [(f.name, plain(f.value)) for f in posted.cards[0].fields]
    assert "13 11 14" in text and "shared an entry of the resource library" in text


async def test_share_command_posts_too(world: World) -> None:
    done = await world.run("max", "resources share", entry="13YARN", place=GENERAL)
    assert done.private and done.text.startswith("Shared '13YARN' (entry "), done.text
    assert plain(done.text).endswith(" in #general.")
    assert world.port.replies[0].cards[0].title == "13YARN"


async def test_sharing_in_a_direct_message_is_refused_politely(world: World) -> None:
    shown = await world.run("mia", "resources show", entry="lifeline")
    dm = PlaceRef(platform="console", id="dm-mia")
    refused = await world.kernel.registry.invoke_action(
        ActionInvocation(
            user=UserRef(platform="console", id="mia"), place=dm, action=share_button(shown)
        )
    )
    assert refused.text.startswith(
        "Sharing posts the entry in a channel for everyone there to see, and this is a direct "
        "message, so there is nowhere to share it."
    ), refused.text
    on_console = await world.run("mia", "resources share", entry="lifeline")
    assert on_console.text.startswith(
        "Sharing posts the entry in a channel for everyone there to see, and the console has "
        "none, so there is nowhere to share it."
    ), on_console.text
    assert world.port.sent == []


async def test_a_network_entry_is_shared_only_in_its_network(world: World) -> None:
    added = await world.run(
        "carol",
        "resources add",
        title="Coast roster",
        link=LINK,
        summary="Who is on when.",
        area="support",
        type="form",
        network="south-coast",
    )
    number = added.cards[0].footer.split()[1]
    refused = await world.run("mia", "resources share", entry=number, place=GENERAL)
    assert refused.text.startswith(f"Entry {number} is in one network's own library"), refused.text
    assert world.port.sent == []
    elsewhere = await world.run("ben", "resources share", entry=number, place=GENERAL)
    assert f"no entry '{number}' that you can see" in elsewhere.text


async def test_a_failed_post_says_nothing_was_shared(world: World) -> None:
    world.port.fail_with = lambda key: DeliveryError("busy", retryable=True)
    refused = await world.run("mia", "resources share", entry="lifeline", place=GENERAL)
    assert refused.text == (
        "peerbot could not post in this channel just now, as the platform was busy. Try again "
        "in a minute. Nothing was shared."
    )


async def open_form(world: World) -> Any:
    opened = await world.run("mia", "resources submit", area="support", type="template")
    assert opened.form is not None
    return opened.form


async def test_a_link_without_https_gets_it(world: World) -> None:
    form = await open_form(world)
    fields = {"title": "Agreement", "link": "www.example.org/agreement", "summary": "A template."}
    sent = await world.press("mia", form.action, fields)
    assert sent.text.startswith("Thank you."), sent.text
    [waiting] = await world.service.pending(world.south)
    assert waiting.draft.link == "https://www.example.org/agreement"
    added = await world.run(
        "carol",
        "resources add",
        title="Roster",
        link="example.org.au",
        summary="A roster.",
        area="support",
        type="form",
        network="south-coast",
    )
    assert added.cards[0].url == "https://example.org.au"


async def test_a_refused_form_asks_again_only_for_the_bad_field(world: World) -> None:
    form = await open_form(world)
    typed = {
        "title": "Peer supervision agreement",
        "link": "example",  # not a web address, and not unambiguous
        "summary": "A template agreement for peer supervision sessions.",
        "tags": "supervision agreement",
    }
    refused = await world.press("mia", form.action, typed)
    assert refused.text.startswith(
        "The link must be a web address starting with http:// or https://. Nothing was sent "
        "yet; the rest of what you typed is kept."
    ), refused.text
    assert refused.form is not None
    assert [(f.name, f.default) for f in refused.form.fields] == [("link", "example")]
    assert await world.service.pending(world.south) == []

    again = await world.press("mia", refused.form.action, {"link": "mailto:x@example.org"})
    assert again.form is not None and again.form.action == refused.form.action  # same draft
    sent = await world.press("mia", again.form.action, {"link": "https://example.org/a"})
    assert sent.text.startswith("Thank you. Your suggestion 'Peer supervision agreement'")
    [waiting] = await world.service.pending(world.south)
    assert (
        waiting.draft.summary == typed["summary"] and waiting.draft.tags == "supervision agreement"
    )
    assert waiting.draft.link == "https://example.org/a"
    stale = await world.press("mia", again.form.action, {"link": "https://example.org/b"})
    assert "no longer holds what you typed" in stale.text
    assert len(await world.service.pending(world.south)) == 1


async def test_a_kept_form_is_only_for_the_person_who_typed_it(world: World) -> None:
    form = await open_form(world)
    refused = await world.press(
        "mia", form.action, {"title": "T", "link": "example", "summary": "S."}
    )
    assert refused.form is not None
    other = await world.press("max", refused.form.action, {"link": "https://example.org"})
    assert "no longer holds what you typed" in other.text
    assert await world.service.pending(world.south) == []


async def test_on_discord_a_refused_form_offers_to_open_it_again_filled_in(world: World) -> None:
    await world.kernel.registry.directory.assign_role("discord:42", world.south, Role.MEMBER)
    discord_mia = UserRef(platform="discord", id="42")
    space = PlaceRef(platform="discord", id="1")

    async def press(action: Any, fields: dict[str, str] | None = None) -> Reply:
        return await world.kernel.registry.invoke_action(
            ActionInvocation(
                user=discord_mia, place=None, action=action, fields=fields or {}, space=space
            )
        )

    form = await open_form(world)
    typed = {"title": "Agreement", "link": "ftp://example.org", "summary": "A template."}
    refused = await press(form.action, typed)
    assert refused.form is None  # Discord opens no form in answer to a form
    assert refused.text.endswith("press Fix the form to change it and send it."), refused.text
    [fix] = refused.buttons
    assert fix.label == "Fix the form"
    reopened = await press(fix.action)
    assert reopened.form is not None
    assert {f.name: f.default for f in reopened.form.fields} == {
        "title": "Agreement",
        "link": "ftp://example.org",
        "summary": "A template.",
        "tags": "",
        "closes": "",
    }
    sent = await press(reopened.form.action, {**typed, "link": "https://example.org"})
    assert sent.text.startswith("Thank you."), sent.text
