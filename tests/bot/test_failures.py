"""What a coordinator is told to do about a platform's refusal (bot.failures)."""

from __future__ import annotations

from bot.failures import advice


def test_a_missing_permission_names_it_and_where() -> None:
    said = advice(
        "missing the View Channel and Send Messages permission in <#42> (Discord code 50013)"
    )
    assert said.startswith(
        "peerbot's role needs the View Channel and Send Messages permission in <#42>."
    )
    assert "Server Settings, then Roles" in said


def test_missing_access_says_peerbot_cannot_see_the_channel() -> None:
    said = advice("missing the Send Messages permission in <#42> (Discord code 50001)")
    assert said.startswith("peerbot cannot see the channel <#42>.")


def test_a_channel_that_is_gone_points_to_set_up() -> None:
    assert "/manage network setup" in advice("channel 42 no longer exists")
    assert "/manage network setup" in advice("Discord answered HTTP 404 (code 10003)")


def test_anything_else_points_to_the_log() -> None:
    assert "log" in advice("Discord answered HTTP 500 (code 0)")
