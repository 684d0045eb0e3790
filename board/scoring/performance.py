"""Performance status: ECOG and Karnofsky.

Sources: Oken MM et al., "Toxicity and response criteria of the Eastern Cooperative
Oncology Group", Am J Clin Oncol 1982;5:649-55 (ECOG); Karnofsky DA, Burchenal JH, "The
clinical evaluation of chemotherapeutic agents in cancer", 1949 (Karnofsky).

Karnofsky is recorded in steps of 10 from 0 to 100. Converting between the two scales is
an approximation and is always labelled as such. The revised Tokuhashi score bands the
Karnofsky value: 10-40 poor, 50-70 moderate, 80-100 good; Karnofsky 0 means the patient
has died and is rejected there.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from board.errors import ValidationError
from board.scoring.common import coerce_enum

ALGORITHM_ID = "ecog-karnofsky@oken1982"
ECOG_SOURCE = "Oken MM et al., Am J Clin Oncol 1982;5:649-55 (ECOG performance status)."
KARNOFSKY_SOURCE = "Karnofsky DA, Burchenal JH, 1949 (Karnofsky performance status)."
KARNOFSKY_VALUES: tuple[int, ...] = tuple(range(0, 101, 10))


class EcogGrade(StrEnum):
    """ECOG performance status 0-5."""

    E0 = "0"
    E1 = "1"
    E2 = "2"
    E3 = "3"
    E4 = "4"
    E5 = "5"

    @property
    def grade(self) -> int:
        """The grade as a number."""
        return int(self.value)

    @property
    def label(self) -> str:
        """Plain-English meaning."""
        return {
            "0": "fully active",
            "1": "restricted in strenuous activity, ambulatory, light work",
            "2": "ambulatory, self-care, unable to work, up more than 50% of waking hours",
            "3": "limited self-care, in bed or chair more than 50% of waking hours",
            "4": "completely disabled, confined to bed or chair",
            "5": "dead",
        }[self.value]


_KARNOFSKY_MEANINGS: dict[int, str] = {
    100: "normal, no complaints, no evidence of disease",
    90: "able to carry on normal activity; minor signs or symptoms of disease",
    80: "normal activity with effort; some signs or symptoms of disease",
    70: "cares for self; unable to carry on normal activity or to do active work",
    60: "requires occasional assistance, but is able to care for most personal needs",
    50: "requires considerable assistance and frequent medical care",
    40: "disabled; requires special care and assistance",
    30: "severely disabled; hospital admission indicated although death not imminent",
    20: "very sick; hospital admission necessary; active supportive treatment necessary",
    10: "moribund; fatal processes progressing rapidly",
    0: "dead",
}

# (ECOG, Karnofsky low, Karnofsky high): the approximate equivalence of the reference table.
ECOG_KARNOFSKY_ROWS: tuple[tuple[EcogGrade, int, int], ...] = (
    (EcogGrade.E0, 90, 100),
    (EcogGrade.E1, 70, 80),
    (EcogGrade.E2, 50, 60),
    (EcogGrade.E3, 30, 40),
    (EcogGrade.E4, 10, 20),
    (EcogGrade.E5, 0, 0),
)


def parse_ecog(value: EcogGrade | int | str | None) -> EcogGrade | None:
    """Read an ECOG grade given as a member, a number 0-5 or its text; ``None`` is unknown.

    Parameters
    ----------
    value:
        The grade.

    Returns
    -------
    EcogGrade | None
        The grade.

    Raises
    ------
    ValidationError
        If the value is not 0-5.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return coerce_enum(value, EcogGrade, "ecog", "ECOG performance status")


