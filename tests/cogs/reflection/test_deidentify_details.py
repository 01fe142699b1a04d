"""The check's newer kinds (first names, ages, places, hospitals and wards, dates, rare details),
each caught where it should be and quiet on the everyday words that look like them."""

from __future__ import annotations

import pytest

from cogs.reflection.deidentify import Finding, find_identifiers, summary
from cogs.reflection.details import given_names


def only(text: str) -> Finding:
    findings = find_identifiers(text)
    assert len(findings) == 1, findings
    return findings[0]


@pytest.mark.parametrize(
    ("text", "kind", "excerpt"),
    [
        # first names, mid-sentence and at a sentence start
        ("I sat with Priya for an hour.", "first name", "Priya"),
        ("Priya said it had been a hard week.", "first name", "Priya"),
        ("Afterwards. Jess rang me back.", "first name", "Jess"),
        ("Hamish did not turn up.", "first name", "Hamish"),
        # titles with names
        ("Dr Nguyen changed the plan.", "name with a title", "Dr Nguyen"),
        ("Aunty Margaret came along.", "name with a title", "Aunty Margaret"),
        # ages
        ("She is aged 34 and has two kids.", "age", "aged 34"),
        ("He is a 17 year old at school.", "age", "17 year old"),
        ("A 17-year-old walked in.", "age", "17-year-old"),
        ("the client, 52yo, was upset", "age", "52yo"),
        ("a woman in her late 40s", "age", "in her late 40s"),
        ("his son is twelve years old", "age", "twelve years old"),
        # towns and suburbs, in any case
        ("We met at a cafe in Dapto.", "town or suburb", "Dapto"),
        ("she moved to moss vale last year", "town or suburb", "moss vale"),
        ("He drove up from Wagga Wagga.", "town or suburb", "Wagga Wagga"),
        ("They grew up in Orange.", "town or suburb", "Orange"),
        ("Batemans Bay was where it happened.", "town or suburb", "Batemans Bay"),
        # hospitals and wards
        ("She was on Ward 3B for a week.", "hospital or ward", "Ward 3B"),
        ("he was moved to ward 12", "hospital or ward", "ward 12"),
        (
            "They took him to Shoalhaven District Memorial Hospital.",
            "hospital or ward",
            "Shoalhaven District Memorial Hospital",
        ),
        ("I visited St Vincent's Hospital.", "hospital or ward", "St Vincent's Hospital"),
        ("She stayed in the Banksia Ward.", "hospital or ward", "Banksia Ward"),
        # dates
        ("It happened on 3 March.", "date", "3 March"),
        ("We met March 3rd.", "date", "March 3rd"),
        ("The letter came 4/11/24.", "date", "4/11/24"),
        ("It was on the 14th.", "date", "on the 14th"),
        # rare details
        (
            "They are the only Samoan family in town.",
            "detail only one person fits",
            "the only Samoan family in town",
        ),
        (
            "He is the only trans man at the school.",
            "detail only one person fits",
            "the only trans man at the school",
        ),
        (
            "I am the only one in Gundaroo who does this.",
            "detail only one person fits",
            "the only one in Gundaroo",
        ),
        (
            "You know, everyone in town knows her.",
            "detail only one person fits",
            "everyone in town knows her",
        ),
    ],
)
def test_each_new_kind_is_caught(text: str, kind: str, excerpt: str) -> None:
    finding = only(text)
    start = text.index(excerpt)
    assert finding == Finding(kind, excerpt, start, start + len(excerpt))


@pytest.mark.parametrize(
    "text",
    [
        # given names that are everyday words are not on the list
        "Will you be there? May I ask something?",
        "Grace and hope got me through. Mark my words.",
        "Frank talk helps. Summer was hard. Rose early.",
        "I felt joy and some hope.",
        # ages: a length of time is not an age, and neither is aged care
        "I have been a peer worker for 5 years.",
        "After twenty years in aged care I moved on.",
        "It took 3 years and a lot of patience.",
        "in my twenties I did not know any of this",
        # places that are everyday words, not after "in", "at", "from"
        "Young people often ask about this.",
        "Orange is my favourite colour, and hay fever is back.",
        "She has auburn hair and a mascot on her bag.",
        "Gunning for a promotion is not my style.",
        # the big cities hold too many people to point at anyone
        "I work in Sydney and sometimes in Wollongong or Newcastle.",
        # hospitals and wards that name no place anyone could find
        "The hospital was busy. The Hospital called back.",
        "She was in the mental health unit, then the acute unit.",
        "A Private Hospital is not the same as a public one.",
        "I waited in the room I was given.",
        "The ward was loud all night.",
        # dates: ordinals, fractions, counts
        "It was the 2nd session and the 3rd time this year.",
        "It took 1/2 an hour and we were 50/50 on it.",
        "May is a good month. We meet in March.",
        "Between 2019 and 2021 things changed.",
        # only: not a place
        "She was the only one at Christmas who laughed.",
        "I was the only peer worker on the team that day.",
    ],
)
def test_everyday_words_are_not_flagged(text: str) -> None:
    assert find_identifiers(text) == []


def test_the_name_list_leaves_out_everyday_words() -> None:
    names = given_names()
    assert {"Priya", "Jane", "Kim", "Hamish"} <= names
    assert not names & {"Will", "May", "Grace", "Hope", "Mark", "Rose", "Frank", "Joy", "Jack"}


def test_a_finding_says_the_check_cannot_catch_everything() -> None:
    message = summary(find_identifiers("She is aged 34 and lives in Dapto."))
    assert "an age (aged 34) and a town or suburb (Dapto)" in message
    assert message.endswith(
        "This check cannot catch everything: read your post once more for anything a "
        "stranger could use."
    )
