"""Due and overdue follow-ups on the worklist, on every backend."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from board.auth.actor import Actor
from board.cases.service import create_case
from board.cases.views import CaseInput
from board.db.engine import Database
from board.db.models import Case, FollowUp, utcnow
from board.followup.due import DUE_WINDOW_DAYS, due_follow_ups_for
from board.followup.enums import DueState, FollowUpKind, FollowUpStatus
from board.worklist.service import list_worklist
from board.worklist.views import WorklistFilter

NewCase = Callable[..., CaseInput]


def _follow_up(
    db: Database,
    case_id: int,
    days_from_today: int,
    status: FollowUpStatus = FollowUpStatus.SCHEDULED,
    kind: FollowUpKind = FollowUpKind.VISIT,
) -> int:
    with db.write() as session:
        row = FollowUp(
            case_id=case_id,
            kind=kind,
            status=status,
            due_on=utcnow().date() + dt.timedelta(days=days_from_today),
            outcome={},
        )
        session.add(row)
        session.flush()
        return row.id


def test_worklist_shows_the_most_pressing_follow_up_and_filters(
    db: Database, admin: Actor, new_case: NewCase
) -> None:
    overdue = create_case(db, admin, new_case()).id
    due_soon = create_case(db, admin, new_case()).id
    later = create_case(db, admin, new_case()).id
    done = create_case(db, admin, new_case()).id
    nothing = create_case(db, admin, new_case()).id
    _follow_up(db, overdue, 10)
    _follow_up(db, overdue, -3, kind=FollowUpKind.IMAGING)
    _follow_up(db, overdue, -1)
    _follow_up(db, due_soon, DUE_WINDOW_DAYS)
    _follow_up(db, later, DUE_WINDOW_DAYS + 1)
    _follow_up(db, done, -5, status=FollowUpStatus.DONE)
    _follow_up(db, done, -2, status=FollowUpStatus.CANCELLED)

    rows = {r.id: r for r in list_worklist(db, admin, page_size=50).rows}
    today = utcnow().date()
    first = rows[overdue].follow_up
    assert first is not None
    assert first.state is DueState.OVERDUE
    assert first.kind is FollowUpKind.IMAGING  # the oldest open one
    assert first.due_on == today - dt.timedelta(days=3)
    assert rows[overdue].follow_up_text == (
        f"Imaging overdue since {today - dt.timedelta(days=3):%Y-%m-%d}"
    )
    soon = rows[due_soon].follow_up
    assert soon is not None and soon.state is DueState.DUE
    assert rows[later].follow_up is None
    assert rows[done].follow_up is None
    assert rows[nothing].follow_up is None and rows[nothing].follow_up_text == ""

    filtered = list_worklist(db, admin, WorklistFilter(follow_up_due=True), page_size=50)
    assert {r.id for r in filtered.rows} == {overdue, due_soon}
    assert filtered.total == 2


def test_deaths_and_rediscussion_requests_show_in_the_follow_up_column(
    db: Database, admin: Actor, new_case: NewCase
) -> None:
    case_id = create_case(db, admin, new_case()).id
    with db.write() as session:
        case = session.get(Case, case_id)
        assert case is not None
        case.rediscussion_requested_at = utcnow()
        case.rediscussion_reason = "New weakness"
    _follow_up(db, case_id, 0)
    row = next(r for r in list_worklist(db, admin).rows if r.id == case_id)
    today = utcnow().date()
    assert row.follow_up_text == f"Re-discussion requested; Clinic visit due {today:%Y-%m-%d}"
    with db.write() as session:
        case = session.get(Case, case_id)
        assert case is not None
        case.died_on = today
    row = next(r for r in list_worklist(db, admin).rows if r.id == case_id)
    assert row.follow_up_text.startswith(f"Died {today:%Y-%m-%d}; ")


def test_due_follow_ups_for_no_cases_is_empty(db: Database) -> None:
    with db.read() as session:
        assert due_follow_ups_for(session, [], utcnow().date()) == {}
