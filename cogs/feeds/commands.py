"""/manage meeting feed (a network's calendar feed address, for coordinators) and
/meeting myfeed (a person's own). Both answer privately; ``rotate:true`` makes a new address
and the old one stops working at once. The feeds themselves are served by ``web/feeds.py``."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from bot.cog import Cog
from bot.commands import NETWORK_SLUG_MAX, Context, Option, Role, command
from bot.errors import UserError
from bot.kernel import Kernel
from bot.privacy import DataStatement
from bot.replies import Reply
from bot.storage import Transaction
from cogs.feeds import repository as repo
from cogs.feeds.service import FeedService
from cogs.networks.queries import NetworkReader

NETWORK_PATH = "/calendar/{token}.ics"
PERSON_PATH = "/calendar/me/{token}.ics"

NetworkOption = Annotated[
    str | None,
    Option(
        "The network's short name, like south-coast",
        autocomplete="complete_network",
        max_length=NETWORK_SLUG_MAX,
    ),
]
RotateOption = Annotated[bool, Option("Make a new address; the old one stops working at once")]

HOW_TO_SUBSCRIBE = (
    "To add it: in Google Calendar, Other calendars, then From URL; in Outlook, Add calendar, "
    "then Subscribe from web; on an iPhone or iPad, Settings, Calendar, Accounts, Add "
    "Account, Other, Add Subscribed Calendar. Calendars check it for changes every few hours "
    "(Google can take up to a day)."
)
WEB_OFF = (
    "Calendar feeds need peerbot's web server, and it is off. Ask an admin to turn it on "
    "([web] enabled = true, with public_url set to the address people open), then try again."
)


class FeedsCog(Cog):
    name: ClassVar[str] = "feeds"
    title: ClassVar[str] = "Calendar feeds"

    def __init__(self, kernel: Kernel) -> None:
        super().__init__(kernel)
        self.service = FeedService(kernel.db, kernel.clock, kernel.audit)
        self.networks = NetworkReader(kernel.db)
        kernel.privacy.register(
            self.name,
            DataStatement(
                area="Calendar feeds",
                what="the private address of your own calendar feed (a random code), if you "
                "asked for one with /meeting myfeed",
                why="so the calendar you use can read the meetings you said Going or Maybe to",
                kept_for="until you make a new address (rotate) or delete your data",
            ),
            self._export,
            self._delete,
            self._move,
        )

    def url(self, path: str, token: str) -> str:
        return self.kernel.settings.web.base_url + path.format(token=token)

    def _check_web(self) -> None:
        if not self.kernel.settings.web.enabled:
            raise UserError(WEB_OFF)

    def _local_note(self) -> str:
        if self.kernel.settings.web.public_url:
            return ""
        return (
            " This address works only on the computer peerbot runs on until an admin sets "
            "[web] public_url."
        )

    @command(
        "manage meeting feed",
        "The private calendar feed address of the network's meetings",
        role=Role.COORDINATOR,
    )
    async def network_feed(
        self, ctx: Context, network: NetworkOption = None, rotate: RotateOption = False
    ) -> Reply:
        self._check_web()
        assert ctx.network_id is not None  # the registry insists on one for this role
        name, _ = await self.networks.names(ctx.network_id)
        if rotate:
            token = await self.service.rotate("network", ctx.network_id, actor_key=ctx.user.key)
            said = (
                f"A new calendar feed address for the meetings of {name}. The old address "
                "stopped working just now: give this one to the people who should have it."
            )
        else:
            token = await self.service.token("network", ctx.network_id)
            said = (
                f"The calendar feed of {name}'s meetings: every series, with skipped meetings "
                "left out and changed ones updated."
            )
        return Reply.private_text(
            f"{said}\n{self.url(NETWORK_PATH, token)}\n"
            "Anyone with this address can see the meetings (times, places and links), even "
            "in a private network, so share it only with the network's members. If it got "
            f"out, make a new one with /manage meeting feed rotate:true.{self._local_note()}\n"
            f"{HOW_TO_SUBSCRIBE}"
        )

    @command(
        "meeting myfeed",
        "Your private calendar feed: the meetings you said Going or Maybe to",
        role=Role.EVERYONE,
    )
    async def my_feed(self, ctx: Context, rotate: RotateOption = False) -> Reply:
        self._check_web()
        if rotate:
            token = await self.service.rotate("person", ctx.user.key, actor_key=ctx.user.key)
            said = (
                "A new address for your own calendar feed. The old address stopped working "
                "just now: subscribe to this one instead."
            )
        else:
            token = await self.service.token("person", ctx.user.key)
            said = (
                "Your own calendar feed: the meetings you said Going or Maybe to, in every "
                "network. A meeting you say Can't go to leaves it."
            )
        return Reply.private_text(
            f"{said}\n{self.url(PERSON_PATH, token)}\n"
            "Keep this address to yourself: anyone with it can see which meetings you plan "
            f"to go to. Make a new one with /meeting myfeed rotate:true.{self._local_note()}\n"
            f"{HOW_TO_SUBSCRIBE}"
        )

    # ---- privacy ----------------------------------------------------------------------------

    async def _export(self, tx: Transaction, user_key: str) -> Any:
        feed = await repo.feed_of(tx, "person", user_key)
        if feed is None:
            return {}
        return {
            "my_feed_address": self.url(PERSON_PATH, feed.token),
            "made_at": feed.created_at.isoformat(),
        }

    async def _delete(self, tx: Transaction, user_key: str) -> int:
        return await repo.delete_person(tx, user_key)

    async def _move(self, tx: Transaction, old_key: str, new_key: str) -> int:
        return await repo.move_person(tx, old_key, new_key)
