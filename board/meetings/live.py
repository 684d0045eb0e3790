"""The live meeting: which case the chair presents, and who follows it.

The presented case lives in the database (``meeting_presenting``), written when the
presenter moves, so every follower sees it whichever app server their browser talks
to. A follower's view polls :func:`live_state` (one small query) and draws the case
again when it changed; the chair's presenter never polls.

Followers are recorded in ``meeting_followers`` with the time they were last seen,
which their poll refreshes (:func:`mark_following`). Joining is written to the audit
trail once: when someone starts following, or comes back after being away longer than
:data:`PRESENCE_WINDOW`. The refresh of "last seen" itself is not audited: it is a
presence signal written every few seconds, not a change to the record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from board.audit.service import record
from board.auth.actor import Actor
from board.auth.permissions import Action, require
from board.db.engine import Database
from board.db.models import (
    AgendaItem,
    AuditEvent,
    Meeting,
    MeetingFollower,
    MeetingPresenting,
    User,
    utcnow,
)
from board.errors import InvalidStateError, NotFoundError, ValidationError
from board.meetings.enums import MeetingStatus
from board.meetings.views import FollowerRow, LiveState

#: Someone seen by their follow view within this time is "following now".
PRESENCE_WINDOW = dt.timedelta(seconds=30)

#: Meetings that can be presented and followed.
LIVE_STATUSES = (MeetingStatus.SCHEDULED, MeetingStatus.IN_PROGRESS)

_Row = TypeVar("_Row", MeetingPresenting, MeetingFollower)


def _meeting(session: Session, meeting_id: int) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFoundError(f"Meeting {meeting_id} does not exist.")
    return meeting


def _require_live(meeting: Meeting, what: str) -> None:
    if meeting.status not in LIVE_STATUSES:
        raise InvalidStateError(f"The meeting is {meeting.status.label.lower()}: {what}.")


def _add_once(
    session: Session, row: _Row, existing: Callable[[], _Row | None]
) -> tuple[_Row, bool]:
    """Insert ``row``; if another transaction inserted it first, return theirs.

    Returns the row and whether this call inserted it.

    Two browser tabs of one person (or two presenters) can race to create the same
    row; on PostgreSQL the second insert then fails on the unique key. The insert runs
    in a savepoint so the transaction goes on with the row that won.
    """
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        found = existing()
        if found is None:  # the other row vanished again: nothing sensible to do
            raise
        return found, False
    return row, True


def _state(session: Session, meeting_id: int) -> LiveState:
    stamp = (
        select(func.max(AuditEvent.id))
        .where(AuditEvent.case_id == AgendaItem.case_id)
        .scalar_subquery()
    )
    row = session.execute(
        select(
            Meeting.status,
            AgendaItem.id,
            AgendaItem.case_id,
            AgendaItem.position,
            MeetingPresenting.since,
            stamp,
        )
        .select_from(Meeting)
        .outerjoin(MeetingPresenting, MeetingPresenting.meeting_id == Meeting.id)
        .outerjoin(
            AgendaItem,
            and_(
                AgendaItem.id == MeetingPresenting.agenda_item_id,
                AgendaItem.meeting_id == Meeting.id,
            ),
        )
        .where(Meeting.id == meeting_id)
    ).one_or_none()
    if row is None:
        raise NotFoundError(f"Meeting {meeting_id} does not exist.")
    status, item_id, case_id, position, since, case_stamp = row
    return LiveState(
        meeting_id=meeting_id,
        status=status,
        item_id=item_id,
        case_id=case_id,
        position=position,
        since=since if item_id is not None else None,
        case_stamp=case_stamp,
    )


def live_state(db: Database, actor: Actor, meeting_id: int) -> LiveState:
    """The case the chair presents now, in one small query (the followers' poll).

    Parameters
    ----------
    db:
        The database.
    actor:
        Who is following.
    meeting_id:
        The meeting.

    Returns
    -------
    LiveState
        The meeting's status, the presented agenda item (``None`` before the chair's
        first move) and a stamp that changes with anything about the presented case.

    Raises
    ------
    NotFoundError
        If there is no such meeting.
    PermissionDeniedError
        If the actor may not view cases.
    """
    require(actor, Action.CASE_VIEW)
    with db.read() as session:
        return _state(session, meeting_id)


def present_item(
    db: Database,
    actor: Actor,
    meeting_id: int,
    item_id: int,
    *,
    now: dt.datetime | None = None,
) -> LiveState:
    """Record that the chair now presents agenda item ``item_id`` (followers move too).

    Moving to the case already presented changes nothing and is not audited again.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who presents (runs the meeting).
    meeting_id:
        The meeting.
    item_id:
        The agenda item now on the screen.
    now:
        The time of the move; now when ``None``.

    Returns
    -------
    LiveState
        The meeting's live state after the move.

    Raises
    ------
    NotFoundError
        If the meeting does not exist, or the item is not on its agenda.
    InvalidStateError
        If the meeting is closed or cancelled.
    PermissionDeniedError
        If the actor may not run meetings.
    """
    require(actor, Action.MEETING_RUN)
    now = now or utcnow()
    with db.write() as session:
        meeting = _meeting(session, meeting_id)
        _require_live(meeting, "its cases can no longer be presented")
        item = session.get(AgendaItem, item_id)
        if item is None or item.meeting_id != meeting_id:
            raise NotFoundError(
                "That case is no longer on this meeting's agenda (it may have been removed)."
            )
        row = session.get(MeetingPresenting, meeting_id)
        before = None if row is None else row.agenda_item_id
        if before == item.id:
            return _state(session, meeting_id)
        if row is None:
            row, _ = _add_once(
                session,
                MeetingPresenting(
                    meeting_id=meeting_id,
                    agenda_item_id=item.id,
                    since=now,
                    presented_by_id=actor.user_id,
                ),
                lambda: session.get(MeetingPresenting, meeting_id, populate_existing=True),
            )
        row.agenda_item_id = item.id
        row.since = now
        row.presented_by_id = actor.user_id
        session.flush()
        record(
            session,
            actor,
            "meeting.present",
            "meeting",
            meeting_id,
            case_id=item.case_id,
            before={"agenda_item_id": before},
            after={"agenda_item_id": item.id, "position": item.position},
            detail=f"Presented at the meeting as case {item.position} of the agenda.",
            at=now,
        )
        return _state(session, meeting_id)


def mark_following(
    db: Database, actor: Actor, meeting_id: int, *, now: dt.datetime | None = None
) -> bool:
    """Record that ``actor`` follows the meeting live now (their view's poll calls it).

    The first call, and the first after an absence longer than
    :data:`PRESENCE_WINDOW`, is audited as joining (``meeting.follow``); the calls in
    between only refresh "last seen".

    Parameters
    ----------
    db:
        The database.
    actor:
        The follower (a signed-in user).
    meeting_id:
        The meeting.
    now:
        The time of the poll; now when ``None``.

    Returns
    -------
    bool
        ``True`` when this call recorded joining (audited), ``False`` for a refresh.

    Raises
    ------
    NotFoundError
        If there is no such meeting.
    InvalidStateError
        If the meeting is closed or cancelled.
    ValidationError
        If the actor is not a user account.
    PermissionDeniedError
        If the actor may not view cases.
    """
    require(actor, Action.CASE_VIEW)
    if actor.user_id is None:
        raise ValidationError("Only a signed-in user can follow a meeting.", field="user")
    user_id = actor.user_id
    now = now or utcnow()

    def existing() -> MeetingFollower | None:
        return session.scalars(
            select(MeetingFollower)
            .where(MeetingFollower.meeting_id == meeting_id, MeetingFollower.user_id == user_id)
            .execution_options(populate_existing=True)
        ).one_or_none()

    with db.write() as session:
        meeting = _meeting(session, meeting_id)
        _require_live(meeting, "there is nothing to follow live")
        row = existing()
        joined = row is None or now - row.last_seen_at > PRESENCE_WINDOW
        if row is None:
            row, joined = _add_once(
                session,
                MeetingFollower(
                    meeting_id=meeting_id, user_id=user_id, joined_at=now, last_seen_at=now
                ),
                existing,
            )
        elif joined:
            row.joined_at = now
        row.last_seen_at = max(row.last_seen_at, now)
        if joined:
            session.flush()
            record(
                session,
                actor,
                "meeting.follow",
                "meeting",
                meeting_id,
                detail="Started following the meeting live.",
                at=now,
            )
        return joined


def followers(
    db: Database,
    actor: Actor,
    meeting_id: int,
    *,
    now: dt.datetime | None = None,
    window: dt.timedelta = PRESENCE_WINDOW,
) -> tuple[FollowerRow, ...]:
    """Who follows the meeting now: seen by their follow view within ``window``.

    Parameters
    ----------
    db:
        The database.
    actor:
        Who is looking.
    meeting_id:
        The meeting.
    now:
        The reference time; now when ``None``.
    window:
        How recently a follower must have been seen.

    Returns
    -------
    tuple[FollowerRow, ...]
        The followers, longest-following first.

    Raises
    ------
    NotFoundError
        If there is no such meeting.
    PermissionDeniedError
        If the actor may not view cases.
    """
    require(actor, Action.CASE_VIEW)
    now = now or utcnow()
    with db.read() as session:
        _meeting(session, meeting_id)
        rows = session.execute(
            select(MeetingFollower, User)
            .join(User, User.id == MeetingFollower.user_id)
            .where(
                MeetingFollower.meeting_id == meeting_id,
                MeetingFollower.last_seen_at >= now - window,
            )
            .order_by(MeetingFollower.joined_at, MeetingFollower.id)
        ).all()
        return tuple(
            FollowerRow(
                user_id=user.id,
                name=user.display_name,
                role=user.role,
                joined_at=follower.joined_at,
                last_seen_at=follower.last_seen_at,
            )
            for follower, user in rows
        )
