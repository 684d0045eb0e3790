"""Red flags for suspected metastatic spinal cord compression (MSCC): the triage tier.

Source: UK NICE guideline NG234 (2023), "Spinal metastases and metastatic spinal cord
compression", whose recognition recommendations keep the two tiers of CG75, as
summarised in the clinical reference. For a person with past or current cancer:

- **immediate** (an oncological emergency: MRI of the whole spine as soon as possible and
  within 24 hours): neurological symptoms or signs suggestive of spinal cord or cauda
  equina compression (radicular pain, any limb weakness, difficulty walking, sensory
  loss or numbness, bladder or bowel dysfunction, neurological signs on examination),
  **with or without back pain**. High-grade epidural compression on MRI (ESCC 2 or 3) is
  in this tier on its own, whatever else is known;
- **within a week** (contact the MSCC coordinator within 24 hours, MRI within one week):
  spinal pain suggestive of spinal metastases without neurology (pain in the thoracic or
  cervical spine, progressive lumbar pain, severe unremitting lower spinal pain, spinal
  pain aggravated by straining, localised spinal tenderness, nocturnal spinal pain
  preventing sleep);
- otherwise **routine**.

Unknown items
-------------
A fact that is not recorded (``None``) never lowers the tier: the tier comes only from
what *is* recorded, so an unknown item can neither hide a recorded red flag (a patient
with bladder dysfunction and leg weakness is "immediate" whether or not pain is on file)
nor be the reason a case reads routine. The result lists every neurological item that is
not recorded (:attr:`RedFlagResult.unknown`) and says it is not complete.

An all-unknown case (known cancer, nothing else recorded) therefore reads tier
"routine" **on what is recorded** with ``complete`` False, and :meth:`RedFlagResult.summary`
says so and names every unknown item with what any one of them would mean ("not yet
recorded: ...; any of these present makes it immediate"). Nothing is guessed: the
triage tiers are for findings, and an unrecorded finding is asked for, not assumed.

The ESCC grade is not listed as unknown: it is what the MRI the tiers ask for will
give. A pain score or "new or worse pain" alone is kept for context but does not set a
tier: NG234's second tier needs one of the named pain features.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from board.errors import ValidationError

SOURCE = "NICE guideline NG234 (2023): suspected metastatic spinal cord compression"
TARGET_HOURS = 24
"""Target of the immediate tier: MRI of the whole spine within 24 hours."""
WEEK_TARGET_HOURS = 7 * 24
"""Target of the second tier: MRI within one week."""

IMMEDIATE_TARGET = "MRI of the whole spine within 24 hours"
WEEK_TARGET = "contact the MSCC coordinator within 24 hours and MRI within one week"


class RedFlagTier(StrEnum):
    """Triage tier of NICE NG234, in order of urgency (see :attr:`rank`)."""

    IMMEDIATE = "immediate"
    WITHIN_A_WEEK = "within_a_week"
    ROUTINE = "routine"

    @property
    def rank(self) -> int:
        """2 for immediate, 1 for within a week, 0 for routine."""
        return {"immediate": 2, "within_a_week": 1, "routine": 0}[self.value]

    @property
    def label(self) -> str:
        """Plain-English name with its target."""
        return {
            "immediate": f"Immediate: oncological emergency, {IMMEDIATE_TARGET}",
            "within_a_week": f"Urgent: {WEEK_TARGET}",
            "routine": "Routine",
        }[self.value]

    @property
    def target(self) -> str | None:
        """The target of the tier, or ``None`` when routine."""
        return {
            "immediate": IMMEDIATE_TARGET,
            "within_a_week": WEEK_TARGET,
            "routine": None,
        }[self.value]

    @property
    def target_hours(self) -> int | None:
        """Hours to the MRI: 24, 168 (one week), or ``None`` when routine."""
        return {"immediate": TARGET_HOURS, "within_a_week": WEEK_TARGET_HOURS}.get(self.value)


class PainFeature(StrEnum):
    """Spinal pain suggestive of spinal metastases (NG234 second tier)."""

    THORACIC_OR_CERVICAL = "thoracic_or_cervical"
    PROGRESSIVE_LUMBAR = "progressive_lumbar"
    SEVERE_UNREMITTING = "severe_unremitting"
    WORSE_ON_STRAINING = "worse_on_straining"
    LOCAL_TENDERNESS = "local_tenderness"
    NIGHT_PAIN = "night_pain"

    @property
    def label(self) -> str:
        """Plain-English description, as in NG234."""
        return _PAIN_LABELS[self]


_PAIN_LABELS: dict[PainFeature, str] = {
    PainFeature.THORACIC_OR_CERVICAL: "pain in the thoracic or cervical spine",
    PainFeature.PROGRESSIVE_LUMBAR: "progressive lumbar spinal pain",
    PainFeature.SEVERE_UNREMITTING: "severe unremitting lower spinal pain",
    PainFeature.WORSE_ON_STRAINING: (
        "spinal pain aggravated by straining (at stool, coughing or sneezing)"
    ),
    PainFeature.LOCAL_TENDERNESS: "localised spinal tenderness",
    PainFeature.NIGHT_PAIN: "nocturnal spinal pain preventing sleep",
}

NEURO_ITEMS: tuple[tuple[str, str], ...] = (
    ("weakness", "limb weakness"),
    ("numbness", "numbness or sensory loss"),
    ("gait_disturbance", "difficulty walking (gait disturbance)"),
    ("bladder_bowel_dysfunction", "bladder or bowel dysfunction"),
    ("radicular_pain", "radicular pain"),
    ("neuro_signs_on_examination", "neurological signs on examination"),
)
"""(field, plain-English name) of each neurological item, in the order reasons list them."""


def parse_pain_features(
    features: Iterable[PainFeature | str] | None,
) -> frozenset[PainFeature] | None:
    """Read recorded pain features.

    Parameters
    ----------
    features:
        Feature values such as ``"night_pain"`` (or members), or ``None`` when the pain
        features were not asked about (unknown). An empty collection means none present.

    Returns
    -------
    frozenset[PainFeature] | None
        The features, or ``None`` when unknown.

    Raises
    ------
    ValidationError
        If a value is not one of the six NG234 features.
    """
    if features is None:
        return None
    if isinstance(features, str):
        features = (features,)
    found: set[PainFeature] = set()
    for value in features:
        if isinstance(value, PainFeature):
            found.add(value)
            continue
        try:
            found.add(PainFeature(str(value).strip().casefold()))
        except ValueError:
            raise ValidationError(
                f"Spinal pain feature {value!r} is not recognised; expected one of "
                + ", ".join(f"'{f.value}'" for f in PainFeature)
                + ".",
                field="pain_features",
            ) from None
    return frozenset(found)


@dataclass(frozen=True, slots=True)
class SymptomFacts:
    """The presenting facts that feed the red-flag rule; ``None`` means not recorded.

    Parameters
    ----------
    known_cancer:
        Past or current cancer (the NG234 tiers apply only then; ESCC 2-3 on MRI is
        immediate regardless).
    pain_score, pain_new_or_worse:
        Kept for context; they do not set a tier on their own.
    weakness, numbness, gait_disturbance, bladder_bowel_dysfunction, radicular_pain:
        Neurological symptoms.
    high_grade_escc:
        High-grade epidural spinal cord compression (ESCC 2 or 3) on MRI.
    pain_features:
        Spinal pain features suggesting metastases (:class:`PainFeature` values); empty
        when none is present, ``None`` when not asked about.
    neuro_signs_on_examination:
        Neurological signs on examination (for example a reflex change or a sensory
        level).

    Raises
    ------
    ValidationError
        If a pain feature is not recognised.
    """

    known_cancer: bool
    pain_score: int | None = None
    pain_new_or_worse: bool | None = None
    weakness: bool | None = None
    numbness: bool | None = None
    gait_disturbance: bool | None = None
    bladder_bowel_dysfunction: bool | None = None
    radicular_pain: bool | None = None
    high_grade_escc: bool | None = None
    pain_features: frozenset[PainFeature] | frozenset[str] | None = field(default_factory=frozenset)
    neuro_signs_on_examination: bool | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "pain_features", parse_pain_features(self.pain_features))


@dataclass(frozen=True, slots=True)
class RedFlagResult:
    """The triage tier, why, and what is not recorded.

    Parameters
    ----------
    tier:
        Immediate, within a week or routine.
    reasons:
        Plain-English reasons for the tier, each ending with its target; empty when
        routine.
    unknown:
        Plain-English names of the items not recorded (never a reason for the tier).
    source:
        NICE NG234.
    """

    tier: RedFlagTier
    reasons: tuple[str, ...]
    unknown: tuple[str, ...] = ()
    source: str = SOURCE

    @property
    def urgent(self) -> bool:
        """``True`` exactly for the immediate tier (suspected cord compression)."""
        return self.tier is RedFlagTier.IMMEDIATE

    @property
    def target_hours(self) -> int | None:
        """Hours to the MRI for the tier (24 or 168), ``None`` when routine."""
        return self.tier.target_hours

    @property
    def complete(self) -> bool:
        """Whether every item the rule reads is recorded."""
        return not self.unknown

    def summary(self) -> str:
        """One line for display.

        Returns
        -------
        str
            The tier with its reasons; for a routine case with unrecorded items,
            ``"routine on what is recorded; not yet recorded: ..."`` naming them and
            what any one of them would mean.
        """
        head = self.tier.label
        if self.reasons:
            head += ": " + "; ".join(self.reasons)
        if not self.unknown:
            return head
        if self.tier is RedFlagTier.ROUTINE:
            return (
                "Routine on what is recorded; not yet recorded: "
                + ", ".join(self.unknown)
                + f" (any of these present makes it immediate: {IMMEDIATE_TARGET})"
            )
        return head + "; not yet recorded: " + ", ".join(self.unknown)


def _join(labels: list[str]) -> str:
    if len(labels) == 1:
        return labels[0]
    return ", ".join(labels[:-1]) + " and " + labels[-1]


def assess_red_flags(facts: SymptomFacts) -> RedFlagResult:
    """Apply the NG234 triage rule.

    Parameters
    ----------
    facts:
        The presenting facts.

    Returns
    -------
    RedFlagResult
        The tier with the reasons for it (each naming its target) and the items not
        recorded. ``urgent`` is true exactly for the immediate tier.
    """
    unknown = [label for attr, label in NEURO_ITEMS if getattr(facts, attr) is None]
    if facts.pain_features is None:
        unknown.append("spinal pain features")
    immediate: list[str] = []
    if facts.high_grade_escc is True:
        immediate.append(
            "high-grade epidural spinal cord compression on MRI (ESCC 2-3): oncological "
            f"emergency, {IMMEDIATE_TARGET}"
        )
    if facts.known_cancer:
        signs = [label for attr, label in NEURO_ITEMS if getattr(facts, attr) is True]
        if signs:
            immediate.append(
                f"known cancer with {_join(signs)}, suggesting spinal cord or cauda equina "
                "compression (with or without back pain): oncological emergency, "
                f"{IMMEDIATE_TARGET}"
            )
    if immediate:
        return RedFlagResult(RedFlagTier.IMMEDIATE, tuple(immediate), tuple(unknown))
    features = facts.pain_features or frozenset()
    if facts.known_cancer and features:
        labels = [f.label for f in PainFeature if f in features]
        return RedFlagResult(
            RedFlagTier.WITHIN_A_WEEK,
            (
                f"known cancer with spinal pain suggesting spinal metastases ({_join(labels)}), "
                f"no neurological symptoms or signs recorded: {WEEK_TARGET}",
            ),
            tuple(unknown),
        )
    return RedFlagResult(RedFlagTier.ROUTINE, (), tuple(unknown))
