"""The low-answer rule, each boundary, and the scores and bands built on the scales."""

from __future__ import annotations

import pytest

from cogs.checkins.scales import (
    SCALES,
    WHO5_ANSWERS,
    WHO5_ITEMS,
    Scale,
    band,
    bands,
    is_low,
    score,
    valid_values,
    who5_percent,
)


@pytest.mark.parametrize(
    ("scale", "value", "low"),
    [
        (Scale.TRAFFIC_LIGHT, 1, True),  # red
        (Scale.TRAFFIC_LIGHT, 2, False),  # amber
        (Scale.TRAFFIC_LIGHT, 3, False),  # green
        (Scale.MOOD, 1, True),
        (Scale.MOOD, 2, False),
        (Scale.MOOD, 5, False),
        (Scale.BURNOUT, 1, False),
        (Scale.BURNOUT, 2, False),
        (Scale.BURNOUT, 3, True),
        (Scale.BURNOUT, 5, True),
        (Scale.WHO5, 0, True),
        (Scale.WHO5, 48, True),
        (Scale.WHO5, 52, False),
        (Scale.WHO5, 100, False),
    ],
)
def test_low_answer_rule_at_each_boundary(scale: Scale, value: int, low: bool) -> None:
    assert is_low(scale, value) is low


def test_who5_exactly_50_percent_is_not_low_and_49_cannot_happen() -> None:
    # Totals are multiples of 4, so the boundary falls between 48 (low) and 52: 50 is not a
    # possible answer, and "under 50" means 48 or less.
    assert who5_percent([2, 2, 2, 3, 3]) == 48 and is_low(Scale.WHO5, 48)
    assert who5_percent([3, 3, 2, 2, 3]) == 52 and not is_low(Scale.WHO5, 52)
    assert 50 not in valid_values(Scale.WHO5)


def test_an_answer_off_the_scale_is_refused() -> None:
    with pytest.raises(ValueError):
        is_low(Scale.TRAFFIC_LIGHT, 4)
    with pytest.raises(ValueError):
        who5_percent([5, 5, 5, 5])
    with pytest.raises(ValueError):
        who5_percent([6, 0, 0, 0, 0])


def test_scores_put_every_scale_on_one_axis_where_higher_is_better() -> None:
    assert [score(Scale.TRAFFIC_LIGHT, v) for v in (1, 2, 3)] == [0, 50, 100]
    assert [score(Scale.MOOD, v) for v in (1, 3, 5)] == [0, 50, 100]
    assert [score(Scale.BURNOUT, v) for v in (1, 3, 5)] == [100, 50, 0]
    assert score(Scale.WHO5, 64) == 64


def test_bands_for_totals() -> None:
    assert bands(Scale.TRAFFIC_LIGHT) == ["Green", "Amber", "Red"]
    assert band(Scale.WHO5, 48) == "under 50 percent"
    assert band(Scale.WHO5, 52) == "50 percent or more"
    assert len(bands(Scale.BURNOUT)) == 5


def test_wording_from_the_domain_and_the_who() -> None:
    burnout = [o.label for o in SCALES[Scale.BURNOUT].options]
    assert burnout[0].endswith("I enjoy my work and have no symptoms of burnout")
    assert burnout[-1].endswith("I feel completely burned out and may need to seek help")
    assert all(len(label) <= 80 for label in burnout)  # Discord's button label limit
    assert WHO5_ITEMS[0] == "I have felt cheerful and in good spirits"
    assert len(WHO5_ITEMS) == 5
    assert WHO5_ANSWERS[0].label.endswith("At no time")
    assert WHO5_ANSWERS[-1].label.endswith("All of the time")
