"""Neurologic grades: Frankel and the ASIA Impairment Scale.

Sources:
- Frankel HL et al., "The value of postural reduction in the initial management of
  closed injuries of the spine with paraplegia and tetraplegia", Paraplegia
  1969;7:179-92.
- American Spinal Injury Association, International Standards for Neurological
  Classification of Spinal Cord Injury (ISNCSCI): ASIA Impairment Scale.

The revised Tokuhashi score grades palsy with Frankel: complete (A, B) 0 points,
incomplete (C, D) 1 point, none (E) 2 points.
"""

from __future__ import annotations

from enum import StrEnum

from board.scoring.common import coerce_enum

FRANKEL_SOURCE = "Frankel HL et al., Paraplegia 1969;7:179-92 (Frankel grade)."
ASIA_SOURCE = (
    "American Spinal Injury Association, International Standards for Neurological "
    "Classification of Spinal Cord Injury (ISNCSCI): ASIA Impairment Scale."
)
FRANKEL_ALGORITHM_ID = "frankel@1969"
ASIA_ALGORITHM_ID = "asia@isncsci"


class FrankelGrade(StrEnum):
    """Frankel grade A-E."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"

    @property
    def label(self) -> str:
        """Plain-English meaning."""
        return {
            "A": "complete: no motor or sensory function below the level",
            "B": "sensory only",
            "C": "motor present but useless",
            "D": "motor useful",
            "E": "normal",
        }[self.value]

    @property
    def tokuhashi_palsy_points(self) -> int:
        """Revised Tokuhashi palsy points: A-B 0, C-D 1, E 2."""
        return frankel_palsy_points(self)

    @property
    def tokuhashi_palsy_label(self) -> str:
        """Revised Tokuhashi palsy finding: complete, incomplete or none."""
        return {
            0: "complete (Frankel A, B)",
            1: "incomplete (Frankel C, D)",
            2: "none (Frankel E)",
        }[frankel_palsy_points(self)]

    @property
    def has_deficit(self) -> bool:
        """``True`` for A-D (any neurological deficit)."""
        return self is not FrankelGrade.E


class AsiaGrade(StrEnum):
    """ASIA Impairment Scale grade A-E (ISNCSCI)."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"

    @property
    def label(self) -> str:
        """Plain-English meaning."""
        return {
            "A": "complete",
            "B": "sensory incomplete",
            "C": (
                "motor incomplete: fewer than half of key muscles below the level at "
                "grade 3 or more"
            ),
            "D": (
                "motor incomplete: at least half of key muscles below the level at grade 3 or more"
            ),
            "E": "normal",
        }[self.value]

    @property
    def has_deficit(self) -> bool:
        """``True`` for A-D (any neurological deficit)."""
        return self is not AsiaGrade.E


def parse_frankel(value: FrankelGrade | str | None) -> FrankelGrade | None:
    """Read a Frankel grade (case-insensitive); ``None`` is unknown.

    Parameters
    ----------
    value:
        The grade, e.g. ``"C"``.

    Returns
    -------
    FrankelGrade | None
        The grade.

    Raises
    ------
    ValidationError
        If the value is not A-E.
    """
    return coerce_enum(value, FrankelGrade, "frankel", "Frankel grade")


def parse_asia(value: AsiaGrade | str | None) -> AsiaGrade | None:
    """Read an ASIA Impairment Scale grade (case-insensitive); ``None`` is unknown.

    Parameters
    ----------
    value:
        The grade, e.g. ``"D"``.

    Returns
    -------
    AsiaGrade | None
        The grade.

    Raises
    ------
    ValidationError
        If the value is not A-E.
    """
    return coerce_enum(value, AsiaGrade, "asia", "ASIA grade")


def frankel_palsy_points(grade: FrankelGrade) -> int:
    """Revised Tokuhashi palsy points for a Frankel grade.

    Parameters
    ----------
    grade:
        The Frankel grade.

    Returns
    -------
    int
        0 for complete palsy (A, B), 1 for incomplete (C, D), 2 for none (E).
    """
    if grade in (FrankelGrade.A, FrankelGrade.B):
        return 0
    if grade in (FrankelGrade.C, FrankelGrade.D):
        return 1
    return 2
