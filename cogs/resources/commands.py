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
from bot.mentions import person, place
from bot.ports import DeliveryError
from bot.privacy import DataStatement
from bot.registry import Invocation
from bot.replies import (
    ActionRef,
    Button,
    ButtonStyle,
    Card,
    CardField,
    Choice,
    Form,
    FormField,
    Reply,
    Select,
)
from bot.storage import Transaction
from cogs.resources import views
from cogs.resources.attachment_commands import EntryFiles
from cogs.resources.distress import in_distress
from cogs.resources.forms import (
    FORM_GONE,
    FormProblem,
    form_draft,
    submit_fields,
)
from cogs.resources.links import LinkChecks
from cogs.resources.missed import MISSED_KEPT_DAYS
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
    Resource,
    is_number,
    split_link,
)
from cogs.resources.reminders import StaleReminders
from cogs.resources.service import OUT_OF_DATE, ResourceService

PAGE_ACTION = "resources-page"
BROWSE_ACTION = "resources-browse"
SUBMIT_ACTION = "resources-submit"
APPROVE_ACTION = "resources-approve"
REJECT_FORM_ACTION = "resources-reject-form"
REJECT_ACTION = "resources-reject"
REJECT_CLOSED_ACTION = "resources-reject-closed"
CHECKED_ACTION = "resources-checked"
SHARE_ACTION = "resources-share"
FIX_FORM_ACTION = "resources-fix-form"
EDIT_FORM_ACTION = "resources-edit-form"
SAVE_ACTION = "resources-save"
UNSAVE_ACTION = "resources-unsave"
EDIT_APPROVE_ACTION = "resources-edit-approve"
EDIT_TITLE = "Edit, then approve"

CLOSING_HEADING = "Jobs and training closing in the next 14 days"
IN_DANGER = (
    "If you or someone else is in danger now, call 000. For 24/7 crisis and support lines, "
    "type /support."
)
NO_CHANNEL = (
    "Sharing posts the entry in a channel for everyone there to see, and this is a direct "
    "message, so there is nowhere to share it. Use /resources show or /resources share in a "
    "channel of your server. Nothing was shared."
)

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
RegionFilter = Annotated[
    Region | None, Option("Only this region (national and international entries included)")
]
LinkOption = Annotated[str, Option("A web address (https://...) or a phone number", max_length=500)]


def _draft(values: dict[str, Any]) -> Draft:
    try:
        return Draft.model_validate(values)
    except ValidationError as error:
        raise views.explain(error) from None


