"""The four check-in scales, their answers, and the one rule for what counts as a low answer.

Everything here is pure, so each boundary of the low-answer rule is tested without a bot.
Every answer also gets a score from 0 to 100 where higher is better, so a person's trend can be
drawn on one axis even if they change scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Scale(StrEnum):
    TRAFFIC_LIGHT = "traffic-light"
    MOOD = "mood"
    BURNOUT = "burnout"
    WHO5 = "who-5"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Scale.TRAFFIC_LIGHT: "Traffic light: green, amber or red (the default)",
    Scale.MOOD: "Mood from 1 (very low) to 5 (very good)",
    Scale.BURNOUT: "One question about burnout, five answers",
    Scale.WHO5: "WHO-5 wellbeing index: five questions (at most fortnightly)",
}


@dataclass(frozen=True)
class AnswerOption:
    value: int
    label: str  # the button's label (at most 80 characters)


@dataclass(frozen=True)
class ScaleInfo:
    title: str
    question: str
    options: tuple[AnswerOption, ...]


SCALES: dict[Scale, ScaleInfo] = {
    Scale.TRAFFIC_LIGHT: ScaleInfo(
        title="Traffic light",
        question="How are you going this week? Green: going well. Amber: a bit stretched. "
        "Red: struggling.",
        options=(
            AnswerOption(3, "Green"),
            AnswerOption(2, "Amber"),
            AnswerOption(1, "Red"),
        ),
    ),
    Scale.MOOD: ScaleInfo(
        title="Mood",
        question="How has your mood been lately, from 1 (very low) to 5 (very good)?",
        options=(
            AnswerOption(1, "1 (very low)"),
            AnswerOption(2, "2"),
            AnswerOption(3, "3"),
            AnswerOption(4, "4"),
            AnswerOption(5, "5 (very good)"),
        ),
    ),
    Scale.BURNOUT: ScaleInfo(
        title="Burnout",
        question="Using your own idea of burnout, which of these fits you best right now?",
        options=(
            AnswerOption(1, "1: I enjoy my work and have no symptoms of burnout"),
            AnswerOption(2, "2: Sometimes under stress, less energy than before, not burned out"),
            AnswerOption(3, "3: I am burning out: one or more symptoms, such as exhaustion"),
            AnswerOption(4, "4: The symptoms won't go away; I think about work a lot"),
            AnswerOption(5, "5: I feel completely burned out and may need to seek help"),
        ),
    ),
    Scale.WHO5: ScaleInfo(
        title="WHO-5 wellbeing index",
        question="Over the last two weeks, how often has each of these been true for you? "
        "Five questions, one at a time.",
        options=(),  # five items, each answered with WHO5_ANSWERS
    ),
}

WHO5_ITEMS = (
    "I have felt cheerful and in good spirits",
    "I have felt calm and relaxed",
    "I have felt active and vigorous",
    "I woke up feeling fresh and rested",
    "My daily life has been filled with things that interest me",
)
WHO5_ANSWERS = (
    AnswerOption(0, "0: At no time"),
    AnswerOption(1, "1: Some of the time"),
    AnswerOption(2, "2: Less than half of the time"),
    AnswerOption(3, "3: More than half of the time"),
    AnswerOption(4, "4: Most of the time"),
    AnswerOption(5, "5: All of the time"),
)
BURNOUT_LOW_FROM = 3
WHO5_LOW_BELOW = 50
#: Burnout answers from this one up ("the symptoms won't go away", "completely burned out")
#: are among the lowest answers, which show crisis lines.
BURNOUT_LOWEST_FROM = 4
#: A WHO-5 of 28 percent or less (a raw score of 7 or less of 25) is the index's lowest band,
#: the level at which its authors suggest screening for depression.
WHO5_LOWEST_AT_MOST = 28


class Level(StrEnum):
    """How an answer is replied to, in proportion to it (README, "Check-ins").

    ``OK``: thanks. ``GENTLE``: thanks and one gentle line (amber, mood 2, burnout 2).
    ``HARD``: a low answer that is not among the lowest (burnout 3, a WHO-5 from 32 to 48
    percent): rest, a peer, peer supervision, workload and the employee assistance programme,
    no crisis lines. ``LOWEST``: red, mood 1, burnout 4 or 5, a WHO-5 of 28 percent or less:
    people first, then the crisis lines with 000.
    """

    OK = "ok"
    GENTLE = "gentle"
    HARD = "hard"
    LOWEST = "lowest"


def who5_percent(items: tuple[int, ...] | list[int]) -> int:
    """Five items scored 0 to 5: the total times 4 is a percentage."""
    if len(items) != len(WHO5_ITEMS) or any(not 0 <= i <= 5 for i in items):
        raise ValueError("WHO-5 needs five answers from 0 to 5")
    return sum(items) * 4


def valid_values(scale: Scale) -> range:
    """The values an answer on this scale can have (WHO-5: the percentage)."""
    if scale is Scale.TRAFFIC_LIGHT:
        return range(1, 4)
    if scale is Scale.WHO5:
        return range(0, 101, 4)
    return range(1, 6)


def is_low(scale: Scale, value: int) -> bool:
    """The one rule for a low answer (DOMAIN.md): red, a mood of 1, a burnout answer of 3 or
    more, or a WHO-5 under 50 percent. A low answer gets the support reply."""
    if value not in valid_values(scale):
        raise ValueError(f"{value} is not an answer on the {scale.value} scale")
    if scale is Scale.TRAFFIC_LIGHT:
        return value == 1
    if scale is Scale.MOOD:
        return value == 1
    if scale is Scale.BURNOUT:
        return value >= BURNOUT_LOW_FROM
    return value < WHO5_LOW_BELOW


def level(scale: Scale, value: int) -> Level:
    """Which reply an answer gets; ``HARD`` and ``LOWEST`` are exactly the low answers."""
    if is_low(scale, value):
        lowest = {
            Scale.TRAFFIC_LIGHT: True,
            Scale.MOOD: True,
            Scale.BURNOUT: value >= BURNOUT_LOWEST_FROM,
            Scale.WHO5: value <= WHO5_LOWEST_AT_MOST,
        }[scale]
        return Level.LOWEST if lowest else Level.HARD
    gentle = {
        Scale.TRAFFIC_LIGHT: value == 2,
        Scale.MOOD: value == 2,
        Scale.BURNOUT: value == 2,
        Scale.WHO5: False,
    }[scale]
    return Level.GENTLE if gentle else Level.OK


def score(scale: Scale, value: int) -> int:
    """0 to 100, higher is better, for one trend line across scales."""
    if value not in valid_values(scale):
        raise ValueError(f"{value} is not an answer on the {scale.value} scale")
    if scale is Scale.TRAFFIC_LIGHT:
        return (value - 1) * 50
    if scale is Scale.MOOD:
        return (value - 1) * 25
    if scale is Scale.BURNOUT:
        return (5 - value) * 25
    return value


def answer_label(scale: Scale, value: int) -> str:
    """How an answer reads back to the person: ``Red``, ``mood 4``, ``WHO-5 48 percent``."""
    if scale is Scale.TRAFFIC_LIGHT:
        return {3: "Green", 2: "Amber", 1: "Red"}[value]
    if scale is Scale.MOOD:
        return f"Mood {value} of 5"
    if scale is Scale.BURNOUT:
        return f"Burnout answer {value} of 5"
    return f"WHO-5 {value} percent"


_MOOD_WORDS = {
    1: "mood very low",
    2: "mood low",
    3: "mood okay",
    4: "mood good",
    5: "mood very good",
}
_BURNOUT_WORDS = {
    1: "enjoying work, no burnout",
    2: "some stress, not burned out",
    3: "burning out",
    4: "burnout symptoms that won't go away",
    5: "completely burned out",
}


def answer_words(scale: Scale, value: int) -> str:
    """An answer in plain words, with no score or percentage, for every reply and notice
    (numbers appear only in /checkin history): ``Red``, ``mood low``, ``burning out``,
    ``wellbeing low over the last two weeks``."""
    if scale is Scale.TRAFFIC_LIGHT:
        return answer_label(scale, value)
    if scale is Scale.MOOD:
        return _MOOD_WORDS[value]
    if scale is Scale.BURNOUT:
        return _BURNOUT_WORDS[value]
    if value <= WHO5_LOWEST_AT_MOST:
        how = "very low"
    elif value < WHO5_LOW_BELOW:
        how = "low"
    else:
        how = "okay"
    return f"wellbeing {how} over the last two weeks"


def band(scale: Scale, value: int) -> str:
    """The band an answer is counted in for a coordinator's totals."""
    if scale is Scale.WHO5:
        return "under 50 percent" if value < WHO5_LOW_BELOW else "50 percent or more"
    return answer_label(scale, value)


def bands(scale: Scale) -> list[str]:
    """Every band of a scale, in the order a summary lists them (best first)."""
    if scale is Scale.WHO5:
        return ["50 percent or more", "under 50 percent"]
    if scale is Scale.BURNOUT:
        return [band(scale, v) for v in range(1, 6)]
    return [band(scale, v) for v in sorted(valid_values(scale), reverse=True)]
