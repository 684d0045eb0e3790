"""Pain: numeric rating scale, pain character and the pain response after radiation.

Numeric rating scale (NRS) 0-10: 0 no pain, 10 worst imaginable.

Pain response after radiation: International Bone Metastases Consensus, Chow E et al.,
Int J Radiat Oncol Biol Phys 2012;82:1730. Worst pain at the treated site and daily
oral morphine equivalent dose (OMED), at baseline and at follow-up:

- complete response: pain 0 with no rise in OMED;
- partial response: pain down by 2 or more without more analgesic, or OMED down 25% or
  more without more pain;
- progression: pain up by 2 or more with stable OMED, or OMED up 25% or more with pain
  stable or up by 1;
- otherwise indeterminate.

"Stable OMED" is read as a change of less than 25% either way, the threshold the
definitions use for a meaningful change in analgesic intake.

The response is assessed at contacts after radiotherapy has started (the consensus
assesses at 1, 2 and 3 months after it); at a contact before the recorded start, or with
no start recorded, it is :data:`NOT_YET_ASSESSABLE` (the follow-up rule
:func:`board.followup.rules.assess_pain_response` applies this gate; this calculator
classifies the values it is given).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from board.errors import ValidationError
from board.scoring.common import (
    ScoreComponent,
    ScoreInputs,
    ScoreResult,
    coerce_int,
    input_pairs,
)

ALGORITHM_ID = "pain-response@chow2012"
NAME = "Pain response after radiation (International Bone Metastases Consensus)"
SOURCE = (
    "Chow E et al., International Bone Metastases Consensus: update on endpoints for "
    "palliative radiotherapy trials, Int J Radiat Oncol Biol Phys 2012;82:1730."
)
PAIN_CHANGE_POINTS = 2
NOT_YET_ASSESSABLE = "not yet assessable: radiation not started"
"""The pain response at a contact before the recorded start of radiation, or with none."""


class PainCharacter(StrEnum):
    """Character of the pain."""

    MECHANICAL = "mechanical"
    BIOLOGICAL = "biological"
    RADICULAR = "radicular"

    @property
    def label(self) -> str:
        """Plain-English description."""
        return {
            "mechanical": "mechanical (movement-related, relieved lying down)",
            "biological": "biological / tumour (constant, night pain, often steroid-responsive)",
            "radicular": "radicular",
        }[self.value]

    @property
    def feeds_sins(self) -> bool:
        """``True`` for mechanical pain, which scores 3 in the SINS pain component."""
        return self is PainCharacter.MECHANICAL


def validate_nrs(value: object, field: str = "pain") -> int:
    """Check a numeric rating scale value.

    Parameters
    ----------
    value:
        The recorded pain score.
    field:
        Input key for the error.

    Returns
    -------
    int
        The score, 0-10.

    Raises
    ------
    ValidationError
        If the value is not a whole number from 0 to 10.
    """
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
        raise ValidationError(
            f"Pain is scored as a whole number from 0 (no pain) to 10 (worst imaginable); "
            f"{value!r} is not.",
            field=field,
        )
    return value


def _validate_omed(value: object, field: str) -> float | None:
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value < 0
    ):
        raise ValidationError(
            f"Oral morphine equivalent dose is a daily dose in mg, 0 or more; {value!r} is not.",
            field=field,
        )
    return float(value)


class PainResponse(StrEnum):
    """Pain response category (Chow 2012)."""

    COMPLETE = "complete"
    PARTIAL = "partial"
    PROGRESSION = "progression"
    INDETERMINATE = "indeterminate"

    @property
    def label(self) -> str:
        """Short plain-English name."""
        return {
            "complete": "complete response",
            "partial": "partial response",
            "progression": "pain progression",
            "indeterminate": "indeterminate response",
        }[self.value]

    @property
    def detail(self) -> str:
        """The definition of the category."""
        return {
            "complete": (
                "Pain 0 at the treated site with no rise in oral morphine equivalent dose."
            ),
            "partial": (
                "Pain down by 2 or more without more analgesic, or OMED down 25% or more "
                "without more pain."
            ),
            "progression": (
                "Pain up by 2 or more with stable OMED, or OMED up 25% or more with pain "
                "stable or up by 1."
            ),
            "indeterminate": "Any response not captured by the other categories.",
        }[self.value]


def classify_pain_response(
    baseline_pain: int, followup_pain: int, baseline_omed: float, followup_omed: float
) -> PainResponse:
    """Apply the Chow 2012 pain response definitions.

    Parameters
    ----------
    baseline_pain, followup_pain:
        Worst pain at the treated site, NRS 0-10.
    baseline_omed, followup_omed:
        Daily oral morphine equivalent dose in mg (0 or more).

    Returns
    -------
    PainResponse
        Complete, partial, progression or indeterminate (checked in that order).

    Raises
    ------
    ValidationError
        If a pain score or dose is out of range.
    """
    base_p = validate_nrs(baseline_pain, "baseline_pain")
    follow_p = validate_nrs(followup_pain, "followup_pain")
    base_o = _validate_omed(baseline_omed, "baseline_omed")
    follow_o = _validate_omed(followup_omed, "followup_omed")
    assert base_o is not None and follow_o is not None
    pain_change = follow_p - base_p
    omed_rose = follow_o > base_o
    # 25% thresholds compared as 4*follow <= 3*base and 4*follow >= 5*base (no rounding
    # trouble); a baseline of 0 cannot fall, and any dose above 0 is a rise of 25% or more.
    omed_down_25 = follow_o < base_o and 4 * follow_o <= 3 * base_o
    omed_up_25 = follow_o > base_o and 4 * follow_o >= 5 * base_o
    omed_stable = not omed_down_25 and not omed_up_25

    if follow_p == 0 and not omed_rose:
        return PainResponse.COMPLETE
    if (pain_change <= -PAIN_CHANGE_POINTS and not omed_rose) or (
        omed_down_25 and pain_change <= 0
    ):
        return PainResponse.PARTIAL
    if (pain_change >= PAIN_CHANGE_POINTS and omed_stable) or (
        omed_up_25 and pain_change in (0, 1)
    ):
        return PainResponse.PROGRESSION
    return PainResponse.INDETERMINATE


@dataclass(frozen=True, slots=True)
class PainResponseInputs(ScoreInputs):
    """Baseline and follow-up pain and analgesic use; ``None`` means unknown.

    Parameters
    ----------
    baseline_pain, followup_pain:
        Worst pain at the treated site, NRS 0-10.
    baseline_omed, followup_omed:
        Daily oral morphine equivalent dose in mg (0 when no opioid).

    Raises
    ------
    ValidationError
        If a value is out of range.
    """

    baseline_pain: int | None = None
    followup_pain: int | None = None
    baseline_omed: float | None = None
    followup_omed: float | None = None

    def __post_init__(self) -> None:
        for key in ("baseline_pain", "followup_pain"):
            value = getattr(self, key)
            if value is not None:
                object.__setattr__(
                    self, key, coerce_int(value, key, "Pain score (NRS)", minimum=0, maximum=10)
                )
        for key in ("baseline_omed", "followup_omed"):
            object.__setattr__(self, key, _validate_omed(getattr(self, key), key))


MISSING_NAMES: dict[str, str] = {
    "baseline_pain": "baseline pain",
    "followup_pain": "follow-up pain",
    "baseline_omed": "baseline oral morphine equivalent dose",
    "followup_omed": "follow-up oral morphine equivalent dose",
}


def _fmt_mg(value: float) -> str:
    return f"{value:g} mg/day"


def calculate_pain_response(inputs: PainResponseInputs) -> ScoreResult:
    """Classify the pain response at follow-up after radiation.

    Parameters
    ----------
    inputs:
        Baseline and follow-up pain and OMED; any may be unknown.

    Returns
    -------
    ScoreResult
        No total; the category is the response, or incomplete naming what is missing.
        The components show the pain and OMED at both times (no points).
    """
    components = tuple(
        ScoreComponent(
            MISSING_NAMES[key],
            None
            if getattr(inputs, key) is None
            else (
                _fmt_mg(getattr(inputs, key))
                if key.endswith("omed")
                else f"{getattr(inputs, key)}/10"
            ),
            None,
            key,
        )
        for key in MISSING_NAMES
    )
    missing = tuple(name for key, name in MISSING_NAMES.items() if getattr(inputs, key) is None)
    response = None
    if not missing:
        assert inputs.baseline_pain is not None and inputs.followup_pain is not None
        assert inputs.baseline_omed is not None and inputs.followup_omed is not None
        response = classify_pain_response(
            inputs.baseline_pain, inputs.followup_pain, inputs.baseline_omed, inputs.followup_omed
        )
    detail = None
    if response is not None:
        detail = response.detail
        if inputs.baseline_pain is not None and inputs.baseline_pain < 2:
            detail += (
                " Note: the consensus assesses response in patients with baseline pain of 2 "
                "or more."
            )
    return ScoreResult(
        algorithm_id=ALGORITHM_ID,
        name=NAME,
        source=SOURCE,
        components=components,
        total=None,
        category=None if response is None else response.label,
        category_detail=detail,
        complete=not missing,
        missing=missing,
        inputs=input_pairs(inputs),
    )
