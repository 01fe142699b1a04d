"""Matrix ids typed as co-reflection peers: ``@name:server`` has a colon of its own, yet it is
an id on the platform where it was typed, never a stored ``platform:id`` key."""

from __future__ import annotations

from bot.people import parse_people


def test_matrix_ids_become_matrix_keys() -> None:
    typed = "@bea:example.org, @cal:example.org @bea:example.org"
    assert parse_people(typed, "matrix") == ["matrix:@bea:example.org", "matrix:@cal:example.org"]


def test_a_stored_key_is_kept_as_it_is() -> None:
    assert parse_people("discord:123 matrix:@bea:example.org", "matrix") == [
        "discord:123",
        "matrix:@bea:example.org",
    ]
