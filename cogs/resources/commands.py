"""/resources commands: search, show and browse for everyone; submit for members; review for
executives; add, edit, retire and stale for coordinators."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, ClassVar

from pydantic import ValidationError

from bot.cog import Cog
from bot.commands import NETWORK_SLUG_MAX, ActionEvent, Context, Option, Role, action, command
from bot.errors import UserError
from bot.kernel import Kernel
from bot.privacy import DataStatement
from bot.replies import (
    ActionRef,
    Button,
    ButtonStyle,
    Choice,
    Form,
    FormField,
    Reply,
    Select,
)
from bot.storage import Transaction
from cogs.resources import views
from cogs.resources.attachment_commands import EntryFiles
from cogs.resources.models import (
    QUERY_MAX,
    SUMMARY_MAX,
    TAGS_MAX,
    TITLE_MAX,
    Area,
    Audience,
    Draft,
    Filters,
    Kind,
    Page,
    Region,
    is_number,
    split_link,
)
from cogs.resources.service import OUT_OF_DATE, ResourceService

PAGE_ACTION = "resources-page"
BROWSE_ACTION = "resources-browse"
SUBMIT_ACTION = "resources-submit"
APPROVE_ACTION = "resources-approve"
REJECT_FORM_ACTION = "resources-reject-form"
REJECT_ACTION = "resources-reject"
CHECKED_ACTION = "resources-checked"

NetworkOption = Annotated[
    str | None,
    Option(
        "The network's short name, like south-coast",
        autocomplete="complete_network",
        max_length=NETWORK_SLUG_MAX,
    ),
]
EntryOption = Annotated[
    str, Option("The entry's number or title", autocomplete="complete_entry", max_length=200)
]
AreaFilter = Annotated[Area | None, Option("Only this area of the peer work framework")]
TypeFilter = Annotated[Kind | None, Option("Only this type of resource")]
RegionFilter = Annotated[Region | None, Option("Only this region (national entries included)")]
LinkOption = Annotated[str, Option("A web address (https://...) or a phone number", max_length=500)]


def _draft(values: dict[str, Any]) -> Draft:
    try:
        return Draft.model_validate(values)
    except ValidationError as error:
        raise views.explain(error) from None


def _date(text: str | None) -> dt.date | None:
    if text is None or not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(
            f"The closing date must be written like 2027-03-31; you gave '{text.strip()[:20]}'. "
            "Nothing was changed."
        ) from None


def _number(payload: str) -> int:
    if not is_number(payload):
        raise UserError("That button is out of date. Nothing was changed.")
    return int(payload)


class ResourcesCog(EntryFiles, Cog):
    name: ClassVar[str] = "resources"
    title: ClassVar[str] = "Resource library"

    def __init__(self, kernel: Kernel) -> None:
        super().__init__(kernel)
        self.service = ResourceService(kernel)
        kernel.privacy.register(
            self.name,
            DataStatement(
                area="Resource library",
                what="the resources you suggested (with the reviewer's decision and reason) "
                "and which library entries you added",
                why="so reviewers can consider your suggestions and tell you what they decided",
                kept_for="until you delete your data; entries you added stay in the library "
                "for everyone, no longer naming you",
            ),
            self._export,
            self._delete,
            self._move,
        )

    async def start(self) -> None:
        await self.service.load_seed()

    async def _export(self, tx: Transaction, user_key: str) -> Any:
        return await self.service.export_person(tx, user_key)

    async def _delete(self, tx: Transaction, user_key: str) -> int:
        return await self.service.delete_person(tx, user_key)

    async def _move(self, tx: Transaction, old_key: str, new_key: str) -> int:
        return await self.service.move_person(tx, old_key, new_key)

    async def _networks(self, ctx: Context) -> list[int]:
        return await self.service.networks_for(ctx.user.key, ctx.network_id)

    # ---- autocomplete -----------------------------------------------------------------------

    async def complete_title(self, ctx: Context, partial: str) -> list[Choice]:
        networks = await self.service.networks_for(ctx.user.key, None)
        found = await self.service.complete(partial, networks)
        return [Choice(label=title[:100], value=title[:100]) for _, title in found]

    async def complete_entry(self, ctx: Context, partial: str) -> list[Choice]:
        networks = await self.service.networks_for(ctx.user.key, None)
        found = await self.service.complete(partial, networks)
        return [Choice(label=f"{title[:88]} (entry {rid})", value=str(rid)) for rid, title in found]

    # ---- finding ----------------------------------------------------------------------------

    @command("resources search", "Search the resource library", role=Role.EVERYONE)
    async def search(
        self,
        ctx: Context,
        query: Annotated[
            str,
            Option(
                "Words to look for, like crisis or supervision",
                autocomplete="complete_title",
                max_length=QUERY_MAX,
            ),
        ],
        area: AreaFilter = None,
        type: TypeFilter = None,
        region: RegionFilter = None,
        network: NetworkOption = None,
    ) -> Reply:
        filters = Filters(area=area, type=type, region=region)
        networks = await self._networks(ctx)
        found, token = await self.service.search(query, filters, networks)
        return self._results(found, token, f"Resources for '{query[:60]}'")

    def _results(self, found: Page, token: str | None, what: str) -> Reply:
        if not found.results:
            return Reply.private_text(
                f"{what}: nothing found. Try fewer or other words, or leave out a filter. "
                "Coordinators add entries, and any member can suggest one with "
                "/resources submit."
            )
        heading = views.page_heading(found, what)
        buttons = []
        if token is not None and found.page > 0:
            buttons.append(
                Button(
                    label="Previous",
                    action=ActionRef(action=PAGE_ACTION, payload=f"{token}:{found.page - 1}"),
                )
            )
        if token is not None and found.page + 1 < found.pages:
            buttons.append(
                Button(
                    label="Next",
                    action=ActionRef(action=PAGE_ACTION, payload=f"{token}:{found.page + 1}"),
                    style=ButtonStyle.PRIMARY,
                )
            )
        text = "\n".join([heading, *(views.text(r) for r in found.results)])
        return Reply(
            text=text, cards=views.page_cards(found, heading), buttons=buttons, private=True
        )

    @action(PAGE_ACTION)
    async def turn_page(self, ctx: Context, event: ActionEvent) -> Reply:
        token, _, page_text = event.payload.rpartition(":")
        if not token or not is_number(page_text):
            raise UserError(OUT_OF_DATE)
        query, filters, networks = await self._saved_search(ctx, token)
        found = await self.service.page_of(query, filters, networks, int(page_text))
        if not found.results:
            raise UserError(OUT_OF_DATE)
        what = f"Resources for '{query[:60]}'" if query else "Browsing the library"
        return self._results(found, token, what)

    @command("resources show", "Show one entry of the resource library", role=Role.EVERYONE)
    async def show(self, ctx: Context, entry: EntryOption, network: NetworkOption = None) -> Reply:
        found = await self.service.find(entry, await self._networks(ctx))
        reply = Reply(text=views.text(found), cards=[views.card(found)], private=True)
        return await self.with_file_note(found, reply)  # a template or form file, if any

    @command("resources browse", "Walk one area of the library, type by type", role=Role.EVERYONE)
    async def browse(
        self,
        ctx: Context,
        area: Annotated[Area, Option("The area of the peer work framework")],
        type: TypeFilter = None,
        region: RegionFilter = None,
        network: NetworkOption = None,
    ) -> Reply:
        networks = await self._networks(ctx)
        filters = Filters(area=area, type=type, region=region)
        if type is not None:
            return await self._browse_page(filters, networks)
        counts = await self.service.types_in(area, networks)
        if not counts:
            return Reply.private_text(
                f"{area.label}: there are no entries in this area yet. Suggest one with "
                "/resources submit."
            )
        token = await self.service.save_search("", filters, networks)
        lines = [f"{area.label}: pick a type."]
        lines += [f"- {kind.label}: {n}" for kind, n in sorted(counts.items())]
        return Reply(
            text="\n".join(lines),
            select=Select(
                placeholder=f"{area.label}: pick a type",
                action=ActionRef(action=BROWSE_ACTION, payload=token),
                choices=[
                    Choice(label=f"{kind.label} ({n})", value=kind.value)
                    for kind, n in sorted(counts.items())
                ],
            ),
            private=True,
        )

    async def _saved_search(self, ctx: Context, token: str) -> tuple[str, Filters, list[int]]:
        """A saved search, narrowed to the networks the person pressing still belongs to: the
        buttons work for 30 days, and someone may have left a network since (or forwarded
        them)."""
        query, filters, networks = await self.service.saved_search(token)
        mine = set(await self.service.networks_for(ctx.user.key, None))
        return query, filters, [n for n in networks if n in mine]

    @action(BROWSE_ACTION)
    async def browse_type(self, ctx: Context, event: ActionEvent) -> Reply:
        _, filters, networks = await self._saved_search(ctx, event.payload)
        if not event.selected or event.selected[0] not in {k.value for k in Kind}:
            raise UserError(OUT_OF_DATE)
        chosen = Filters(area=filters.area, type=Kind(event.selected[0]), region=filters.region)
        return await self._browse_page(chosen, networks)

    async def _browse_page(self, filters: Filters, networks: list[int]) -> Reply:
        found = await self.service.browse_page(filters, networks, 0)
        token = None
        if found.pages > 1:
            token = await self.service.save_search("", filters, networks)
        assert filters.area is not None and filters.type is not None
        return self._results(found, token, f"{filters.area.label}, {filters.type.label}")

    # ---- suggesting and reviewing -----------------------------------------------------------

    @command("resources submit", "Suggest a resource; a coordinator reviews it first")
    async def submit(
        self,
        ctx: Context,
        area: Annotated[Area, Option("The area of the peer work framework it belongs to")],
        type: Annotated[Kind, Option("What kind of resource it is")],
        region: Annotated[Region, Option("Where it applies")] = Region.NATIONAL,
        audience: Annotated[Audience, Option("Who it is for")] = Audience.PEER_WORKERS,
        network: NetworkOption = None,
    ) -> Reply:
        network_id = ctx.network_id
        if network_id is None:
            mine = await self.service.networks_for(ctx.user.key, None)
            if len(mine) != 1:
                raise UserError(
                    "Say which network's coordinators should review it, with "
                    "network:SHORT-NAME (type /network mine to see yours)."
                )
            network_id = mine[0]
        payload = f"{network_id}:{area.value}:{type.value}:{region.value}:{audience.value}"
        return Reply(
            text="Fill in the form. A coordinator or executive of the network reviews it, and "
            "you are told privately what they decided.",
            form=Form(
                title="Suggest a resource",
                action=ActionRef(action=SUBMIT_ACTION, payload=payload),
                fields=[
                    FormField(name="title", label="Title", max_length=TITLE_MAX),
                    FormField(
                        name="link",
                        label="Link (https://...) or phone number",
                        max_length=500,
                    ),
                    FormField(
                        name="summary",
                        label="What it is, in a sentence or two",
                        long=True,
                        max_length=SUMMARY_MAX,
                    ),
                    FormField(
                        name="tags",
                        label="Tags (words, optional)",
                        required=False,
                        max_length=TAGS_MAX,
                    ),
                    FormField(
                        name="closes",
                        label="Closing date, jobs/training (optional)",
                        required=False,
                        max_length=10,
                        placeholder="2027-03-31",
                    ),
                ],
            ),
            private=True,
        )

    @action(SUBMIT_ACTION, role=Role.MEMBER)
    async def submitted(self, ctx: Context, event: ActionEvent) -> Reply:
        parts = event.payload.split(":")
        try:
            network_text, area, kind, region, audience = parts
        except ValueError:
            raise UserError("That form is out of date. Run /resources submit again.") from None
        if not is_number(network_text):
            raise UserError("That form is out of date. Run /resources submit again.")
        network_id = int(network_text)
        if network_id not in await self.service.networks_for(ctx.user.key, network_id):
            raise UserError("You need to be a member of that network to suggest a resource.")
        link, contact = split_link(event.fields.get("link"))
        draft = _draft(
            {
                "title": event.fields.get("title", ""),
                "link": link,
                "contact": contact,
                "summary": event.fields.get("summary", ""),
                "tags": event.fields.get("tags", ""),
                "closes_on": _date(event.fields.get("closes")),
                "area": area,
                "type": kind,
                "region": region,
                "audience": audience,
            }
        )
        number = await self.service.submit(draft, network_id, ctx.user.key)
        return Reply.private_text(
            f"Thank you. Your suggestion '{draft.title}' (number {number}) is waiting for review. "
            "You will be told privately what the reviewer decides."
        )

    @command(
        "library review",
        "Review suggested resources",
        role=Role.EXECUTIVE,
        aliases=("resources review",),
    )
    async def review(self, ctx: Context, network: NetworkOption = None) -> Reply:
        assert ctx.network_id is not None  # the registry insists on one for this role
        return await self._queue(ctx.network_id, "")

    async def _queue(self, network_id: int, before: str) -> Reply:
        queue = await self.service.pending(network_id)
        if not queue:
            return Reply.private_text(before + "No suggestions are waiting for review.")
        first = queue[0]
        heading = (
            f"{before}{len(queue)} suggestion{'s' if len(queue) != 1 else ''} waiting. "
            "Check the link works and the details are right, then approve or reject "
            "(with a reason the person sees privately)."
        )
        payload = str(first.id)
        return Reply(
            text=heading + "\n" + views.submission_text(first),
            cards=[views.submission_card(first).model_copy(update={"footer": heading[:2048]})],
            buttons=[
                Button(
                    label="Approve",
                    action=ActionRef(action=APPROVE_ACTION, payload=payload),
                    style=ButtonStyle.SUCCESS,
                ),
                Button(
                    label="Reject",
                    action=ActionRef(action=REJECT_FORM_ACTION, payload=payload),
                    style=ButtonStyle.DANGER,
                ),
            ],
            private=True,
        )

    @action(APPROVE_ACTION, role=Role.EXECUTIVE)
    async def approve(self, ctx: Context, event: ActionEvent) -> Reply:
        submission_id = _number(event.payload)
        resource = await self.service.approve(submission_id, ctx.user.key)
        assert resource.network_id is not None
        return await self._queue(
            resource.network_id,
            f"Approved: '{resource.title}' is entry {resource.id}; the person who suggested it "
            "was told. ",
        )

    @action(REJECT_FORM_ACTION, role=Role.EXECUTIVE)
    async def reject_form(self, ctx: Context, event: ActionEvent) -> Reply:
        submission_id = _number(event.payload)
        return Reply(
            text="Why is it not being added? The person who suggested it sees this privately.",
            form=Form(
                title="Reject a suggestion",
                action=ActionRef(action=REJECT_ACTION, payload=str(submission_id)),
                fields=[
                    FormField(
                        name="reason",
                        label="Reason (the person sees it)",
                        long=True,
                        max_length=500,
                    )
                ],
            ),
            private=True,
        )

    @action(REJECT_ACTION, role=Role.EXECUTIVE)
    async def reject(self, ctx: Context, event: ActionEvent) -> Reply:
        found = await self.service.reject(
            _number(event.payload), ctx.user.key, event.fields.get("reason", "")
        )
        return await self._queue(
            found.network_id,
            f"Rejected '{found.draft.title}'; the person who suggested it was told why. ",
        )

    # ---- curating ---------------------------------------------------------------------------

    @command(
        "library add",
        "Add an entry to the library",
        role=Role.COORDINATOR,
        aliases=("resources add",),
    )
    async def add(
        self,
        ctx: Context,
        title: Annotated[str, Option("The title", max_length=TITLE_MAX)],
        link: LinkOption,
        summary: Annotated[str, Option("What it is, in a sentence or two", max_length=SUMMARY_MAX)],
        area: Annotated[Area, Option("The area of the peer work framework it belongs to")],
        type: Annotated[Kind, Option("What kind of resource it is")],
        region: Annotated[Region, Option("Where it applies")] = Region.NATIONAL,
        audience: Annotated[Audience, Option("Who it is for")] = Audience.PEER_WORKERS,
        tags: Annotated[str | None, Option("Words to find it by", max_length=TAGS_MAX)] = None,
        closes: Annotated[
            dt.date | None, Option("For jobs and training: hidden after this date")
        ] = None,
        shared: Annotated[bool, Option("Admins: share it with every network")] = False,
        network: NetworkOption = None,
    ) -> Reply:
        assert ctx.network_id is not None  # the registry insists on one for this role
        if shared and ctx.role < Role.ADMIN:
            raise UserError(
                "Only a peerbot admin can add an entry shared by every network; leave out "
                "shared to add it to this network. Nothing was changed."
            )
        web, phone = split_link(link)
        draft = _draft(
            {
                "title": title,
                "link": web,
                "contact": phone,
                "summary": summary,
                "area": area,
                "type": type,
                "region": region,
                "audience": audience,
                "tags": tags or "",
                "closes_on": closes,
            }
        )
        found = await self.service.add(draft, None if shared else ctx.network_id, ctx.user.key)
        return Reply(
            text=f"Added entry {found.id}.\n{views.text(found)}",
            cards=[views.card(found, "added")],
            private=True,
        )

    @command(
        "library edit",
        "Change an entry of the library",
        role=Role.COORDINATOR,
        aliases=("resources edit",),
    )
    async def edit(
        self,
        ctx: Context,
        entry: EntryOption,
        title: Annotated[str | None, Option("New title", max_length=TITLE_MAX)] = None,
        link: Annotated[
            str | None, Option("New web address (https://...) or phone number", max_length=500)
        ] = None,
        summary: Annotated[str | None, Option("New summary", max_length=SUMMARY_MAX)] = None,
        area: Annotated[Area | None, Option("New area")] = None,
        type: Annotated[Kind | None, Option("New type")] = None,
        region: Annotated[Region | None, Option("New region")] = None,
        audience: Annotated[Audience | None, Option("New audience")] = None,
        tags: Annotated[
            str | None, Option("New tags (replace the old)", max_length=TAGS_MAX)
        ] = None,
        closes: Annotated[dt.date | None, Option("New closing date")] = None,
        checked: Annotated[bool, Option("Mark it checked today")] = False,
    ) -> Reply:
        found = await self.service.find(entry, await self._networks(ctx))
        changes: dict[str, Any] = {}
        for name, value in (
            ("title", title),
            ("summary", summary),
            ("area", area),
            ("type", type),
            ("region", region),
            ("audience", audience),
            ("tags", tags),
            ("closes_on", closes),
        ):
            if value is not None:
                changes[name] = value
        if link is not None:
            web, phone = split_link(link)
            changes.update(link=web, contact=phone)
        if not changes and not checked:
            raise UserError(
                "Say what to change, for example title:... or link:..., or checked:true to "
                "mark it checked today. Nothing was changed."
            )
        try:
            edited = await self.service.edit(found, changes, ctx.user.key, checked=checked)
        except ValidationError as error:
            raise views.explain(error) from None
        return Reply(
            text=f"Changed entry {edited.id}.\n{views.text(edited)}",
            cards=[views.card(edited, "changed")],
            private=True,
        )

    @command(
        "library retire",
        "Take an entry out of the library",
        role=Role.COORDINATOR,
        aliases=("resources retire",),
    )
    async def retire(self, ctx: Context, entry: EntryOption) -> Reply:
        found = await self.service.find(entry, await self._networks(ctx))
        await self.service.retire(found, ctx.user.key)
        return Reply.private_text(
            f"Retired entry {found.id}, '{found.title}': it no longer shows in searches."
        )

    @command(
        "library stale",
        "Entries nobody has checked for a while",
        role=Role.COORDINATOR,
        aliases=("resources stale",),
    )
    async def stale(self, ctx: Context, network: NetworkOption = None) -> Reply:
        assert ctx.network_id is not None  # the registry insists on one for this role
        found = await self.service.stale(ctx.network_id, ctx.user.key)
        months = self.kernel.settings.resources.stale_months
        if not found:
            return Reply.private_text(
                f"Every entry has been checked in the last {months} months. Thank you."
            )
        lines = [
            f"{len(found)} entries not checked for {months} months or more, oldest first. Check "
            "each link and its details, then pick the ones you checked (or fix one with "
            "/library edit, or take it out with /library retire):"
        ]
        lines += [
            f"- {r.title} (entry {r.id}), last checked {r.last_checked.isoformat()}" for r in found
        ]
        return Reply(
            text="\n".join(lines),
            select=Select(
                placeholder="Mark as checked today",
                action=ActionRef(action=CHECKED_ACTION, payload=str(ctx.network_id)),
                choices=[
                    Choice(
                        label=r.title[:100],
                        value=str(r.id),
                        description=f"Last checked {r.last_checked.isoformat()}",
                    )
                    for r in found
                ],
                min_values=1,
                max_values=len(found),
            ),
            private=True,
        )

    @action(CHECKED_ACTION, role=Role.COORDINATOR)
    async def mark_checked(self, ctx: Context, event: ActionEvent) -> Reply:
        ids = [int(v) for v in event.selected if is_number(v)]
        if not ids:
            raise UserError("Pick at least one entry. Nothing was changed.")
        done = await self.service.mark_checked(ids, ctx.user.key)
        return Reply.private_text(
            "Marked checked today: " + ", ".join(f"{r.title} (entry {r.id})" for r in done) + "."
        )
