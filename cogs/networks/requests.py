"""The commands and buttons of invite-only networks: withdraw a request, list the pending ones,
approve or decline. The rules are in ``approvals``; joining itself stays in the networks cog,
so an approved person becomes a member exactly as an open join makes one."""

from __future__ import annotations

from typing import Annotated

from bot.commands import NETWORK_SLUG_MAX, ActionEvent, Context, Option, Role, action, command
from bot.errors import UserError
from bot.kernel import Kernel
from bot.mentions import person
from bot.replies import Reply
from cogs.networks.approvals import APPROVE_ACTION, DECLINE_ACTION, Approvals, asked_text
from cogs.networks.models import Network
from cogs.networks.roles import PlatformRoles
from cogs.networks.service import NetworkService

RequestNetwork = Annotated[
    str,
    Option(
        "The network's short name, like south-coast",
        autocomplete="complete_network",
        max_length=NETWORK_SLUG_MAX,
    ),
]


class JoinRequests:
    kernel: Kernel
    service: NetworkService
    approvals: Approvals
    roles: PlatformRoles

    # The networks cog's own: the welcome an approved person gets is an open join's.
    async def _welcome_text(self, network: Network) -> str:
        raise NotImplementedError

    def _network_id(self, ctx: Context) -> int:
        raise NotImplementedError

    async def _ask_to_join(self, ctx: Context, network: Network) -> str:
        """An invite-only network: record the request (once) and say what happens next."""
        if not await self.approvals.ask(ctx.user.key, network):
            return (
                f"You already asked to join {network.name}. A coordinator will look at it, and "
                "you will get a private message when it is decided. To take it back: "
                f"/network withdraw network:{network.slug}"
            )
        return asked_text(network)

    @command(
        "network withdraw",
        "Take back your request to join an invite-only network",
        role=Role.EVERYONE,
    )
    async def withdraw(self, ctx: Context, network: RequestNetwork) -> Reply:
        found = await self.service.get(self._network_id(ctx))
        if not await self.approvals.withdraw(ctx.user.key, found):
            raise UserError(
                f"You have no request waiting to join {found.name}, so there is nothing to take "
                "back. Nothing was changed."
            )
        return Reply.private_text(
            f"You took back your request to join {found.name}. You can ask again at any time "
            "with /network join."
        )

    @command(
        "manage network requests",
        "Requests waiting to join an invite-only network, with Approve and Decline",
        role=Role.COORDINATOR,
        aliases=("network requests",),
    )
    async def requests(self, ctx: Context, network: RequestNetwork) -> Reply:
        found = await self.service.get(self._network_id(ctx))
        listing = self.approvals.listing(found, await self.approvals.pending(found.id))
        if not found.invite_only and listing.buttons:
            return listing.model_copy(
                update={
                    "text": listing.text + f"\n{found.name} is open now: new joins need nobody's "
                    "approval, but these earlier requests still wait for an answer."
                }
            )
        return listing

    @action(APPROVE_ACTION, role=Role.COORDINATOR)
    async def approve_button(self, ctx: Context, event: ActionEvent) -> Reply:
        return await self._decide(ctx, event.payload, approve=True)

    @action(DECLINE_ACTION, role=Role.COORDINATOR)
    async def decline_button(self, ctx: Context, event: ActionEvent) -> Reply:
        return await self._decide(ctx, event.payload, approve=False)

    async def _decide(self, ctx: Context, payload: str, *, approve: bool) -> Reply:
        if not payload.isdigit():
            raise UserError("That button is out of date. Type /manage network requests.")
        request = await self.approvals.get(int(payload))
        network = await self.service.get(request.network_id)
        # A button carries no network: check the role in the request's own network.
        if await self.kernel.registry.directory.role_of(ctx.user.key, network.id) < (
            Role.COORDINATOR
        ):
            raise UserError(
                f"Only a coordinator of {network.name} can decide who joins it. "
                "Nothing was changed."
            )
        if network.archived_at is not None:
            raise UserError(f"{network.name} is archived, so nobody can join it any more.")
        who = person(request.user_key)
        welcome = await self._welcome_text(network) if approve else ""
        joined = await self.approvals.decide(
            request, network, actor_key=ctx.user.key, approve=approve, welcome=welcome
        )
        if not approve:
            return Reply.private_text(
                f"You declined {who}'s request to join {network.name}. They are told kindly, "
                "privately, without a reason."
            )
        note = ""
        if joined:
            note = await self.roles.sync_person(request.user_key, network, None, Role.MEMBER)
        text = (
            f"You approved {who}'s request. They are now a member of {network.name} and get the "
            "welcome privately."
        )
        if not joined:
            text = f"{who} was already in {network.name}; I told them their request is approved."
        if note:
            text += "\nWhat went wrong giving them the network's roles:" + note
        return Reply.private_text(text)
