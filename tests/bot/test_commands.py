"""The command model: options read from annotations, the decorators' checks, and ActionRef."""

from __future__ import annotations

import datetime as dt
from enum import IntEnum, StrEnum
from typing import Annotated, Any, Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from bot.commands import (
    COMMAND_DESCRIPTION_MAX,
    INTEGER_MAX,
    ActionSpec,
    Channel,
    CommandSpec,
    Context,
    Member,
    Option,
    OptionKind,
    OptionSpec,
    Role,
    action,
    action_spec,
    build_options,
    command,
    command_spec,
    describe_usage,
)
from bot.replies import ACTION_ID_MAX, ActionRef, Choice, Reply


class Mood(StrEnum):
    CALM = "calm"
    TIRED = "tired"


class Level(IntEnum):
    LOW = 1
    HIGH = 2


class Shift(StrEnum):
    """An enum that names its own labels: the labels, not the values, are shown."""

    EARLY = "early"
    LATE = "late"

    @property
    def label(self) -> str:
        return {"early": "Early shift", "late": "Late shift"}[self.value]


class Sample:
    """A cog with one command using every kind of option."""

    name = "sample"
    title = "Sample"

    @command("sample all", "Every kind of option", role=Role.EXECUTIVE, defer=True)
    async def everything(
        self,
        ctx: Context,
        title: Annotated[str, Option("A title", max_length=20)],
        count: Annotated[int, Option("How many", min=1, max=10)],
        ratio: Annotated[float, Option("A ratio", min=0.5)],
        urgent: Annotated[bool, Option("Is it urgent")],
        size: Annotated[Literal["small", "large"], Option("The size")],
        mood: Annotated[Mood, Option("Your mood")],
        who: Annotated[Member, Option("Who it is for")],
        day: Annotated[dt.date, Option("Which day")],
        at: Annotated[dt.time, Option("What time")],
        note: Annotated[str | None, Option("An optional note")] = None,
        repeat: Annotated[int, Option("Times to repeat", max=5)] = 1,
        shift: Annotated[Shift, Option("Which shift", autocomplete="shifts")] = Shift.EARLY,
    ) -> Reply:
        return Reply(text="ok")

    @command("plain", "A command without options")
    async def plain(self, ctx: Context) -> Reply:
        return Reply(text="plain")

    @action("sample.open", role=Role.MEMBER)
    async def open(self, ctx: Context, event: Any) -> Reply:
        return Reply(text="opened")


def _spec() -> CommandSpec:
    spec = command_spec(Sample.everything)
    assert spec is not None
    return spec


def _option(name: str) -> OptionSpec:
    option = _spec().option(name)
    assert option is not None, name
    return option


VALID = {
    "title": "Supervision",
    "count": "3",
    "ratio": "1.5",
    "urgent": "yes",
    "size": "large",
    "mood": "tired",
    "who": "discord:1234",
    "day": "2027-03-10",
    "at": "18:30",
}


# ---- reading options from annotations -----------------------------------------------------


def test_command_spec_records_name_description_role_and_defer() -> None:
    spec = _spec()
    assert spec.name == "sample all"
    assert spec.description == "Every kind of option"
    assert spec.role is Role.EXECUTIVE
    assert spec.defer is True
    assert spec.group == "sample"
    assert spec.handler is Sample.everything


def test_one_word_command_has_no_group_and_defaults_to_member_role() -> None:
    spec = command_spec(Sample.plain)
    assert spec is not None
    assert spec.group is None
    assert spec.role is Role.MEMBER
    assert spec.defer is False
    assert spec.options == ()


def test_options_keep_the_parameter_order_and_skip_self_and_ctx() -> None:
    assert [o.name for o in _spec().options] == [
        "title",
        "count",
        "ratio",
        "urgent",
        "size",
        "mood",
        "who",
        "day",
        "at",
        "note",
        "repeat",
        "shift",
    ]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("title", OptionKind.TEXT),
        ("count", OptionKind.INTEGER),
        ("ratio", OptionKind.NUMBER),
        ("urgent", OptionKind.BOOLEAN),
        ("size", OptionKind.CHOICE),
        ("mood", OptionKind.CHOICE),
        ("who", OptionKind.MEMBER),
        ("day", OptionKind.DATE),
        ("at", OptionKind.TIME),
        ("note", OptionKind.TEXT),
        ("repeat", OptionKind.INTEGER),
        ("shift", OptionKind.CHOICE),
    ],
)
def test_option_kind_comes_from_the_annotation(name: str, kind: OptionKind) -> None:
    assert _option(name).kind is kind


