"""SQL for the resource library. Every function takes the caller's transaction, so a change and
its full-text index (kept in step by triggers) commit together or not at all."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from typing import Any

from bot.clock import from_db, to_db
from bot.privacy import move_rows
from bot.storage import Row, Transaction
from cogs.resources.models import (
    Area,
    Audience,
    Draft,
    Filters,
    Kind,
    Region,
    Resource,
    Submission,
)


def _resource(row: Row) -> Resource:
    return Resource(
        id=int(row["id"]),
        key=str(row["key"]),
        network_id=None if row["network_id"] is None else int(row["network_id"]),
        title=str(row["title"]),
        link=row["link"],
        contact=row["contact"],
        summary=str(row["summary"]),
        area=Area(row["area"]),
        type=Kind(row["type"]),
        region=Region(row["region"]),
        audience=Audience(row["audience"]),
        tags=str(row["tags"]),
        added_by=row["added_by"],
        added_at=from_db(str(row["added_at"])),
        last_checked=dt.date.fromisoformat(str(row["last_checked"])),
        closes_on=None if row["closes_on"] is None else dt.date.fromisoformat(row["closes_on"]),
        retired_at=None if row["retired_at"] is None else from_db(str(row["retired_at"])),
    )


#: A row of ``resources`` as an entry, for the cogs that read entries in their own queries
#: (the noticeboard).
resource_of = _resource


def visible(networks: Sequence[int], today: dt.date) -> tuple[str, list[Any]]:
    """Shared entries and those of the given networks, not retired, not past closing."""
    marks = ",".join("?" for _ in networks)
    where = "(r.network_id IS NULL" + (f" OR r.network_id IN ({marks}))" if networks else ")")
    where += " AND r.retired_at IS NULL AND (r.closes_on IS NULL OR r.closes_on >= ?)"
    return where, [*networks, today.isoformat()]


REGION_MATCHES = "r.region IN (?, 'national', 'international')"
"""A region filter keeps national and international entries too: they apply everywhere."""


def filtered(filters: Filters) -> tuple[str, list[Any]]:
    """A region filter keeps national and international entries too: they apply everywhere."""
    parts: list[str] = []
    params: list[Any] = []
    if filters.area is not None:
        parts.append("r.area = ?")
        params.append(filters.area.value)
    if filters.type is not None:
        parts.append("r.type = ?")
        params.append(filters.type.value)
    if filters.region is not None:
        parts.append(REGION_MATCHES)
        params.append(filters.region.value)
    if filters.closes_by is not None:
        parts.append("r.closes_on IS NOT NULL AND r.closes_on <= ?")
        params.append(filters.closes_by.isoformat())
    return "".join(" AND " + p for p in parts), params


# ---- entries ------------------------------------------------------------------------------


async def insert(
    tx: Transaction,
    *,
    key: str | None,
    network_id: int | None,
    draft: Draft,
    added_by: str | None,
    now: dt.datetime,
) -> int:
    """Store a new entry; without a key it gets ``entry-ID``, so an export can be re-imported."""
    new_id = await tx.insert(
        """INSERT INTO resources (key, network_id, title, link, contact, summary, area, type,
                                  region, audience, tags, added_by, added_at, last_checked,
                                  closes_on)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (
            key or f"new-{uuid.uuid4().hex}",
            network_id,
            *_draft_columns(draft),
            added_by,
            to_db(now),
            (draft.last_checked or now.date()).isoformat(),
            None if draft.closes_on is None else draft.closes_on.isoformat(),
        ),
    )
    if key is None:
        await tx.execute("UPDATE resources SET key = ? WHERE id = ?", (f"entry-{new_id}", new_id))
    return new_id


def _draft_columns(draft: Draft) -> tuple[Any, ...]:
    return (
        draft.title,
        draft.link,
        draft.contact,
        draft.summary,
        draft.area.value,
        draft.type.value,
        draft.region.value,
        draft.audience.value,
        draft.tags,
    )


