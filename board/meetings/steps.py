"""Agenda steps that other actions take inside their own transaction.

Each takes the open session of the action that prompts it and audits what it changes in
that same transaction: putting a case on an agenda (used by the agenda actions and by a
re-discussion requested at follow-up) and taking a case off the agendas still to come
after the patient's death.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from board.audit.service import record
from board.auth.actor import Actor
from board.cases.enums import CaseStatus
from board.db.models import AgendaItem, Case, Meeting, utcnow
from board.errors import InvalidStateError
from board.meetings.enums import AgendaTriage, MeetingStatus

#: Cases in these statuses can be put on an agenda.
AGENDA_STATUSES = (CaseStatus.PREPARING, CaseStatus.READY, CaseStatus.DISCUSSED)
MAX_AGENDA = 60


def append_to_agenda(
    session: Session,
    actor: Actor,
    meeting: Meeting,
    case: Case,
    triage: AgendaTriage,
    *,
    now: dt.datetime | None = None,
) -> AgendaItem:
    """Put a case at the end of a meeting's agenda (audited as ``agenda.add``).

    ``now`` is the time of the action that puts it there; now when ``None``.

    Raises
    ------
    InvalidStateError
        If the case cannot go on an agenda, is already on this one, or the agenda is full.
    """
    if case.status not in AGENDA_STATUSES and case.rediscussion_requested_at is None:
        raise InvalidStateError(
            f"{case.patient.pseudonym} is '{case.status.label}': only cases still to be "
            "discussed can go on an agenda."
        )
    exists = session.scalar(
        select(AgendaItem.id).where(
            AgendaItem.meeting_id == meeting.id, AgendaItem.case_id == case.id
        )
    )
    if exists is not None:
        raise InvalidStateError(f"{case.patient.pseudonym} is already on this agenda.")
    count = session.scalar(
        select(func.count()).select_from(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
    )
    if (count or 0) >= MAX_AGENDA:
        raise InvalidStateError(f"An agenda holds at most {MAX_AGENDA} cases.")
    last = session.scalar(
        select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting.id)
    )
    item = AgendaItem(
        meeting_id=meeting.id,
        case_id=case.id,
        position=(last or 0) + 1,
        triage=AgendaTriage(triage),
        updated_at=now or utcnow(),
        updated_by_id=actor.user_id,
    )
    session.add(item)
    session.flush()
    record(
        session,
        actor,
        "agenda.add",
        "agenda_item",
        item.id,
        case_id=case.id,
        after={"meeting_id": meeting.id, "position": item.position, "triage": item.triage},
        at=now,
    )
    return item


def touch_item(actor: Actor, item: AgendaItem, now: dt.datetime | None = None) -> None:
    """Stamp an agenda item as changed by the actor at ``now`` (now when ``None``)."""
    item.updated_at = now or utcnow()
    item.updated_by_id = actor.user_id


def renumber_agenda(
    session: Session, actor: Actor, items: list[AgendaItem], *, now: dt.datetime | None = None
) -> None:
    """Number an agenda's items 1, 2, ... in the order given (changes stamped ``now``)."""
    for position, item in enumerate(items, start=1):
        if item.position != position:
            item.position = position
            touch_item(actor, item, now)
    session.flush()


def agenda_items(session: Session, meeting_id: int) -> list[AgendaItem]:
    """A meeting's agenda items in their order."""
    return list(
        session.scalars(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting_id)
            .order_by(AgendaItem.position, AgendaItem.id)
        )
    )


def place_for_rediscussion(
    session: Session, actor: Actor, case: Case, *, now: dt.datetime | None = None
) -> Meeting | None:
    """Put a case whose re-discussion was requested on the next scheduled meeting.

    Parameters
    ----------
    session:
        The session of the follow-up being recorded (same transaction).
    actor:
        Who requested the re-discussion.
    case:
        The case (its ``rediscussion_requested_at`` already set).
    now:
        The time of the action; meetings from then on count. Now when ``None``.

    Returns
    -------
    Meeting | None
        The meeting it was put on (or already was on); ``None`` when no meeting is
        scheduled yet: the case then waits among the agenda candidates and the next
        agenda built takes it.
    """
    now = now or utcnow()
    meeting = session.scalars(
        select(Meeting)
        .where(Meeting.status == MeetingStatus.SCHEDULED, Meeting.starts_at >= now)
        .order_by(Meeting.starts_at, Meeting.id)
    ).first()
    if meeting is None:
        return None
    on_it = session.scalar(
        select(AgendaItem.id).where(
            AgendaItem.meeting_id == meeting.id, AgendaItem.case_id == case.id
        )
    )
    if on_it is None:
        count = session.scalar(
            select(func.count()).select_from(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
        )
        if (count or 0) >= MAX_AGENDA:
            return None
        append_to_agenda(session, actor, meeting, case, AgendaTriage.FULL_DISCUSSION, now=now)
    return meeting


def withdraw_after_death(
    session: Session, actor: Actor, case: Case, *, now: dt.datetime | None = None
) -> list[int]:
    """Take a case whose patient died off the agendas of meetings still to come.

    Only items not yet discussed, on meetings that are scheduled (not started), are
    removed; each removal is audited like a manual one.

    Parameters
    ----------
    session:
        The session of the follow-up entry that records the death (same transaction).
    actor:
        Who recorded the death.
    case:
        The case.
    now:
        The time of the follow-up entry; now when ``None``.

    Returns
    -------
    list[int]
        The ids of the meetings the case was taken off.
    """
    items = session.scalars(
        select(AgendaItem)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(
            AgendaItem.case_id == case.id,
            AgendaItem.discussed_at.is_(None),
            Meeting.status == MeetingStatus.SCHEDULED,
        )
        .order_by(AgendaItem.id)
    ).all()
    meetings: list[int] = []
    for item in items:
        meeting_id, position, item_id = item.meeting_id, item.position, item.id
        session.delete(item)
        session.flush()
        renumber_agenda(session, actor, agenda_items(session, meeting_id), now=now)
        record(
            session,
            actor,
            "agenda.remove",
            "agenda_item",
            item_id,
            case_id=case.id,
            before={"meeting_id": meeting_id, "position": position},
            detail="The patient died.",
            at=now,
        )
        meetings.append(meeting_id)
    return meetings
