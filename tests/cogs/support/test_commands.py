"""Layer 2: /support and /help through the registry, the path every platform takes."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.cog import Cog
from bot.commands import Context, OptionKind, Role, command
from bot.errors import ConfigError
from bot.identity import UserRef
from bot.kernel import Kernel
from bot.replies import Reply
from cogs.support import SupportCog, setup
from cogs.support.commands import NOT_A_CRISIS_SERVICE
from tests.cogs.networks import Apps, settings_for
from tests.cogs.networks import invoke as invoke_as

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
    assert service_lines[0].startswith("- Emergency (ambulance, fire, police): call 000.")
    assert service_lines[1].startswith("- Lifeline: call 13 11 14 or text 0477 13 11 14.")
    assert len(service_lines) == 12  # the national lines; then each state's, one short line each
    lines = reply.text.splitlines()
    states = lines.index("Mental health lines by state and territory:")
    assert lines[states + 1] == "- NSW Mental Health Line: 1800 011 511"
    assert "- Mental Health Emergency Response Line (Perth): 1300 555 788" in lines
    assert "- NT Mental Health Line: 1800 682 288" in lines
    assert "/support filter:wa" in reply.text


async def test_support_shows_qlife_hours_and_that_it_is_not_a_crisis_line(
    invoke: Invoke,
) -> None:
    reply = await invoke("support", filter="lgbtiq")
    (qlife,) = [line for line in reply.text.splitlines() if line.startswith("- QLife:")]
    assert "3pm to midnight in your local time, every day" in qlife
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
    assert names[:2] == ["Emergency (ambulance, fire, police)", "NSW Mental Health Line"]
    assert {"Lifeline", "Suicide Call Back Service"} <= set(names)
    assert card.fields[0].value.startswith("Call 000")
    # Discord's embed limits, the tightest of the platforms.
    assert len(card.fields) <= 25
    assert all(len(f.value) <= 1024 and len(f.name) <= 256 for f in card.fields)


@pytest.mark.parametrize(
    ("typed", "first_line"),
    [
        ("wa", "Mental Health Emergency Response Line (Perth): call 1300 555 788."),
        ("Western Australia", "Mental Health Emergency Response Line (Perth): call 1300 555 788."),
        ("VIC", "NURSE-ON-CALL (Victoria): call 1300 60 60 24."),
        ("queensland", "1300 MH CALL (Queensland): call 1300 642 255."),
        ("nsw", "NSW Mental Health Line: call 1800 011 511."),
        ("sa", "Mental Health Triage Service (South Australia): call 13 14 65."),
        ("Tasmania", "Access Mental Health (Tasmania): call 1800 332 388."),
        ("ACT", "Access Mental Health (ACT): call 1800 629 354."),
        ("Northern Territory", "NT Mental Health Line: call 1800 682 288."),
    ],
)
async def test_support_filters_by_every_state_and_territory(
    invoke: Invoke, typed: str, first_line: str
) -> None:
    reply = await invoke("support", filter=typed)
    assert reply.private and reply.cards
    listed = [line for line in reply.text.splitlines() if line.startswith("- ")]
    assert listed[0].startswith("- Emergency (ambulance, fire, police): call 000.")
    assert listed[1].startswith("- " + first_line)
    assert listed[-2].startswith("- Lifeline: call 13 11 14")
    assert listed[-1].startswith("- Suicide Call Back Service: call 1300 659 467")
    (card,) = reply.cards
    assert card.fields[0].value.startswith("Call 000")
    assert card.fields[1].name == first_line.split(": call", maxsplit=1)[0]


async def test_support_filter_wa_shows_western_australias_lines(invoke: Invoke) -> None:
    reply = await invoke("support", filter="wa")
    assert "Lines for people in Western Australia (WA) first" in reply.text
    for number in ("1300 555 788", "1800 676 822", "1800 552 002"):
        assert number in reply.text
    assert "Outside business hours" in reply.text  # Rurallink is not 24/7
    assert "1800 011 511" not in reply.text  # not NSW's line


@pytest.mark.parametrize("line_filter", ["all", "nsw", "wa", "first-nations", "lgbtiq"])
async def test_the_card_reads_on_a_phone(invoke: Invoke, line_filter: str) -> None:
    reply = await invoke("support", filter=line_filter)
    (card,) = reply.cards
    # 000 first, then at least two 24/7 crisis lines; short lines, no walls of text
    assert card.fields[0].value.splitlines()[0] == "Call 000"
    open_lines = [f for f in card.fields[1:] if "Open 24 hours, 7 days" in f.value]
    assert len(open_lines) >= 2
    for card_field in card.fields:
        lines = card_field.value.splitlines()
        assert len(lines) <= 13, card_field.name
        assert all(len(line) <= 110 for line in lines), card_field.name
    assert len(card.description) <= 250


async def test_web_addresses_are_links_in_lower_case(invoke: Invoke) -> None:
    reply = await invoke("support")
    (card,) = reply.cards
    lifeline = next(f for f in card.fields if f.name == "Lifeline")
    assert lifeline.value.splitlines()[-1] == "https://lifeline.org.au"
    assert "Lifeline.org.au" not in reply.text + lifeline.value
    assert "- Lifeline: call 13 11 14" in reply.text and "https://lifeline.org.au" in reply.text
    urls = re.findall(r"\S*\.org\.au\S*|\S*\.com\.au\S*", reply.text)
    assert urls and all(u.startswith("https://") and u == u.lower() for u in urls)


@pytest.mark.parametrize("line_filter", ["all", "nsw", "first-nations", "lgbtiq"])
async def test_support_uses_no_emoji(invoke: Invoke, line_filter: str) -> None:
    reply = await invoke("support", filter=line_filter)
    everything = reply.text + "".join(f.name + f.value for card in reply.cards for f in card.fields)
    assert len(EMOJI.findall(everything)) <= 1


async def test_a_wrong_filter_is_explained_privately(invoke: Invoke) -> None:
    reply = await invoke("support", filter="queenslnd")
    assert reply.private
    assert "'filter'" in reply.text
    assert "all, nsw, vic, qld, wa, sa, tas, act, nt, first-nations, lgbtiq" in reply.text
    assert "queenslnd" in reply.text
    assert "Nothing was changed" in reply.text
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
    assert [c.value for c in option.choices] == [
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
    assert option.choices[1].label == "People in New South Wales (NSW)"
    assert option.choices[4].label == "People in Western Australia (WA)"


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


async def test_help_opens_with_start_here_for_a_new_member(tmp_path: Path) -> None:
    apps = Apps(settings_for(tmp_path), FakeClock(datetime(2035, 1, 1, tzinfo=UTC)))
    try:
        _, kernel = await apps.start()  # every cog, as peerbot runs
        before = (await invoke_as(kernel, "newbie", "help")).text.splitlines()
        await invoke_as(kernel, "admin", "network create", name="South Coast", slug="coast")
        await invoke_as(kernel, "newbie", "network join", network="coast")
        lines = (await invoke_as(kernel, "newbie", "help")).text.splitlines()
    finally:
        await apps.stop_all()
    # Before joining, only what someone outside every network can use is offered.
    assert before[:5] == [
        "Commands you can use:",
        "",
        "Start here",
        "- /network join: join your network",
        "- /resources search: find templates, training, jobs and support",
    ]
    assert lines[:3] == ["Commands you can use:", "", "Start here"]
    started = lines[3 : lines.index("", 3)]
    assert [line.split(":")[0].removeprefix("- ") for line in started] == [
        "/network join",
        "/meeting next",
        "/reflect start",
        "/resources search",
        "/checkin start",
    ]
    assert all(len(line) <= 78 for line in started)  # one line each, on a console or phone
