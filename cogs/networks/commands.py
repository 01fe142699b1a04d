"""Network commands available now: list, create, join, leave, and my networks.

Full network management (edit, archive, roles, channel set-up, moderation) is a later issue.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from bot.cog import Cog
from bot.commands import Context, Option, Role, command
from bot.errors import UserError
from bot.kernel import Kernel
from bot.privacy import DataStatement
from bot.replies import Card, CardField, Choice, Reply
from bot.storage import Transaction
from cogs.networks import repository as repo
from cogs.networks.service import NetworkService

NetworkOption = Annotated[
    str, Option("The network's short name, like south-coast", autocomplete="complete_network")
]


class NetworksCog(Cog):
    name: ClassVar[str] = "networks"
    title: ClassVar[str] = "Networks"

    def __init__(self, kernel: Kernel) -> None:
        super().__init__(kernel)
        self.service = NetworkService(kernel.db, kernel.clock, frozenset(kernel.settings.admins))
        kernel.set_directory(self.service)
        kernel.privacy.register(
            self.name,
            DataStatement(
                area="Networks",
                what="which networks you joined, your role in each, and when you joined",
                why="to show you your networks and decide what you may do in each",
                kept_for="until you leave the network or delete your data",
            ),
            self._export,
            self._delete,
        )

    async def start(self) -> None:
        await self.service.sync_admins()

    async def _export(self, tx: Transaction, user_key: str) -> Any:
        memberships = await repo.memberships_of(tx, user_key)
        return {
            "memberships": [m.model_dump(mode="json") for m in memberships],
            "admin": await repo.admin_rows(tx, user_key),
        }

    async def _delete(self, tx: Transaction, user_key: str) -> int:
        return await repo.delete_person(tx, user_key)

    async def complete_network(self, ctx: Context, partial: str) -> list[Choice]:
        partial = partial.strip().lower()
        return [
            Choice(label=network.name, value=network.slug)
            for network, _ in await self.service.list_networks()
            if partial in network.slug or partial in network.name.lower()
        ]

    @command("network list", "The peer worker networks here", role=Role.EVERYONE)
    async def list_networks(self, ctx: Context) -> Reply:
        networks = await self.service.list_networks()
        if not networks:
            return Reply.private_text(
                "There are no networks yet. An admin can create one with /network create."
            )
        lines = [
            f"- {n.name} ({n.slug}): {count} member{'s' if count != 1 else ''}, "
            f"time zone {n.timezone}" + (f". {n.description}" if n.description else "")
            for n, count in networks
        ]
        card = Card(
            title="Networks",
            fields=[
                CardField(name=f"{n.name} ({n.slug})", value=n.description or n.timezone)
                for n, _ in networks
            ],
        )
        return Reply(
            text="Networks:\n" + "\n".join(lines) + "\n\nJoin one with /network join.",
            cards=[card],
            private=True,
        )

    @command("network create", "Create a peer worker network", role=Role.ADMIN)
    async def create(
        self,
        ctx: Context,
        name: Annotated[str, Option("Full name, like South Coast Peer Network", max_length=80)],
        slug: Annotated[str, Option("Short name, like south-coast", max_length=30)],
        timezone: Annotated[str | None, Option("Time zone, like Australia/Sydney")] = None,
        description: Annotated[str, Option("One or two sentences", max_length=300)] = "",
    ) -> Reply:
        network = await self.service.create(
            slug=slug,
            name=name,
            timezone=timezone or self.kernel.settings.networks.default_timezone,
            description=description,
        )
        return Reply.private_text(
            f"Created the network {network.name} ({network.slug}), time zone {network.timezone}."
        )

    @command("network join", "Join a network as a member", role=Role.EVERYONE)
    async def join(self, ctx: Context, network: NetworkOption) -> Reply:
        assert ctx.network_id is not None
        joined = await self.service.join(ctx.user.key, ctx.network_id)
        found = await self.service.get(ctx.network_id)
        if not joined:
            return Reply.private_text(f"You are already in {found.name}.")
        return Reply.private_text(f"Welcome to {found.name}. You joined as a member.")

    @command("network leave", "Leave a network", role=Role.EVERYONE)
    async def leave(self, ctx: Context, network: NetworkOption) -> Reply:
        assert ctx.network_id is not None
        found = await self.service.get(ctx.network_id)
        if not await self.service.leave(ctx.user.key, ctx.network_id):
            raise UserError(f"You are not a member of {found.name}, so there is nothing to leave.")
        return Reply.private_text(f"You have left {found.name}. You can join again at any time.")

    @command("network mine", "The networks you belong to and your role in each", role=Role.EVERYONE)
    async def mine(self, ctx: Context) -> Reply:
        memberships = await self.service.memberships(ctx.user.key)
        if not memberships:
            return Reply.private_text(
                "You are not in any network yet. Type /network list to see them."
            )
        lines = [f"- {m.network_name} ({m.network_slug}): {m.role}" for m in memberships]
        return Reply.private_text("Your networks:\n" + "\n".join(lines))
