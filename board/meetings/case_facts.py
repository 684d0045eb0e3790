"""What the presenter view and the plan show about a case: key facts, scores, input.

This is the one seam between the meeting and the specialists' input. The scores come
from :func:`board.assessments.derive.derive_scores` (the same derivation as the case's
Scores tab), over the roles' saved forms; any input it cannot find stays *unknown*: the
score is then shown as incomplete, naming what is missing, never as a partial total.
Safety flags ``thrombocytopenia``, ``renal_impairment``, ``anticoagulation`` are read
from any assessment (the oncologist's form records them).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from board.assessments.derive import DerivedScore, LesionScore, Sourced, derive_scores
from board.assessments.forms import FORM_CLASSES, LESION_SPECS
from board.assessments.scores import derivation_input
from board.auth.actor import Actor
from board.auth.permissions import Action, require
from board.auth.roles import CONTRIBUTING_ROLES, Role
from board.cases.enums import CaseStatus, Urgency
from board.db.engine import Database
from board.db.models import (
    Assessment,
    Biopsy,
    Case,
    ImagingSeries,
    ImagingStudy,
    Note,
)
from board.errors import NotFoundError, ValidationError
from board.pathology.enums import BiopsyStatus
from board.scoring.noms import (
    NomsResult,
)
from board.scoring.primary import PrimarySite
from board.scoring.safety import PatientSafetyFlags

T = TypeVar("T")
SUMMARY_LENGTH = 180
MAX_IMAGES = 3


@dataclass(frozen=True, slots=True)
class ScoreLine:
    """One score as the presenter shows it.

    Parameters
    ----------
    key:
        ``sins``, ``escc``, ``noms``, ``tokuhashi``, ``tomita`` or ``performance``.
    name:
        Short display name.
    value:
        The result (e.g. ``"T11: 9"``), or ``"incomplete"``.
    category:
        The band or meaning, or what is missing when incomplete.
    complete:
        Whether every input was known.
    source:
        Citation.
    components:
        Each input in plain English with its points and who supplied it
        (``"bone lesion: lytic (2 points), Radiologist (Dr Rad)"``).
    """

    key: str
    name: str
    value: str
    category: str
    complete: bool
    source: str
    components: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RoleInput:
    """One role's input in short."""

    role: Role
    submitted: bool
    summary: str


@dataclass(frozen=True, slots=True)
class KeyImage:
    """A key image (series thumbnail) with its caption."""

    caption: str
    png: bytes


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """The key facts of a case for the shared screen and the plan."""

    case_id: int
    pseudonym: str
    age: int | None
    sex: str
    primary_site: str
    primary_site_label: str
    histology: str | None
    levels: tuple[str, ...]
    status: CaseStatus
    version: int
    urgent: bool
    red_flags: tuple[str, ...]
    referral_question: str
    pain: str
    symptoms: tuple[str, ...]
    performance: str
    neurology: str
    scores: tuple[ScoreLine, ...]
    noms: NomsResult | None
    role_inputs: tuple[RoleInput, ...]
    images: tuple[KeyImage, ...] = field(default_factory=tuple)
    safety_flags: PatientSafetyFlags = field(default_factory=PatientSafetyFlags)

    @property
    def noms_summary(self) -> str:
        """The NOMS suggestion in one line."""
        return "not available" if self.noms is None else self.noms.summary()


def _safe(parse: Callable[[Any], T | None], value: Any) -> T | None:
    """A parsed value, or ``None`` when it is missing or not recognised."""
    if value is None or value == "unknown":
        return None
    try:
        return parse(value)
    except (ValidationError, ValueError, TypeError):
        return None


def _humanise(key: str) -> str:
    return key.replace("_", " ")


