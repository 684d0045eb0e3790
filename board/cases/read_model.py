"""The case read model: everything the screens, the plan and the report know about a case.

:func:`load_case_read_model` reads a case once per transaction, in a few batched queries:
the record (patient, referral, symptoms, who registered and changed it), urgency and
red-flag reasons, readiness, the next meeting, notes, open action items, histology (the
final biopsy's, else the referral's, else "biopsy pending"), each role's input in short,
key images, the patient's safety flags, and the scores derived once from the roles'
typed forms (:class:`~board.assessments.derive.CaseScores`, every score with its inputs
and their sources). The case page, the presenter, the plan services (safety prompts,
NOMS snapshot, baseline at finalization), the report and the FHIR export all take this
one object; none of them derives the scores again.

Stored form data is read only by :func:`board.assessments.service.saved_forms`; the
safety flags come from the roles' typed forms, the presenting symptoms, the biopsies and
the derived scores. Anything unknown stays unknown: a score is then incomplete, naming
what is missing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from board.accounts.users import display_names
from board.assessments.derive import CaseScores, derive_scores
from board.assessments.forms import Form, OncologistForm, RadiationOncologistForm, RadiologistForm
from board.assessments.scores import derivation_input
from board.assessments.service import saved_forms
from board.auth.roles import CONTRIBUTING_ROLES, Role
from board.cases.enums import CaseStatus, Sex, Urgency
from board.cases.inputs import InputField, clip, input_fields, summarise_input
from board.cases.queries import next_meetings, open_action_counts, readiness_of
from board.cases.readiness import Readiness
from board.cases.redflags import PainFeature, parse_pain_features
from board.cases.views import CaseInput, NextMeeting, NoteView
from board.db.models import Biopsy, Case, ImagingSeries, ImagingStudy, Note, utcnow
from board.errors import NotFoundError
from board.imaging.alt_text import key_image_alt
from board.pathology.enums import BiopsyStatus
from board.scoring.neuro import FrankelGrade
from board.scoring.noms import NomsResult
from board.scoring.primary import PrimarySite
from board.scoring.safety import PatientSafetyFlags

#: At most this many key images (the newest studies' series thumbnails).
MAX_IMAGES = 3
BIOPSY_PENDING = "biopsy pending"
NOT_RECORDED = "not recorded"


@dataclass(frozen=True, slots=True)
class RoleInput:
    """One role's input: in short (its latest note appended) and field by field.

    ``fields`` holds every recorded field of the role's form, labelled and in words
    (:func:`board.cases.inputs.input_fields`); ``note`` is the role's latest note.
    """

    role: Role
    submitted: bool
    summary: str
    fields: tuple[InputField, ...] = ()
    note: str | None = None


@dataclass(frozen=True, slots=True)
class KeyImage:
    """A key image (series thumbnail) with its caption and its text alternative."""

    caption: str
    png: bytes
    #: what a screen reader says instead (modality, series, date, region, case levels)
    alt: str = ""


@dataclass(frozen=True, slots=True)
class CaseReadModel:
    """One case as every screen, the plan and the report see it.

    The record's own fields keep their stored meaning (``histology`` is the referral's,
    editable on the case form); the derived facts beside them say what the board sees
    (``current_histology``, ``pain``, ``performance``, ``neurology``, ``scores``).

    Parameters
    ----------
    id, version:
        The case and its row version (send it back when editing).
    pseudonym, hospital_number, age, birth_year, sex:
        The pseudonymised patient.
    primary_site, primary_site_label, histology, known_cancer, levels:
        The referral's cancer facts (stored value and label of the primary site).
    status, urgency, urgency_reasons:
        The case's status, urgency and the red flags that made it urgent.
    pain_score ... symptom_onset, referral_question, referred_by:
        The referral's presenting problem (``None``: unknown).
    created_at, created_by, updated_at, updated_by:
        Registration and last change (display names).
    readiness:
        The readiness checklist.
    next_meeting:
        The next scheduled or running meeting the case is on, if any.
    notes:
        The case's notes, oldest first.
    open_action_items:
        How many action items are still open.
    current_histology:
        The final biopsy's histology, else the referral's, else ``"biopsy pending"``
        while a biopsy is not final; ``None`` when nothing is known.
    symptoms:
        The presenting symptoms that are present, in words.
    pain, performance, neurology:
        One line each (``"not recorded"`` / ``"unknown"`` when nothing is known).
    role_inputs:
        Each contributing role's input in short.
    images:
        Key images of the newest studies.
    safety_flags:
        The patient's safety facts for the plan's safety prompts.
    forms:
        Each role's typed form (roles without a saved form are absent).
    scores:
        The scores derived from the forms, each with its inputs and sources.
    """

    id: int
    version: int
    pseudonym: str
    hospital_number: str | None
    age: int | None
    birth_year: int | None
    sex: Sex
    primary_site: str
    primary_site_label: str
    histology: str | None
    known_cancer: bool
    levels: tuple[str, ...]
    status: CaseStatus
    urgency: Urgency
    urgency_reasons: tuple[str, ...]
    pain_score: int | None
    pain_character: str | None
    pain_new_or_worse: bool | None
    numbness: bool | None
    weakness: bool | None
    reflex_change: bool | None
    gait_disturbance: bool | None
    bladder_bowel_dysfunction: bool | None
    radicular_pain: bool | None
    pain_features: frozenset[PainFeature] | None
    symptom_onset: dt.date | None
    referral_question: str
    referred_by: str | None
    created_at: dt.datetime
    created_by: str | None
    updated_at: dt.datetime
    updated_by: str | None
    readiness: Readiness
    next_meeting: NextMeeting | None
    notes: tuple[NoteView, ...]
    open_action_items: int
    current_histology: str | None
    symptoms: tuple[str, ...]
    pain: str
    performance: str
    neurology: str
    role_inputs: tuple[RoleInput, ...]
    images: tuple[KeyImage, ...]
    safety_flags: PatientSafetyFlags
    scores: CaseScores
    forms: Mapping[Role, Form] = field(default_factory=dict)

    @property
    def urgent(self) -> bool:
        """Whether the case is urgent (suspected cord compression)."""
        return self.urgency is Urgency.URGENT

    @property
    def noms(self) -> NomsResult | None:
        """The live NOMS suggestion (``None`` when it cannot be computed)."""
        return self.scores.noms

    @property
    def noms_summary(self) -> str:
        """The NOMS suggestion in one line."""
        return "not available" if self.scores.noms is None else self.scores.noms.summary()

    def as_input(self) -> CaseInput:
        """The editable fields, as the case form holds them."""
        return CaseInput(
            primary_site=self.primary_site,
            levels=self.levels,
            histology=self.histology,
            hospital_number=self.hospital_number,
            age=self.age,
            birth_year=self.birth_year,
            sex=self.sex,
            known_cancer=self.known_cancer,
            pain_score=self.pain_score,
            pain_character=self.pain_character,
            pain_new_or_worse=self.pain_new_or_worse,
            numbness=self.numbness,
            weakness=self.weakness,
            reflex_change=self.reflex_change,
            gait_disturbance=self.gait_disturbance,
            bladder_bowel_dysfunction=self.bladder_bowel_dysfunction,
            radicular_pain=self.radicular_pain,
            pain_features=self.pain_features,
            symptom_onset=self.symptom_onset,
            referral_question=self.referral_question,
            referred_by=self.referred_by,
        )


def primary_site_label(value: str) -> str:
    """Plain-English label of a stored primary site value (the value when unknown)."""
    try:
        return PrimarySite(value).label
    except ValueError:
        return value


def _symptoms(case: Case) -> tuple[str, ...]:
    return tuple(
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
    )


def _pain(case: Case) -> str:
    if case.pain_score is None:
        return "unknown"
    return f"{case.pain_score}/10" + (f", {case.pain_character}" if case.pain_character else "")


def _performance(scores: CaseScores) -> str:
    parts = []
    if scores.ecog is not None:
        parts.append(f"ECOG {scores.ecog.value} ({scores.ecog.label})")
    if scores.karnofsky is not None:
        parts.append(f"Karnofsky {scores.karnofsky}%")
    return "; ".join(parts) or NOT_RECORDED


def _neurology(scores: CaseScores) -> str:
    frankel, asia = scores.frankel, scores.asia
    parts = []
    if frankel is not None:
        parts.append(f"Frankel {frankel.value} ({frankel.label})")
    if asia is not None and (frankel is None or asia.value != frankel.value):
        parts.append(f"ASIA {asia.value}")
    return "; ".join(parts) or NOT_RECORDED


def _current_histology(session: Session, case: Case) -> str | None:
    """The final biopsy's histology, else the referral's, else "biopsy pending"."""
    histology = case.histology
    pending = False
    for status, found in session.execute(
        select(Biopsy.status, Biopsy.histology).where(Biopsy.case_id == case.id).order_by(Biopsy.id)
    ):
        if status is BiopsyStatus.FINAL and found:
            histology = found
        elif status is not BiopsyStatus.FINAL:
            pending = True
    if not histology and pending:
        return BIOPSY_PENDING
    return histology


def _images(session: Session, case_id: int, levels: tuple[str, ...]) -> tuple[KeyImage, ...]:
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
            alt = key_image_alt(
                series.modality,
                series.series_number,
                series.description,
                study.study_date,
                series.body_region,
                levels,
            )
            images.append(KeyImage(caption, bytes(series.thumbnail_png), alt))
    return tuple(images)


def _role_inputs(
    forms: Mapping[Role, Form], submitted: frozenset[Role], notes: tuple[NoteView, ...]
) -> tuple[RoleInput, ...]:
    latest_notes = {note.author_role: note.body for note in notes}
    found = []
    for role in CONTRIBUTING_ROLES:
        form = forms.get(role)
        summary = summarise_input(role, form.to_data()) if form is not None else "no input yet"
        if role in latest_notes:
            summary = clip(f"{summary}. Note: {latest_notes[role]}")
        found.append(
            RoleInput(
                role,
                role in submitted,
                summary,
                fields=input_fields(form) if form is not None else (),
                note=latest_notes.get(role),
            )
        )
    return tuple(found)


#: Presenting symptoms that are neurological (NICE NG234: suspected cord or cauda equina
#: compression); new or worsening back pain alone is not.
NEUROLOGICAL_SYMPTOMS = (
    "weakness",
    "numbness",
    "gait_disturbance",
    "bladder_bowel_dysfunction",
    "radicular_pain",
    "reflex_change",
)


def _new_neurology(case: Case, scores: CaseScores) -> bool | None:
    """Any presenting neurological symptom, or Frankel A-D; ``False`` when every symptom
    is recorded absent or the surgeon found Frankel E; else unknown."""
    symptoms = [getattr(case, name) for name in NEUROLOGICAL_SYMPTOMS]
    frankel = scores.frankel
    if any(value is True for value in symptoms) or (
        frankel is not None and frankel is not FrankelGrade.E
    ):
        return True
    if frankel is FrankelGrade.E or all(value is False for value in symptoms):
        return False
    return None


def _lymphoma_suspected(
    case: Case, onc: OncologistForm | None, histology: str | None
) -> bool | None:
    """Lymphoma as the primary (oncologist, else referral) or named in the histology;
    ``False`` for another known primary; unknown for an unknown primary."""
    texts = [histology, case.histology, onc.histology if onc else None]
    if any(text and "lymphoma" in text.casefold() for text in texts):
        return True
    site = onc.primary_site.value if onc and onc.primary_site else case.primary_site
    if site == PrimarySite.LYMPHOMA.value:
        return True
    if site is None or site == PrimarySite.UNKNOWN_PRIMARY.value:
        return None
    return False


def _tissue_diagnosis(session: Session, case: Case) -> bool | None:
    """A final biopsy with histology: yes; else unknown when the referral gives a histology
    (it may rest on tissue), else no."""
    final = session.scalar(
        select(Biopsy.id).where(
            Biopsy.case_id == case.id,
            Biopsy.status == BiopsyStatus.FINAL,
            Biopsy.histology.is_not(None),
            Biopsy.histology != "",
        )
    )
    if final is not None:
        return True
    return None if case.histology else False


def _safety_flags(
    session: Session,
    case: Case,
    forms: Mapping[Role, Form],
    scores: CaseScores,
    histology: str | None,
) -> PatientSafetyFlags:
    """The patient's safety facts: spinal metastasis from the case's levels; bleeding
    facts from the oncologist's form; neurology from the presenting symptoms and the
    surgeon's Frankel grade; SINS and ESCC from the derived scores; posterior wall
    involvement from the radiologist's lesions; prior radiation from the radiation
    oncologist's form."""
    oncologist = forms.get(Role.MEDICAL_ONCOLOGIST)
    onc = oncologist if isinstance(oncologist, OncologistForm) else None
    radiology = forms.get(Role.RADIOLOGIST)
    lesions = radiology.lesions if isinstance(radiology, RadiologistForm) else ()
    walls = [lesion.posterior_wall_involvement for lesion in lesions]
    posterior_wall: bool | None = None
    if any(wall is True for wall in walls):
        posterior_wall = True
    elif walls and all(wall is False for wall in walls):
        posterior_wall = False
    radiation = forms.get(Role.RADIATION_ONCOLOGIST)
    rt = radiation if isinstance(radiation, RadiationOncologistForm) else None
    prior = rt.prior_radiation if rt else None
    case_sins = scores.case_sins
    sins_total = case_sins.total if case_sins is not None and case_sins.complete else None
    return PatientSafetyFlags(
        spinal_metastasis=True if case.levels else None,
        thrombocytopenia=onc.thrombocytopenia if onc else None,
        renal_impairment=onc.renal_impairment if onc else None,
        anticoagulation=onc.anticoagulation if onc else None,
        new_neurology=_new_neurology(case, scores),
        lymphoma_suspected=_lymphoma_suspected(case, onc, histology),
        tissue_diagnosis=_tissue_diagnosis(session, case),
        sins_total=sins_total,
        high_grade_escc=None if scores.escc is None else scores.escc.is_high_grade,
        posterior_wall_involvement=posterior_wall,
        prior_radiation=prior,
        prior_radiation_dose_gy=rt.prior_dose_gy if rt and prior else None,
        prior_radiation_fractions=rt.prior_fractions if rt and prior else None,
        prior_radiation_details=rt.prior_radiation_details if rt and prior else None,
        # The surgeon's form lists surgical options considered, not surgery planned
        # outside this plan: unknown (the plan's own open surgery is read from its items).
        planned_surgery=None,
    )


