"""What a person types never reaches the full-text parser as syntax."""

from __future__ import annotations

import pytest

from bot.errors import UserError
from cogs.resources.query import NO_WORDS, match_all, match_any, query_words, words_of


def test_words_are_lower_case_once_each_in_order() -> None:
    assert words_of("Crisis crisis SUPPORT, lines!") == ["crisis", "support", "lines"]


def test_operators_and_symbols_are_dropped() -> None:
    assert words_of('"peer" AND NEAR(work*) -grief OR title:x') == [
        "peer",
        "work",
        "grief",
        "title",
        "x",
    ]


@pytest.mark.parametrize("text", ["", "   ", '"', "***", "- - -", "NEAR", "AND OR NOT", "(^)", "_"])
def test_no_words_is_a_clear_refusal(text: str) -> None:
    with pytest.raises(UserError) as raised:
        query_words(text)
    assert str(raised.value) == NO_WORDS


def test_a_long_query_is_refused_with_its_length() -> None:
    with pytest.raises(UserError, match="2000 characters long; the most is 200"):
        query_words("a" * 2000)


def test_match_expressions_quote_every_word_all_as_prefixes_any_as_whole_words() -> None:
    assert match_all(["peer", "work"]) == '("peer"* AND "work"*)'
    assert match_all(["peer"], column="title") == 'title : ("peer"*)'
    assert match_any(["peer", "work"]) == '("peer" OR "work")'
    assert match_any(["peer", "work"], column="title") == 'title : ("peer" OR "work")'
