"""Turning what a person typed into a full-text (FTS5) MATCH expression that is never FTS syntax.

Only the words are kept: each is written as a quoted string with ``*`` for a prefix match, so
quotes, ``*``, ``-``, ``NEAR`` or ``column:`` in the text can never reach the FTS parser.
"""

from __future__ import annotations

import re

from bot.errors import UserError
from cogs.resources.models import QUERY_MAX

_WORD = re.compile(r"\w+", re.UNICODE)
# FTS5's own operators: as words on their own they mean nothing to a person searching.
_OPERATORS = frozenset({"AND", "OR", "NOT", "NEAR"})
MAX_WORDS = 12

NO_WORDS = (
    "Your search has no words to look for: it was empty, or only punctuation or search "
    "symbols. Type one or more words, like: crisis, supervision or template."
)


def words_of(text: str) -> list[str]:
    """The searchable words, lower case, each once, in order; operators and '_' dropped."""
    found: list[str] = []
    for match in _WORD.finditer(text):
        word = match.group().strip("_")
        if not word or word in _OPERATORS:
            continue
        lowered = word.lower()
        if lowered not in found:
            found.append(lowered)
    return found[:MAX_WORDS]


def query_words(text: str) -> list[str]:
    """The words of a search, or a clear refusal for one too long or with none."""
    if len(text) > QUERY_MAX:
        raise UserError(
            f"Your search is {len(text)} characters long; the most is {QUERY_MAX}. "
            "Use a few words that would be in the title or summary."
        )
    words = words_of(text)
    if not words:
        raise UserError(NO_WORDS)
    return words


def quoted(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def match_all(words: list[str], *, column: str | None = None) -> str:
    """Every word must appear (as the start of a word)."""
    prefix = f"{column} : " if column else ""
    return prefix + "(" + " AND ".join(quoted(w) + "*" for w in words) + ")"


def match_any(words: list[str], *, column: str | None = None) -> str:
    """At least one word must appear, as a whole word (after stemming). This is the looser
    search, used only when no entry has every word, so each word must count for more: as a
    word start "care" would also find "carers", and "self care" would list carers' services."""
    prefix = f"{column} : " if column else ""
    return prefix + "(" + " OR ".join(quoted(w) for w in words) + ")"
