"""Red flags for suspected metastatic spinal cord compression (MSCC).

Source: UK NICE guideline NG234 (2023), as summarised in clinical/REFERENCE.md: new or
worsening back pain in a patient with known cancer together with limb weakness,
numbness or a sensory level, gait disturbance, bladder or bowel dysfunction, or
radicular pain makes the case urgent (MRI within 24 hours). A high-grade epidural
compression on MRI (ESCC 2 or 3) is urgent on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

SOURCE = "NICE guideline NG234 (2023): suspected metastatic spinal cord compression"
TARGET_HOURS = 24


@dataclass(frozen=True, slots=True)
class SymptomFacts:
    """The presenting symptoms that feed the red-flag rule; ``None`` means unknown."""

    known_cancer: bool
    pain_score: int | None = None
    pain_new_or_worse: bool | None = None
    weakness: bool | None = None
    numbness: bool | None = None
    gait_disturbance: bool | None = None
    bladder_bowel_dysfunction: bool | None = None
    radicular_pain: bool | None = None
    high_grade_escc: bool | None = None


@dataclass(frozen=True, slots=True)
class RedFlagResult:
    """Whether the case is urgent, and why."""

    urgent: bool
    reasons: tuple[str, ...]
    source: str = SOURCE
    target_hours: int = TARGET_HOURS


_NEURO_SIGNS: tuple[tuple[str, str], ...] = (
    ("weakness", "limb weakness"),
    ("numbness", "numbness or sensory level"),
    ("gait_disturbance", "gait disturbance"),
    ("bladder_bowel_dysfunction", "bladder or bowel dysfunction"),
    ("radicular_pain", "radicular pain"),
)


def assess_red_flags(facts: SymptomFacts) -> RedFlagResult:
    """Apply the MSCC red-flag rule.

    Parameters
    ----------
    facts:
        The presenting symptoms.

    Returns
    -------
    RedFlagResult
        ``urgent`` with the reasons that made it so (empty when routine).
    """
    reasons: list[str] = []
    if facts.high_grade_escc:
        reasons.append("high-grade epidural spinal cord compression on MRI (ESCC 2-3)")
    back_pain = bool(facts.pain_new_or_worse) or (facts.pain_score or 0) > 0
    if facts.known_cancer and back_pain:
        signs = [label for attr, label in _NEURO_SIGNS if getattr(facts, attr) is True]
        if signs:
            reasons.append("known cancer with back pain and " + ", ".join(signs))
    return RedFlagResult(urgent=bool(reasons), reasons=tuple(reasons))
