"""/support on Discord as a person uses it: every state and territory is a choice in the
menu, each filter answers privately with its own lines after 000, and a value Discord's
client could never send (a crafted request) gets a clear private message."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.fakediscord import FakeDiscord
from tests.e2e.fakediscord.interactions import NotAChoice
from tests.e2e.peerbot_on_fake import PeerbotOnFake

EPHEMERAL = 64
FIRST_LINE = {
    "nsw": "NSW Mental Health Line",
    "vic": "NURSE-ON-CALL (Victoria)",
    "qld": "1300 MH CALL (Queensland)",
    "wa": "Mental Health Emergency Response Line (Perth)",
    "sa": "Mental Health Triage Service (South Australia)",
    "tas": "Access Mental Health (Tasmania)",
    "act": "Access Mental Health (ACT)",
    "nt": "NT Mental Health Line",
    "first-nations": "13YARN",
    "lgbtiq": "QLife",
}


@pytest.fixture
async def bot(fake_discord: FakeDiscord, tmp_path: Path) -> AsyncIterator[PeerbotOnFake]:
    started = PeerbotOnFake(fake_discord, tmp_path)
    await started.start()
    try:
        yield started
    finally:
        await started.stop()


def synced_filter_choices(fake: FakeDiscord) -> list[dict[str, str]]:
    command = fake.state.find_command("support", fake.guild_id)
    assert command is not None
    (option,) = command["options"]
    assert option["name"] == "filter" and option["type"] == 3
    return list(option["choices"])


async def test_every_state_and_territory_is_a_choice(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    names = {c["value"]: c["name"] for c in synced_filter_choices(fake_discord)}
    assert set(FIRST_LINE) | {"all"} == set(names)
    # Discord's client filters the menu by these names as the person types "western" or "wa"
    assert names["wa"] == "People in Western Australia (WA)"
    assert names["vic"] == "People in Victoria (VIC)"
    assert names["act"] == "People in the Australian Capital Territory (ACT)"


@pytest.mark.parametrize("value", list(FIRST_LINE))
async def test_every_filter_answers_privately_with_its_lines_after_000(
    bot: PeerbotOnFake, fake_discord: FakeDiscord, value: str
) -> None:
    handle = await fake_discord.send_slash_command("support", {"filter": value}, user="bob")
    callback = await handle.callback()
    assert callback["data"]["flags"] & EPHEMERAL
    (embed,) = callback["data"]["embeds"]
    fields = embed["fields"]
    assert fields[0]["name"].startswith("Emergency") and fields[0]["value"].startswith("Call 000")
    assert fields[1]["name"] == FIRST_LINE[value]
    names = [f["name"] for f in fields]
    assert names[-2:] == ["Lifeline", "Suicide Call Back Service"]
    assert embed["footer"]["text"].startswith("Numbers last checked")


async def test_support_filter_wa_shows_western_australias_lines_as_links(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    handle = await fake_discord.send_slash_command("support", {"filter": "wa"}, user="bob")
    (embed,) = (await handle.callback())["data"]["embeds"]
    text = "\n".join(f["name"] + "\n" + f["value"] for f in embed["fields"])
    for number in ("1300 555 788", "1800 676 822", "1800 552 002"):
        assert number in text
    lifeline = next(f for f in embed["fields"] if f["name"] == "Lifeline")
    # a bare https:// address: Discord makes it a link; lower case, as the service writes it
    assert lifeline["value"].splitlines()[-1] == "https://lifeline.org.au"


async def test_a_value_outside_the_choices_cannot_be_picked_and_is_explained_if_crafted(
    bot: PeerbotOnFake, fake_discord: FakeDiscord
) -> None:
    with pytest.raises(NotAChoice):
        await fake_discord.send_slash_command("support", {"filter": "perth"}, user="bob")
    handle = await fake_discord.send_slash_command(
        "support", {"filter": "perth"}, user="bob", crafted=True
    )
    callback = await handle.callback()
    assert callback["data"]["flags"] & EPHEMERAL
    content = callback["data"]["content"]
    assert "The option 'filter' must be one of: all, nsw, vic, qld, wa, sa, tas, act, nt" in content
    assert "'perth'" in content
    assert not callback["data"].get("embeds")
