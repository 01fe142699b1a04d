"""The opt-in peer directory (issue 20, item 18), through the registry: nothing is shown for
someone who did not opt in, entries are seen only within a shared network, each part is the
person's choice, and /reflect start's peers option suggests the listed members."""

from __future__ import annotations

import pytest

from bot.commands import Role
from bot.kernel import Kernel
from tests.cogs.networks import invoke, networks_with_people, user


@pytest.fixture
async def networks(kernel: Kernel) -> dict[str, int]:
    """Coast (bob, dave, erin) and Inland (ivy); erin is in both."""
    return await networks_with_people(
        kernel,
        [("coast", "Coast", "coast", None), ("inland", "Inland", "inland", None)],
        [
            ("coast", "bob", Role.MEMBER),
            ("coast", "dave", Role.MEMBER),
            ("coast", "erin", Role.MEMBER),
            ("inland", "erin", Role.MEMBER),
            ("inland", "ivy", Role.MEMBER),
        ],
    )


async def list_dave(kernel: Kernel) -> None:
    reply = await invoke(
        kernel,
        "dave",
        "peers profile",
        name="Dave",
        title="Peer support worker",
        sector="community-managed",
        region="Illawarra",
        solo="yes",
        topics="boundaries, working solo",
    )
    assert reply.text.startswith("You are in the peer directory now."), reply.text
    assert "It shows: Name: Dave; Role: Peer support worker; Sector: community-managed; " in (
        reply.text
    )


async def test_nothing_is_shown_for_someone_who_did_not_opt_in(
    kernel: Kernel, networks: dict[str, int]
) -> None:
    found = await invoke(kernel, "bob", "peers find")
    assert found.text.startswith("Nobody in your networks is in the peer directory yet.")
    mine = await invoke(kernel, "dave", "peers profile")
    assert mine.text.startswith("You are not in the peer directory, so nothing about you is shown")
    assert await kernel.db.fetch_all("SELECT * FROM peer_profiles") == []
    exported = await kernel.privacy.export(kernel.db, "console:dave")
    assert exported["peer directory"] is None


async def test_entries_are_seen_only_within_a_shared_network(
    kernel: Kernel, networks: dict[str, int]
) -> None:
    await list_dave(kernel)
    seen = await invoke(kernel, "bob", "peers find")
    assert seen.text.startswith("1 peer in your networks chose to be listed:")
    assert "- dave: Name: Dave; Role: Peer support worker" in seen.text
    assert "Happy to talk about: boundaries, working solo" in seen.text
    assert "You are not listed yourself" in seen.text

    other = await invoke(kernel, "ivy", "peers find")  # Inland only: shares no network
    assert "dave" not in other.text
    assert other.text.startswith("Nobody in your networks is in the peer directory yet.")
    stranger = await invoke(kernel, "sam", "peers find")  # in no network
    assert "You need to be" in stranger.text and "dave" not in stranger.text
    inland_only = await invoke(kernel, "erin", "peers find", network="inland")
    assert "dave" not in inland_only.text
    both = await invoke(kernel, "erin", "peers find", network="coast")
    assert "- dave:" in both.text
    self_view = await invoke(kernel, "dave", "peers find")
    assert "- dave:" not in self_view.text

    # Leaving the shared network hides the entry from it.
    await invoke(kernel, "dave", "network leave", network="coast")
    gone = await invoke(kernel, "bob", "peers find")
    assert "dave" not in gone.text


async def test_search_by_topic_and_region(kernel: Kernel, networks: dict[str, int]) -> None:
    await list_dave(kernel)
    await invoke(kernel, "erin", "peers profile", region="South Coast", topics="disclosure")
    by_topic = await invoke(kernel, "bob", "peers find", topic="Boundaries")
    assert "- dave:" in by_topic.text and "- erin:" not in by_topic.text
    by_region = await invoke(kernel, "bob", "peers find", region="south coast")
    assert "- erin:" in by_region.text and "- dave:" not in by_region.text
    none = await invoke(kernel, "bob", "peers find", topic="grief")
    assert none.text.startswith("Nobody in your networks matching that is in the peer directory")


async def test_each_part_can_be_hidden_and_the_entry_removed(
    kernel: Kernel, networks: dict[str, int]
) -> None:
    await list_dave(kernel)
    changed = await invoke(kernel, "dave", "peers profile", service="-", region="-", solo="hide")
    assert changed.text.startswith("Your entry in the peer directory is updated.")
    assert "Region" not in changed.text and "Works solo" not in changed.text
    seen = await invoke(kernel, "bob", "peers find")
    assert "Illawarra" not in seen.text and "Works solo" not in seen.text
    too_long = await invoke(kernel, "dave", "peers profile", region="x" * 61)
    assert "at most 60 characters" in too_long.text and "Nothing was changed." in too_long.text

    off = await invoke(kernel, "dave", "peers off")
    assert off.text.startswith("You left the peer directory.")
    assert await kernel.db.fetch_all("SELECT * FROM peer_profile_fields") == []
    assert "dave" not in (await invoke(kernel, "bob", "peers find")).text
    again = await invoke(kernel, "dave", "peers off")
    assert again.text.startswith("You are not in the peer directory")


async def test_privacy_export_and_delete_cover_the_entry(
    kernel: Kernel, networks: dict[str, int]
) -> None:
    await list_dave(kernel)
    exported = await kernel.privacy.export(kernel.db, "console:dave")
    assert exported["peer directory"]["fields"]["region"] == "Illawarra"
    counts = await kernel.privacy.delete(kernel.db, "console:dave")
    assert counts["peer directory"] == 7  # six fields and the entry
    assert await kernel.db.fetch_all("SELECT * FROM peer_profiles") == []


async def test_reflect_start_suggests_listed_members_as_peers(
    kernel: Kernel, networks: dict[str, int]
) -> None:
    await list_dave(kernel)
    await invoke(kernel, "ivy", "peers profile", name="Ivy")  # Inland: not bob's network
    registry = kernel.registry
    offered = await registry.autocomplete(user("bob"), None, "reflect start", "peers", "")
    assert [(c.label, c.value) for c in offered] == [
        (
            "Dave (Role: Peer support worker; Sector: community-managed; Region: Illawarra; "
            "Works solo: yes; Happy to talk about: boundaries, working solo)"[:100],
            "dave",
        )
    ]
    typed = await registry.autocomplete(user("bob"), None, "reflect start", "peers", "erin, da")
    assert [c.value for c in typed] == ["erin, dave"]
    assert await registry.autocomplete(user("bob"), None, "reflect start", "peers", "zz") == []


async def test_open_to_mentoring_is_shown_only_when_the_person_says_so(
    kernel: Kernel, networks: dict[str, int]
) -> None:
    await list_dave(kernel)
    assert "Open to mentoring" not in (await invoke(kernel, "bob", "peers find")).text
    said = await invoke(kernel, "dave", "peers profile", mentoring="yes")
    assert "Open to mentoring: yes" in said.text
    assert "Open to mentoring: yes" in (await invoke(kernel, "bob", "peers find")).text
    await invoke(kernel, "dave", "peers profile", mentoring="hide")
    assert "Open to mentoring" not in (await invoke(kernel, "bob", "peers find")).text
