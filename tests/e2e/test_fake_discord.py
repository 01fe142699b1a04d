"""The fake Discord works with a bare discord.py client: no peerbot code is involved, so a
failure here is a problem of the fake (or of discord.py), never of the bot."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
from typing import Any

import discord
import pytest
from discord import app_commands

from tests.e2e.fakediscord import FakeDiscord, OptionType, Typed, running

EPHEMERAL = 64


@pytest.fixture(autouse=True)
def bare_clients_sync_no_commands(fake_discord: FakeDiscord) -> None:
    """These tests drive bare discord.py clients that never sync commands; Discord could not
    send such a command, but the fake's plumbing is what is tested here."""
    fake_discord.unsynced_commands_allowed = True


def make_client() -> discord.Client:
    intents = discord.Intents.default()
    intents.members = True
    return discord.Client(intents=intents, guild_ready_timeout=0.05)


def answer_commands_with(client: discord.Client, respond) -> None:
    """Route application-command interactions to ``respond`` (a bare on_interaction)."""

    @client.event
    async def on_interaction(interaction: discord.Interaction) -> None:
        if interaction.type is discord.InteractionType.application_command:
            await respond(interaction)


# -- connecting ------------------------------------------------------------------------------


async def test_client_connects_gets_guild_and_chunks_members(fake_discord: FakeDiscord) -> None:
    client = make_client()
    async with running(client, fake_discord):
        guild = client.get_guild(fake_discord.guild_id)
        assert guild is not None
        # GUILD_CREATE only carried the bot; the rest came in a GUILD_MEMBERS_CHUNK.
        assert guild.chunked
        [asked] = fake_discord.gateway.member_requests
        assert int(asked["guild_id"]) == guild.id
        assert {m.name for m in guild.members} == {"peerbot", "alice", "bob", "carol"}
        assert [c.name for c in guild.text_channels] == ["general", "meetings", "reflection"]
        assert guild.default_role.id == guild.id
        assert guild.me.guild_permissions.administrator
        assert client.user is not None and client.user.id == fake_discord.bot_id
        assert client.application_id == fake_discord.bot_id
        assert client.latency != float("inf")  # the first heartbeat was acknowledged

    identified = discord.Intents.none()
    identified.value = fake_discord.intents or 0
    assert identified.guilds and identified.members
    assert not identified.message_content
    assert fake_discord.identify is not None
    assert fake_discord.identify["token"] == fake_discord.token


async def test_client_resumes_after_reconnect_request(fake_discord: FakeDiscord) -> None:
    client = make_client()
    resumed = asyncio.Event()

    @client.event
    async def on_resumed() -> None:
        resumed.set()

    answer_commands_with(client, lambda i: i.response.send_message("still here"))
    async with running(client, fake_discord):
        await fake_discord.request_reconnect()
        await asyncio.wait_for(resumed.wait(), 5)
        handle = await fake_discord.send_slash_command("ping")
        assert (await handle.callback())["data"]["content"] == "still here"
    assert len(fake_discord.gateway.resumes) == 1


# -- interactions ----------------------------------------------------------------------------


async def test_slash_command_answered_ephemerally(fake_discord: FakeDiscord) -> None:
    client = make_client()
    seen: list[discord.Interaction] = []

    async def respond(interaction: discord.Interaction) -> None:
        seen.append(interaction)
        await interaction.response.send_message("pong", ephemeral=True)

    answer_commands_with(client, respond)
    async with running(client, fake_discord):
        handle = await fake_discord.send_slash_command("ping", user="bob", channel="meetings")
        body = await handle.callback()

    assert body["type"] == 4
    assert body["data"]["content"] == "pong"
    assert body["data"]["flags"] == EPHEMERAL
    [interaction] = seen
    assert interaction.user.id == fake_discord.user_id("bob")
    assert interaction.channel_id == fake_discord.channel_id("meetings")
    assert isinstance(interaction.user, discord.Member)
    assert handle.original_message is not None
    assert handle.original_message["flags"] & EPHEMERAL


async def test_slash_command_in_a_dm(fake_discord: FakeDiscord) -> None:
    client = make_client()
    guilds: list[discord.Guild | None] = []

    async def respond(interaction: discord.Interaction) -> None:
        guilds.append(interaction.guild)
        await interaction.response.send_message("hello in private")

    answer_commands_with(client, respond)
    async with running(client, fake_discord):
        handle = await fake_discord.send_slash_command("support", dm=True, user="carol")
        assert (await handle.callback())["data"]["content"] == "hello in private"
    assert guilds == [None]
    assert "guild_id" not in handle.payload
    assert handle.payload["user"]["username"] == "carol"


async def test_button_click_reaches_the_view(fake_discord: FakeDiscord) -> None:
    client = make_client()

    class Confirm(discord.ui.View):
        @discord.ui.button(label="Yes", custom_id="confirm:yes")
        async def yes(
            self, interaction: discord.Interaction, button: discord.ui.Button[Confirm]
        ) -> None:
            await interaction.response.edit_message(content="Confirmed", view=None)

    answer_commands_with(
        client, lambda i: i.response.send_message("Sure?", view=Confirm(), ephemeral=True)
    )
    async with running(client, fake_discord):
        command = await fake_discord.send_slash_command("confirm")
        shown = await command.callback()
        assert shown["data"]["components"][0]["components"][0]["custom_id"] == "confirm:yes"
        click = await fake_discord.click_button("confirm:yes")
        answer = await click.callback()

    assert click.payload["data"]["component_type"] == 2
    assert click.payload["message"]["id"] == str(command.record.original_message_id)
    assert answer["type"] == 7
    assert answer["data"]["content"] == "Confirmed"
    assert command.original_message is not None
    assert command.original_message["content"] == "Confirmed"
    assert command.original_message["components"] == []


