"""Manual entry: a study entered by hand (outside-hospital imaging with only a report),
checked, written and audited in one transaction."""

from __future__ import annotations

import datetime as dt

from board.audit.service import record
from board.auth.actor import Actor
from board.auth.permissions import Action, require
from board.db.engine import Database
from board.db.models import Case, ImagingStudy, utcnow
from board.errors import NotFoundError, ValidationError
from board.imaging.common import MAX_DESCRIPTION_LENGTH
from board.imaging.enums import BodyRegion, Modality, StudySource
from board.imaging.views import ManualStudyInput

__all__ = ["MAX_REPORT_LENGTH", "add_manual_study"]

MAX_REPORT_LENGTH = 50_000


def add_manual_study(
    db: Database,
    actor: Actor,
    case_id: int,
    data: ManualStudyInput,
    *,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Attach a study entered by hand (outside-hospital imaging with only a report).

    Parameters
    ----------
    db:
        The database.
    actor:
        Who enters it (needs :attr:`Action.IMAGING_ATTACH`).
    case_id:
        The case.
    data:
        Modality, date, region, description and report.
    today:
        Reference date for the "not in the future" check (default: the date of ``now``,
        else today).
    now:
        The time of the entry (the demo board writes back-dated); now when ``None``.

    Returns
    -------
    int
        The new study's id.

    Raises
    ------
    PermissionDeniedError
        If the actor may not attach imaging.
    NotFoundError
        If the case does not exist.
    ValidationError
        Naming the field that is not as expected.
    """
    require(actor, Action.IMAGING_ATTACH)
    if not isinstance(data.modality, Modality):
        raise ValidationError("Choose the modality (MR, CT, PET, ...).", field="modality")
    if not isinstance(data.body_region, BodyRegion):
        raise ValidationError("Choose the body region.", field="body_region")
    reference = today or (dt.date.today() if now is None else now.date())
    now = now or utcnow()
    if data.study_date is not None and data.study_date > reference:
        raise ValidationError("The study date cannot be in the future.", field="study_date")
    description = (data.description or "").strip()
    if not description:
        raise ValidationError(
            "Enter a short description, for example 'MRI whole spine with contrast'.",
            field="description",
        )
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise ValidationError(
            f"The description is too long: at most {MAX_DESCRIPTION_LENGTH} characters.",
            field="description",
        )
    report = (data.report_text or "").strip()
    if len(report) > MAX_REPORT_LENGTH:
        raise ValidationError(
            f"The report is too long: at most {MAX_REPORT_LENGTH} characters.", field="report_text"
        )
    with db.write() as session:
        if session.get(Case, case_id) is None:
            raise NotFoundError(f"Case {case_id} does not exist.")
        study = ImagingStudy(
            case_id=case_id,
            study_uid=None,
            source=StudySource.MANUAL.value,
            modality=data.modality.value,
            study_date=data.study_date,
            description=description,
            body_region=data.body_region.value,
            report_text=report or None,
            created_at=now,
            created_by_id=actor.user_id,
            updated_at=now,
        )
        session.add(study)
        session.flush()
        record(
            session,
            actor,
            "imaging.add_manual",
            "imaging_study",
            study.id,
            case_id=case_id,
            after={
                "modality": study.modality,
                "study_date": study.study_date,
                "body_region": study.body_region,
                "description": description,
            },
            at=now,
        )
        return study.id
