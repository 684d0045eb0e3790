"""Radiotherapy for spinal metastases: regimens, biologically effective dose, plausibility.

Standard palliative regimens for painful or compressive spinal metastases (ASTRO bone
metastases guideline, Lutz 2017 and its 2024 update; ESTRO): 8 Gy in 1 fraction, 20 Gy
in 5, 24 Gy in 6, 30 Gy in 10 (equivalent pain relief; a single fraction has more
retreatment). SBRT regimens in use: 16-24 Gy in 1, 24 Gy in 2 (SC.24, Sahgal, Lancet
Oncol 2021), 27 Gy in 3, 30 Gy in 4, 30-35 Gy in 5 (:data:`STANDARD_REGIMENS`).

Biologically effective dose (linear-quadratic model), for ``n`` fractions of ``d`` Gy:
BED = n d (1 + d / (alpha/beta)) and EQD2 = BED / (1 + 2 / (alpha/beta)). Both are shown
at alpha/beta 10 (tumour, early effects) and alpha/beta 2 (spinal cord, late effects),
always naming which (:func:`dose_summary`).

Plausibility (:data:`PLAUSIBLE_RANGES`): a course outside the range is refused with the
range in the message (conventional external beam 1.5-10 Gy per fraction, 1-25
fractions, 4-50 Gy total; SBRT 5-24 Gy per fraction, 1-5 fractions, 12-45 Gy total): 80
Gy in 1 fraction is refused. Inside the ranges but not a standard regimen: a prompt, not
a refusal (:func:`assess_regimen`).

Prompts: re-irradiation of a level that has had radiation, showing the prior course and
the cumulative EQD2 at alpha/beta 2 (:func:`reirradiation_text`); SBRT and open surgery
close together (wound healing), the interval being decided by local protocol
(:data:`SBRT_SURGERY_TIMING_TEXT`). These are prompts for the board; the plausibility
ranges are the only refusal.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from board.errors import ValidationError

ALGORITHM_ID = "radiotherapy@lq-astro2017"
"""Version of these rules: linear-quadratic BED/EQD2 and the regimen tables below."""
NAME = "Radiotherapy regimen and biologically effective dose"
GUIDELINE_SOURCE = (
    "ASTRO bone metastases guideline (Lutz S et al., Pract Radiat Oncol 2017;7(1):4-12, "
    "and its 2024 update) and ESTRO guidance on palliative radiotherapy of bone metastases."
)
SC24_SOURCE = (
    "CCTG SC.24: Sahgal A et al., stereotactic body radiotherapy versus conventional "
    "external beam radiotherapy for painful spinal metastases, Lancet Oncol 2021."
)
LQ_SOURCE = (
    "Linear-quadratic model: BED = n d (1 + d / (alpha/beta)); EQD2 = BED / (1 + 2 / (alpha/beta))."
)
SOURCE = (
    "Tumor board clinical reference, radiotherapy regimens and plausibility: "
    + GUIDELINE_SOURCE
    + " "
    + SC24_SOURCE
)

TUMOUR_ALPHA_BETA = 10.0
"""alpha/beta for the tumour (early-responding tissue)."""
CORD_ALPHA_BETA = 2.0
"""alpha/beta for the spinal cord (late effects)."""
_EPS = 1e-9


class Technique(StrEnum):
    """External beam technique; the values are the plan catalogue's radiation options."""

    CEBRT = "cebrt"
    SBRT = "sbrt"

    @property
    def label(self) -> str:
        """Short name."""
        return {"cebrt": "cEBRT", "sbrt": "SBRT"}[self.value]

    @property
    def long_label(self) -> str:
        """Plain-English name."""
        return {
            "cebrt": "conventional external beam radiation (cEBRT)",
            "sbrt": "stereotactic body radiotherapy (SBRT)",
        }[self.value]


@dataclass(frozen=True, slots=True)
class PlausibleRange:
    """The plausible prescription of a technique; outside it a course is refused.

    Parameters
    ----------
    technique:
        cEBRT or SBRT.
    min_dose_per_fraction_gy, max_dose_per_fraction_gy:
        Inclusive dose per fraction.
    min_fractions, max_fractions:
        Inclusive number of fractions.
    min_total_gy, max_total_gy:
        Inclusive total dose.
    """

    technique: Technique
    min_dose_per_fraction_gy: float
    max_dose_per_fraction_gy: float
    min_fractions: int
    max_fractions: int
    min_total_gy: float
    max_total_gy: float

    def describe(self) -> str:
        """The range in words, e.g. ``"1.5-10 Gy per fraction, 1-25 fractions, 4-50 Gy total"``."""
        return (
            f"{_gy(self.min_dose_per_fraction_gy)}-{_gy(self.max_dose_per_fraction_gy)} Gy "
            f"per fraction, {self.min_fractions}-{self.max_fractions} fractions, "
            f"{_gy(self.min_total_gy)}-{_gy(self.max_total_gy)} Gy total"
        )


