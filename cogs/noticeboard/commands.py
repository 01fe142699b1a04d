"""/notices commands: post a notice (coordinators and executives at once, members through the
library's review queue), list the open ones, and subscribe to a weekly digest."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, ClassVar

from pydantic import ValidationError

from bot.cog import Cog
from bot.commands import NETWORK_SLUG_MAX, ActionEvent, Context, Option, Role, action, command
from bot.errors import UserError
from bot.events import Leaving
from bot.kernel import Kernel
from bot.mentions import place
from bot.privacy import DataStatement
from bot.replies import Reply
from bot.storage import Transaction
from cogs.networks import queries as network_queries
from cogs.noticeboard import render
from cogs.noticeboard import repository as repo
from cogs.noticeboard.board import PURPOSE, NoticeBoard
from cogs.noticeboard.digest import Digests
from cogs.noticeboard.models import (
    AREA_FOR,
    LIST_MAX,
    NoticeKind,
    local_today,
    parse_regions,
    parse_tags,
)
from cogs.resources import views
from cogs.resources.commands import ResourcesCog
from cogs.resources.models import (
    SUMMARY_MAX,
    TAGS_MAX,
    TITLE_MAX,
    Draft,
    Region,
    Resource,
    clean_tags,
    split_link,
)
from cogs.resources.service import ResourceService, closed_text

#: How often the closing and the digests are looked at (both are idempotent).
SWEEP_EVERY = dt.timedelta(minutes=10)
DEFAULT_ZONE = "Australia/Sydney"

NetworkOption = Annotated[
    str | None,
    Option(
        "The network's short name, like south-coast",
        autocomplete="complete_network",
        max_length=NETWORK_SLUG_MAX,
    ),
]


class NoticeboardCog(Cog):
    name: ClassVar[str] = "noticeboard"
    title: ClassVar[str] = "Noticeboard"

    def __init__(self, kernel: Kernel) -> None:
        super().__init__(kernel)
        self.board = NoticeBoard(kernel.db, kernel.outbox, kernel.clock)
        self.digests = Digests(kernel.db, kernel.outbox, kernel.clock)
        kernel.outbox.on_delivered("notices:", self.board.delivered)
        kernel.events.on_leaving(self._leaving)
        kernel.privacy.register(
            self.name,
            DataStatement(
                area="Noticeboard",
                what="the networks whose weekly noticeboard digest you subscribed to, the tags "
                "and regions you follow there, and up to when notices were offered to you "
                "(notices you posted are library entries: see the resource library)",
                why="to send you one private digest a week of new notices that match",
                kept_for="until you stop the digests, leave the network, or delete your data",
            ),
            self._export,
            self._delete,
            self._move,
        )

    @property
    def library(self) -> ResourceService:
        cog = self.kernel.cogs.get("resources")
        if not isinstance(cog, ResourcesCog):
            raise RuntimeError("the noticeboard needs the resources cog, loaded before it")
        return cog.service

    async def start(self) -> None:
        self.library.listeners.append(self.board)
        await self.sweep()
        self.kernel.scheduler.add_periodic("noticeboard-sweep", self.sweep, SWEEP_EVERY)

    async def sweep(self) -> None:
        """Close what has closed, then send the digests that are due."""
        await self.board.close_due()
        await self.digests.send_due()

    async def _export(self, tx: Transaction, user_key: str) -> Any:
        return {"digest_subscriptions": await repo.export_person(tx, user_key)}

    async def _delete(self, tx: Transaction, user_key: str) -> int:
        return await repo.delete_person(tx, user_key)

    async def _move(self, tx: Transaction, old_key: str, new_key: str) -> int:
        return await repo.move_person(tx, old_key, new_key)

    async def _leaving(self, tx: Transaction, leaving: Leaving) -> str:
        dropped = await repo.unsubscribe(tx, leaving.person_key, leaving.network_id)
        if dropped and leaving.by_themselves:
            return f"Your weekly noticeboard digest for {leaving.network_name} stopped."
        return ""

    # ---- helpers ----------------------------------------------------------------------------

    async def _zone(self, network_id: int) -> str:
        async with self.kernel.db.reading() as tx:
            return await network_queries.timezone(tx, network_id) or DEFAULT_ZONE

    async def _one_network(self, ctx: Context, what: str) -> int:
        """The network a member's command is about: named, this channel's, or their only one."""
        if ctx.network_id is not None:
            return ctx.network_id
        mine = await self.library.networks_for(ctx.user.key, None)
        if len(mine) != 1:
            raise UserError(
                f"Say which network {what}, with network:SHORT-NAME (type /network mine to see "
                "yours). Nothing was changed."
            )
        return mine[0]

    # ---- posting ----------------------------------------------------------------------------

    @command("notices post", "Post a training, job or event notice", in_dms=True)
    async def post(
        self,
        ctx: Context,
        type: Annotated[NoticeKind, Option("Training, job or event")],
        title: Annotated[str, Option("The title", max_length=TITLE_MAX)],
        link: Annotated[
            str, Option("A web address (https://...) or a phone number", max_length=500)
        ],
        summary: Annotated[str, Option("What it is, in a sentence or two", max_length=SUMMARY_MAX)],
        closes: Annotated[dt.date, Option("The last day to apply or book (YYYY-MM-DD)")],
        region: Annotated[Region, Option("Where it is")] = Region.NATIONAL,
        tags: Annotated[str | None, Option("Words to find it by", max_length=TAGS_MAX)] = None,
        network: NetworkOption = None,
    ) -> Reply:
        network_id = await self._one_network(ctx, "the notice is for")
        role = await self.kernel.registry.directory.role_of(ctx.user.key, network_id)
        if role < Role.MEMBER:
            raise UserError("You need to be a member of that network to post a notice there.")
        zone = await self._zone(network_id)
        problem = closed_text(closes, local_today(self.kernel.clock.now(), zone))
        if problem is not None:
            raise UserError(problem.replace("the entry", "the notice") + " Nothing was changed.")
        web, phone = split_link(link)
        try:
            draft = Draft.model_validate(
                {
                    "title": title,
                    "link": web,
                    "contact": phone,
                    "summary": summary,
                    "area": AREA_FOR[type],
                    "type": type.kind,
                    "region": region,
                    "tags": clean_tags(tags or ""),
                    "closes_on": closes,
                }
            )
        except ValidationError as error:
            raise views.explain(error) from None
        if role < Role.EXECUTIVE:
            number = await self.library.submit(draft, network_id, ctx.user.key)
            return Reply.private_text(
                f"Thank you. Your notice '{draft.title}' (suggestion {number}) is waiting for a "
                "coordinator or executive to review it (/library review). Once approved it is "
                "posted to the network's notices channel, and you are told privately."
            )
        found = await self.library.add(draft, network_id, ctx.user.key)
        return Reply.private_text(
            f"Posted notice {found.id}: '{found.title}', open until the end of "
            f"{render.day(closes)} ({zone} time). {await self._where_posted(network_id)} "
            "It is taken down the day after it closes."
        )

    async def _where_posted(self, network_id: int) -> str:
        async with self.kernel.db.reading() as tx:
            places = await network_queries.places(tx, network_id, PURPOSE)
        if not places:
            return (
                "The network has no notices channel yet, so it is listed in /notices list "
                "only; a coordinator can link one with /manage network link purpose:notices."
            )
        return "It is being posted once in " + ", ".join(place(p) for p, _ in places) + "."

    # ---- listing ----------------------------------------------------------------------------

    @command(
        "notices list",
        "The open training, job and event notices",
        role=Role.EVERYONE,
        in_dms=True,
    )
    async def list_notices(
        self,
        ctx: Context,
        type: Annotated[NoticeKind | None, Option("Only training, jobs or events")] = None,
        region: Annotated[Region | None, Option("Only this region (national included)")] = None,
        tag: Annotated[str | None, Option("Only notices with this tag", max_length=50)] = None,
        network: NetworkOption = None,
    ) -> Reply:
        networks = await self.library.networks_for(ctx.user.key, ctx.network_id)
        if not networks:
            raise UserError(
                "Notices are for a network's members: join one with /network join to see them."
            )
        wanted = clean_tags(tag or "")
        if tag and not wanted:
            raise UserError(
                "A tag is a word of letters or digits, like supervision. Nothing was changed."
            )
        now = self.kernel.clock.now()
        async with self.kernel.db.reading() as tx:
            zones = await repo.zones(tx)
            todays = {n: local_today(now, zones.get(n, DEFAULT_ZONE)) for n in networks}
            found = await repo.open_notices(
                tx,
                networks,
                min(todays.values()),
                kind=None if type is None else type.kind,
                region=region,
            )
        shown = [r for r in found if _open(r, todays) and _tagged(r, wanted)]
        chosen = [f"{type.label.lower()}" if type else "", region.label if region else ""]
        chosen.append(f"tagged {wanted.split()[0]}" if wanted else "")
        about = ", ".join(c for c in chosen if c)
        if not shown:
            return Reply.private_text(
                "No open notices" + (f" ({about})" if about else "") + ". Coordinators, "
                "executives and members post them with /notices post; subscribe to a weekly "
                "digest of new ones with /notices subscribe."
            )
        lines = [render.line(r) for r in shown[:LIST_MAX]]
        more = (
            f"\n{len(shown) - LIST_MAX} more: narrow it with type, region or tag."
            if len(shown) > LIST_MAX
            else ""
        )
        heading = f"Open notices{f' ({about})' if about else ''}, closing soonest first:"
        return Reply.private_text(heading + "\n" + "\n".join(lines) + more)

    # ---- the digest -------------------------------------------------------------------------

    @command("notices subscribe", "Get a weekly private digest of new notices", in_dms=True)
    async def subscribe(
        self,
        ctx: Context,
        tags: Annotated[
            str | None,
            Option("Only notices with one of these tags, like peer-work", max_length=200),
        ] = None,
        regions: Annotated[
            str | None,
            Option("Only these regions, like nsw act (national included)", max_length=100),
        ] = None,
        network: NetworkOption = None,
    ) -> Reply:
        network_id = await self._one_network(ctx, "to follow")
        wanted_tags = parse_tags(tags)
        wanted_regions = parse_regions(regions)
        async with self.kernel.db.transaction() as tx:
            new = await repo.subscribe(
                tx, ctx.user.key, network_id, wanted_tags, wanted_regions, self.kernel.clock.now()
            )
            named = await network_queries.names(tx, network_id)
        name = named[0] if named else "the network"
        what = []
        if wanted_tags:
            what.append("tagged " + " or ".join(wanted_tags.split()))
        if wanted_regions:
            what.append("in " + " or ".join(wanted_regions.upper().split()) + " (or national)")
        following = " and ".join(what) if what else "of every kind"
        start = "Subscribed" if new else "Changed your subscription"
        return Reply.private_text(
            f"{start}: once a week, on Monday from 9am ({await self._zone(network_id)} time), "
            f"you get a private message listing the new notices for {name} {following}. "
            "Nothing is sent in a week with nothing new. Stop any time with the button in the "
            "digest or /notices unsubscribe."
        )

    @command(
        "notices unsubscribe", "Stop the weekly digest of notices", role=Role.EVERYONE, in_dms=True
    )
    async def unsubscribe(self, ctx: Context, network: NetworkOption = None) -> Reply:
        async with self.kernel.db.transaction() as tx:
            dropped = await repo.unsubscribe(tx, ctx.user.key, ctx.network_id)
        if not dropped:
            return Reply.private_text("You had no noticeboard digest to stop. Nothing was changed.")
        return Reply.private_text(
            "Stopped: you will get no more weekly noticeboard digests"
            + (" for that network." if ctx.network_id is not None else ".")
        )

    @action(render.OPT_OUT_ACTION, role=Role.EVERYONE)
    async def opt_out(self, ctx: Context, event: ActionEvent) -> Reply:
        async with self.kernel.db.transaction() as tx:
            dropped = await repo.unsubscribe(tx, ctx.user.key, None)
        if not dropped:
            return Reply.private_text("Your noticeboard digests were already stopped.")
        return Reply.private_text(
            "Stopped: you will get no more weekly noticeboard digests. Subscribe again any time "
            "with /notices subscribe."
        )


def _open(resource: Resource, todays: dict[int, dt.date]) -> bool:
    assert resource.network_id is not None and resource.closes_on is not None
    return resource.closes_on >= todays[resource.network_id]


def _tagged(resource: Resource, wanted: str) -> bool:
    return not wanted or bool(set(wanted.split()) & set(resource.tags.split()))
