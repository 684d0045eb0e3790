"""Structured assessment forms, one per contributing role, as validated value objects.

Every field may be unknown: ``None`` in the value object, ``null`` (or the text
``"unknown"``) in the stored JSON. Each form is a frozen dataclass whose fields are
described by :class:`FieldSpec` rows (:data:`FORM_SPECS`), which drive both the
validation of stored or typed data (:func:`parse_form`) and the generic form widgets of
the UI. The radiologist's form adds one :class:`LesionFinding` row per vertebral level.

Stored shape (``Assessment.data``): ``{"field": value, ...}`` with enums by value,
multi-choice fields as lists, and for the radiologist ``"lesions": [{"level": "T7",
...}, ...]``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Any, ClassVar

from board.assessments.enums import (
    Alignment,
    Collapse,
    InterventionalOption,
    LesionType,
    Mobility,
    PhysioTechnique,
    Posterolateral,
    RadiosensitivityChoice,
    SurgicalCandidacy,
    SurgicalOption,
    SystemicOption,
    TomitaGrowthChoice,
    VisceralStatus,
)
from board.auth.roles import CONTRIBUTING_ROLES, Role
from board.cases.levels import VertebralLevel
from board.errors import ValidationError
from board.scoring.escc import EsccGrade
from board.scoring.neuro import AsiaGrade, FrankelGrade
from board.scoring.pain import PainCharacter
from board.scoring.performance import EcogGrade
from board.scoring.primary import PrimarySite

UNKNOWN = "unknown"
MAX_TEXT = 2_000
MAX_LESIONS = 29


class FieldKind(StrEnum):
    """How a form field is typed and edited."""

    CHOICE = "choice"
    MULTI = "multi"
    YES_NO = "yes_no"
    INTEGER = "integer"
    NUMBER = "number"
    TEXT = "text"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of a form.

    Parameters
    ----------
    key:
        Field name (the dataclass attribute and the stored JSON key).
    label:
        Plain-English label, with the unit where there is one.
    kind:
        How the value is typed.
    choices:
        The vocabulary of ``CHOICE`` and ``MULTI`` fields.
    minimum, maximum:
        Inclusive bounds of numbers.
    step:
        Required step of an integer (Karnofsky: 10).
    """

    key: str
    label: str
    kind: FieldKind
    choices: type[Enum] | None = None
    minimum: float | None = None
    maximum: float | None = None
    step: int | None = None


def _unknown(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip().casefold() in ("", UNKNOWN))


def _enum_value(spec: FieldSpec, value: object) -> Enum | None:
    assert spec.choices is not None
    if _unknown(value):
        return None
    if isinstance(value, spec.choices):
        return value
    if isinstance(value, str | int) and not isinstance(value, bool):
        wanted = str(value).strip().casefold()
        for member in spec.choices:
            if str(member.value).casefold() == wanted:
                return member
    allowed = ", ".join(f"'{m.value}'" for m in spec.choices)
    raise ValidationError(
        f"{spec.label}: {value!r} is not one of {allowed} (or '{UNKNOWN}').", field=spec.key
    )


def clean_value(spec: FieldSpec, value: object) -> Any:
    """Validate one field value.

    Parameters
    ----------
    spec:
        The field.
    value:
        The value as stored or typed; ``None`` or ``"unknown"`` mean unknown.

    Returns
    -------
    Any
        The clean value: an enum member, a tuple of members, a bool, a number, a
        string, or ``None`` for unknown.

    Raises
    ------
    ValidationError
        Naming the field and what was expected.
    """
    if spec.kind is FieldKind.CHOICE:
        return _enum_value(spec, value)
    if spec.kind is FieldKind.MULTI:
        if _unknown(value):
            return None
        if isinstance(value, str) or not isinstance(value, Sequence | frozenset | set):
            raise ValidationError(f"{spec.label}: expected a list of choices.", field=spec.key)
        members = [_enum_value(spec, item) for item in value]
        unique = tuple(dict.fromkeys(m for m in members if m is not None))
        return unique
    if spec.kind is FieldKind.YES_NO:
        if _unknown(value):
            return None
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().casefold() in ("yes", "no"):
            return value.strip().casefold() == "yes"
        raise ValidationError(f"{spec.label}: expected yes, no or unknown.", field=spec.key)
    if spec.kind in (FieldKind.INTEGER, FieldKind.NUMBER):
        return _number(spec, value)
    if _unknown(value):
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{spec.label}: expected text.", field=spec.key)
    text = value.strip()
    if len(text) > MAX_TEXT:
        raise ValidationError(
            f"{spec.label} is too long: at most {MAX_TEXT} characters, got {len(text)}.",
            field=spec.key,
        )
    return text or None