def test_descriptions_and_limits_come_from_option_metadata() -> None:
    title = _option("title")
    assert title.description == "A title"
    assert title.max_length == 20
    count = _option("count")
    assert (count.min, count.max) == (1, 10)
    assert _option("ratio").min == 0.5
    assert _option("ratio").max == INTEGER_MAX  # the kernel's bound fills the gap
    assert _option("shift").autocomplete == "shifts"
    assert _option("who").description == "Who it is for"


def test_options_without_defaults_are_required_and_the_rest_are_not() -> None:
    required = {o.name for o in _spec().options if o.required}
    assert required == {"title", "count", "ratio", "urgent", "size", "mood", "who", "day", "at"}
    assert _option("note").default is None
    assert _option("repeat").default == 1
    assert _option("shift").default is Shift.EARLY


def test_optional_without_a_default_is_not_required_and_defaults_to_none() -> None:
    class Cog:
        async def handler(self, ctx: Context, n: Annotated[int | None, Option("n")]) -> Reply:
            return Reply()

    options, model = build_options("opt", Cog.handler)
    assert options[0].required is False
    assert options[0].default is None
    assert model.model_validate({}).model_dump() == {"n": None}


def test_literal_and_enum_choices() -> None:
    assert _option("size").choices == (
        Choice(label="small", value="small"),
        Choice(label="large", value="large"),
    )
    assert [c.value for c in _option("mood").choices] == ["calm", "tired"]
    assert _option("shift").choices == (
        Choice(label="Early shift", value="early"),
        Choice(label="Late shift", value="late"),
    )


def test_the_model_converts_text_into_python_values() -> None:
    args = _spec().arguments.model_validate(VALID)
    assert args.model_dump() == {
        "title": "Supervision",
        "count": 3,
        "ratio": 1.5,
        "urgent": True,
        "size": "large",
        "mood": Mood.TIRED,
        "who": "discord:1234",
        "day": dt.date(2027, 3, 10),
        "at": dt.time(18, 30),
        "note": None,
        "repeat": 1,
        "shift": Shift.EARLY,
    }


def test_the_model_strips_whitespace_and_forbids_unknown_options() -> None:
    model = _spec().arguments
    assert model.model_validate({**VALID, "title": "  Hello  "}).model_dump()["title"] == "Hello"
    with pytest.raises(ValidationError) as caught:
        model.model_validate({**VALID, "colour": "blue"})
    assert caught.value.errors()[0]["type"] == "extra_forbidden"


@pytest.mark.parametrize(
    ("name", "bad"),
    [
        ("title", "x" * 21),
        ("count", "abc"),
        ("count", "0"),
        ("count", "11"),
        ("ratio", "0.4"),
        ("urgent", "maybe"),
        ("size", "medium"),
        ("mood", "angry"),
        ("day", "10.03.2027"),
        ("day", "2027-02-30"),
        ("at", "half past six"),
        ("repeat", "6"),
    ],
)
def test_the_model_rejects_bad_values(name: str, bad: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _spec().arguments.model_validate({**VALID, name: bad})
    assert [e["loc"][0] for e in caught.value.errors()] == [name]


def test_member_alias_is_text_in_python_but_a_member_to_the_platform() -> None:
    class Cog:
        async def handler(
            self,
            ctx: Context,
            who: Annotated[Member, Option("Who")],
            other: Annotated[str, Option("Also who", kind=OptionKind.MEMBER)],
            place: Annotated[str, Option("Where", kind=OptionKind.CHANNEL)],
        ) -> Reply:
            return Reply()

    options, model = build_options("who", Cog.handler)
    assert [o.kind for o in options] == [OptionKind.MEMBER, OptionKind.MEMBER, OptionKind.CHANNEL]
    assert model.model_fields["who"].annotation is str


def test_the_model_is_named_after_the_command() -> None:
    assert _spec().arguments.__name__ == "Args_sample_all"


def test_describe_usage_marks_optional_options() -> None:
    usage = describe_usage(_spec())
    assert usage.startswith("/sample all title:… count:…")
    assert usage.endswith("at:… [note:…] [repeat:…] [shift:…]")


# ---- what the decorators refuse -----------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["manage meeting next week", "Meeting", "meeting Next", "", "meeting  next", "check-in", "a_b"],
)
def test_command_rejects_bad_names(name: str) -> None:
    with pytest.raises(ValueError, match="one to three lower-case words"):
        command(name, "Something")