PLAUSIBLE_RANGES: dict[Technique, PlausibleRange] = {
    Technique.CEBRT: PlausibleRange(Technique.CEBRT, 1.5, 10.0, 1, 25, 4.0, 50.0),
    Technique.SBRT: PlausibleRange(Technique.SBRT, 5.0, 24.0, 1, 5, 12.0, 45.0),
}
"""Plausibility ranges by technique (the clinical reference)."""


@dataclass(frozen=True, slots=True)
class StandardRegimen:
    """A standard regimen: a number of fractions and a total dose (or a dose range).

    Parameters
    ----------
    technique:
        cEBRT or SBRT.
    fractions:
        Number of fractions.
    min_total_gy, max_total_gy:
        Total dose; equal for a single-dose regimen, a range otherwise (16-24 Gy in 1).
    source:
        Where the regimen comes from.
    """

    technique: Technique
    fractions: int
    min_total_gy: float
    max_total_gy: float
    source: str

    @property
    def label(self) -> str:
        """For example ``"SBRT 16-24 Gy in 1 fraction"`` or ``"cEBRT 8 Gy in 1 fraction"``."""
        dose = _gy(self.min_total_gy)
        if self.max_total_gy != self.min_total_gy:
            dose += f"-{_gy(self.max_total_gy)}"
        return f"{self.technique.label} {dose} Gy in {_fractions(self.fractions)}"

    @property
    def preset_total_gy(self) -> float | None:
        """The total dose of a single-dose regimen (a preset); ``None`` for a dose range."""
        return self.min_total_gy if self.min_total_gy == self.max_total_gy else None

    def matches(self, technique: Technique, total_gy: float, fractions: int) -> bool:
        """Whether a prescription is this regimen."""
        return (
            technique is self.technique
            and fractions == self.fractions
            and self.min_total_gy - _EPS <= total_gy <= self.max_total_gy + _EPS
        )


_C, _S = Technique.CEBRT, Technique.SBRT
STANDARD_REGIMENS: tuple[StandardRegimen, ...] = (
    StandardRegimen(_C, 1, 8.0, 8.0, GUIDELINE_SOURCE),
    StandardRegimen(_C, 5, 20.0, 20.0, GUIDELINE_SOURCE),
    StandardRegimen(_C, 6, 24.0, 24.0, GUIDELINE_SOURCE),
    StandardRegimen(_C, 10, 30.0, 30.0, GUIDELINE_SOURCE),
    StandardRegimen(_S, 1, 16.0, 24.0, GUIDELINE_SOURCE),
    StandardRegimen(_S, 2, 24.0, 24.0, SC24_SOURCE),
    StandardRegimen(_S, 3, 27.0, 27.0, GUIDELINE_SOURCE),
    StandardRegimen(_S, 4, 30.0, 30.0, GUIDELINE_SOURCE),
    StandardRegimen(_S, 5, 30.0, 35.0, GUIDELINE_SOURCE),
)
"""The standard regimens (presets), cEBRT then SBRT, by number of fractions."""


def presets(technique: Technique | str) -> tuple[StandardRegimen, ...]:
    """The standard regimens of a technique, for a form's presets.

    Parameters
    ----------
    technique:
        ``"cebrt"`` or ``"sbrt"`` (or a member).

    Returns
    -------
    tuple[StandardRegimen, ...]
        In order of fractions.

    Raises
    ------
    ValidationError
        If the technique is not cEBRT or SBRT.
    """
    tech = parse_technique(technique)
    return tuple(r for r in STANDARD_REGIMENS if r.technique is tech)


def parse_technique(value: Technique | str) -> Technique:
    """Read a technique (``"cebrt"`` or ``"sbrt"``, case-insensitive).

    Parameters
    ----------
    value:
        The technique.

    Returns
    -------
    Technique
        The member.

    Raises
    ------
    ValidationError
        If it is not cEBRT or SBRT.
    """
    if isinstance(value, Technique):
        return value
    try:
        return Technique(str(value).strip().casefold())
    except ValueError:
        raise ValidationError(
            f"Radiation technique {value!r} is not recognised; expected 'cebrt' or 'sbrt'.",
            field="technique",
        ) from None


