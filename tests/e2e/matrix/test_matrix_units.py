"""The Matrix adapter's pure parts, without a homeserver: parsing, rendering, numbered choices,
guided forms and the saved session."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import UserError
from bot.platforms.matrix.choices import Entry, PendingChoice, keycap_number, parse_numbers, pick
from bot.platforms.matrix.forms import OpenForm, answer, question
from bot.platforms.matrix.inbound import strip_reply_fallback
from bot.platforms.matrix.render import bang_commands, to_content
from bot.platforms.matrix.state import Session, load_session, save_session
from bot.platforms.textcommand import parse_command_text
from bot.replies import (
    ActionRef,
    Button,
    Card,
    CardField,
    Choice,
    Form,
    FormField,
    Reply,
    Select,
)

WORDS = frozenset({"support", "meeting", "network"})


def test_text_commands_parse_like_the_console() -> None:
    assert parse_command_text('meeting schedule title:"Our meeting" time:18:30') == (
        ["meeting", "schedule"],
        {"title": "Our meeting", "time": "18:30"},
    )
    with pytest.raises(UserError, match="Check the quotes"):
        parse_command_text('meeting schedule title:"Our')
    with pytest.raises(UserError, match="given twice"):
        parse_command_text("support filter:nsw filter:all")


def test_slash_commands_in_replies_are_shown_with_a_bang() -> None:
    text = "Type /support, or /meeting next. See https://example.org/support and a/support."
    assert bang_commands(text, WORDS) == (
        "Type !support, or !meeting next. See https://example.org/support and a/support."
    )
    assert bang_commands("/unknown stays", WORDS) == "/unknown stays"


def test_cards_are_html_and_text_is_the_plain_fallback() -> None:
    reply = Reply(
        text="Call 000 first. Then /support.",
        cards=[Card(title="Support <lines>", fields=[CardField(name="Emergency", value="000")])],
    )
    content = to_content(reply, WORDS)
    assert content["msgtype"] == "m.notice"
    assert content["body"] == "Call 000 first. Then !support."
    assert content["format"] == "org.matrix.custom.html"
    assert "<h4>Support &lt;lines&gt;</h4>" in content["formatted_body"]
    assert "<li><strong>Emergency</strong>: 000</li>" in content["formatted_body"]


def test_buttons_and_a_menu_share_one_numbering() -> None:
    go = ActionRef(action="a.go")
    reply = Reply(
        text="Pick.",
        buttons=[Button(label="Join", action=go), Button(label="Decline", action=go)],
        select=Select(
            placeholder="Topics",
            action=ActionRef(action="a.pick"),
            choices=[Choice(label="Grief", value="grief"), Choice(label="Role", value="role")],
            max_values=2,
        ),
    )
    body = to_content(reply)["body"]
    assert "1. Join\n2. Decline\n3. Grief\n4. Role" in body
    assert "reply to this message with the numbers, separated by spaces (up to 2)" in body


def test_reactions_and_numbers() -> None:
    assert keycap_number("1️⃣") == 1
    assert keycap_number("1⃣") == 1  # without the variation selector some clients send
    assert keycap_number("🔟") == 10
    assert keycap_number("👍") is None
    assert parse_numbers(" 2 ") == [2]
    assert parse_numbers("1, 3") == [1, 3]
    assert parse_numbers("2 please") is None


def _choice(max_values: int = 1) -> PendingChoice:
    yes = ActionRef(action="x.yes")
    menu = ActionRef(action="x.menu", payload="7")
    return PendingChoice(
        event_id="$e",
        room_id="!r",
        user_key=None,
        entries=(Entry(yes), Entry(menu, "a"), Entry(menu, "b")),
        max_values=max_values,
    )


def test_picking_numbers() -> None:
    assert pick(_choice(), [1]) == (ActionRef(action="x.yes"), ())
    assert pick(_choice(2), [2, 3]) == (ActionRef(action="x.menu", payload="7"), ("a", "b"))
    with pytest.raises(UserError, match="from 1 to 3"):
        pick(_choice(), [4])
    with pytest.raises(UserError, match="at most 1"):
        pick(_choice(), [2, 3])
    with pytest.raises(UserError, match="one number"):
        pick(_choice(2), [1, 2])


def test_a_form_asks_each_field_and_checks_the_answers() -> None:
    form = Form(
        title="A note",
        action=ActionRef(action="n.save"),
        fields=[
            FormField(name="title", label="Title", max_length=5),
            FormField(name="body", label="Body", required=False, default="none"),
        ],
    )
    open_form = OpenForm(user_key="matrix:@a:x", room_id="!dm", form=form)
    assert question(open_form).startswith("A note, question 1 of 2: Title")
    assert "required" in answer(open_form, "skip").message
    assert "it fits 5 characters" in answer(open_form, "far too long").message
    assert "question 2 of 2" in answer(open_form, "Short").message
    assert answer(open_form, "skip").finished == {"title": "Short", "body": "none"}
    assert answer(OpenForm("k", "!dm", form), "Cancel").cancelled


def test_a_reply_quote_is_not_part_of_the_answer() -> None:
    assert strip_reply_fallback("> <@bot:x> 1. Join\n> 2. Decline\n\n2") == "2"
    assert strip_reply_fallback("  !help ") == "!help"


def test_the_session_file_is_private_and_written_whole(tmp_path: Path) -> None:
    session = Session("https://m.example.org", "@bot:example.org", "DEVICE", "secret")
    save_session(tmp_path / "matrix", session)
    path = tmp_path / "matrix" / "session.json"
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_session(tmp_path / "matrix") == session
    path.write_text("{not json", encoding="utf-8")
    assert load_session(tmp_path / "matrix") is None