@pytest.mark.parametrize("name", ["help", "meeting next", "week2"])
def test_command_accepts_one_or_two_lower_case_words(name: str) -> None:
    async def handler(self: object, ctx: Context) -> Reply:
        return Reply()

    decorated = command(name, "Something")(handler)
    spec = command_spec(decorated)
    assert spec is not None
    assert spec.name == name


def test_command_description_must_be_1_to_100_characters() -> None:
    command("ok", "x" * COMMAND_DESCRIPTION_MAX)
    with pytest.raises(ValueError, match="description"):
        command("ok", "x" * (COMMAND_DESCRIPTION_MAX + 1))
    with pytest.raises(ValueError, match="description"):
        command("ok", "")


def test_option_description_over_100_characters_is_rejected() -> None:
    async def fine(self: object, ctx: Context, n: Annotated[int, Option("x" * 100)]) -> Reply:
        return Reply()

    async def long(self: object, ctx: Context, n: Annotated[int, Option("x" * 101)]) -> Reply:
        return Reply()

    command("fine", "Fine")(fine)
    with pytest.raises(ValueError, match="description of n is too long"):
        command("long", "Long")(long)


def test_option_without_option_metadata_is_rejected() -> None:
    async def bare(self: object, ctx: Context, n: int) -> Reply:
        return Reply()

    async def no_option(self: object, ctx: Context, n: Annotated[int, "count"]) -> Reply:
        return Reply()

    with pytest.raises(TypeError, match=r"option n needs Annotated\[..., Option"):
        command("bare", "Bare")(bare)
    with pytest.raises(TypeError, match=r"option n needs Annotated\[..., Option"):
        command("bare", "Bare")(no_option)


def test_required_option_after_an_optional_one_is_rejected() -> None:
    async def handler(
        self: object,
        ctx: Context,
        a: Annotated[int, Option("a")] = 1,
        *,
        b: Annotated[int, Option("b")],
    ) -> Reply:
        return Reply()

    with pytest.raises(TypeError, match="required options must come before optional ones"):
        command("order", "Order")(handler)


def test_unsupported_types_and_unions_are_rejected() -> None:
    async def listy(self: object, ctx: Context, n: Annotated[list[str], Option("n")]) -> Reply:
        return Reply()

    async def union(self: object, ctx: Context, n: Annotated[int | str, Option("n")]) -> Reply:
        return Reply()

    async def star(self: object, ctx: Context, *n: Annotated[int, Option("n")]) -> Reply:
        return Reply()

    with pytest.raises(TypeError, match="unsupported type"):
        command("listy", "Listy")(listy)
    with pytest.raises(TypeError, match="Optional"):
        command("union", "Union")(union)
    with pytest.raises(TypeError, match="plain parameter"):
        command("star", "Star")(star)


@pytest.mark.parametrize("action_id", ["", "a|b", "x" * 61])
def test_action_rejects_bad_ids(action_id: str) -> None:
    with pytest.raises(ValueError, match="1 to 60 characters"):
        action(action_id)


def test_action_records_its_id_and_role() -> None:
    spec = action_spec(Sample.open)
    assert isinstance(spec, ActionSpec)
    assert (spec.action_id, spec.role) == ("sample.open", Role.MEMBER)
    assert command_spec(Sample.open) is None
    assert action_spec(Sample.plain) is None


def test_optional_member_option_is_a_member_and_not_required() -> None:
    class Cog:
        async def handler(
            self,
            ctx: Context,
            who: Annotated[Member | None, Option("Who")] = None,
            where: Annotated[Channel, Option("Where")] | None = None,
        ) -> Reply:
            return Reply()

    options, model = build_options("who", Cog.handler)
    assert [(o.kind, o.required, o.default) for o in options] == [
        (OptionKind.MEMBER, False, None),
        (OptionKind.CHANNEL, False, None),
    ]
    assert model.model_validate({}).model_dump() == {"who": None, "where": None}
    assert model.model_validate({"who": "discord:1"}).model_dump()["who"] == "discord:1"