async def test_select_menu_choice_reaches_the_view(fake_discord: FakeDiscord) -> None:
    client = make_client()

    class Pick(discord.ui.View):
        @discord.ui.select(
            custom_id="pick:topic",
            options=[discord.SelectOption(label=t) for t in ("rest", "sleep", "work")],
            max_values=2,
        )
        async def pick(
            self, interaction: discord.Interaction, select: discord.ui.Select[Pick]
        ) -> None:
            await interaction.response.send_message(", ".join(select.values), ephemeral=True)

    async with running(client, fake_discord):
        channel = client.get_channel(fake_discord.channel_id("general"))
        assert isinstance(channel, discord.TextChannel)
        await channel.send("Pick topics", view=Pick())
        handle = await fake_discord.choose_select("pick:topic", ["rest", "work"], user="alice")
        answer = await handle.callback()
    assert answer["type"] == 4
    assert answer["data"]["content"] == "rest, work"


async def test_modal_opened_and_submitted(fake_discord: FakeDiscord) -> None:
    client = make_client()

    class Feedback(discord.ui.Modal, title="Feedback"):
        answer: discord.ui.TextInput[Feedback] = discord.ui.TextInput(
            label="Answer", custom_id="feedback:answer"
        )

        async def on_submit(self, interaction: discord.Interaction) -> None:
            await interaction.response.send_message(f"Thanks: {self.answer.value}", ephemeral=True)

    answer_commands_with(client, lambda i: i.response.send_modal(Feedback(custom_id="feedback")))
    async with running(client, fake_discord):
        command = await fake_discord.send_slash_command("feedback")
        opened = await command.callback()
        assert opened["type"] == 9
        assert opened["data"]["custom_id"] == "feedback"
        assert opened["data"]["title"] == "Feedback"
        submit = await fake_discord.submit_modal("feedback", {"feedback:answer": "it helped"})
        answer = await submit.callback()

    assert submit.payload["type"] == 5
    assert submit.payload["channel_id"] == command.payload["channel_id"]
    assert answer["type"] == 4
    assert answer["data"]["content"] == "Thanks: it helped"


