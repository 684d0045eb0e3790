"""The worklist on every backend: ordering, pagination, filters, next meeting."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import update

from board.auth.actor import Actor
from board.auth.roles import REQUIRED_ROLES, Role
from board.cases.enums import CaseStatus, Urgency
from board.cases.read_model import CaseReadModel
from board.cases.service import create_case, get_case, update_case
from board.cases.views import CaseInput
from board.db.engine import Database
from board.db.models import AgendaItem, Assessment, Case, Meeting, utcnow
from board.meetings.enums import MeetingStatus
from board.worklist.service import list_worklist, upcoming_meetings
from board.worklist.views import WorklistFilter

NewCase = Callable[..., CaseInput]


def _urgent(new_case: NewCase) -> CaseInput:
    return new_case(pain_new_or_worse=True, weakness=True)


def _ids(db: Database, actor: Actor, filters: WorklistFilter | None = None) -> list[int]:
    return [row.id for row in list_worklist(db, actor, filters, page_size=200).rows]


def _set_status(db: Database, case_id: int, status: CaseStatus) -> None:
    with db.write() as session:
        session.execute(update(Case).where(Case.id == case_id).values(status=status))


def _meeting(
    db: Database,
    case_ids: list[int],
    starts_in: dt.timedelta = dt.timedelta(days=3),
    status: MeetingStatus = MeetingStatus.SCHEDULED,
    title: str = "Spine tumor board",
) -> int:
    with db.write() as session:
        meeting = Meeting(starts_at=utcnow() + starts_in, title=title, status=status)
        session.add(meeting)
        session.flush()
        for position, case_id in enumerate(case_ids):
            session.add(AgendaItem(meeting_id=meeting.id, case_id=case_id, position=position))
        return meeting.id


def _assessment(db: Database, case_id: int, role: Role, submitted: bool) -> None:
    with db.write() as session:
        session.add(
            Assessment(
                case_id=case_id,
                role=role,
                data={"note": "test"},
                submitted_at=utcnow() if submitted else None,
            )
        )


def test_empty_worklist(db: Database, admin: Actor) -> None:
    page = list_worklist(db, admin)
    assert (page.rows, page.total, page.page, page.pages) == ((), 0, 1, 1)


def test_urgent_first_then_newest(db: Database, admin: Actor, new_case: NewCase) -> None:
    routine_old = create_case(db, admin, new_case()).id
    urgent_old = create_case(db, admin, _urgent(new_case)).id
    routine_new = create_case(db, admin, new_case()).id
    urgent_new = create_case(db, admin, _urgent(new_case)).id

    page = list_worklist(db, admin)

    assert [row.id for row in page.rows] == [urgent_new, urgent_old, routine_new, routine_old]
    assert [row.urgency for row in page.rows] == [Urgency.URGENT] * 2 + [Urgency.ROUTINE] * 2
    assert page.rows[0].urgency_reasons and "limb weakness" in page.rows[0].urgency_reasons[0]
    assert page.total == 4


def test_an_edit_that_makes_a_case_urgent_moves_it_up(
    db: Database, admin: Actor, new_case: NewCase
) -> None:
    first = create_case(db, admin, new_case())
    second = create_case(db, admin, new_case())
    assert _ids(db, admin) == [second.id, first.id]
    edited = dataclasses.replace(first.as_input(), pain_new_or_worse=True, gait_disturbance=True)
    update_case(db, admin, first.id, first.version, edited)
    assert _ids(db, admin) == [first.id, second.id]


def test_row_content(db: Database, admin: Actor, new_case: NewCase) -> None:
    detail = create_case(db, admin, new_case(levels="L1, T12", hospital_number="H-77"))
    [row] = list_worklist(db, admin).rows
    assert row.id == detail.id
    assert row.pseudonym == detail.pseudonym
    assert row.hospital_number == "H-77"
    assert row.primary_site_label == detail.primary_site_label
    assert row.levels == ("T12", "L1")
    assert row.status is CaseStatus.PREPARING
    assert row.missing == detail.readiness.missing
    assert row.missing_roles == REQUIRED_ROLES
    assert not row.ready
    assert row.next_meeting is None
    assert row.created_at == detail.created_at


def test_pagination(db: Database, admin: Actor, new_case: NewCase) -> None:
    created = [create_case(db, admin, new_case()).id for _ in range(7)]
    newest_first = list(reversed(created))

    pages = [list_worklist(db, admin, page=n, page_size=3) for n in (1, 2, 3)]
    assert [p.total for p in pages] == [7, 7, 7]
    assert [p.pages for p in pages] == [3, 3, 3]
    assert [p.page for p in pages] == [1, 2, 3]
    assert [len(p.rows) for p in pages] == [3, 3, 1]
    assert [row.id for p in pages for row in p.rows] == newest_first

    # Out-of-range pages are clamped, not empty.
    beyond = list_worklist(db, admin, page=99, page_size=3)
    assert (beyond.page, [r.id for r in beyond.rows]) == (3, newest_first[6:])
    before = list_worklist(db, admin, page=0, page_size=3)
    assert (before.page, [r.id for r in before.rows]) == (1, newest_first[:3])
    negative = list_worklist(db, admin, page=-5, page_size=3)
    assert negative.page == 1

    exact = list_worklist(db, admin, page=1, page_size=7)
    assert (exact.pages, len(exact.rows)) == (1, 7)


@pytest.mark.parametrize(("asked", "used"), [(0, 1), (-3, 1), (1000, 200), (25, 25)])
def test_page_size_is_clamped(db: Database, admin: Actor, asked: int, used: int) -> None:
    assert list_worklist(db, admin, page_size=asked).page_size == used


def test_status_filter(db: Database, admin: Actor, new_case: NewCase) -> None:
    preparing = create_case(db, admin, new_case()).id
    discussed = create_case(db, admin, new_case()).id
    closed = create_case(db, admin, new_case()).id
    _set_status(db, discussed, CaseStatus.DISCUSSED)
    _set_status(db, closed, CaseStatus.CLOSED)

    assert _ids(db, admin, WorklistFilter(statuses=(CaseStatus.DISCUSSED,))) == [discussed]
    assert _ids(db, admin, WorklistFilter(statuses=(CaseStatus.PREPARING, CaseStatus.CLOSED))) == [
        closed,
        preparing,
    ]
    assert _ids(db, admin, WorklistFilter(statuses=(CaseStatus.READY,))) == []
    page = list_worklist(db, admin, WorklistFilter(statuses=(CaseStatus.DISCUSSED,)))
    assert page.total == 1
    assert page.rows[0].status is CaseStatus.DISCUSSED


def test_urgency_filter(db: Database, admin: Actor, new_case: NewCase) -> None:
    routine = create_case(db, admin, new_case()).id
    urgent = create_case(db, admin, _urgent(new_case)).id
    assert _ids(db, admin, WorklistFilter(urgency=Urgency.URGENT)) == [urgent]
    assert _ids(db, admin, WorklistFilter(urgency=Urgency.ROUTINE)) == [routine]
    assert _ids(db, admin, WorklistFilter()) == [urgent, routine]


def test_meeting_filter_and_next_meeting(db: Database, admin: Actor, new_case: NewCase) -> None:
    on_both = create_case(db, admin, new_case()).id
    on_later = create_case(db, admin, new_case()).id
    on_none = create_case(db, admin, new_case()).id
    soon = _meeting(db, [on_both], dt.timedelta(days=2), title="Soon board")
    later = _meeting(db, [on_both, on_later], dt.timedelta(days=9), title="Later board")
    cancelled = _meeting(
        db, [on_none], dt.timedelta(days=1), MeetingStatus.CANCELLED, title="Cancelled"
    )
    past = _meeting(db, [on_none], -dt.timedelta(days=5), title="Past board")

    assert _ids(db, admin, WorklistFilter(meeting_id=soon)) == [on_both]
    assert _ids(db, admin, WorklistFilter(meeting_id=later)) == [on_later, on_both]
    assert _ids(db, admin, WorklistFilter(meeting_id=cancelled)) == [on_none]

    rows = {row.id: row for row in list_worklist(db, admin).rows}
    both_next, later_next = rows[on_both].next_meeting, rows[on_later].next_meeting
    assert both_next is not None
    assert (both_next.meeting_id, both_next.title) == (soon, "Soon board")
    assert later_next is not None
    assert later_next.meeting_id == later
    # Neither a cancelled nor a past meeting is a "next meeting".
    assert rows[on_none].next_meeting is None
    assert get_case(db, admin, on_both).next_meeting == rows[on_both].next_meeting

    options = upcoming_meetings(db, admin)
    assert [(m.id, m.title) for m in options] == [(soon, "Soon board"), (later, "Later board")]
    assert past not in {m.id for m in options}


def test_missing_role_filter(db: Database, admin: Actor, new_case: NewCase) -> None:
    submitted = create_case(db, admin, new_case()).id
    draft = create_case(db, admin, new_case()).id
    nothing = create_case(db, admin, new_case()).id
    _assessment(db, submitted, Role.RADIOLOGIST, submitted=True)
    _assessment(db, draft, Role.RADIOLOGIST, submitted=False)
    _assessment(db, draft, Role.SPINE_SURGEON, submitted=True)

    radiology_missing = WorklistFilter(missing_role=Role.RADIOLOGIST)
    assert _ids(db, admin, radiology_missing) == [nothing, draft]
    surgery_missing = WorklistFilter(missing_role=Role.SPINE_SURGEON)
    assert _ids(db, admin, surgery_missing) == [nothing, submitted]
    oncology_missing = WorklistFilter(missing_role=Role.MEDICAL_ONCOLOGIST)
    assert _ids(db, admin, oncology_missing) == [nothing, draft, submitted]

    rows = {row.id: row for row in list_worklist(db, admin).rows}
    assert Role.RADIOLOGIST not in rows[submitted].missing_roles
    assert Role.RADIOLOGIST in rows[draft].missing_roles
    assert Role.SPINE_SURGEON not in rows[draft].missing_roles


def test_filters_combine(db: Database, admin: Actor, new_case: NewCase) -> None:
    match = create_case(db, admin, _urgent(new_case)).id
    wrong_urgency = create_case(db, admin, new_case()).id
    wrong_meeting = create_case(db, admin, _urgent(new_case)).id
    meeting = _meeting(db, [match, wrong_urgency])
    _meeting(db, [wrong_meeting])
    filters = WorklistFilter(
        statuses=(CaseStatus.PREPARING,),
        urgency=Urgency.URGENT,
        meeting_id=meeting,
        missing_role=Role.RADIOLOGIST,
    )
    page = list_worklist(db, admin, filters)
    assert [row.id for row in page.rows] == [match]
    assert page.total == 1


def test_search_by_pseudonym_or_hospital_number(
    db: Database, admin: Actor, new_case: NewCase
) -> None:
    first: CaseReadModel = create_case(db, admin, new_case(hospital_number="MRN-001"))
    second = create_case(db, admin, new_case(hospital_number="MRN-002"))
    assert _ids(db, admin, WorklistFilter(search=first.pseudonym.lower())) == [first.id]
    assert _ids(db, admin, WorklistFilter(search=second.pseudonym[3:7])) == [second.id]
    assert _ids(db, admin, WorklistFilter(search=" MRN-002 ")) == [second.id]
    # The hospital number matches exactly, never as a fragment.
    assert _ids(db, admin, WorklistFilter(search="MRN-00")) == []


@pytest.mark.parametrize("search", ["%", "_"])
def test_search_wildcards_are_literal(
    db: Database, admin: Actor, new_case: NewCase, search: str
) -> None:
    create_case(db, admin, new_case())
    assert _ids(db, admin, WorklistFilter(search=search)) == []
