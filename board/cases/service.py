"""Case services: create and edit cases, append notes, the worklist and the case page.

Every function opens one session for the action, checks the actor's permission, and
writes one audit event per change in the same transaction. Pages get frozen
dataclasses back (:mod:`board.cases.views`).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, TypeVar

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from board.assessments.readiness import form_readiness
from board.audit.service import diff, record
from board.auth.actor import Actor
from board.auth.permissions import Action, require
from board.auth.roles import Role
from board.cases.enums import CaseStatus, NoteKind, Sex, Urgency
from board.cases.levels import parse_levels
from board.cases.readiness import Readiness, ReadinessFacts, assess_readiness
from board.cases.redflags import SymptomFacts, assess_red_flags
from board.cases.views import (
    CaseDetail,
    CaseInput,
    MeetingOption,
    NextMeeting,
    NoteView,
    WorklistFilter,
    WorklistPage,
    WorklistRow,
)
from board.db.engine import Database
from board.db.models import (
    ActionItem,
    AgendaItem,
    Assessment,
    Biopsy,
    Case,
    ImagingStudy,
    Lesion,
    Meeting,
    Note,
    Patient,
    User,
    utcnow,
)
from board.errors import ConflictError, NotFoundError, ValidationError
from board.followup.due import due_follow_ups_for, has_due_follow_up
from board.imaging.enums import BodyRegion
from board.meetings.enums import MeetingStatus
from board.pathology.enums import BiopsyStatus
from board.scoring.primary import PrimarySite

_SelectT = TypeVar("_SelectT", bound=Select)

PSEUDONYM_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
PSEUDONYM_PREFIX = "TB-"
MAX_NOTE_LENGTH = 20_000
MAX_REFERRAL_LENGTH = 5_000
#: Body regions of an MRI that count as "MRI of the spine" for readiness.
SPINE_REGIONS = tuple(
    region.value
    for region in (
        BodyRegion.CERVICAL,
        BodyRegion.THORACIC,
        BodyRegion.LUMBAR,
        BodyRegion.SACRAL,
        BodyRegion.WHOLE_SPINE,
        BodyRegion.SPINE,
        BodyRegion.WHOLE_BODY,
    )
)
PAIN_CHARACTERS = ("mechanical", "biological", "radicular")

# Fields of a case compared for the audit trail and applied by edits.
_CASE_FIELDS = (
    "primary_site",
    "histology",
    "known_cancer",
    "levels",
    "pain_score",
    "pain_character",
    "pain_new_or_worse",
    "numbness",
    "weakness",
    "reflex_change",
    "gait_disturbance",
    "bladder_bowel_dysfunction",
    "radicular_pain",
    "symptom_onset",
    "referral_question",
    "referred_by",
)
_PATIENT_FIELDS = ("hospital_number", "age_at_referral", "birth_year", "sex")


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------


def primary_site_label(value: str) -> str:
    """Plain-English label of a stored primary site value."""
    try:
        return PrimarySite(value).label
    except ValueError:
        return value


def primary_site_options() -> list[tuple[str, str]]:
    """(value, label) pairs for the primary-site select box."""
    return [(site.value, site.label) for site in PrimarySite]


def _clean_text(value: str | None, field: str, label: str, max_length: int) -> str | None:
    if value is None:
        return None
    text = value.strip()
    if len(text) > max_length:
        raise ValidationError(
            f"{label} is too long: at most {max_length} characters, got {len(text)}.",
            field=field,
        )
    return text or None


def validate_case_input(data: CaseInput, today: dt.date) -> dict[str, Any]:
    """Check the new-case form and turn it into column values.

    Parameters
    ----------
    data:
        The form's values.
    today:
        Reference date for birth year and onset checks.

    Returns
    -------
    dict
        Column values for the patient (``hospital_number``, ``age_at_referral``,
        ``birth_year``, ``sex``) and the case.

    Raises
    ------
    ValidationError
        Naming the first field that is not as expected.
    """
    try:
        site = PrimarySite(data.primary_site)
    except ValueError:
        raise ValidationError(
            f"Unknown primary cancer site '{data.primary_site}': choose one from the list "
            "(or 'Unknown primary').",
            field="primary_site",
        ) from None
    levels = parse_levels(data.levels)
    if not levels:
        raise ValidationError(
            "Enter at least one involved vertebral level (C1-S5), for example 'T7' or 'T4-T6'.",
            field="levels",
        )
    if data.age is not None and not 0 <= data.age <= 120:
        raise ValidationError(f"Age must be between 0 and 120 years, not {data.age}.", field="age")
    if data.birth_year is not None and not today.year - 120 <= data.birth_year <= today.year:
        raise ValidationError(
            f"Birth year must be between {today.year - 120} and {today.year}, "
            f"not {data.birth_year}.",
            field="birth_year",
        )
    if data.pain_score is not None and not 0 <= data.pain_score <= 10:
        raise ValidationError(
            f"Pain score must be a whole number from 0 (no pain) to 10 (worst imaginable), "
            f"not {data.pain_score}.",
            field="pain_score",
        )
    if data.pain_character is not None and data.pain_character not in PAIN_CHARACTERS:
        raise ValidationError(
            "Pain character must be mechanical, biological or radicular.",
            field="pain_character",
        )
    if data.symptom_onset is not None and data.symptom_onset > today:
        raise ValidationError("Symptom onset cannot be in the future.", field="symptom_onset")
    if not isinstance(data.sex, Sex):
        raise ValidationError("Sex must be female, male, other or unknown.", field="sex")
    hospital_number = _clean_text(data.hospital_number, "hospital_number", "Hospital number", 64)
    return {
        "hospital_number": hospital_number,
        "age_at_referral": data.age,
        "birth_year": data.birth_year,
        "sex": data.sex,
        "primary_site": site.value,
        "histology": _clean_text(data.histology, "histology", "Histology", 200),
        "known_cancer": bool(data.known_cancer),
        "levels": ",".join(str(level) for level in levels),
        "pain_score": data.pain_score,
        "pain_character": data.pain_character,
        "pain_new_or_worse": data.pain_new_or_worse,
        "numbness": data.numbness,
        "weakness": data.weakness,
        "reflex_change": data.reflex_change,
        "gait_disturbance": data.gait_disturbance,
        "bladder_bowel_dysfunction": data.bladder_bowel_dysfunction,
        "radicular_pain": data.radicular_pain,
        "symptom_onset": data.symptom_onset,
        "referral_question": _clean_text(
            data.referral_question, "referral_question", "Referral question", MAX_REFERRAL_LENGTH
        )
        or "",
        "referred_by": _clean_text(data.referred_by, "referred_by", "Referred by", 120),
    }


def _new_pseudonym(session: Session) -> str:
    for _ in range(20):
        candidate = PSEUDONYM_PREFIX + "".join(secrets.choice(PSEUDONYM_ALPHABET) for _ in range(6))
        if session.scalar(select(Patient.id).where(Patient.pseudonym == candidate)) is None:
            return candidate
    raise RuntimeError("could not generate a unique pseudonym")  # pragma: no cover


def _apply_urgency(case: Case, high_grade_escc: bool | None = None) -> None:
    result = assess_red_flags(
        SymptomFacts(
            known_cancer=case.known_cancer,
            pain_score=case.pain_score,
            pain_new_or_worse=case.pain_new_or_worse,
            weakness=case.weakness,
            numbness=case.numbness,
            gait_disturbance=case.gait_disturbance,
            bladder_bowel_dysfunction=case.bladder_bowel_dysfunction,
            radicular_pain=case.radicular_pain,
            high_grade_escc=high_grade_escc,
        )
    )
    case.urgency = Urgency.URGENT if result.urgent else Urgency.ROUTINE
    case.priority = 1 if result.urgent else 0
    case.urgency_reasons = list(result.reasons)


def _high_grade_escc(session: Session, case: Case) -> bool | None:
    """``True`` when the radiologist (or a lesion's findings) records ESCC 2 or 3."""
    grades: list[str] = []
    data = session.scalar(
        select(Assessment.data).where(
            Assessment.case_id == case.id, Assessment.role == Role.RADIOLOGIST
        )
    )
    if isinstance(data, dict):
        for lesion in data.get("lesions") or []:
            if isinstance(lesion, dict):
                grades.append(str(lesion.get("escc")))
    for lesion in case.lesions:
        grades.append(str((lesion.findings or {}).get("escc")))
    return True if any(grade in ("2", "3") for grade in grades) else None


def refresh_urgency(session: Session, actor: Actor, case: Case) -> bool:
    """Re-apply the red-flag rule to a case (after the radiologist records ESCC).

    Parameters
    ----------
    session:
        The session of the action (the change is audited in it).
    actor:
        Who made the change that prompted it.
    case:
        The case.

    Returns
    -------
    bool
        Whether the urgency or its reasons changed.
    """
    before = {"urgency": case.urgency, "urgency_reasons": list(case.urgency_reasons or ())}
    _apply_urgency(case, _high_grade_escc(session, case))
    after = {"urgency": case.urgency, "urgency_reasons": list(case.urgency_reasons or ())}
    if before == after:
        return False
    case.updated_at = utcnow()
    case.updated_by_id = actor.user_id
    session.flush()
    record(
        session, actor, "case.urgency", "case", case.id, case_id=case.id, before=before, after=after
    )
    return True


def _sync_lesions(case: Case, levels_text: str) -> None:
    wanted = [lvl for lvl in levels_text.split(",") if lvl]
    existing = {lesion.level: lesion for lesion in case.lesions}
    for name in list(existing):
        if name not in wanted:
            case.lesions.remove(existing[name])
    for level in parse_levels(wanted):
        if str(level) not in existing:
            case.lesions.append(Lesion(level=str(level), level_index=level.index, findings={}))


def _case_snapshot(case: Case, patient: Patient) -> dict[str, Any]:
    snap = {name: getattr(case, name) for name in _CASE_FIELDS}
    snap.update({name: getattr(patient, name) for name in _PATIENT_FIELDS})
    snap["urgency"] = case.urgency
    return snap


# ---------------------------------------------------------------------------
# Writes
# ---------------------------------------------------------------------------


def create_case(
    db: Database, actor: Actor, data: CaseInput, *, pseudonym: str | None = None
) -> CaseDetail:
    """Register a new case (and its pseudonymised patient).

    Parameters
    ----------
    db:
        The database.
    actor:
        Who registers the case.
    data:
        The new-case form.
    pseudonym:
        Only for the demo loader and tests; generated when omitted.

    Returns
    -------
    CaseDetail
        The new case.

    Raises
    ------
    PermissionDeniedError
        If the actor may not create cases.
    ValidationError
        If a field is not as expected (nothing is saved).
    """
    require(actor, Action.CASE_CREATE)
    values = validate_case_input(data, utcnow().date())
    with db.write() as session:
        patient = Patient(
            pseudonym=pseudonym or _new_pseudonym(session),
            **{name: values[name] for name in _PATIENT_FIELDS},
        )
        session.add(patient)
        session.flush()
        case = Case(
            patient_id=patient.id,
            status=CaseStatus.PREPARING,
            created_by_id=actor.user_id,
            updated_by_id=actor.user_id,
            **{name: values[name] for name in _CASE_FIELDS},
        )
        _apply_urgency(case)
        session.add(case)
        session.flush()
        _sync_lesions(case, case.levels)
        session.flush()
        record(
            session,
            actor,
            "case.create",
            "case",
            case.id,
            case_id=case.id,
            after={"pseudonym": patient.pseudonym, **_case_snapshot(case, patient)},
        )
        case_id = case.id
    return get_case(db, actor, case_id)


def update_case(
    db: Database, actor: Actor, case_id: int, expected_version: int, data: CaseInput
) -> CaseDetail:
    """Edit a case's details, refusing a stale edit.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who edits.
    case_id:
        The case.
    expected_version:
        The version the editor loaded (``CaseDetail.version``).
    data:
        The edited form.

    Returns
    -------
    CaseDetail
        The case after the edit.

    Raises
    ------
    ConflictError
        If someone changed the case since ``expected_version``: nothing is overwritten.
    NotFoundError, PermissionDeniedError, ValidationError
        As their names say.
    """
    require(actor, Action.CASE_EDIT)
    values = validate_case_input(data, utcnow().date())
    try:
        with db.write() as session:
            case = _load_case(session, case_id)
            patient = case.patient
            if case.version != expected_version:
                raise _conflict(session, case, patient)
            before = _case_snapshot(case, patient)
            # No autoflush mid-edit: an early flush (e.g. loading the lesions) would
            # write the row twice and raise its version by two.
            with session.no_autoflush:
                for name in _CASE_FIELDS:
                    setattr(case, name, values[name])
                for name in _PATIENT_FIELDS:
                    setattr(patient, name, values[name])
                _apply_urgency(case, _high_grade_escc(session, case))
                _sync_lesions(case, case.levels)
                changed_before, changed_after = diff(before, _case_snapshot(case, patient))
            if changed_after:
                case.updated_at = utcnow()
                case.updated_by_id = actor.user_id
                session.flush()
                record(
                    session,
                    actor,
                    "case.update",
                    "case",
                    case.id,
                    case_id=case.id,
                    before=changed_before,
                    after=changed_after,
                )
    except StaleDataError:
        # Another transaction committed between our read and our write.
        with db.read() as session:
            case = _load_case(session, case_id)
            raise _conflict(session, case, case.patient) from None
    return get_case(db, actor, case_id)


def add_note(
    db: Database, actor: Actor, case_id: int, body: str, kind: NoteKind = NoteKind.PRE_MEETING
) -> NoteView:
    """Append a note to a case (notes are never edited or deleted).

    Raises
    ------
    ValidationError
        If the note is empty or too long.
    NotFoundError, PermissionDeniedError
        As their names say.
    """
    require(actor, Action.NOTE_ADD)
    text = (body or "").strip()
    if not text:
        raise ValidationError("The note is empty: write something before saving.", field="body")
    if len(text) > MAX_NOTE_LENGTH:
        raise ValidationError(
            f"The note is too long: at most {MAX_NOTE_LENGTH} characters, got {len(text)}.",
            field="body",
        )
    with db.write() as session:
        if session.get(Case, case_id) is None:
            raise NotFoundError(f"Case {case_id} does not exist.")
        note = Note(
            case_id=case_id,
            author_id=actor.user_id,
            author_name=actor.display_name,
            author_role=actor.role,
            kind=kind,
            body=text,
        )
        session.add(note)
        session.flush()
        record(
            session,
            actor,
            "note.add",
            "note",
            note.id,
            case_id=case_id,
            after={"kind": kind, "length": len(text)},
        )
        return _note_view(note)


# ---------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------


def _load_case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFoundError(f"Case {case_id} does not exist.")
    return case


def _conflict(session: Session, case: Case, patient: Patient) -> ConflictError:
    who = session.get(User, case.updated_by_id) if case.updated_by_id else None
    return ConflictError(
        f"Case {patient.pseudonym}",
        changed_by=who.display_name if who else None,
        changed_at=case.updated_at,
    )


def _note_view(note: Note) -> NoteView:
    return NoteView(
        id=note.id,
        author_name=note.author_name,
        author_role=note.author_role,
        kind=note.kind,
        body=note.body,
        created_at=note.created_at,
    )


def _split_levels(text: str) -> tuple[str, ...]:
    return tuple(level for level in text.split(",") if level)


def _readiness_for(session: Session, case_ids: list[int], today: dt.date) -> dict[int, Readiness]:
    """Readiness of several cases in four batched queries."""
    if not case_ids:
        return {}
    mri: dict[int, dt.date] = {}
    for case_id, latest in session.execute(
        select(ImagingStudy.case_id, func.max(ImagingStudy.study_date))
        .where(
            ImagingStudy.case_id.in_(case_ids),
            ImagingStudy.modality == "MR",
            or_(ImagingStudy.body_region.is_(None), ImagingStudy.body_region.in_(SPINE_REGIONS)),
        )
        .group_by(ImagingStudy.case_id)
    ):
        if latest is not None:
            mri[case_id] = latest
    histology: dict[int, bool] = {
        cid: bool(h)
        for cid, h in session.execute(select(Case.id, Case.histology).where(Case.id.in_(case_ids)))
    }
    pending: set[int] = set()
    for case_id, status in session.execute(
        select(Biopsy.case_id, Biopsy.status).where(Biopsy.case_id.in_(case_ids))
    ):
        if status is BiopsyStatus.FINAL:
            histology[case_id] = True
        else:
            pending.add(case_id)
    submitted: dict[int, set[Role]] = defaultdict(set)
    forms: dict[int, dict[Role, Any]] = defaultdict(dict)
    for case_id, role, data, submitted_at in session.execute(
        select(Assessment.case_id, Assessment.role, Assessment.data, Assessment.submitted_at).where(
            Assessment.case_id.in_(case_ids)
        )
    ):
        if submitted_at is not None:
            submitted[case_id].add(role)
        forms[case_id][role] = data
    pain_scores = dict(
        session.execute(select(Case.id, Case.pain_score).where(Case.id.in_(case_ids))).all()
    )
    return {
        cid: assess_readiness(
            ReadinessFacts(
                latest_spine_mri=mri.get(cid),
                histology_known=histology.get(cid, False),
                biopsy_pending=cid in pending,
                submitted_roles=frozenset(submitted[cid]),
                **form_readiness(forms[cid], pain_scores.get(cid)),
            ),
            today,
        )
        for cid in case_ids
    }


def _next_meetings(
    session: Session, case_ids: list[int], now: dt.datetime
) -> dict[int, NextMeeting]:
    if not case_ids:
        return {}
    rows = session.execute(
        select(AgendaItem.case_id, Meeting.id, Meeting.starts_at, Meeting.title)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(
            AgendaItem.case_id.in_(case_ids),
            Meeting.starts_at >= now - dt.timedelta(hours=12),
            Meeting.status.in_([MeetingStatus.SCHEDULED, MeetingStatus.IN_PROGRESS]),
        )
        .order_by(Meeting.starts_at)
    )
    found: dict[int, NextMeeting] = {}
    for case_id, meeting_id, starts_at, title in rows:
        found.setdefault(case_id, NextMeeting(meeting_id, starts_at, title))
    return found


def _open_actions(session: Session, case_ids: list[int]) -> dict[int, int]:
    if not case_ids:
        return {}
    return dict(
        session.execute(
            select(ActionItem.case_id, func.count())
            .where(ActionItem.case_id.in_(case_ids), ActionItem.done_at.is_(None))
            .group_by(ActionItem.case_id)
        ).all()
    )


def get_case(db: Database, actor: Actor, case_id: int) -> CaseDetail:
    """The case page's summary: details, urgency, readiness, next meeting, notes.

    Raises
    ------
    NotFoundError
        If there is no such case.
    PermissionDeniedError
        If the actor may not view cases.
    """
    require(actor, Action.CASE_VIEW)
    now = utcnow()
    with db.read() as session:
        case = _load_case(session, case_id)
        patient = case.patient
        users: dict[int, str] = {}
        ids = [i for i in (case.created_by_id, case.updated_by_id) if i is not None]
        if ids:
            users = dict(
                session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all()
            )
        notes = session.scalars(
            select(Note).where(Note.case_id == case_id).order_by(Note.created_at, Note.id)
        ).all()
        readiness = _readiness_for(session, [case_id], now.date())[case_id]
        return CaseDetail(
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
            levels=_split_levels(case.levels),
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
            symptom_onset=case.symptom_onset,
            referral_question=case.referral_question,
            referred_by=case.referred_by,
            created_at=case.created_at,
            created_by=users.get(case.created_by_id) if case.created_by_id else None,
            updated_at=case.updated_at,
            updated_by=users.get(case.updated_by_id) if case.updated_by_id else None,
            readiness=readiness,
            next_meeting=_next_meetings(session, [case_id], now).get(case_id),
            notes=tuple(_note_view(n) for n in notes),
            open_action_items=_open_actions(session, [case_id]).get(case_id, 0),
        )


def _filtered(query: _SelectT, filters: WorklistFilter) -> _SelectT:
    if filters.statuses:
        query = query.where(Case.status.in_(filters.statuses))
    if filters.urgency is not None:
        query = query.where(Case.urgency == filters.urgency)
    if filters.meeting_id is not None:
        query = query.where(
            exists().where(
                and_(AgendaItem.case_id == Case.id, AgendaItem.meeting_id == filters.meeting_id)
            )
        )
    if filters.missing_role is not None:
        query = query.where(
            ~exists().where(
                and_(
                    Assessment.case_id == Case.id,
                    Assessment.role == filters.missing_role,
                    Assessment.submitted_at.is_not(None),
                )
            )
        )
    if filters.follow_up_due:
        query = query.where(has_due_follow_up(utcnow().date()))
    if filters.search:
        term = filters.search.strip().upper()
        query = query.where(
            or_(
                Patient.pseudonym.contains(term, autoescape=True),
                Patient.hospital_number == filters.search.strip(),
            )
        )
    return query


def list_worklist(
    db: Database,
    actor: Actor,
    filters: WorklistFilter | None = None,
    page: int = 1,
    page_size: int = 25,
) -> WorklistPage:
    """One page of the worklist: urgent cases first, then newest first.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who is looking.
    filters:
        Status, urgency, meeting and role-still-to-contribute filters.
    page:
        1-based page number (clamped to the last page).
    page_size:
        Rows per page.

    Returns
    -------
    WorklistPage
        The rows of the page and the total count.

    Raises
    ------
    PermissionDeniedError
        If the actor may not view cases.
    """
    require(actor, Action.CASE_VIEW)
    filters = filters or WorklistFilter()
    page_size = max(1, min(page_size, 200))
    now = utcnow()
    with db.read() as session:
        base = _filtered(select(Case.id).join(Patient, Patient.id == Case.patient_id), filters)
        total = int(session.scalar(select(func.count()).select_from(base.subquery())) or 0)
        pages = max(1, -(-total // page_size))
        page = max(1, min(page, pages))
        query = _filtered(
            select(Case, Patient).join(Patient, Patient.id == Case.patient_id), filters
        )
        rows = session.execute(
            query.order_by(Case.priority.desc(), Case.created_at.desc(), Case.id.desc())
            .limit(page_size)
            .offset((page - 1) * page_size)
        ).all()
        ids = [case.id for case, _ in rows]
        readiness = _readiness_for(session, ids, now.date())
        meetings = _next_meetings(session, ids, now)
        actions = _open_actions(session, ids)
        due = due_follow_ups_for(session, ids, now.date())
        result = tuple(
            WorklistRow(
                id=case.id,
                pseudonym=patient.pseudonym,
                hospital_number=patient.hospital_number,
                primary_site_label=primary_site_label(case.primary_site),
                histology=case.histology,
                levels=_split_levels(case.levels),
                status=case.status,
                urgency=case.urgency,
                urgency_reasons=tuple(case.urgency_reasons or ()),
                missing=readiness[case.id].missing,
                missing_roles=readiness[case.id].missing_roles,
                next_meeting=meetings.get(case.id),
                open_action_items=actions.get(case.id, 0),
                created_at=case.created_at,
                follow_up=due.get(case.id),
                rediscussion_requested=case.rediscussion_requested_at is not None,
                died_on=case.died_on,
            )
            for case, patient in rows
        )
        return WorklistPage(rows=result, total=total, page=page, page_size=page_size)


def upcoming_meetings(db: Database, actor: Actor, limit: int = 20) -> list[MeetingOption]:
    """Scheduled meetings from today on, for the worklist's meeting filter."""
    require(actor, Action.CASE_VIEW)
    start = utcnow() - dt.timedelta(hours=12)
    with db.read() as session:
        meetings = session.scalars(
            select(Meeting)
            .where(
                Meeting.starts_at >= start,
                Meeting.status.in_([MeetingStatus.SCHEDULED, MeetingStatus.IN_PROGRESS]),
            )
            .order_by(Meeting.starts_at)
            .limit(limit)
        ).all()
        return [MeetingOption(m.id, m.starts_at, m.title) for m in meetings]


def case_exists(db: Database, case_id: int) -> bool:
    """Whether a case with this id exists (for deep links)."""
    with db.read() as session:
        return session.get(Case, case_id) is not None


def case_ids(db: Database) -> Iterable[int]:
    """All case ids, oldest first (for the command line)."""
    with db.read() as session:
        return list(session.scalars(select(Case.id).order_by(Case.id)))
