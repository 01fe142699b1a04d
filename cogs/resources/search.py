"""Finding entries: ranked full-text search with a fuzzy fallback for typos, and title
autocomplete fast enough to answer every keystroke.

The fuzzy fallback needs every indexed word and title in memory; those are read once and kept
until the library changes (a write here, or another connection's write, seen through SQLite's
``data_version``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

from bot.storage import Database
from cogs.resources import repository as repo
from cogs.resources.models import Filters, Page, Resource
from cogs.resources.query import match_all, match_any, query_words, words_of

PAGE_SIZE = 5
AUTOCOMPLETE_MAX = 25  # Discord's limit on autocomplete choices
WORD_CUTOFF = 75  # how alike a typed word and an indexed word must be (0 to 100)
TITLE_CUTOFF = 70
MIN_FUZZY_WORD = 4  # shorter words have too many near neighbours to guess from


@dataclass
class _Memory:
    version: tuple[int, int, dt.date]
    vocabulary: list[str]
    corpus: list[tuple[int, int | None, str, str]]


class Finder:
    """Search and autocomplete over the library, for the entries a person may see."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._writes = 0
        self._memory: _Memory | None = None

    def changed(self) -> None:
        """Call after any write to the library, so the fuzzy fallback sees it."""
        self._writes += 1

    async def _remembered(self, today: dt.date) -> _Memory:
        version = (self._writes, int(await self.db.pragma("data_version")), today)
        if self._memory is None or self._memory.version != version:
            async with self.db.reading() as tx:
                # Numbers and very short words are never worth correcting a typo towards.
                vocabulary = [
                    t for t in await repo.vocabulary(tx) if len(t) >= 3 and not t.isdigit()
                ]
                corpus = await repo.title_corpus(tx, today)
            self._memory = _Memory(version, vocabulary, corpus)
        return self._memory

    # ---- search -----------------------------------------------------------------------------

    async def search(
        self,
        text: str,
        filters: Filters,
        networks: Sequence[int],
        today: dt.date,
        page: int = 0,
    ) -> Page:
        """Every word (as a word start), else any word, else the words corrected for typos,
        else titles that look alike. An empty page when nothing is close."""
        words = query_words(text)
        offset = page * PAGE_SIZE
        matches = [match_all(words)] + ([match_any(words)] if len(words) > 1 else [])
        async with self.db.reading() as tx:
            for match in matches:
                found, total = await repo.search(
                    tx, match, networks, filters, today, limit=PAGE_SIZE, offset=offset
                )
                if total:
                    return make_page(found, total, page)
        return await self._fuzzy(words, filters, networks, today, page)

    async def _fuzzy(
        self,
        words: list[str],
        filters: Filters,
        networks: Sequence[int],
        today: dt.date,
        page: int,
    ) -> Page:
        memory = await self._remembered(today)
        corrected = []
        for word in words:
            if len(word) < MIN_FUZZY_WORD:
                continue
            best = process.extractOne(
                word, memory.vocabulary, scorer=fuzz.ratio, score_cutoff=WORD_CUTOFF
            )
            if best is not None:
                corrected.append(str(best[0]))
        offset = page * PAGE_SIZE
        if corrected:
            async with self.db.reading() as tx:
                found, total = await repo.search(
                    tx,
                    match_any(corrected),
                    networks,
                    filters,
                    today,
                    limit=PAGE_SIZE,
                    offset=offset,
                )
            if total:
                return make_page(found, total, page, fuzzy=True)
        ids = self._alike_titles(" ".join(words), memory, networks, limit=PAGE_SIZE * 10)
        async with self.db.reading() as tx:
            candidates = await repo.by_ids(tx, ids)
        kept = [r for r in candidates if _passes(r, filters)]
        return make_page(kept[offset : offset + PAGE_SIZE], len(kept), page, fuzzy=True)

    @staticmethod
    def _alike_titles(
        text: str, memory: _Memory, networks: Sequence[int], *, limit: int
    ) -> list[int]:
        allowed = set(networks)
        pool = {
            rid: text
            for rid, network, _, text in memory.corpus
            if network is None or network in allowed
        }
        best = process.extract(
            text,
            pool,
            scorer=fuzz.WRatio,
            processor=utils.default_process,
            score_cutoff=TITLE_CUTOFF,
            limit=limit,
        )
        return [int(key) for _, _, key in best]

    # ---- autocomplete -----------------------------------------------------------------------

    async def complete(
        self, partial: str, networks: Sequence[int], today: dt.date
    ) -> list[tuple[int, str]]:
        """Up to 25 (id, title) for what has been typed so far: titles starting with it, then
        titles containing words starting as typed, then titles that look alike."""
        text = partial.strip()[:100]
        words = words_of(text)
        async with self.db.reading() as tx:
            found = await repo.titles_starting(tx, text, networks, today, AUTOCOMPLETE_MAX)
            if len(found) < AUTOCOMPLETE_MAX and words:
                more = await repo.titles_matching(
                    tx, match_all(words, column="title"), networks, today, AUTOCOMPLETE_MAX
                )
                seen = {rid for rid, _ in found}
                found += [(rid, t) for rid, t in more if rid not in seen]
        if not found and words and len(text) >= MIN_FUZZY_WORD:
            memory = await self._remembered(today)
            ids = self._alike_titles(text, memory, networks, limit=AUTOCOMPLETE_MAX)
            titles = {rid: title for rid, _, title, _ in memory.corpus}
            found = [(rid, titles[rid]) for rid in ids]
        return found[:AUTOCOMPLETE_MAX]


def _passes(resource: Resource, filters: Filters) -> bool:
    if filters.area is not None and resource.area is not filters.area:
        return False
    if filters.type is not None and resource.type is not filters.type:
        return False
    return filters.region is None or resource.region.value in (filters.region.value, "national")


def make_page(found: list[Resource], total: int, page: int, *, fuzzy: bool = False) -> Page:
    pages = max(1, -(-total // PAGE_SIZE))
    return Page(results=found, total=total, page=page, pages=pages, fuzzy=fuzzy)