def _number(spec: FieldSpec, value: object) -> int | float | None:
    if _unknown(value):
        return None
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    bounds = ""
    if spec.minimum is not None and spec.maximum is not None:
        bounds = f" from {spec.minimum:g} to {spec.maximum:g}"
    elif spec.minimum is not None:
        bounds = f" of at least {spec.minimum:g}"
    whole = spec.kind is FieldKind.INTEGER
    expected = f"a {'whole number' if whole else 'number'}{bounds}"
    if spec.step:
        expected += f" in steps of {spec.step}"
    if (
        number is None
        or not math.isfinite(number)
        or (whole and not number.is_integer())
        or (spec.minimum is not None and number < spec.minimum)
        or (spec.maximum is not None and number > spec.maximum)
        or (spec.step and int(number) % spec.step)
    ):
        raise ValidationError(
            f"{spec.label}: {value!r} is not valid; expected {expected} (or unknown).",
            field=spec.key,
        )
    return int(number) if whole else number


def to_json(value: Any) -> Any:
    """A clean field value as stored JSON (enums by value, tuples as lists)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [to_json(v) for v in value]
    return value


class Form:
    """Behaviour shared by the role forms (dataclasses listing their :data:`SPECS`)."""

    SPECS: ClassVar[tuple[FieldSpec, ...]] = ()
    ROLE: ClassVar[Role]

    def to_data(self) -> dict[str, Any]:
        """The form as stored JSON.

        Returns
        -------
        dict[str, Any]
            One key per field (``None`` for unknown).
        """
        return {spec.key: to_json(getattr(self, spec.key)) for spec in self.SPECS}

    def known_count(self) -> int:
        """How many fields are filled in (not unknown)."""
        return sum(1 for spec in self.SPECS if getattr(self, spec.key) not in (None, ()))


def _parse_fields(specs: Sequence[FieldSpec], data: Mapping[str, Any]) -> dict[str, Any]:
    return {spec.key: clean_value(spec, data.get(spec.key)) for spec in specs}


S = FieldSpec
K = FieldKind

# ---------------------------------------------------------------------------
# Radiologist
# ---------------------------------------------------------------------------

LESION_SPECS: tuple[FieldSpec, ...] = (
    S("lesion_type", "Bone lesion", K.CHOICE, LesionType),
    S("collapse", "Vertebral body collapse", K.CHOICE, Collapse),
    S("alignment", "Alignment", K.CHOICE, Alignment),
    S("posterolateral", "Posterolateral involvement", K.CHOICE, Posterolateral),
    S("escc", "ESCC (Bilsky) grade", K.CHOICE, EsccGrade),
    S("posterior_wall_involvement", "Posterior vertebral wall involved", K.YES_NO),
)
#: the lesion findings a complete lesion needs (SINS inputs and ESCC)
LESION_REQUIRED: tuple[str, ...] = (
    "lesion_type",
    "collapse",
    "alignment",
    "posterolateral",
    "escc",
)


@dataclass(frozen=True, slots=True)
class LesionFinding:
    """The radiologist's findings at one vertebral level; ``None`` is unknown."""

    level: str
    lesion_type: LesionType | None = None
    collapse: Collapse | None = None
    alignment: Alignment | None = None
    posterolateral: Posterolateral | None = None
    escc: EsccGrade | None = None
    #: tumour in the posterior vertebral wall (cement leakage risk); not needed to be complete
    posterior_wall_involvement: bool | None = None

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> LesionFinding:
        """Validate one lesion row.

        Parameters
        ----------
        data:
            ``{"level": "T7", "lesion_type": "lytic", ...}``.

        Returns
        -------
        LesionFinding
            The validated row.

        Raises
        ------
        ValidationError
            If the level or a finding is not valid.
        """
        raw = data.get("level")
        if not isinstance(raw, str) or _unknown(raw):
            raise ValidationError(
                "Every lesion needs its vertebral level (C1-S5), e.g. 'T7'.", field="level"
            )
        level = str(VertebralLevel.parse(raw))
        return cls(level=level, **_parse_fields(LESION_SPECS, data))

    def to_data(self) -> dict[str, Any]:
        """The row as stored JSON."""
        return {"level": self.level} | {
            spec.key: to_json(getattr(self, spec.key)) for spec in LESION_SPECS
        }

    @property
    def complete(self) -> bool:
        """Whether every radiological finding (SINS inputs and ESCC) is known."""
        return all(getattr(self, key) is not None for key in LESION_REQUIRED)