async def update(tx: Transaction, resource_id: int, draft: Draft, last_checked: dt.date) -> int:
    return await tx.execute(
        """UPDATE resources SET title = ?, link = ?, contact = ?, summary = ?, area = ?, type = ?,
                                region = ?, audience = ?, tags = ?, last_checked = ?,
                                closes_on = ?
           WHERE id = ?""",
        (
            *_draft_columns(draft),
            last_checked.isoformat(),
            None if draft.closes_on is None else draft.closes_on.isoformat(),
            resource_id,
        ),
    )


async def set_network(tx: Transaction, resource_id: int, network_id: int | None) -> None:
    await tx.execute("UPDATE resources SET network_id = ? WHERE id = ?", (network_id, resource_id))


async def get(tx: Transaction, resource_id: int) -> Resource | None:
    row = await tx.fetch_one("SELECT * FROM resources WHERE id = ?", (resource_id,))
    return None if row is None else _resource(row)


async def by_key(tx: Transaction, key: str) -> Resource | None:
    row = await tx.fetch_one("SELECT * FROM resources WHERE key = ?", (key,))
    return None if row is None else _resource(row)


async def keys(tx: Transaction, prefix: str) -> set[str]:
    rows = await tx.fetch_all(
        "SELECT key FROM resources WHERE key >= ? AND key < ?", (prefix, prefix + "\uffff")
    )
    return {str(r["key"]) for r in rows}


async def by_title(tx: Transaction, title: str, networks: Sequence[int]) -> Resource | None:
    where, params = visible(networks, dt.date.min)
    row = await tx.fetch_one(
        f"SELECT * FROM resources r WHERE {where} AND r.title = ? COLLATE NOCASE LIMIT 1",
        (*params, title),
    )
    return None if row is None else _resource(row)


async def retire(tx: Transaction, resource_id: int, now: dt.datetime) -> int:
    return await tx.execute(
        "UPDATE resources SET retired_at = ? WHERE id = ? AND retired_at IS NULL",
        (to_db(now), resource_id),
    )


async def mark_checked(tx: Transaction, resource_ids: Sequence[int], today: dt.date) -> int:
    marks = ",".join("?" for _ in resource_ids)
    return await tx.execute(
        f"UPDATE resources SET last_checked = ? WHERE id IN ({marks})",
        (today.isoformat(), *resource_ids),
    )


async def all_live(tx: Transaction) -> list[Resource]:
    rows = await tx.fetch_all("SELECT * FROM resources WHERE retired_at IS NULL ORDER BY id")
    return [_resource(r) for r in rows]


# ---- search -------------------------------------------------------------------------------


