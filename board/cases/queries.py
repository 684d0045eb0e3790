"""Batched reads about cases that the case page, the worklist and the meetings share.

Each function takes an open session and a list of case ids and answers for all of them
in a few queries (never one query per case).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from board.assessments.readiness import form_readiness
from board.assessments.service import SavedForms, saved_forms
from board.cases.readiness import Readiness, ReadinessFacts, assess_readiness
from board.cases.views import NextMeeting
from board.db.models import ActionItem, AgendaItem, Biopsy, Case, ImagingStudy, Meeting
from board.imaging.enums import BodyRegion, Modality
from board.meetings.enums import MeetingStatus
from board.pathology.enums import BiopsyStatus

#: Body regions that say which body part was imaged.
_KNOWN_REGIONS = frozenset(
    region.value for region in BodyRegion if region is not BodyRegion.UNKNOWN
)
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


def _imaging_facts(session: Session, case_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The readiness facts about each case's imaging, in one grouped query.

    Returns
    -------
    dict[int, dict[str, Any]]
        Keyword arguments of :class:`~board.cases.readiness.ReadinessFacts`
        (``latest_spine_mri``, ``mri_undated``, ``mri_region_unknown``,
        ``other_region_mri``, ``other_modalities``); cases without imaging are absent.
    """
    facts: dict[int, dict[str, Any]] = {}
    others: dict[int, set[Modality]] = {}
    for case_id, modality, region, latest, count, dated in session.execute(
        select(
            ImagingStudy.case_id,
            ImagingStudy.modality,
            ImagingStudy.body_region,
            func.max(ImagingStudy.study_date),
            func.count(),
            func.count(ImagingStudy.study_date),
        )
        .where(ImagingStudy.case_id.in_(case_ids))
        .group_by(ImagingStudy.case_id, ImagingStudy.modality, ImagingStudy.body_region)
    ):
        found = facts.setdefault(case_id, {})
        if modality != Modality.MR.value:
            others.setdefault(case_id, set()).add(Modality.from_code(modality))
            continue
        spine = region in SPINE_REGIONS
        # Not stated, "unknown", or a value this version does not know: region unknown.
        known = region in _KNOWN_REGIONS
        if spine and latest is not None:
            previous = found.get("latest_spine_mri")
            found["latest_spine_mri"] = latest if previous is None else max(previous, latest)
        if not known:
            found["mri_region_unknown"] = True
        if (spine or not known) and dated < count:
            found["mri_undated"] = True
        if known and not spine:
            found["other_region_mri"] = True
    for case_id, modalities in others.items():
        facts[case_id]["other_modalities"] = tuple(m.label for m in Modality if m in modalities)
    return facts


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
    imaging = _imaging_facts(session, case_ids)
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
                **imaging.get(cid, {}),
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
