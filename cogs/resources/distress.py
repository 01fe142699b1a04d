"""Words in a search that suggest someone may be in distress, so a search never ends in a bare
"nothing found" for them: the answer leads with 000 and the /support lines.

Matching is deliberately wide (a word's start, or two words together): showing the lines to
someone who searched "harm reduction" costs nothing; missing someone who needed them does.
"""

from __future__ import annotations

from cogs.resources.query import words_of

#: Word starts that on their own suggest distress ("suicid" covers suicide and suicidal).
_STARTS = (
    "suicid",
    "selfharm",
    "overdos",
    "crisis",
    "crises",
    "emergenc",
    "danger",
    "unsafe",
    "harm",
    "despair",
    "hopeless",
    "distress",
    "panic",
    "abuse",
    "violence",
    "assault",
    "kill",
)
#: Pairs of words that say it together ("self harm", "end my life" as "end" then "life").
_PAIRS = (
    ("self", "harm"),
    ("self", "injur"),
    ("hurt", "myself"),
    ("end", "life"),
    ("want", "die"),
    ("wanna", "die"),
    ("not", "safe"),
    ("can", "cope"),  # cannot, can't (written cant here)
)


def in_distress(text: str) -> bool:
    """Whether a search's words suggest the person may need the crisis lines."""
    words = words_of(text.replace("-", "").replace("'", ""))  # self-harm, can't
    if any(word.startswith(start) for word in words for start in _STARTS):
        return True
    return any(
        any(w.startswith(first) for w in words) and any(w.startswith(second) for w in words)
        for first, second in _PAIRS
    )