def _like_start(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


async def search(
    tx: Transaction,
    match: str,
    networks: Sequence[int],
    filters: Filters,
    today: dt.date,
    *,
    limit: int,
    offset: int,
    in_title: str | None = None,
    first_word: str = "",
) -> tuple[list[Resource], int]:
    """Ranked full-text matches (best first) and how many there are in all.

    The emergency number comes first whenever it matches, as it does in /support (``IS``
    never gives NULL, so an entry without a phone number is not sorted after those with
    one). Then entries with the words in their title (``in_title``, the same words matched
    in the title column alone), those whose title starts with the first word first; then
    the rest; each group by bm25. The groups are needed because FTS5's bm25 adds the
    column weights into one term frequency before saturating it, so a title word counts for
    little more than a word in the summary and tags."""
    where, params = visible(networks, today)
    extra, extra_params = filtered(filters)
    base = f"""FROM resources_fts JOIN resources r ON r.id = resources_fts.rowid
               WHERE resources_fts MATCH ? AND {where}{extra}"""
    args = (match, *params, *extra_params)
    title_hit = ""
    order_args: list[Any] = []
    if in_title is not None:
        title_hit = "r.id IN (SELECT rowid FROM resources_fts WHERE resources_fts MATCH ?) DESC,"
        order_args.append(in_title)
    rows = await tx.fetch_all(
        f"""SELECT r.* {base}
            ORDER BY r.contact IS '000' DESC, {title_hit} r.title LIKE ? ESCAPE '\\' DESC,
                     resources_fts.rank, r.id
            LIMIT ? OFFSET ?""",
        (*args, *order_args, _like_start(first_word) if first_word else "", limit, offset),
    )
    if offset == 0 and len(rows) < limit:  # all of them are on this page: no need to count
        return [_resource(r) for r in rows], len(rows)
    total = await tx.fetch_value(f"SELECT count(*) {base}", args)
    return [_resource(r) for r in rows], int(total or 0)


async def listing(
    tx: Transaction,
    networks: Sequence[int],
    filters: Filters,
    today: dt.date,
    *,
    limit: int,
    offset: int,
) -> tuple[list[Resource], int]:
    """Entries in title order, for browsing without words; those closing soonest first when
    browsing what closes soon."""
    where, params = visible(networks, today)
    extra, extra_params = filtered(filters)
    args = (*params, *extra_params)
    if filters.closes_by is not None:
        order = "FROM resources r WHERE {where}{extra} ORDER BY r.closes_on, r.title COLLATE NOCASE"
    else:
        order = (
            "FROM resources r INDEXED BY resources_title WHERE {where}{extra} "
            "ORDER BY r.title COLLATE NOCASE"
        )
    rows = await tx.fetch_all(
        "SELECT r.* " + order.format(where=where, extra=extra) + ", r.id LIMIT ? OFFSET ?",
        (*args, limit, offset),
    )
    total = await tx.fetch_value(f"SELECT count(*) FROM resources r WHERE {where}{extra}", args)
    return [_resource(r) for r in rows], int(total or 0)


async def count_by_type(
    tx: Transaction, networks: Sequence[int], area: Area, today: dt.date
) -> dict[Kind, int]:
    where, params = visible(networks, today)
    rows = await tx.fetch_all(
        f"SELECT r.type, count(*) AS n FROM resources r WHERE {where} AND r.area = ? "
        "GROUP BY r.type",
        (*params, area.value),
    )
    return {Kind(r["type"]): int(r["n"]) for r in rows}


async def titles_starting(
    tx: Transaction, prefix: str, networks: Sequence[int], today: dt.date, limit: int
) -> list[tuple[int, str]]:
    """Titles that begin with the text typed (case-insensitive), by the title index."""
    where, params = visible(networks, today)
    rows = await tx.fetch_all(
        f"""SELECT r.id, r.title FROM resources r INDEXED BY resources_title
            WHERE r.title >= ? COLLATE NOCASE AND r.title < ? COLLATE NOCASE AND {where}
            ORDER BY r.title COLLATE NOCASE LIMIT ?""",
        (prefix, prefix + "\uffff", *params, limit),
    )
    return [(int(r["id"]), str(r["title"])) for r in rows]


async def titles_matching(
    tx: Transaction, match: str, networks: Sequence[int], today: dt.date, limit: int
) -> list[tuple[int, str]]:
    """Titles with words starting as typed, in any order; unranked so it can stop early."""
    where, params = visible(networks, today)
    rows = await tx.fetch_all(
        f"""SELECT r.id, r.title FROM resources_fts JOIN resources r ON r.id = resources_fts.rowid
            WHERE resources_fts MATCH ? AND {where} LIMIT ?""",
        (match, *params, limit),
    )
    return [(int(r["id"]), str(r["title"])) for r in rows]


async def live_text(tx: Transaction, today: dt.date) -> list[str]:
    """The words of every live entry (title, summary, tags and type words), as written rather
    than stemmed, for correcting typos towards words people would recognise."""
    rows = await tx.fetch_all(
        """SELECT r.title, r.summary, r.tags, r.kind_words FROM resources r
           WHERE r.retired_at IS NULL AND (r.closes_on IS NULL OR r.closes_on >= ?)""",
        (today.isoformat(),),
    )
    return [f"{r['title']} {r['summary']} {r['tags']} {r['kind_words']}" for r in rows]


async def title_corpus(tx: Transaction, today: dt.date) -> list[tuple[int, int | None, str, str]]:
    """(id, network, title, title and tags) of every live entry, for the fuzzy fallback."""
    rows = await tx.fetch_all(
        """SELECT r.id, r.network_id, r.title, r.tags FROM resources r
           WHERE r.retired_at IS NULL AND (r.closes_on IS NULL OR r.closes_on >= ?)""",
        (today.isoformat(),),
    )
    return [
        (int(r["id"]), r["network_id"], str(r["title"]), f"{r['title']} {r['tags']}".strip())
        for r in rows
    ]


async def by_ids(tx: Transaction, ids: Sequence[int]) -> list[Resource]:
    if not ids:
        return []
    marks = ",".join("?" for _ in ids)
    rows = await tx.fetch_all(f"SELECT * FROM resources WHERE id IN ({marks})", tuple(ids))
    found = {int(r["id"]): _resource(r) for r in rows}
    return [found[i] for i in ids if i in found]


async def stale(
    tx: Transaction, network_id: int | None, shared: bool, before: dt.date, limit: int
) -> list[Resource]:
    """Live entries last checked before the date: the network's, and shared ones if asked."""
    scope = "r.network_id = ?" + (" OR r.network_id IS NULL" if shared else "")
    rows = await tx.fetch_all(
        f"""SELECT * FROM resources r WHERE ({scope}) AND r.retired_at IS NULL
            AND r.last_checked < ? ORDER BY r.last_checked, r.id LIMIT ?""",
        (network_id, before.isoformat(), limit),
    )
    return [_resource(r) for r in rows]


# ---- saved searches -----------------------------------------------------------------------


async def save_search(
    tx: Transaction,
    token: str,
    query: str,
    filters: Filters,
    networks: Sequence[int],
    now: dt.datetime,
) -> None:
    await tx.execute(
        """INSERT INTO resource_searches (token, query, area, type, region, closes_by, networks,
                                          created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
        (
            token,
            query,
            filters.area.value if filters.area else None,
            filters.type.value if filters.type else None,
            filters.region.value if filters.region else None,
            filters.closes_by.isoformat() if filters.closes_by else None,
            ",".join(str(n) for n in networks),
            to_db(now),
        ),
    )


async def load_search(tx: Transaction, token: str) -> tuple[str, Filters, list[int]] | None:
    row = await tx.fetch_one("SELECT * FROM resource_searches WHERE token = ?", (token,))
    if row is None:
        return None
    filters = Filters(
        area=Area(row["area"]) if row["area"] else None,
        type=Kind(row["type"]) if row["type"] else None,
        region=Region(row["region"]) if row["region"] else None,
        closes_by=dt.date.fromisoformat(row["closes_by"]) if row["closes_by"] else None,
    )
    networks = [int(n) for n in str(row["networks"]).split(",") if n]
    return str(row["query"]), filters, networks


async def purge_searches(tx: Transaction, before: dt.datetime) -> int:
    return await tx.execute("DELETE FROM resource_searches WHERE created_at < ?", (to_db(before),))


# ---- forms kept after a refusal ----------------------------------------------------------


async def keep_form(
    tx: Transaction,
    token: str,
    user_key: str,
    payload: str,
    fields: dict[str, str],
    now: dt.datetime,
) -> None:
    await tx.execute(
        """INSERT INTO resource_form_drafts (token, user_key, payload, fields, created_at)
           VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (token) DO UPDATE SET fields = excluded.fields""",
        (token, user_key, payload, json.dumps(fields), to_db(now)),
    )


async def kept_form(
    tx: Transaction, token: str, user_key: str, since: dt.datetime
) -> tuple[str, dict[str, str]] | None:
    """(payload, fields) of a kept form, only for the person who typed it."""
    row = await tx.fetch_one(
        """SELECT payload, fields FROM resource_form_drafts
           WHERE token = ? AND user_key = ? AND created_at >= ?""",
        (token, user_key, to_db(since)),
    )
    if row is None:
        return None
    fields = json.loads(str(row["fields"]))
    return str(row["payload"]), {str(k): str(v) for k, v in fields.items()}


async def drop_form(tx: Transaction, token: str) -> None:
    await tx.execute("DELETE FROM resource_form_drafts WHERE token = ?", (token,))


async def purge_forms(tx: Transaction, before: dt.datetime) -> int:
    return await tx.execute(
        "DELETE FROM resource_form_drafts WHERE created_at < ?", (to_db(before),)
    )


# ---- submissions --------------------------------------------------------------------------


def _submission(row: Row) -> Submission:
    return Submission(
        id=int(row["id"]),
        network_id=int(row["network_id"]),
        submitted_by=str(row["submitted_by"]),
        submitted_at=from_db(str(row["submitted_at"])),
        draft=Draft.model_validate_json(str(row["draft_json"])),
        status=str(row["status"]),
        reason=row["reason"],
        resource_id=row["resource_id"],
    )


async def add_submission(
    tx: Transaction, network_id: int, user_key: str, draft: Draft, now: dt.datetime
) -> int:
    return await tx.insert(
        """INSERT INTO resource_submissions (network_id, submitted_by, submitted_at, draft_json)
           VALUES (?, ?, ?, ?)""",
        (network_id, user_key, to_db(now), draft.model_dump_json()),
    )


async def submission(tx: Transaction, submission_id: int) -> Submission | None:
    row = await tx.fetch_one("SELECT * FROM resource_submissions WHERE id = ?", (submission_id,))
    return None if row is None else _submission(row)


async def pending(tx: Transaction, network_id: int) -> list[Submission]:
    rows = await tx.fetch_all(
        """SELECT * FROM resource_submissions WHERE network_id = ? AND status = 'pending'
           ORDER BY id""",
        (network_id,),
    )
    return [_submission(r) for r in rows]


async def decide(
    tx: Transaction,
    submission_id: int,
    *,
    status: str,
    reason: str | None,
    decided_by: str,
    now: dt.datetime,
    resource_id: int | None,
) -> int:
    return await tx.execute(
        """UPDATE resource_submissions
           SET status = ?, reason = ?, decided_by = ?, decided_at = ?, resource_id = ?
           WHERE id = ? AND status = 'pending'""",
        (status, reason, decided_by, to_db(now), resource_id, submission_id),
    )


# ---- privacy ------------------------------------------------------------------------------


async def export_person(tx: Transaction, user_key: str) -> dict[str, Any]:
    subs = await tx.fetch_all(
        "SELECT * FROM resource_submissions WHERE submitted_by = ? ORDER BY id", (user_key,)
    )
    added = await tx.fetch_all(
        "SELECT id, title, link, contact, added_at FROM resources WHERE added_by = ? ORDER BY id",
        (user_key,),
    )
    forms = await tx.fetch_all(
        """SELECT created_at, fields FROM resource_form_drafts WHERE user_key = ?
           ORDER BY created_at""",
        (user_key,),
    )
    return {
        "forms_being_fixed": [
            {"created_at": str(r["created_at"]), "typed": json.loads(str(r["fields"]))}
            for r in forms
        ],
        "submissions": [
            {
                "id": int(r["id"]),
                "submitted_at": str(r["submitted_at"]),
                "status": str(r["status"]),
                "reason": r["reason"],
                "entry": json.loads(str(r["draft_json"])),
            }
            for r in subs
        ],
        "entries_added": [dict(r) for r in added],
    }


async def delete_person(tx: Transaction, user_key: str) -> int:
    """Their submissions go; entries they added stay for everyone, no longer naming them."""
    count = await tx.execute("DELETE FROM resource_submissions WHERE submitted_by = ?", (user_key,))
    count += await tx.execute("DELETE FROM resource_form_drafts WHERE user_key = ?", (user_key,))
    count += await tx.execute(
        "UPDATE resources SET added_by = NULL WHERE added_by = ?", (user_key,)
    )
    count += await tx.execute(
        "UPDATE resource_submissions SET decided_by = NULL WHERE decided_by = ?", (user_key,)
    )
    return count


async def move_person(tx: Transaction, old_key: str, new_key: str) -> int:
    """Linked accounts: what one identity suggested, added or decided becomes the other's."""
    moved = await move_rows(tx, "resource_submissions", "submitted_by", old_key, new_key)
    moved += await move_rows(tx, "resource_submissions", "decided_by", old_key, new_key)
    moved += await move_rows(tx, "resource_form_drafts", "user_key", old_key, new_key)
    return moved + await move_rows(tx, "resources", "added_by", old_key, new_key)
