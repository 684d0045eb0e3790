"""Batched reads about cases that the case page, the worklist and the meetings share.

Each function takes an open session and a list of case ids and answers for all of them
in a few queries (never one query per case).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from board.assessments.readiness import form_readiness
from board.assessments.service import SavedForms, saved_forms
from board.cases.readiness import Readiness, ReadinessFacts, assess_readiness
from board.cases.views import NextMeeting
from board.db.models import ActionItem, AgendaItem, Biopsy, Case, ImagingStudy, Meeting
from board.imaging.enums import BodyRegion
from board.meetings.enums import MeetingStatus
from board.pathology.enums import BiopsyStatus

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


def readiness_of(
    session: Session,
    case_ids: Sequence[int],
    today: dt.date,
    *,
    saved: Mapping[int, SavedForms] | None = None,
) -> dict[int, Readiness]:
    """Readiness of several cases in a few batched queries.

    Parameters
    ----------
    session:
        An open session.
    case_ids:
        The cases.
    today:
        The date the MRI's age is counted to.
    saved:
        The cases' typed forms when the caller has read them already
        (:func:`~board.assessments.service.saved_forms`); read here otherwise.

    Returns
    -------
    dict[int, Readiness]
        The readiness checklist of each case.
    """
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
    if saved is None:
        saved = saved_forms(session, case_ids)
    pain_scores = dict(
        session.execute(select(Case.id, Case.pain_score).where(Case.id.in_(case_ids))).all()
    )
    return {
        cid: assess_readiness(
            ReadinessFacts(
                latest_spine_mri=mri.get(cid),
                histology_known=histology.get(cid, False),
                biopsy_pending=cid in pending,
                submitted_roles=saved[cid].submitted,
                **form_readiness(saved[cid].forms, pain_scores.get(cid)),
            ),
            today,
        )
        for cid in case_ids
    }


def next_meetings(
    session: Session, case_ids: Sequence[int], now: dt.datetime
) -> dict[int, NextMeeting]:
    """The next scheduled or running meeting each case is on the agenda of.

    Parameters
    ----------
    session:
        An open session.
    case_ids:
        The cases.
    now:
        Meetings that started up to 12 hours before this still count.

    Returns
    -------
    dict[int, NextMeeting]
        Only the cases that are on an agenda.
    """
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


def open_action_counts(session: Session, case_ids: Sequence[int]) -> dict[int, int]:
    """How many action items of each case are still open.

    Parameters
    ----------
    session:
        An open session.
    case_ids:
        The cases.

    Returns
    -------
    dict[int, int]
        Only the cases with open items.
    """
    if not case_ids:
        return {}
    return dict(
        session.execute(
            select(ActionItem.case_id, func.count())
            .where(ActionItem.case_id.in_(case_ids), ActionItem.done_at.is_(None))
            .group_by(ActionItem.case_id)
        ).all()
    )
