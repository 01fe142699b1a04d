"""Layer 2: /support and /help through the registry, the path every platform takes."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from bot.cog import Cog
from bot.commands import Context, OptionKind, Role, command
from bot.errors import ConfigError
from bot.identity import UserRef
from bot.kernel import Kernel
from bot.replies import Reply
from cogs.support import SupportCog, setup
from cogs.support.commands import NOT_A_CRISIS_SERVICE

Invoke = Callable[..., Awaitable[Reply]]
DANGER_NOW = "If you or someone else is in danger now, call 000."
EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff]")


class _AdminCog(Cog):
    """A second cog, to see /help group by title and hide what the caller may not run."""

    name = "tools"
    title = "Admin tools"

    @command("backup", "Copy the database to a file", role=Role.ADMIN)
    async def backup(self, ctx: Context) -> Reply:
        return Reply.private_text("done")


# ---- /support ----------------------------------------------------------------------------


async def test_support_with_nsw_filter(invoke: Invoke) -> None:
    reply = await invoke("support", filter="nsw")
    assert reply.private
    assert reply.text.startswith(NOT_A_CRISIS_SERVICE)
    assert "peerbot is not a crisis service" in reply.text
    assert DANGER_NOW in reply.text
    assert "NSW Mental Health Line: call 1800 011 511." in reply.text
    assert reply.text.index("000") < reply.text.index("13 11 14")
    assert "Suicide Call Back Service" in reply.text
    assert "QLife" not in reply.text


async def test_support_lists_000_first_then_lifeline(invoke: Invoke) -> None:
    reply = await invoke("support")
    service_lines = [line for line in reply.text.splitlines() if ": call " in line]
    assert service_lines[0].startswith("- Emergency (police, ambulance, fire): call 000.")
    assert service_lines[1].startswith("- Lifeline: call 13 11 14 or text 0477 13 11 14.")
    assert len(service_lines) == 10


async def test_support_shows_qlife_hours_and_that_it_is_not_a_crisis_line(
    invoke: Invoke,
) -> None:
    reply = await invoke("support", filter="lgbtiq")
    (qlife,) = [line for line in reply.text.splitlines() if line.startswith("- QLife:")]
    assert "3pm to midnight, every day" in qlife
    assert "Peer support, not a crisis line" in qlife
    assert "24 hours" not in qlife
    assert "Lifeline: call 13 11 14" in reply.text


async def test_support_says_when_numbers_were_checked(invoke: Invoke) -> None:
    reply = await invoke("support", filter="first-nations")
    assert reply.text.splitlines()[-1] == "Numbers last checked 23 November 2026."
    assert "Lines for Aboriginal and Torres Strait Islander people first" in reply.text


async def test_support_sends_one_card_with_a_field_per_service(invoke: Invoke) -> None:
    reply = await invoke("support", filter="nsw")
    (card,) = reply.cards
    # the card says what the text says, the filtered list's heading included
    assert card.description.startswith(NOT_A_CRISIS_SERVICE + "\n\n")
    assert card.description.endswith("then 24/7 crisis lines for everyone:")
    assert card.footer == "Numbers last checked 23 November 2026"
    names = [f.name for f in card.fields]
    assert names[:2] == ["Emergency (police, ambulance, fire)", "NSW Mental Health Line"]
    assert {"Lifeline", "Suicide Call Back Service"} <= set(names)
    assert card.fields[0].value.startswith("Call 000")
    # Discord's embed limits, the tightest of the platforms.
    assert len(card.fields) <= 25
    assert all(len(f.value) <= 1024 and len(f.name) <= 256 for f in card.fields)


@pytest.mark.parametrize("line_filter", ["all", "nsw", "first-nations", "lgbtiq"])
async def test_support_uses_no_emoji(invoke: Invoke, line_filter: str) -> None:
    reply = await invoke("support", filter=line_filter)
    everything = reply.text + "".join(f.name + f.value for card in reply.cards for f in card.fields)
    assert len(EMOJI.findall(everything)) <= 1


async def test_a_wrong_filter_is_explained_privately(invoke: Invoke) -> None:
    reply = await invoke("support", filter="queensland")
    assert reply.private
    assert "'filter'" in reply.text
    assert "all, nsw, first-nations, lgbtiq" in reply.text
    assert "queensland" in reply.text
    assert not reply.cards


async def test_an_unknown_option_is_explained_privately(invoke: Invoke) -> None:
    reply = await invoke("support", region="nsw")
    assert reply.private
    assert "no option 'region'" in reply.text


def test_support_filter_is_a_described_choice(kernel: Kernel) -> None:
    spec = kernel.registry.commands["support"]
    assert spec.role is Role.EVERYONE
    assert spec.cog == "support"
    option = spec.option("filter")
    assert option is not None
    assert option.kind is OptionKind.CHOICE
    assert not option.required
    assert option.description
    assert [c.value for c in option.choices] == ["all", "nsw", "first-nations", "lgbtiq"]
    assert option.choices[1].label == "People in New South Wales (NSW)"


# ---- /help -------------------------------------------------------------------------------


async def test_help_lists_support_and_help_under_the_cog_title(invoke: Invoke) -> None:
    reply = await invoke("help")
    assert reply.private
    lines = reply.text.splitlines()
    start = lines.index("Support and help")
    assert lines[start + 1] == "  /help, /support"
    assert "/help COMMAND" in lines[-2]
    assert "/support" in lines[-1]


async def test_help_shows_only_what_the_caller_may_run(
    kernel: Kernel, invoke: Invoke, admin: UserRef
) -> None:
    kernel.registry.add_cog(_AdminCog(kernel))

    everyone = await invoke("help")
    assert "/backup" not in everyone.text
    assert "Admin tools" not in everyone.text

    as_admin = await invoke("help", user=admin)
    lines = as_admin.text.splitlines()
    assert lines.index("Admin tools") < lines.index("Support and help")
    assert lines[lines.index("Admin tools") + 1] == "  /backup"


async def test_help_is_short_one_line_per_group(invoke: Invoke, admin: UserRef) -> None:
    """Even an admin's /help fits on a screen: names only, grouped, at most 78 wide."""
    lines = (await invoke("help", user=admin)).text.splitlines()
    assert len(lines) < 45
    assert all(len(line) <= 78 for line in lines)
    assert not any(" — " in line for line in lines)


