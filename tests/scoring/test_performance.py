"""ECOG, Karnofsky, their approximate conversion and the Tokuhashi Karnofsky bands."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from board.errors import ValidationError
from board.scoring.performance import (
    EcogGrade,
    KarnofskyBand,
    ecog_to_karnofsky,
    karnofsky_band,
    karnofsky_meaning,
    karnofsky_to_ecog,
    parse_ecog,
    validate_karnofsky,
)

# From REFERENCE.md: ECOG, meaning, Karnofsky equivalent.
ECOG_ROWS = [
    (0, "fully active", 90, 100),
    (1, "restricted in strenuous activity, ambulatory, light work", 70, 80),
    (2, "ambulatory, self-care, unable to work, up more than 50% of waking hours", 50, 60),
    (3, "limited self-care, in bed or chair more than 50% of waking hours", 30, 40),
    (4, "completely disabled, confined to bed or chair", 10, 20),
    (5, "dead", 0, 0),
]
KARNOFSKY_TO_ECOG = {100: 0, 90: 0, 80: 1, 70: 1, 60: 2, 50: 2, 40: 3, 30: 3, 20: 4, 10: 4, 0: 5}


@pytest.mark.parametrize(("grade", "meaning", "low", "high"), ECOG_ROWS)
def test_ecog_rows(grade: int, meaning: str, low: int, high: int) -> None:
    ecog = parse_ecog(grade)
    assert ecog is not None
    assert ecog.grade == grade
    assert ecog.label == meaning
    assert parse_ecog(str(grade)) is ecog
    converted = ecog_to_karnofsky(ecog)
    assert (converted.low, converted.high) == (low, high)
    assert converted.approximate is True
    assert converted.label.startswith("approximately Karnofsky ")
    assert ecog_to_karnofsky(grade) == converted


def test_ecog_table_complete() -> None:
    assert [g.grade for g in EcogGrade] == [0, 1, 2, 3, 4, 5]
    assert ecog_to_karnofsky(1).label == "approximately Karnofsky 70-80"
    assert ecog_to_karnofsky(5).label == "approximately Karnofsky 0"


@pytest.mark.parametrize(("karnofsky", "ecog"), list(KARNOFSKY_TO_ECOG.items()))
def test_karnofsky_to_ecog_every_value(karnofsky: int, ecog: int) -> None:
    converted = karnofsky_to_ecog(karnofsky)
    assert converted.grade.grade == ecog
    assert converted.approximate is True
    assert converted.label == f"approximately ECOG {ecog}"
    assert karnofsky_meaning(karnofsky)


@pytest.mark.parametrize("value", [6, -1, "6", "ECOG two", 2.5, True])
def test_rejects_bad_ecog(value: object) -> None:
    with pytest.raises(ValidationError) as info:
        parse_ecog(value)  # type: ignore[arg-type]
    assert info.value.field == "ecog"


def test_ecog_unknown() -> None:
    assert parse_ecog(None) is None
    with pytest.raises(ValidationError):
        ecog_to_karnofsky(None)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", list(range(0, 101, 10)))
def test_valid_karnofsky(value: int) -> None:
    assert validate_karnofsky(value) == value


@pytest.mark.parametrize("value", [5, 55, 99, 101, 110, -10, True, 50.0, "50", None])
def test_rejects_bad_karnofsky(value: object) -> None:
    with pytest.raises(ValidationError) as info:
        validate_karnofsky(value)
    assert "steps of 10" in info.value.message
    assert info.value.field == "karnofsky"


def test_karnofsky_meanings_ends() -> None:
    assert karnofsky_meaning(0) == "dead"
    assert karnofsky_meaning(100).startswith("normal")


@pytest.mark.parametrize(
    ("karnofsky", "band", "points"),
    [(10, "poor", 0), (20, "poor", 0), (30, "poor", 0), (40, "poor", 0),
     (50, "moderate", 1), (60, "moderate", 1), (70, "moderate", 1),
     (80, "good", 2), (90, "good", 2), (100, "good", 2)],
)  # fmt: skip
def test_karnofsky_band_every_value(karnofsky: int, band: str, points: int) -> None:
    assert karnofsky_band(karnofsky) is KarnofskyBand(band)
    assert KarnofskyBand(band).points == points


def test_karnofsky_zero_is_rejected_for_tokuhashi() -> None:
    with pytest.raises(ValidationError, match="died"):
        karnofsky_band(0)


@given(st.sampled_from(range(0, 101, 10)))
def test_property_round_trip_stays_in_range(karnofsky: int) -> None:
    back = ecog_to_karnofsky(karnofsky_to_ecog(karnofsky).grade)
    assert back.low <= karnofsky <= back.high
