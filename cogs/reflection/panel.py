"""The "start a co-reflection" panel: a message with one button that a coordinator posts once
in a network's reflection channel, as ticket bots do. Pressing it starts the same flow as
/reflect start, privately: pick a format, then a form for the peers, topic, facilitator and
whether to begin with a check-in round.

The button is an action reference with the network's id, so it keeps working after restarts
without peerbot remembering it; the panel is kept (channel and message id) only so that
posting it again replaces it instead of leaving two. One panel per network and server.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from bot.clock import to_db
from bot.commands import NETWORK_SLUG_MAX, ActionEvent, Context, Option, Role, action, command
from bot.errors import UserError
from bot.fanouts import UNREACHED_PROMISE
from bot.identity import MessageRef, place_from_key
from bot.kernel import Kernel
from bot.mentions import place as place_mark
from bot.ports import DeliveryError
from bot.replies import ActionRef, Button, ButtonStyle, Choice, Form, FormField, Reply, Select
from cogs.networks.queries import NetworkReader
from cogs.reflection import repository as repo
from cogs.reflection.formats import FORMATS, Format, Topic
from cogs.reflection.service import ReflectionService, Started, display

PANEL_ACTION = "reflect.panel"
PANEL_FORMAT_ACTION = "reflect.panel-format"
PANEL_START_ACTION = "reflect.panel-start"
YES = frozenset({"yes", "y", "true", "1", "ok"})
NO = frozenset({"no", "n", "false", "0", ""})

PanelNetwork = Annotated[
    str | None,
    Option(
        "The network's short name, like south-coast",
        autocomplete="complete_network",
        max_length=NETWORK_SLUG_MAX,
    ),
]


def started_text(started: Started) -> str:
    """What the starter sees, from /reflect start and from the panel alike."""
    found = started.reflection
    return (
        f"Started co-reflection number {found.id} ({FORMATS[found.format].title}) in a "
        "private thread, and added you. By starting it you accept the confidentiality "
        "agreement posted there. Invited privately: "
        + ", ".join(display(p) for p in started.invited)
        + ". Each is added only after pressing Join. "
        + UNREACHED_PROMISE
        + (f"\nThe thread: {found.thread_link}" if found.thread_link else "")
    )


def panel_message(network_id: int, name: str) -> Reply:
    """What everyone in the reflection channel sees: not private, no pings."""
    return Reply(
        text=(
            "Start a co-reflection\n\n"
            f"Press the button to start a private co-reflection with peers from {name}. You "
            "pick a format and who to invite; each of them is asked privately and added to "
            "the thread only if they agree. Only you see what follows. (/reflect start does "
            "the same.)"
        ),
        buttons=[
            Button(
                label="Start a co-reflection",
                action=ActionRef(action=PANEL_ACTION, payload=str(network_id)),
                style=ButtonStyle.PRIMARY,
            )
        ],
    )


def start_form(network_id: int, fmt: Format) -> Form:
    topics = ", ".join(t.value for t in Topic)
    return Form(
        title=f"Start: {FORMATS[fmt].title}"[:45],
        action=ActionRef(action=PANEL_START_ACTION, payload=f"{network_id}:{fmt.value}"),
        fields=[
            FormField(
                name="peers",
                label="Who to invite (up to 11)",
                placeholder="Their ids or mentions, separated by commas or spaces",
                max_length=1000,
            ),
            FormField(
                name="topic",
                label="Topic, if you like",
                required=False,
                max_length=40,
                placeholder=topics[:100],
            ),
            FormField(
                name="facilitator",
                label="Who guides it (empty: you)",
                required=False,
                max_length=200,
                placeholder="You or one of the peers: an id or mention",
            ),
            FormField(
                name="checkin",
                label="Begin with a check-in round? yes or no",
                required=False,
                max_length=5,
                default="yes",
            ),
        ],
    )


def parse_topic(text: str) -> str | None:
    wanted = text.strip().lower()
    if not wanted:
        return None
    for topic in Topic:
        if topic.value == wanted or topic.name.lower() == wanted.replace(" ", "_"):
            return topic.value
    raise UserError(
        f"'{text.strip()[:40]}' is not one of the topics: "
        + ", ".join(t.value for t in Topic)
        + ". Leave it empty for none. Nothing was started."
    )


def parse_yes(text: str) -> bool:
    wanted = text.strip().lower()
    if wanted in YES:
        return True
    if wanted in NO:
        return False
    raise UserError("Answer the check-in question with yes or no. Nothing was started.")


class StartPanel:
    kernel: Kernel
    service: ReflectionService

    @command(
        "manage reflect panel",
        "Post a permanent start a co-reflection panel in the reflection channel",
        role=Role.COORDINATOR,
        aliases=("reflect panel",),
    )
    async def panel(self, ctx: Context, network: PanelNetwork = None) -> Reply:
        assert ctx.network_id is not None  # the registry insists on one for a coordinator
        if ctx.space is None:
            raise UserError(
                "Post the panel from a channel of the server, not a direct message. "
                "Nothing was posted."
            )
        place = await self.service.reflection_place(ctx.network_id, ctx.space.key)
        if place is None:
            raise UserError(
                "This network has no reflection channel here yet. Create one with /network "
                "setup or choose one with /manage network link, then post the panel. Nothing "
                "was posted."
            )
        port = self.service.port(ctx.platform)
        name, _ = await NetworkReader(self.kernel.db).names(ctx.network_id)
        now = self.kernel.clock.now()
        async with self.kernel.db.reading() as tx:
            old = await repo.panel(tx, ctx.network_id, ctx.space.key)
        try:
            sent = await port.post(
                place,
                panel_message(ctx.network_id, name),
                # Each posting is a new message, even twice in one moment.
                idempotency_key=f"reflection-panel:{ctx.network_id}:{ctx.space.key}:"
                f"{to_db(now)}:{uuid.uuid4().hex}",
            )
        except DeliveryError as error:
            raise UserError(
                f"peerbot could not post in {place_mark(place.key)} ({error}). Check that it "
                "may see the channel and send messages there. Nothing was posted."
            ) from None
        async with self.kernel.db.transaction() as tx:
            await repo.save_panel(tx, ctx.network_id, ctx.space.key, place.key, sent.id, now)
            await self.kernel.audit.record(
                tx,
                actor_key=ctx.user.key,
                action="reflection.panel",
                network_id=ctx.network_id,
                target=place.key,
                detail="replaced the earlier panel" if old else "",
            )
        text = f"Posted the start a co-reflection panel in {place_mark(place.key)}."
        if old is not None and old["message_id"] and old["message_id"] != sent.id:
            previous = MessageRef(place=place_from_key(str(old["place_key"])), id=old["message_id"])
            try:
                gone = not await port.delete_message(previous, reason="peerbot: panel posted again")
            except UserError:
                gone = True  # its channel was deleted: nothing left to replace
            text += (
                " It replaces the earlier one, which was already gone."
                if gone
                else " It replaces the earlier one, which was removed."
            )
        return Reply.private_text(text)

    async def _panel_network(self, ctx: Context, payload: str) -> int:
        """The panel's network, if the person may start a co-reflection in it."""
        head = payload.partition(":")[0]
        if not head.isdigit():
            raise UserError("That panel is out of date. Ask a coordinator to post it again.")
        network_id = int(head)
        name, _ = await NetworkReader(self.kernel.db).names(network_id)
        if await self.kernel.registry.directory.role_of(ctx.user.key, network_id) < Role.MEMBER:
            raise UserError(
                f"Co-reflection is with peers from {name}, and you are not a member yet. "
                "Type /network join to join it. Nothing was started."
            )
        return network_id

    @action(PANEL_ACTION)
    async def panel_pressed(self, ctx: Context, event: ActionEvent) -> Reply:
        network_id = await self._panel_network(ctx, event.payload)
        return Reply(
            text="How would you like to reflect together? Pick a format; then say who to "
            "invite. Only you see this.",
            select=Select(
                placeholder="Pick a format",
                action=ActionRef(action=PANEL_FORMAT_ACTION, payload=str(network_id)),
                choices=[
                    Choice(label=info.title, value=fmt.value, description=info.intro[:100])
                    for fmt, info in FORMATS.items()
                ],
            ),
            private=True,
        )

    @action(PANEL_FORMAT_ACTION)
    async def panel_format(self, ctx: Context, event: ActionEvent) -> Reply:
        network_id = await self._panel_network(ctx, event.payload)
        picked = event.selected[0] if event.selected else ""
        if picked not in {f.value for f in Format}:
            raise UserError("Pick one of the formats in the menu. Nothing was started.")
        fmt = Format(picked)
        return Reply(
            text=f"{FORMATS[fmt].title}: fill in the form to start.",
            form=start_form(network_id, fmt),
            private=True,
        )

    @action(PANEL_START_ACTION)
    async def panel_start(self, ctx: Context, event: ActionEvent) -> Reply:
        network_id = await self._panel_network(ctx, event.payload)
        picked = event.payload.partition(":")[2]
        if picked not in {f.value for f in Format}:
            raise UserError("That form is out of date. Press the panel's button again.")
        fields = event.fields
        started = await self.service.start(
            starter=ctx.user,
            here=ctx.here,
            network_id=network_id,
            space=ctx.space,
            fmt=Format(picked),
            topic=parse_topic(fields.get("topic", "")),
            peers_text=fields.get("peers", ""),
            facilitator_text=fields.get("facilitator", "").strip() or None,
            checkin=parse_yes(fields.get("checkin", "")),
        )
        return Reply.private_text(started_text(started))