def load_case_read_model(
    session: Session, case_id: int, *, now: dt.datetime | None = None
) -> CaseReadModel:
    """Read a case inside an open session (no permission check: for other services).

    Load it once per transaction and pass it on: every part of the case (and the
    scores, derived once) is in it.

    Parameters
    ----------
    session:
        An open session (read or write).
    case_id:
        The case.
    now:
        The time readiness (MRI age) and the next meeting are judged at; now when
        ``None``.

    Returns
    -------
    CaseReadModel
        The case.

    Raises
    ------
    NotFoundError
        If there is no such case.
    """
    case = session.get(Case, case_id)
    if case is None:
        raise NotFoundError(f"Case {case_id} does not exist.")
    now = now or utcnow()
    patient = case.patient
    saved = saved_forms(session, [case_id])[case_id]
    names = display_names(
        session, [case.created_by_id, case.updated_by_id, *saved.authors.values()]
    )
    scores = derive_scores(derivation_input(session, case, saved, names))
    histology = _current_histology(session, case)
    notes = tuple(
        NoteView(
            id=note.id,
            author_name=note.author_name,
            author_role=note.author_role,
            kind=note.kind,
            body=note.body,
            created_at=note.created_at,
        )
        for note in session.scalars(
            select(Note).where(Note.case_id == case_id).order_by(Note.created_at, Note.id)
        )
    )
    return CaseReadModel(
        id=case.id,
        version=case.version,
        pseudonym=patient.pseudonym,
        hospital_number=patient.hospital_number,
        age=patient.age_at_referral,
        birth_year=patient.birth_year,
        sex=patient.sex,
        primary_site=case.primary_site,
        primary_site_label=primary_site_label(case.primary_site),
        histology=case.histology,
        known_cancer=case.known_cancer,
        levels=tuple(level for level in case.levels.split(",") if level),
        status=case.status,
        urgency=case.urgency,
        urgency_reasons=tuple(case.urgency_reasons or ()),
        pain_score=case.pain_score,
        pain_character=case.pain_character,
        pain_new_or_worse=case.pain_new_or_worse,
        numbness=case.numbness,
        weakness=case.weakness,
        reflex_change=case.reflex_change,
        gait_disturbance=case.gait_disturbance,
        bladder_bowel_dysfunction=case.bladder_bowel_dysfunction,
        radicular_pain=case.radicular_pain,
        pain_features=parse_pain_features(case.pain_features),
        symptom_onset=case.symptom_onset,
        referral_question=case.referral_question,
        referred_by=case.referred_by,
        created_at=case.created_at,
        created_by=names.get(case.created_by_id) if case.created_by_id else None,
        updated_at=case.updated_at,
        updated_by=names.get(case.updated_by_id) if case.updated_by_id else None,
        readiness=readiness_of(session, [case_id], now.date(), saved={case_id: saved})[case_id],
        next_meeting=next_meetings(session, [case_id], now).get(case_id),
        notes=notes,
        open_action_items=open_action_counts(session, [case_id]).get(case_id, 0),
        current_histology=histology,
        symptoms=_symptoms(case),
        pain=_pain(case),
        performance=_performance(scores),
        neurology=_neurology(scores),
        role_inputs=_role_inputs(saved.forms, saved.submitted, notes),
        images=_images(session, case_id, tuple(level for level in case.levels.split(",") if level)),
        safety_flags=_safety_flags(session, case, saved.forms, scores, histology),
        scores=scores,
        forms=dict(saved.forms),
    )