def _short(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        return "; ".join(f"{_humanise(str(k))} {_short(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_short(v) for v in value)
    return _humanise(str(value))


def _clip(text: str, limit: int = SUMMARY_LENGTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _labels(role: Role) -> dict[str, str]:
    """Field labels of a role's form (lesion fields included); empty without a form."""
    specs = FORM_CLASSES[role].SPECS + LESION_SPECS if role in FORM_CLASSES else LESION_SPECS
    return {spec.key: _short_label(spec.label) for spec in specs}


def _short_label(label: str) -> str:
    """A form label shortened for one line: explanations in brackets and after a comma
    go, short brackets such as units stay ("cEBRT total dose (Gy)")."""
    return re.sub(r"\s*\([^)]{7,}\)", "", label).split(", ")[0]


def summarise_input(role: Role, data: Mapping[str, Any]) -> str:
    """One role's structured input in a line.

    Parameters
    ----------
    role:
        The role (the radiologist's lesions are written per level).
    data:
        The stored assessment data.

    Returns
    -------
    str
        ``label value`` pairs (the form's field labels), clipped to a presenter-sized
        line.
    """
    labels = _labels(role)

    def name(key: object) -> str:
        return labels.get(str(key)) or _humanise(str(key))

    parts: list[str] = []
    for key, value in data.items():
        if value is None or value == "" or value == {} or value == []:
            continue
        if key == "lesions" and isinstance(value, list | tuple):
            for findings in value:
                if isinstance(findings, Mapping):
                    parts.append(
                        f"{findings.get('level', '?')}: "
                        + ", ".join(
                            f"{name(k)} {_short(v)}"
                            for k, v in findings.items()
                            if k != "level" and v not in (None, "")
                        )
                    )
            continue
        parts.append(f"{name(key)} {_short(value)}")
    return _clip("; ".join(parts)) if parts else "no structured input"


def _symptoms(case: Case) -> tuple[str, ...]:
    found = [
        label
        for flag, label in (
            (case.weakness, "limb weakness"),
            (case.numbness, "numbness or sensory level"),
            (case.gait_disturbance, "gait disturbance"),
            (case.bladder_bowel_dysfunction, "bladder or bowel dysfunction"),
            (case.radicular_pain, "radicular pain"),
            (case.reflex_change, "reflex change"),
            (case.pain_new_or_worse, "new or worsening back pain"),
        )
        if flag is True
    ]
    return tuple(found)


def _images(session: Session, case_id: int) -> tuple[KeyImage, ...]:
    rows = session.execute(
        select(ImagingSeries, ImagingStudy)
        .join(ImagingStudy, ImagingStudy.id == ImagingSeries.study_id)
        .where(ImagingStudy.case_id == case_id, ImagingSeries.thumbnail_png.is_not(None))
        .order_by(ImagingStudy.study_date.desc(), ImagingSeries.series_number, ImagingSeries.id)
        .limit(MAX_IMAGES)
    ).all()
    images = []
    for series, study in rows:
        date = study.study_date.isoformat() if study.study_date else "undated"
        caption = f"{series.modality} {date}: {series.description or 'series'}"
        if series.thumbnail_png:
            images.append(KeyImage(caption, bytes(series.thumbnail_png)))
    return tuple(images)


def _facts(session: Session, case: Case) -> CaseFacts:
    patient = case.patient
    assessments = {
        a.role: a for a in session.scalars(select(Assessment).where(Assessment.case_id == case.id))
    }

    def data(role: Role) -> Mapping[str, Any]:
        row = assessments.get(role)
        return row.data if row is not None and isinstance(row.data, Mapping) else {}

    derived = derive_scores(derivation_input(session, case))
    scores = [
        ScoreLine(
            line.key,
            {"tokuhashi": "Tokuhashi"}.get(line.key, line.name),
            line.value,
            line.category,
            line.complete,
            line.source,
            _components(line, derived.lesions),
        )
        for line in derived.scores
        if line.key in ("sins", "escc", "noms", "tokuhashi", "tomita")
    ]
    noms = derived.noms
    ecog, karnofsky = derived.ecog, derived.karnofsky
    frankel, asia = derived.frankel, derived.asia
    site = _safe(PrimarySite, case.primary_site)

    performance_parts = []
    if ecog is not None:
        performance_parts.append(f"ECOG {ecog.value} ({ecog.label})")
    if karnofsky is not None:
        performance_parts.append(f"Karnofsky {karnofsky}%")
    neuro_parts = []
    if frankel is not None:
        neuro_parts.append(f"Frankel {frankel.value} ({frankel.label})")
    if asia is not None and (frankel is None or asia.value != frankel.value):
        neuro_parts.append(f"ASIA {asia.value}")

    # Histology: the final biopsy, else what the referral says.
    histology = case.histology
    pending = False
    for biopsy in session.scalars(
        select(Biopsy).where(Biopsy.case_id == case.id).order_by(Biopsy.id)
    ):
        if biopsy.status is BiopsyStatus.FINAL and biopsy.histology:
            histology = biopsy.histology
        elif biopsy.status is not BiopsyStatus.FINAL:
            pending = True
    if not histology and pending:
        histology = "biopsy pending"

    latest_notes: dict[Role, str] = {}
    for note in session.scalars(
        select(Note).where(Note.case_id == case.id).order_by(Note.created_at, Note.id)
    ):
        latest_notes[note.author_role] = note.body
    role_inputs = []
    for role in CONTRIBUTING_ROLES:
        row = assessments.get(role)
        summary = summarise_input(role, data(role)) if row is not None else "no input yet"
        if role in latest_notes:
            summary = _clip(f"{summary}. Note: {latest_notes[role]}")
        role_inputs.append(
            RoleInput(role, row is not None and row.submitted_at is not None, summary)
        )

    def flag(name: str) -> bool | None:
        for assessment in assessments.values():
            value = assessment.data.get(name) if isinstance(assessment.data, Mapping) else None
            if isinstance(value, bool):
                return value
        return None

    pain = "unknown"
    if case.pain_score is not None:
        pain = f"{case.pain_score}/10"
        if case.pain_character:
            pain += f", {case.pain_character}"
    return CaseFacts(
        case_id=case.id,
        pseudonym=patient.pseudonym,
        age=patient.age_at_referral,
        sex=patient.sex.label,
        primary_site=case.primary_site,
        primary_site_label=site.label if site else case.primary_site,
        histology=histology,
        levels=tuple(lv for lv in case.levels.split(",") if lv),
        status=case.status,
        version=case.version,
        urgent=case.urgency is Urgency.URGENT,
        red_flags=tuple(case.urgency_reasons or ()),
        referral_question=case.referral_question,
        pain=pain,
        symptoms=_symptoms(case),
        performance="; ".join(performance_parts) or "not recorded",
        neurology="; ".join(neuro_parts) or "not recorded",
        scores=tuple(scores),
        noms=noms,
        role_inputs=tuple(role_inputs),
        images=_images(session, case.id),
        safety_flags=PatientSafetyFlags(
            spinal_metastasis=True if case.levels else None,
            thrombocytopenia=flag("thrombocytopenia"),
            renal_impairment=flag("renal_impairment"),
            anticoagulation=flag("anticoagulation"),
        ),
    )


def load_case_facts(session: Session, case_id: int) -> CaseFacts:
    """The facts of a case, inside an open session (for other services).

    Parameters
    ----------
    session:
        An open session.
    case_id:
        The case.

    Returns
    -------
    CaseFacts
        The facts.

    Raises
    ------
    NotFoundError
        If there is no such case.
    """
    case = session.get(Case, case_id)
    if case is None:
        raise NotFoundError(f"Case {case_id} does not exist.")
    return _facts(session, case)


def _components(line: DerivedScore, lesions: Sequence[LesionScore]) -> tuple[str, ...]:
    """A score's inputs as lines; SINS lesion by lesion (its case line is a summary)."""
    if line.key == "sins" and lesions:
        return tuple(
            f"{lesion.level} {_component_text(item)}"
            for lesion in lesions
            for item in lesion.components
        )
    return tuple(_component_text(item) for item in line.inputs)


def _component_text(item: Sourced) -> str:
    """One score input as a line: name, value, points and who supplied it."""
    text = f"{item.name}: {item.value}"
    if item.points is not None:
        text += f" ({item.points} point{'' if item.points == 1 else 's'})"
    if item.source:
        text += f", {item.source}"
    return text


def gather_case_facts(db: Database, actor: Actor, case_id: int) -> CaseFacts:
    """The key facts, scores, NOMS suggestion and role input of a case.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who is looking (needs permission to view cases).
    case_id:
        The case.

    Returns
    -------
    CaseFacts
        The facts, with unknown inputs left unknown.

    Raises
    ------
    NotFoundError
        If there is no such case.
    PermissionDeniedError
        If the actor may not view cases.
    """
    require(actor, Action.CASE_VIEW)
    with db.read() as session:
        return load_case_facts(session, case_id)
