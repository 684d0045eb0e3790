"""Frankel and ASIA grades, and Frankel -> Tokuhashi palsy points."""

from __future__ import annotations

import pytest

from board.errors import ValidationError
from board.scoring.neuro import (
    AsiaGrade,
    FrankelGrade,
    frankel_palsy_points,
    parse_asia,
    parse_frankel,
)

FRANKEL_ROWS = [
    ("A", "complete: no motor or sensory function below the level", 0),
    ("B", "sensory only", 0),
    ("C", "motor present but useless", 1),
    ("D", "motor useful", 1),
    ("E", "normal", 2),
]
ASIA_ROWS = [
    ("A", "complete"),
    ("B", "sensory incomplete"),
    ("C", "motor incomplete: fewer than half of key muscles below the level at grade 3 or more"),
    ("D", "motor incomplete: at least half of key muscles below the level at grade 3 or more"),
    ("E", "normal"),
]


@pytest.mark.parametrize(("grade", "meaning", "points"), FRANKEL_ROWS)
def test_frankel(grade: str, meaning: str, points: int) -> None:
    parsed = parse_frankel(grade)
    assert parsed is FrankelGrade(grade)
    assert parsed.label == meaning
    assert frankel_palsy_points(parsed) == points
    assert parsed.tokuhashi_palsy_points == points
    assert parsed.has_deficit is (grade != "E")
    assert parse_frankel(grade.lower()) is parsed


@pytest.mark.parametrize(
    ("grade", "label"),
    [("A", "complete (Frankel A, B)"), ("B", "complete (Frankel A, B)"),
     ("C", "incomplete (Frankel C, D)"), ("D", "incomplete (Frankel C, D)"),
     ("E", "none (Frankel E)")],
)  # fmt: skip
def test_frankel_palsy_labels(grade: str, label: str) -> None:
    assert FrankelGrade(grade).tokuhashi_palsy_label == label


@pytest.mark.parametrize(("grade", "meaning"), ASIA_ROWS)
def test_asia(grade: str, meaning: str) -> None:
    parsed = parse_asia(grade)
    assert parsed is AsiaGrade(grade)
    assert parsed.label == meaning
    assert parsed.has_deficit is (grade != "E")
    assert parse_asia(grade.lower()) is parsed


def test_tables_are_complete() -> None:
    assert [g.value for g in FrankelGrade] == [r[0] for r in FRANKEL_ROWS]
    assert [g.value for g in AsiaGrade] == [r[0] for r in ASIA_ROWS]


@pytest.mark.parametrize("value", ["F", "", "AB", "1"])
def test_rejects_unknown_grades(value: str) -> None:
    with pytest.raises(ValidationError) as frankel:
        parse_frankel(value)
    assert frankel.value.field == "frankel"
    with pytest.raises(ValidationError) as asia:
        parse_asia(value)
    assert asia.value.field == "asia"


def test_unknown_is_none() -> None:
    assert parse_frankel(None) is None
    assert parse_asia(None) is None
