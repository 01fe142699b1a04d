"""Cards on Discord keep every hint the console shows (issue 14, item 7).

On Discord a reply with cards shows only its embeds, so whatever the text says (a join hint,
member counts, how to export or delete, a filtered list's heading) must be in the cards too.
For each command whose reply has cards, the same command runs on the console (the text a
console user reads) and on the fake Discord (the embeds a Discord user sees), and each hint
sentence must be in both.
"""

from __future__ import annotations

import io
from typing import Any

import pytest

from bot.kernel import Kernel
from bot.platforms.console import ConsoleAdapter
from tests.e2e.fakediscord import FakeDiscord
from tests.e2e.peerbot_on_fake import PeerbotOnFake
from tests.e2e.test_networks_discord import (
    COORDINATOR,
    answer,
    bot,  # noqa: F401 (a fixture)
    launcher,  # noqa: F401 (a fixture)
)
from tests.e2e.typed import current

#: (command words, options, hint sentences both the console and the embeds must show)
CARD_COMMANDS: list[tuple[str, dict[str, Any], list[str]]] = [
    (
        "network list",
        {},
        [
            "Join one with /network join.",
            "1 member, time zone Australia/Sydney",  # Coast, with carol
            "0 members, time zone Australia/Sydney",
        ],
    ),
    ("network info", {"network": "coast"}, ["Australia/Sydney", "Coordinators"]),
    (
        "privacy policy",
        {},
        [
            "peerbot keeps as little as it can.",
            "Type /privacy export for a copy of everything about you, "
            "or /privacy delete to delete it.",
        ],
    ),
    ("support", {}, ["peerbot is not a crisis service", "000", "Lifeline"]),
    (
        "support",
        {"filter": "nsw"},
        ["first, then 24/7 crisis lines for everyone:", "NSW Mental Health Line"],
    ),
    ("resources search", {"query": "supervision"}, ["found, showing 1 to"]),
]


def embed_text(message: dict[str, Any]) -> str:
    """Everything a Discord user reads in a message's embeds (and content, if any)."""
    parts = [message.get("content") or ""]
    for embed in message.get("embeds", []):
        parts += [embed.get("title", ""), embed.get("description", "")]
        for field in embed.get("fields", []):
            parts += [field["name"], field["value"]]
        parts.append(embed.get("footer", {}).get("text", ""))
    return " ".join(" ".join(parts).split())


async def console_text(kernel: Kernel, line: str) -> str:
    """What the console prints for one command line, joined up (the console wraps lines)."""
    out = io.StringIO()
    console = ConsoleAdapter(kernel, stdin=io.StringIO(line + "\n"), stdout=out, interactive=False)
    await console.run()
    return " ".join(out.getvalue().split())


def console_line(words: str, options: dict[str, Any]) -> str:
    return "/" + words + "".join(f" {k}:{v}" for k, v in options.items())


@pytest.mark.parametrize(
    ("words", "options", "hints"),
    CARD_COMMANDS,
    ids=[console_line(w, o) for w, o, _ in CARD_COMMANDS],
)
async def test_cards_keep_the_hints_the_console_shows(
    bot: PeerbotOnFake,  # noqa: F811 (the fixture above)
    fake_discord: FakeDiscord,
    words: str,
    options: dict[str, Any],
    hints: list[str],
) -> None:
    handle = await fake_discord.send_command(current(words), options or None, user=COORDINATOR)
    message = await answer(handle)
    assert message.get("embeds"), message  # the reply has cards
    shown = embed_text(message)
    on_console = await console_text(bot.kernel, console_line(words, options))
    for hint in hints:
        assert hint in on_console, (hint, on_console)
        assert hint in shown, (hint, shown)


async def test_the_privacy_policy_arrives_whole_over_several_messages(
    bot: PeerbotOnFake,  # noqa: F811 (the fixture above)
    fake_discord: FakeDiscord,
) -> None:
    """Discord refuses embeds past 6000 characters a message (the fake as well): the policy
    is longer, so its cards go on in follow-ups, and every area reaches the person."""
    handle = await fake_discord.send_command(current("privacy policy"), None, user=COORDINATOR)
    first = await answer(handle)
    assert "peerbot keeps as little as it can." in embed_text(first)
    messages = [first]
    while not all(
        s.area in " ".join(embed_text(m) for m in messages) for s in bot.kernel.privacy.statements
    ):
        followup = await handle.followup()
        assert followup["flags"] & 64, followup  # private, as the first
        messages.append(followup)
    assert len(messages) >= 2
    assert all("did not fit" not in (m.get("content") or "") for m in messages)
