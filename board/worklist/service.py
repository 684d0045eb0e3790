"""The worklist: every case in one sortable, filterable page, with what each still needs.

A read across domains (readiness, the next meeting, open action items, follow-up due),
so it sits above cases and follow-up; one page costs a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

from sqlalchemy import Select, and_, exists, func, or_, select

from board.auth.actor import Actor
from board.auth.permissions import Action, require
from board.cases.queries import next_meetings, open_action_counts, readiness_of
from board.cases.read_model import primary_site_label
from board.db.engine import Database
from board.db.models import AgendaItem, Assessment, Case, Meeting, Patient, utcnow
from board.followup.due import due_follow_ups_for, has_due_follow_up
from board.meetings.enums import MeetingStatus
from board.worklist.views import MeetingOption, WorklistFilter, WorklistPage, WorklistRow

_SelectT = TypeVar("_SelectT", bound=Select)


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
        readiness = readiness_of(session, ids, now.date())
        meetings = next_meetings(session, ids, now)
        actions = open_action_counts(session, ids)
        due = due_follow_ups_for(session, ids, now.date())
        result = tuple(
            WorklistRow(
                id=case.id,
                pseudonym=patient.pseudonym,
                hospital_number=patient.hospital_number,
                primary_site_label=primary_site_label(case.primary_site),
                histology=case.histology,
                levels=tuple(level for level in case.levels.split(",") if level),
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