def closing_heading(filters: Filters) -> str:
    """``Jobs and training closing in the next 14 days``, with the filters used."""
    chosen = (filters.area, filters.type, filters.region)
    return CLOSING_HEADING + "".join(f", {each.label}" for each in chosen if each is not None)


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
        self.reminders = StaleReminders(kernel, self.service)
        kernel.scheduler.add_source(self.reminders)
        self.links = LinkChecks(kernel)
        kernel.scheduler.add_source(self.links)
        kernel.privacy.register(
            self.name,
            DataStatement(
                area="Resource library",
                what="the resources you suggested (with the reviewer's decision and reason), "
                "which library entries you added, and the entries you saved",
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
        # The monthly reminders are planned a month ahead; a daily re-plan adds the next one.
        self.kernel.scheduler.add_periodic("resources-replan", self._replan, dt.timedelta(days=1))

    async def _replan(self) -> None:
        await self.kernel.scheduler.refresh(self.reminders.name)
        await self.kernel.scheduler.refresh(self.links.name)

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

    @command("resources search", "Search the resource library", role=Role.EVERYONE, in_dms=True)
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
        if not found.results:
            await self.service.record_missed(query, networks)
        what = f"Resources for '{query[:60]}'"
        distress = in_distress(query) or in_distress(found.suggestion or "")
        suggest = None
        if found.suggestion is not None:
            suggest = await self.service.save_search(found.suggestion, filters, networks)
        if found.results:
            notes = [IN_DANGER] if distress else []
            more = []
            if found.suggestion is not None and suggest is not None:
                notes.append(
                    f"Not every word matched. Did you mean '{found.suggestion}'? The button "
                    "searches for that."
                )
                more.append(self._suggest_button(found.suggestion, suggest))
            return self._results(found, token, what, " ".join(notes), more)
        if distress:
            return await self._distress(ctx, query, found.suggestion, suggest)
        if found.suggestion is not None and suggest is not None:
            return Reply(
                text=f"{what}: nothing matched. Did you mean '{found.suggestion}'? Press the "
                "button to search for that instead.",
                buttons=[self._suggest_button(found.suggestion, suggest)],
                private=True,
            )
        return self._results(found, token, what)

    @staticmethod
    def _suggest_button(suggestion: str, token: str) -> Button:
        return Button(
            label=f"Search for '{suggestion[:60]}'",
            action=ActionRef(action=PAGE_ACTION, payload=f"{token}:0"),
            style=ButtonStyle.PRIMARY,
        )

    async def _distress(
        self, ctx: Context, query: str, suggestion: str | None, token: str | None
    ) -> Reply:
        """Nothing found for words of distress: 000 and the /support lines, never a dead end.
        The lines are the /support command's own answer, so they come from its data file."""
        heading = f"Nothing in the resource library matched '{query[:60]}'."
        if suggestion is not None:
            heading += f" Did you mean '{suggestion}'? The button searches for that."
        lines = Reply(text=IN_DANGER, private=True)
        if self.kernel.registry.named("support") is not None:
            lines = await self.kernel.registry.invoke(
                Invocation(
                    user=ctx.here, place=ctx.place, name="support", arguments={}, space=ctx.space
                )
            )
        intro = f"{heading}\nIf you need support now, these lines can help."
        return Reply(
            text=f"{intro}\n\n{lines.text}",
            cards=[
                Card(title="Nothing found in the resource library", description=intro),
                *lines.cards,
            ],
            buttons=[]
            if token is None or suggestion is None
            else [self._suggest_button(suggestion, token)],
            private=True,
        )

    def _results(
        self,
        found: Page,
        token: str | None,
        what: str,
        note: str = "",
        more: list[Button] | None = None,
    ) -> Reply:
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
        buttons += more or []
        today = self.service.today()
        text = "\n".join(
            [heading, *([note] if note else []), *(views.text(r, today) for r in found.results)]
        )
        return Reply(
            text=text,
            cards=views.page_cards(found, heading, today, note),
            buttons=buttons,
            private=True,
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
        if query:
            what = f"Resources for '{query[:60]}'"
        elif filters.closes_by is not None:
            what = closing_heading(filters)
        else:
            what = "Browsing the library"
        note = IN_DANGER if query and in_distress(query) else ""
        return self._results(found, token, what, note)

    @command(
        "resources show",
        "Show one entry of the resource library",
        role=Role.EVERYONE,
        in_dms=True,
    )
    async def show(self, ctx: Context, entry: EntryOption, network: NetworkOption = None) -> Reply:
        found = await self.service.find(entry, await self._networks(ctx))
        today = self.service.today()
        reply = Reply(
            text=views.text(found, today),
            cards=[views.card(found, today=today)],
            buttons=[
                Button(
                    label="Share here",
                    action=ActionRef(action=SHARE_ACTION, payload=str(found.id)),
                ),
                Button(label="Save", action=ActionRef(action=SAVE_ACTION, payload=str(found.id))),
            ],
            private=True,
        )
        return await self.with_file_note(found, reply)  # a template or form file, if any

    # ---- saved entries ----------------------------------------------------------------------

    @action(SAVE_ACTION)
    async def save_pressed(self, ctx: Context, event: ActionEvent) -> Reply:
        found = await self.service.find(
            str(_number(event.payload)), await self.service.networks_for(ctx.user.key, None)
        )
        if not await self.service.save(ctx.user.key, found):
            return Reply.private_text(
                f"'{found.title}' (entry {found.id}) is already saved. See your saved entries "
                "with /resources saved."
            )
        return Reply.private_text(
            f"Saved '{found.title}' (entry {found.id}). Only you can see what you saved: type "
            "/resources saved to see them, or to remove one."
        )

    @command(
        "resources saved",
        "The entries you saved, only for you; remove them here",
        role=Role.EVERYONE,
        in_dms=True,
    )
    async def saved(self, ctx: Context) -> Reply:
        found = await self.service.saved(ctx.user.key, await self._networks(ctx))
        if not found:
            return Reply.private_text(
                "You have no saved entries. Press Save on an entry (from /resources show) to "
                "keep it here; only you can see them."
            )
        lines = [f"Your saved entries ({len(found)}), newest first; only you can see them:"]
        lines += [f"- {r.title} (entry {r.id}): {r.link or r.contact or 'no link'}" for r in found]
        return Reply(
            text="\n".join(lines),
            select=Select(
                placeholder="Remove from saved",
                action=ActionRef(action=UNSAVE_ACTION, payload=""),
                choices=[
                    Choice(label=r.title[:100], value=str(r.id), description=f"Entry {r.id}")
                    for r in found
                ],
                min_values=1,
                max_values=len(found),
            ),
            private=True,
        )

    @action(UNSAVE_ACTION)
    async def unsave(self, ctx: Context, event: ActionEvent) -> Reply:
        ids = [int(v) for v in event.selected if is_number(v)]
        if not ids:
            raise UserError("Pick at least one entry to remove. Nothing was changed.")
        removed = await self.service.unsave(ctx.user.key, ids)
        return Reply.private_text(
            f"Removed {removed} entr{'y' if removed == 1 else 'ies'} from your saved entries."
            if removed
            else "Those entries were not saved any more. Nothing was changed."
        )

    # ---- sharing ----------------------------------------------------------------------------

    @command(
        "resources share",
        "Post an entry of the library in this channel, for everyone here",
        role=Role.EVERYONE,
        in_dms=True,  # it answers there that a direct message has nobody to share with
    )
    async def share(self, ctx: Context, entry: EntryOption) -> Reply:
        found = await self.service.find(entry, await self._networks(ctx))
        return await self._share(ctx, found)

    @action(SHARE_ACTION)
    async def share_pressed(self, ctx: Context, event: ActionEvent) -> Reply:
        found = await self.service.find(
            str(_number(event.payload)),
            await self.service.networks_for(ctx.user.key, None),
        )
        return await self._share(ctx, found)

    async def _share(self, ctx: Context, found: Resource) -> Reply:
        """Post the entry's card where the person is, as peerbot, notifying nobody; then say
        so privately. Every other answer of the library is private, so this is the way to
        show an entry to a channel."""
        if ctx.place is None and ctx.platform == "console":
            raise UserError(NO_CHANNEL.replace("this is a direct message", "the console has none"))
        if ctx.place is None or ctx.space is None:
            raise UserError(NO_CHANNEL)
        if found.network_id is not None:
            here = await self.kernel.registry.directory.network_for_place(ctx.place.key)
            if here is None or here.id != found.network_id:
                raise UserError(
                    f"Entry {found.id} is in one network's own library, so it can be shared "
                    "only in that network's channels, where its members are. Nothing was shared."
                )
        port = self.kernel.ports.get(ctx.platform)
        if port is None:
            raise UserError("peerbot cannot post here just now. Nothing was shared.")
        today = self.service.today()
        who = person(ctx.here.key, ctx.here.display_name or "")
        shown = views.card(found, today=today)
        message = Reply(
            text=f"{who} shared an entry of the resource library:\n{views.text(found, today)}",
            cards=[
                shown.model_copy(
                    update={"fields": [*shown.fields, CardField(name="Shared by", value=who)]}
                )
            ],
        )
        minute = ctx.now.strftime("%Y%m%d%H%M")  # a double click within a minute posts once
        key = f"resources:share:{found.id}:{ctx.place.key}:{ctx.here.key}:{minute}"
        try:
            await port.post(ctx.place, message, idempotency_key=key)
        except DeliveryError as error:
            raise UserError(
                "peerbot could not post in this channel just now"
                + (", as the platform was busy. Try again in a minute." if error.retryable else ".")
                + " Nothing was shared."
            ) from None
        where = place(ctx.place.key, ctx.place.name)
        return Reply.private_text(f"Shared '{found.title}' (entry {found.id}) in {where}.")

    @command(
        "resources browse",
        "Walk one area of the library, type by type",
        role=Role.EVERYONE,
        in_dms=True,
    )
    async def browse(
        self,
        ctx: Context,
        area: Annotated[Area | None, Option("The area of the peer work framework")] = None,
        type: TypeFilter = None,
        region: RegionFilter = None,
        closing_soon: Annotated[
            bool, Option("Only jobs and training that close in the next 14 days")
        ] = False,
        network: NetworkOption = None,
    ) -> Reply:
        networks = await self._networks(ctx)
        if closing_soon:
            closing = Filters(
                area=area, type=type, region=region, closes_by=self.service.closing_soon_by()
            )
            return await self._browse_page(closing, networks)
        if area is None:
            raise UserError(
                "Say which area to browse, with area:defining, area:support, area:system or "
                "area:developing; or closing_soon:true for the jobs and training that close "
                "in the next 14 days."
            )
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
        if filters.closes_by is not None:
            return self._results(found, token, closing_heading(filters))
        assert filters.area is not None and filters.type is not None
        return self._results(found, token, f"{filters.area.label}, {filters.type.label}")

    # ---- suggesting and reviewing -----------------------------------------------------------

    @command("resources submit", "Suggest a resource; a coordinator reviews it first", in_dms=True)
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
                fields=submit_fields({}),
            ),
            private=True,
        )

    @action(SUBMIT_ACTION, role=Role.MEMBER)
    async def submitted(self, ctx: Context, event: ActionEvent) -> Reply:
        parts = event.payload.split(":")
        if len(parts) not in (5, 6) or not is_number(parts[0]):
            raise UserError("That form is out of date. Run /resources submit again.")
        network_id = int(parts[0])
        base = ":".join(parts[:5])
        token = parts[5] if len(parts) == 6 else None
        if network_id not in await self.service.networks_for(ctx.user.key, network_id):
            raise UserError("You need to be a member of that network to suggest a resource.")
        typed = dict(event.fields)
        if token is not None:
            kept = await self.service.kept_form(token, ctx.user.key)
            if kept is None:
                if set(typed) != {f.name for f in submit_fields({})}:
                    raise UserError(FORM_GONE)  # only part of the form was asked again
            else:
                typed = {**kept[1], **typed}
        try:
            draft = form_draft(typed, parts[1:5], self.service.today())
        except FormProblem as problem:
            kept_as = await self.service.keep_form(ctx.user.key, base, typed, token=token)
            return self._fix_form(ctx, str(problem), base, kept_as, typed, problem.fields)
        number = await self.service.submit(draft, network_id, ctx.user.key, form=token)
        closes = (
            f" It closes on {draft.closes_on.isoformat()}: a suggestion not reviewed by then is "
            "not added, since it would already be closed."
            if draft.closes_on is not None
            else ""
        )
        return Reply.private_text(
            f"Thank you. Your suggestion '{draft.title}' (number {number}) is waiting for review. "
            f"You will be told privately what the reviewer decides.{closes}"
        )

    def _fix_form(
        self,
        ctx: Context,
        problem: str,
        base: str,
        token: str,
        typed: dict[str, str],
        bad: list[str],
    ) -> Reply:
        """A refused suggestion, kept: on Discord a button opens the form again filled in (a
        form cannot open straight from a form there); elsewhere only the fields to fix are
        asked again, with what was typed."""
        if ctx.platform == "discord":
            return Reply(
                text=f"{problem} Nothing was sent yet. What you typed is kept for a day: press "
                "Fix the form to change it and send it.",
                buttons=[
                    Button(
                        label="Fix the form",
                        action=ActionRef(action=FIX_FORM_ACTION, payload=token),
                        style=ButtonStyle.PRIMARY,
                    )
                ],
                private=True,
            )
        return Reply(
            text=f"{problem} Nothing was sent yet; the rest of what you typed is kept. Type "
            + ("that field" if len(bad) == 1 else "those fields")
            + " again (an empty line keeps what you typed).",
            form=Form(
                title="Suggest a resource",
                action=ActionRef(action=SUBMIT_ACTION, payload=f"{base}:{token}"),
                fields=submit_fields(typed, only=bad),
            ),
            private=True,
        )

    @action(FIX_FORM_ACTION, role=Role.MEMBER)
    async def fix_form(self, ctx: Context, event: ActionEvent) -> Reply:
        kept = await self.service.kept_form(event.payload, ctx.user.key)
        if kept is None:
            raise UserError(FORM_GONE)
        base, typed = kept
        return Reply(
            text="Change what needs fixing, then send it.",
            form=Form(
                title="Suggest a resource",
                action=ActionRef(action=SUBMIT_ACTION, payload=f"{base}:{event.payload}"),
                fields=submit_fields(typed),
            ),
            private=True,
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
        reject = Button(
            label="Reject",
            action=ActionRef(action=REJECT_FORM_ACTION, payload=payload),
            style=ButtonStyle.DANGER,
        )
        buttons = [
            Button(
                label="Approve",
                action=ActionRef(action=APPROVE_ACTION, payload=payload),
                style=ButtonStyle.SUCCESS,
            ),
            Button(label=EDIT_TITLE, action=ActionRef(action=EDIT_FORM_ACTION, payload=payload)),
            reject,
        ]
        if self.service.has_closed(first):
            assert first.draft.closes_on is not None
            heading = (
                f"{before}{len(queue)} suggestion{'s' if len(queue) != 1 else ''} waiting. "
                f"This one closed on {first.draft.closes_on.isoformat()} while it waited for "
                "review, so it cannot be added as a live entry. Reject it as closed (the "
                "person is told it closed before it was reviewed), or reject it with a reason."
            )
            buttons = [
                Button(
                    label="Reject as closed",
                    action=ActionRef(action=REJECT_CLOSED_ACTION, payload=payload),
                    style=ButtonStyle.DANGER,
                ),
                reject,
            ]
        today = self.service.today()
        return Reply(
            text=heading + "\n" + views.submission_text(first, today),
            cards=[
                views.submission_card(first, today).model_copy(update={"footer": heading[:2048]})
            ],
            buttons=buttons,
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

    @action(EDIT_FORM_ACTION, role=Role.EXECUTIVE)
    async def edit_form(self, ctx: Context, event: ActionEvent) -> Reply:
        """The suggestion's form, filled in with what was suggested (or with the reviewer's
        own refused edit, kept under a token after the number)."""
        number, _, token = event.payload.partition(":")
        found = await self.service.open_submission(_number(number), ctx.user.key)
        draft = found.draft
        values = {
            "title": draft.title,
            "link": draft.link or draft.contact or "",
            "summary": draft.summary,
            "tags": draft.tags,
            "closes": draft.closes_on.isoformat() if draft.closes_on else "",
        }
        if token:
            kept = await self.service.kept_form(token, ctx.user.key)
            if kept is None or kept[0] != f"review:{found.id}":
                raise UserError(
                    "peerbot no longer holds your edit (it keeps it for a day). Press "
                    f"{EDIT_TITLE} in /library review again."
                )
            values = kept[1]
        return Reply(
            text="Change what needs changing, then send it to approve the suggestion as "
            "edited. On the console an empty line keeps what is there.",
            form=Form(
                title=EDIT_TITLE,
                action=ActionRef(action=EDIT_APPROVE_ACTION, payload=str(found.id)),
                fields=submit_fields(values),
            ),
            private=True,
        )

    @action(EDIT_APPROVE_ACTION, role=Role.EXECUTIVE)
    async def edit_approve(self, ctx: Context, event: ActionEvent) -> Reply:
        found = await self.service.open_submission(_number(event.payload), ctx.user.key)
        draft = found.draft
        choices = [draft.area.value, draft.type.value, draft.region.value, draft.audience.value]
        typed = dict(event.fields)
        try:
            edited = form_draft(typed, choices, self.service.today())
        except FormProblem as problem:
            token = await self.service.keep_form(ctx.user.key, f"review:{found.id}", typed)
            return Reply(
                text=f"{problem} Nothing was approved. Your edit is kept for a day: press "
                f"{EDIT_TITLE} to fix it.",
                buttons=[
                    Button(
                        label=EDIT_TITLE,
                        action=ActionRef(action=EDIT_FORM_ACTION, payload=f"{found.id}:{token}"),
                        style=ButtonStyle.PRIMARY,
                    )
                ],
                private=True,
            )
        resource = await self.service.approve(found.id, ctx.user.key, edited)
        return await self._queue(
            found.network_id,
            f"Approved as edited: '{resource.title}' is entry {resource.id}; the person who "
            "suggested it was told what changed. ",
        )

    @action(REJECT_CLOSED_ACTION, role=Role.EXECUTIVE)
    async def reject_closed(self, ctx: Context, event: ActionEvent) -> Reply:
        found = await self.service.reject_closed(_number(event.payload), ctx.user.key)
        return await self._queue(
            found.network_id,
            f"Rejected '{found.draft.title}' as closed; the person who suggested it was told it "
            "closed before it was reviewed. ",
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
        today = self.service.today()
        return Reply(
            text=f"Added entry {found.id}.\n{views.text(found, today)}",
            cards=[views.card(found, "added", today)],
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
        today = self.service.today()
        return Reply(
            text=f"Changed entry {edited.id}.\n{views.text(edited, today)}",
            cards=[views.card(edited, "changed", today)],
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
        broken = await self.service.broken_links(ctx.network_id, ctx.user.key)
        months = self.kernel.settings.resources.stale_months
        flagged = [
            f"- {b.title} (entry {b.id}), {b.link}: {b.problem}, since {b.since.isoformat()}"
            for b in broken
        ]
        if flagged:
            flagged.insert(
                0,
                f"{len(broken)} link{'s' if len(broken) != 1 else ''} did not work at the last "
                "weekly check. Fix each with /library edit (or retire it); marking it checked "
                "clears the flag:",
            )
        if not found:
            return Reply.private_text(
                "\n".join(
                    [
                        *flagged,
                        f"Every entry has been checked in the last {months} months. Thank you.",
                    ]
                )
            )
        lines = [
            *flagged,
            f"{len(found)} entries not checked for {months} months or more, oldest first. Check "
            "each link and its details, then pick the ones you checked (or fix one with "
            "/library edit, or take it out with /library retire):",
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

    @command(
        "library missed",
        "Searches that found nothing: the words and how often, never who",
        role=Role.COORDINATOR,
    )
    async def missed(self, ctx: Context, network: NetworkOption = None) -> Reply:
        assert ctx.network_id is not None  # the registry insists on one for this role
        name = await self.service.network_name(ctx.network_id)
        found = await self.service.missed(ctx.network_id)
        days = MISSED_KEPT_DAYS
        if not found:
            return Reply.private_text(
                f"Every search by members of {name} in the last {days} days found something, "
                "or nobody searched."
            )
        lines = [
            f"Searches by members of {name} that found nothing in the last {days} days, most "
            "often first. peerbot keeps only the words, the day and how many times, never who "
            "searched. Consider adding an entry (/library add) or tags (/library edit) for them:"
        ]
        lines += [
            f"- '{m.query}': {m.count} time{'s' if m.count != 1 else ''}, last on "
            f"{m.last_day.isoformat()}"
            for m in found
        ]
        return Reply.private_text("\n".join(lines))

    @action(CHECKED_ACTION, role=Role.COORDINATOR)
    async def mark_checked(self, ctx: Context, event: ActionEvent) -> Reply:
        ids = [int(v) for v in event.selected if is_number(v)]
        if not ids:
            raise UserError("Pick at least one entry. Nothing was changed.")
        done = await self.service.mark_checked(ids, ctx.user.key)
        return Reply.private_text(
            "Marked checked today: " + ", ".join(f"{r.title} (entry {r.id})" for r in done) + "."
        )
