"""ESCC (Bilsky 2010): every grade, its meaning and its group."""

from __future__ import annotations

import json

import pytest

from board.errors import ValidationError
from board.scoring.escc import (
    EsccGrade,
    EsccGroup,
    EsccInputs,
    calculate_escc,
    parse_escc_grade,
)

# From REFERENCE.md.
ROWS = [
    ("0", "bone-only disease", "low"),
    ("1a", "epidural impingement, no deformation of the thecal sac", "low"),
    ("1b", "deformation of the thecal sac, no abutment of the spinal cord", "low"),
    ("1c", "deformation of the thecal sac with spinal cord abutment, no cord compression",
     "borderline"),
    ("2", "spinal cord compression, CSF visible around the cord", "high"),
    ("3", "spinal cord compression, no CSF visible around the cord", "high"),
]  # fmt: skip


def test_table_is_complete() -> None:
    assert [g.value for g in EsccGrade] == [row[0] for row in ROWS]


@pytest.mark.parametrize(("grade", "meaning", "group"), ROWS)
def test_every_grade(grade: str, meaning: str, group: str) -> None:
    parsed = parse_escc_grade(grade)
    assert parsed is not None
    assert parsed.label == meaning
    assert parsed.group.value == group
    assert parsed.is_high_grade is (group == "high")
    result = calculate_escc(EsccInputs(grade=parsed))
    assert result.complete and result.missing == ()
    assert result.total is None
    assert result.grade is parsed and result.group is parsed.group
    assert result.category == f"ESCC {grade}: {parsed.group.label}"
    assert result.category_detail == f"Grade {grade}: {meaning}."
    assert result.summary() == result.category
    assert result.algorithm_id == "escc@bilsky2010"
    assert "J Neurosurg Spine 2010;13(3):324-8" in result.source


def test_1c_is_shown_as_borderline_grouped_with_low() -> None:
    group = EsccGrade.G1C.group
    assert group is EsccGroup.BORDERLINE
    assert not group.is_high
    assert "borderline" in calculate_escc(EsccInputs("1c")).summary()
    assert "low grade" in group.label


@pytest.mark.parametrize(("text", "grade"), [("1A", EsccGrade.G1A), (" 1c ", EsccGrade.G1C),
                                             ("3", EsccGrade.G3)])  # fmt: skip
def test_parse_is_case_insensitive(text: str, grade: EsccGrade) -> None:
    assert parse_escc_grade(text) is grade


@pytest.mark.parametrize("text", ["4", "1d", "1", "", "high", "-1"])
def test_rejects_unknown_grades(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        EsccInputs(grade=text)  # type: ignore[arg-type]
    assert info.value.field == "escc_grade"
    assert "1a" in info.value.message


def test_unknown_grade_is_incomplete() -> None:
    result = calculate_escc(EsccInputs())
    assert not result.complete
    assert result.missing == ("ESCC grade",)
    assert result.category is None and result.grade is None
    assert result.summary() == "incomplete: missing ESCC grade"


def test_stored_form() -> None:
    stored = json.loads(json.dumps(calculate_escc(EsccInputs("2")).to_dict()))
    assert stored["inputs"] == {"grade": "2"}
    assert stored["result"]["grade"] == "2"
    assert stored["result"]["group"] == "high"
    assert EsccInputs.from_dict(stored["inputs"]).grade is EsccGrade.G2
