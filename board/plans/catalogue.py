"""The treatment options a consensus plan is built from, with the details each needs.

The options come from the board's source document (surgery, radiation, systemic
therapy, pain management, physiotherapy, supportive care, long-term care) plus the
follow-up schedule, with the detail the clinical reference asks for (radiation kind,
dose and fractions; physiotherapy goals; follow-up intervals...), and the additions of
the clinical safety work: bone-modifying agents, radiopharmaceuticals, radiofrequency or
cryo-ablation, an intrathecal pump, bracing, gait and transfer training, spinal
precautions, VTE prophylaxis, bladder, bowel and pressure-area care, hospice and
end-of-life care. Spinal manipulation (chiropractic care) needs a written reason to
proceed (a required text detail), since manipulation over a metastatic spine risks
fracture and cord injury and every patient on this board has a spinal tumour.

Radiation doses and fractions are bounded by the plausibility ranges of the clinical
reference (cEBRT 4-50 Gy in 1-25 fractions, SBRT 12-45 Gy in 1-5 fractions), so a
course such as 80 Gy in 1 fraction is refused here with the range in the message; the
dose-per-fraction limits and the regimen prompts need the radiotherapy rules of
:mod:`board.scoring.radiotherapy` and live in :func:`board.plans.rules.validate_item`
(this module is vocabulary and imports no scoring).

The catalogue is data: :func:`validate_details` checks an item against it and
:func:`describe_item` writes one plain-English line for screens and reports.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

from board.cases.levels import parse_levels
from board.errors import ValidationError
from board.plans.enums import PlanComponent, PlanIntent
from board.wording import plural

FieldKind = Literal["text", "number", "int", "choice", "multi", "levels"]
MAX_TEXT = 500


@dataclass(frozen=True, slots=True)
class DetailField:
    """One detail of a plan item.

    Parameters
    ----------
    key:
        Key in the stored ``details`` mapping.
    label:
        Label shown on the form.
    kind:
        ``text``, ``number`` (decimal), ``int``, ``choice`` (one of ``choices``),
        ``multi`` (several of ``choices``) or ``levels`` (vertebral levels, e.g.
        ``T7, T10-T12``).
    required:
        Whether the item needs it.
    choices:
        ``(value, label)`` pairs for ``choice`` and ``multi``.
    minimum, maximum:
        Inclusive bounds for numbers.
    unit:
        Unit shown after a number.
    help:
        Hint shown on the form.
    required_when:
        ``(key, value)``: the detail is required when the detail ``key`` has ``value``
        (e.g. a written reason when the therapy is chiropractic care).
    min_length:
        Shortest text accepted (after trimming), for a text that must say something.
    """

    key: str
    label: str
    kind: FieldKind = "text"
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    unit: str = ""
    help: str = ""
    required_when: tuple[str, str] | None = None
    min_length: int = 0

    def choice_label(self, value: str) -> str:
        """The label of one of the choices (the value itself when unknown)."""
        return dict(self.choices).get(value, value)


@dataclass(frozen=True, slots=True)
class PlanOption:
    """One option of a component, e.g. radiation: SBRT.

    Parameters
    ----------
    value:
        Stored value (``PlanItem.option``).
    label:
        Plain-English name.
    fields:
        The details it takes.
    """

    value: str
    label: str
    fields: tuple[DetailField, ...] = ()
    short: str = ""

    @property
    def short_label(self) -> str:
        """The name used in one-line descriptions."""
        return self.short or self.label


NOTES = DetailField("notes", "Notes", help="Anything else the team should know.")
LEVELS = DetailField("levels", "Levels", "levels", help="Vertebral levels, e.g. T7 or T10-T12.")
GOALS = DetailField(
    "goals", "Goals", required=True, help="What the therapy should achieve, e.g. walk 50 m."
)
FREQUENCY = DetailField("frequency", "Frequency", help="e.g. twice a week for 6 weeks.")
SURGERY_APPROACH = DetailField(
    "approach",
    "Approach",
    "choice",
    choices=(("open", "Open"), ("percutaneous", "Percutaneous / minimally invasive")),
)


def _surgery(value: str, label: str) -> PlanOption:
    return PlanOption(value, label, (LEVELS, SURGERY_APPROACH, NOTES))


RADIATION_BOUNDS: Mapping[str, tuple[float, float, int, int]] = MappingProxyType(
    {"cebrt": (4.0, 50.0, 1, 25), "sbrt": (12.0, 45.0, 1, 5)}
)
"""(min total Gy, max total Gy, min fractions, max fractions) by radiation option: the
plausibility ranges of the clinical reference (kept equal to
:data:`board.scoring.radiotherapy.PLAUSIBLE_RANGES` by a test)."""


def _radiation(value: str, label: str, short: str) -> PlanOption:
    low, high, fewest, most = RADIATION_BOUNDS[value]
    return PlanOption(
        value,
        label,
        (
            DetailField(
                "dose_gy",
                "Total dose",
                "number",
                True,
                minimum=low,
                maximum=high,
                unit="Gy",
                help=f"Plausible {short}: {low:g}-{high:g} Gy in {fewest}-{most} fractions.",
            ),
            DetailField("fractions", "Fractions", "int", True, minimum=fewest, maximum=most),
            LEVELS,
            NOTES,
        ),
        short,
    )


def _systemic(value: str, label: str) -> PlanOption:
    return PlanOption(
        value, label, (DetailField("regimen", "Agent or regimen", help="e.g. letrozole"), NOTES)
    )


def _physio(value: str, label: str, *extra: DetailField) -> PlanOption:
    return PlanOption(value, label, (GOALS, FREQUENCY, *extra, NOTES))


def _simple(value: str, label: str, *extra: DetailField) -> PlanOption:
    return PlanOption(value, label, (*extra, NOTES))


MANIPULATION_REASON = DetailField(
    "reason_to_proceed",
    "Written reason to proceed with spinal manipulation",
    required_when=("therapy", "chiropractic"),
    min_length=10,
    help=(
        "Spinal manipulation over a metastatic spine risks fracture and cord injury: say "
        "why the board proceeds."
    ),
)


def _follow_up(value: str, label: str, *extra: DetailField) -> PlanOption:
    return PlanOption(
        value,
        label,
        (
            DetailField(
                "interval_weeks", "Every", "int", True, minimum=1, maximum=104, unit="weeks"
            ),
            DetailField("occurrences", "Times", "int", minimum=1, maximum=52),
            *extra,
            NOTES,
        ),
    )


CATALOGUE: Mapping[PlanComponent, tuple[PlanOption, ...]] = MappingProxyType(
    {
        PlanComponent.SURGERY: (
            _surgery("decompression", "Decompression"),
            _surgery("stabilisation", "Stabilisation (instrumentation)"),
            _surgery("separation_surgery", "Separation surgery"),
            _surgery("vertebroplasty_kyphoplasty", "Vertebroplasty / kyphoplasty (cement)"),
            _surgery("palliative_surgery", "Palliative surgery"),
            _surgery("excision", "Tumour removal (excision)"),
            PlanOption(
                "ablation",
                "Radiofrequency or cryo-ablation (percutaneous)",
                (
                    DetailField(
                        "modality",
                        "Modality",
                        "choice",
                        True,
                        choices=(
                            ("radiofrequency", "Radiofrequency ablation"),
                            ("cryoablation", "Cryo-ablation"),
                        ),
                    ),
                    LEVELS,
                    NOTES,
                ),
            ),
        ),
        PlanComponent.RADIATION: (
            _radiation("cebrt", "Conventional external beam radiation (cEBRT)", "cEBRT"),
            _radiation("sbrt", "Stereotactic body radiotherapy (SBRT)", "SBRT"),
        ),
        PlanComponent.SYSTEMIC: (
            _systemic("chemotherapy", "Chemotherapy"),
            _systemic("targeted", "Targeted therapy"),
            _systemic("immunotherapy", "Immunotherapy"),
            _systemic("hormonal", "Hormonal therapy"),
            _simple(
                "bone_modifying_agent",
                "Bone-modifying agent",
                DetailField(
                    "agent",
                    "Agent",
                    "choice",
                    True,
                    choices=(("denosumab", "Denosumab"), ("zoledronic_acid", "Zoledronic acid")),
                ),
                DetailField("schedule", "Schedule", help="e.g. every 4 weeks"),
            ),
            _simple(
                "radiopharmaceutical",
                "Radiopharmaceutical (radionuclide therapy)",
                DetailField(
                    "agent",
                    "Agent",
                    "choice",
                    True,
                    choices=(
                        ("radium_223", "Radium-223"),
                        ("strontium_89", "Strontium-89"),
                        ("samarium_153", "Samarium-153"),
                        ("lutetium_177_psma", "Lutetium-177 PSMA"),
                        ("other", "Other (see notes)"),
                    ),
                ),
            ),
        ),
        PlanComponent.PAIN: (
            _simple(
                "analgesic_ladder",
                "Analgesic ladder",
                DetailField(
                    "step",
                    "Step",
                    "choice",
                    True,
                    choices=(
                        ("1", "1 (non-opioid)"),
                        ("2", "2 (weak opioid)"),
                        ("3", "3 (strong opioid)"),
                    ),
                ),
                DetailField(
                    "drugs",
                    "Drugs",
                    "multi",
                    True,
                    choices=(
                        ("acetaminophen", "Acetaminophen (paracetamol)"),
                        ("nsaid", "NSAIDs"),
                        ("weak_opioid", "Weak opioid"),
                        ("strong_opioid", "Strong opioid"),
                    ),
                ),
            ),
            _simple(
                "adjuvant",
                "Adjuvant analgesics",
                DetailField(
                    "kind",
                    "Kind",
                    "multi",
                    True,
                    choices=(
                        ("antidepressant", "Antidepressant"),
                        ("anticonvulsant", "Anticonvulsant"),
                        ("corticosteroid", "Corticosteroid"),
                    ),
                ),
                DetailField("agent", "Agent", help="e.g. pregabalin"),
            ),
            _simple(
                "interventional",
                "Interventional pain management",
                DetailField(
                    "procedure",
                    "Procedure",
                    "choice",
                    True,
                    choices=(
                        ("nerve_block", "Nerve block"),
                        ("epidural", "Epidural injection"),
                        ("intrathecal_pump", "Intrathecal pump"),
                    ),
                ),
                LEVELS,
            ),
            _simple(
                "complementary",
                "Complementary therapy",
                DetailField(
                    "therapy",
                    "Therapy",
                    "choice",
                    True,
                    choices=(
                        ("acupuncture", "Acupuncture"),
                        ("chiropractic", "Chiropractic care (spinal manipulation)"),
                        ("biofeedback", "Biofeedback"),
                    ),
                ),
                MANIPULATION_REASON,
            ),
        ),
        PlanComponent.PHYSIOTHERAPY: (
            _physio("stretching", "Stretching exercises"),
            _physio("low_impact_aerobics", "Low-impact aerobics"),
            _physio(
                "massage",
                "Massage therapy",
                DetailField(
                    "depth",
                    "Depth",
                    "choice",
                    True,
                    choices=(("gentle", "Gentle"), ("deep", "Deep")),
                ),
            ),
            _physio("heat", "Heat therapy"),
            _physio("gait_transfer_training", "Gait and transfer training"),
            _physio(
                "bracing",
                "Bracing (spinal orthosis)",
                DetailField("brace", "Brace", help="e.g. thoracolumbar orthosis (TLSO)"),
            ),
            _simple(
                "spinal_precautions",
                "Spinal precautions (suspected unstable spine)",
                DetailField(
                    "until",
                    "Until",
                    required=True,
                    help="e.g. until assessed by the spine surgeon, or until stabilised.",
                ),
            ),
        ),
        PlanComponent.SUPPORTIVE: (
            _simple("counselling", "Counselling (emotional support)"),
            _simple("support_groups", "Support groups"),
            _simple("nutrition", "Nutrition plan"),
            _simple("caregiver_resources", "Caregiver resources"),
            _simple("palliative_care_team", "Palliative care team"),
            _simple(
                "vte_prophylaxis",
                "VTE prophylaxis",
                DetailField(
                    "method",
                    "Method",
                    "choice",
                    True,
                    choices=(
                        ("pharmacological", "Pharmacological (anticoagulant)"),
                        ("mechanical", "Mechanical"),
                        ("both", "Pharmacological and mechanical"),
                    ),
                ),
            ),
            _simple(
                "bladder_bowel_pressure_care",
                "Bladder, bowel and pressure-area care",
                DetailField(
                    "covers",
                    "Covers",
                    "multi",
                    True,
                    choices=(
                        ("bladder", "Bladder care"),
                        ("bowel", "Bowel care"),
                        ("pressure_areas", "Pressure-area care"),
                    ),
                ),
            ),
        ),
        PlanComponent.LONG_TERM: (
            _simple(
                "advance_care_planning",
                "Advance care planning",
                DetailField(
                    "documents",
                    "Documents",
                    "multi",
                    True,
                    choices=(
                        ("advance_directive", "Advance directive / living will"),
                        ("healthcare_proxy", "Healthcare proxy"),
                    ),
                ),
            ),
            _simple(
                "survivorship_care_plan",
                "Survivorship care plan",
                DetailField(
                    "covers",
                    "Covers",
                    "multi",
                    choices=(
                        ("check_ups", "Check-ups"),
                        ("lifestyle", "Lifestyle changes"),
                        ("support_groups", "Support groups"),
                    ),
                ),
            ),
            _simple(
                "chronic_care_plan",
                "Chronic care plan",
                DetailField(
                    "covers",
                    "Covers",
                    "multi",
                    choices=(
                        ("regular_visits", "Regular doctor visits"),
                        ("pain_protocol", "Pain management protocol"),
                        ("adaptive_therapies", "Therapies adapted as needs change"),
                    ),
                ),
            ),
            _simple(
                "hospice_end_of_life",
                "Hospice and end-of-life care",
                DetailField(
                    "setting",
                    "Setting",
                    "choice",
                    choices=(("hospice", "Hospice"), ("home", "Home"), ("hospital", "Hospital")),
                ),
            ),
        ),
        PlanComponent.FOLLOW_UP: (
            _follow_up("visit", "Clinic visit"),
            _follow_up(
                "imaging",
                "Imaging",
                DetailField(
                    "modality",
                    "Modality",
                    "choice",
                    True,
                    choices=(("MR", "MRI"), ("CT", "CT"), ("PT", "PET"), ("XR", "X-ray")),
                ),
            ),
            _follow_up("labs", "Laboratory tests", DetailField("tests", "Tests")),
        ),
    }
)
"""Options by component, in display order."""

COMPONENT_LABELS: Mapping[PlanComponent, str] = MappingProxyType(
    {
        PlanComponent.SURGERY: "Surgery",
        PlanComponent.RADIATION: "Radiation",
        PlanComponent.SYSTEMIC: "Systemic therapy",
        PlanComponent.PAIN: "Pain management",
        PlanComponent.PHYSIOTHERAPY: "Physiotherapy",
        PlanComponent.SUPPORTIVE: "Supportive care",
        PlanComponent.LONG_TERM: "Long-term care",
        PlanComponent.FOLLOW_UP: "Follow-up",
    }
)

INTENT_LABELS: Mapping[PlanIntent, str] = MappingProxyType(
    {
        PlanIntent.CURATIVE: "Curative",
        PlanIntent.PALLIATIVE: "Palliative",
        PlanIntent.BEST_SUPPORTIVE_CARE: "Best supportive care",
    }
)


def find_option(component: PlanComponent | str, option: str) -> PlanOption:
    """Look up an option of a component.

    Parameters
    ----------
    component:
        The component (member or value).
    option:
        The option's value.

    Returns
    -------
    PlanOption
        The option.

    Raises
    ------
    ValidationError
        If the component or option is not in the catalogue.
    """
    try:
        family = PlanComponent(component)
    except ValueError:
        raise ValidationError(
            f"Unknown plan component '{component}'; expected one of "
            f"{', '.join(c.value for c in PlanComponent)}.",
            field="component",
        ) from None
    for candidate in CATALOGUE[family]:
        if candidate.value == option:
            return candidate
    raise ValidationError(
        f"Unknown {COMPONENT_LABELS[family].lower()} option '{option}'; expected one of "
        f"{', '.join(o.label for o in CATALOGUE[family])}.",
        field="option",
    )


def _clean_field(spec: DetailField, value: Any) -> Any:
    if spec.kind in ("text", "levels"):
        text = "" if value is None else str(value).strip()
        if len(text) > MAX_TEXT:
            raise ValidationError(
                f"{spec.label} is too long: at most {MAX_TEXT} characters.", field=spec.key
            )
        if text and len(text) < spec.min_length:
            raise ValidationError(
                f"{spec.label}: write at least {spec.min_length} characters.", field=spec.key
            )
        if spec.kind == "levels" and text:
            return ", ".join(str(level) for level in parse_levels(text))
        return text or None
    if spec.kind in ("number", "int"):
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise ValidationError(f"{spec.label} must be a number.", field=spec.key)
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValidationError(
                f"{spec.label} must be a number, not '{value}'.", field=spec.key
            ) from None
        if not math.isfinite(number):
            raise ValidationError(f"{spec.label} must be a finite number.", field=spec.key)
        if spec.kind == "int":
            if not number.is_integer():
                raise ValidationError(f"{spec.label} must be a whole number.", field=spec.key)
            number = int(number)
        bounds = f"{spec.minimum:g}-{spec.maximum:g}{(' ' + spec.unit) if spec.unit else ''}"
        if (spec.minimum is not None and number < spec.minimum) or (
            spec.maximum is not None and number > spec.maximum
        ):
            raise ValidationError(
                f"{spec.label} must be between {bounds}, not {number:g}.", field=spec.key
            )
        return number
    allowed = {value for value, _ in spec.choices}
    if spec.kind == "choice":
        if value is None or value == "":
            return None
        if value not in allowed:
            raise ValidationError(
                f"{spec.label}: '{value}' is not one of "
                f"{', '.join(label for _, label in spec.choices)}.",
                field=spec.key,
            )
        return value
    # multi
    values = [] if value is None else list(value) if not isinstance(value, str) else [value]
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ValidationError(
            f"{spec.label}: '{unknown[0]}' is not one of "
            f"{', '.join(label for _, label in spec.choices)}.",
            field=spec.key,
        )
    ordered = [v for v, _ in spec.choices if v in values]
    return ordered or None


def validate_details(
    component: PlanComponent | str, option: str, details: Mapping[str, Any]
) -> dict[str, Any]:
    """Check an item's details against the catalogue and normalise them.

    Parameters
    ----------
    component:
        The component.
    option:
        The option's value.
    details:
        The details as entered (keys of the option's fields; empty values allowed for
        optional fields).

    Returns
    -------
    dict[str, Any]
        The cleaned details, without empty optional values.

    Raises
    ------
    ValidationError
        Naming the first detail that is missing, unknown or out of range.
    """
    spec = find_option(component, option)
    known = {f.key for f in spec.fields}
    stray = sorted(set(details) - known)
    if stray:
        raise ValidationError(f"'{stray[0]}' is not a detail of {spec.label}.", field=stray[0])
    cleaned: dict[str, Any] = {}
    for field in spec.fields:
        value = _clean_field(field, details.get(field.key))
        if value is None:
            if field.required:
                raise ValidationError(
                    f"{spec.label}: {field.label.lower()} is required.", field=field.key
                )
            continue
        cleaned[field.key] = value
    by_key = {f.key: f for f in spec.fields}
    for field in spec.fields:
        if field.required_when is None or field.key in cleaned:
            continue
        key, trigger = field.required_when
        if cleaned.get(key) == trigger:
            chosen = by_key[key].choice_label(trigger) if key in by_key else trigger
            message = f"{spec.label}: {field.label.lower()} is required for {chosen}."
            if field.help:
                message += f" {field.help}"
            raise ValidationError(message, field=field.key)
    return cleaned


def _format_value(field: DetailField, value: Any) -> str:
    if field.kind == "multi":
        return ", ".join(field.choice_label(v) for v in value)
    if field.kind == "choice":
        return field.choice_label(str(value))
    if field.kind in ("number", "int"):
        return f"{value:g}{(' ' + field.unit) if field.unit else ''}"
    return str(value)


def describe_item(component: PlanComponent | str, option: str, details: Mapping[str, Any]) -> str:
    """One plain-English line for a plan item.

    Parameters
    ----------
    component, option, details:
        The item as stored.

    Returns
    -------
    str
        For example ``"SBRT: 24 Gy in 2 fractions; levels L3"``.
    """
    try:
        spec = find_option(component, option)
    except ValidationError:
        return f"{component}: {option}"
    if component == PlanComponent.RADIATION and "dose_gy" in details:
        fractions = details.get("fractions")
        head = f"{spec.short_label} {details['dose_gy']:g} Gy"
        if fractions:
            head += f" in {plural(fractions, 'fraction')}"
        skip = {"dose_gy", "fractions"}
    elif component == PlanComponent.FOLLOW_UP and "interval_weeks" in details:
        weeks = details["interval_weeks"]
        head = f"{spec.short_label} every {plural(weeks, 'week')}"
        if details.get("occurrences"):
            head += ", once" if details["occurrences"] == 1 else f", {details['occurrences']} times"
        skip = {"interval_weeks", "occurrences"}
    else:
        head = spec.short_label
        skip = set()
    parts = [
        f"{field.label.lower()} {_format_value(field, details[field.key])}"
        for field in spec.fields
        if field.key in details and field.key not in skip
    ]
    return head + (" (" + "; ".join(parts) + ")" if parts else "")
