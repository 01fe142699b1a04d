"""A de-identification check for co-reflection posts.

Before a post goes into a reflection thread, ``find_identifiers`` looks for details that could let
a stranger work out who someone is (../shared/DOMAIN.md, Co-reflection): phone numbers, email
addresses, Medicare numbers, street addresses (capitalised or not), dates of birth, capitalised
full names, a surname after a title ("Mrs Nguyen", "Dr Smith"), a name after "named" or
"called" ("a man called Tom"), and (in ``details``) common first names, ages, New South Wales
towns and suburbs, hospitals and wards, days of the month and rare details ("the only ... in
town"). No check can catch everything, and ``summary`` says so.
``summary`` turns the findings into a plain message for the person posting.

This is a heuristic that errs on the side of asking: a false alarm costs one click ("post
anyway"), a miss can identify a person someone supports. It is pure: the text is never stored,
logged or sent anywhere, and nothing here keeps state between calls.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from cogs.reflection import details
from cogs.reflection.details import given_names

__all__ = [
    "CANNOT_CATCH_ALL",
    "KINDS",
    "Finding",
    "find_identifiers",
    "medicare_check_digit_ok",
    "summary",
]

PHONE = "phone number"
EMAIL = "email address"
MEDICARE = "Medicare number"
ADDRESS = "street address"
DOB = "date of birth"
NAME = "full name"
TITLED = "name with a title"
CALLED = "name"
FIRST_NAME = "first name"
AGE = "age"
PLACE = "town or suburb"
HOSPITAL = "hospital or ward"
DATE = "date"
ONLY = "detail only one person fits"

KINDS: tuple[str, ...] = (
    PHONE,
    EMAIL,
    MEDICARE,
    ADDRESS,
    DOB,
    NAME,
    TITLED,
    CALLED,
    FIRST_NAME,
    AGE,
    PLACE,
    HOSPITAL,
    DATE,
    ONLY,
)

#: Said every time the check speaks, because it is true: a heuristic misses things.
CANNOT_CATCH_ALL = (
    "This check cannot catch everything: read your post once more for anything a stranger "
    "could use."
)


@dataclass(frozen=True)
class Finding:
    """One detail that could identify someone: ``text[start:end] == excerpt``."""

    kind: str
    excerpt: str
    start: int
    end: int


# --- email addresses -------------------------------------------------------------------------

_EMAIL = re.compile(r"(?<![\w.%+-])[\w.%+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?![\w-])")

# --- Medicare numbers --------------------------------------------------------------------------
# 10 digits (first 2 to 6), usually grouped 4-5-1, optionally followed by a 1-digit issue number.

_MEDICARE = re.compile(r"(?<![\w+])([2-6]\d{3})[ -]?(\d{5})[ -]?(\d)(?:(?:[ /-])?([1-9]))?(?![\w])")
_MEDICARE_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9)


def medicare_check_digit_ok(number: str) -> bool:
    """True when the digits of ``number`` (at least 9) pass the Medicare check digit.

    The first 8 digits, weighted 1, 3, 7, 9, 1, 3, 7, 9, summed, mod 10, equal the 9th.
    """
    digits = [int(c) for c in number if c.isdigit()]
    if len(digits) < 9:
        return False
    total = sum(d * w for d, w in zip(digits[:8], _MEDICARE_WEIGHTS, strict=True))
    return total % 10 == digits[8]


# --- phone numbers -----------------------------------------------------------------------------
# Anything phone-like: 8 to 15 digits with single spaces, hyphens or brackets between them, with
# an optional leading "+". Mobiles, landlines, 13/1300/1800 numbers and +61 numbers all match.

_PHONE = re.compile(r"(?<![\w+])\+?\(?\d(?:\)?[ -]?\(?\d){7,14}(?!\w)")

# Published support and crisis lines (DOMAIN.md): sharing one identifies nobody. Six-digit 13
# numbers (13 11 14) are too short to look like a phone number anyway.
_PUBLIC_LINES = frozenset(
    {
        "0477131114",  # Lifeline text
        "1300659467",  # Suicide Call Back Service
        "1300224636",  # Beyond Blue
        "1800011511",  # NSW Mental Health Line
        "1300789978",  # MensLine Australia
        "1800551800",  # Kids Helpline
        "1800737732",  # 1800RESPECT
        "1800184527",  # QLife
    }
)

# --- dates of birth ----------------------------------------------------------------------------

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_DATE = (
    r"(?:\d{4}-\d{1,2}-\d{1,2}"
    r"|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\.?,?\s+\d{{4}}"
    rf"|{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|{_MONTH}\.?,?\s+\d{{4}}"
    r"|(?:19|20)\d{2})(?!\w)"
)
_DOB = re.compile(
    rf"(?i)\b(?:D\.?O\.?B\.?|date\s+of\s+birth|birth\s*date|born(?:\s+(?:on|in))?)"
    rf"\s*(?:is\s+|was\s+)?[:\-]?\s*(?:the\s+)?{_DATE}"
)

# --- street addresses --------------------------------------------------------------------------

_STREET_TYPES = (
    "Street",
    "St",
    "Road",
    "Rd",
    "Avenue",
    "Ave",
    "Drive",
    "Dr",
    "Lane",
    "Ln",
    "Court",
    "Ct",
    "Crescent",
    "Cres",
    "Place",
    "Pl",
    "Parade",
    "Pde",
    "Highway",
    "Hwy",
    "Way",
    "Boulevard",
    "Blvd",
    "Close",
    "Circuit",
    "Cct",
    "Terrace",
    "Tce",
    "Grove",
    "Square",
    "Esplanade",
    "Esp",
)
_ADDRESS = re.compile(
    r"(?<![\w/])(?:(?:Unit|Apt|Flat|Shop)\s+)?(?:\d{1,5}[A-Za-z]?\s?/\s?)?\d{1,5}[A-Za-z]?"
    r"(?:\s*-\s*\d{1,5})?\s+(?:[A-Z][A-Za-z'’-]*\s+){1,3}"
    rf"(?:{'|'.join(_STREET_TYPES)})(?![\w'’-])"
)

# Street addresses typed in lower case ("12 smith st"). Any word can sit before the street type
# here, so the words that make everyday phrases ("a 10 minute drive", "a 2 lane road") rule a
# match out: units of time and distance, counted things, and street types themselves.
_ADDRESS_ANY_CASE = re.compile(
    r"(?i)(?<![\w/])(?:(?:unit|apt|flat|shop)\s+)?(?:\d{1,5}[a-z]?\s?/\s?)?\d{1,5}[a-z]?"
    r"(?:\s*-\s*\d{1,5})?\s+((?:[a-z][a-z'’-]*\s+){1,3})"
    rf"(?:{'|'.join(_STREET_TYPES)})(?![\w'’-])"
)
_EVERYDAY_WORDS = """
second seconds sec secs minute minutes min mins hour hours hr hrs day days week weeks
month months year years yr yrs night nights time times km kms k metre metres meter meters
m mile miles block blocks kilometre kilometres step steps people person of the a an and or
to in on at by for from with my our his her their your its this that more other few many
very big small long short hard easy good bad new extra
"""
_NOT_STREET_NAME_WORDS = frozenset(_EVERYDAY_WORDS.split()) | frozenset(
    t.lower() for t in _STREET_TYPES
)


def _lower_case_addresses(text: str) -> Iterator[tuple[int, int]]:
    for match in _ADDRESS_ANY_CASE.finditer(text):
        words = match.group(1).lower().split()
        if not any(word in _NOT_STREET_NAME_WORDS for word in words):
            yield match.start(), match.end()


# --- full names --------------------------------------------------------------------------------
# Capitalised words such as Jane, McDonald, O'Brien, Smith-Jones.

_CAP_WORD = re.compile(r"(?<![\w'’-])[A-Z][a-z]{0,2}(?:['’]?[A-Z])?[a-z]+(?:-[A-Z][a-z]+)?(?!\w)")

# Capitalised words that are not names. Short on purpose: a run containing one of these is split
# there, so "Dr Jane Citizen" still flags "Jane Citizen".
_NOT_NAME_WORDS = """
Monday Tuesday Wednesday Thursday Friday Saturday Sunday
January February March April May June July August September October November December
Mon Tue Wed Thu Fri Sat Sun Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec
Today Tomorrow Yesterday Christmas Easter Anzac Day New Year Years Eve Holiday Holidays
Mr Mrs Ms Miss Mx Dr Prof Professor Sister Nurse Doctor Dear Hi Hello Thanks Regards Cheers
Mum Mom Dad Mother Father Nan Nana Nanna Grandma Grandpa Pop Aunty Auntie Uncle Triple Zero
The This That These Those There Then They Their When Where What Why How Who Which While
After Before During Also And But Or So If My Our Your His Her We He She It Its Not No Yes
Peer Peers Worker Workers Work Team Leader Leaders Manager Managers Coordinator Supervisor
Supervision Director Executive Member Members Admin Staff Clinical Clinician Clinicians Case
Consumer Carer Carers Lived Experience Recovery Support Practice Reflection Reflective
Mental Health Emergency Department Hospital Ward Unit Service Services Centre Center
Community Network Networks Group Groups Program Programs Programme Teams Meeting
Lifeline Beyond Blue Headspace Kids Helpline Line Suicide Call Back MensLine QLife Respect
Police Ambulance Medicare Centrelink Government Ministry Local District
Australia Australian New South Wales Queensland Victoria Tasmania Western Northern Territory
Sydney Melbourne Brisbane Perth Adelaide Hobart Darwin Canberra Wollongong Nowra Goulburn
Illawarra Shoalhaven Southern Tablelands Coast Eastern North East West
Aboriginal Torres Strait Islander Islanders First Nations Indigenous
Zoom Discord Google Microsoft Outlook Facebook Slack English God
Act Policy Plan Care Safety Wellbeing Check Form Week Month Year Quarter
"""
_NOT_NAMES = frozenset(_NOT_NAME_WORDS.split()) | frozenset(_STREET_TYPES)

_SENTENCE_END = frozenset(".!?\n:;•*-–—")
_OPENERS = " \t\"'“‘(["


def _at_sentence_start(text: str, start: int) -> bool:
    before = text[:start].rstrip(_OPENERS)
    return not before or before[-1] in _SENTENCE_END


def _cap_runs(text: str) -> Iterator[list[re.Match[str]]]:
    """Runs of capitalised words separated by single spaces."""
    run: list[re.Match[str]] = []
    for match in _CAP_WORD.finditer(text):
        if run and text[run[-1].end() : match.start()] != " ":
            yield run
            run = []
        run.append(match)
    if run:
        yield run


def _names(text: str) -> Iterator[tuple[int, int]]:
    for run in _cap_runs(text):
        # At a sentence start the first word is capitalised anyway, unless it is a known name.
        first = run[0]
        skip = _at_sentence_start(text, first.start()) and first.group() not in given_names()
        words = run[1:] if skip else run
        part: list[re.Match[str]] = []
        for match in [*words, None]:
            if match is not None and match.group() not in _NOT_NAMES:
                part.append(match)
                continue
            # Two or three words look like a name; four or more like a title or heading.
            if 2 <= len(part) <= 3:
                yield part[0].start(), part[-1].end()
            part = []


# A surname after a title: "Mrs Nguyen", "Dr Smith", "mr O'Brien". One capitalised word, not a
# word that is never a name; a title before a full name ("Dr Jane Citizen") is left to the
# full-name check, which names the person without the title.
_TITLES = (
    r"(?:Mr|Mrs|Ms|Mx|Dr|Prof|mr|mrs|ms|mx|dr|prof)\.?"
    r"|Miss|Professor|Sister|Nurse|Doctor|Aunty|Auntie|Uncle|Father|Fr|Pastor|Rev|Sir|Dame"
)
_TITLED = re.compile(rf"(?<![\w'’-])(?:{_TITLES})\s+({_CAP_WORD.pattern})(?!\s+[A-Z][a-z])")
# A name someone is given in the text: "named Tom", "called Tom", "his name is Tom".
_CALLED = re.compile(
    r"(?<![\w'’-])(?i:named|called|calls\s+(?:himself|herself|themselves)|known\s+as|"
    r"goes\s+by|(?:her|his|their)\s+name\s+(?:is|was))\s+"
    rf"({_CAP_WORD.pattern}(?:\s+{_CAP_WORD.pattern}){{0,2}})"
)


def _titled(text: str) -> Iterator[tuple[int, int]]:
    for match in _TITLED.finditer(text):
        if match.group(1) not in _NOT_NAMES:
            yield match.start(), match.end()


def _called(text: str) -> Iterator[tuple[int, int]]:
    for match in _CALLED.finditer(text):
        if match.group(1).split()[0] not in _NOT_NAMES:
            yield match.start(), match.end()


def _spans(text: str) -> Iterator[tuple[str, int, int]]:
    """Candidate spans, most specific kind first."""
    for m in _EMAIL.finditer(text):
        yield EMAIL, m.start(), m.end()
    for m in _MEDICARE.finditer(text):
        if medicare_check_digit_ok(m.group()):
            yield MEDICARE, m.start(), m.end()
    for m in _DOB.finditer(text):
        yield DOB, m.start(), m.end()
    for m in _ADDRESS.finditer(text):
        yield ADDRESS, m.start(), m.end()
    for start, end in _lower_case_addresses(text):
        yield ADDRESS, start, end
    for m in _PHONE.finditer(text):
        digits = "".join(c for c in m.group() if c.isdigit())
        if digits not in _PUBLIC_LINES:
            yield PHONE, m.start(), m.end()
    for start, end in details.only_ones(text):
        yield ONLY, start, end
    for start, end in details.hospitals(text):
        yield HOSPITAL, start, end
    for start, end in details.dates(text):
        yield DATE, start, end
    for start, end in details.ages(text):
        yield AGE, start, end
    for start, end in details.places(text):
        yield PLACE, start, end
    for start, end in _called(text):
        yield CALLED, start, end
    for start, end in _names(text):
        yield NAME, start, end
    for start, end in _titled(text):
        yield TITLED, start, end
    for start, end in details.first_names(text):
        yield FIRST_NAME, start, end


def find_identifiers(text: str) -> list[Finding]:
    """Details in ``text`` that could identify someone, in order of position.

    Spans never overlap: where two kinds match the same characters, the more specific kind
    (email, Medicare, date of birth, street address, phone, a rare detail, hospital or ward,
    date, age, town or suburb, a name after "called", full name, a surname after a title, a
    first name, in that order) wins.
    """
    taken: list[tuple[int, int]] = []
    found: list[Finding] = []
    for kind, start, end in _spans(text):
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            continue
        taken.append((start, end))
        found.append(Finding(kind, text[start:end], start, end))
    found.sort(key=lambda f: f.start)
    return found


def _with_article(kind: str) -> str:
    return f"an {kind}" if kind[0].lower() in "aeiou" else f"a {kind}"


def _join(parts: Sequence[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} and {parts[-1]}"


def summary(findings: Iterable[Finding]) -> str:
    """A plain message naming what was found, for the person posting; "" when nothing was.

    The message quotes each excerpt so the person can see what to edit, so show it only to them.
    """
    parts = [f"{_with_article(f.kind)} ({f.excerpt})" for f in findings]
    if not parts:
        return ""
    return (
        f"It looks like this contains {_join(parts)}. "
        "A stranger could use details like these to work out who someone is. "
        "Edit them out, or post anyway if you are sure. " + CANNOT_CATCH_ALL
    )
