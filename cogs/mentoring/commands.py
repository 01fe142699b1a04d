"""/mentor commands: offer, pause, resume, stop, profile, find, end; and the coordinator's
counts (/manage mentoring counts). Every reply is private."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from bot.cog import Cog
from bot.commands import NETWORK_SLUG_MAX, ActionEvent, Context, Option, Role, action, command
from bot.errors import UserError
from bot.kernel import Kernel
from bot.privacy import DataStatement
from bot.replies import ActionRef, Button, ButtonStyle, Card, Reply
from bot.storage import Transaction
from cogs.mentoring.models import (
    AVAILABILITY_MAX,
    MAX_MENTEES,
    REGION_MAX,
    TOPICS,
    WAITING_DAYS,
    PairStatus,
    Profile,
    parse_tags,
    parse_topics,
    topic_bits,
    topics_from_bits,
    topics_text,
)
from cogs.mentoring.service import (
    ACCEPT_ACTION,
    ASK_ACTION,
    DECLINE_ACTION,
    END_ACTION,
    END_CONFIRM_ACTION,
    EXTEND_ACTION,
    OUT_OF_DATE,
    WAIT_ACTION,
    MentoringJobs,
    MentoringService,
    display,
)
from cogs.networks.queries import NetworkReader

KEEP_GOING_ACTION = "mentor.keep-going"

NetworkOption = Annotated[
    str | None,
    Option(
        "The network's short name, like south-coast",
        autocomplete="complete_network",
        max_length=NETWORK_SLUG_MAX,
    ),
]
TopicsOption = Annotated[
    str, Option("Topics by commas, like: working solo, boundaries", max_length=300)
]
RegionOption = Annotated[
    str | None, Option("Your region, like Illawarra or South Coast", max_length=REGION_MAX)
]

#: A person's own steps: the audit log records "a member" took them, never who.
PRIVATE_ACTIONS = (
    "mentoring.offer",
    "mentoring.pause",
    "mentoring.resume",
    "mentoring.stop",
    "mentoring.ask",
    "mentoring.request",
    "mentoring.decline",
    "mentoring.accept",
    "mentoring.extend",
    "mentoring.end",
    "mentoring.withdraw",
)


def _ints(payload: str, count: int) -> list[int]:
    parts = payload.split(":")[:count]
    if len(parts) != count or not all(p.isdigit() for p in parts):
        raise UserError(OUT_OF_DATE)
    return [int(p) for p in parts]


def profile_text(found: Profile, network_name: str) -> str:
    state = "paused (no new requests)" if found.paused else "open to requests"
    tags = f" Your own tags: {', '.join(found.tags)}." if found.tags else ""
    region = f" Region: {found.region}." if found.region else ""
    return (
        f"In {network_name} you offer mentoring on {topics_text(found.topics)}.{tags} "
        f"Available: {found.availability}.{region} At most {found.max_mentees} at a time; "
        f"{found.free} place{'s' if found.free != 1 else ''} free. Your profile is {state}."
    )


class MentoringCog(Cog):
    name: ClassVar[str] = "mentoring"
    title: ClassVar[str] = "Mentoring"

    def __init__(self, kernel: Kernel) -> None:
        super().__init__(kernel)
        self.service = MentoringService(kernel)
        self.jobs = MentoringJobs(self.service)
        kernel.scheduler.add_source(self.jobs)
        kernel.audit.keep_actor_private(*PRIVATE_ACTIONS)
        kernel.events.on_person_deleted(self._person_deleted)
        kernel.privacy.register(
            self.name,
            DataStatement(
                area="Mentoring",
                what="your mentor profile (topics, tags, availability, region, how many at "
                "most, paused or not), your requests for a mentor (topics, whether the "
                "coordinators may see your name), and your mentoring pairs (with whom, the "
                "dates, ended or not). Never what the two of you write in your thread",
                why="to suggest mentors, to open and end the private thread for two people who "
                "both agreed, and to check in with each of them",
                kept_for="the thread: deleted a set number of days after the mentoring ends; "
                "the rest: until you stop offering or delete your data",
            ),
            self._export,
            self._delete,
            self._move,
        )

    async def _export(self, tx: Transaction, user_key: str) -> Any:
        return await self.service.export_person(tx, user_key)

    async def _delete(self, tx: Transaction, user_key: str) -> int:
        return await self.service.delete_person(tx, user_key)

    async def _move(self, tx: Transaction, old_key: str, new_key: str) -> int:
        return await self.service.move_person(tx, old_key, new_key)

    async def _person_deleted(self, person_key: str) -> str:
        """After /privacy delete has committed: the threads they were in are deleted now."""
        deleted = await self.service.delete_due_threads()
        self.kernel.outbox.notify()
        await self.kernel.scheduler.refresh("mentoring")
        if not deleted:
            return ""
        return f" Your {deleted} mentoring thread{'s were' if deleted != 1 else ' was'} deleted."

    async def _one_network(self, ctx: Context) -> int:
        if ctx.network_id is not None:
            return ctx.network_id
        mine = await NetworkReader(self.kernel.db).member_networks(ctx.user.key)
        if len(mine) == 1:
            return mine[0]
        if not mine:
            raise UserError(
                "You are not in a network yet, and mentoring is between peers of one network. "
                "Type /network list to see them and /network join to join one."
            )
        raise UserError(
            "Say which network with network:SHORT-NAME (type /network mine to see yours). "
            "Nothing was changed."
        )

    async def _network_name(self, network_id: int) -> str:
        return (await NetworkReader(self.kernel.db).names(network_id))[0]

    # ---- the mentor's profile ---------------------------------------------------------------

    @command("mentor offer", "Offer to mentor other peer workers (or change your offer)")
    async def offer(
        self,
        ctx: Context,
        topics: TopicsOption,
        availability: Annotated[
            str,
            Option(
                "When and how you can meet, like: an hour a fortnight, online",
                max_length=AVAILABILITY_MAX,
            ),
        ],
        max_mentees: Annotated[
            int, Option("How many people you mentor at most at a time", min=1, max=MAX_MENTEES)
        ] = 1,
        tags: Annotated[
            str | None, Option("Your own words beside the topics, by commas", max_length=200)
        ] = None,
        region: RegionOption = None,
        network: NetworkOption = None,
    ) -> Reply:
        network_id = await self._one_network(ctx)
        chosen = parse_topics(topics)
        own_tags = parse_tags(tags)
        if not availability.strip():
            raise UserError("Say when and how you can meet in 'availability'. Nothing was changed.")
        profile = Profile(
            user_key=ctx.user.key,
            network_id=network_id,
            topics=chosen,
            tags=own_tags,
            availability=" ".join(availability.split()),
            region=" ".join((region or "").split()),
            max_mentees=max_mentees,
            paused=False,
        )
        new = await self.service.offer(profile)
        saved = await self.service.profile(ctx.user.key, network_id)
        assert saved is not None
        name = await self._network_name(network_id)
        head = "Thank you for offering to mentor." if new else "Your mentor profile is updated."
        return Reply.private_text(
            f"{head} {profile_text(saved, name)} Members who ask for a mentor on these topics "
            "may see you among up to three suggestions, and you choose whether to accept "
            "each request. Pause any time with /mentor pause; /mentor stop takes your "
            "profile down."
        )

    @command("mentor pause", "Stop new mentoring requests for now (your pairs carry on)")
    async def pause(self, ctx: Context, network: NetworkOption = None) -> Reply:
        network_id = await self._one_network(ctx)
        await self.service.set_paused(ctx.user.key, network_id, True)
        return Reply.private_text(
            "Paused: nobody is suggested you as a mentor until you type /mentor resume. "
            "Mentoring you are already doing carries on."
        )

    @command("mentor resume", "Take mentoring requests again after a pause")
    async def resume(self, ctx: Context, network: NetworkOption = None) -> Reply:
        network_id = await self._one_network(ctx)
        await self.service.set_paused(ctx.user.key, network_id, False)
        return Reply.private_text(
            "Resumed: members asking for a mentor on your topics may see you again."
        )

    @command("mentor stop", "Stop offering to mentor and take your profile down")
    async def stop_offering(self, ctx: Context, network: NetworkOption = None) -> Reply:
        network_id = await self._one_network(ctx)
        active = await self.service.stop(ctx.user.key, network_id)
        going = (
            f" The {active} mentoring pair{'s' if active != 1 else ''} you are in carr"
            f"{'y' if active != 1 else 'ies'} on until it ends; end one with /mentor end."
            if active
            else ""
        )
        return Reply.private_text(
            "Your mentor profile is taken down: nobody is suggested you any more. Anyone "
            "still waiting for your answer was told you cannot take it on now." + going
        )

    @command(
        "mentor profile", "Your mentor profile, requests and mentoring pairs", role=Role.EVERYONE
    )
    async def profile(self, ctx: Context) -> Reply:
        profiles, pairs, requests = await self.service.mine(ctx.user.key)
        lines: list[str] = []
        for found in profiles:
            lines.append(profile_text(found, await self._network_name(found.network_id)))
        for pair in pairs:
            role = "mentee" if pair.mentee_key == ctx.user.key else "mentor"
            other = display(pair.other(ctx.user.key))
            if pair.status is PairStatus.ASKED:
                state = (
                    "waiting for their answer" if role == "mentee" else "waiting for your answer"
                )
            else:
                assert pair.ends_at is not None
                state = f"until {await self.service.when(pair.network_id, pair.ends_at)}"
            lines.append(
                f"Mentoring number {pair.id} with {other} (you are the {role}) on "
                f"{topics_text(pair.topics)}: {state}."
            )
        for request in requests:
            lines.append(f"Your request for a mentor on {topics_text(request.topics)} is open.")
        if not lines:
            lines.append(
                "You have no mentor profile, request or mentoring pair. Offer to mentor with "
                "/mentor offer, or ask for a mentor with /mentor find."
            )
        lines.append(f"Topics: {', '.join(TOPICS.values())}.")
        return Reply.private_text("\n".join(lines))

    # ---- asking for a mentor ----------------------------------------------------------------

    @command("mentor find", "Ask for a mentor: see up to three suggestions for your topics")
    async def find(
        self,
        ctx: Context,
        topics: TopicsOption,
        region: RegionOption = None,
        share_name: Annotated[
            bool,
            Option(
                f"If nobody takes it in {WAITING_DAYS} days, the coordinators may see your name"
            ),
        ] = False,
        network: NetworkOption = None,
    ) -> Reply:
        network_id = await self._one_network(ctx)
        chosen = parse_topics(topics)
        found = await self.service.suggestions(
            ctx.user.key, network_id, chosen, " ".join((region or "").split())
        )
        bits = topic_bits(chosen)
        share = int(share_name)
        if not found:
            return Reply(
                text=f"No mentor with a free place offers {topics_text(chosen)} right now. "
                "You can leave your request open: if no mentor takes it in "
                f"{WAITING_DAYS} days, peerbot asks your network's coordinators to help "
                + ("(with your name, as you chose)." if share_name else "(without your name).")
                + " Try /mentor find again later to see new mentors.",
                private=True,
                buttons=[
                    Button(
                        label="Leave my request open",
                        action=ActionRef(
                            action=WAIT_ACTION, payload=f"{network_id}:{bits}:{share}"
                        ),
                    )
                ],
            )
        intro = (
            f"Mentors for {topics_text(chosen)}, best fit first (topics in common, then "
            "region, then free places). Ask one: they answer privately, and only if they "
            "accept does peerbot open a private thread for the two of you."
        )
        cards = [Card(title=f"Mentors for {topics_text(chosen)}"[:256], description=intro)]
        lines = [intro]
        buttons = []
        for number, suggestion in enumerate(found, start=1):
            mentor = suggestion.profile
            extra = []
            if mentor.tags:
                extra.append(f"Also: {', '.join(mentor.tags)}.")
            if mentor.region:
                extra.append(f"Region: {mentor.region}.")
            about = (
                f"{display(mentor.user_key)}: {topics_text(mentor.topics)}. "
                f"Available: {mentor.availability}. " + " ".join(extra)
            ).strip()
            cards.append(Card(title=f"Mentor {number}", description=about))
            lines.append(f"{number}. {about}")
            buttons.append(
                Button(
                    label=f"Ask mentor {number}",
                    action=ActionRef(
                        action=ASK_ACTION,
                        payload=f"{network_id}:{bits}:{share}:{mentor.user_key}",
                    ),
                    style=ButtonStyle.PRIMARY,
                )
            )
        # The text is the cards' plain equivalent (Matrix's plain body, the console).
        return Reply(
            text="\n".join(lines),
            cards=cards,
            buttons=buttons,
            private=True,
        )

    @action(ASK_ACTION, role=Role.MEMBER)
    async def ask(self, ctx: Context, event: ActionEvent) -> Reply:
        network_id, bits, share = _ints(event.payload, 3)
        mentor_key = event.payload.split(":", 3)[3] if event.payload.count(":") >= 3 else ""
        if not mentor_key:
            raise UserError(OUT_OF_DATE)
        chosen = topics_from_bits(bits)
        await self.service.ask(ctx.user.key, network_id, mentor_key, chosen, bool(share))
        return Reply.private_text(
            f"Asked {display(mentor_key)} to mentor you on {topics_text(chosen)}. They answer "
            "privately; you hear as soon as they do. Nobody else is told. Withdraw any time "
            "with /mentor end."
        )

    @action(WAIT_ACTION, role=Role.MEMBER)
    async def wait(self, ctx: Context, event: ActionEvent) -> Reply:
        network_id, bits, share = _ints(event.payload, 3)
        chosen = topics_from_bits(bits)
        await self.service.wait(ctx.user.key, network_id, chosen, bool(share))
        return Reply.private_text(
            f"Your request for a mentor on {topics_text(chosen)} is open. If no mentor takes "
            f"it in {WAITING_DAYS} days, peerbot asks your network's coordinators to help. "
            "Withdraw it any time with /mentor end."
        )

    # ---- the mentor's answer ----------------------------------------------------------------

    @action(ACCEPT_ACTION, role=Role.MEMBER)
    async def accept(self, ctx: Context, event: ActionEvent) -> Reply:
        [pair_id] = _ints(event.payload, 1)
        pair = await self.service.accept(pair_id, ctx.user, ctx.here)
        assert pair.ends_at is not None
        ends = await self.service.when(pair.network_id, pair.ends_at)
        return Reply.private_text(
            f"Thank you. peerbot opened a private thread for you and {display(pair.mentee_key)} "
            f"with the agreement pinned, and told them. It runs until {ends}; peerbot checks in "
            "with each of you halfway and near the end."
        )

    @action(DECLINE_ACTION, role=Role.MEMBER)
    async def decline(self, ctx: Context, event: ActionEvent) -> Reply:
        [pair_id] = _ints(event.payload, 1)
        await self.service.decline(pair_id, ctx.user.key)
        return Reply.private_text(
            "Declined. They are told only that you cannot take it on now, with no reason. "
            "If you need a break from requests, /mentor pause stops them."
        )

    # ---- check-ins, extending and ending ----------------------------------------------------

    @action(EXTEND_ACTION, role=Role.MEMBER)
    async def extend(self, ctx: Context, event: ActionEvent) -> Reply:
        pair_id, stamp = _ints(event.payload, 2)
        pair = await self.service.extend(pair_id, ctx.user.key, stamp)
        assert pair.ends_at is not None
        ends = await self.service.when(pair.network_id, pair.ends_at)
        return Reply.private_text(
            f"Extended until {ends}. {display(pair.other(ctx.user.key))} was told. peerbot "
            "checks in again halfway and near the new end."
        )

    @action(END_ACTION, role=Role.MEMBER)
    async def end_button(self, ctx: Context, event: ActionEvent) -> Reply:
        [pair_id] = _ints(event.payload, 1)
        return await self._ask_to_end(ctx, pair_id)

    async def _ask_to_end(self, ctx: Context, pair_id: int) -> Reply:
        pair = await self.service.get(pair_id)
        if not pair.includes(ctx.user.key):
            raise UserError(OUT_OF_DATE)
        if pair.status is not PairStatus.ACTIVE:
            raise UserError("This mentoring has ended already. Nothing was changed.")
        return Reply(
            text=f"End your mentoring with {display(pair.other(ctx.user.key))}? No reason is "
            "needed. They are told kindly, the private thread is archived, and it is deleted "
            f"{self.service.retention_days} days later.",
            private=True,
            buttons=[
                Button(
                    label="End it now",
                    action=ActionRef(action=END_CONFIRM_ACTION, payload=str(pair_id)),
                    style=ButtonStyle.DANGER,
                ),
                Button(
                    label="Keep going",
                    action=ActionRef(action=KEEP_GOING_ACTION, payload=str(pair_id)),
                ),
            ],
        )

    @action(END_CONFIRM_ACTION, role=Role.MEMBER)
    async def end_confirmed(self, ctx: Context, event: ActionEvent) -> Reply:
        [pair_id] = _ints(event.payload, 1)
        pair = await self.service.end(pair_id, ctx.user.key)
        assert pair.delete_after is not None
        gone = await self.service.when(pair.network_id, pair.delete_after)
        return Reply.private_text(
            f"Ended. {display(pair.other(ctx.user.key))} was told kindly, with no reason "
            f"given. The thread is archived and deleted on {gone}. Thank you."
        )

    @action(KEEP_GOING_ACTION, role=Role.MEMBER)
    async def keep_going(self, ctx: Context, event: ActionEvent) -> Reply:
        return Reply.private_text("Your mentoring carries on. Nothing was changed.")

    @command(
        "mentor end",
        "End a mentoring pair, or withdraw your request for a mentor",
        role=Role.EVERYONE,
    )
    async def end(
        self,
        ctx: Context,
        number: Annotated[
            int | None, Option("The mentoring's number, from /mentor profile", min=1)
        ] = None,
    ) -> Reply:
        _, pairs, requests = await self.service.mine(ctx.user.key)
        active = [p for p in pairs if p.status is PairStatus.ACTIVE]
        if number is not None:
            meant = [p for p in active if p.id == number]
            if not meant:
                raise UserError(
                    f"You have no active mentoring number {number}. /mentor profile lists "
                    "yours. Nothing was changed."
                )
            return await self._ask_to_end(ctx, number)
        if len(active) == 1:
            return await self._ask_to_end(ctx, active[0].id)
        if len(active) > 1:
            numbers = ", ".join(str(p.id) for p in active)
            raise UserError(
                f"You are in more than one mentoring pair ({numbers}): say which with "
                "number:. Nothing was changed."
            )
        withdrawn = 0
        for request in requests:
            withdrawn += await self.service.withdraw(ctx.user.key, request.network_id)
        if withdrawn:
            return Reply.private_text(
                "Your request for a mentor is withdrawn, and any mentor you asked is no longer "
                "asked. Nobody else is told."
            )
        return Reply.private_text(
            "You have no mentoring pair and no open request, so there is nothing to end. "
            "Nothing was changed."
        )

    # ---- for coordinators -------------------------------------------------------------------

    @command(
        "manage mentoring counts",
        "Coordinator: how many mentoring pairs and waiting requests (numbers only)",
        role=Role.COORDINATOR,
    )
    async def counts(self, ctx: Context, network: NetworkOption = None) -> Reply:
        assert ctx.network_id is not None
        counts = await self.service.counts(ctx.network_id)
        name = await self._network_name(ctx.network_id)
        return Reply.private_text(
            f"Mentoring in {name}: {counts['active']} active pairs, {counts['waiting']} "
            f"requests waiting for a mentor, {counts['mentors']} mentors offering. peerbot "
            "never shows who is paired with whom; a person who wants your help can tell you "
            "themselves."
        )
