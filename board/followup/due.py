"""Due and overdue scheduled follow-ups, for the worklist.

A scheduled follow-up is *overdue* once its date has passed, *due* from
:data:`DUE_WINDOW_DAYS` days before it (today included), *upcoming* before that.

This module depends on the models only, so the case services can use it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, select
from sqlalchemy.orm import Session

from board.db.models import Case, FollowUp
from board.followup.enums import DueState, FollowUpKind, FollowUpStatus

DUE_WINDOW_DAYS = 7


def due_state(due_on: dt.date, today: dt.date, window_days: int = DUE_WINDOW_DAYS) -> DueState:
    """Where a scheduled follow-up stands.

    Parameters
    ----------
    due_on:
        Its due date.
    today:
        The reference date.
    window_days:
        How many days ahead a follow-up counts as due.

    Returns
    -------
    DueState
        Overdue (date passed), due (within the window, today included) or upcoming.
    """
    if due_on < today:
        return DueState.OVERDUE
    if due_on <= today + dt.timedelta(days=window_days):
        return DueState.DUE
    return DueState.UPCOMING


@dataclass(frozen=True, slots=True)
class DueFollowUp:
    """The most pressing scheduled follow-up of a case, for the worklist."""

    follow_up_id: int
    kind: FollowUpKind
    due_on: dt.date
    state: DueState

    @property
    def text(self) -> str:
        """For example ``"Clinic visit overdue since 2026-11-20"``."""
        if self.state is DueState.OVERDUE:
            return f"{self.kind.label} overdue since {self.due_on:%Y-%m-%d}"
        return f"{self.kind.label} due {self.due_on:%Y-%m-%d}"


def has_due_follow_up(today: dt.date) -> ColumnElement[bool]:
    """SQL condition: the case has a scheduled follow-up due within the window or overdue.

    Parameters
    ----------
    today:
        The reference date.

    Returns
    -------
    ColumnElement[bool]
        An EXISTS clause correlated with ``Case``.
    """
    limit = today + dt.timedelta(days=DUE_WINDOW_DAYS)
    return exists().where(
        and_(
            FollowUp.case_id == Case.id,
            FollowUp.status == FollowUpStatus.SCHEDULED,
            FollowUp.due_on <= limit,
        )
    )


def due_follow_ups_for(
    session: Session, case_ids: Sequence[int], today: dt.date
) -> dict[int, DueFollowUp]:
    """The most pressing scheduled follow-up of each case that has one due or overdue.

    Parameters
    ----------
    session:
        An open session.
    case_ids:
        The cases (for example one worklist page).
    today:
        The reference date.

    Returns
    -------
    dict[int, DueFollowUp]
        By case id; cases with nothing due within the window are left out.
    """
    if not case_ids:
        return {}
    limit = today + dt.timedelta(days=DUE_WINDOW_DAYS)
    rows = session.execute(
        select(FollowUp.id, FollowUp.case_id, FollowUp.kind, FollowUp.due_on)
        .where(
            FollowUp.case_id.in_(list(case_ids)),
            FollowUp.status == FollowUpStatus.SCHEDULED,
            FollowUp.due_on <= limit,
        )
        .order_by(FollowUp.due_on, FollowUp.id)
    ).all()
    found: dict[int, DueFollowUp] = {}
    for fid, case_id, kind, due_on in rows:
        if case_id not in found:
            found[case_id] = DueFollowUp(fid, FollowUpKind(kind), due_on, due_state(due_on, today))
    return found
