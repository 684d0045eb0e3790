"""Epidural spinal cord compression (ESCC) scale, the Bilsky grade.

Source: Bilsky MH et al., "Reliability analysis of the epidural spinal cord compression
scale", J Neurosurg Spine 2010;13(3):324-8. Read on axial T2 MRI at the most compressed
level.

Low grade: 0, 1a, 1b. Grade 1c is commonly grouped with low grade and is shown as
borderline. High grade: 2 and 3.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

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