def test_choices_that_are_not_text_are_refused_at_definition() -> None:
    """Choice values travel as text, so Literal[1, 2] or an IntEnum could never validate."""

    async def literal(
        self: object, ctx: Context, n: Annotated[Literal[1, 2], Option("n")]
    ) -> Reply:
        return Reply()

    async def int_enum(self: object, ctx: Context, n: Annotated[Level, Option("n")]) -> Reply:
        return Reply()

    with pytest.raises(TypeError, match="choices must be text"):
        command("literal", "Literal")(literal)
    with pytest.raises(TypeError, match="use a StrEnum"):
        command("level", "Level")(int_enum)


# ---- OptionSpec.hint ----------------------------------------------------------------------


def _hint(kind: OptionKind, **kwargs: Any) -> str:
    return OptionSpec(name="n", description="d", kind=kind, required=True, **kwargs).hint


@pytest.mark.parametrize(
    ("hint", "expected"),
    [
        (_hint(OptionKind.INTEGER, min=1, max=10), "a whole number from 1 to 10"),
        (_hint(OptionKind.INTEGER, min=0), "a whole number of at least 0"),
        (_hint(OptionKind.INTEGER, max=5), "a whole number of at most 5"),
        (_hint(OptionKind.INTEGER), "a whole number"),
        (_hint(OptionKind.NUMBER, min=0.5, max=2.5), "a number from 0.5 to 2.5"),
        (_hint(OptionKind.BOOLEAN), "true or false"),
        (_hint(OptionKind.DATE), "a date written like 2027-03-10 or 10 March 2027"),
        (
            _hint(OptionKind.DATE, earliest=dt.date(2000, 1, 1), latest=dt.date(2100, 12, 31)),
            "a date from 2000-01-01 to 2100-12-31, written like 2027-03-10 or 10 March 2027",
        ),
        (
            _hint(OptionKind.INTEGER, min=-(10**9), max=10**9),
            "a whole number from -1000000000 to 1000000000",
        ),
        (
            _hint(OptionKind.TEXT, max_length=80),
            "text of at most 80 characters, without control characters",
        ),
        (_hint(OptionKind.TIME), "a time written like 18:30 or 6:30pm"),
        (_hint(OptionKind.TEXT), "text"),
        (_hint(OptionKind.MEMBER), "text"),
        (
            _hint(
                OptionKind.CHOICE,
                choices=(Choice(label="Calm", value="calm"), Choice(label="Tired", value="tired")),
            ),
            "one of: calm, tired",
        ),
    ],
)
def test_hint_says_what_a_valid_value_looks_like(hint: str, expected: str) -> None:
    assert hint == expected


def test_hint_of_a_real_option() -> None:
    assert _option("count").hint == "a whole number from 1 to 10"
    assert _option("mood").hint == "one of: calm, tired"
    assert _option("ratio").hint == "a number from 0.5 to 1000000000"


# ---- properties ---------------------------------------------------------------------------


class Bounded:
    @command("bounded", "An integer between -5 and 10")
    async def bounded(
        self, ctx: Context, n: Annotated[int, Option("A number", min=-5, max=10)]
    ) -> Reply:
        return Reply()


@given(st.integers(min_value=-1000, max_value=1000), st.booleans())
def test_integer_option_accepts_exactly_the_values_within_its_bounds(
    value: int, as_text: bool
) -> None:
    spec = command_spec(Bounded.bounded)
    assert spec is not None
    raw: int | str = str(value) if as_text else value
    if -5 <= value <= 10:
        assert spec.arguments.model_validate({"n": raw}).model_dump() == {"n": value}
    else:
        with pytest.raises(ValidationError):
            spec.arguments.model_validate({"n": raw})


# ---- ActionRef ----------------------------------------------------------------------------

no_pipe = st.characters(exclude_characters="|")


