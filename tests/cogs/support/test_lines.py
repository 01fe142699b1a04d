"""Layer 1: the data file and the pure rules that decide which lines /support shows, in order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.errors import ConfigError
from cogs.support.lines import (
    Kind,
    LineFilter,
    SupportDirectory,
    SupportLine,
    load_support_lines,
)

WriteData = Callable[[str], Path]

# The numbers in DOMAIN.md, exactly as published by the services.
PUBLISHED_NUMBERS = {
    "emergency": "000",
    "lifeline": "13 11 14",
    "suicide-call-back-service": "1300 659 467",
    "beyond-blue": "1300 22 4636",
    "13yarn": "13 92 76",
    "nsw-mental-health-line": "1800 011 511",
    "mensline": "1300 78 99 78",
    "kids-helpline": "1800 55 1800",
    "1800respect": "1800 737 732",
    "qlife": "1800 184 527",
    # Added from issue 20, checked against the services' published details (see the file).
    "aod-hotline": "1800 250 015",
    "family-drug-support": "1300 368 186",
    "open-arms": "1800 011 046",
}
# Each state's and territory's public mental health line, as published by the service (see
# config/support_lines.toml for the source of each, and what must still be re-verified).
STATE_NUMBERS = {
    "nurse-on-call-vic": "1300 60 60 24",
    "suicideline-victoria": "1300 651 251",
    "1300-mh-call": "1300 642 255",
    "mherl-metro": "1300 555 788",
    "mherl-peel": "1800 676 822",
    "rurallink": "1800 552 002",
    "sa-mental-health-triage": "13 14 65",
    "access-mental-health-tas": "1800 332 388",
    "access-mental-health-act": "1800 629 354",
    "nt-mental-health-line": "1800 682 288",
}
STATE_LINES = {
    LineFilter.NSW: ["nsw-mental-health-line"],
    LineFilter.VIC: ["nurse-on-call-vic", "suicideline-victoria"],
    LineFilter.QLD: ["1300-mh-call"],
    LineFilter.WA: ["mherl-metro", "mherl-peel", "rurallink"],
    LineFilter.SA: ["sa-mental-health-triage"],
    LineFilter.TAS: ["access-mental-health-tas"],
    LineFilter.ACT: ["access-mental-health-act"],
    LineFilter.NT: ["nt-mental-health-line"],
}
FILTERED_SERVICE = {
    LineFilter.NSW: "nsw-mental-health-line",
    LineFilter.FIRST_NATIONS: "13yarn",
    LineFilter.LGBTIQ: "qlife",
}


@pytest.fixture
def directory(data_file: Path) -> SupportDirectory:
    return load_support_lines(data_file)


def ids(lines: list[SupportLine]) -> list[str]:
    return [line.id for line in lines]


# ---- the real data file ------------------------------------------------------------------


def test_the_real_file_loads_with_its_check_dates(directory: SupportDirectory) -> None:
    assert directory.last_checked() == dt.date(2026, 11, 23)
    assert directory.last_checked_text() == "Numbers last checked 23 November 2026"
    wa = directory.lines_for(LineFilter.WA)[1:4]
    assert {line.last_checked for line in wa} == {dt.date(2026, 12, 4)}
    # the footer shows the oldest check among the lines shown
    assert directory.last_checked_text(wa) == "Numbers last checked 4 December 2026"


def test_every_line_names_its_source_page(directory: SupportDirectory) -> None:
    for line in directory.services:
        assert line.source.startswith("https://"), line.id
        assert line.last_checked <= dt.date(2026, 12, 4), line.id


@pytest.mark.parametrize(("line_id", "number"), {**PUBLISHED_NUMBERS, **STATE_NUMBERS}.items())
def test_numbers_are_the_published_ones(
    directory: SupportDirectory, line_id: str, number: str
) -> None:
    assert directory.line(line_id).phone == number


def test_lifeline_also_takes_texts(directory: SupportDirectory) -> None:
    lifeline = directory.line("lifeline")
    assert lifeline.text == "0477 13 11 14"
    assert lifeline.describe().startswith("Lifeline: call 13 11 14 or text 0477 13 11 14.")


def test_every_service_in_the_file_is_known(directory: SupportDirectory) -> None:
    assert sorted(ids(list(directory.services))) == sorted({**PUBLISHED_NUMBERS, **STATE_NUMBERS})


def test_1800respect_takes_texts_and_the_nsw_line_has_a_website(
    directory: SupportDirectory,
) -> None:
    assert directory.line("1800respect").text == "0458 737 732"
    nsw = directory.line("nsw-mental-health-line")
    assert nsw.url == "https://health.nsw.gov.au/mentalhealth/Pages/mental-health-line.aspx"


def test_qlife_is_peer_support_and_never_24_7(directory: SupportDirectory) -> None:
    qlife = directory.line("qlife")
    assert not qlife.is_24_7
    assert qlife.kind is Kind.SUPPORT
    assert not qlife.is_general_crisis_line
    assert qlife.hours == "3pm to midnight in your local time, every day"
    assert qlife.note is not None and "not a crisis line" in qlife.note
    assert "24 hours" not in qlife.describe()
    assert "not a crisis line" in qlife.describe()


def test_only_qlife_and_rurallink_have_limited_hours(directory: SupportDirectory) -> None:
    assert [s.id for s in directory.services if not s.is_24_7] == ["qlife", "rurallink"]
    rurallink = directory.line("rurallink")
    assert rurallink.note is not None and "business hours" in rurallink.note


# ---- which lines, in which order ---------------------------------------------------------


def test_all_starts_with_000_then_lifeline(directory: SupportDirectory) -> None:
    lines = directory.lines_for()
    assert lines[0].phone == "000"
    assert lines[1].id == "lifeline"
    assert lines[1].phone == "13 11 14"
    # the national lines; the state lines are listed apart, state by state
    assert sorted(ids(lines)) == sorted(set(PUBLISHED_NUMBERS) - {"nsw-mental-health-line"})
    assert ids(directory.state_lines()) == [i for ids_ in STATE_LINES.values() for i in ids_]


@pytest.mark.parametrize("state", list(STATE_LINES))
def test_every_state_filter_shows_its_own_lines_then_two_24_7_lines(
    directory: SupportDirectory, state: LineFilter
) -> None:
    lines = directory.lines_for(state)
    wanted = STATE_LINES[state]
    assert lines[0].phone == "000"
    assert ids(lines[1 : 1 + len(wanted)]) == wanted
    after = lines[1 + len(wanted) :]
    assert ids(after) == ["lifeline", "suicide-call-back-service"]
    assert all(line.is_24_7 and line.kind is Kind.CRISIS for line in after)
    other_states = {i for f, i_ in STATE_LINES.items() if f is not state for i in i_}
    assert not other_states & set(ids(lines))


def test_all_puts_every_24_7_service_before_limited_hours(directory: SupportDirectory) -> None:
    open_flags = [line.is_24_7 for line in directory.lines_for(LineFilter.ALL)]
    assert open_flags == sorted(open_flags, reverse=True)
    assert directory.lines_for(LineFilter.ALL)[-1].id == "qlife"


def test_all_puts_crisis_lines_before_other_24_7_services(directory: SupportDirectory) -> None:
    kinds = [line.kind for line in directory.lines_for(LineFilter.ALL)[1:] if line.is_24_7]
    first_support = kinds.index(Kind.SUPPORT)
    assert Kind.CRISIS not in kinds[first_support:]


@pytest.mark.parametrize("line_filter", list(FILTERED_SERVICE))
def test_a_filter_puts_its_service_right_after_000(
    directory: SupportDirectory, line_filter: LineFilter
) -> None:
    lines = directory.lines_for(line_filter)
    assert lines[0].phone == "000"
    assert lines[1].id == FILTERED_SERVICE[line_filter]


@pytest.mark.parametrize("line_filter", list(FILTERED_SERVICE))
def test_a_filter_still_shows_two_24_7_crisis_lines(
    directory: SupportDirectory, line_filter: LineFilter
) -> None:
    after = directory.lines_for(line_filter)[2:]
    crisis_24_7 = [s for s in after if s.is_24_7 and s.kind is Kind.CRISIS]
    assert len(crisis_24_7) >= 2
    assert {"lifeline", "suicide-call-back-service"} <= set(ids(after))


@pytest.mark.parametrize("line_filter", list(FILTERED_SERVICE))
def test_a_filter_narrows_the_list(directory: SupportDirectory, line_filter: LineFilter) -> None:
    lines = directory.lines_for(line_filter)
    assert len(lines) < len(directory.services)
    assert len(set(ids(lines))) == len(lines)
    other_tagged = set(FILTERED_SERVICE.values()) - {FILTERED_SERVICE[line_filter]}
    assert not other_tagged & set(ids(lines))


def test_lines_for_accepts_the_typed_text_and_refuses_others(
    directory: SupportDirectory,
) -> None:
    assert directory.lines_for("nsw") == directory.lines_for(LineFilter.NSW)
    with pytest.raises(ValueError):
        directory.lines_for("queenslnd")


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("wa", LineFilter.WA),
        ("WA", LineFilter.WA),
        ("Western Australia", LineFilter.WA),
        ("western-australia", LineFilter.WA),
        ("vic", LineFilter.VIC),
        ("Victoria", LineFilter.VIC),
        ("QLD", LineFilter.QLD),
        ("queensland", LineFilter.QLD),
        ("New South Wales", LineFilter.NSW),
        ("south australia", LineFilter.SA),
        ("Tas", LineFilter.TAS),
        ("TASMANIA", LineFilter.TAS),
        ("act", LineFilter.ACT),
        ("Australian Capital Territory", LineFilter.ACT),
        ("the Northern Territory", LineFilter.NT),
        ("nt", LineFilter.NT),
        ("First Nations", LineFilter.FIRST_NATIONS),
        ("LGBTIQ+", LineFilter.LGBTIQ),
        ("All", LineFilter.ALL),
    ],
)
def test_filters_accept_names_and_short_names_in_any_case(typed: str, meant: LineFilter) -> None:
    assert LineFilter(typed) is meant


def test_filters_read_plainly() -> None:
    assert [f.value for f in LineFilter] == [
        "all",
        "nsw",
        "vic",
        "qld",
        "wa",
        "sa",
        "tas",
        "act",
        "nt",
        "first-nations",
        "lgbtiq",
    ]
    assert LineFilter.NSW.label == "People in New South Wales (NSW)"
    assert LineFilter.WA.label == "People in Western Australia (WA)"
    assert LineFilter.NT.audience == "people in the Northern Territory (NT)"
    assert LineFilter.ACT.label == "People in the Australian Capital Territory (ACT)"
    assert "(LGBTIQ+)" in LineFilter.LGBTIQ.audience
    assert all(len(f.label) <= 100 for f in LineFilter)


# ---- a wrong file is refused, with the key to fix ----------------------------------------


def load_error(write_data: WriteData, text: str) -> str:
    path = write_data(text)
    with pytest.raises(ConfigError) as caught:
        load_support_lines(path)
    message = str(caught.value)
    assert str(path) in message or path.name in message
    return message


def test_a_wrong_phone_number_names_the_entry_and_key(
    write_data: WriteData, data_text: str
) -> None:
    text = data_text.replace('phone = "1300 22 4636"', 'phone = "1300 22 463"')
    message = load_error(write_data, text)
    assert "services[5].phone:" in message
    assert "'1300 22 463'" in message
    assert "Beyond Blue" in message


def test_an_unknown_key_in_an_entry_is_an_error(write_data: WriteData, data_text: str) -> None:
    text = data_text.replace('phone = "13 11 14"', 'phone = "13 11 14"\nfax = "13 11 15"')
    message = load_error(write_data, text)
    assert "services[1].fax: unknown key" in message
    assert "Lifeline" in message


def test_an_unknown_top_level_key_is_an_error(write_data: WriteData, data_text: str) -> None:
    text = "checked_by = 'Sam'\n" + data_text
    assert ": checked_by: unknown key" in load_error(write_data, text)


def test_a_state_without_a_line_is_refused(write_data: WriteData, data_text: str) -> None:
    text = data_text.replace('tags = ["nt"]', "tags = []")
    message = load_error(write_data, text)
    assert "every state and territory needs at least one line" in message
    assert "none for: nt" in message


def test_two_states_on_one_line_are_refused(write_data: WriteData, data_text: str) -> None:
    text = data_text.replace('tags = ["nt"]', 'tags = ["nt", "sa"]')
    assert "give at most one state or territory" in load_error(write_data, text)


def test_a_source_must_be_a_web_page(write_data: WriteData, data_text: str) -> None:
    text = data_text.replace('source = "https://qlife.org.au"', 'source = "qlife.org.au"')
    message = load_error(write_data, text)
    assert "services[9].source:" in message and "starting with https://" in message


def test_a_missing_key_is_named(write_data: WriteData, data_text: str) -> None:
    text = data_text.replace('scope = "Counselling for men"\n', "")
    message = load_error(write_data, text)
    assert "services[6].scope: this key is required" in message
    assert "MensLine Australia" in message


def test_a_wrong_tag_is_named(write_data: WriteData, data_text: str) -> None:
    text = data_text.replace('tags = ["nsw"]', 'tags = ["new-south-wales"]')
    assert "services[4].tags[0]:" in load_error(write_data, text)


def test_a_wrong_date_is_named(write_data: WriteData, data_text: str) -> None:
    text = data_text.replace("last_checked = 2026-11-23", 'last_checked = "last week"', 1)
    assert "services[0].last_checked:" in load_error(write_data, text)


def test_missing_000_is_refused(write_data: WriteData, data_text: str) -> None:
    start = data_text.index('[[services]]\nid = "emergency"')
    end = data_text.index("[[services]]", start + 1)
    message = load_error(write_data, data_text[:start] + data_text[end:])
    assert ": services: exactly one entry must" in message
    assert "found none" in message


def test_an_emergency_entry_that_is_not_000_is_refused(
    write_data: WriteData, data_text: str
) -> None:
    text = data_text.replace('phone = "000"', 'phone = "112"')
    assert "services[0].phone: the emergency entry must be 000" in load_error(write_data, text)


def test_two_emergency_entries_are_refused(write_data: WriteData, data_text: str) -> None:
    text = data_text.replace(
        'id = "lifeline"\nname = "Lifeline"\nkind = "crisis"',
        ('id = "lifeline"\nname = "Lifeline"\nkind = "emergency"'),
    )
    assert "found services[0], services[1]" in load_error(write_data, text)


def test_000_outside_the_emergency_entry_is_refused(write_data: WriteData, data_text: str) -> None:
    text = data_text.replace('phone = "1800 737 732"', 'phone = "000"')
    assert "services[8].phone: only the entry" in load_error(write_data, text)


def test_fewer_than_two_general_24_7_crisis_lines_are_refused(
    write_data: WriteData, data_text: str
) -> None:
    text = data_text.replace(
        'id = "suicide-call-back-service"\nname = "Suicide Call Back Service"\nkind = "crisis"',
        'id = "suicide-call-back-service"\nname = "Suicide Call Back Service"\nkind = "support"',
    )
    message = load_error(write_data, text)
    assert ": services: at least 2 entries must be 24/7 crisis lines" in message
    assert "found 1" in message


def test_qlife_cannot_be_marked_24_7_while_it_has_hours(
    write_data: WriteData, data_text: str
) -> None:
    text = data_text.replace("open_24_7 = false", "open_24_7 = true")
    message = load_error(write_data, text)
    assert "services[9].hours: leave hours out when open_24_7 is true" in message
    assert "QLife" in message


def test_limited_hours_must_be_stated(write_data: WriteData, data_text: str) -> None:
    text = data_text.replace('hours = "3pm to midnight in your local time, every day"\n', "")
    assert "services[9].hours: say when it is open" in load_error(write_data, text)


def test_duplicate_ids_are_refused(write_data: WriteData, data_text: str) -> None:
    text = data_text.replace('id = "mensline"', 'id = "lifeline"')
    assert "services[6].id: 'lifeline' is already the id of services[1]" in load_error(
        write_data, text
    )


def test_every_problem_is_reported(write_data: WriteData, data_text: str) -> None:
    text = data_text.replace('phone = "13 92 76"', 'phone = "13 92"').replace(
        'website = "qlife.org.au"', 'website = "https://qlife.org.au"'
    )
    message = load_error(write_data, text)
    assert "services[3].phone:" in message
    assert "services[9].website:" in message
    assert len(message.splitlines()) == 2


def test_a_file_that_is_not_toml_is_refused(write_data: WriteData) -> None:
    assert "not valid TOML" in load_error(write_data, "services = [\n")


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_support_lines(tmp_path / "nowhere.toml")
