"""Kaplan-Meier estimator: hand-computed examples, edge cases and properties."""

from __future__ import annotations

import itertools
import math
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from board.analytics.survival import AtRisk, kaplan_meier, kaplan_meier_tallied
from board.errors import ValidationError


def test_hand_computed_example() -> None:
    # Six patients: deaths at 1, 2, 2 and 4; alive at last contact at 3 and 5.
    #  time  at risk  deaths  censored  S(t)
    #   1       6       1        0      5/6                       = 0.8333
    #   2       5       2        0      5/6 * (1 - 2/5) = 5/6*3/5 = 0.5   -> median 2
    #   3       3       0        1      0.5
    #   4       2       1        0      0.5 * (1 - 1/2)          = 0.25
    #   5       1       0        1      0.25
    # Greenwood: sum d/(n(n-d)): t=1: 1/30; t=2: 1/30 + 2/15 = 1/6; t=4: 1/6 + 1/2 = 2/3
    #   SE(2) = 0.5 * sqrt(1/6) = 0.2041; SE(4) = 0.25 * sqrt(2/3) = 0.2041
    km = kaplan_meier(
        [(1, True), (2, True), (2, True), (3, False), (4, True), (5, False)], std_errors=True
    )
    assert [(s.time, s.at_risk, s.events, s.censored) for s in km.steps] == [
        (1.0, 6, 1, 0),
        (2.0, 5, 2, 0),
        (3.0, 3, 0, 1),
        (4.0, 2, 1, 0),
        (5.0, 1, 0, 1),
    ]
    assert [s.survival for s in km.steps] == pytest.approx([5 / 6, 0.5, 0.5, 0.25, 0.25])
    assert km.steps[0].std_error == pytest.approx(5 / 6 * math.sqrt(1 / 30))
    assert km.steps[1].std_error == pytest.approx(0.5 * math.sqrt(1 / 6))
    assert km.steps[3].std_error == pytest.approx(0.25 * math.sqrt(2 / 3))
    assert km.median == 2.0
    assert (km.n, km.events) == (6, 4)
    assert km.survival_at(0) == 1.0
    assert km.survival_at(1.5) == pytest.approx(5 / 6)
    assert km.survival_at(100) == pytest.approx(0.25)
    assert km.number_at_risk([0, 2, 2.5, 5, 6]) == (
        AtRisk(0.0, 6),
        AtRisk(2.0, 5),
        AtRisk(2.5, 3),
        AtRisk(5.0, 1),
        AtRisk(6.0, 0),
    )


def test_deaths_come_before_censorings_at_the_same_time() -> None:
    # t=2: 3 at risk, 1 death (the censored patient still counts as at risk): S = 2/3
    # t=3: 1 at risk, 1 death: S = 0, median 3
    km = kaplan_meier([(2, False), (2, True), (3, True)], std_errors=True)
    assert [(s.time, s.at_risk, s.events, s.censored) for s in km.steps] == [
        (2.0, 3, 1, 1),
        (3.0, 1, 1, 0),
    ]
    assert [s.survival for s in km.steps] == pytest.approx([2 / 3, 0.0])
    assert km.steps[-1].std_error == 0.0
    assert km.median == 3.0


def test_all_censored_never_drops() -> None:
    km = kaplan_meier([(10, False), (20, False), (20, False)])
    assert [s.survival for s in km.steps] == [1.0, 1.0]
    assert km.median is None and km.events == 0
    assert km.steps[0].std_error is None  # not asked for


def test_all_events() -> None:
    # 4 deaths at 1, 2, 3, 4: S = 3/4, 1/2, 1/4, 0; median at 2 (first S <= 0.5)
    km = kaplan_meier([(4, True), (3, True), (2, True), (1, True)])
    assert [s.survival for s in km.steps] == pytest.approx([0.75, 0.5, 0.25, 0.0])
    assert km.median == 2.0


def test_empty() -> None:
    km = kaplan_meier([])
    assert km.steps == () and km.n == 0 and km.events == 0 and km.median is None
    assert km.survival_at(5) == 1.0
    assert km.number_at_risk([0, 90]) == (AtRisk(0.0, 0), AtRisk(90.0, 0))


def test_death_on_day_zero() -> None:
    km = kaplan_meier([(0, True), (5, False)])
    assert km.steps[0].time == 0.0 and km.steps[0].survival == pytest.approx(0.5)
    assert km.median == 0.0


@pytest.mark.parametrize(
    ("observations", "message"),
    [
        ([(-1, True)], "0 days or more"),
        ([(float("nan"), False)], "0 days or more"),
        ([(float("inf"), False)], "0 days or more"),
        ([("3", True)], "number of days"),
        ([(True, True)], "number of days"),
        ([(3, 1)], "True \\(death\\) or False"),
        ([(3,)], "must be a pair"),
    ],
)
def test_bad_input_is_refused(observations: list[tuple[object, ...]], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        kaplan_meier(observations)  # type: ignore[arg-type]


@given(
    st.lists(
        st.tuples(
            st.floats(min_value=0, max_value=3000, allow_nan=False, allow_infinity=False),
            st.booleans(),
        ),
        max_size=60,
    )
)
def test_properties(observations: list[tuple[float, bool]]) -> None:
    km = kaplan_meier(observations, std_errors=True)
    survival = [s.survival for s in km.steps]
    at_risk = [s.at_risk for s in km.steps]
    assert all(0.0 <= s <= 1.0 for s in survival)
    assert all(a >= b for a, b in itertools.pairwise(survival))
    assert all(a >= b for a, b in itertools.pairwise(at_risk))
    assert sum(s.events + s.censored for s in km.steps) == len(observations)
    assert km.events == sum(1 for _, e in observations if e)
    assert all(s.std_error is not None and s.std_error >= 0 for s in km.steps)
    if km.median is not None:
        assert km.survival_at(km.median) <= 0.5 + 1e-9
    if km.steps:
        assert km.steps[0].at_risk == len(observations)


@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=40).map(float), st.booleans()),
        max_size=80,
    ),
    st.lists(st.floats(min_value=0, max_value=50, allow_nan=False), max_size=6),
)
def test_tallied_observations_give_the_same_estimate(
    observations: list[tuple[float, bool]], times: list[float]
) -> None:
    listed = kaplan_meier(observations, std_errors=True)
    tallied = kaplan_meier_tallied(Counter(observations), std_errors=True)
    assert tallied == listed
    assert tallied.number_at_risk(times) == tuple(
        AtRisk(float(t), sum(1 for time, _ in observations if time >= t)) for t in times
    )


@pytest.mark.parametrize("patients", [0, -2, 1.5, True])
def test_a_tally_must_count_whole_patients(patients: object) -> None:
    with pytest.raises(ValidationError, match="whole number of at least 1"):
        kaplan_meier_tallied({(3.0, True): patients})  # type: ignore[dict-item]


def test_a_tallied_observation_is_checked_like_a_listed_one() -> None:
    with pytest.raises(ValidationError, match="0 days or more"):
        kaplan_meier_tallied({(-1.0, True): 2})
