"""Epidural spinal cord compression (ESCC) scale, the Bilsky grade.

Source: Bilsky MH et al., "Reliability analysis of the epidural spinal cord compression
scale", J Neurosurg Spine 2010;13(3):324-8. Read on axial T2 MRI at the most compressed
level.

Low grade: 0, 1a, 1b. Grade 1c is commonly grouped with low grade and is shown as
borderline. High grade: 2 and 3.

Several levels (:func:`calculate_case_escc`): the case's grade is the highest known
grade. When any known level is 2 or 3 the case is high grade even if another level is
unknown (the result says which level is not yet graded); only when every known level is
low grade (or borderline) and some level is unknown is the result incomplete.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from board.cases.levels import VertebralLevel
from board.errors import ValidationError
from board.scoring.common import (
    JsonScalar,
    ScoreComponent,
    ScoreInputs,
    ScoreResult,
    coerce_enum,
    input_pairs,
)

ALGORITHM_ID = "escc@bilsky2010"
NAME = "Epidural spinal cord compression (ESCC, Bilsky grade)"
CASE_ALGORITHM_ID = "escc-case@bilsky2010"
"""The case-level grade over several levels (the highest known grade drives the case)."""
CASE_NAME = "Epidural spinal cord compression (ESCC), most compressed level of the case"
SOURCE = (
    'Bilsky MH et al., "Reliability analysis of the epidural spinal cord compression '
    'scale", J Neurosurg Spine 2010;13(3):324-8.'
)


class EsccGroup(StrEnum):
    """Grouping of ESCC grades."""

    LOW = "low"
    BORDERLINE = "borderline"
    HIGH = "high"

    @property
    def label(self) -> str:
        """Plain-English name."""
        return {
            "low": "low grade",
            "borderline": "borderline (1c: commonly grouped with low grade)",
            "high": "high grade",
        }[self.value]

    @property
    def is_high(self) -> bool:
        """Whether the group counts as high grade (1c counts as low grade)."""
        return self is EsccGroup.HIGH


class EsccGrade(StrEnum):
    """Bilsky ESCC grade."""

    G0 = "0"
    G1A = "1a"
    G1B = "1b"
    G1C = "1c"
    G2 = "2"
    G3 = "3"

    @property
    def label(self) -> str:
        """Plain-English meaning of the grade."""
        return _MEANINGS[self]

    @property
    def group(self) -> EsccGroup:
        """Low (0, 1a, 1b), borderline (1c) or high (2, 3)."""
        if self is EsccGrade.G1C:
            return EsccGroup.BORDERLINE
        if self in (EsccGrade.G2, EsccGrade.G3):
            return EsccGroup.HIGH
        return EsccGroup.LOW

    @property
    def is_high_grade(self) -> bool:
        """``True`` for grades 2 and 3."""
        return self.group is EsccGroup.HIGH


_MEANINGS: dict[EsccGrade, str] = {
    EsccGrade.G0: "bone-only disease",
    EsccGrade.G1A: "epidural impingement, no deformation of the thecal sac",
    EsccGrade.G1B: "deformation of the thecal sac, no abutment of the spinal cord",
    EsccGrade.G1C: ("deformation of the thecal sac with spinal cord abutment, no cord compression"),
    EsccGrade.G2: "spinal cord compression, CSF visible around the cord",
    EsccGrade.G3: "spinal cord compression, no CSF visible around the cord",
}


def parse_escc_grade(value: EsccGrade | str | None) -> EsccGrade | None:
    """Read an ESCC grade such as ``"1c"`` (case-insensitive); ``None`` is unknown.

    Parameters
    ----------
    value:
        The grade.

    Returns
    -------
    EsccGrade | None
        The grade.

    Raises
    ------
    ValidationError
        If the text is not one of 0, 1a, 1b, 1c, 2, 3.
    """
    return coerce_enum(value, EsccGrade, "escc_grade", "ESCC grade")


@dataclass(frozen=True, slots=True)
class EsccInputs(ScoreInputs):
    """The ESCC grade read at the most compressed level; ``None`` means unknown.

    Raises
    ------
    ValidationError
        If the grade is not recognised.
    """

    grade: EsccGrade | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "grade", parse_escc_grade(self.grade))


@dataclass(frozen=True, slots=True)
class EsccResult(ScoreResult):
    """An ESCC result: no total, the category is the grade with its group.

    Parameters
    ----------
    grade:
        The grade, or ``None`` when unknown.
    group:
        Low, borderline or high, or ``None`` when unknown.
    """

    grade: EsccGrade | None = None
    group: EsccGroup | None = None

    def extra(self) -> dict[str, JsonScalar]:
        """ESCC-specific result fields."""
        return {
            "grade": None if self.grade is None else self.grade.value,
            "group": None if self.group is None else self.group.value,
        }


def calculate_escc(inputs: EsccInputs) -> EsccResult:
    """Describe an ESCC grade.

    Parameters
    ----------
    inputs:
        The grade.

    Returns
    -------
    EsccResult
        The meaning and group of the grade, or incomplete when the grade is unknown.
    """
    grade = inputs.grade
    component = ScoreComponent(
        "ESCC grade", None if grade is None else f"{grade.value}: {grade.label}", None, "grade"
    )
    if grade is None:
        return EsccResult(
            algorithm_id=ALGORITHM_ID,
            name=NAME,
            source=SOURCE,
            components=(component,),
            total=None,
            category=None,
            category_detail=None,
            complete=False,
            missing=("ESCC grade",),
            inputs=input_pairs(inputs),
        )
    return EsccResult(
        algorithm_id=ALGORITHM_ID,
        name=NAME,
        source=SOURCE,
        components=(component,),
        total=None,
        category=f"ESCC {grade.value}: {grade.group.label}",
        category_detail=f"Grade {grade.value}: {grade.label}.",
        complete=True,
        missing=(),
        inputs=input_pairs(inputs),
        grade=grade,
        group=grade.group,
    )


_GRADE_ORDER: tuple[EsccGrade, ...] = tuple(EsccGrade)
_SHORT_GROUP = {
    EsccGroup.LOW: "low grade",
    EsccGroup.BORDERLINE: "borderline",
    EsccGroup.HIGH: "high grade",
}


@dataclass(frozen=True, slots=True)
class CaseEsccResult(EsccResult):
    """The case's ESCC grade over several levels.

    Parameters
    ----------
    level:
        The level whose grade is the case's grade (the most compressed known level; ties:
        the most cranial), or ``None`` when incomplete.
    ungraded_levels:
        Levels whose grade is not yet known, in anatomical order.
    """

    level: str | None = None
    ungraded_levels: tuple[str, ...] = ()

    def extra(self) -> dict[str, JsonScalar]:
        """Case-specific result fields (ungraded levels as ``"T10, T11"``)."""
        return {
            "grade": None if self.grade is None else self.grade.value,
            "group": None if self.group is None else self.group.value,
            "level": self.level,
            "ungraded_levels": ", ".join(self.ungraded_levels) or None,
        }


def _level_grades(
    levels: Sequence[tuple[VertebralLevel | str, EsccGrade | str | None]],
) -> list[tuple[VertebralLevel, EsccGrade | None]]:
    parsed: list[tuple[VertebralLevel, EsccGrade | None]] = []
    seen: set[VertebralLevel] = set()
    for raw_level, raw_grade in levels:
        level = (
            raw_level if isinstance(raw_level, VertebralLevel) else VertebralLevel.parse(raw_level)
        )
        if level in seen:
            raise ValidationError(
                f"{level} is listed twice; give one ESCC grade per level.", field="levels"
            )
        seen.add(level)
        parsed.append((level, parse_escc_grade(raw_grade)))
    parsed.sort(key=lambda pair: pair[0].index)
    return parsed


def calculate_case_escc(
    levels: Sequence[tuple[VertebralLevel | str, EsccGrade | str | None]],
) -> CaseEsccResult:
    """The case's ESCC grade: the highest known grade over its levels.

    Parameters
    ----------
    levels:
        ``(level, grade)`` pairs, one per involved level; a grade of ``None`` is not yet
        graded.

    Returns
    -------
    CaseEsccResult
        Complete with the highest known grade and its level when every level is graded,
        **or when any known level is high grade (2 or 3)**: the ungraded levels are then
        named in ``ungraded_levels`` and in the detail, but cannot change the case.
        Incomplete, naming each ungraded level ("ESCC grade at T10"), when every known
        level is low grade or borderline and some level is not graded, or when no level is
        given ("ESCC grade").

    Raises
    ------
    ValidationError
        If a level or grade is not valid, or a level is listed twice.
    """
    pairs = _level_grades(levels)
    components = tuple(
        ScoreComponent(
            f"ESCC grade at {level}",
            None if grade is None else f"{grade.value}: {grade.label}",
            None,
            str(level),
        )
        for level, grade in pairs
    )
    inputs = tuple((str(level), None if grade is None else grade.value) for level, grade in pairs)
    ungraded = tuple(str(level) for level, grade in pairs if grade is None)
    known = [(level, grade) for level, grade in pairs if grade is not None]
    decisive = any(grade.is_high_grade for _, grade in known)
    if not known or (ungraded and not decisive):
        missing = tuple(f"ESCC grade at {lv}" for lv in ungraded) or ("ESCC grade",)
        return CaseEsccResult(
            algorithm_id=CASE_ALGORITHM_ID,
            name=CASE_NAME,
            source=SOURCE,
            components=components,
            total=None,
            category=None,
            category_detail=None,
            complete=False,
            missing=missing,
            inputs=inputs,
            ungraded_levels=ungraded,
        )
    level, grade = min(known, key=lambda pair: (-_GRADE_ORDER.index(pair[1]), pair[0].index))
    detail = f"Most compressed level {level}: grade {grade.value}: {grade.label}."
    if grade is EsccGrade.G1C:
        detail += " Grade 1c is commonly grouped with low grade; shown as borderline."
    if ungraded:
        detail += (
            f" Not yet graded: {', '.join(ungraded)}; a known level is already high grade, "
            "so the case is high grade whatever they show."
        )
    return CaseEsccResult(
        algorithm_id=CASE_ALGORITHM_ID,
        name=CASE_NAME,
        source=SOURCE,
        components=components,
        total=None,
        category=f"{_SHORT_GROUP[grade.group]} at {level} (ESCC {grade.value})",
        category_detail=detail,
        complete=True,
        missing=(),
        inputs=inputs,
        grade=grade,
        group=grade.group,
        level=str(level),
        ungraded_levels=ungraded,
    )
