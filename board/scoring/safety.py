"""Safety prompts for a plan: rules over planned items and patient flags.

The board's clinical reference ("Safety notes the app should surface", "Radiotherapy
regimens and plausibility") asks the app to surface:

- spinal manipulation (chiropractic) over a metastatic spine risks fracture and cord
  injury: flag it when a plan lists it for a case with spinal metastasis (proceeding
  needs a written reason, which the plan catalogue requires);
- deep massage and heat should avoid the tumour site itself;
- NSAIDs with thrombocytopenia, renal impairment or anticoagulation: flag for review;
- surgery, cement augmentation (vertebroplasty, kyphoplasty), epidural injection and
  nerve block with anticoagulation or low platelets: a bleeding prompt (also for the
  other needle procedures of the catalogue: radiofrequency or cryo-ablation and an
  intrathecal pump; and when the plan itself starts pharmacological VTE prophylaxis);
  cement augmentation with ESCC 2-3 or posterior wall involvement: a cement leakage
  prompt;
- corticosteroids (NICE NG234, as in CG75): for suspected or confirmed MSCC with
  neurological symptoms or signs, consider dexamethasone 16 mg as soon as possible (then
  a short course with a tapering plan), with gastric protection and blood glucose
  monitoring; when lymphoma is suspected and no tissue diagnosis exists, discuss biopsy
  before steroids;
- a suspected mechanically unstable spine (SINS 13 or more, or new neurology): spinal
  precautions until assessed; no aerobic or loaded exercise until stabilised;
- bone-modifying agents (denosumab, zoledronic acid): dental review before starting
  (osteonecrosis of the jaw), calcium and vitamin D, renal function for zoledronic acid;
- radiotherapy (:mod:`board.scoring.radiotherapy`): a course outside the plausibility
  ranges, a course that is not a standard regimen, re-irradiation of a level with prior
  radiation (the prior course and the cumulative EQD2 at alpha/beta 2), and SBRT close to
  open surgery (wound healing; local protocol decides the interval).

Every prompt names its source. These are prompts for the board, not prohibitions:
nothing here blocks a plan (the plausibility ranges refuse a course when it is entered;
a stored implausible course is flagged here).

Unknown facts
-------------
A fact that is not recorded (``None``) never silences a prompt about a planned item: it
turns it into a "check" prompt naming what is not recorded. The checks that the board
must acknowledge before signing are those about facts the case record already gathers
(platelets and anticoagulation, spinal metastasis, the approach of a planned surgery);
checks about facts it does not gather yet (ESCC and posterior wall for cement, prior
radiation, lymphoma, stability before exercise) are shown but advisory
(``needs_acknowledgement`` False) so that an unfilled flag does not block every plan.
Prompts about the patient's state rather than a planned item (dexamethasone, spinal
precautions) fire on what is recorded.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from board.errors import ValidationError
from board.scoring.common import coerce_bool, coerce_int
from board.scoring.radiotherapy import (
    LQ_SOURCE,
    SBRT_SURGERY_TIMING_TEXT,
    RadiationCourse,
    Technique,
    assess_regimen,
    reirradiation_text,
)
from board.scoring.radiotherapy import SOURCE as RADIOTHERAPY_SOURCE

SOURCE = "Tumor board clinical reference: safety notes (prompts for the board, not prohibitions)."
NG234_SOURCE = (
    "NICE guideline NG234 (2023), spinal metastases and metastatic spinal cord compression "
    "(corticosteroids, as in CG75); tumor board clinical reference: safety notes."
)
RT_SOURCE = RADIOTHERAPY_SOURCE + " " + LQ_SOURCE
UNSTABLE_SINS = 13
"""SINS from which the spine is suspected mechanically unstable (Fisher 2010: 13-18)."""


class PlannedItem(StrEnum):
    """Planned interventions (and patient-state topics) the safety rules look at."""

    SPINAL_MANIPULATION = "spinal_manipulation"
    DEEP_MASSAGE = "deep_massage"
    HEAT = "heat"
    NSAID = "nsaid"
    SURGERY = "surgery"
    ABLATION = "ablation"
    CEMENT_AUGMENTATION = "cement_augmentation"
    EPIDURAL_INJECTION = "epidural_injection"
    NERVE_BLOCK = "nerve_block"
    INTRATHECAL_PUMP = "intrathecal_pump"
    ANTICOAGULANT_PROPHYLAXIS = "anticoagulant_prophylaxis"
    CORTICOSTEROID = "corticosteroid"
    SPINAL_PRECAUTIONS = "spinal_precautions"
    AEROBIC_EXERCISE = "aerobic_exercise"
    DENOSUMAB = "denosumab"
    ZOLEDRONIC_ACID = "zoledronic_acid"
    CEBRT = "cebrt"
    SBRT = "sbrt"

    @property
    def label(self) -> str:
        """Plain-English name."""
        return _ITEM_LABELS[self]


_ITEM_LABELS: dict[PlannedItem, str] = {
    PlannedItem.SPINAL_MANIPULATION: "spinal manipulation (chiropractic)",
    PlannedItem.DEEP_MASSAGE: "deep massage",
    PlannedItem.HEAT: "heat therapy",
    PlannedItem.NSAID: "NSAIDs",
    PlannedItem.SURGERY: "surgery",
    PlannedItem.ABLATION: "radiofrequency or cryo-ablation",
    PlannedItem.CEMENT_AUGMENTATION: "cement augmentation (vertebroplasty or kyphoplasty)",
    PlannedItem.EPIDURAL_INJECTION: "epidural injection",
    PlannedItem.NERVE_BLOCK: "nerve block",
    PlannedItem.INTRATHECAL_PUMP: "intrathecal pump",
    PlannedItem.ANTICOAGULANT_PROPHYLAXIS: "pharmacological VTE prophylaxis",
    PlannedItem.CORTICOSTEROID: "corticosteroids (dexamethasone)",
    PlannedItem.SPINAL_PRECAUTIONS: "spinal precautions",
    PlannedItem.AEROBIC_EXERCISE: "aerobic or loaded exercise",
    PlannedItem.DENOSUMAB: "denosumab",
    PlannedItem.ZOLEDRONIC_ACID: "zoledronic acid",
    PlannedItem.CEBRT: "cEBRT",
    PlannedItem.SBRT: "SBRT",
}

_SYNONYMS: dict[str, PlannedItem] = {
    "spinal_manipulation": PlannedItem.SPINAL_MANIPULATION,
    "manipulation": PlannedItem.SPINAL_MANIPULATION,
    "chiropractic": PlannedItem.SPINAL_MANIPULATION,
    "chiropractic_manipulation": PlannedItem.SPINAL_MANIPULATION,
    "deep_massage": PlannedItem.DEEP_MASSAGE,
    "heat": PlannedItem.HEAT,
    "heat_therapy": PlannedItem.HEAT,
    "thermotherapy": PlannedItem.HEAT,
    "nsaid": PlannedItem.NSAID,
    "nsaids": PlannedItem.NSAID,
    "surgery": PlannedItem.SURGERY,
    "ablation": PlannedItem.ABLATION,
    "radiofrequency_ablation": PlannedItem.ABLATION,
    "cryoablation": PlannedItem.ABLATION,
    "cement_augmentation": PlannedItem.CEMENT_AUGMENTATION,
    "vertebroplasty": PlannedItem.CEMENT_AUGMENTATION,
    "kyphoplasty": PlannedItem.CEMENT_AUGMENTATION,
    "vertebroplasty_kyphoplasty": PlannedItem.CEMENT_AUGMENTATION,
    "epidural": PlannedItem.EPIDURAL_INJECTION,
    "epidural_injection": PlannedItem.EPIDURAL_INJECTION,
    "nerve_block": PlannedItem.NERVE_BLOCK,
    "intrathecal_pump": PlannedItem.INTRATHECAL_PUMP,
    "anticoagulant_prophylaxis": PlannedItem.ANTICOAGULANT_PROPHYLAXIS,
    "corticosteroid": PlannedItem.CORTICOSTEROID,
    "corticosteroids": PlannedItem.CORTICOSTEROID,
    "steroids": PlannedItem.CORTICOSTEROID,
    "dexamethasone": PlannedItem.CORTICOSTEROID,
    "spinal_precautions": PlannedItem.SPINAL_PRECAUTIONS,
    "aerobic_exercise": PlannedItem.AEROBIC_EXERCISE,
    "low_impact_aerobics": PlannedItem.AEROBIC_EXERCISE,
    "denosumab": PlannedItem.DENOSUMAB,
    "zoledronic_acid": PlannedItem.ZOLEDRONIC_ACID,
    "zoledronate": PlannedItem.ZOLEDRONIC_ACID,
    "cebrt": PlannedItem.CEBRT,
    "sbrt": PlannedItem.SBRT,
}


def parse_planned_item(value: PlannedItem | str) -> PlannedItem | None:
    """Recognise a planned item by its value or a common name.

    Parameters
    ----------
    value:
        A :class:`PlannedItem` or text such as ``"NSAIDs"`` or ``"deep massage"``.

    Returns
    -------
    PlannedItem | None
        The item, or ``None`` when the text names something the rules do not cover.
    """
    if isinstance(value, PlannedItem):
        return value
    key = "_".join(str(value).strip().casefold().replace("-", " ").split())
    return _SYNONYMS.get(key)


class Severity(StrEnum):
    """How a prompt is worded."""

    WARNING = "warning"
    CHECK = "check"


@dataclass(frozen=True, slots=True)
class PatientSafetyFlags:
    """Patient facts the safety rules need; ``None`` means not recorded.

    Parameters
    ----------
    spinal_metastasis, thrombocytopenia, renal_impairment, anticoagulation:
        Whether each is present (thrombocytopenia is the "low platelets" of the bleeding
        prompt).
    new_neurology:
        New or progressing neurological symptoms or signs (suspected cord or cauda equina
        compression).
    lymphoma_suspected:
        Whether lymphoma is suspected.
    tissue_diagnosis:
        Whether a tissue (histological) diagnosis exists.
    sins_total:
        SINS total of the driving lesion, 0-18.
    high_grade_escc:
        ESCC 2 or 3 at any level.
    posterior_wall_involvement:
        Tumour involving the posterior wall of the vertebral body to be cemented.
    prior_radiation:
        Prior radiation to the planned level (the radiation oncologist's form).
    prior_radiation_dose_gy, prior_radiation_fractions:
        The prior course, when recorded as numbers.
    prior_radiation_details:
        The radiation oncologist's free-text note of the prior course.
    planned_surgery:
        Open surgery planned or recently done outside this plan (for the SBRT timing
        prompt).

    Raises
    ------
    ValidationError
        If a value is not yes, no or unknown, or a number is out of range.
    """

    spinal_metastasis: bool | None = None
    thrombocytopenia: bool | None = None
    renal_impairment: bool | None = None
    anticoagulation: bool | None = None
    new_neurology: bool | None = None
    lymphoma_suspected: bool | None = None
    tissue_diagnosis: bool | None = None
    sins_total: int | None = None
    high_grade_escc: bool | None = None
    posterior_wall_involvement: bool | None = None
    prior_radiation: bool | None = None
    prior_radiation_dose_gy: float | None = None
    prior_radiation_fractions: int | None = None
    prior_radiation_details: str | None = None
    planned_surgery: bool | None = None

    def __post_init__(self) -> None:
        for key in (
            "spinal_metastasis",
            "thrombocytopenia",
            "renal_impairment",
            "anticoagulation",
            "new_neurology",
            "lymphoma_suspected",
            "tissue_diagnosis",
            "high_grade_escc",
            "posterior_wall_involvement",
            "prior_radiation",
            "planned_surgery",
        ):
            coerce_bool(getattr(self, key), key, key.replace("_", " ").capitalize())
        coerce_int(self.sins_total, "sins_total", "SINS total", 0, 18)
        coerce_int(
            self.prior_radiation_fractions,
            "prior_radiation_fractions",
            "Prior radiation fractions",
            1,
        )
        dose = self.prior_radiation_dose_gy
        if dose is not None and (
            isinstance(dose, bool)
            or not isinstance(dose, int | float)
            or not math.isfinite(dose)
            or dose <= 0
        ):
            raise ValidationError(
                f"Prior radiation dose is a number of Gy above 0; {dose!r} is not.",
                field="prior_radiation_dose_gy",
            )
        details = self.prior_radiation_details
        if details is not None and not isinstance(details, str):
            raise ValidationError(
                f"Prior radiation details are text; {details!r} is not.",
                field="prior_radiation_details",
            )

    @property
    def unstable_spine(self) -> bool | None:
        """Suspected mechanically unstable spine: SINS 13 or more, or new neurology.

        Returns
        -------
        bool | None
            ``True`` when either is recorded; ``False`` when SINS is below 13 and new
            neurology is recorded absent; ``None`` otherwise.
        """
        if (self.sins_total is not None and self.sins_total >= UNSTABLE_SINS) or (
            self.new_neurology is True
        ):
            return True
        if self.sins_total is not None and self.new_neurology is False:
            return False
        return None

    def prior_course(self) -> RadiationCourse | None:
        """The prior radiation course when its dose and fractions are recorded."""
        if self.prior_radiation_dose_gy is None or self.prior_radiation_fractions is None:
            return None
        return RadiationCourse(None, self.prior_radiation_dose_gy, self.prior_radiation_fractions)


@dataclass(frozen=True, slots=True)
class SafetyWarning:
    """A prompt for the board.

    Parameters
    ----------
    code:
        Stable identifier of the rule (with the regimen, for a radiation course).
    item:
        The planned item (or topic) that triggered it.
    severity:
        ``warning`` (a risk is present) or ``check`` (a needed fact is not recorded).
    text:
        Plain-English prompt.
    source:
        Where the rule comes from.
    needs_acknowledgement:
        Whether the board must acknowledge it before signing (advisory checks about
        facts the case record does not gather yet do not).
    """

    code: str
    item: PlannedItem
    severity: Severity
    text: str
    source: str = SOURCE
    needs_acknowledgement: bool = True


def _manipulation(flags: PatientSafetyFlags) -> SafetyWarning | None:
    item = PlannedItem.SPINAL_MANIPULATION
    if flags.spinal_metastasis is True:
        return SafetyWarning(
            "spinal-manipulation-metastasis",
            item,
            Severity.WARNING,
            "The plan lists spinal manipulation (chiropractic) for a patient with spinal "
            "metastasis: manipulation over a metastatic spine risks fracture and cord "
            "injury. Please review; proceeding needs a written reason.",
        )
    if flags.spinal_metastasis is None:
        return SafetyWarning(
            "spinal-manipulation-metastasis",
            item,
            Severity.CHECK,
            "The plan lists spinal manipulation (chiropractic) and spinal metastasis is not "
            "recorded: manipulation over a metastatic spine risks fracture and cord injury. "
            "Please check.",
        )
    return None


def _tumour_site(item: PlannedItem) -> SafetyWarning:
    return SafetyWarning(
        f"{item.value.replace('_', '-')}-tumour-site",
        item,
        Severity.WARNING,
        f"The plan lists {item.label}: it should avoid the tumour site itself.",
    )


_NSAID_RISKS: tuple[tuple[str, str], ...] = (
    ("thrombocytopenia", "thrombocytopenia"),
    ("renal_impairment", "renal impairment"),
    ("anticoagulation", "anticoagulation"),
)


def _nsaid(flags: PatientSafetyFlags) -> SafetyWarning | None:
    present = [label for key, label in _NSAID_RISKS if getattr(flags, key) is True]
    unknown = [label for key, label in _NSAID_RISKS if getattr(flags, key) is None]
    if present:
        text = f"The plan lists NSAIDs for a patient with {' and '.join(present)}: flag for review."
        if unknown:
            text += f" Not recorded: {', '.join(unknown)}."
        return SafetyWarning("nsaid-risk", PlannedItem.NSAID, Severity.WARNING, text)
    if unknown:
        return SafetyWarning(
            "nsaid-risk",
            PlannedItem.NSAID,
            Severity.CHECK,
            f"The plan lists NSAIDs; not recorded: {', '.join(unknown)}. Please check before "
            "NSAIDs.",
        )
    return None


BLEEDING_ITEMS: tuple[PlannedItem, ...] = (
    PlannedItem.SURGERY,
    PlannedItem.ABLATION,
    PlannedItem.CEMENT_AUGMENTATION,
    PlannedItem.EPIDURAL_INJECTION,
    PlannedItem.NERVE_BLOCK,
    PlannedItem.INTRATHECAL_PUMP,
)
"""Procedures that get the bleeding prompt, in prompt order."""

_BLEEDING_RISKS: tuple[tuple[str, str], ...] = (
    ("anticoagulation", "on anticoagulation"),
    ("thrombocytopenia", "with low platelets (thrombocytopenia)"),
)


def _bleeding(
    item: PlannedItem, flags: PatientSafetyFlags, prophylaxis: bool
) -> SafetyWarning | None:
    present = [label for key, label in _BLEEDING_RISKS if getattr(flags, key) is True]
    unknown = [
        label.removeprefix("on ").removeprefix("with ")
        for key, label in _BLEEDING_RISKS
        if getattr(flags, key) is None
    ]
    code = f"bleeding-{item.value.replace('_', '-')}"
    own = (
        " The plan also starts pharmacological VTE prophylaxis: time it around the procedure."
        if prophylaxis
        else ""
    )
    if present or prophylaxis:
        who = f" for a patient {' and '.join(present)}" if present else ""
        text = (
            f"Bleeding risk: the plan lists {item.label}{who}. Review anticoagulation and "
            f"platelets before the procedure.{own}"
        )
        if unknown:
            text += f" Not recorded: {', '.join(unknown)}."
        return SafetyWarning(code, item, Severity.WARNING, text)
    if unknown:
        return SafetyWarning(
            code,
            item,
            Severity.CHECK,
            f"The plan lists {item.label}; not recorded: {', '.join(unknown)}. Please check "
            "anticoagulation and platelets (bleeding risk) before the procedure.",
        )
    return None


def _cement_leakage(flags: PatientSafetyFlags) -> SafetyWarning | None:
    risks = (
        ("high_grade_escc", "high-grade epidural compression (ESCC 2-3)"),
        ("posterior_wall_involvement", "posterior wall involvement"),
    )
    present = [label for key, label in risks if getattr(flags, key) is True]
    unknown = [label for key, label in risks if getattr(flags, key) is None]
    item = PlannedItem.CEMENT_AUGMENTATION
    if present:
        text = (
            f"Cement augmentation with {' and '.join(present)}: risk of cement leakage into "
            "the spinal canal. Please review."
        )
        if unknown:
            text += f" Not recorded: {', '.join(unknown)}."
        return SafetyWarning("cement-leakage", item, Severity.WARNING, text)
    if unknown:
        return SafetyWarning(
            "cement-leakage",
            item,
            Severity.CHECK,
            f"The plan lists cement augmentation; not recorded: {', '.join(unknown)} (either "
            "raises the risk of cement leakage into the spinal canal). Please check.",
            needs_acknowledgement=False,
        )
    return None


DEXAMETHASONE_TEXT = (
    "consider dexamethasone 16 mg as soon as possible (then a short course with a tapering "
    "plan), with gastric protection and blood glucose monitoring."
)


def _dexamethasone(flags: PatientSafetyFlags) -> SafetyWarning | None:
    item = PlannedItem.CORTICOSTEROID
    if flags.new_neurology is True:
        return SafetyWarning(
            "dexamethasone-mscc",
            item,
            Severity.WARNING,
            "Suspected or confirmed metastatic spinal cord compression with neurological "
            "symptoms or signs: " + DEXAMETHASONE_TEXT,
            NG234_SOURCE,
        )
    if flags.new_neurology is None and flags.high_grade_escc is True:
        return SafetyWarning(
            "dexamethasone-mscc",
            item,
            Severity.CHECK,
            "High-grade epidural compression (ESCC 2-3) is recorded; neurological symptoms "
            "or signs are not recorded. If they are present: " + DEXAMETHASONE_TEXT,
            NG234_SOURCE,
            needs_acknowledgement=False,
        )
    return None


def _lymphoma_biopsy(flags: PatientSafetyFlags, steroids: bool) -> SafetyWarning | None:
    if not steroids:
        return None
    item = PlannedItem.CORTICOSTEROID
    if flags.lymphoma_suspected is True and flags.tissue_diagnosis is not True:
        diagnosis = (
            "no tissue diagnosis exists"
            if flags.tissue_diagnosis is False
            else "no tissue diagnosis is recorded"
        )
        return SafetyWarning(
            "steroids-lymphoma-biopsy",
            item,
            Severity.WARNING,
            f"Lymphoma is suspected and {diagnosis}: discuss biopsy before corticosteroids "
            "(steroids can make the biopsy non-diagnostic).",
            NG234_SOURCE,
        )
    if flags.lymphoma_suspected is None:
        return SafetyWarning(
            "steroids-lymphoma-biopsy",
            item,
            Severity.CHECK,
            "Corticosteroids are planned or prompted; whether lymphoma is suspected is not "
            "recorded. If it is and no tissue diagnosis exists, discuss biopsy before "
            "steroids.",
            NG234_SOURCE,
            needs_acknowledgement=False,
        )
    return None


def _instability_reason(flags: PatientSafetyFlags) -> str:
    reasons = []
    if flags.sins_total is not None and flags.sins_total >= UNSTABLE_SINS:
        reasons.append(f"SINS {flags.sins_total}")
    if flags.new_neurology is True:
        reasons.append("new neurological symptoms or signs")
    return " and ".join(reasons)


def _spinal_precautions(flags: PatientSafetyFlags, listed: bool) -> SafetyWarning | None:
    if flags.unstable_spine is not True or listed:
        return None
    return SafetyWarning(
        "spinal-precautions",
        PlannedItem.SPINAL_PRECAUTIONS,
        Severity.WARNING,
        f"Suspected mechanically unstable spine ({_instability_reason(flags)}): spinal "
        "precautions until assessed; no aerobic or loaded exercise until stabilised. The "
        "plan lists no spinal precautions.",
    )


def _exercise(flags: PatientSafetyFlags) -> SafetyWarning | None:
    item = PlannedItem.AEROBIC_EXERCISE
    unstable = flags.unstable_spine
    if unstable is True:
        return SafetyWarning(
            "exercise-unstable-spine",
            item,
            Severity.WARNING,
            f"The plan lists aerobic or loaded exercise for a suspected mechanically unstable "
            f"spine ({_instability_reason(flags)}): no aerobic or loaded exercise until "
            "stabilised.",
        )
    if unstable is None:
        unknown = []
        if flags.sins_total is None:
            unknown.append("SINS")
        if flags.new_neurology is None:
            unknown.append("new neurological symptoms or signs")
        return SafetyWarning(
            "exercise-unstable-spine",
            item,
            Severity.CHECK,
            f"The plan lists aerobic or loaded exercise; not recorded: {', '.join(unknown)}. "
            "With a suspected unstable spine (SINS 13 or more, or new neurology), no aerobic "
            "or loaded exercise until stabilised.",
            needs_acknowledgement=False,
        )
    return None


def _bone_modifying(item: PlannedItem, flags: PatientSafetyFlags) -> SafetyWarning:
    text = (
        f"The plan lists {item.label}: dental review before starting (osteonecrosis of the "
        "jaw), and calcium and vitamin D."
    )
    if item is PlannedItem.ZOLEDRONIC_ACID:
        text += " Check renal function before each dose"
        if flags.renal_impairment is True:
            text += ": renal impairment is recorded (dose adjustment or an alternative)."
        elif flags.renal_impairment is None:
            text += ": renal function is not recorded."
        else:
            text += "."
    return SafetyWarning(
        f"bone-modifying-{item.value.replace('_', '-')}", item, Severity.WARNING, text
    )


def _course_code(prefix: str, course: RadiationCourse) -> str:
    tech = "rt" if course.technique is None else course.technique.value
    code = f"{prefix}-{tech}-{course.total_gy:g}gy-{course.fractions}fx"
    if course.levels:
        code += "-" + "".join(course.levels.split()).replace(",", "-").casefold()
    return code


def _radiation(
    courses: tuple[RadiationCourse, ...],
    flags: PatientSafetyFlags,
    items: set[PlannedItem],
    open_surgery: bool | None,
) -> list[SafetyWarning]:
    warnings: list[SafetyWarning] = []
    for course in courses:
        item = PlannedItem.SBRT if course.technique is Technique.SBRT else PlannedItem.CEBRT
        if course.technique is None:
            continue
        try:
            assessed = assess_regimen(course.technique, course.total_gy, course.fractions)
        except ValidationError as exc:
            warnings.append(
                SafetyWarning(
                    _course_code("rt-implausible", course),
                    item,
                    Severity.WARNING,
                    exc.message,
                    RT_SOURCE,
                )
            )
            continue
        prompt = assessed.prompt()
        if prompt is not None:
            warnings.append(
                SafetyWarning(
                    _course_code("rt-nonstandard", course),
                    item,
                    Severity.WARNING,
                    prompt,
                    RT_SOURCE,
                )
            )
    for course in courses:
        if flags.prior_radiation is True:
            item = PlannedItem.SBRT if course.technique is Technique.SBRT else PlannedItem.CEBRT
            warnings.append(
                SafetyWarning(
                    _course_code("rt-reirradiation", course),
                    item,
                    Severity.WARNING,
                    reirradiation_text(course, flags.prior_course(), flags.prior_radiation_details),
                    RT_SOURCE,
                )
            )
    if courses and flags.prior_radiation is None:
        first = courses[0]
        warnings.append(
            SafetyWarning(
                "rt-reirradiation",
                PlannedItem.SBRT if first.technique is Technique.SBRT else PlannedItem.CEBRT,
                Severity.CHECK,
                "Prior radiation to the planned level is not recorded (radiation oncologist's "
                "form): check it before planning "
                + "; ".join(c.label for c in courses)
                + ". A re-irradiation needs the prior course and the cumulative EQD2 at "
                "alpha/beta 2.",
                RT_SOURCE,
                needs_acknowledgement=False,
            )
        )
    sbrt = PlannedItem.SBRT in items or any(c.technique is Technique.SBRT for c in courses)
    if sbrt:
        if open_surgery is True or flags.planned_surgery is True:
            where = "in this plan" if open_surgery is True else "planned or recent"
            warnings.append(
                SafetyWarning(
                    "rt-sbrt-surgery-timing",
                    PlannedItem.SBRT,
                    Severity.WARNING,
                    f"SBRT with open surgery {where}: {SBRT_SURGERY_TIMING_TEXT}",
                    RT_SOURCE,
                )
            )
        elif open_surgery is None:
            warnings.append(
                SafetyWarning(
                    "rt-sbrt-surgery-timing",
                    PlannedItem.SBRT,
                    Severity.CHECK,
                    "SBRT with surgery whose approach is not recorded: if the surgery is "
                    f"open, {SBRT_SURGERY_TIMING_TEXT}",
                    RT_SOURCE,
                )
            )
    return warnings


def safety_prompts(
    planned: Iterable[PlannedItem | str],
    flags: PatientSafetyFlags,
    *,
    courses: Iterable[RadiationCourse] = (),
    open_surgery: bool | None = False,
) -> tuple[SafetyWarning, ...]:
    """Apply the safety rules to a plan.

    Parameters
    ----------
    planned:
        Planned items, as :class:`PlannedItem` members or text; text the rules do not
        cover (e.g. "physiotherapy") is ignored, and duplicates count once.
    flags:
        The patient's facts.
    courses:
        The plan's radiation courses (technique, dose, fractions).
    open_surgery:
        Whether the plan's surgery is open: ``True``, ``False`` (none, or percutaneous
        only), or ``None`` (surgery whose approach is not recorded).

    Returns
    -------
    tuple[SafetyWarning, ...]
        The prompts in this order: spinal manipulation, deep massage, heat, NSAIDs;
        bleeding (surgery, ablation, cement augmentation, epidural injection, nerve block,
        intrathecal pump); cement leakage; dexamethasone; biopsy before steroids; spinal
        precautions; exercise; bone-modifying agents; radiotherapy (implausible or
        non-standard courses, re-irradiation, SBRT timing). Empty when none applies.
        Prompts never block the plan; ``needs_acknowledgement`` says which the board
        acknowledges before signing.
    """
    items = {item for item in (parse_planned_item(p) for p in planned) if item is not None}
    course_list = tuple(courses)
    warnings: list[SafetyWarning] = []
    if PlannedItem.SPINAL_MANIPULATION in items:
        warning = _manipulation(flags)
        if warning is not None:
            warnings.append(warning)
    for item in (PlannedItem.DEEP_MASSAGE, PlannedItem.HEAT):
        if item in items:
            warnings.append(_tumour_site(item))
    if PlannedItem.NSAID in items:
        warning = _nsaid(flags)
        if warning is not None:
            warnings.append(warning)
    prophylaxis = PlannedItem.ANTICOAGULANT_PROPHYLAXIS in items
    optional: list[SafetyWarning | None] = [
        _bleeding(item, flags, prophylaxis) for item in BLEEDING_ITEMS if item in items
    ]
    if PlannedItem.CEMENT_AUGMENTATION in items:
        optional.append(_cement_leakage(flags))
    dexamethasone = _dexamethasone(flags)
    optional.append(dexamethasone)
    steroids = PlannedItem.CORTICOSTEROID in items or (
        dexamethasone is not None and dexamethasone.severity is Severity.WARNING
    )
    optional.append(_lymphoma_biopsy(flags, steroids))
    optional.append(_spinal_precautions(flags, PlannedItem.SPINAL_PRECAUTIONS in items))
    if PlannedItem.AEROBIC_EXERCISE in items:
        optional.append(_exercise(flags))
    for item in (PlannedItem.DENOSUMAB, PlannedItem.ZOLEDRONIC_ACID):
        if item in items:
            optional.append(_bone_modifying(item, flags))
    warnings.extend(w for w in optional if w is not None)
    warnings.extend(_radiation(course_list, flags, items, open_surgery))
    # The same course listed twice prompts once.
    return tuple({w.code: w for w in reversed(warnings)}[code] for code in _codes(warnings))


def _codes(warnings: list[SafetyWarning]) -> list[str]:
    return list(dict.fromkeys(w.code for w in warnings))
