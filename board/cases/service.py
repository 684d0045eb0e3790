"""Case services: create and edit cases, append notes, the case page's summary.

Every function opens one session for the action, checks the actor's permission, and
writes one audit event per change in the same transaction. Pages get frozen
dataclasses back (:mod:`board.cases.views`).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from board.audit.service import diff, record
from board.auth.actor import Actor
from board.auth.permissions import Action, require
from board.cases.enums import CaseStatus, NoteKind, Sex
from board.cases.levels import parse_levels
from board.cases.read_model import CaseReadModel, load_case_read_model
from board.cases.redflags import PainFeature, parse_pain_features
from board.cases.steps import apply_urgency, high_grade_escc
from board.cases.views import CaseInput, NoteView
from board.db.engine import Database
from board.db.models import Case, Lesion, Note, Patient, User, utcnow
from board.errors import ConflictError, NotFoundError, ValidationError
from board.scoring.primary import PrimarySite

PSEUDONYM_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
PSEUDONYM_PREFIX = "TB-"
MAX_NOTE_LENGTH = 20_000
MAX_REFERRAL_LENGTH = 5_000
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
    "pain_features",
    "symptom_onset",
    "referral_question",
    "referred_by",
)
_PATIENT_FIELDS = ("hospital_number", "age_at_referral", "birth_year", "sex")


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------


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
    pain_features = parse_pain_features(data.pain_features)
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
        # Stored as a sorted list of values (JSON); None = not asked.
        "pain_features": (
            None if pain_features is None else [f.value for f in PainFeature if f in pain_features]
        ),
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


def _sync_lesions(case: Case, levels_text: str, now: dt.datetime) -> None:
    wanted = [lvl for lvl in levels_text.split(",") if lvl]
    existing = {lesion.level: lesion for lesion in case.lesions}
    for name in list(existing):
        if name not in wanted:
            case.lesions.remove(existing[name])
    for level in parse_levels(wanted):
        if str(level) not in existing:
            case.lesions.append(
                Lesion(level=str(level), level_index=level.index, findings={}, updated_at=now)
            )


def _case_snapshot(case: Case, patient: Patient) -> dict[str, Any]:
    snap = {name: getattr(case, name) for name in _CASE_FIELDS}
    snap.update({name: getattr(patient, name) for name in _PATIENT_FIELDS})
    snap["urgency"] = case.urgency
    return snap


def _confirmed_detail(session: Session, case_ids: Sequence[int]) -> str | None:
    """The audit detail naming the possible duplicates confirmed at intake."""
    if not case_ids:
        return None
    pseudonyms = session.scalars(
        select(Patient.pseudonym)
        .join(Case, Case.patient_id == Patient.id)
        .where(Case.id.in_(list(case_ids)))
        .order_by(Patient.pseudonym)
    ).all()
    if not pseudonyms:
        return None
    return (
        f"Registered after confirming it is not a duplicate of {', '.join(pseudonyms)} "
        "(a possible duplicate was shown)."
    )


# ---------------------------------------------------------------------------
# Writes
# ---------------------------------------------------------------------------


def create_case(
    db: Database,
    actor: Actor,
    data: CaseInput,
    *,
    pseudonym: str | None = None,
    confirmed_duplicates: Sequence[int] = (),
    now: dt.datetime | None = None,
) -> CaseReadModel:
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
    confirmed_duplicates:
        The possible duplicates (:func:`board.cases.duplicates.possible_duplicates`)
        the person was shown and confirmed are other patients or referrals; named in
        the audit event.
    now:
        The time of the registration (the demo board writes back-dated); now when
        ``None``. Symptom onset is checked against its date.

    Returns
    -------
    CaseReadModel
        The new case.

    Raises
    ------
    PermissionDeniedError
        If the actor may not create cases.
    ValidationError
        If a field is not as expected (nothing is saved).
    """
    require(actor, Action.CASE_CREATE)
    now = now or utcnow()
    values = validate_case_input(data, now.date())
    with db.write() as session:
        patient = Patient(
            pseudonym=pseudonym or _new_pseudonym(session),
            created_at=now,
            **{name: values[name] for name in _PATIENT_FIELDS},
        )
        session.add(patient)
        session.flush()
        case = Case(
            patient_id=patient.id,
            status=CaseStatus.PREPARING,
            created_at=now,
            created_by_id=actor.user_id,
            updated_at=now,
            updated_by_id=actor.user_id,
            **{name: values[name] for name in _CASE_FIELDS},
        )
        apply_urgency(case)
        session.add(case)
        session.flush()
        _sync_lesions(case, case.levels, now)
        session.flush()
        record(
            session,
            actor,
            "case.create",
            "case",
            case.id,
            case_id=case.id,
            after={"pseudonym": patient.pseudonym, **_case_snapshot(case, patient)},
            detail=_confirmed_detail(session, confirmed_duplicates),
            at=now,
        )
        case_id = case.id
    return get_case(db, actor, case_id)


def update_case(
    db: Database,
    actor: Actor,
    case_id: int,
    expected_version: int,
    data: CaseInput,
    *,
    now: dt.datetime | None = None,
) -> CaseReadModel:
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
        The version the editor loaded (``CaseReadModel.version``).
    data:
        The edited form.
    now:
        The time of the edit; now when ``None``.

    Returns
    -------
    CaseReadModel
        The case after the edit.

    Raises
    ------
    ConflictError
        If someone changed the case since ``expected_version``: nothing is overwritten.
    NotFoundError, PermissionDeniedError, ValidationError
        As their names say.
    """
    require(actor, Action.CASE_EDIT)
    now = now or utcnow()
    values = validate_case_input(data, now.date())
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
                apply_urgency(case, high_grade_escc(session, case))
                _sync_lesions(case, case.levels, now)
                changed_before, changed_after = diff(before, _case_snapshot(case, patient))
            if changed_after:
                case.updated_at = now
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
                    at=now,
                )
    except StaleDataError:
        # Another transaction committed between our read and our write.
        with db.read() as session:
            case = _load_case(session, case_id)
            raise _conflict(session, case, case.patient) from None
    return get_case(db, actor, case_id)


def add_note(
    db: Database,
    actor: Actor,
    case_id: int,
    body: str,
    kind: NoteKind = NoteKind.PRE_MEETING,
    *,
    now: dt.datetime | None = None,
) -> NoteView:
    """Append a note to a case (notes are never edited or deleted).

    ``now`` is the time of the note (the demo board writes back-dated); now when ``None``.

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
            created_at=now or utcnow(),
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
            at=note.created_at,
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


def get_case(db: Database, actor: Actor, case_id: int) -> CaseReadModel:
    """The case as the case page and the presenter show it (the case read model).

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
    CaseReadModel
        Record, urgency, readiness, next meeting, notes, role input, key images, safety
        flags and the derived scores, read in one transaction.

    Raises
    ------
    NotFoundError
        If there is no such case.
    PermissionDeniedError
        If the actor may not view cases.
    """
    require(actor, Action.CASE_VIEW)
    with db.read() as session:
        return load_case_read_model(session, case_id)


def case_exists(db: Database, case_id: int) -> bool:
    """Whether a case with this id exists (for deep links)."""
    with db.read() as session:
        return session.get(Case, case_id) is not None


def case_ids(db: Database) -> Iterable[int]:
    """All case ids, oldest first (for the command line)."""
    with db.read() as session:
        return list(session.scalars(select(Case.id).order_by(Case.id)))
