"""The "join a network" panel: a message a coordinator posts in a channel once, with a menu of
the networks and a button for their own, that anyone can use to join.

Its menu and button are action references (the existing join action, and this one with the
network's id), so the panel keeps working after restarts without peerbot remembering it. It
is kept (channel and message id) only so that posting it again replaces it instead of leaving
two; one panel per network and server.
"""

from __future__ import annotations

from typing import Annotated

from bot.clock import to_db
from bot.commands import (
    NETWORK_SLUG_MAX,
    ActionEvent,
    Channel,
    Context,
    Option,
    Role,
    action,
    command,
)
from bot.errors import UserError
from bot.identity import MessageRef, PlaceRef, place_from_key
from bot.kernel import Kernel
from bot.mentions import place as place_mark
from bot.ports import DeliveryError
from bot.replies import ActionRef, Button, ButtonStyle, Reply, Select
from cogs.networks.models import Network
from cogs.networks.queries import network_of_place
from cogs.networks.service import NetworkService

PANEL_JOIN_ACTION = "network-panel-join"
PANEL_GUIDELINES_ACTION = "network-guidelines"  # the networks cog's own guidelines button

PanelNetwork = Annotated[
    str,
    Option(
        "The network's short name, like south-coast",
        autocomplete="complete_network",
        max_length=NETWORK_SLUG_MAX,
    ),
]
PanelChannel = Annotated[
    Channel | None, Option("The channel to post it in; leave empty for this one")
]


def panel_message(network: Network, select: Select | None) -> Reply:
    """What everyone in the channel sees: not private, no pings. For an invite-only
    network the button asks to join, and says so."""
    if network.invite_only:
        how = (
            f"Press the button to ask to join {network.name}: it is invite-only, so a "
            "coordinator approves each request, and until then nothing of the network is "
            "shown to you. Or pick networks in the menu."
        )
    else:
        how = (
            f"Press the button to join {network.name}, or pick networks in the menu. You "
            "join as a member and can then see the network's channels."
        )
    return Reply(
        text=(
            "Join a peer worker network\n\n"
            f"{how} Only you see peerbot's answer, and you can leave at any time with "
            "/network leave."
        ),
        select=select,
        buttons=[
            Button(
                label=f"{'Ask to join' if network.invite_only else 'Join'} {network.name}"[:80],
                action=ActionRef(action=PANEL_JOIN_ACTION, payload=str(network.id)),
                style=ButtonStyle.PRIMARY,
            ),
            Button(label="Read the guidelines", action=ActionRef(action=PANEL_GUIDELINES_ACTION)),
        ],
    )


class JoinPanel:
    kernel: Kernel
    service: NetworkService

    # The networks cog's own, shared so the panel joins exactly as /network join does.
    async def _network_select(self, placeholder: str) -> Select | None:
        raise NotImplementedError

    async def _join_one(self, ctx: Context, network: Network) -> str:
        raise NotImplementedError

    def _network_id(self, ctx: Context) -> int:
        raise NotImplementedError

    @command(
        "manage network panel",
        "Post a permanent join a network panel in a channel",
        role=Role.COORDINATOR,
        aliases=("network panel",),
    )
    async def panel(
        self, ctx: Context, network: PanelNetwork, channel: PanelChannel = None
    ) -> Reply:
        if ctx.space is None:
            raise UserError("Post the panel from a channel of the server, not a direct message.")
        if channel:
            place = PlaceRef(
                platform=ctx.platform, id=channel.strip().removeprefix("<#").strip(">#")
            )
        elif ctx.place is not None:
            place = ctx.place
        else:
            raise UserError("Say which channel with channel:..., or run this in the channel.")
        port = self.kernel.ports.get(ctx.platform)
        if port is None:
            raise UserError("peerbot is not connected to this platform right now. Try again soon.")
        found = await self.service.get(self._network_id(ctx))
        db = self.kernel.db
        async with db.reading() as tx:
            owner = await network_of_place(tx, place.key)
            old = await tx.fetch_one(
                "SELECT place_key, message_id FROM network_panels "
                "WHERE network_id = ? AND space_key = ?",
                (found.id, ctx.space.key),
            )
        if owner is not None and owner != found.id:
            raise UserError(
                f"{place_mark(place.key)} is another network's channel, so {found.name}'s panel "
                "cannot go there. Pick a channel of the whole server (like a welcome channel) "
                "or one of your network's. Nothing was posted."
            )
        now = self.kernel.clock.now()
        try:
            sent = await port.post(
                place,
                panel_message(found, await self._network_select("Pick networks to join")),
                idempotency_key=f"network-panel:{found.id}:{ctx.space.key}:{to_db(now)}",
            )
        except DeliveryError as error:
            raise UserError(
                f"peerbot could not post in {place_mark(place.key)} ({error}). Check that it "
                "may see the channel and send messages there. Nothing was posted."
            ) from None
        async with db.transaction() as tx:
            await tx.execute(
                """INSERT INTO network_panels (network_id, space_key, place_key, message_id,
                       posted_at) VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT (network_id, space_key) DO UPDATE SET place_key = excluded.place_key,
                       message_id = excluded.message_id, posted_at = excluded.posted_at""",
                (found.id, ctx.space.key, place.key, sent.id, to_db(now)),
            )
            await self.kernel.audit.record(
                tx,
                actor_key=ctx.user.key,
                action="network.panel",
                network_id=found.id,
                target=place.key,
                detail="replaced the earlier panel" if old else "",
            )
        text = f"Posted {found.name}'s join panel in {place_mark(place.key)}."
        if old is not None and old["message_id"]:
            previous = MessageRef(place=place_from_key(str(old["place_key"])), id=old["message_id"])
            try:
                gone = not await port.delete_message(previous, reason="peerbot: panel posted again")
            except UserError:
                gone = True  # its channel was deleted: nothing left to replace
            text += (
                " It replaces the earlier one, which was already gone."
                if gone
                else f" It replaces the earlier one in {place_mark(previous.place.key)}, "
                "which was removed."
            )
        return Reply.private_text(text + " Post it again at any time to refresh its menu.")

    @action(PANEL_JOIN_ACTION)
    async def panel_join(self, ctx: Context, event: ActionEvent) -> Reply:
        if not event.payload.isdigit():
            raise UserError("That panel is out of date. Ask a coordinator to post it again.")
        network = await self.service.get(int(event.payload))
        if network.archived_at is not None:
            raise UserError(f"{network.name} is archived, so it cannot be joined any more.")
        return Reply.private_text(await self._join_one(ctx, network))
