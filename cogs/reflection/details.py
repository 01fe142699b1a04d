"""More details the de-identification check looks for: first names, ages, towns and suburbs,
hospitals and wards, dates, and rare details ("the only ... in town").

The lists of given names and of New South Wales places are data files in ``wordlists/``, one entry a
line, so anyone can add a name or a place without touching code. Like the rest of the check,
this is pure: it never stores, logs or sends the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

__all__ = [
    "ages",
    "dates",
    "first_names",
    "given_names",
    "hospitals",
    "only_ones",
    "places",
]

_DATA = Path(__file__).with_name("wordlists")
_EDGE_BEFORE = r"(?<![\w'’-])"
_EDGE_AFTER = r"(?![\w'’-])"


def _lines(name: str) -> list[str]:
    text = (_DATA / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


@cache
def given_names() -> frozenset[str]:
    """The common given names in ``wordlists/given_names.txt``."""
    return frozenset(_lines("given_names.txt"))


# --- first names -------------------------------------------------------------------------------

_WORD = re.compile(r"(?<![\w'’-])[A-Z][a-z]+(?![\w'’-])")


def first_names(text: str) -> Iterator[tuple[int, int]]:
    """A known given name as a whole capitalised word, wherever it stands (sentence starts
    too: "Priya said ..." names someone as much as "I told Priya")."""
    names = given_names()
    for match in _WORD.finditer(text):
        if match.group() in names:
            yield match.start(), match.end()


# --- ages --------------------------------------------------------------------------------------

_NUMBER_WORDS = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
    r"eighty|ninety)(?:[ -](?:one|two|three|four|five|six|seven|eight|nine))?"
)
_AGE_NUMBER = rf"(?:\d{{1,3}}|{_NUMBER_WORDS})"
_AGES = re.compile(
    rf"(?i){_EDGE_BEFORE}(?:"
    rf"aged?\s+(?:about\s+|around\s+)?{_AGE_NUMBER}"
    rf"|{_AGE_NUMBER}[ -]?(?:years?|yrs?|yo|y/o|y\.o\.)(?:[ -]old)?(?=\W|$)"
    rf"|{_AGE_NUMBER}[ -](?:month|week)s?[ -]old"
    r"|in\s+(?:his|her|their)\s+(?:early\s+|mid\s+|mid-|late\s+)?"
    r"(?:\d0s|\d0's|teens|twenties|thirties|forties|fifties|sixties|seventies|eighties|nineties)"
    r")"
)
# "5 years" alone is a length of time ("I have worked here 5 years"); an age says "old", or is
# written as "yo", "y/o", or comes after "aged".
_DURATION = re.compile(r"(?i)^\S+[ -](?:years?|yrs?)$")


def ages(text: str) -> Iterator[tuple[int, int]]:
    for match in _AGES.finditer(text):
        if not _DURATION.match(match.group()):
            yield match.start(), match.end()


# --- towns and suburbs -------------------------------------------------------------------------

_AFTER_PLACE_WORDS = r"(?:in|at|from|near|to|around|outside|out\s+of)\s+"


def _place_pattern(name: str) -> str:
    return r"\s+".join(re.escape(word) for word in name.split())


@cache
def _place_patterns() -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    plain: list[str] = []
    everyday: list[str] = []
    for line in _lines("nsw_places.txt"):
        (everyday if line.startswith("?") else plain).append(line.lstrip("?").strip())

    def alternation(names: list[str]) -> str:
        return "|".join(_place_pattern(n) for n in sorted(names, key=len, reverse=True))

    any_case = (
        re.compile(rf"(?i){_EDGE_BEFORE}(?:{alternation(plain)}){_EDGE_AFTER}") if plain else None
    )
    after_word = (
        re.compile(rf"(?i:{_AFTER_PLACE_WORDS})(?P<place>(?:{alternation(everyday)})){_EDGE_AFTER}")
        if everyday
        else None
    )
    return any_case, after_word


def places(text: str) -> Iterator[tuple[int, int]]:
    """A New South Wales town or suburb from ``wordlists/nsw_places.txt``."""
    any_case, after_word = _place_patterns()
    if any_case is not None:
        for match in any_case.finditer(text):
            yield match.start(), match.end()
    if after_word is not None:
        for match in after_word.finditer(text):
            yield match.start("place"), match.end("place")


# --- hospitals and wards -----------------------------------------------------------------------

# A ward by number or letter ("Ward 3B", "ward 12", "Bed 4 on ward C"), or a named ward ("the
# Banksia Ward", "Banksia ward", "Ward Banksia").
_WARD = re.compile(
    r"(?<![\w'’-])(?:(?i:ward|bed|room|pod)\s+(?:[0-9][0-9A-Za-z]*|[A-HJ-Z])(?![\w'’-])"
    r"|[A-Z][a-z]+\s+(?i:ward|unit)(?![\w'’-])"
    r"|Ward\s+[A-Z][a-z]+(?![\w'’-]))"
)
# A named hospital: capitalised words ending in "Hospital" and the like. Words that only say
# what sort of hospital it is do not name one ("the Base Hospital", "a Private Hospital").
_HOSPITAL = re.compile(
    r"(?:(?:St\.?|Saint)\s+)?(?:[A-Z][\w'’.-]*\s+){1,5}"
    r"(?:Hospital|Health\s+Campus|Health\s+Service|Clinic|Medical\s+Centre)(?![\w'’-])"
)
_NOT_A_HOSPITAL_NAME_WORDS = """
The A An This That Our My His Her Their Your Local Public Private General District Base
Mental Health Psychiatric Children's Childrens Womens Women's Community Regional Hospital
Medical Centre Day Rehab Rehabilitation Aged Care Emergency Department Unit Acute In Inpatient
At From To Near Main Big Small New Old
"""
_NOT_A_HOSPITAL_NAME = frozenset(_NOT_A_HOSPITAL_NAME_WORDS.split())
# A sort of unit that is not a place anyone could find ("a mental health unit").
_GENERIC_UNITS_WORDS = """
Health Care Acute Inpatient Mental Emergency Intensive Dementia Aged Rehab Mother Baby
Short Stay Assessment Psychiatric Secure Locked Open Closed Maternity Surgical Medical
Children's Kids Youth Adolescent Cardiac Cancer Renal Oncology Palliative Detox Recovery
Drug Alcohol Psych High Low Dependency General Older Peer Crisis Respite Day Night Each
Every Another Other Same Whole The A An This That Our My Their His Her Its
"""
_GENERIC_UNITS = frozenset(_GENERIC_UNITS_WORDS.split())


def hospitals(text: str) -> Iterator[tuple[int, int]]:
    for match in _HOSPITAL.finditer(text):
        words = list(re.finditer(r"\S+", match.group()))[:-1]
        # Drop the leading words that do not name it, so the excerpt is just the name.
        while words and words[0].group() in _NOT_A_HOSPITAL_NAME:
            words = words[1:]
        names = [w.group() for w in words if w.group().rstrip(".") not in {"St", "Saint"}]
        if words and any(w not in _NOT_A_HOSPITAL_NAME for w in names):
            yield match.start() + words[0].start(), match.end()
    for match in _WARD.finditer(text):
        if match.group().split()[0] in _GENERIC_UNITS:
            continue
        yield match.start(), match.end()


# --- dates -------------------------------------------------------------------------------------

_MONTHS = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?)"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_DATES = re.compile(
    r"(?<![\w/.-])(?:"
    r"\d{4}-\d{1,2}-\d{1,2}"
    r"|(?:[12]\d|3[01]|0?[1-9])[/.-](?:1[0-2]|0?[1-9])[/.-](?:\d{4}|\d{2})"
    rf"|{_DAY}\s+(?:of\s+)?{_MONTHS}(?:,?\s+\d{{4}})?"
    rf"|{_MONTHS}\s+{_DAY}(?:,?\s+\d{{4}})?"
    r"|on\s+the\s+(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)"
    r"|the\s+(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)\s+of\s+(?:this|last|next)\s+month"
    r")(?![\w/-])"
)


def dates(text: str) -> Iterator[tuple[int, int]]:
    """A day of the month: "3 March", "March 3rd", "3/4/24", "on the 14th"."""
    for match in _DATES.finditer(text):
        yield match.start(), match.end()


# --- rare details ------------------------------------------------------------------------------

_SMALL_PLACES = (
    r"(?:town|village|area|suburb|street|region|district|valley|shire|island|community|school|"
    r"ward|unit|hospital|postcode|estate|block|building|county|state|"
    r"whole\s+(?:town|area|region|district|community))"
)
# "the only Samoan family in town", "the only trans man at the school", "the only one in
# Goulburn who ...". Up to six words between "only" and the place.
_ONLY = re.compile(
    r"(?i)(?<![\w'’-])(?:the|an?)\s+only\s+(?:[\w'’-]+\s+){1,6}?"
    rf"(?:in|at|on|around|from|for|across|within|of)\s+(?:(?:the|this|our|my|their|that)\s+)?"
    rf"(?:{_SMALL_PLACES}|(?-i:[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?))(?![\w'’-])"
    r"|(?<![\w'’-])(?:everyone|everybody|the\s+whole\s+town)\s+(?:in\s+town\s+)?knows\s+"
    r"(?:him|her|them|who)(?![\w'’-])"
)


# Capitalised words after "the only ... in" that are times, not places.
_NOT_PLACES_WORDS = """
Christmas Easter January February March April May June July August September October
November December Monday Tuesday Wednesday Thursday Friday Saturday Sunday The This
"""
_NOT_PLACES = frozenset(_NOT_PLACES_WORDS.split())


def only_ones(text: str) -> Iterator[tuple[int, int]]:
    for match in _ONLY.finditer(text):
        if match.group().split()[-1] not in _NOT_PLACES:
            yield match.start(), match.end()
