"""The discord.py client: connects, syncs the registry's commands when they changed, and hands
every interaction to the handler."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord

from bot.identity import PlaceRef, UserRef
from bot.kernel import Kernel
from bot.platforms.discord import components
from bot.platforms.discord.commands_payload import (
    build_commands,
    build_message_commands,
    commands_hash,
    group_titles,
)
from bot.platforms.discord.interactions import InteractionHandler

log = logging.getLogger(__name__)


def intents() -> discord.Intents:
    """Servers and members (a privileged intent), and scheduled events (who presses Interested
    on a meeting's event); never message content: we read no messages."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.members = True
    wanted.guild_scheduled_events = True
    return wanted


class PeerbotDiscordClient(discord.Client):
    def __init__(self, kernel: Kernel, guild_ids: list[int], **options: Any) -> None:
        # Nothing pings unless a message says so: each send also passes its own allowed
        # mentions (built from the Reply), and this default covers anything that does not.
        super().__init__(
            intents=intents(), allowed_mentions=discord.AllowedMentions.none(), **options
        )
        self.kernel = kernel
        self.guild_ids = guild_ids
        self.handler = InteractionHandler(kernel.registry, outbox=kernel.outbox)
        self.synced = False
        #: Set each time a server's network roles were reconciled (tests wait on it).
        self.roles_reconciled = asyncio.Event()

    async def setup_hook(self) -> None:
        """Runs once after login, before the gateway connects: buttons, then commands."""
        components.set_router(self.handler.route_action)
        self.add_dynamic_items(components.ActionButton, components.ActionSelect)
        await self.sync_commands()

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        await self.handler.handle(interaction)

    def command_payload(self) -> list[dict[str, Any]]:
        registry = self.kernel.registry
        titles = group_titles(registry.commands.values(), self.kernel.cogs)
        return build_commands(
            registry.commands.values(), descriptions=titles
        ) + build_message_commands(registry.message_commands.values())

    async def sync_commands(self) -> list[str]:
        """Put the commands on Discord where they changed; returns where it synced."""
        assert self.application_id is not None, "sync needs the application id from login"
        payload = self.command_payload()
        synced: list[str] = []
        targets: list[int | None] = list(self.guild_ids) or [None]
        for guild_id in targets:
            where = f"guild {guild_id}" if guild_id else "global"
            key = f"discord:commands:{self.application_id}:{guild_id or 'global'}"
            fingerprint = commands_hash(payload, where)
            if await self.kernel.platform_state.get(key) == fingerprint:
                log.info("Discord commands unchanged for %s; not syncing", where)
                continue
            if guild_id is None:
                await self.http.bulk_upsert_global_commands(self.application_id, payload)
            else:
                await self.http.bulk_upsert_guild_commands(self.application_id, guild_id, payload)
            await self.kernel.platform_state.set(key, fingerprint)
            log.info("synced %d Discord commands to %s", len(payload), where)
            synced.append(where)
        self.synced = True
        return synced

    async def on_member_join(self, member: discord.Member) -> None:
        if member.bot:
            return
        user = UserRef(platform="discord", id=str(member.id), display_name=member.display_name)
        space = PlaceRef(platform="discord", id=str(member.guild.id), name=member.guild.name)
        await self.kernel.events.member_joined(user, space)

    async def on_scheduled_event_user_add(
        self, event: discord.ScheduledEvent, user: discord.User
    ) -> None:
        """Someone pressed Interested (GUILD_SCHEDULED_EVENT_USER_ADD; discord.py sends it
        only for an event and a user in its cache, which the members intent fills)."""
        await self._interest(event, user, True)

    async def on_scheduled_event_user_remove(
        self, event: discord.ScheduledEvent, user: discord.User
    ) -> None:
        await self._interest(event, user, False)

    async def _interest(
        self, event: discord.ScheduledEvent, user: discord.User, interested: bool
    ) -> None:
        if user.bot:
            return
        space = PlaceRef(platform="discord", id=str(event.guild_id))
        person = UserRef(platform="discord", id=str(user.id), display_name=user.display_name)
        await self.kernel.events.event_interest(space, str(event.id), person, interested)

    async def on_guild_available(self, guild: discord.Guild) -> None:
        """discord.py calls this once the server is in its cache with its members (after
        READY, when Discord sends GUILD_CREATE and the member chunks, and again after an
        outage): only then can network roles be compared with peerbot's memberships."""
        space = PlaceRef(platform="discord", id=str(guild.id), name=guild.name)
        try:
            await self.kernel.events.space_available(space)
        finally:
            self.roles_reconciled.set()

    async def on_ready(self) -> None:
        log.info("connected to Discord in %d server(s)", len(self.guilds))
