"""The de-identification check: each kind found with its position, and common false alarms not."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cogs.reflection.deidentify import (
    KINDS,
    Finding,
    find_identifiers,
    medicare_check_digit_ok,
    summary,
)


def only(text: str) -> Finding:
    findings = find_identifiers(text)
    assert len(findings) == 1, findings
    return findings[0]


def check(text: str, kind: str, excerpt: str) -> None:
    finding = only(text)
    start = text.index(excerpt)
    assert finding == Finding(kind, excerpt, start, start + len(excerpt))


@pytest.mark.parametrize(
    "text, excerpt",
    [
        ("You can reach her on 0412 345 678 most days.", "0412 345 678"),
        ("her number is 0412345678", "0412345678"),
        ("call +61 412 345 678 after work", "+61 412 345 678"),
        ("the landline is (02) 4221 1234 at home", "(02) 4221 1234"),
        ("the landline is 02-4221-1234 at home", "02-4221-1234"),
        ("his business line 1300 123 456 is on the card", "1300 123 456"),
    ],
)
def test_phone_numbers(text: str, excerpt: str) -> None:
    check(text, "phone number", excerpt)


def test_email_address() -> None:
    check(
        "she wrote from jane.citizen+work@mail.example.com.au today",
        "email address",
        "jane.citizen+work@mail.example.com.au",
    )


@pytest.mark.parametrize("number", ["2123 45670 1", "2123456701", "2123-45670-1", "2123 45670 1 2"])
def test_valid_medicare_number(number: str) -> None:
    check(f"his Medicare is {number} I think", "Medicare number", number)


def test_medicare_check_digit() -> None:
    # 2*1 + 1*3 + 2*7 + 3*9 + 4*1 + 5*3 + 6*7 + 7*9 = 170, so the check digit is 0.
    assert medicare_check_digit_ok("2123 45670 1")
    assert not medicare_check_digit_ok("2123 45671 1")
    assert not medicare_check_digit_ok("2123")


def test_invalid_medicare_number_is_not_called_medicare() -> None:
    findings = find_identifiers("card 2123 45671 1 here")
    assert [f.kind for f in findings] != ["Medicare number"]
    # Still a long number someone could use, so it is asked about as phone-like.
    assert [f.kind for f in findings] == ["phone number"]


@pytest.mark.parametrize(
    "text, excerpt",
    [
        ("She lives at 12 Smith Street near the shops.", "12 Smith Street"),
        ("she moved to 3/45 Kembla St last week", "3/45 Kembla St"),
        ("he stays at 7 Old Princes Hwy sometimes", "7 Old Princes Hwy"),
        ("the house at 221B Baker Road burned down", "221B Baker Road"),
    ],
)
def test_street_addresses(text: str, excerpt: str) -> None:
    check(text, "street address", excerpt)


@pytest.mark.parametrize(
    "text, excerpt",
    [
        ("his DOB: 3 March 1990, I think", "DOB: 3 March 1990"),
        ("she was born on 12/03/1985 in town", "born on 12/03/1985"),
        ("date of birth 1985-03-12 on the form", "date of birth 1985-03-12"),
        ("he was born in March 1985 apparently", "born in March 1985"),
        ("she was born on the 4th of July, 1976 so", "born on the 4th of July, 1976"),
    ],
)
def test_dates_of_birth(text: str, excerpt: str) -> None:
    check(text, "date of birth", excerpt)


@pytest.mark.parametrize(
    "text, excerpt",
    [
        ("I was supporting Jane Citizen on the ward.", "Jane Citizen"),
        ("today Mary Ann O'Brien came back", "Mary Ann O'Brien"),
        ("we saw Dr Priya Smith-Jones again", "Priya Smith-Jones"),
        ("Yesterday Tom McDonald rang me", "Tom McDonald"),
    ],
)
def test_full_names(text: str, excerpt: str) -> None:
    check(text, "full name", excerpt)


@pytest.mark.parametrize(
    "text, excerpt",
    [
        ("I saw Mrs Nguyen at the clinic.", "Mrs Nguyen"),
        ("Dr Smith would not listen.", "Dr Smith"),
        ("then mr O'Brien rang the ward", "mr O'Brien"),
        ("I spoke to Mrs. Lee about it", "Mrs. Lee"),
        ("her Uncle Kevin picked her up", "Uncle Kevin"),
    ],
)
def test_a_surname_after_a_title(text: str, excerpt: str) -> None:
    check(text, "name with a title", excerpt)


@pytest.mark.parametrize(
    "text, excerpt",
    [
        ("a young man named Tom came in", "named Tom"),
        ("a client called Tom rang twice", "called Tom"),
        ("someone called Tom Nguyen asked for me", "called Tom Nguyen"),
        ("his name is Kevin, he said", "his name is Kevin"),
        ("she goes by Jas now", "goes by Jas"),
    ],
)
def test_a_name_after_named_or_called(text: str, excerpt: str) -> None:
    check(text, "name", excerpt)


@pytest.mark.parametrize(
    "text, excerpt",
    [
        ("she lives at 12 smith st with her mum", "12 smith st"),
        ("he moved to 3/45 kembla street", "3/45 kembla street"),
        ("the flat at 7 old princes hwy", "7 old princes hwy"),
    ],
)
def test_lower_case_street_addresses(text: str, excerpt: str) -> None:
    check(text, "street address", excerpt)


@pytest.mark.parametrize(
    "text",
    [
        "Some days are harder than others.",
        "She called Mum, then she called Lifeline.",
        "He called an ambulance and I called back later.",
        "It is a 10 minute drive, or 2 hours walk.",
        "A 2 lane road and a 2 way street.",
        "The MS Society runs a group.",
        "A program called Headspace helped.",
        "Dr Who was on.",
        "I met with my Team Leader on Monday",
        "I gave him Lifeline 13 11 14 and the text line 0477 13 11 14.",
        "The Suicide Call Back Service is 1300 659 467.",
        "We meet at 10:30 on Friday.",
        "The review is due in 2027.",
        "There were 3 people in the Emergency Department.",
        "She rang the NSW Mental Health Line from Wollongong.",
        "My Peer Worker role in South Eastern NSW started in June 2017.",
        "Between 2019 and 2021 things changed.",
        "",
    ],
)
def test_common_text_is_not_flagged(text: str) -> None:
    assert find_identifiers(text) == []


def test_several_findings_in_order_without_overlap() -> None:
    text = "Jane said Bob Nguyen (bob.nguyen@example.org, 0412 345 678) lives at 9 High St."
    findings = find_identifiers(text)
    assert [f.kind for f in findings] == [
        "first name",
        "full name",
        "email address",
        "phone number",
        "street address",
    ]
    assert [f.excerpt for f in findings] == [
        "Jane",
        "Bob Nguyen",
        "bob.nguyen@example.org",
        "0412 345 678",
        "9 High St",
    ]


def test_finding_is_frozen() -> None:
    finding = only("call 0412 345 678")
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.kind = "x"  # type: ignore[misc]


def test_summary() -> None:
    text = "I rang 0412 345 678 for Jane Citizen."
    assert summary(find_identifiers(text)) == (
        "It looks like this contains a phone number (0412 345 678) and a full name "
        "(Jane Citizen). A stranger could use details like these to work out who someone is. "
        "Edit them out, or post anyway if you are sure. This check cannot catch everything: "
        "read your post once more for anything a stranger could use."
    )


def test_summary_lists_three_or_more_and_uses_an() -> None:
    message = summary(find_identifiers("About Bob Nguyen, bob@example.org, 2123 45670 1"))
    assert message.startswith(
        "It looks like this contains a full name (Bob Nguyen), an email address "
        "(bob@example.org) and a Medicare number (2123 45670 1). "
    )


def test_summary_of_nothing_is_empty() -> None:
    assert summary([]) == ""


_ALPHABET = st.sampled_from(
    [*"0123456789 +-()/.:@,'\nabcdeABCDEJS", "Street", "St", "DOB", "born on", "Jane"]
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.lists(_ALPHABET, max_size=40).map("".join)))
def test_never_raises_and_spans_slice_back(text: str) -> None:
    findings = find_identifiers(text)
    previous_end = 0
    for finding in findings:
        assert finding.kind in KINDS
        assert text[finding.start : finding.end] == finding.excerpt
        assert finding.excerpt
        assert finding.start >= previous_end  # in order, never overlapping
        previous_end = finding.end
    summary(findings)


def test_long_awkward_text_completes() -> None:
    """Input shaped to make careless patterns backtrack for ages; no timing assertion here
    (machines are shared): the suite's timeout is what fails if a pattern goes quadratic."""
    text = ("a" * 5000 + "@") * 4 + "1 " * 5000 + "Aa " * 5000
    assert isinstance(find_identifiers(text), list)
