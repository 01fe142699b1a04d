"""The library's rules: who sees which entries, who may curate them, the review queue, the seed,
and importing and exporting files. Every change is one transaction."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bot.commands import Role
from bot.errors import UserError
from bot.identity import user_from_key
from bot.kernel import Kernel
from bot.replies import Reply
from bot.storage import Transaction
from cogs.resources import bookmarks, links, missed
from cogs.resources import repository as repo
from cogs.resources.files import FileProblem, Located, as_row, read_records, write_records
from cogs.resources.models import (
    CLOSING_SOON,
    NUMBER_DIGITS_MAX,
    Area,
    Draft,
    Filters,
    Kind,
    Page,
    Resource,
    Submission,
    is_digits,
    is_number,
)
from cogs.resources.search import PAGE_SIZE, Finder, make_page
from cogs.resources.seed import SEED_FILE, SeedChanges, content_hash, shipped

log = logging.getLogger(__name__)
SEARCH_KEPT = dt.timedelta(days=30)  # how long a search's paging buttons keep working
FORM_KEPT = dt.timedelta(days=1)  # how long a refused form's typing is kept for fixing
OUT_OF_DATE = (
    "Those buttons belong to a search that is out of date. "
    "Run /resources search again for fresh results."
)
FIND_ONE = "Find one with /resources search; each result shows its number."


class EntryListener(Protocol):
    """Another cog that acts on entries as they are added, changed or retired (the noticeboard
    posts notices), inside the transaction that makes the change, so both happen or neither."""

    async def entry_added(self, tx: Transaction, resource: Resource) -> None: ...

    async def entry_changed(self, tx: Transaction, resource: Resource) -> None: ...

    async def entry_retired(self, tx: Transaction, resource: Resource) -> None: ...


@dataclass(frozen=True)
class ImportResult:
    added: int
    updated: int
    unchanged: int


def closed_text(closes_on: dt.date, today: dt.date) -> str | None:
    """Why a closing date cannot be used for a live entry, or None when it is today or later."""
    if closes_on >= today:
        return None
    return (
        f"The closing date {closes_on.isoformat()} has already passed (today is "
        f"{today.isoformat()}), so the entry would never show. Give a later date, or leave "
        "the closing date out."
    )


#: How the fields a reviewer may change are named to the person who suggested the entry.
FIELD_NAMES = {
    "title": "title",
    "link": "link",
    "contact": "phone number",
    "summary": "summary",
    "tags": "tags",
    "closes_on": "closing date",
}


def changed_fields(before: Draft, after: Draft) -> list[str]:
    """The Draft fields a reviewer changed, in the form's order."""
    old, new = before.model_dump(), after.model_dump()
    return [name for name in FIELD_NAMES if old.get(name) != new.get(name)]


def _listed(names: list[str]) -> str:
    words = [FIELD_NAMES[n] for n in names]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _months_before(day: dt.date, months: int) -> dt.date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    return dt.date(year, month + 1, min(day.day, 28))


