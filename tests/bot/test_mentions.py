"""People, places and times as neutral marks, and how each platform writes them."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.mentions import PLAIN, local_time, moment, person, place, plain, render_marks
from bot.platforms.console_render import render_reply
from bot.platforms.discord.render import to_message
from bot.platforms.matrix.render import to_content
from bot.replies import Card, CardField, Reply

SYDNEY = ZoneInfo("Australia/Sydney")
AT = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)  # 20:00 AEDT


def test_local_time_has_the_zones_abbreviation_across_daylight_saving() -> None:
    assert local_time(AT.astimezone(SYDNEY)) == "Mon 4 Jan 2027, 20:00 AEDT"
    winter = datetime(2027, 7, 5, 9, 0, tzinfo=UTC).astimezone(SYDNEY)
    assert local_time(winter) == "Mon 5 Jul 2027, 19:00 AEST"


def test_the_console_and_plain_text_show_names_and_local_times() -> None:
    when = moment(AT.astimezone(SYDNEY))
    text = f"{person('console:carol')} locked {place('console:general')} at {when}"
    assert plain(text) == "carol locked #general at Mon 4 Jan 2027, 20:00 AEDT"
    assert render_reply(Reply(text=text), show_cards=False) == [
        "carol locked #general at Mon 4 Jan 2027, 20:00 AEDT"
    ]
    named = person("discord:42", "Carol B")
    assert plain(named) == "Carol B"


def test_discord_writes_mentions_channel_links_and_timestamps() -> None:
    when = moment(AT.astimezone(SYDNEY))
    reply = Reply(
        text="ignored with cards",
        cards=[
            Card(
                title=f"By {person('discord:42')}",
                fields=[CardField(name="Where", value=place("discord:77"))],
                footer=when,
            )
        ],
    )
    embed = to_message(reply).embeds[0]
    assert embed.title == "By <@42>"
    assert embed.fields[0].value == "<#77>"
    assert embed.footer.text == f"Mon 4 Jan 2027, 20:00 AEDT (<t:{int(AT.timestamp())}:f>)"
    # someone from another platform (a linked Matrix account) is shown by name, not a bad mention
    assert to_message(Reply(text=person("matrix:@ann:example.org"))).content == ("@ann:example.org")


def test_matrix_links_people_and_rooms_with_pills() -> None:
    text = f"{person('matrix:@ann:example.org')} in {place('matrix:!room:example.org', 'general')}"
    content = to_content(Reply(text=text))
    assert content["body"] == "@ann:example.org in #general"
    html = content["formatted_body"]
    assert '<a href="https://matrix.to/#/@ann:example.org">@ann:example.org</a>' in html
    # a room link names the server to join through
    assert '<a href="https://matrix.to/#/!room:example.org?via=example.org">#general</a>' in html


def test_marks_cannot_be_forged_from_their_parts() -> None:
    # a name holding the mark characters is cleaned, so it cannot open a mark of its own
    sneaky = person("console:x", "\ue000person\x1fdiscord:1\x1f\ue001")
    assert plain(sneaky) == "persondiscord:1"
    assert render_marks(Reply(text="no marks here"), PLAIN).text == "no marks here"
