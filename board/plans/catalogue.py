"""The treatment options a consensus plan is built from, with the details each needs.

The options come from the board's source document (surgery, radiation, systemic
therapy, pain management, physiotherapy, supportive care, long-term care) plus the
follow-up schedule, with the detail the clinical reference asks for (radiation kind,
dose and fractions; physiotherapy goals; follow-up intervals...). The catalogue is
data: :func:`validate_details` checks an item against it and :func:`describe_item`
writes one plain-English line for screens and reports.
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


def _radiation(value: str, label: str, short: str) -> PlanOption:
    return PlanOption(
        value,
        label,
        (
            DetailField(
                "dose_gy", "Total dose", "number", True, minimum=0.5, maximum=80, unit="Gy"
            ),
            DetailField("fractions", "Fractions", "int", True, minimum=1, maximum=40),
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
                    choices=(("nerve_block", "Nerve block"), ("epidural", "Epidural injection")),
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
        ),
        PlanComponent.SUPPORTIVE: (
            _simple("counselling", "Counselling (emotional support)"),
            _simple("support_groups", "Support groups"),
            _simple("nutrition", "Nutrition plan"),
            _simple("caregiver_resources", "Caregiver resources"),
            _simple("palliative_care_team", "Palliative care team"),
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
            head += f" in {fractions} fraction{'s' if fractions != 1 else ''}"
        skip = {"dose_gy", "fractions"}
    elif component == PlanComponent.FOLLOW_UP and "interval_weeks" in details:
        weeks = details["interval_weeks"]
        head = f"{spec.short_label} every {weeks} week{'s' if weeks != 1 else ''}"
        if details.get("occurrences"):
            head += f", {details['occurrences']} times"
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
