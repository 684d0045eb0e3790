"""Pain: NRS, character and the Chow 2012 pain response after radiation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from board.errors import ValidationError
from board.scoring.pain import (
    PainCharacter,
    PainResponse,
    PainResponseInputs,
    calculate_pain_response,
    classify_pain_response,
    validate_nrs,
)

C, P, G, INDET = "complete", "partial", "progression", "indeterminate"

# (baseline pain, follow-up pain, baseline OMED, follow-up OMED, expected)
CASES = [
    # complete: pain 0 with no rise in OMED
    (6, 0, 60, 60, C),
    (6, 0, 60, 30, C),
    (2, 0, 0, 0, C),
    (6, 0, 60, 61, INDET),  # pain 0 but OMED rose: not complete, not partial
    (6, 0, 60, 90, INDET),
    # partial: pain down 2 or more without more analgesic
    (6, 4, 60, 60, P),
    (6, 3, 60, 40, P),
    (6, 5, 60, 60, INDET),  # down 1: not enough
    (6, 4, 60, 61, INDET),  # down 2 but more analgesic
    # partial: OMED down 25% or more without more pain
    (6, 6, 100, 75, P),
    (6, 5, 100, 75, P),
    (6, 6, 100, 76, INDET),  # 24% down
    (6, 7, 100, 50, INDET),  # OMED down but pain up
    (6, 6, 8, 6, P),
    # progression: pain up 2 or more with stable OMED
    (4, 6, 60, 60, G),
    (4, 6, 60, 70, G),
    (4, 6, 60, 46, G),  # changes under 25%
    (4, 5, 60, 60, INDET),  # up 1 only
    (4, 6, 60, 75, INDET),  # up 2 and OMED up 25%: not in any definition
    (4, 6, 60, 45, INDET),  # up 2 and OMED down 25%
    # progression: OMED up 25% or more with pain stable or up 1
    (4, 4, 60, 75, G),
    (4, 5, 60, 75, G),
    (4, 4, 60, 74, INDET),  # 23% up
    (4, 3, 60, 75, INDET),  # pain down 1 with more OMED
    (4, 4, 0, 10, G),  # any dose from none is a rise of 25% or more
    # nothing changed
    (5, 5, 30, 30, INDET),
    (0, 0, 0, 0, C),
]


@pytest.mark.parametrize(("bp", "fp", "bo", "fo", "expected"), CASES)
def test_response_table(bp: int, fp: int, bo: float, fo: float, expected: str) -> None:
    assert classify_pain_response(bp, fp, bo, fo) is PainResponse(expected)
    result = calculate_pain_response(PainResponseInputs(bp, fp, bo, fo))
    assert result.complete
    assert result.category == PainResponse(expected).label
    assert result.algorithm_id == "pain-response@chow2012"


def test_baseline_under_2_is_noted() -> None:
    result = calculate_pain_response(PainResponseInputs(1, 0, 0, 0))
    assert result.category_detail is not None and "baseline pain of 2" in result.category_detail
    other = calculate_pain_response(PainResponseInputs(5, 0, 0, 0))
    assert other.category_detail is not None and "baseline pain of 2" not in (other.category_detail)


@pytest.mark.parametrize("value", list(range(11)))
def test_nrs_valid(value: int) -> None:
    assert validate_nrs(value) == value


@pytest.mark.parametrize("value", [-1, 11, 5.5, True, "5", None])
def test_nrs_invalid(value: object) -> None:
    with pytest.raises(ValidationError) as info:
        validate_nrs(value)
    assert "0 (no pain) to 10" in info.value.message


@pytest.mark.parametrize(
    ("key", "value"),
    [("baseline_pain", 11), ("followup_pain", -1), ("baseline_omed", -5),
     ("followup_omed", float("nan")), ("baseline_omed", "ten"), ("followup_pain", 2.5)],
)  # fmt: skip
def test_inputs_validated(key: str, value: object) -> None:
    with pytest.raises(ValidationError) as info:
        PainResponseInputs(**{key: value})  # type: ignore[arg-type]
    assert info.value.field == key


MISSING = ["baseline pain", "follow-up pain", "baseline oral morphine equivalent dose",
           "follow-up oral morphine equivalent dose"]  # fmt: skip


@pytest.mark.parametrize("index", range(4))
def test_unknown_input(index: int) -> None:
    values: list[float | None] = [5, 3, 20, 20]
    values[index] = None
    result = calculate_pain_response(PainResponseInputs(*values))  # type: ignore[arg-type]
    assert not result.complete and result.category is None
    assert result.missing == (MISSING[index],)
    assert result.summary() == f"incomplete: missing {MISSING[index]}"


@pytest.mark.parametrize(
    ("character", "feeds"),
    [(PainCharacter.MECHANICAL, True), (PainCharacter.BIOLOGICAL, False),
     (PainCharacter.RADICULAR, False)],
)  # fmt: skip
def test_character(character: PainCharacter, feeds: bool) -> None:
    assert character.feeds_sins is feeds
    assert character.label


@given(
    st.integers(0, 10), st.integers(0, 10),
    st.integers(0, 400).map(float), st.integers(0, 400).map(float),
)  # fmt: skip
def test_property_definitions(bp: int, fp: int, bo: float, fo: float) -> None:
    response = classify_pain_response(bp, fp, bo, fo)
    if response is PainResponse.COMPLETE:
        assert fp == 0 and fo <= bo
    if response is PainResponse.PARTIAL:
        assert (fp - bp <= -2 and fo <= bo) or (4 * fo <= 3 * bo and fo < bo and fp <= bp)
    if response is PainResponse.PROGRESSION:
        assert fp - bp >= 1 or (fp == bp and fo > bo)
    if fp == 0 and fo <= bo:
        assert response is PainResponse.COMPLETE
