"""Element's pills read as ids, room links that can be joined, and the power levels that let
members answer in a read-only room: pure functions, no homeserver."""

from __future__ import annotations

from bot import mentions
from bot.mentions import render as render_marks
from bot.platforms.matrix import render
from bot.platforms.matrix.pills import formatted_text, html_to_text, matrix_id_of_link
from bot.platforms.matrix.power import (
    answers_allowed,
    can_send,
    room_powers,
    with_answers_allowed,
)

BOT = "@peerbot:test"
ALEX = "@alex:test"


def test_links_to_people_rooms_and_events_give_their_ids() -> None:
    assert matrix_id_of_link("https://matrix.to/#/@bea:example.org") == "@bea:example.org"
    assert matrix_id_of_link("https://matrix.to/#/%40bea%3Aexample.org") == "@bea:example.org"
    assert matrix_id_of_link("https://matrix.to/#/!room:ex.org?via=ex.org") == "!room:ex.org"
    assert matrix_id_of_link("https://matrix.to/#/!room:ex.org/$event?via=ex") == "!room:ex.org"
    assert matrix_id_of_link("https://matrix.to/#/#lobby:ex.org") == "#lobby:ex.org"
    assert matrix_id_of_link("matrix:u/bea:example.org?action=chat") == "@bea:example.org"
    assert matrix_id_of_link("matrix:roomid/room:ex.org") == "!room:ex.org"
    assert matrix_id_of_link("https://example.org/@bea") is None


def test_a_command_with_pills_reads_as_ids_and_the_reply_quote_is_dropped() -> None:
    formatted = (
        "<mx-reply><blockquote>earlier</blockquote></mx-reply>"
        '!reflect start peers:"<a href="https://matrix.to/#/@bea:ex.org">Bea Smith</a> '
        "<a href='https://matrix.to/#/@cal:ex.org'>Cal</a>\" title:&quot;Hard&quot; "
        '<a href="https://example.org">a link</a>'
    )
    assert html_to_text(formatted) == (
        '!reflect start peers:"@bea:ex.org @cal:ex.org" title:"Hard" a link'
    )
    content = {"format": "org.matrix.custom.html", "formatted_body": formatted, "body": "x"}
    assert formatted_text(content) is not None
    # Without a link the plain body is read as it is (Element sends no HTML for plain text).
    assert (
        formatted_text({"format": "org.matrix.custom.html", "formatted_body": "<b>!help</b>"})
        is None
    )
    assert formatted_text({"body": "!help"}) is None


def test_rooms_are_links_that_say_which_server_to_join_through() -> None:
    render.set_home_server("home.test")
    try:
        html = render_marks(
            mentions.place("matrix:!abc:ex.org", "coast-general"), render.HTML_MARKS
        )
        assert html == '<a href="https://matrix.to/#/!abc:ex.org?via=ex.org">#coast-general</a>'
        v12 = render_marks(mentions.place("matrix:!hash"), render.HTML_MARKS)
        assert 'href="https://matrix.to/#/!hash?via=home.test"' in v12
    finally:
        render.set_home_server("")


def test_a_read_only_room_opens_reactions_and_their_redaction_but_not_messages() -> None:
    create = {"room_version": "10", "creator": BOT}
    levels = {
        "users": {BOT: 100},
        "events_default": 50,
        "state_default": 50,
        "events": {"m.room.power_levels": 100, "m.room.name": 50},
    }
    powers = room_powers(BOT, create, levels)
    assert not answers_allowed(powers)
    assert not can_send(powers, ALEX, "m.reaction")
    opened = room_powers(BOT, create, with_answers_allowed(powers))
    assert answers_allowed(opened)
    assert can_send(opened, ALEX, "m.reaction") and can_send(opened, ALEX, "m.room.redaction")
    assert not can_send(opened, ALEX, "m.room.message")
    assert opened.levels is not None
    assert opened.levels["events"]["m.room.power_levels"] == 100  # the rest is kept
