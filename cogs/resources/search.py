"""Finding entries: ranked full-text search, a "did you mean" for typos, and title
autocomplete fast enough to answer every keystroke.

Typos are corrected towards the words of the library as written (not their stems), and only
to a word that is close: the same first letter and one edit away (two for long words), a
swap of two letters counting as one. A correction is offered only when the corrected query
finds entries with every word, so "youth" is never taken for "south", nor "care" for "area".
The words are read once and kept until the library changes (a write here, or another
connection's write, seen through SQLite's ``data_version``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.storage import Database
from cogs.resources import repository as repo
from cogs.resources.models import Filters, Page, Resource
from cogs.resources.query import match_all, match_any, query_words, words_of

PAGE_SIZE = 5
AUTOCOMPLETE_MAX = 25  # Discord's limit on autocomplete choices
MIN_FUZZY_WORD = 4  # shorter words have too many near neighbours to guess from
LONG_WORD = 8  # from this length a word may be two edits from the one meant
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
#: Common words a search is never corrected to: they say nothing about what is wanted
#: ("form" is not "from").
# fmt: off
STOP_WORDS = frozenset((
    "about", "above", "across", "after", "also", "among", "been", "before", "being", "both",
    "does", "each", "even", "every", "from", "have", "here", "into", "just", "like", "many",
    "more", "most", "much", "must", "only", "other", "over", "same", "some", "such", "than",
    "that", "their", "them", "then", "there", "these", "they", "this", "those", "through",
    "under", "until", "upon", "very", "were", "what", "when", "where", "which", "while", "will",
    "with", "within", "without", "would", "your", "yours",
))
# fmt: on


@dataclass
class _Memory:
    version: tuple[int, int, dt.date]
    #: Every word of the live entries.
    known: set[str]
    #: The words a typo may be corrected to (not short ones: "form" is not "for"), by first
    #: letter, with how often each is used.
    words: dict[str, dict[str, int]]


def edits_allowed(word: str) -> int:
    """How many edits a typed word may be from the word meant: none for short words."""
    if len(word) < MIN_FUZZY_WORD or not word.isalpha():
        return 0
    return 1 if len(word) < LONG_WORD else 2


class Finder:
    """Search and autocomplete over the library, for the entries a person may see."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._writes = 0
        self._memory: _Memory | None = None

    def changed(self) -> None:
        """Call after any write to the library, so corrections see it."""
        self._writes += 1

    async def _remembered(self, today: dt.date) -> _Memory:
        version = (self._writes, int(await self.db.pragma("data_version")), today)
        if self._memory is None or self._memory.version != version:
            async with self.db.reading() as tx:
                texts = await repo.live_text(tx, today)
            counts: Counter[str] = Counter()
            for text in texts:
                counts.update(_WORD.findall(text.lower()))
            words: dict[str, dict[str, int]] = {}
            for word, count in counts.items():
                if len(word) >= MIN_FUZZY_WORD and word.isalpha() and word not in STOP_WORDS:
                    words.setdefault(word[0], {})[word] = count
            self._memory = _Memory(version, set(counts), words)
        return self._memory

    async def correct(self, word: str, today: dt.date) -> str | None:
        """The library's word closest to a typed one (itself when the library has it), or
        None when none is close enough to be the word meant."""
        memory = await self._remembered(today)
        if word in memory.known:
            return word
        known = memory.words.get(word[:1], {})
        limit = edits_allowed(word)
        if not limit or not known:
            return None
        found = process.extract(
            word, list(known), scorer=OSA.distance, score_cutoff=limit, limit=None
        )
        if not found:
            return None
        # The fewest edits, then the word the library uses most, then the alphabet.
        best = min(found, key=lambda hit: (hit[1], -known[str(hit[0])], str(hit[0])))
        return str(best[0])

    async def corrected(self, words: list[str], today: dt.date) -> list[str] | None:
        """Every word corrected (or kept when known), or None when one cannot be."""
        fixed = []
        for word in words:
            better = await self.correct(word, today)
            if better is None:
                return None
            fixed.append(better)
        return fixed if fixed != words else None

    # ---- search -----------------------------------------------------------------------------

    async def search(
        self,
        text: str,
        filters: Filters,
        networks: Sequence[int],
        today: dt.date,
        page: int = 0,
    ) -> Page:
        """Every word (as a word start), else any word. When not every word matched, a
        suggestion too: the query with its typos corrected, if that finds entries with every
        word (an empty page and a suggestion, when nothing matched at all)."""
        words = query_words(text)
        offset = page * PAGE_SIZE
        matches = [(match_all(words), match_all(words, column="title"))]
        if len(words) > 1:
            matches.append((match_any(words), match_any(words, column="title")))
        found_some: tuple[list[Resource], int] | None = None
        async with self.db.reading() as tx:
            for number, (match, in_title) in enumerate(matches):
                found, total = await repo.search(
                    tx,
                    match,
                    networks,
                    filters,
                    today,
                    limit=PAGE_SIZE,
                    offset=offset,
                    in_title=in_title,
                    first_word=words[0],
                )
                if total and number == 0:
                    return make_page(found, total, page)
                if total:
                    found_some = (found, total)
        suggestion = await self.suggest(words, filters, networks, today)
        if found_some is not None:
            return make_page(*found_some, page, suggestion=suggestion)
        return make_page([], 0, page, suggestion=suggestion)

    async def suggest(
        self, words: list[str], filters: Filters, networks: Sequence[int], today: dt.date
    ) -> str | None:
        """The corrected query, when every word has a close correction and together they
        find at least one entry this person may see with these filters."""
        fixed = await self.corrected(words, today)
        if fixed is None:
            return None
        async with self.db.reading() as tx:
            _, total = await repo.search(
                tx, match_all(fixed), networks, filters, today, limit=1, offset=0
            )
        return " ".join(fixed) if total else None

    # ---- autocomplete -----------------------------------------------------------------------

    async def complete(
        self, partial: str, networks: Sequence[int], today: dt.date
    ) -> list[tuple[int, str]]:
        """Up to 25 (id, title) for what has been typed so far: titles starting with it, then
        titles containing words starting as typed, then titles with the typos corrected."""
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
        if not found and words:
            fixed = await self.corrected(words, today)
            if fixed is not None:
                async with self.db.reading() as tx:
                    found = await repo.titles_matching(
                        tx, match_all(fixed, column="title"), networks, today, AUTOCOMPLETE_MAX
                    )
        return found[:AUTOCOMPLETE_MAX]


def make_page(
    found: list[Resource], total: int, page: int, *, suggestion: str | None = None
) -> Page:
    pages = max(1, -(-total // PAGE_SIZE))
    return Page(results=found, total=total, page=page, pages=pages, suggestion=suggestion)
