"""/peers: the opt-in directory's commands. See ``directory`` for who sees what."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from bot.commands import NETWORK_SLUG_MAX, Context, Option, Role, command
from bot.errors import UserError
from bot.kernel import Kernel
from bot.mentions import person
from bot.replies import Reply
from cogs.networks.directory import CLEAR, SHOWN_MAX, PeerDirectory, Profile
from cogs.networks.service import NetworkService

PeersNetwork = Annotated[
    str | None,
    Option(
        "Only this network (short name, like south-coast)",
        autocomplete="complete_network",
        max_length=NETWORK_SLUG_MAX,
    ),
]


def _text(description: str, max_length: int) -> Option:
    return Option(f"{description}; {CLEAR} to hide it", max_length=max_length)


class Sector(StrEnum):
    PUBLIC = "public"
    COMMUNITY = "community-managed"
    HIDE = "hide"


class YesNo(StrEnum):
    YES = "yes"
    NO = "no"
    HIDE = "hide"


NOT_LISTED = (
    "You are not in the peer directory, so nothing about you is shown to anyone. To be "
    'listed, say what you want to show, for example /peers profile title:"Peer worker" '
    'region:Illawarra topics:"boundaries, working solo". Every part is optional.'
)


def entry_text(entry: Profile) -> str:
    return entry.line() or "(nothing filled in yet)"


class PeerCommands:
    kernel: Kernel
    service: NetworkService
    directory: PeerDirectory

    @command(
        "peers profile",
        "See or set what the peer directory shows about you (opt-in, each part optional)",
        role=Role.EVERYONE,
    )
    async def peers_profile(
        self,
        ctx: Context,
        name: Annotated[str | None, _text("The name to show", 60)] = None,
        title: Annotated[str | None, _text("Your role, like Peer support worker", 80)] = None,
        service: Annotated[str | None, _text("Your service or team", 80)] = None,
        sector: Annotated[Sector | None, Option("Public or community-managed")] = None,
        region: Annotated[str | None, _text("Your region, like Illawarra", 60)] = None,
        solo: Annotated[YesNo | None, Option("Whether you work as the only peer worker")] = None,
        topics: Annotated[str | None, _text("Topics you are happy to talk about", 300)] = None,
        mentoring: Annotated[
            YesNo | None, Option("Whether to show you are open to mentoring (see /mentor offer)")
        ] = None,
    ) -> Reply:
        changes: dict[str, str | None] = {
            "name": name,
            "title": title,
            "service": service,
            "sector": sector.value if sector else None,
            "region": region,
            "solo": solo.value if solo else None,
            "topics": topics,
            "mentoring": mentoring.value if mentoring else None,
        }
        if all(v is None for v in changes.values()):
            current = await self.directory.profile(ctx.user.key)
            if current is None:
                return Reply.private_text(NOT_LISTED)
            return Reply.private_text(
                "Your entry in the peer directory, shown only to members of your networks:\n"
                + entry_text(current)
                + "\nChange a part with /peers profile (a single - hides it); leave the "
                "directory with /peers off."
            )
        if not await self.directory.profile(ctx.user.key) and name is None:
            shown_name = ctx.here.display_name.strip()
            if shown_name and shown_name != ctx.here.id:
                changes["name"] = shown_name[:60]
        saved, new = await self.directory.save(ctx.user.key, changes)
        alone = (
            ""
            if await self.service.memberships(ctx.user.key)
            else "\nYou are in no network yet, so nobody sees it until you join one."
        )
        first = (
            "You are in the peer directory now. Members of your networks can find this entry "
            "with /peers find; nobody else sees it."
            if new
            else "Your entry in the peer directory is updated."
        )
        return Reply.private_text(
            f"{first}\nIt shows: {entry_text(saved)}\nLeave the directory at any time with "
            "/peers off." + alone
        )

    @command("peers off", "Leave the peer directory: your entry is deleted", role=Role.EVERYONE)
    async def peers_off(self, ctx: Context) -> Reply:
        if not await self.directory.remove(ctx.user.key):
            raise UserError(
                "You are not in the peer directory, so there is nothing to remove. Nothing "
                "about you is shown."
            )
        return Reply.private_text(
            "You left the peer directory. Your entry is deleted and nobody sees it any more."
        )

    @command(
        "peers find",
        "Find peers in your networks who chose to be in the directory",
    )
    async def peers_find(
        self,
        ctx: Context,
        topic: Annotated[str | None, Option("A topic, like boundaries", max_length=80)] = None,
        region: Annotated[str | None, Option("A region, like Illawarra", max_length=60)] = None,
        network: PeersNetwork = None,
    ) -> Reply:
        entries = [
            e
            for e in await self.directory.visible_to(ctx.user.key, ctx.network_id)
            if e.matches(topic or "", region or "")
        ]
        listed = await self.directory.profile(ctx.user.key) is not None
        tail = (
            "" if listed else "\nYou are not listed yourself; /peers profile adds you (optional)."
        )
        if not entries:
            searched = " matching that" if topic or region else ""
            return Reply.private_text(
                f"Nobody in your networks{searched} is in the peer directory yet. Only people "
                "who chose to be listed are shown." + tail
            )
        lines = [f"- {person(e.user_key)}: {entry_text(e)}" for e in entries[:SHOWN_MAX]]
        more = len(entries) - SHOWN_MAX
        if more > 0:
            lines.append(f"And {more} more: narrow it with topic: or region:.")
        plural = "s" if len(entries) != 1 else ""
        return Reply.private_text(
            f"{len(entries)} peer{plural} in your networks chose to be listed:\n"
            + "\n".join(lines)
            + "\nTo think something through with them, name them in /reflect start peers: "
            "(on Discord the peers option suggests them as you type)." + tail
        )