@dataclass(frozen=True, slots=True)
class RadiologistForm(Form):
    """Radiologist: findings per lesion, plus disease seen elsewhere."""

    SPECS: ClassVar[tuple[FieldSpec, ...]] = (
        S("extraspinal_bone_metastases_seen", "Extraspinal bone metastases seen", K.YES_NO),
        S(
            "extraspinal_bone_foci",
            "Extraspinal bone metastases (number of foci)",
            K.INTEGER,
            minimum=0,
            maximum=999,
        ),
        S("visceral_metastases_seen", "Visceral metastases seen", K.YES_NO),
        S(
            "vertebral_metastases",
            "Vertebral bodies with metastases (number, if more than listed)",
            K.INTEGER,
            minimum=1,
            maximum=29,
        ),
        S("comment", "Comment", K.TEXT),
    )
    ROLE: ClassVar[Role] = Role.RADIOLOGIST

    lesions: tuple[LesionFinding, ...] = ()
    extraspinal_bone_metastases_seen: bool | None = None
    extraspinal_bone_foci: int | None = None
    visceral_metastases_seen: bool | None = None
    vertebral_metastases: int | None = None
    comment: str | None = None

    def to_data(self) -> dict[str, Any]:
        """The form as stored JSON, lesions included."""
        data = Form.to_data(self)
        data["lesions"] = [lesion.to_data() for lesion in self.lesions]
        return data

    def known_count(self) -> int:
        """Filled-in fields, counting each lesion row as one."""
        return Form.known_count(self) + len(self.lesions)


# ---------------------------------------------------------------------------
# The other roles
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SurgeonForm(Form):
    """Neurosurgeon / spine surgeon: neurological exam, mechanical pain, options."""

    SPECS: ClassVar[tuple[FieldSpec, ...]] = (
        S("frankel", "Frankel grade", K.CHOICE, FrankelGrade),
        S("asia", "ASIA impairment scale", K.CHOICE, AsiaGrade),
        S("myelopathy", "Myelopathy", K.YES_NO),
        S("radiculopathy", "Radiculopathy", K.YES_NO),
        S("mechanical_pain", "Mechanical pain (relieved lying down, worse on loading)", K.YES_NO),
        S("surgical_options", "Surgical options", K.MULTI, SurgicalOption),
        S("candidacy", "Surgical candidacy", K.CHOICE, SurgicalCandidacy),
        S("tolerates_surgery", "Can tolerate surgery (systemic)", K.YES_NO),
        S("comment", "Comment", K.TEXT),
    )
    ROLE: ClassVar[Role] = Role.SPINE_SURGEON

    frankel: FrankelGrade | None = None
    asia: AsiaGrade | None = None
    myelopathy: bool | None = None
    radiculopathy: bool | None = None
    mechanical_pain: bool | None = None
    surgical_options: tuple[SurgicalOption, ...] | None = None
    candidacy: SurgicalCandidacy | None = None
    tolerates_surgery: bool | None = None
    comment: str | None = None


