"""Correction: the date, modality and body region of an attached study, put right by
hand (an imported study whose headers left the date or region out, a study entered under
the wrong modality), checked, written and audited with before and after in one
transaction, and refused when someone else changed the study since it was loaded."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from board.audit.service import diff, record
from board.auth.actor import Actor
from board.auth.permissions import Action, require
from board.db.engine import Database
from board.db.models import ImagingStudy, User, utcnow
from board.errors import ConflictError, NotFoundError, ValidationError
from board.imaging.enums import BodyRegion, Modality
from board.imaging.views import StudyCorrection

__all__ = ["EARLIEST_STUDY_DATE", "correct_study"]

#: A study date before this is taken for a typing error.
EARLIEST_STUDY_DATE = dt.date(1900, 1, 1)

#: The corrected columns and their names in messages, in display order.
_FIELDS = (("study_date", "date"), ("modality", "modality"), ("body_region", "body region"))


def _load(session: Session, study_id: int) -> ImagingStudy:
    study = session.get(ImagingStudy, study_id)
    if study is None:
        raise NotFoundError(f"Imaging study {study_id} does not exist (it may have been removed).")
    return study


def _conflict(session: Session, study: ImagingStudy) -> ConflictError:
    who = session.get(User, study.updated_by_id) if study.updated_by_id else None
    date = study.study_date.isoformat() if study.study_date else "undated"
    return ConflictError(
        f"The {Modality.from_code(study.modality).label} study ({date})",
        changed_by=who.display_name if who else None,
        changed_at=study.updated_at,
    )


def _snapshot(study: ImagingStudy) -> dict[str, Any]:
    return {name: getattr(study, name) for name, _ in _FIELDS}


def _validate(
    study_date: dt.date | None, modality: object, body_region: object, today: dt.date
) -> dict[str, Any]:
    if not isinstance(modality, Modality):
        raise ValidationError("Choose the modality (MRI, CT, PET, ...).", field="modality")
    if not isinstance(body_region, BodyRegion):
        raise ValidationError("Choose the body region.", field="body_region")
    if study_date is not None:
        if not isinstance(study_date, dt.date) or isinstance(study_date, dt.datetime):
            raise ValidationError("Give the study date as a date.", field="study_date")
        if study_date > today:
            raise ValidationError("The study date cannot be in the future.", field="study_date")
        if study_date < EARLIEST_STUDY_DATE:
            raise ValidationError(
                "The study date is before 1900: check the year.", field="study_date"
            )
    return {"study_date": study_date, "modality": modality.value, "body_region": body_region.value}


def correct_study(
    db: Database,
    actor: Actor,
    study_id: int,
    *,
    expected_version: int,
    study_date: dt.date | None,
    modality: Modality,
    body_region: BodyRegion,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
) -> StudyCorrection:
    """Correct the date, modality and body region of an attached study.

    Only what differs is written, with one audit event holding the changed fields
    before and after; readiness (which reads the study) follows at once. The series and
    their key images are left as they were imported.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who corrects (needs :attr:`Action.IMAGING_ATTACH`: radiologists and
        coordinators).
    study_id:
        The study.
    expected_version:
        The version the editor loaded (``StudyView.version``).
    study_date:
        The date the study was done (``None``: not known); not in the future, not
        before 1900.
    modality:
        MR, CT, PT, ...
    body_region:
        The region imaged.
    today:
        Reference date for the "not in the future" check (default: the date of ``now``,
        else today).
    now:
        The time of the correction; now when ``None``.

    Returns
    -------
    StudyCorrection
        The fields changed (none when the study already said this) and the new version.

    Raises
    ------
    PermissionDeniedError
        If the actor may not attach or correct imaging.
    NotFoundError
        If the study does not exist.
    ValidationError
        Naming the field that is not as expected (nothing is written).
    ConflictError
        If someone changed the study since ``expected_version``: nothing is overwritten.
    """
    require(actor, Action.IMAGING_ATTACH)
    reference = today or (dt.date.today() if now is None else now.date())
    values = _validate(study_date, modality, body_region, reference)
    now = now or utcnow()
    try:
        with db.write() as session:
            study = _load(session, study_id)
            if study.version != expected_version:
                raise _conflict(session, study)
            before, after = diff(_snapshot(study), values)
            if not after:
                return StudyCorrection(study.id, study.version, ())
            for name, value in after.items():
                setattr(study, name, value)
            study.updated_at = now
            study.updated_by_id = actor.user_id
            session.flush()
            record(
                session,
                actor,
                "imaging.correct",
                "imaging_study",
                study.id,
                case_id=study.case_id,
                before=before,
                after=after,
                at=now,
            )
            changed = tuple(label for name, label in _FIELDS if name in after)
            return StudyCorrection(study.id, study.version, changed)
    except StaleDataError:
        # Another transaction committed between our read and our write.
        with db.read() as session:
            raise _conflict(session, _load(session, study_id)) from None
