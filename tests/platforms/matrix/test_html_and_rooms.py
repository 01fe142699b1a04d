"""Edits and thread replies; place ids; the state of the rooms peerbot creates."""

from __future__ import annotations

from bot.identity import UserRef
from bot.platforms.matrix.html import edit_content, in_thread
from bot.platforms.matrix.render import text_content, to_content
from bot.platforms.matrix.rooms import (
    PLACE_KIND_EVENT,
    PRIVATE_THREAD,
    channel_state,
    power_override,
    private_thread_state,
    retention_content,
    server_of,
    split_place_id,
    thread_place_id,
)
from bot.replies import Card, CardField, Mentions, Reply


def by_type(state: list[dict[str, object]]) -> dict[str, object]:
    return {f"{e['type']}|{e['state_key']}": e["content"] for e in state}


def test_edit_replaces_the_original_with_new_content() -> None:
    content = edit_content("$notice", Reply(text="Going: 2"))
    assert content["m.relates_to"] == {"rel_type": "m.replace", "event_id": "$notice"}
    assert content["m.new_content"]["body"] == "Going: 2"
    assert content["body"] == "* Going: 2"


def test_thread_reply_relates_to_its_root() -> None:
    content = in_thread(to_content(Reply(text="Minutes")), "$root")
    assert content["m.relates_to"]["rel_type"] == "m.thread"
    assert content["m.relates_to"]["event_id"] == "$root"
    assert content["m.relates_to"]["m.in_reply_to"] == {"event_id": "$root"}


TYPED = "@room, @alex:example.org and Alex: please read"


def test_every_message_says_it_mentions_nobody_whatever_its_text() -> None:
    """``m.mentions`` present and empty: Element notifies nobody for names or @room typed by a
    person (without it, it falls back to matching names and @room in the body)."""
    assert to_content(Reply(text=TYPED))["m.mentions"] == {}
    assert text_content(TYPED)["m.mentions"] == {}
    assert in_thread(to_content(Reply(text=TYPED)), "$root")["m.mentions"] == {}
    edit = edit_content("$notice", Reply(text=TYPED))
    assert edit["m.mentions"] == {} and edit["m.new_content"]["m.mentions"] == {}


def test_only_the_people_a_reply_names_are_mentioned() -> None:
    named = Reply(
        text=TYPED,
        mentions=Mentions(
            users=(
                UserRef(platform="matrix", id="@alex:example.org"),
                UserRef(platform="discord", id="123456789012345678"),  # not Matrix's to ping
            ),
            roles=("!notaroom",),  # Matrix has no role mentions
        ),
    )
    assert to_content(named)["m.mentions"] == {"user_ids": ["@alex:example.org"]}
    edit = edit_content("$notice", named)
    # An edit notifies nobody again; its new content keeps whom it names.
    assert edit["m.mentions"] == {}
    assert edit["m.new_content"]["m.mentions"] == {"user_ids": ["@alex:example.org"]}


def test_place_ids_for_rooms_and_threads() -> None:
    assert split_place_id("!abc:test") == ("!abc:test", None)
    thread = thread_place_id("!abc:test", "$root")
    assert thread == "!abc:test/$root"
    assert split_place_id(thread) == ("!abc:test", "$root")
    assert split_place_id("!hashonlyv12/$e") == ("!hashonlyv12", "$e")
    assert server_of("@bot:peerbot.test") == "peerbot.test"
    assert server_of("!hashonlyv12") == ""


def test_private_thread_is_invite_only_members_history_with_retention_in_space() -> None:
    state = by_type(
        private_thread_state(
            parent_space="!space:test", via_server="test", retention_days=30, encrypted=False
        )
    )
    assert state["m.room.join_rules|"] == {"join_rule": "invite"}
    assert state["m.room.history_visibility|"] == {"history_visibility": "shared"}
    assert state["m.room.retention|"] == {"max_lifetime": 30 * 24 * 3600 * 1000}
    assert state["m.space.parent|!space:test"] == {"via": ["test"]}
    assert state[f"{PLACE_KIND_EVENT}|"] == {"kind": PRIVATE_THREAD}
    assert "m.room.encryption|" not in state
    encrypted = by_type(
        private_thread_state(parent_space=None, via_server="", retention_days=None, encrypted=True)
    )
    assert encrypted["m.room.encryption|"] == {"algorithm": "m.megolm.v1.aes-sha2"}
    assert "m.room.retention|" not in encrypted
    assert retention_content(1) == {"max_lifetime": 86_400_000}


def test_channels_are_restricted_to_the_network_space_or_invite_only() -> None:
    state = by_type(
        channel_state(member_of=("!net:test",), parent_space="!net:test", via_server="test")
    )
    assert state["m.room.join_rules|"] == {
        "join_rule": "restricted",
        "allow": [{"type": "m.room_membership", "room_id": "!net:test"}],
    }
    assert state["m.space.parent|!net:test"]["canonical"] is True  # type: ignore[index]
    alone = by_type(channel_state(member_of=(), parent_space=None, via_server=""))
    assert alone["m.room.join_rules|"] == {"join_rule": "invite"}


def test_power_override_never_lists_users() -> None:
    assert "users" not in power_override(read_only=True)
    assert power_override(read_only=True)["events_default"] == 50
    assert "events_default" not in power_override()


def test_web_addresses_are_links_in_cards_and_text() -> None:
    """Support lines' web addresses are clickable in every client, not only in those that
    find links in text themselves; a full stop after an address is not part of it."""
    card = Card(
        title="Crisis and support lines",
        fields=[CardField(name="Lifeline", value="Call 13 11 14\nhttps://lifeline.org.au")],
    )
    html = to_content(Reply(text="See https://qlife.org.au.", cards=[card]))["formatted_body"]
    assert '<a href="https://lifeline.org.au">https://lifeline.org.au</a></li>' in html
    text_only = to_content(Reply(text="See https://qlife.org.au. Or a<b>"))["formatted_body"]
    assert '<a href="https://qlife.org.au">https://qlife.org.au</a>. Or a&lt;b&gt;' in text_only