def validate_karnofsky(value: object) -> int:
    """Check a Karnofsky value.

    Parameters
    ----------
    value:
        The recorded value.

    Returns
    -------
    int
        The value, one of 0, 10, ..., 100.

    Raises
    ------
    ValidationError
        If the value is not a whole number from 0 to 100 in steps of 10.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value not in KARNOFSKY_VALUES:
        raise ValidationError(
            f"Karnofsky performance status is recorded in steps of 10 from 0 to 100 "
            f"(0, 10, 20, ..., 100); {value!r} is not one of these.",
            field="karnofsky",
        )
    return value


def karnofsky_meaning(value: int) -> str:
    """Plain-English meaning of a Karnofsky value.

    Parameters
    ----------
    value:
        0, 10, ..., 100.

    Returns
    -------
    str
        The standard description.

    Raises
    ------
    ValidationError
        If the value is not valid.
    """
    return _KARNOFSKY_MEANINGS[validate_karnofsky(value)]


@dataclass(frozen=True, slots=True)
class KarnofskyRange:
    """An approximate Karnofsky equivalent of an ECOG grade.

    Parameters
    ----------
    low, high:
        Inclusive Karnofsky range.
    approximate:
        Always ``True``: the two scales do not map exactly.
    """

    low: int
    high: int
    approximate: bool = True

    @property
    def label(self) -> str:
        """For display, e.g. ``"approximately Karnofsky 70-80"``."""
        if self.low == self.high:
            return f"approximately Karnofsky {self.low}"
        return f"approximately Karnofsky {self.low}-{self.high}"


@dataclass(frozen=True, slots=True)
class ApproximateEcog:
    """An approximate ECOG equivalent of a Karnofsky value.

    Parameters
    ----------
    grade:
        The ECOG grade.
    approximate:
        Always ``True``.
    """

    grade: EcogGrade
    approximate: bool = True

    @property
    def label(self) -> str:
        """For display, e.g. ``"approximately ECOG 1"``."""
        return f"approximately ECOG {self.grade.value}"


def ecog_to_karnofsky(ecog: EcogGrade | int | str) -> KarnofskyRange:
    """Approximate Karnofsky range for an ECOG grade.

    Parameters
    ----------
    ecog:
        ECOG 0-5.

    Returns
    -------
    KarnofskyRange
        The range of the equivalence table, flagged approximate.

    Raises
    ------
    ValidationError
        If the grade is not 0-5.
    """
    grade = parse_ecog(ecog)
    if grade is None:
        raise ValidationError("An ECOG grade (0-5) is needed for the conversion.", field="ecog")
    for row_grade, low, high in ECOG_KARNOFSKY_ROWS:
        if row_grade is grade:
            return KarnofskyRange(low, high)
    raise AssertionError("unreachable")


def karnofsky_to_ecog(karnofsky: int) -> ApproximateEcog:
    """Approximate ECOG grade for a Karnofsky value.

    Parameters
    ----------
    karnofsky:
        0, 10, ..., 100.

    Returns
    -------
    ApproximateEcog
        The ECOG grade whose range holds the value, flagged approximate.

    Raises
    ------
    ValidationError
        If the value is not valid.
    """
    value = validate_karnofsky(karnofsky)
    for grade, low, high in ECOG_KARNOFSKY_ROWS:
        if low <= value <= high:
            return ApproximateEcog(grade)
    raise AssertionError("unreachable")


class KarnofskyBand(StrEnum):
    """General condition in the revised Tokuhashi score."""

    POOR = "poor"
    MODERATE = "moderate"
    GOOD = "good"

    @property
    def points(self) -> int:
        """Revised Tokuhashi points."""
        return {"poor": 0, "moderate": 1, "good": 2}[self.value]

    @property
    def label(self) -> str:
        """Plain-English finding."""
        return {
            "poor": "poor (Karnofsky 10-40%)",
            "moderate": "moderate (Karnofsky 50-70%)",
            "good": "good (Karnofsky 80-100%)",
        }[self.value]


def karnofsky_band(karnofsky: int) -> KarnofskyBand:
    """Tokuhashi general-condition band of a Karnofsky value.

    Parameters
    ----------
    karnofsky:
        10, 20, ..., 100.

    Returns
    -------
    KarnofskyBand
        Poor (10-40), moderate (50-70) or good (80-100).

    Raises
    ------
    ValidationError
        If the value is not valid, or is 0 (the patient has died: the score does not
        apply).
    """
    value = validate_karnofsky(karnofsky)
    if value == 0:
        raise ValidationError(
            "Karnofsky 0 means the patient has died: the Tokuhashi score does not apply. "
            "Record a Karnofsky value from 10 to 100.",
            field="karnofsky",
        )
    if value <= 40:
        return KarnofskyBand.POOR
    if value <= 70:
        return KarnofskyBand.MODERATE
    return KarnofskyBand.GOOD
