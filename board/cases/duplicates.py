"""Possible duplicates at intake: before a case is registered, the cases that may be the
same patient, so the coordinator sees them and confirms before creating another.

A case is a possible duplicate when its patient has the same hospital number (spaces at
the ends and letter case ignored), or when imaging of the same patient is attached to it:
the keyed hash of the hospital number equals the DICOM Patient ID key of its patient or
of a study attached without an identity override (:func:`board.imaging.links.patient_key_for`,
the same comparison the import makes). Only keys are compared; no identifier is stored.
A Patient ID that came with an Issuer of Patient ID has another key and is not found
this way.
"""

from __future__ import annotations

from sqlalchemy import func, or_, select

from board.auth.actor import Actor
from board.auth.permissions import Action, require
from board.cases.read_model import primary_site_label
from board.cases.views import PossibleDuplicate
from board.db.engine import Database
from board.db.models import Case, ImagingStudy, Patient
from board.imaging.links import patient_key_for

__all__ = ["SAME_HOSPITAL_NUMBER", "SAME_PATIENT_IMAGING", "possible_duplicates"]

SAME_HOSPITAL_NUMBER = "same hospital number"
SAME_PATIENT_IMAGING = "imaging of the same Patient ID"


def possible_duplicates(
    db: Database, actor: Actor, *, hospital_number: str | None, key: bytes
) -> tuple[PossibleDuplicate, ...]:
    """The cases that may be the same patient as a new referral, newest first.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who registers the case (needs permission to create cases).
    hospital_number:
        The hospital number typed on the new-case form; ``None`` or blank finds nothing.
    key:
        The installation's imaging key (:func:`board.imaging.links.derive_key`), to
        compare the hospital number with the patients' DICOM Patient ID keys.

    Returns
    -------
    tuple[PossibleDuplicate, ...]
        Every case (closed ones too) with the same hospital number or imaging of the
        same Patient ID, each with the reasons.

    Raises
    ------
    PermissionDeniedError
        If the actor may not create cases.
    """
    require(actor, Action.CASE_CREATE)
    number = (hospital_number or "").strip()
    if not number:
        return ()
    patient_key = patient_key_for(number, None, key)
    with db.read() as session:
        same_number = func.upper(Patient.hospital_number) == number.upper()
        same_imaging = or_(
            Patient.dicom_patient_key == patient_key,
            Case.id.in_(
                select(ImagingStudy.case_id).where(
                    ImagingStudy.patient_key == patient_key,
                    ImagingStudy.identity_override_reason.is_(None),
                )
            ),
        )
        rows = session.execute(
            select(Case, Patient, same_number, same_imaging)
            .join(Patient, Patient.id == Case.patient_id)
            .where(or_(same_number, same_imaging))
            .order_by(Case.created_at.desc(), Case.id.desc())
        ).all()
        found = []
        for case, patient, by_number, by_imaging in rows:
            reasons = []
            if by_number:
                reasons.append(SAME_HOSPITAL_NUMBER)
            if by_imaging:
                reasons.append(SAME_PATIENT_IMAGING)
            found.append(
                PossibleDuplicate(
                    case_id=case.id,
                    pseudonym=patient.pseudonym,
                    status=case.status,
                    primary_site_label=primary_site_label(case.primary_site),
                    levels=tuple(level for level in case.levels.split(",") if level),
                    created_at=case.created_at,
                    reasons=tuple(reasons),
                )
            )
        return tuple(found)