SORG_SPECS: tuple[FieldSpec, ...] = (
    S("bmi", "SORG: body-mass index (kg/m²)", K.NUMBER, minimum=5, maximum=100),
    S("haemoglobin", "SORG: haemoglobin (g/dL)", K.NUMBER, minimum=0, maximum=30),
    S("platelets", "SORG: platelets (×10⁹/L)", K.NUMBER, minimum=0, maximum=5000),
    S("lymphocytes", "SORG: lymphocytes (×10⁹/L)", K.NUMBER, minimum=0, maximum=500),
    S("neutrophils", "SORG: neutrophils (×10⁹/L)", K.NUMBER, minimum=0, maximum=500),
    S("white_cells", "SORG: white cells (×10⁹/L)", K.NUMBER, minimum=0, maximum=1000),
    S("creatinine", "SORG: creatinine (µmol/L)", K.NUMBER, minimum=0, maximum=5000),
    S("inr", "SORG: INR", K.NUMBER, minimum=0, maximum=20),
    S("alkaline_phosphatase", "SORG: alkaline phosphatase (U/L)", K.NUMBER, minimum=0,
      maximum=10000),
    S("albumin", "Albumin (g/L; SORG and NESMS)", K.NUMBER, minimum=0, maximum=100),
    S("prior_systemic_therapy", "SORG: prior systemic therapy", K.YES_NO),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class OncologistForm(Form):
    """Medical oncologist: primary, systemic burden, performance status, options."""

    SPECS: ClassVar[tuple[FieldSpec, ...]] = (
        S("primary_site", "Primary site", K.CHOICE, PrimarySite),
        S("histology", "Histology", K.TEXT),
        S("primary_growth", "Primary growth (Tomita), if the site does not decide it", K.CHOICE,
          TomitaGrowthChoice),
        S("extraspinal_bone_foci", "Extraspinal bone metastases (number of foci)", K.INTEGER,
          minimum=0, maximum=999),
        S("visceral_metastases", "Visceral metastases", K.CHOICE, VisceralStatus),
        S("brain_metastases", "Brain metastases", K.YES_NO),
        S("ecog", "ECOG performance status", K.CHOICE, EcogGrade),
        S("karnofsky", "Karnofsky performance status (%)", K.INTEGER, minimum=0, maximum=100,
          step=10),
        S("systemic_options", "Systemic options", K.MULTI, SystemicOption),
        S("thrombocytopenia", "Thrombocytopenia", K.YES_NO),
        S("renal_impairment", "Renal impairment", K.YES_NO),
        S("anticoagulation", "On anticoagulation", K.YES_NO),
        *SORG_SPECS,
        S("comment", "Comment", K.TEXT),
    )  # fmt: skip
    ROLE: ClassVar[Role] = Role.MEDICAL_ONCOLOGIST

    primary_site: PrimarySite | None = None
    histology: str | None = None
    primary_growth: TomitaGrowthChoice | None = None
    extraspinal_bone_foci: int | None = None
    visceral_metastases: VisceralStatus | None = None
    brain_metastases: bool | None = None
    ecog: EcogGrade | None = None
    karnofsky: int | None = None
    systemic_options: tuple[SystemicOption, ...] | None = None
    thrombocytopenia: bool | None = None
    renal_impairment: bool | None = None
    anticoagulation: bool | None = None
    bmi: float | None = None
    haemoglobin: float | None = None
    platelets: float | None = None
    lymphocytes: float | None = None
    neutrophils: float | None = None
    white_cells: float | None = None
    creatinine: float | None = None
    inr: float | None = None
    alkaline_phosphatase: float | None = None
    albumin: float | None = None
    prior_systemic_therapy: bool | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class RadiationOncologistForm(Form):
    """Radiation oncologist: prior radiation, expected response, cEBRT/SBRT options."""

    SPECS: ClassVar[tuple[FieldSpec, ...]] = (
        S("prior_radiation", "Prior radiation to the level", K.YES_NO),
        S("prior_dose_gy", "Prior radiation: total dose (Gy)", K.NUMBER, minimum=0,
          maximum=150),
        S("prior_fractions", "Prior radiation: fractions", K.INTEGER, minimum=1, maximum=60),
        S("prior_radiation_details", "Prior radiation: dose, fractions, date", K.TEXT),
        S("radiosensitivity", "Expected response to cEBRT (overrides the histology table)",
          K.CHOICE, RadiosensitivityChoice),
        S("cebrt_option", "cEBRT is an option", K.YES_NO),
        S("cebrt_dose_gy", "cEBRT total dose (Gy)", K.NUMBER, minimum=0, maximum=100),
        S("cebrt_fractions", "cEBRT fractions", K.INTEGER, minimum=1, maximum=50),
        S("sbrt_option", "SBRT is an option", K.YES_NO),
        S("sbrt_dose_gy", "SBRT total dose (Gy)", K.NUMBER, minimum=0, maximum=100),
        S("sbrt_fractions", "SBRT fractions", K.INTEGER, minimum=1, maximum=10),
        S("comment", "Comment", K.TEXT),
    )  # fmt: skip
    ROLE: ClassVar[Role] = Role.RADIATION_ONCOLOGIST

    prior_radiation: bool | None = None
    prior_dose_gy: float | None = None
    prior_fractions: int | None = None
    prior_radiation_details: str | None = None
    radiosensitivity: RadiosensitivityChoice | None = None
    cebrt_option: bool | None = None
    cebrt_dose_gy: float | None = None
    cebrt_fractions: int | None = None
    sbrt_option: bool | None = None
    sbrt_dose_gy: float | None = None
    sbrt_fractions: int | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class PainForm(Form):
    """Pain and palliative care: NRS, character, analgesics, interventions."""

    SPECS: ClassVar[tuple[FieldSpec, ...]] = (
        S("nrs", "Pain, numeric rating scale (0-10)", K.INTEGER, minimum=0, maximum=10),
        S("character", "Pain character", K.CHOICE, PainCharacter),
        S("analgesics", "Current analgesics", K.TEXT),
        S("opioid_ome_mg", "Opioid dose (oral morphine equivalent, mg/day)", K.NUMBER,
          minimum=0, maximum=100000),
        S("interventional_options", "Interventional options", K.MULTI, InterventionalOption),
        S("comment", "Comment", K.TEXT),
    )  # fmt: skip
    ROLE: ClassVar[Role] = Role.PAIN_PALLIATIVE

    nrs: int | None = None
    character: PainCharacter | None = None
    analgesics: str | None = None
    opioid_ome_mg: float | None = None
    interventional_options: tuple[InterventionalOption, ...] | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class PhysiotherapistForm(Form):
    """Physiotherapist: mobility, goals, suitable techniques."""

    SPECS: ClassVar[tuple[FieldSpec, ...]] = (
        S("mobility", "Mobility", K.CHOICE, Mobility),
        S("goals", "Goals", K.TEXT),
        S("techniques", "Suitable techniques", K.MULTI, PhysioTechnique),
        S("comment", "Comment", K.TEXT),
    )
    ROLE: ClassVar[Role] = Role.PHYSIOTHERAPIST

    mobility: Mobility | None = None
    goals: str | None = None
    techniques: tuple[PhysioTechnique, ...] | None = None
    comment: str | None = None


AnyForm = (
    RadiologistForm
    | SurgeonForm
    | OncologistForm
    | RadiationOncologistForm
    | PainForm
    | PhysiotherapistForm
)

FORM_CLASSES: Mapping[Role, type[Form]] = {
    Role.RADIOLOGIST: RadiologistForm,
    Role.SPINE_SURGEON: SurgeonForm,
    Role.MEDICAL_ONCOLOGIST: OncologistForm,
    Role.RADIATION_ONCOLOGIST: RadiationOncologistForm,
    Role.PAIN_PALLIATIVE: PainForm,
    Role.PHYSIOTHERAPIST: PhysiotherapistForm,
}
assert set(FORM_CLASSES) == set(CONTRIBUTING_ROLES)


def form_class(role: Role) -> type[Form]:
    """The form class of a role.

    Parameters
    ----------
    role:
        A contributing role.

    Returns
    -------
    type[Form]
        Its form.

    Raises
    ------
    ValidationError
        If the role has no assessment form (coordinator, administrator, pathologist).
    """
    cls = FORM_CLASSES.get(role)
    if cls is None:
        raise ValidationError(f"The {role.label} role has no assessment form.", field="role")
    return cls


def parse_form(role: Role, data: Mapping[str, Any]) -> Form:
    """Validate stored or typed data into a role's form.

    Parameters
    ----------
    role:
        Whose form it is.
    data:
        Field values (missing keys are unknown). Keys that are not fields of the form
        are refused, so a typo never silently drops a value.

    Returns
    -------
    Form
        The validated form (one of :data:`FORM_CLASSES`).

    Raises
    ------
    ValidationError
        Naming the first field that is not as expected.
    """
    cls = form_class(role)
    allowed = {spec.key for spec in cls.SPECS} | ({"lesions"} if cls is RadiologistForm else set())
    extra = sorted(set(data) - allowed)
    if extra:
        raise ValidationError(
            f"{role.label} form: unexpected {'field' if len(extra) == 1 else 'fields'} "
            f"{', '.join(extra)}.",
            field=extra[0],
        )
    values = _parse_fields(cls.SPECS, data)
    if cls is RadiologistForm:
        rows = data.get("lesions") or []
        if not isinstance(rows, Sequence) or isinstance(rows, str):
            raise ValidationError("Lesions must be a list of rows.", field="lesions")
        if len(rows) > MAX_LESIONS:
            raise ValidationError(f"At most {MAX_LESIONS} lesions.", field="lesions")
        lesions: list[LesionFinding] = []
        for row in rows:
            if not isinstance(row, Mapping):
                raise ValidationError("Each lesion must be a row of findings.", field="lesions")
            lesions.append(LesionFinding.parse(row))
        levels = [lesion.level for lesion in lesions]
        duplicates = sorted({lv for lv in levels if levels.count(lv) > 1})
        if duplicates:
            raise ValidationError(
                f"Level {', '.join(duplicates)} is listed more than once: one row per level.",
                field="lesions",
            )
        lesions.sort(key=lambda lesion: VertebralLevel.parse(lesion.level).index)
        values["lesions"] = tuple(lesions)
    form = cls(**values)
    return form


def empty_form(role: Role) -> Form:
    """A form with every field unknown.

    Parameters
    ----------
    role:
        A contributing role.

    Returns
    -------
    Form
        The blank form.

    Raises
    ------
    ValidationError
        If the role has no form.
    """
    return form_class(role)()


def field_names(form: Form) -> tuple[str, ...]:
    """Every dataclass field of a form (for tests and the UI)."""
    return tuple(f.name for f in dataclasses.fields(form))  # type: ignore[arg-type]