async def test_command_tree_sync_options_and_autocomplete(fake_discord: FakeDiscord) -> None:
    client = make_client()
    tree = app_commands.CommandTree(client)
    guild = discord.Object(fake_discord.guild_id)

    @tree.command(name="greet", description="Greet someone", guild=guild)
    async def greet(interaction: discord.Interaction, member: discord.Member, topic: str) -> None:
        await interaction.response.send_message(f"Hello {member.display_name}, about {topic}")

    @greet.autocomplete("topic")
    async def topics(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        names = ["meetings", "mentoring", "reflection"]
        return [app_commands.Choice(name=n, value=n) for n in names if n.startswith(current)]

    async with running(client, fake_discord):
        await tree.sync(guild=guild)
        typing = await fake_discord.send_autocomplete(
            "greet", {"member": "bob", "topic": "me"}, focused="topic"
        )
        suggestions = await typing.callback()
        run = await fake_discord.send_slash_command("greet", {"member": "bob", "topic": "meetings"})
        answer = await run.callback()

    assert suggestions == {
        "type": 8,
        "data": {
            "choices": [
                {"name": "meetings", "value": "meetings"},
                {"name": "mentoring", "value": "mentoring"},
            ]
        },
    }
    assert answer["data"]["content"] == "Hello Bob, about meetings"
    bob = str(fake_discord.user_id("bob"))
    assert run.payload["data"]["options"][0] == {"name": "member", "type": 6, "value": bob}
    assert bob in run.payload["data"]["resolved"]["members"]


async def test_followups_and_original_response_edits(fake_discord: FakeDiscord) -> None:
    client = make_client()

    async def respond(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("Working on it", ephemeral=True)
        await interaction.followup.send("Here is more", ephemeral=True)
        await interaction.edit_original_response(content="Done")

    answer_commands_with(client, respond)
    async with running(client, fake_discord):
        handle = await fake_discord.send_slash_command("report")
        assert (await handle.callback())["data"]["content"] == "Working on it"
        followup = await handle.followup()
        edit = await handle.edit_original()

    assert followup["content"] == "Here is more"
    assert followup["flags"] == EPHEMERAL
    assert edit["content"] == "Done"
    assert handle.original_message is not None
    assert handle.original_message["content"] == "Done"


async def test_deferred_response_is_replaced_by_first_followup(fake_discord: FakeDiscord) -> None:
    client = make_client()

    async def respond(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send("Result")

    answer_commands_with(client, respond)
    async with running(client, fake_discord):
        handle = await fake_discord.send_slash_command("slow")
        assert await handle.callback() == {"type": 5, "data": {"flags": EPHEMERAL}}
        assert (await handle.followup())["content"] == "Result"

    message = handle.original_message
    assert message is not None
    assert message["content"] == "Result"
    assert message["flags"] == EPHEMERAL  # still ephemeral, no longer loading


# -- messages --------------------------------------------------------------------------------


async def test_channel_send_edit_delete(fake_discord: FakeDiscord) -> None:
    client = make_client()
    general = fake_discord.channel_id("general")
    async with running(client, fake_discord):
        channel = client.get_channel(general)
        assert isinstance(channel, discord.TextChannel)
        message = await channel.send("Hello network", embed=discord.Embed(title="Welcome"))
        sent = await fake_discord.wait_for_request("POST", f"/channels/{general}/messages")
        await message.edit(content="Hello again")
        edited = await fake_discord.wait_for_request(
            "PATCH", f"/channels/{general}/messages/{message.id}"
        )
        assert fake_discord.messages_in(general)[0]["content"] == "Hello again"
        await message.delete()
        await fake_discord.wait_for_request("DELETE", "/channels/{c}/messages/{m}")

    assert sent.json["content"] == "Hello network"
    assert sent.json["embeds"][0]["title"] == "Welcome"
    assert edited.json["content"] == "Hello again"
    assert fake_discord.messages_in(general) == []


async def test_file_upload_is_recorded(fake_discord: FakeDiscord) -> None:
    client = make_client()
    general = fake_discord.channel_id("general")
    async with running(client, fake_discord):
        channel = client.get_channel(general)
        assert isinstance(channel, discord.TextChannel)
        file = discord.File(io.BytesIO(b"agenda"), filename="agenda.txt")
        message = await channel.send("Agenda attached", file=file)
    request = fake_discord.requests_matching("POST", f"/channels/{general}/messages")[0]
    assert request.json["content"] == "Agenda attached"
    [upload] = request.files
    assert (upload.filename, upload.data) == ("agenda.txt", b"agenda")
    assert [a.filename for a in message.attachments] == ["agenda.txt"]


async def test_direct_message(fake_discord: FakeDiscord) -> None:
    client = make_client()
    alice_id = fake_discord.user_id("alice")
    async with running(client, fake_discord):
        user = client.get_user(alice_id)
        assert user is not None
        dm = await user.create_dm()
        await dm.send("Your check-in is due")
    opened = await fake_discord.wait_for_request("POST", "/users/@me/channels")
    assert opened.json == {"recipient_id": alice_id}
    sent = await fake_discord.wait_for_request("POST", f"/channels/{dm.id}/messages")
    assert sent.json["content"] == "Your check-in is due"


# -- application commands --------------------------------------------------------------------


async def test_bulk_overwrite_guild_and_global_commands(fake_discord: FakeDiscord) -> None:
    client = make_client()
    tree = app_commands.CommandTree(client)
    guild = discord.Object(fake_discord.guild_id)

    @tree.command(name="meeting", description="Meetings", guild=guild)
    async def meeting(interaction: discord.Interaction) -> None:
        """Unused: only registered."""

    @tree.command(name="support", description="Crisis lines")
    async def support(interaction: discord.Interaction) -> None:
        """Unused: only registered."""

    app = fake_discord.application_id
    async with running(client, fake_discord):
        synced_guild = await tree.sync(guild=guild)
        synced_global = await tree.sync()
        fetched = await tree.fetch_commands(guild=guild)
        again = await tree.sync(guild=guild)

    put = await fake_discord.wait_for_request(
        "PUT", f"/applications/{app}/guilds/{fake_discord.guild_id}/commands"
    )
    assert [c["name"] for c in put.json] == ["meeting"]
    assert await fake_discord.wait_for_request("PUT", f"/applications/{app}/commands")
    assert [c.name for c in synced_guild] == ["meeting"]
    assert [c.name for c in synced_global] == ["support"]
    assert [c.id for c in fetched] == [c.id for c in synced_guild] == [c.id for c in again]
    assert [c["name"] for c in fake_discord.state.global_commands.values()] == ["support"]


@pytest.mark.parametrize(
    ("option", "complaint"),
    [
        ({"type": 4, "max_value": 2**53 + 1}, "options.0.max_value must be within -2^53..2^53"),
        ({"type": 10, "min_value": -(2**63)}, "options.0.min_value must be within -2^53..2^53"),
        ({"type": 3, "max_value": 5}, "options.0.max_value not allowed"),
        ({"type": 4, "max_length": 5}, "options.0.max_length not allowed"),
        ({"type": 3, "max_length": 6001}, "options.0.max_length must be 1 to 6000"),
        ({"type": 3, "max_length": 0}, "options.0.max_length must be 1 to 6000"),
    ],
)
async def test_option_limits_beyond_discords_are_refused(
    fake_discord: FakeDiscord, option: dict[str, object], complaint: str
) -> None:
    """As Discord does: 400 Invalid Form Body, so the bot can never declare what Discord
    would refuse (an INTEGER's max_value of 2^63, say) and pass its tests."""
    client = make_client()
    app = fake_discord.application_id
    command: Any = {
        "name": "count",
        "description": "Count",
        "options": [{"name": "to", "description": "How far", **option}],
    }
    async with running(client, fake_discord):
        with pytest.raises(discord.HTTPException) as refused:
            await client.http.bulk_upsert_global_commands(app, [command])
        with pytest.raises(discord.HTTPException):
            await client.http.upsert_global_command(app, command)
    assert refused.value.status == 400 and refused.value.code == 50035
    assert complaint in refused.value.text
    assert fake_discord.state.global_commands == {}


async def test_embeds_past_discords_limits_are_refused_and_nothing_is_posted(
    fake_discord: FakeDiscord,
) -> None:
    """As Discord does: more than 6000 characters across a message's embeds, or more than
    10 embeds (which discord.py refuses itself first), is 400 Invalid Form Body (50035), and
    the message is not created."""
    client = make_client()
    general = fake_discord.channel_id("general")
    async with running(client, fake_discord):
        channel = client.get_channel(general)
        assert isinstance(channel, discord.TextChannel)
        too_long = [discord.Embed(description="x" * 4000), discord.Embed(description="y" * 2001)]
        with pytest.raises(discord.HTTPException) as refused:
            await channel.send(embeds=too_long)
        assert refused.value.status == 400 and refused.value.code == 50035
        assert "6000" in refused.value.text
        fits = [discord.Embed(description="x" * 4000), discord.Embed(description="y" * 2000)]
        await channel.send(embeds=fits)
    assert len(fake_discord.messages_in(general)) == 1


# -- channels, threads, permissions ----------------------------------------------------------


async def test_private_thread_created_joined_and_closed(fake_discord: FakeDiscord) -> None:
    client = make_client()
    general = fake_discord.channel_id("general")
    alice = fake_discord.user_id("alice")
    async with running(client, fake_discord):
        channel = client.get_channel(general)
        assert isinstance(channel, discord.TextChannel)
        thread = await channel.create_thread(
            name="co-reflection", type=discord.ChannelType.private_thread, invitable=False
        )
        await thread.add_user(discord.Object(alice))
        await thread.edit(archived=True, locked=True)

    created = await fake_discord.wait_for_request("POST", f"/channels/{general}/threads")
    assert created.json["type"] == 12
    assert created.json["invitable"] is False
    assert created.json["name"] == "co-reflection"
    await fake_discord.wait_for_request("PUT", f"/channels/{thread.id}/thread-members/{alice}")
    edited = await fake_discord.wait_for_request("PATCH", f"/channels/{thread.id}")
    assert edited.json == {"archived": True, "locked": True}
    stored = fake_discord.state.channel(thread.id)
    assert stored["thread_metadata"]["archived"] and stored["thread_metadata"]["locked"]
    assert set(fake_discord.state.thread_members[thread.id]) == {fake_discord.bot_id, alice}


async def test_an_idle_thread_is_archived_after_its_auto_archive_duration(
    fake_discord: FakeDiscord,
) -> None:
    """As Discord: a thread with no activity for ``auto_archive_duration`` minutes is archived
    (THREAD_UPDATE, and discord.py drops it from its cache); adding someone to it then fails
    with 50083; a message unarchives it; an archived and locked thread refuses messages; an
    edit of an archived thread must unarchive it; only 60, 1440, 4320 and 10080 are taken."""
    fake = fake_discord
    now = [dt.datetime(2027, 3, 1, tzinfo=dt.UTC)]
    fake.state.clock = lambda: now[0]
    client = make_client()
    general = fake.channel_id("general")
    alice, bob = fake.user_id("alice"), fake.user_id("bob")
    updates: list[discord.Thread] = []
    updated = asyncio.Event()

    @client.event
    async def on_thread_update(before: discord.Thread, after: discord.Thread) -> None:
        updates.append(after)
        updated.set()

    async with running(client, fake):
        channel = client.get_channel(general)
        assert isinstance(channel, discord.TextChannel)
        with pytest.raises(discord.HTTPException) as wrong:
            await channel.create_thread(name="t", auto_archive_duration=120)  # type: ignore[arg-type]
        assert wrong.value.code == 50035
        thread = await channel.create_thread(
            name="co-reflection",
            type=discord.ChannelType.private_thread,
            invitable=False,
            auto_archive_duration=1440,
        )
        await thread.send("first")
        now[0] += dt.timedelta(minutes=1439)
        await thread.add_user(discord.Object(alice))  # still active a minute before
        now[0] += dt.timedelta(minutes=2)  # a day after the last message
        with pytest.raises(discord.HTTPException) as refused:
            await thread.add_user(discord.Object(bob))
        assert refused.value.status == 400 and refused.value.code == 50083
        await asyncio.wait_for(updated.wait(), 5)
        assert updates[-1].archived and client.get_channel(thread.id) is None
        stored = fake.state.channel(thread.id)["thread_metadata"]
        assert stored["archive_timestamp"] == (now[0] - dt.timedelta(minutes=1)).isoformat()

        with pytest.raises(discord.HTTPException) as edit_archived:
            await thread.edit(locked=True)
        assert edit_archived.value.code == 50083

        await thread.send("back again")  # a message unarchives it
        assert fake.state.channel(thread.id)["thread_metadata"]["archived"] is False
        await thread.add_user(discord.Object(bob))
        await thread.edit(archived=True, locked=True)
        with pytest.raises(discord.HTTPException) as locked:
            await thread.send("closed")
        assert locked.value.code == 50083
        await thread.edit(archived=False)  # the bot has Manage Threads: it may unarchive
        assert fake.state.channel(thread.id)["thread_metadata"]["locked"] is True

    assert set(fake.state.thread_members[thread.id]) == {fake.bot_id, alice, bob}


async def test_category_channels_and_permission_overwrites(fake_discord: FakeDiscord) -> None:
    client = make_client()
    guild_id = fake_discord.guild_id
    alice = fake_discord.user_id("alice")
    async with running(client, fake_discord):
        guild = client.get_guild(guild_id)
        assert guild is not None
        hidden: dict[
            discord.Role | discord.Member | discord.Object, discord.PermissionOverwrite
        ] = {
            guild.default_role: discord.PermissionOverwrite(view_channel=False),
            guild.me: discord.PermissionOverwrite(view_channel=True),
        }
        category = await guild.create_category("Network A", overwrites=hidden)
        channel = await guild.create_text_channel(
            "a-general", category=category, overwrites=hidden, topic="Network A chat"
        )
        member = guild.get_member(alice)
        assert member is not None
        await channel.set_permissions(member, view_channel=True, send_messages=True)

    made_category = await fake_discord.wait_for_request("POST", f"/guilds/{guild_id}/channels")
    made_channel = await fake_discord.wait_for_request("POST", f"/guilds/{guild_id}/channels")
    assert made_category.json["type"] == 4
    assert int(made_channel.json["parent_id"]) == category.id
    everyone = next(
        o for o in made_channel.json["permission_overwrites"] if int(o["id"]) == guild_id
    )
    assert everyone["type"] == 0
    assert int(everyone["deny"]) == discord.Permissions(view_channel=True).value
    assert channel.category_id == category.id
    put = await fake_discord.wait_for_request("PUT", f"/channels/{channel.id}/permissions/{alice}")
    assert put.json["type"] == 1
    assert (
        int(put.json["allow"]) == discord.Permissions(view_channel=True, send_messages=True).value
    )
    state = fake_discord.state
    assert state.permissions_for(guild_id, alice, channel.id) & (1 << 10)
    assert not state.permissions_for(guild_id, fake_discord.user_id("bob"), channel.id) & (1 << 10)


# -- scheduled events ------------------------------------------------------------------------


async def test_scheduled_event_created_edited_deleted(fake_discord: FakeDiscord) -> None:
    client = make_client()
    guild_id = fake_discord.guild_id
    start = dt.datetime(2030, 3, 10, 9, tzinfo=dt.UTC)
    async with running(client, fake_discord):
        guild = client.get_guild(guild_id)
        assert guild is not None
        event = await guild.create_scheduled_event(
            name="Network meeting",
            start_time=start,
            end_time=start + dt.timedelta(hours=1),
            entity_type=discord.EntityType.external,
            location="Online",
            privacy_level=discord.PrivacyLevel.guild_only,
        )
        event = await event.edit(name="Network meeting (moved)")
        await event.delete()

    created = await fake_discord.wait_for_request("POST", f"/guilds/{guild_id}/scheduled-events")
    assert created.json["name"] == "Network meeting"
    assert created.json["entity_metadata"] == {"location": "Online"}
    assert created.json["entity_type"] == 3
    path = f"/guilds/{guild_id}/scheduled-events/{event.id}"
    assert (await fake_discord.wait_for_request("PATCH", path)).json["name"] == (
        "Network meeting (moved)"
    )
    await fake_discord.wait_for_request("DELETE", path)
    assert fake_discord.guild.scheduled_events == {}


# -- errors ----------------------------------------------------------------------------------


@pytest.mark.allow_unknown_routes
async def test_unknown_route_answers_404_naming_it(fake_discord: FakeDiscord) -> None:
    client = make_client()
    async with running(client, fake_discord):
        with pytest.raises(discord.NotFound):
            await client.http.request(discord.http.Route("GET", "/nowhere/{x}", x=7))
    [unknown] = fake_discord.unknown_requests
    assert unknown.path == "/nowhere/7"
    assert unknown.response["fake_discord"] == "no route for GET /nowhere/7"
    with pytest.raises(AssertionError, match="GET /nowhere/7"):
        fake_discord.assert_no_unknown_requests()


async def test_rate_limit_is_retried(fake_discord: FakeDiscord) -> None:
    client = make_client()
    general = fake_discord.channel_id("general")
    fake_discord.fail_next("POST", "/channels/{id}/messages", status=429, retry_after=0.01)
    async with running(client, fake_discord):
        channel = client.get_channel(general)
        assert isinstance(channel, discord.TextChannel)
        await channel.send("Reminder")
    attempts = fake_discord.requests_matching("POST", f"/channels/{general}/messages")
    assert [r.status for r in attempts] == [429, 200]
    assert attempts[0].response == {
        "message": "You are being rate limited.",
        "retry_after": 0.01,
        "global": False,
    }


async def test_forbidden_and_server_errors_raise(fake_discord: FakeDiscord) -> None:
    client = make_client()
    general = fake_discord.channel_id("general")
    fake_discord.fail_next("POST", "/channels/{id}/messages", status=403)
    fake_discord.fail_next("POST", "/channels/{id}/messages", status=503)
    async with running(client, fake_discord):
        channel = client.get_channel(general)
        assert isinstance(channel, discord.TextChannel)
        with pytest.raises(discord.Forbidden) as forbidden:
            await channel.send("one")
        with pytest.raises(discord.DiscordServerError):
            await channel.send("two")
        await channel.send("three")
    assert forbidden.value.code == 50013
    assert forbidden.value.text == "Missing Permissions"
    assert [m["content"] for m in fake_discord.messages_in(general)] == ["three"]


@pytest.mark.discord_errors_expected
async def test_errors_logged_by_discord_py_are_caught(
    fake_discord: FakeDiscord, fail_on_discord_errors: list[logging.LogRecord]
) -> None:
    client = make_client()
    logged = asyncio.Event()

    class Signal(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            logged.set()

    signal = Signal(level=logging.ERROR)
    logging.getLogger("discord").addHandler(signal)

    async def respond(interaction: discord.Interaction) -> None:
        raise RuntimeError("handler bug")

    answer_commands_with(client, respond)
    try:
        async with running(client, fake_discord):
            await fake_discord.send_slash_command("broken")
            await asyncio.wait_for(logged.wait(), 5)
    finally:
        logging.getLogger("discord").removeHandler(signal)
    [record] = fail_on_discord_errors
    assert record.exc_info is not None
    assert "handler bug" in str(record.exc_info[1])


async def test_repeated_nonce_returns_the_first_message(fake_discord: FakeDiscord) -> None:
    client = make_client()
    general = fake_discord.channel_id("general")
    async with running(client, fake_discord):
        channel = client.get_channel(general)
        assert isinstance(channel, discord.TextChannel)
        first = await channel.send("Meeting tomorrow", nonce=42)
        again = await channel.send("Meeting tomorrow", nonce=42)
    assert again.id == first.id
    assert len(fake_discord.messages_in(general)) == 1


async def test_a_nonce_holds_only_for_a_few_minutes_and_is_not_kept_with_the_message(
    fake_discord: FakeDiscord,
) -> None:
    now = [dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC)]
    fake_discord.state.clock = lambda: now[0]
    client = make_client()
    general = fake_discord.channel_id("general")
    async with running(client, fake_discord):
        channel = client.get_channel(general)
        assert isinstance(channel, discord.TextChannel)
        first = await channel.send("Meeting tomorrow", nonce=42)
        assert first.nonce == "42"  # the create answer carries it
        assert first.created_at == now[0]  # ids carry the fake's time
        now[0] += dt.timedelta(minutes=4)
        assert (await channel.send("Meeting tomorrow", nonce=42)).id == first.id
        now[0] += dt.timedelta(minutes=2)  # six minutes after the first: Discord posts again
        again = await channel.send("Meeting tomorrow", nonce=42)
        fetched = await channel.fetch_message(first.id)
        history = [m async for m in channel.history(limit=10)]
    assert again.id != first.id
    assert len(fake_discord.messages_in(general)) == 2
    assert fetched.nonce is None
    assert [m.nonce for m in history] == [None, None]


async def test_history_after_a_moment_pages_forward_from_it(fake_discord: FakeDiscord) -> None:
    now = [dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC)]
    fake_discord.state.clock = lambda: now[0]
    client = make_client()
    general = fake_discord.channel_id("general")
    async with running(client, fake_discord):
        channel = client.get_channel(general)
        assert isinstance(channel, discord.TextChannel)
        for number in range(5):
            await channel.send(f"before {number}")
        now[0] += dt.timedelta(minutes=1)
        moment = now[0]
        now[0] += dt.timedelta(seconds=1)
        for number in range(150):
            await channel.send(f"after {number}")
        found = [m.content async for m in channel.history(after=moment, limit=120)]
    assert found == [f"after {number}" for number in range(120)]


async def test_subcommand_group_with_typed_options(fake_discord: FakeDiscord) -> None:
    executive = fake_discord.add_role("executive")
    client = make_client()
    tree = app_commands.CommandTree(client)
    network = app_commands.Group(
        name="network", description="Networks", guild_ids=[fake_discord.guild_id]
    )
    roles = app_commands.Group(name="roles", description="Roles", parent=network)

    @roles.command(name="grant", description="Grant a role")
    async def grant(
        interaction: discord.Interaction,
        member: discord.Member,
        role: discord.Role,
        channel: discord.TextChannel,
        days: int,
        notify: bool,
    ) -> None:
        text = f"{member.name} {role.name} {channel.name} {days} {notify}"
        await interaction.response.send_message(text)

    tree.add_command(network)
    async with running(client, fake_discord):
        await tree.sync(guild=discord.Object(fake_discord.guild_id))
        handle = await fake_discord.send_slash_command(
            "network",
            {
                "member": "alice",
                "role": "executive",
                "channel": "meetings",
                "days": 3,
                "notify": True,
            },
            group="roles",
            subcommand="grant",
        )
        answer = await handle.callback()

    assert answer["data"]["content"] == "alice executive meetings 3 True"
    [group] = handle.payload["data"]["options"]
    assert (group["name"], group["type"]) == ("roles", 2)
    [sub] = group["options"]
    assert (sub["name"], sub["type"]) == ("grant", 1)
    assert [o["type"] for o in sub["options"]] == [6, 8, 7, 4, 5]
    assert executive["id"] in handle.payload["data"]["resolved"]["roles"]


async def test_followup_before_responding_is_unknown_webhook(fake_discord: FakeDiscord) -> None:
    client = make_client()
    codes: list[int] = []

    async def respond(interaction: discord.Interaction) -> None:
        try:
            await interaction.followup.send("too early")
        except discord.NotFound as error:
            codes.append(error.code)
        await interaction.response.send_message("now")

    answer_commands_with(client, respond)
    async with running(client, fake_discord):
        handle = await fake_discord.send_slash_command("early")
        await handle.callback()
    assert codes == [10015]


async def test_member_joins_while_running(fake_discord: FakeDiscord) -> None:
    client = make_client()
    joined: asyncio.Future[discord.Member] = asyncio.get_running_loop().create_future()

    @client.event
    async def on_member_join(member: discord.Member) -> None:
        joined.set_result(member)

    async with running(client, fake_discord):
        await fake_discord.member_joins("dana")
        member = await asyncio.wait_for(joined, 5)
    assert member.name == "dana"
    assert member.guild.id == fake_discord.guild_id


async def test_unregistered_command_with_typed_options(fake_discord: FakeDiscord) -> None:
    client = make_client()
    seen: list[dict[str, object]] = []

    async def respond(interaction: discord.Interaction) -> None:
        assert interaction.data is not None
        seen.append(dict(interaction.data))
        await interaction.response.send_message("ok")

    answer_commands_with(client, respond)
    async with running(client, fake_discord):
        handle = await fake_discord.send_slash_command(
            "where", {"place": Typed(OptionType.CHANNEL, "meetings"), "note": "soon", "n": 2}
        )
        await handle.callback()
    meetings = str(fake_discord.channel_id("meetings"))
    options = handle.payload["data"]["options"]
    assert options == [
        {"name": "place", "type": 7, "value": meetings},
        {"name": "note", "type": 3, "value": "soon"},
        {"name": "n", "type": 4, "value": 2},
    ]
    assert meetings in handle.payload["data"]["resolved"]["channels"]
    assert seen[0]["name"] == "where"


async def test_wrong_token_is_refused(fake_discord: FakeDiscord) -> None:
    client = make_client()
    try:
        with pytest.raises(discord.LoginFailure):
            await client.login("not-the-token")
    finally:
        await client.close()
    [refused] = fake_discord.requests_matching("GET", "/users/@me")
    assert refused.status == 401


async def test_closed_dms_open_a_channel_but_refuse_messages_with_50007(
    fake_discord: FakeDiscord,
) -> None:
    client = make_client()
    fake_discord.close_dms("bob")
    async with running(client, fake_discord):
        user = client.get_user(fake_discord.user_id("bob"))
        assert user is not None
        dm = await user.create_dm()  # Discord opens the channel even so
        with pytest.raises(discord.Forbidden) as refused:
            await dm.send("Your meeting moved")
    assert refused.value.code == 50007
    assert refused.value.text == "Cannot send messages to this user"
    assert fake_discord.messages_in(dm.id) == []


async def test_a_callback_after_three_seconds_is_an_unknown_interaction(
    fake_discord: FakeDiscord,
) -> None:
    client = make_client()
    codes: list[int] = []
    late = asyncio.Event()

    async def respond(interaction: discord.Interaction) -> None:
        await late.wait()
        try:
            await interaction.response.send_message("too late")
        except discord.NotFound as error:
            codes.append(error.code)

    answer_commands_with(client, respond)
    async with running(client, fake_discord):
        handle = await fake_discord.send_slash_command("slow")
        handle.age(3.5)
        late.set()
        request = await handle.callback_request()
    assert request.status == 404
    assert codes == [10062]
    assert handle.original_message is None


async def test_the_token_works_for_fifteen_minutes_then_is_invalid(
    fake_discord: FakeDiscord,
) -> None:
    client = make_client()
    codes: list[int] = []
    ready = asyncio.Event()

    async def respond(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send("within the window", ephemeral=True)
        await ready.wait()
        try:
            await interaction.followup.send("much later", ephemeral=True)
        except discord.HTTPException as error:
            codes.append(error.code)

    answer_commands_with(client, respond)
    async with running(client, fake_discord):
        handle = await fake_discord.send_slash_command("slow")
        await handle.callback()
        assert (await handle.followup())["content"] == "within the window"
        handle.age(15 * 60 + 1)
        ready.set()
        late = await handle.webhook_request("POST")
    assert late.status == 401
    assert codes == [50027]


async def test_a_lost_answer_means_the_work_was_done(fake_discord: FakeDiscord) -> None:
    client = make_client()
    fake_discord.fail_next("POST", "/channels/{id}/messages", status=503, after_handling=True)
    general = fake_discord.channel_id("general")
    async with running(client, fake_discord):
        channel = client.get_channel(general)
        assert isinstance(channel, discord.TextChannel)
        with pytest.raises(discord.DiscordServerError):
            await channel.send("Posted, but the answer was lost")
    assert [m["content"] for m in fake_discord.messages_in(general)] == [
        "Posted, but the answer was lost"
    ]


# -- mentions ------------------------------------------------------------------------------------

VIEW_CHANNEL = 1 << 10
MEMBER_OVERWRITE = 1


async def _private_thread_with_typed_mentions(
    fake: FakeDiscord,
) -> tuple[discord.Client, int, dict[str, int], str]:
    """A private thread in #reflection with only the bot and bob; erin (a member who can
    see #reflection), carol (in a mentionable role) and dave (who cannot see #reflection)
    exist. Returns the client (not started), the thread id, the ids and a text mentioning
    erin, dave, the role, @everyone and @here."""
    ids = {name: int(fake.add_user(name)["id"]) for name in ("erin", "dave")}
    ids["bob"], ids["carol"] = fake.user_id("bob"), fake.user_id("carol")
    role = fake.add_role("peer workers", mentionable=True)
    ids["role"] = int(role["id"])
    fake.state.member(fake.guild_id, ids["carol"])["roles"].append(role["id"])
    reflection = fake.channel("reflection")
    reflection["permission_overwrites"].append(
        {"id": str(ids["dave"]), "type": MEMBER_OVERWRITE, "allow": "0", "deny": str(VIEW_CHANNEL)}
    )
    thread = fake.state.add_thread(int(reflection["id"]), fake.bot_id, "Reflection", kind=12)
    fake.state.add_thread_member(int(thread["id"]), ids["bob"])
    text = f"<@{ids['erin']}> <@{ids['dave']}> <@&{ids['role']}> @everyone @here, see this"
    return make_client(), int(thread["id"]), ids, text


async def test_a_live_mention_in_a_private_thread_adds_the_person_and_the_roles_members(
    fake_discord: FakeDiscord,
) -> None:
    """Discord's default for a regular message parses every mention: erin and the role's
    members join the thread; dave, who cannot see the parent channel, does not; @everyone
    and @here add nobody else."""
    fake = fake_discord
    client, thread_id, ids, text = await _private_thread_with_typed_mentions(fake)
    joined: list[int] = []
    both_joined = asyncio.Event()

    @client.event
    async def on_thread_member_join(member: discord.ThreadMember) -> None:
        joined.append(member.id)
        if len(joined) == 2:
            both_joined.set()

    async with running(client, fake):
        thread = await client.fetch_channel(thread_id)
        assert isinstance(thread, discord.Thread)
        sent = await thread.send(text)  # no allowed_mentions: the client has no default
        await asyncio.wait_for(both_joined.wait(), 5)

    request = fake.requests_matching("POST", f"/channels/{thread_id}/messages")[-1]
    assert "allowed_mentions" not in request.json
    assert set(joined) == {ids["erin"], ids["carol"]}
    assert set(fake.state.thread_members[thread_id]) == {
        fake.bot_id,
        ids["bob"],
        ids["erin"],
        ids["carol"],
    }
    stored = fake.state.message(sent.id)
    assert [int(u["id"]) for u in stored["mentions"]] == [ids["erin"], ids["dave"]]
    assert stored["mention_roles"] == [str(ids["role"])]
    assert stored["mention_everyone"] is True
    assert {m.id for m in sent.mentions} == {ids["erin"], ids["dave"]}
    assert sent.mention_everyone


async def test_allowed_mentions_none_adds_nobody_and_nothing_is_live(
    fake_discord: FakeDiscord,
) -> None:
    fake = fake_discord
    client, thread_id, ids, text = await _private_thread_with_typed_mentions(fake)
    async with running(client, fake):
        thread = await client.fetch_channel(thread_id)
        assert isinstance(thread, discord.Thread)
        sent = await thread.send(text, allowed_mentions=discord.AllowedMentions.none())
        # A round trip, so a wrong THREAD_MEMBERS_UPDATE would have arrived by now.
        await thread.send("after", allowed_mentions=discord.AllowedMentions.none())
        assert {m.id for m in thread.members} <= {fake.bot_id, ids["bob"]}
    assert set(fake.state.thread_members[thread_id]) == {fake.bot_id, ids["bob"]}
    stored = fake.state.message(sent.id)
    assert (stored["mentions"], stored["mention_roles"], stored["mention_everyone"]) == (
        [],
        [],
        False,
    )


async def test_allowed_mentions_naming_one_user_makes_only_that_mention_live(
    fake_discord: FakeDiscord,
) -> None:
    fake = fake_discord
    client, thread_id, ids, text = await _private_thread_with_typed_mentions(fake)
    only_erin = discord.AllowedMentions(
        everyone=False, users=[discord.Object(ids["erin"])], roles=False
    )
    async with running(client, fake):
        thread = await client.fetch_channel(thread_id)
        assert isinstance(thread, discord.Thread)
        sent = await thread.send(text, allowed_mentions=only_erin)
    assert set(fake.state.thread_members[thread_id]) == {fake.bot_id, ids["bob"], ids["erin"]}
    stored = fake.state.message(sent.id)
    assert [int(u["id"]) for u in stored["mentions"]] == [ids["erin"]]
    assert stored["mention_roles"] == [] and stored["mention_everyone"] is False


async def test_parse_users_with_a_user_list_is_refused_as_discord_does(
    fake_discord: FakeDiscord,
) -> None:
    """``parse: ["users"]`` and ``users: [...]`` are mutually exclusive: 400, code 50035,
    and nothing is posted. An empty ``users`` next to it is fine, as the docs say."""
    fake = fake_discord
    client, thread_id, ids, text = await _private_thread_with_typed_mentions(fake)
    async with running(client, fake):
        with pytest.raises(discord.HTTPException) as refused:
            await client.http.send_message(
                thread_id,
                params=_params(text, {"parse": ["users"], "users": [str(ids["erin"])]}),
            )
        assert refused.value.status == 400 and refused.value.code == 50035
        with pytest.raises(discord.HTTPException) as bad_type:
            await client.http.send_message(thread_id, params=_params(text, {"parse": ["all"]}))
        assert bad_type.value.code == 50035
        await client.http.send_message(
            thread_id, params=_params("fine", {"parse": ["users"], "users": []})
        )
    assert [m["content"] for m in fake.messages_in(thread_id)] == ["fine"]
    assert set(fake.state.thread_members[thread_id]) == {fake.bot_id, ids["bob"]}


def _params(content: str, allowed: dict[str, object]) -> discord.http.MultipartParameters:
    return discord.http.MultipartParameters(
        payload={"content": content, "allowed_mentions": allowed}, multipart=None, files=None
    )


async def test_an_interaction_response_parses_only_user_mentions_by_default(
    fake_discord: FakeDiscord,
) -> None:
    """Interaction responses and webhooks default to ``parse: ["users"]``: without
    allowed_mentions a user mention in the answer is live, @everyone and roles are not."""
    fake = fake_discord
    client, thread_id, ids, text = await _private_thread_with_typed_mentions(fake)
    answer_commands_with(client, lambda i: i.response.send_message(text))
    async with running(client, fake):
        handle = await fake.send_slash_command("ping", user="bob", channel=thread_id)
        callback = await handle.callback()
    assert "allowed_mentions" not in callback["data"]
    [stored] = [m for m in fake.messages_in(thread_id) if m["content"] == text]
    assert [int(u["id"]) for u in stored["mentions"]] == [ids["erin"], ids["dave"]]
    assert stored["mention_roles"] == [] and stored["mention_everyone"] is False
    assert set(fake.state.thread_members[thread_id]) == {fake.bot_id, ids["bob"], ids["erin"]}


async def test_message_context_menu_command_reaches_discord_py(fake_discord: FakeDiscord) -> None:
    """discord.py's own context menu, synced to the fake and run on a member's message: the
    fake's type 3 interaction is what discord.py parses into the message (its text too)."""
    client = make_client()
    tree = app_commands.CommandTree(client)
    got: list[discord.Message] = []

    @tree.context_menu(name="Report to coordinators")
    async def report(interaction: discord.Interaction, message: discord.Message) -> None:
        got.append(message)
        await interaction.response.send_message("noted", ephemeral=True)

    async with running(client, fake_discord):
        guild = discord.Object(fake_discord.guild_id)
        tree.copy_global_to(guild=guild)
        await tree.sync(guild=guild)
        [synced] = fake_discord.requests_matching("PUT", "/applications/{a}/guilds/{g}/commands")
        [body] = synced.json
        assert (body["type"], body["name"], body.get("description")) == (
            3,
            "Report to coordinators",
            None,
        )
        posted = fake_discord.member_posts("bob", "general", "a member's words")
        handle = await fake_discord.send_message_command(
            "Report to coordinators", posted, user="alice"
        )
        assert (await handle.callback())["type"] == 4
    assert [(m.id, m.content, m.author.name) for m in got] == [
        (int(posted["id"]), "a member's words", "bob")
    ]


async def test_message_commands_take_no_description_and_deleting_others_needs_permission(
    fake_discord: FakeDiscord,
) -> None:
    state = fake_discord.state
    with pytest.raises(Exception, match="description must be empty"):
        state.upsert_command(None, {"type": 3, "name": "Report", "description": "no"})
    posted = fake_discord.member_posts("bob", "general", "hello")
    bot_role = next(r for r in fake_discord.guild.roles.values() if r.get("managed"))
    bot_role["permissions"] = str(1 << 10 | 1 << 11)  # View Channel and Send Messages only
    with pytest.raises(Exception, match="Missing Permissions"):
        state.delete_message(int(posted["id"]))
    bot_role["permissions"] = str(1 << 10 | 1 << 11 | 1 << 13)  # and Manage Messages
    state.delete_message(int(posted["id"]))
    assert fake_discord.messages_in(fake_discord.channel_id("general")) == []
