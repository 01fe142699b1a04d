"""The Discord shapes of our commands and replies, checked without a connection."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from bot.app import App
from bot.clock import FakeClock
from bot.commands import NETWORK_SLUG_MAX, CommandSpec, OptionKind, OptionSpec, Role
from bot.identity import UserRef
from bot.platforms.discord.commands_payload import (
    STAFF_MARKER,
    PayloadError,
    build_commands,
    command_size,
    commands_hash,
    group_titles,
)
from bot.platforms.discord.components import (
    ActionButton,
    custom_id_for,
    form_custom_id,
    parse_form_custom_id,
)
from bot.platforms.discord.interactions import command_and_options, form_values, option_values
from bot.platforms.discord.port import nonce_for
from bot.platforms.discord.render import split_text, to_message, to_modal
from bot.replies import (
    ActionRef,
    Button,
    Card,
    CardField,
    Form,
    FormField,
    Mentions,
    Reply,
)
from config.settings import load_settings

STRING, INTEGER, NUMBER = 3, 4, 10


async def real_payload(tmp_path: Path) -> list[dict[str, Any]]:
    app = App(load_settings(None, environ={"PEERBOT_DATA_DIR": str(tmp_path)}), clock=FakeClock())
    kernel = await app.start_without_worker()
    try:
        titles = group_titles(kernel.registry.commands.values(), kernel.cogs)
        return build_commands(kernel.registry.commands.values(), descriptions=titles)
    finally:
        await app.stop()


async def test_every_command_fits_discords_rules(tmp_path: Path) -> None:
    payload = await real_payload(tmp_path)
    names = {c["name"] for c in payload}
    assert {"help", "support", "network", "privacy"} <= names
    for command in payload:
        assert command["name"] == command["name"].lower() and len(command["name"]) <= 32
        assert 1 <= len(command["description"]) <= 100
        assert len(command["options"]) <= 25
        for option in command["options"]:
            assert option["name"] == option["name"].lower() and len(option["name"]) <= 32
            assert 1 <= len(option["description"]) <= 100
            for inner in option.get("options", []):
                assert len(inner["description"]) <= 100
    network = next(c for c in payload if c["name"] == "network")
    join = next(o for o in network["options"] if o["name"] == "join")
    assert join["type"] == 1
    assert join["options"][0] == {
        "type": 3,
        "name": "network",
        "description": "The network's short name, like south-coast",
        "required": False,
        "autocomplete": True,
        "max_length": NETWORK_SLUG_MAX,
    }
    support = next(c for c in payload if c["name"] == "support")
    choices = support["options"][0]["choices"]
    assert [ch["value"] for ch in choices] == [
        "all",
        "nsw",
        "vic",
        "qld",
        "wa",
        "sa",
        "tas",
        "act",
        "nt",
        "first-nations",
        "lgbtiq",
    ]
    # Discord's client filters choices by their names as the person types ("western", "wa")
    assert choices[4]["name"] == "People in Western Australia (WA)"


async def test_help_support_and_privacy_work_in_direct_messages(tmp_path: Path) -> None:
    contexts = {c["name"]: c["contexts"] for c in await real_payload(tmp_path)}
    assert contexts["help"] == contexts["support"] == contexts["privacy"] == [0, 1, 2]
    assert contexts["network"] == [0]
    assert contexts["resources"] == [0, 1, 2]  # search and browse in direct messages too
    assert contexts["library"] == [0]


async def test_hash_is_stable_and_notices_changes(tmp_path: Path) -> None:
    first = await real_payload(tmp_path / "a")
    second = await real_payload(tmp_path / "b")
    assert commands_hash(first, "global") == commands_hash(second, "global")
    assert commands_hash(first, "global") != commands_hash(first, "guild 1")
    second[0]["description"] = "changed"
    assert commands_hash(first, "global") != commands_hash(second, "global")


def test_interaction_data_is_read_into_a_command_and_options() -> None:
    data = {
        "name": "network",
        "options": [
            {
                "type": 1,
                "name": "join",
                "options": [
                    {"type": 3, "name": "network", "value": "coast"},
                    {"type": 6, "name": "who", "value": 1234},
                ],
            }
        ],
    }
    name, options = command_and_options(data)
    assert name == "network join"
    assert option_values(options) == {"network": "coast", "who": "1234"}
    assert command_and_options({"name": "support"}) == ("support", [])


def test_form_values_are_found_in_rows_and_labels() -> None:
    components = [
        {"type": 1, "components": [{"type": 4, "custom_id": "title", "value": "Hi"}]},
        {"type": 18, "component": {"type": 4, "custom_id": "body", "value": ""}},
    ]
    assert form_values(components) == {"title": "Hi", "body": ""}


def test_cards_become_embeds_and_text_is_split() -> None:
    card = Card(title="T", description="D", fields=[CardField(name="a", value="b")], footer="F")
    parts = to_message(Reply(text="plain", cards=[card], private=True))
    assert parts.ephemeral and parts.content is None
    assert parts.embeds[0].to_dict()["fields"] == [{"name": "a", "value": "b", "inline": False}]
    long = to_message(Reply(text=("word " * 300 + "\n\n") * 3))
    assert long.content is not None and len(long.content) <= 2000 and long.more
    assert all(len(chunk) <= 2000 for chunk in split_text("x" * 4500))


def test_buttons_and_forms_carry_the_action_reference() -> None:
    ref = ActionRef(action="privacy.delete.confirm", payload="tok123")
    parts = to_message(Reply(text="Sure?", buttons=[Button(label="Yes", action=ref)]))
    assert parts.view is not None
    item = parts.view.children[0]
    assert isinstance(item, ActionButton)
    assert item.custom_id == custom_id_for(ref, "b") == "pb:b:privacy.delete.confirm|tok123"
    assert ActionButton.__discord_ui_compiled_template__.match(item.custom_id)
    form = Form(title="A note", action=ref, fields=[FormField(name="n", label="Note", long=True)])
    modal = to_modal(form)
    assert modal.custom_id == form_custom_id(ref)
    assert parse_form_custom_id(modal.custom_id) == ref
    assert parse_form_custom_id("someone-elses-modal") is None


def test_nonce_is_short_stable_and_distinct() -> None:
    assert nonce_for("meeting:1:reminder") == nonce_for("meeting:1:reminder")
    assert nonce_for("meeting:1:reminder") != nonce_for("meeting:2:reminder")
    assert len(str(nonce_for("x" * 500))) <= 25


def test_cards_over_discords_total_arrive_whole_over_several_messages() -> None:
    """Discord refuses a message whose embeds pass 6000 characters or ten embeds: the cards go
    on in more messages, in order, none shortened or left out; only a card too long on its
    own is shortened (and a card that cannot fit at all is counted, so the message says so)."""
    long = "word " * 800  # 4,000 characters
    reply = Reply(
        text="plain version", cards=[Card(title=f"Card {i}", description=long) for i in range(3)]
    )
    parts = to_message(reply)
    messages = [parts.embeds, *parts.more_cards]
    assert [[e.title for e in m] for m in messages] == [["Card 0"], ["Card 1"], ["Card 2"]]
    assert all((e.description or "").strip() == long.strip() for m in messages for e in m)
    assert parts.content is None

    crowded = Reply(
        cards=[
            Card(title=f"{i}" * 250, fields=[CardField(name="n" * 250, value="v" * 1000)] * 2)
            for i in range(10)
        ]
    )
    spread = to_message(crowded)
    messages = [spread.embeds, *spread.more_cards]
    assert all(sum(len(e) for e in m) <= 6000 and len(m) <= 10 for m in messages)
    assert [e.title for m in messages for e in m] == [f"{i}" * 250 for i in range(10)]
    assert spread.content is None
    flood = to_message(Reply(cards=[*crowded.cards, *crowded.cards]))  # past five messages
    assert len([flood.embeds, *flood.more_cards]) == 5
    assert flood.content == "10 more did not fit in this message."

    twelve = to_message(Reply(cards=[Card(title=f"C{i}", description="d") for i in range(12)]))
    assert [len(twelve.embeds), *map(len, twelve.more_cards)] == [10, 2]

    huge = to_message(
        Reply(
            cards=[
                Card(
                    title="Big",
                    description="x" * 4096,
                    fields=[CardField(name="n", value="v" * 1024)] * 3,
                )
            ]
        )
    )
    assert len(huge.embeds) == 1 and sum(len(e) for e in huge.embeds) <= 6000
    assert (huge.embeds[0].description or "").endswith("…")


def allowed_payload(reply: Reply) -> dict[str, Any]:
    """The ``allowed_mentions`` JSON discord.py sends for a reply."""
    return dict(to_message(reply).allowed_mentions.to_dict())


def test_a_reply_pings_nobody_unless_it_names_whom() -> None:
    """Every field of allowed_mentions is set, so neither discord.py's nor Discord's default
    (which parse the text) applies: text people typed never pings or adds anyone to a thread."""
    typed = "<@123456789012345678> <@&223456789012345678> @everyone @here"
    assert allowed_payload(Reply(text=typed)) == {"parse": []}
    assert allowed_payload(Reply(text=typed, private=True)) == {"parse": []}
    named = Reply(
        text=typed,
        mentions=Mentions(
            users=(
                UserRef(platform="discord", id="123456789012345678"),
                UserRef(platform="matrix", id="@erin:example.org"),
            ),
            roles=("223456789012345678",),
        ),
    )
    assert allowed_payload(named) == {
        "parse": [],
        "users": [123456789012345678],
        "roles": [223456789012345678],
    }


def test_mentions_survive_the_outbox_and_old_rows_mean_nobody() -> None:
    """A reply waits in the outbox as JSON; one queued before mentions existed pings nobody."""
    named = Reply(text="hi", mentions=Mentions(users=(UserRef(platform="discord", id="1"),)))
    assert Reply.model_validate_json(named.model_dump_json()) == named
    old = Reply.model_validate_json('{"text": "queued last year", "private": false}')
    assert old.mentions == Mentions() and old.mentions.user_ids("discord") == []


async def test_staff_commands_are_hidden_from_members_and_shown_to_staff_roles(
    tmp_path: Path,
) -> None:
    """Discord's default_member_permissions is per top-level command. Every top-level whose
    commands are all for executives, coordinators or admins needs the staff marker (which
    set-up gives the networks' staff roles); one whose commands are all for admins needs
    Manage Server (32); the rest, visible (null), hold at most the commands that run before a
    network has roles (creating, archiving, setting up)."""
    payload = await real_payload(tmp_path)
    shown = {c["name"]: c["default_member_permissions"] for c in payload}
    marker = str(STAFF_MARKER)
    assert {name for name, needed in shown.items() if needed == marker} == {
        "library",
        "manage",
        "mod",
    }
    app = App(load_settings(None, environ={"PEERBOT_DATA_DIR": str(tmp_path / "x")}))
    kernel = await app.start_without_worker()
    try:
        specs = list(kernel.registry.commands.values())
    finally:
        await app.stop()
    visible_staff = {
        s.name for s in specs if s.role >= Role.EXECUTIVE and shown[s.name.split(" ")[0]] is None
    }
    assert visible_staff == {"network create", "network archive", "network setup"}
    members_see = [s for s in specs if shown[s.name.split(" ")[0]] is None]
    assert len(members_see) == len([s for s in specs if s.role < Role.EXECUTIVE]) + 3
    admin_only = [s for s in specs if s.name in ("network create", "network archive")]
    alone = build_commands(admin_only, descriptions={})
    assert [(c["name"], c["default_member_permissions"]) for c in alone] == [("network", "32")]


async def test_staff_commands_nest_as_discord_subcommand_groups(tmp_path: Path) -> None:
    """``/manage meeting schedule`` is the command manage, its group meeting, its subcommand
    schedule; each command stays within Discord's 8000 characters."""
    payload = await real_payload(tmp_path)
    manage = next(c for c in payload if c["name"] == "manage")
    groups = {o["name"]: o for o in manage["options"]}
    assert set(groups) == {
        "checkin",
        "meeting",
        "mentoring",
        "network",
        "question",
        "reflect",
        "story",
    }
    assert all(o["type"] == 2 for o in groups.values())
    meeting = {o["name"] for o in groups["meeting"]["options"]}
    assert {"schedule", "edit", "skip", "cancel"} <= meeting
    assert groups["meeting"]["description"] == "Meetings"
    assert all(command_size(c) <= 8000 for c in payload)


def test_a_command_over_discords_size_limit_is_refused() -> None:
    """Discord refuses (at sync) a command whose names and descriptions pass 8000
    characters; peerbot says which at build time instead."""

    async def handler(self: object, ctx: object) -> Reply:
        raise AssertionError

    specs = [
        CommandSpec(f"big c{i}", "d" * 100, Role.MEMBER, handler, (), BaseModel) for i in range(25)
    ]
    build_commands(specs, descriptions={})  # 25 x ~104 characters: fine
    words = [OptionSpec(f"o{j}", "x" * 100, OptionKind.TEXT, required=False) for j in range(25)]
    huge = [
        CommandSpec(f"big c{i}", "d" * 100, Role.MEMBER, handler, tuple(words), BaseModel)
        for i in range(4)
    ]
    with pytest.raises(PayloadError, match="at most 8000"):
        build_commands(huge, descriptions={})


def _leaf_options(payload: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for command in payload:
        for option in command["options"]:
            if option["type"] == 1:  # a subcommand: its own options
                found += [(f"{command['name']} {option['name']}", o) for o in option["options"]]
            elif option["type"] == 2:  # a subcommand group: its subcommands' options
                found += [
                    (f"{command['name']} {option['name']} {sub['name']}", o)
                    for sub in option["options"]
                    for o in sub["options"]
                ]
            else:
                found.append((command["name"], option))
    return found


async def test_every_number_and_text_option_carries_its_limits_to_discord(tmp_path: Path) -> None:
    """So Discord's own client refuses 2^63 or a novel-length name before it reaches us."""
    options = _leaf_options(await real_payload(tmp_path))
    numbers = [(name, o) for name, o in options if o["type"] in (INTEGER, NUMBER)]
    texts = [(name, o) for name, o in options if o["type"] == STRING and "choices" not in o]
    assert numbers and texts
    for name, option in numbers:
        low, high = option["min_value"], option["max_value"]
        assert -(2**53) <= low <= high <= 2**53, (name, option["name"])
        if option["type"] == INTEGER:
            assert isinstance(low, int) and isinstance(high, int)
    for name, option in texts:
        assert 1 <= option["max_length"] <= 6000, (name, option["name"])
    by_name = {(name, o["name"]): o for name, o in options}
    assert by_name[("meeting list", "count")]["min_value"] == 1
    assert by_name[("meeting list", "count")]["max_value"] == 12
    assert by_name[("checkin pause", "until")]["max_length"] == 10
