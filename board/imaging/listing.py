"""Listing: the studies attached to a case, newest first, each with its series, key
images and viewer link."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from board.auth.actor import Actor
from board.auth.permissions import Action, require
from board.db.engine import Database
from board.db.models import Case, ImagingStudy, User
from board.errors import NotFoundError
from board.imaging.enums import BodyRegion, StudySource
from board.imaging.links import viewer_url
from board.imaging.views import SeriesView, StudyView

__all__ = ["list_studies"]


def _region(value: str | None) -> BodyRegion | None:
    try:
        return BodyRegion(value) if value else None
    except ValueError:
        return None


def _source(value: str) -> StudySource:
    try:
        return StudySource(value)
    except ValueError:
        return StudySource.UPLOAD


def list_studies(
    db: Database, actor: Actor, case_id: int, *, viewer_template: str | None = None
) -> list[StudyView]:
    """The studies attached to a case, newest first, each with its series.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who is asking (needs permission to view cases).
    case_id:
        The case.
    viewer_template:
        ``TUMORBOARD_VIEWER_URL_TEMPLATE``, to fill in each study's viewer link.

    Returns
    -------
    list[StudyView]
        Studies > series.

    Raises
    ------
    PermissionDeniedError
        If the actor may not view cases.
    NotFoundError
        If the case does not exist.
    """
    require(actor, Action.CASE_VIEW)
    with db.read() as session:
        if session.get(Case, case_id) is None:
            raise NotFoundError(f"Case {case_id} does not exist.")
        rows = session.scalars(
            select(ImagingStudy)
            .where(ImagingStudy.case_id == case_id)
            .options(selectinload(ImagingStudy.series))
        ).all()
        names = {
            u.id: u.display_name
            for u in session.scalars(
                select(User).where(
                    User.id.in_(
                        {r.created_by_id for r in rows if r.created_by_id}
                        | {r.updated_by_id for r in rows if r.updated_by_id}
                    )
                )
            )
        }
        views = [
            StudyView(
                id=r.id,
                study_uid=r.study_uid,
                source=_source(r.source),
                modality=r.modality,
                study_date=r.study_date,
                description=r.description or "",
                body_region=_region(r.body_region),
                report_text=r.report_text,
                identity_override_reason=r.identity_override_reason,
                created_at=r.created_at,
                created_by=names.get(r.created_by_id) if r.created_by_id else None,
                series=tuple(
                    SeriesView(
                        id=s.id,
                        series_uid=s.series_uid,
                        series_number=s.series_number,
                        description=s.description or "",
                        modality=s.modality,
                        body_region=_region(s.body_region),
                        instance_count=s.instance_count,
                        sequence_hint=s.sequence_hint,
                        ct_kernel=s.ct_kernel,
                        radiopharmaceutical=s.radiopharmaceutical,
                        thumbnail_png=bytes(s.thumbnail_png) if s.thumbnail_png else None,
                        thumbnail_note=s.thumbnail_note,
                    )
                    for s in sorted(
                        r.series,
                        key=lambda s: (s.series_number is None, s.series_number or 0, s.id),
                    )
                ),
                viewer_url=viewer_url(viewer_template, r.study_uid),
                version=r.version,
                corrected_at=r.updated_at if r.version > 1 else None,
                corrected_by=names.get(r.updated_by_id)
                if r.version > 1 and r.updated_by_id
                else None,
            )
            for r in rows
        ]
    views.sort(key=lambda v: (v.study_date is not None, v.study_date or v.created_at.date()))
    views.reverse()
    return views