@given(
    st.text(alphabet=no_pipe, min_size=1, max_size=60),
    st.text(alphabet=no_pipe, max_size=60),
)
def test_action_ref_round_trips_within_the_limit(action_id: str, payload: str) -> None:
    ref = ActionRef(action=action_id, payload=payload)
    if len(action_id) + 1 + len(payload) <= ACTION_ID_MAX:
        encoded = ref.encode()
        assert len(encoded) <= ACTION_ID_MAX
        assert ActionRef.decode(encoded) == ref
        assert ActionRef.decode(encoded).encode() == encoded
    else:
        with pytest.raises(ValueError, match="longer than 100"):
            ref.encode()


def test_action_ref_limit_is_exactly_100_characters() -> None:
    assert len(ActionRef(action="a", payload="p" * 98).encode()) == 100
    with pytest.raises(ValueError, match="longer than 100 characters"):
        ActionRef(action="a", payload="p" * 99).encode()


def test_action_ref_payload_may_not_contain_the_separator() -> None:
    with pytest.raises(ValidationError, match="may not contain"):
        ActionRef(action="meeting.rsvp", payload="42|yes")
    with pytest.raises(ValidationError, match="may not contain"):
        ActionRef.decode("meeting.rsvp|42|yes")


def test_action_ref_decode_without_a_payload() -> None:
    assert ActionRef.decode("meeting.rsvp") == ActionRef(action="meeting.rsvp", payload="")
    assert ActionRef(action="meeting.rsvp").encode() == "meeting.rsvp|"


@pytest.mark.parametrize("action_id", ["meeting|rsvp", ""])
def test_action_ref_rejects_a_bad_action_id(action_id: str) -> None:
    with pytest.raises(ValidationError):
        ActionRef(action=action_id, payload="42")


# ---- bounds every option has ----------------------------------------------------------------


def test_every_option_gets_the_kernels_bounds_when_its_cog_gives_none() -> None:
    async def handler(
        self: object,
        ctx: Context,
        n: Annotated[int, Option("N")],
        x: Annotated[float, Option("X")],
        day: Annotated[dt.date, Option("Day")],
        text: Annotated[str, Option("Text")],
        who: Annotated[Member, Option("Who")],
    ) -> Reply:
        return Reply()

    spec = command_spec(command("bounds", "Bounds")(handler))
    assert spec is not None
    n, x, day, text, who = spec.options
    assert (n.min, n.max) == (-(10**9), 10**9) and (x.min, x.max) == (-(10**9), 10**9)
    assert (day.earliest, day.latest) == (dt.date(2000, 1, 1), dt.date(2100, 12, 31))
    assert text.max_length == 1000 and who.max_length == 255


@pytest.mark.parametrize(
    ("meta", "message"),
    [
        (Option("N", max=2**53 + 1), "-2\\^53 <= min <= max <= 2\\^53"),
        (Option("N", min=-(2**63)), "-2\\^53 <= min <= max <= 2\\^53"),
        (Option("N", min=5, max=1), "min <= max"),
        (Option("N", min=0.5), "whole numbers"),
        (Option("N", earliest=dt.date(2020, 1, 1)), "earliest and latest are for dates"),
        (Option("N", max_length=10), "max_length is for text"),
    ],
)
def test_a_cog_may_narrow_the_bounds_but_never_widen_them(meta: Option, message: str) -> None:
    async def handler(self: object, ctx: Context, n: int) -> Reply:
        return Reply()

    handler.__annotations__["n"] = Annotated[int, meta]  # not a string: meta is local
    with pytest.raises((ValueError, TypeError), match=message):
        command("wide", "Too wide")(handler)


def test_a_date_window_may_only_be_narrowed() -> None:
    async def wide(
        self: object, ctx: Context, d: Annotated[dt.date, Option("D", latest=dt.date(2200, 1, 1))]
    ) -> Reply:
        return Reply()

    with pytest.raises(ValueError, match="dates may only narrow"):
        command("wide", "Too wide")(wide)

    async def narrow(
        self: object, ctx: Context, d: Annotated[dt.date, Option("D", latest=dt.date(2030, 1, 1))]
    ) -> Reply:
        return Reply()

    spec = command_spec(command("narrow", "Narrow")(narrow))
    assert spec is not None and spec.options[0].latest == dt.date(2030, 1, 1)
    assert spec.options[0].hint.startswith("a date from 2000-01-01 to 2030-01-01")
    with pytest.raises(ValidationError):
        spec.arguments.model_validate({"d": "2030-01-02"})