def _gy(value: float) -> str:
    """A dose for display: at most one decimal, no trailing zero (14.4, 12, 23.3)."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _fractions(n: int) -> str:
    return f"{n} fraction{'' if n == 1 else 's'}"


def _check_course(total_gy: object, fractions: object) -> tuple[float, int]:
    if (
        isinstance(total_gy, bool)
        or not isinstance(total_gy, int | float)
        or not math.isfinite(total_gy)
        or total_gy <= 0
    ):
        raise ValidationError(
            f"The total dose is a number of Gy above 0; {total_gy!r} is not.", field="dose_gy"
        )
    if isinstance(fractions, bool) or not isinstance(fractions, int) or fractions < 1:
        raise ValidationError(
            f"The number of fractions is a whole number, 1 or more; {fractions!r} is not.",
            field="fractions",
        )
    return float(total_gy), fractions


def bed(total_gy: float, fractions: int, alpha_beta: float) -> float:
    """Biologically effective dose (linear-quadratic model).

    Parameters
    ----------
    total_gy:
        Total dose in Gy (above 0).
    fractions:
        Number of fractions (1 or more), of equal size.
    alpha_beta:
        alpha/beta ratio in Gy (10 for tumour, 2 for spinal cord).

    Returns
    -------
    float
        BED = n d (1 + d / (alpha/beta)) in Gy, with d = total / n.

    Raises
    ------
    ValidationError
        If a value is out of range.
    """
    total, n = _check_course(total_gy, fractions)
    if isinstance(alpha_beta, bool) or not isinstance(alpha_beta, int | float) or alpha_beta <= 0:
        raise ValidationError(
            f"alpha/beta is a number of Gy above 0; {alpha_beta!r} is not.", field="alpha_beta"
        )
    d = total / n
    return total * (1 + d / alpha_beta)


def eqd2(total_gy: float, fractions: int, alpha_beta: float) -> float:
    """Equivalent dose in 2 Gy fractions.

    Parameters
    ----------
    total_gy, fractions, alpha_beta:
        As for :func:`bed`.

    Returns
    -------
    float
        EQD2 = BED / (1 + 2 / (alpha/beta)) in Gy.

    Raises
    ------
    ValidationError
        If a value is out of range.
    """
    return bed(total_gy, fractions, alpha_beta) / (1 + 2 / alpha_beta)


@dataclass(frozen=True, slots=True)
class DoseSummary:
    """A course's dose per fraction, BED and EQD2 at alpha/beta 10 and 2.

    Parameters
    ----------
    total_gy, fractions, dose_per_fraction_gy:
        The prescription.
    bed_10, eqd2_10:
        At alpha/beta 10 (tumour).
    bed_2, eqd2_2:
        At alpha/beta 2 (spinal cord, late effects).
    """

    total_gy: float
    fractions: int
    dose_per_fraction_gy: float
    bed_10: float
    eqd2_10: float
    bed_2: float
    eqd2_2: float

    def text(self) -> str:
        """One line naming the alpha/beta of every figure.

        Returns
        -------
        str
            E.g. ``"8 Gy in 1 fraction (8 Gy per fraction): BED 14.4 Gy, EQD2 12 Gy at
            alpha/beta 10 (tumour); BED 40 Gy, EQD2 20 Gy at alpha/beta 2 (spinal cord,
            late effects)"``.
        """
        return (
            f"{_gy(self.total_gy)} Gy in {_fractions(self.fractions)} "
            f"({_gy(self.dose_per_fraction_gy)} Gy per fraction): BED {_gy(self.bed_10)} Gy, "
            f"EQD2 {_gy(self.eqd2_10)} Gy at alpha/beta 10 (tumour); BED {_gy(self.bed_2)} Gy, "
            f"EQD2 {_gy(self.eqd2_2)} Gy at alpha/beta 2 (spinal cord, late effects)"
        )


def dose_summary(total_gy: float, fractions: int) -> DoseSummary:
    """BED and EQD2 of a course at alpha/beta 10 (tumour) and 2 (spinal cord).

    Parameters
    ----------
    total_gy:
        Total dose in Gy.
    fractions:
        Number of fractions.

    Returns
    -------
    DoseSummary
        The figures.

    Raises
    ------
    ValidationError
        If the dose or number of fractions is out of range.
    """
    total, n = _check_course(total_gy, fractions)
    return DoseSummary(
        total_gy=total,
        fractions=n,
        dose_per_fraction_gy=total / n,
        bed_10=bed(total, n, TUMOUR_ALPHA_BETA),
        eqd2_10=eqd2(total, n, TUMOUR_ALPHA_BETA),
        bed_2=bed(total, n, CORD_ALPHA_BETA),
        eqd2_2=eqd2(total, n, CORD_ALPHA_BETA),
    )


def check_plausible(technique: Technique | str, total_gy: float, fractions: int) -> None:
    """Refuse a prescription outside the plausible range of its technique.

    Parameters
    ----------
    technique:
        cEBRT or SBRT.
    total_gy:
        Total dose in Gy.
    fractions:
        Number of fractions.

    Raises
    ------
    ValidationError
        Naming every limit crossed and the whole range, e.g. "cEBRT 80 Gy in 1 fraction
        is outside the plausible range of conventional external beam radiation (cEBRT)
        (1.5-10 Gy per fraction, 1-25 fractions, 4-50 Gy total): total 80 Gy is above
        50 Gy; 80 Gy per fraction is above 10 Gy. Check the prescription." The field is
        ``dose_gy`` unless only the number of fractions is out of range.
    """
    tech = parse_technique(technique)
    total, n = _check_course(total_gy, fractions)
    rng = PLAUSIBLE_RANGES[tech]
    per = total / n
    problems: list[tuple[str, str]] = []
    if total < rng.min_total_gy - _EPS:
        problems.append(("dose_gy", f"total {_gy(total)} Gy is below {_gy(rng.min_total_gy)} Gy"))
    if total > rng.max_total_gy + _EPS:
        problems.append(("dose_gy", f"total {_gy(total)} Gy is above {_gy(rng.max_total_gy)} Gy"))
    if n < rng.min_fractions:
        problems.append(("fractions", f"{_fractions(n)} is fewer than {rng.min_fractions}"))
    if n > rng.max_fractions:
        problems.append(("fractions", f"{_fractions(n)} is more than {rng.max_fractions}"))
    if per < rng.min_dose_per_fraction_gy - _EPS:
        problems.append(
            (
                "dose_gy",
                f"{_gy(per)} Gy per fraction is below {_gy(rng.min_dose_per_fraction_gy)} Gy",
            )
        )
    if per > rng.max_dose_per_fraction_gy + _EPS:
        problems.append(
            (
                "dose_gy",
                f"{_gy(per)} Gy per fraction is above {_gy(rng.max_dose_per_fraction_gy)} Gy",
            )
        )
    if not problems:
        return
    fields = [f for f, _ in problems]
    raise ValidationError(
        f"{tech.label} {_gy(total)} Gy in {_fractions(n)} is outside the plausible range of "
        f"{tech.long_label} ({rng.describe()}): "
        + "; ".join(text for _, text in problems)
        + ". Check the prescription.",
        field="dose_gy" if "dose_gy" in fields else "fractions",
    )


def standard_regimen(
    technique: Technique | str, total_gy: float, fractions: int
) -> StandardRegimen | None:
    """The standard regimen a prescription matches, if any.

    Parameters
    ----------
    technique, total_gy, fractions:
        The prescription.

    Returns
    -------
    StandardRegimen | None
        The regimen, or ``None`` when it is not a standard regimen.
    """
    tech = parse_technique(technique)
    for regimen in STANDARD_REGIMENS:
        if regimen.matches(tech, total_gy, fractions):
            return regimen
    return None


@dataclass(frozen=True, slots=True)
class RegimenAssessment:
    """A plausible prescription: its dose figures and whether it is a standard regimen.

    Parameters
    ----------
    technique, total_gy, fractions:
        The prescription.
    dose:
        BED and EQD2 at alpha/beta 10 and 2.
    standard:
        The standard regimen it matches, or ``None``.
    """

    technique: Technique
    total_gy: float
    fractions: int
    dose: DoseSummary
    standard: StandardRegimen | None

    @property
    def label(self) -> str:
        """E.g. ``"SBRT 24 Gy in 2 fractions"``."""
        return f"{self.technique.label} {_gy(self.total_gy)} Gy in {_fractions(self.fractions)}"

    @property
    def is_standard(self) -> bool:
        """Whether it is a standard regimen."""
        return self.standard is not None

    def prompt(self) -> str | None:
        """The "not a standard regimen" prompt, or ``None`` for a standard regimen.

        Returns
        -------
        str | None
            The prompt naming the standard regimens of the technique and the dose figures.
        """
        if self.standard is not None:
            return None
        usual = ", ".join(
            r.label.removeprefix(self.technique.label + " ") for r in presets(self.technique)
        )
        return (
            f"{self.label} is within the plausible range but is not a standard regimen "
            f"(standard {self.technique.label}: {usual}). Please check the prescription. "
            f"{self.dose.text()}."
        )


def assess_regimen(
    technique: Technique | str, total_gy: float, fractions: int
) -> RegimenAssessment:
    """Check a prescription and describe it.

    Parameters
    ----------
    technique:
        cEBRT or SBRT.
    total_gy:
        Total dose in Gy.
    fractions:
        Number of fractions.

    Returns
    -------
    RegimenAssessment
        The dose figures and the standard regimen it matches (``prompt()`` is the "not a
        standard regimen" prompt when none).

    Raises
    ------
    ValidationError
        If the prescription is outside the plausible range (:func:`check_plausible`).
    """
    tech = parse_technique(technique)
    check_plausible(tech, total_gy, fractions)
    total, n = _check_course(total_gy, fractions)
    return RegimenAssessment(
        technique=tech,
        total_gy=total,
        fractions=n,
        dose=dose_summary(total, n),
        standard=standard_regimen(tech, total, n),
    )


@dataclass(frozen=True, slots=True)
class RadiationCourse:
    """One course of radiation (planned or prior).

    Parameters
    ----------
    technique:
        cEBRT or SBRT, or ``None`` when not recorded (a prior course).
    total_gy:
        Total dose in Gy.
    fractions:
        Number of fractions.
    levels:
        The treated levels as text (``"T7, T8"``), when recorded.
    """

    technique: Technique | None
    total_gy: float
    fractions: int
    levels: str | None = None

    def __post_init__(self) -> None:
        if self.technique is not None:
            object.__setattr__(self, "technique", parse_technique(self.technique))
        total, _ = _check_course(self.total_gy, self.fractions)
        object.__setattr__(self, "total_gy", total)

    @property
    def label(self) -> str:
        """E.g. ``"SBRT 24 Gy in 2 fractions to L3"``."""
        head = "" if self.technique is None else self.technique.label + " "
        where = f" to {self.levels}" if self.levels else ""
        return f"{head}{_gy(self.total_gy)} Gy in {_fractions(self.fractions)}{where}"

    @property
    def eqd2_cord(self) -> float:
        """EQD2 at alpha/beta 2 (spinal cord)."""
        return eqd2(self.total_gy, self.fractions, CORD_ALPHA_BETA)


def cumulative_eqd2(
    courses: Iterable[RadiationCourse], alpha_beta: float = CORD_ALPHA_BETA
) -> float:
    """The summed EQD2 of several courses (no allowance for recovery between them).

    Parameters
    ----------
    courses:
        The courses.
    alpha_beta:
        alpha/beta in Gy; 2 (spinal cord) by default.

    Returns
    -------
    float
        The sum of each course's EQD2.
    """
    return sum(eqd2(c.total_gy, c.fractions, alpha_beta) for c in courses)


def reirradiation_text(
    planned: RadiationCourse,
    prior: RadiationCourse | None,
    prior_details: str | None = None,
) -> str:
    """The re-irradiation prompt for a level that has had radiation.

    Parameters
    ----------
    planned:
        The planned course.
    prior:
        The prior course when its dose and fractions are recorded, else ``None``.
    prior_details:
        The radiation oncologist's free-text note of the prior course, if any.

    Returns
    -------
    str
        The prompt: the prior course and the cumulative EQD2 at alpha/beta 2 (spinal cord),
        or, when the prior dose is not recorded, that it cannot be computed yet.
    """
    note = (
        f" (recorded: {prior_details.strip()})" if prior_details and prior_details.strip() else ""
    )
    head = (
        f"Re-irradiation: the radiation oncologist recorded prior radiation to this level{note}. "
        f"Planned: {planned.label}, EQD2 {_gy(planned.eqd2_cord)} Gy at alpha/beta 2 "
        "(spinal cord, late effects)."
    )
    if prior is None:
        return (
            head + " The prior course is not recorded as dose and fractions, so the "
            "cumulative EQD2 at alpha/beta 2 cannot be computed: record it and check the "
            "spinal cord dose before planning."
        )
    total = cumulative_eqd2((prior, planned))
    return (
        head + f" Prior course: {prior.label}, EQD2 {_gy(prior.eqd2_cord)} Gy at alpha/beta 2. "
        f"Cumulative EQD2 at alpha/beta 2 (spinal cord, late effects): {_gy(total)} Gy "
        "(of the prescribed doses; the dose the cord receives comes from the treatment "
        "plans). Check the cumulative spinal cord dose and the interval since the prior course."
    )


SBRT_SURGERY_TIMING_TEXT = (
    "SBRT and open surgery close together impair wound healing: agree the interval between "
    "them (local protocol decides the interval)."
)
