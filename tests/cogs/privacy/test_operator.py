"""/privacy policy says who runs this peerbot and how to reach them, or plainly that nobody has
said yet: the Australian Privacy Principles ask it of anyone holding health information."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.clock import FakeClock
from tests.cogs.networks import Apps, invoke, settings_for


async def policy_text(tmp_path: Path, clock: FakeClock, **environ: str) -> str:
    apps = Apps(settings_for(tmp_path, **environ), clock)
    try:
        _, kernel = await apps.start()
        reply = await invoke(kernel, "alex", "privacy policy")
        assert reply.private
        card = reply.cards[0]
        assert card.fields[0].name == "Who runs this peerbot"
        assert card.fields[0].value in reply.text  # the card says what the text says
        return reply.text
    finally:
        await apps.stop_all()


async def test_the_policy_names_the_operator_and_how_to_reach_them(
    tmp_path: Path, clock: FakeClock
) -> None:
    text = await policy_text(
        tmp_path,
        clock,
        PEERBOT_PRIVACY__OPERATOR="South Coast Peer Network",
        PEERBOT_PRIVACY__CONTACT="privacy@example.org",
    )
    assert "This peerbot is run by South Coast Peer Network." in text
    assert "contact privacy@example.org" in text
    assert "Office of the Australian Information Commissioner (OAIC)" in text


async def test_without_an_operator_the_policy_says_so(tmp_path: Path, clock: FakeClock) -> None:
    text = await policy_text(tmp_path, clock, PEERBOT_PRIVACY__OPERATOR="Only half set")
    assert "Who runs this peerbot has not been filled in yet" in text
    assert "Only half set" not in text
    assert "ask your network's coordinator" in text


@pytest.mark.parametrize("named", [False, True])
async def test_a_bot_on_discord_without_an_operator_warns_at_start(
    tmp_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture, named: bool
) -> None:
    environ = {"PEERBOT_DISCORD__TOKEN": "not-used-here"}
    if named:
        environ |= {"PEERBOT_PRIVACY__OPERATOR": "X", "PEERBOT_PRIVACY__CONTACT": "x@example.org"}
    apps = Apps(settings_for(tmp_path, **environ), clock)
    try:
        with caplog.at_level(logging.WARNING, logger="cogs.privacy.commands"):
            await apps.start()
    finally:
        await apps.stop_all()
    warned = [r for r in caplog.records if "[privacy] operator and contact" in r.getMessage()]
    assert len(warned) == (0 if named else 1)
