"""ESCC (Bilsky 2010): every grade, its meaning and its group."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from board.cases.levels import ALL_LEVELS
from board.errors import ValidationError
from board.scoring import registry
from board.scoring.escc import (
    CASE_ALGORITHM_ID,
    EsccGrade,
    EsccGroup,
    EsccInputs,
    calculate_case_escc,
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


# ---------------------------------------------------------------------------
# Several levels: the highest known grade drives the case
# ---------------------------------------------------------------------------

CASE_ROWS = [
    # A known high-grade level decides the case even if another level is unknown.
    ({"T8": "3", "T10": None}, "high grade at T8 (ESCC 3)", ("T10",), ()),
    ({"T10": None, "T8": "2"}, "high grade at T8 (ESCC 2)", ("T10",), ()),
    ({"T4": None, "T8": "2", "L1": "3"}, "high grade at L1 (ESCC 3)", ("T4",), ()),
    # The other side of the 1c / 2 boundary: low grade (or borderline) plus an unknown
    # level is incomplete and names the level.
    ({"T8": "1c", "T10": None}, None, ("T10",), ("ESCC grade at T10",)),
    ({"T8": "1b", "T10": None, "T11": None}, None, ("T10", "T11"),
     ("ESCC grade at T10", "ESCC grade at T11")),
    ({"T8": "0", "T10": None}, None, ("T10",), ("ESCC grade at T10",)),
    ({"T8": None}, None, ("T8",), ("ESCC grade at T8",)),
    ({}, None, (), ("ESCC grade",)),
    # Every level graded: the highest grade; ties go to the most cranial level.
    ({"T8": "1a", "T10": "2"}, "high grade at T10 (ESCC 2)", (), ()),
    ({"T10": "3", "T8": "3"}, "high grade at T8 (ESCC 3)", (), ()),
    ({"T8": "1a", "T9": "1c"}, "borderline at T9 (ESCC 1c)", (), ()),
    ({"T8": "1a", "T9": "1b"}, "low grade at T9 (ESCC 1b)", (), ()),
    ({"L2": "0"}, "low grade at L2 (ESCC 0)", (), ()),
]  # fmt: skip


@pytest.mark.parametrize(("levels", "category", "ungraded", "missing"), CASE_ROWS)
def test_case_grade(
    levels: dict[str, str | None],
    category: str | None,
    ungraded: tuple[str, ...],
    missing: tuple[str, ...],
) -> None:
    result = calculate_case_escc(list(levels.items()))
    assert result.algorithm_id == CASE_ALGORITHM_ID == "escc-case@bilsky2010"
    assert result.category == category
    assert result.ungraded_levels == ungraded
    assert result.missing == missing
    assert result.complete is (category is not None)
    assert result.total is None
    if category is None:
        assert result.grade is None and result.level is None
        assert result.summary() == "incomplete: missing " + ", ".join(missing)
    else:
        assert result.summary() == category
        assert result.level in levels and result.grade is not None
        assert result.group is result.grade.group
    if category is not None and ungraded:
        assert result.category_detail is not None
        assert f"Not yet graded: {', '.join(ungraded)}" in result.category_detail


def test_case_components_in_anatomical_order() -> None:
    result = calculate_case_escc([("L1", "3"), ("T8", None), ("t4", "1a")])
    assert [c.input_key for c in result.components] == ["T4", "T8", "L1"]
    assert [c.finding_label for c in result.components] == [
        "1a: epidural impingement, no deformation of the thecal sac",
        None,
        "3: spinal cord compression, no CSF visible around the cord",
    ]
    assert result.inputs == (("T4", "1a"), ("T8", None), ("L1", "3"))


def test_case_borderline_detail() -> None:
    result = calculate_case_escc([("T9", "1c")])
    assert result.category_detail is not None
    assert "commonly grouped with low grade" in result.category_detail


def test_case_rejects_bad_levels_and_grades() -> None:
    with pytest.raises(ValidationError, match="listed twice"):
        calculate_case_escc([("T8", "2"), ("t8", "3")])
    with pytest.raises(ValidationError, match=r"Co1|coccyx|C1-C7"):
        calculate_case_escc([("Co1", "2")])
    with pytest.raises(ValidationError):
        calculate_case_escc([("T8", "4")])


def test_case_stored_form_and_recompute() -> None:
    result = calculate_case_escc([("T8", "3"), ("T10", None)])
    stored = json.loads(json.dumps(result.to_dict()))
    assert stored["inputs"] == {"T8": "3", "T10": None}
    assert stored["result"]["level"] == "T8"
    assert stored["result"]["ungraded_levels"] == "T10"
    assert stored["result"]["summary"] == "high grade at T8 (ESCC 3)"
    again = registry.recompute(CASE_ALGORITHM_ID, stored["inputs"])
    assert again.summary() == result.summary()


GRADES = st.sampled_from([None, *EsccGrade])
LEVEL_GRADES = st.dictionaries(st.sampled_from([str(lv) for lv in ALL_LEVELS]), GRADES)


@settings(max_examples=200, deadline=None)
@given(LEVEL_GRADES)
def test_case_property(levels: dict[str, EsccGrade | None]) -> None:
    result = calculate_case_escc(list(levels.items()))
    known = [g for g in levels.values() if g is not None]
    unknown = [lv for lv, g in levels.items() if g is None]
    high = any(g.is_high_grade for g in known)
    assert result.complete is (bool(known) and (high or not unknown))
    assert set(result.ungraded_levels) == set(unknown)
    if result.complete:
        order = list(EsccGrade)
        assert result.grade == max(known, key=order.index)
        assert result.grade is not None and levels[str(result.level)] is result.grade
        assert not result.missing
    else:
        assert result.grade is None and result.category is None
        assert result.missing
    # A high-grade level added anywhere makes the case complete and high grade.
    free = [str(lv) for lv in ALL_LEVELS if str(lv) not in levels]
    if free:
        more = calculate_case_escc([*levels.items(), (free[0], EsccGrade.G2)])
        assert more.complete and more.group is EsccGroup.HIGH
