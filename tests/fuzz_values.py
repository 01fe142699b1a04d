"""Bad (and borderline) option values for every option kind, for the fuzz tests of every
command on the console (layer 2) and on the fake Discord (layer 3).

The values are what a person could type or a crafted interaction could carry: numbers past
SQLite's 64-bit integers, dates in the year 9999, a 30 February, text with control or
zero-width characters, SQL and full-text-search syntax, mentions.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from bot.commands import CommandSpec, OptionKind, OptionSpec

HUGE = [2**63, 2**63 + 1, -(2**63) - 1, 2**64, 10**30]
SQL_AND_SEARCH = [
    "'; DROP TABLE networks; --",
    "1 OR 1=1",
    'NEAR("a" "b") OR *',
    '"unbalanced',
    "a* AND NOT b -c ^d",
    "%_%",
]
MENTIONS = ["<@123>", "<@!123>", "<#456>", "<@&789>", "@everyone", "@here"]
ODD_TEXT = [
    "\x00",
    "a\x00b",
    "\x1b[31mred",
    "\x07bell",
    "a\u200bb",  # zero-width space
    "\u200d",  # zero-width joiner
    "\u202etxet",  # right-to-left override
    "\ufeff",
    "🙂" * 3,
    "\\",
    '"',
    "NULL",
    "None",
    "-1",
    " ",
]

# Per kind: values that must always be refused with a clear message (outside every bound).
ALWAYS_BAD: dict[OptionKind, list[Any]] = {
    OptionKind.INTEGER: [*HUGE, "9" * 5000, "1.5", "abc", "1e3", "0x10", "١٢"],
    OptionKind.NUMBER: ["nan", "inf", "-inf", "1e400", *HUGE, "abc"],
    OptionKind.DATE: [
        "9999-12-31",
        "0001-01-01",
        "1999-12-31",
        "2101-01-01",
        "2027-02-30",
        "2027-13-01",
        "2027-00-10",
        "1704067200",
        "2027-03-10T10:00",
        "yesterday",
        "+2027-03-10",
    ],
    OptionKind.TIME: [
        "24:00",
        "23:60",
        "18:30+10:00",
        "3600",
        "-1:00",
        "9999:00",
        "noonish",
        "9",  # morning or evening?
        "13pm",
        "0am",
        "9:00 xm",
        "nan",
        "1704067200",
    ],
    # Offsets, abbreviations, Unix times, paths and folders are never zones; a near miss is
    # only suggested.
    OptionKind.TIMEZONE: [
        "+10:00",
        "UTC+10",
        "AEST",
        "1704067200",
        "nan",
        "Australia",
        "../etc/passwd",
        "Mars/Olympus",
        "Sydny",
        "localtime",
    ],
    OptionKind.BOOLEAN: ["maybe", "2", "yess"],
    OptionKind.CHOICE: ["nope", "'; DROP TABLE x; --", "a\x00"],
}


def valid_value(option: OptionSpec, network: str, member: str, channel: str) -> Any:
    """A value that passes the kernel's checks, so that another option can be the bad one."""
    if option.choices:
        return option.choices[0].value
    if option.name in {"network", "of"}:
        return network
    match option.kind:
        case OptionKind.INTEGER:
            return str(int(option.min if option.min is not None else 1))
        case OptionKind.NUMBER:
            return str(option.min if option.min is not None else 1)
        case OptionKind.BOOLEAN:
            return "false"
        case OptionKind.DATE:
            return "2027-03-10"
        case OptionKind.TIME:
            return "09:00"
        case OptionKind.TIMEZONE:
            return "Australia/Perth"
        case OptionKind.MEMBER:
            return member
        case OptionKind.CHANNEL | OptionKind.ROLE:
            return channel
        case _:
            return "hello"


def always_bad(option: OptionSpec) -> list[Any]:
    """Values outside the option's own bounds: the kernel must refuse each one."""
    values = list(ALWAYS_BAD.get(option.kind, []))
    if option.kind in (OptionKind.INTEGER, OptionKind.NUMBER):
        assert option.min is not None and option.max is not None
        step = 1 if option.kind is OptionKind.INTEGER else 0.01
        values += [option.min - step, option.max + step, option.max * 2 + 1]
        if option.kind is OptionKind.INTEGER:
            values += [-1 if option.min >= 0 else option.min * 2 - 1]
    if option.max_length is not None and not option.choices:
        values += ["x" * (option.max_length + 1), "é" * (option.max_length + 1)]
        values += ["a\x00b", "\x1b[31mred", "ok\x7f"]
    return values


def borderline(option: OptionSpec) -> list[Any]:
    """Values that may be accepted or refused, but must never end in an apology."""
    values: list[Any] = ["", " "]
    if option.kind in (OptionKind.INTEGER, OptionKind.NUMBER):
        assert option.min is not None and option.max is not None
        values += [str(int(option.min)), str(int(option.max)), "0", "-1", "1"]
    elif option.kind is OptionKind.DATE:
        values += ["2000-01-01", "2100-12-31", "2027-01-04", "2027-01-03", "2028-02-29"]
    elif option.kind is OptionKind.TIME:
        values += ["00:00", "23:59", "23:59:59", "9:00", "9am", "9.30am", "9:00 pm", "12am"]
        values += ["noon", "12:00 p.m."]
    elif option.kind is OptionKind.TIMEZONE:
        values += ["australia/perth", "Perth", "UTC", "Etc/GMT+10", "Australia/ACT", "Eastern"]
        values += ["x" * option.max_length if option.max_length else "x", "a\u200bb", "🙂"]
    elif option.kind is OptionKind.FILE:  # a path on the console: missing, a folder, odd
        values += ["form.pdf", "/nonexistent/form.pdf", "/", ".", "~", "a\x00b", "🙂"]
    elif not option.choices and option.kind is not OptionKind.BOOLEAN:
        assert option.max_length is not None
        values += ["x" * option.max_length, *SQL_AND_SEARCH[:3], *MENTIONS[:2]]
        values += ["a\u200bb", "\u202etxet", "🙂", "9999-12-31", "31/02/2027", "99:99"]
        values += [str(2**63), "-1"]
    return values


def typed_bad(option: OptionSpec) -> list[Any]:
    """Values typed as JSON would carry them (a crafted Discord interaction), not as text."""
    if option.kind is OptionKind.INTEGER:
        return [*HUGE, 1.5, -1.0e300, True]
    if option.kind is OptionKind.NUMBER:
        return [*HUGE, float("1e308"), -1.0e308]
    return []


def fuzzable(spec: CommandSpec) -> bool:
    return bool(spec.options)


def text_strategy() -> st.SearchStrategy[str]:
    """Any text, leaning to the odd: control, zero-width and right-to-left characters."""
    odd = st.sampled_from(["\x00", "\u200b", "\u202e", "\x1b", "'", '"', "*", ":", "<@1>"])
    return st.one_of(
        st.text(max_size=40),
        st.lists(st.one_of(odd, st.text(max_size=3)), max_size=12).map("".join),
        st.sampled_from(SQL_AND_SEARCH + MENTIONS + ODD_TEXT),
    )


def value_strategy(option: OptionSpec) -> st.SearchStrategy[Any]:
    """Any value for this option: bad, borderline, or random text."""
    return st.one_of(
        st.sampled_from(always_bad(option) or [""]),
        st.sampled_from(borderline(option)),
        text_strategy(),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
    )