async def test_help_for_one_command_lists_its_options_and_their_values(invoke: Invoke) -> None:
    reply = await invoke("help", command="support")
    assert reply.private
    lines = reply.text.splitlines()
    assert lines[0] == "/support — Crisis and support lines"
    (line,) = [line for line in lines if line.startswith("- filter (optional):")]
    for value in ("all", "nsw", "lgbtiq"):
        assert value in line
    assert lines[-1] == "Type it as: /support"


async def test_help_for_a_command_the_caller_may_not_use_says_so(
    kernel: Kernel, invoke: Invoke, admin: UserRef
) -> None:
    kernel.registry.add_cog(_AdminCog(kernel))
    refused = await invoke("help", command="backup")
    assert refused.text.startswith("There is no command /backup you can use.")
    shown = await invoke("help", command="/backup", user=admin)
    assert shown.text.splitlines()[:2] == [
        "/backup — Copy the database to a file",
        "Who can use it: admins and above.",
    ]


# ---- wiring ------------------------------------------------------------------------------


def test_setup_returns_the_support_cog(kernel: Kernel) -> None:
    cog = setup(kernel)
    assert isinstance(cog, SupportCog)
    assert (cog.name, cog.title) == ("support", "Support and help")
    assert cog.data_file.name == "support_lines.toml"


def test_a_wrong_data_file_stops_the_cog_from_starting(kernel: Kernel, tmp_path: Path) -> None:
    bad = tmp_path / "lines.toml"
    bad.write_text("last_checked = 2026-11-23\nservices = []\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="services"):
        SupportCog(kernel, data_file=bad)