class ResourceService:
    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.db = kernel.db
        self.finder = Finder(kernel.db)
        self.listeners: list[EntryListener] = []

    def today(self) -> dt.date:
        return self.kernel.clock.now().date()

    # ---- who sees what ----------------------------------------------------------------------

    async def networks_for(self, user_key: str, network_id: int | None) -> list[int]:
        """The networks whose own entries this person sees (shared entries are for everyone):
        the one asked about, or every network they belong to."""
        directory = self.kernel.registry.directory
        found = []
        for info in await directory.networks():
            if network_id is not None and info.id != network_id:
                continue
            if await directory.role_of(user_key, info.id) >= Role.MEMBER:
                found.append(info.id)
        return found

    async def may_curate(self, user_key: str, network_id: int | None) -> bool:
        """Coordinators curate their network's entries; admins curate shared ones."""
        directory = self.kernel.registry.directory
        if network_id is None:
            return await directory.role_of(user_key, None) >= Role.ADMIN
        return await directory.role_of(user_key, network_id) >= Role.COORDINATOR

    async def require_curator(self, user_key: str, resource: Resource) -> None:
        if not await self.may_curate(user_key, resource.network_id):
            who = "a peerbot admin" if resource.network_id is None else "a coordinator"
            raise UserError(
                f"Entry {resource.id} belongs to "
                + ("every network" if resource.network_id is None else "another network")
                + f", so only {who} of it can change it. Nothing was changed."
            )

    # ---- finding ----------------------------------------------------------------------------

    async def search(
        self, text: str, filters: Filters, networks: Sequence[int], page: int = 0
    ) -> tuple[Page, str | None]:
        """A page of results, and a token for paging buttons when there is more than a page."""
        found = await self.finder.search(text, filters, networks, self.today(), page)
        token = None
        if found.pages > 1:
            token = await self.save_search(text, filters, networks)
        return found, token

    async def save_search(self, text: str, filters: Filters, networks: Sequence[int]) -> str:
        token = secrets.token_urlsafe(9)
        now = self.kernel.clock.now()
        async with self.db.transaction() as tx:
            await repo.purge_searches(tx, now - SEARCH_KEPT)
            await repo.save_search(tx, token, text, filters, networks, now)
        return token

    async def record_missed(self, text: str, networks: Sequence[int]) -> None:
        """Count a search that found nothing (its words, network and day; never who)."""
        async with self.db.transaction() as tx:
            await missed.record(tx, text, networks, self.today())

    async def missed(self, network_id: int) -> list[missed.Missed]:
        async with self.db.transaction() as tx:  # a write: the retention is applied first
            await missed.purge(tx, self.today())
            return await missed.top(tx, network_id, self.today())

    async def save(self, user_key: str, resource: Resource) -> bool:
        """Save an entry for the person; False when it was saved already."""
        async with self.db.transaction() as tx:
            if await bookmarks.count(tx, user_key) >= bookmarks.SAVED_MAX:
                raise UserError(
                    f"You have saved {bookmarks.SAVED_MAX} entries, the most peerbot keeps. "
                    "Remove one with /resources saved first. Nothing was saved."
                )
            return await bookmarks.save(tx, user_key, resource.id, self.kernel.clock.now())

    async def saved(self, user_key: str, networks: Sequence[int]) -> list[Resource]:
        async with self.db.reading() as tx:
            return await bookmarks.saved(tx, user_key, networks, self.today())

    async def unsave(self, user_key: str, resource_ids: Sequence[int]) -> int:
        async with self.db.transaction() as tx:
            return await bookmarks.remove(tx, user_key, resource_ids)

    async def network_name(self, network_id: int) -> str:
        found = [n for n in await self.kernel.registry.directory.networks() if n.id == network_id]
        return found[0].name if found else f"network {network_id}"

    async def saved_search(self, token: str) -> tuple[str, Filters, list[int]]:
        async with self.db.reading() as tx:
            saved = await repo.load_search(tx, token)
        if saved is None:
            raise UserError(OUT_OF_DATE)
        return saved

    async def page_of(
        self, text: str, filters: Filters, networks: Sequence[int], page: int
    ) -> Page:
        """A page of a search (``text``) or of a browse (no text), for the paging buttons."""
        if text:
            return await self.finder.search(text, filters, networks, self.today(), page)
        return await self.browse_page(filters, networks, page)

    async def browse_page(self, filters: Filters, networks: Sequence[int], page: int) -> Page:
        async with self.db.reading() as tx:
            found, total = await repo.listing(
                tx, networks, filters, self.today(), limit=PAGE_SIZE, offset=page * PAGE_SIZE
            )
        return make_page(found, total, page)

    def closing_soon_by(self) -> dt.date:
        return self.today() + CLOSING_SOON

    async def types_in(self, area: Area, networks: Sequence[int]) -> dict[Kind, int]:
        async with self.db.reading() as tx:
            return await repo.count_by_type(tx, networks, area, self.today())

    async def complete(self, partial: str, networks: Sequence[int]) -> list[tuple[int, str]]:
        return await self.finder.complete(partial, networks, self.today())

    async def find(self, ref: str, networks: Sequence[int]) -> Resource:
        """An entry by its number (12 or #12) or its exact title, among those the person sees."""
        text = ref.strip().removeprefix("#").strip()
        if is_digits(text) and not is_number(text):
            raise UserError(
                f"There is no entry number {text[:40]}: entry numbers are at most "
                f"{NUMBER_DIGITS_MAX} digits. {FIND_ONE}"
            )
        async with self.db.reading() as tx:
            if is_number(text):
                found = await repo.get(tx, int(text))
                if found is not None and (
                    found.network_id is not None and found.network_id not in networks
                ):
                    found = None
            else:
                found = await repo.by_title(tx, text, networks)
        if found is None or found.retired_at is not None:
            raise UserError(f"There is no entry '{ref.strip()[:80]}' that you can see. {FIND_ONE}")
        return found

    async def get(self, resource_id: int) -> Resource:
        async with self.db.reading() as tx:
            found = await repo.get(tx, resource_id)
        if found is None or found.retired_at is not None:
            raise UserError(f"There is no entry number {resource_id}. Nothing was changed.")
        return found

    # ---- curating ---------------------------------------------------------------------------

    async def add(
        self, draft: Draft, network_id: int | None, user_key: str, *, key: str | None = None
    ) -> Resource:
        self.require_open(draft)
        now = self.kernel.clock.now()
        async with self.db.transaction() as tx:
            new_id = await repo.insert(
                tx, key=key, network_id=network_id, draft=draft, added_by=user_key, now=now
            )
            await self._audit(
                tx, user_key, "resource.add", network_id, new_id, f"{draft.area}, {draft.type}"
            )
            found = await repo.get(tx, new_id)
            assert found is not None
            for listener in self.listeners:
                await listener.entry_added(tx, found)
        self.kernel.outbox.notify()
        self.finder.changed()
        return found

    async def edit(
        self, resource: Resource, changes: dict[str, Any], user_key: str, *, checked: bool
    ) -> Resource:
        await self.require_curator(user_key, resource)
        draft = Draft.model_validate({**resource.draft().model_dump(), **changes})
        if "closes_on" in changes:
            self.require_open(draft)
        last_checked = self.today() if checked else resource.last_checked
        async with self.db.transaction() as tx:
            await repo.update(tx, resource.id, draft, last_checked)
            if "link" in changes or checked:
                await links.clear(tx, resource.id)  # the next weekly check looks again
            changed = sorted(changes) + (["checked"] if checked else [])
            await self._audit(
                tx, user_key, "resource.edit", resource.network_id, resource.id, ", ".join(changed)
            )
            found = await repo.get(tx, resource.id)
            assert found is not None
            for listener in self.listeners:
                await listener.entry_changed(tx, found)
        self.kernel.outbox.notify()
        self.finder.changed()
        return found

    async def retire(self, resource: Resource, user_key: str) -> None:
        await self.require_curator(user_key, resource)
        async with self.db.transaction() as tx:
            await repo.retire(tx, resource.id, self.kernel.clock.now())
            await self._audit(tx, user_key, "resource.retire", resource.network_id, resource.id)
            for listener in self.listeners:
                await listener.entry_retired(tx, resource)
        self.kernel.outbox.notify()
        self.finder.changed()

    def stale_before(self) -> dt.date:
        return _months_before(self.today(), self.kernel.settings.resources.stale_months)

    async def stale(self, network_id: int, user_key: str) -> list[Resource]:
        """The network's entries not checked for the set number of months (and shared ones, for
        an admin), oldest first."""
        shared = await self.may_curate(user_key, None)
        async with self.db.reading() as tx:
            return await repo.stale(tx, network_id, shared, self.stale_before(), 25)

    async def broken_links(self, network_id: int, user_key: str) -> list[links.Broken]:
        """The network's entries whose link failed at the last check (and shared ones, for an
        admin)."""
        shared = await self.may_curate(user_key, None)
        async with self.db.reading() as tx:
            return await links.broken(tx, network_id, shared)

    async def mark_checked(self, resource_ids: Sequence[int], user_key: str) -> list[Resource]:
        async with self.db.reading() as tx:
            found = await repo.by_ids(tx, resource_ids)
        for resource in found:
            await self.require_curator(user_key, resource)
        if found:
            async with self.db.transaction() as tx:
                await repo.mark_checked(tx, [r.id for r in found], self.today())
                for resource in found:
                    await links.clear(tx, resource.id)
                by_network: dict[int | None, list[int]] = {}
                for resource in found:
                    by_network.setdefault(resource.network_id, []).append(resource.id)
                for network_id, ids in by_network.items():
                    await self.kernel.audit.record(
                        tx,
                        actor_key=user_key,
                        action="resource.check",
                        network_id=network_id,
                        target="entries:" + ",".join(str(i) for i in ids),
                        detail=f"{len(ids)} checked",
                    )
        return found

    def require_open(self, draft: Draft) -> None:
        """A new closing date must be today or later: an entry added already closed would be
        hidden at once, and the person adding it would think it was live."""
        problem = None if draft.closes_on is None else closed_text(draft.closes_on, self.today())
        if problem is not None:
            raise UserError(problem + " Nothing was changed.")

    # ---- the review queue -------------------------------------------------------------------

    async def submit(
        self, draft: Draft, network_id: int, user_key: str, *, form: str | None = None
    ) -> int:
        """Queue a suggestion for review (and forget the refused form it was fixed from)."""
        self.require_open(draft)
        async with self.db.transaction() as tx:
            if form is not None:
                await repo.drop_form(tx, form)
            return await repo.add_submission(
                tx, network_id, user_key, draft, self.kernel.clock.now()
            )

    def has_closed(self, found: Submission) -> bool:
        """A suggestion whose closing date passed while it waited for review."""
        closes_on = found.draft.closes_on
        return closes_on is not None and closes_on < self.today()

    # ---- forms kept for fixing --------------------------------------------------------------

    async def keep_form(
        self, user_key: str, payload: str, fields: dict[str, str], *, token: str | None = None
    ) -> str:
        """Keep what someone typed into a refused form, so it opens again filled in; a form
        refused again keeps its token."""
        token = token or secrets.token_urlsafe(9)
        now = self.kernel.clock.now()
        async with self.db.transaction() as tx:
            await repo.purge_forms(tx, now - FORM_KEPT)
            await repo.keep_form(tx, token, user_key, payload, fields, now)
        return token

    async def kept_form(self, token: str, user_key: str) -> tuple[str, dict[str, str]] | None:
        async with self.db.reading() as tx:
            return await repo.kept_form(tx, token, user_key, self.kernel.clock.now() - FORM_KEPT)

    async def pending(self, network_id: int) -> list[Submission]:
        async with self.db.reading() as tx:
            return await repo.pending(tx, network_id)

    async def _open_submission(self, submission_id: int, reviewer_key: str) -> Submission:
        async with self.db.reading() as tx:
            found = await repo.submission(tx, submission_id)
        if found is None:
            raise UserError("That submission no longer exists. Nothing was changed.")
        role = await self.kernel.registry.directory.role_of(reviewer_key, found.network_id)
        if role < Role.EXECUTIVE:
            raise UserError(
                "Only an executive or coordinator of the network it was sent to can review "
                "that submission. Nothing was changed."
            )
        if found.status != "pending":
            raise UserError(
                f"Submission {found.id} was already {found.status}. Nothing was changed."
            )
        return found

    async def open_submission(self, submission_id: int, reviewer_key: str) -> Submission:
        """A suggestion still waiting, that this person may review (else a UserError)."""
        return await self._open_submission(submission_id, reviewer_key)

    async def approve(
        self, submission_id: int, reviewer_key: str, edited: Draft | None = None
    ) -> Resource:
        """Add the suggestion to the library, as sent or as the reviewer ``edited`` it; the
        audit names the fields changed (never their text), and the person is told."""
        found = await self._open_submission(submission_id, reviewer_key)
        draft = found.draft if edited is None else edited
        changed = changed_fields(found.draft, draft)
        if edited is not None:
            self.require_open(draft)
        elif self.has_closed(found):
            assert found.draft.closes_on is not None
            raise UserError(
                f"Suggestion {found.id} closed on {found.draft.closes_on.isoformat()} while it "
                "waited for review, so it cannot be added as a live entry. Reject it as closed: "
                "the person who suggested it is told it closed before it was reviewed. Nothing "
                "was changed."
            )
        closes = draft.closes_on
        until = (
            f" It shows in searches until it closes on {closes.isoformat()}."
            if closes is not None
            else ""
        )
        now = self.kernel.clock.now()
        async with self.db.transaction() as tx:
            new_id = await repo.insert(
                tx,
                key=None,
                network_id=found.network_id,
                draft=draft,
                added_by=found.submitted_by,
                now=now,
            )
            decided = await repo.decide(
                tx,
                found.id,
                status="approved",
                reason=None,
                decided_by=reviewer_key,
                now=now,
                resource_id=new_id,
            )
            self._decided_once(decided, found)  # else the new entry rolls back
            await self._audit(
                tx,
                reviewer_key,
                "resource.approve",
                found.network_id,
                new_id,
                f"submission {found.id}" + (f", edited: {', '.join(changed)}" if changed else ""),
            )
            edits = (
                f" The reviewer changed its {_listed(changed)} before adding it"
                + (f", as '{draft.title}'." if "title" in changed else ".")
                if changed
                else ""
            )
            await self._tell(
                tx,
                found,
                f"Your suggestion '{found.draft.title}' was approved and is now in the resource "
                f"library as entry {new_id}.{edits}{until} Thank you for sharing it.",
            )
            resource = await repo.get(tx, new_id)
            assert resource is not None
            for listener in self.listeners:
                await listener.entry_added(tx, resource)
        self.kernel.outbox.notify()
        self.finder.changed()
        return resource

    async def reject_closed(self, submission_id: int, reviewer_key: str) -> Submission:
        """Decline a suggestion that closed before anyone reviewed it, telling the person so."""
        found = await self._open_submission(submission_id, reviewer_key)
        if not self.has_closed(found) or found.draft.closes_on is None:
            raise UserError(
                f"Suggestion {found.id} has not closed, so approve it or reject it with a "
                "reason. Nothing was changed."
            )
        closed = found.draft.closes_on.isoformat()
        return await self._reject(
            found,
            reviewer_key,
            f"It closed on {closed} before it was reviewed.",
            f"Your suggestion '{found.draft.title}' closed on {closed} before a reviewer got to "
            "it, so it was not added to the resource library. If it opens again, suggest it "
            "again with /resources submit.",
        )

    async def reject(self, submission_id: int, reviewer_key: str, reason: str) -> Submission:
        reason = reason.strip()
        if not reason:
            raise UserError("Give a reason: the person who suggested it will see it privately.")
        found = await self._open_submission(submission_id, reviewer_key)
        return await self._reject(
            found,
            reviewer_key,
            reason,
            f"Your suggestion '{found.draft.title}' was not added to the resource library. "
            f"The reviewer's reason: {reason}",
        )

    async def _reject(
        self, found: Submission, reviewer_key: str, reason: str, told: str
    ) -> Submission:
        async with self.db.transaction() as tx:
            decided = await repo.decide(
                tx,
                found.id,
                status="rejected",
                reason=reason,
                decided_by=reviewer_key,
                now=self.kernel.clock.now(),
                resource_id=None,
            )
            self._decided_once(decided, found)
            await self.kernel.audit.record(
                tx,
                actor_key=reviewer_key,
                action="resource.reject",
                network_id=found.network_id,
                target=f"submission:{found.id}",
            )
            await self._tell(tx, found, told)
        self.kernel.outbox.notify()
        return found

    @staticmethod
    def _decided_once(decided: int, found: Submission) -> None:
        """Two reviewers (or a double click) can both pass the check before either writes;
        only the first decision counts, and the second's transaction rolls back."""
        if decided != 1:
            raise UserError(f"Submission {found.id} was already decided. Nothing was changed.")

    async def _audit(
        self,
        tx: Transaction,
        actor_key: str,
        action: str,
        network_id: int | None,
        resource_id: int,
        detail: str = "",
    ) -> None:
        """Curating is audited like any coordinator action: the entry's number, never text
        people typed (``detail`` holds field names, areas and types only)."""
        await self.kernel.audit.record(
            tx,
            actor_key=actor_key,
            action=action,
            network_id=network_id,
            target=f"entry:{resource_id}",
            detail=detail,
        )

    async def _tell(self, tx: Transaction, found: Submission, text: str) -> None:
        await self.kernel.outbox.enqueue(
            tx,
            key=f"resources:submission:{found.id}:decision",
            target=user_from_key(found.submitted_by),
            message=Reply(text=text, private=True),
        )

    # ---- the seed, import and export --------------------------------------------------------

    async def load_seed(self, path: Path = SEED_FILE) -> SeedChanges:
        """Add the seed entries not added before (by key), as shared entries, and bring those
        still exactly as an earlier peerbot shipped them up to date (cogs/resources/seed.py).
        An entry someone changed keeps their change; one a coordinator retired stays retired."""
        records = read_records(path)
        versions = shipped()
        now = self.kernel.clock.now()
        added = updated = 0
        async with self.db.transaction() as tx:
            for located in records:
                key = located.record.stable_key
                draft = located.record.entry
                existing = await repo.by_key(tx, key)
                if existing is None:
                    await repo.insert(
                        tx, key=key, network_id=None, draft=draft, added_by=None, now=now
                    )
                    added += 1
                    continue
                if existing.retired_at is not None or existing.network_id is not None:
                    continue
                held = content_hash(existing.draft())
                if held == content_hash(draft) or (key, held) not in versions:
                    continue
                checked = draft.last_checked or existing.last_checked
                await repo.update(tx, existing.id, draft, max(checked, existing.last_checked))
                updated += 1
        changes = SeedChanges(added, updated)
        if changes.any:
            self.finder.changed()
            log.info("seed library: %d entries added, %d brought up to date", added, updated)
        return changes

    async def import_file(self, path: Path) -> ImportResult:
        """Add or update every entry of the file by its key, all in one transaction."""
        records = read_records(path)
        slugs = {info.slug: info.id for info in await self._all_networks()}
        for located in records:
            slug = located.record.network
            if slug is not None and slug not in slugs:
                raise FileProblem(
                    f"{path} line {located.line}, field 'network': there is no network "
                    f"'{slug}' (leave it blank for an entry shared by every network)"
                )
        now = self.kernel.clock.now()
        added = updated = unchanged = 0
        async with self.db.transaction() as tx:
            for located in records:
                outcome = await self._upsert(tx, located, slugs, now)
                added += outcome == "added"
                updated += outcome == "updated"
                unchanged += outcome == "unchanged"
            await self.kernel.audit.record(
                tx,
                actor_key="system",
                action="resource.import",
                network_id=None,
                target=f"file:{path.suffix.lower().lstrip('.')}",
                detail=f"{added} added, {updated} updated, {unchanged} unchanged",
            )
        self.finder.changed()
        return ImportResult(added, updated, unchanged)

    async def _upsert(
        self, tx: Transaction, located: Located, slugs: dict[str, int], now: dt.datetime
    ) -> str:
        record = located.record
        network_id = slugs[record.network] if record.network else None
        existing = await repo.by_key(tx, record.stable_key)
        if existing is None:
            await repo.insert(
                tx,
                key=record.stable_key,
                network_id=network_id,
                draft=record.entry,
                added_by=None,
                now=now,
            )
            return "added"
        draft = record.entry
        last_checked = draft.last_checked or existing.last_checked
        same = (
            existing.draft().model_copy(update={"last_checked": None})
            == draft.model_copy(update={"last_checked": None})
            and existing.last_checked == last_checked
            and existing.network_id == network_id
        )
        if same:
            return "unchanged"
        await repo.update(tx, existing.id, draft, last_checked)
        await repo.set_network(tx, existing.id, network_id)
        return "updated"

    async def export_file(self, path: Path) -> int:
        slugs = {info.id: info.slug for info in await self._all_networks()}
        async with self.db.reading() as tx:
            entries = await repo.all_live(tx)
        rows = [as_row(r, slugs.get(r.network_id) if r.network_id else None) for r in entries]
        write_records(path, rows)
        return len(rows)

    async def _all_networks(self) -> list[_Net]:
        rows = await self.db.fetch_all("SELECT id, slug FROM networks")
        return [_Net(int(r["id"]), str(r["slug"])) for r in rows]

    # ---- privacy ----------------------------------------------------------------------------

    async def export_person(self, tx: Transaction, user_key: str) -> dict[str, Any]:
        found = await repo.export_person(tx, user_key)
        return {**found, "saved_entries": await bookmarks.export_person(tx, user_key)}

    async def move_person(self, tx: Transaction, old_key: str, new_key: str) -> int:
        moved = await bookmarks.move_person(tx, old_key, new_key)
        return moved + await repo.move_person(tx, old_key, new_key)

    async def delete_person(self, tx: Transaction, user_key: str) -> int:
        count = await bookmarks.delete_person(tx, user_key)
        count += await repo.delete_person(tx, user_key)
        self.finder.changed()
        return count


@dataclass(frozen=True)
class _Net:
    id: int
    slug: str
