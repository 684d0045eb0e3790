"""Follow-up services on every backend: schedule, recording, pain response, adherence,
re-discussion, death, corrections, missed follow-ups and the audit trail."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from board.cases.enums import CaseStatus
from board.db.models import Case, FollowUp, utcnow
from board.errors import ConflictError, InvalidStateError, ValidationError
from board.followup.enums import Adherence, DueState, FollowUpKind, FollowUpStatus
from board.followup.service import (
    correct_follow_up,
    get_follow_up_board,
    record_follow_up,
    set_follow_up_status,
)
from board.followup.views import FollowUpInput
from board.meetings.service import agenda_candidates, build_agenda
from board.plans.drafting import add_plan_item, remove_plan_item, update_plan_header
from board.plans.enums import PlanComponent, PlanIntent
from board.plans.lifecycle import amend_plan, finalize_plan, sign_plan
from board.plans.views import PlanHeaderInput
from board.scoring.pain import PainResponse
from tests.followup.helpers import STRETCHING, Finalized, finalized_case
from tests.meetings.helpers import Board, case_status, events


def _today() -> dt.date:
    return utcnow().date()


def _entry(**values: object) -> FollowUpInput:
    values.setdefault("contact_on", _today())
    return FollowUpInput(**values)  # type: ignore[arg-type]


def _follow_up_rows(f: Finalized) -> int:
    with f.board.db.read() as session:
        return (
            session.scalar(
                select(func.count()).select_from(FollowUp).where(FollowUp.case_id == f.case_id)
            )
            or 0
        )


def test_finalizing_schedules_the_plans_follow_up(finalized: Finalized) -> None:
    f = finalized
    fb = get_follow_up_board(f.board.db, f.board.coordinator, f.case_id)
    decided = fb.decision_at
    assert decided is not None
    assert [v.due_on for v in fb.scheduled] == [
        decided.date() + dt.timedelta(weeks=6 * k) for k in (1, 2, 3)
    ]
    assert {v.kind for v in fb.scheduled} == {FollowUpKind.VISIT}
    assert {v.status for v in fb.scheduled} == {FollowUpStatus.SCHEDULED}
    assert {v.plan_number for v in fb.scheduled} == {1}
    assert {v.due_state for v in fb.scheduled} == {DueState.UPCOMING}
    assert fb.baseline.pain_nrs == 8 and fb.baseline.omed_mg == 60
    assert fb.plan_has_radiation and fb.can_record and fb.cannot_record_reason is None
    assert fb.entries == ()


#: (pain, OMED mg/day) at a contact against the baseline 8/10 on 60 mg -> response.
RESPONSES = (
    (0, 60.0, PainResponse.COMPLETE),
    (5, 60.0, PainResponse.PARTIAL),
    (8, 100.0, PainResponse.PROGRESSION),
    (7, 60.0, PainResponse.INDETERMINATE),
)


def test_recording_a_scheduled_contact_computes_the_pain_response(
    finalized: Finalized,
) -> None:
    f = finalized
    db, board = f.board.db, f.board
    first = get_follow_up_board(db, board.coordinator, f.case_id).scheduled[0]
    assert case_status(db, f.case_id) is CaseStatus.PLAN_FINALIZED
    pain, omed, expected = RESPONSES[0]
    fb = record_follow_up(
        db,
        board.palliative,
        f.case_id,
        _entry(
            pain_score=pain,
            omed_mg=omed,
            ecog=1,
            karnofsky=80,
            frankel="e",
            treatment_started_at=utcnow(),
        ),
        scheduled_id=first.id,
        expected_version=first.version,
    )
    (entry,) = fb.entries
    assert entry.id == first.id and entry.status is FollowUpStatus.DONE
    assert entry.done_on == _today() and entry.due_on == first.due_on
    assert entry.pain_response is expected
    assert entry.pain_response_text.startswith(expected.label)
    assert entry.baseline_pain == 8 and entry.baseline_omed_mg == 60
    assert entry.frankel == "E" and entry.recorded_by == "Dr Comfort"
    assert len(fb.scheduled) == 2
    assert case_status(db, f.case_id) is CaseStatus.IN_FOLLOW_UP
    (event,) = events(db, "follow_up.record")
    assert event.after is not None and event.after["pain_response"] == expected.value
    # The other categories, on unscheduled contacts against the same baseline.
    for pain, omed, expected in RESPONSES[1:]:
        fb = record_follow_up(
            db, board.palliative, f.case_id, _entry(pain_score=pain, omed_mg=omed)
        )
        latest = max(fb.entries, key=lambda e: e.id)
        assert latest.pain_response is expected, (pain, omed)
    # Missing values: no response, and the text says what is missing.
    fb = record_follow_up(db, board.palliative, f.case_id, _entry(pain_score=3))
    latest = max(fb.entries, key=lambda e: e.id)
    assert latest.pain_response is None
    assert latest.pain_response_text == "incomplete: missing opioid dose at this contact"


def test_no_pain_response_before_radiation_has_started(finalized: Finalized) -> None:
    f = finalized
    db, board = f.board.db, f.board
    # No start recorded yet: not yet assessable, nothing stored.
    fb = record_follow_up(db, board.palliative, f.case_id, _entry(pain_score=0, omed_mg=60))
    (early,) = fb.entries
    assert early.pain_response is None
    assert early.pain_response_text == "not yet assessable: radiation not started"
    (event,) = events(db, "follow_up.record")
    assert event.after is not None and event.after["pain_response"] is None
    # A contact that records the start is assessed, and so are the contacts after it.
    fb = record_follow_up(
        db,
        board.palliative,
        f.case_id,
        _entry(pain_score=5, omed_mg=60, treatment_started_at=utcnow()),
    )
    started = max(fb.entries, key=lambda e: e.id)
    assert started.pain_response is PainResponse.PARTIAL
    fb = record_follow_up(db, board.palliative, f.case_id, _entry(pain_score=0, omed_mg=60))
    assert max(fb.entries, key=lambda e: e.id).pain_response is PainResponse.COMPLETE


def test_a_deviation_needs_a_reason_and_nothing_is_written(finalized: Finalized) -> None:
    f = finalized
    db = f.board.db
    before = events(db)
    with pytest.raises(ValidationError) as caught:
        record_follow_up(
            db,
            f.board.oncologist,
            f.case_id,
            _entry(adherence=Adherence.MODIFIED, treatment_given="cEBRT 20 Gy / 5"),
        )
    assert caught.value.field == "deviation_reason"
    assert _follow_up_rows(f) == 3
    assert len(events(db)) == len(before)
    assert case_status(db, f.case_id) is CaseStatus.PLAN_FINALIZED
    fb = record_follow_up(
        db,
        f.board.oncologist,
        f.case_id,
        _entry(
            adherence=Adherence.MODIFIED,
            treatment_given="cEBRT 20 Gy / 5",
            deviation_reason="  Long travel: fewer visits wanted ",
            treatment_started_at=utcnow(),  # not earlier: after midnight that is the day before
        ),
    )
    (entry,) = fb.entries
    assert entry.deviation_reason == "Long travel: fewer visits wanted"
    assert entry.plan_number == 1 and entry.due_on == _today()
    assert any(e.kind == "treatment" for e in fb.timeline)
    assert _follow_up_rows(f) == 4


def test_rediscussion_goes_on_the_next_scheduled_meeting(board: Board) -> None:
    f = finalized_case(board)
    db = board.db
    later = board.meeting(days=10)
    fb = record_follow_up(
        db,
        board.surgeon,
        f.case_id,
        _entry(rediscussion_requested=True, rediscussion_reason="New weakness, MRI"),
    )
    assert fb.rediscussion_requested_at is not None
    assert fb.rediscussion_reason == "New weakness, MRI"
    assert [i.case_id for i in board.reload(later.id).agenda] == [f.case_id]
    (event,) = events(db, "case.rediscussion_request")
    assert event.after == {"reason": "New weakness, MRI", "meeting_id": later.id}
    with pytest.raises(ValidationError) as caught:
        record_follow_up(db, board.surgeon, f.case_id, _entry(rediscussion_requested=True))
    assert caught.value.field == "rediscussion_reason"


def test_rediscussion_without_a_meeting_waits_for_the_next_agenda(board: Board) -> None:
    f = finalized_case(board)
    db = board.db
    record_follow_up(
        db,
        board.surgeon,
        f.case_id,
        _entry(rediscussion_requested=True, rediscussion_reason="Progression on CT"),
    )
    (event,) = events(db, "case.rediscussion_request")
    assert event.after is not None and event.after["meeting_id"] is None
    meeting = board.meeting(days=14)
    candidates = agenda_candidates(db, board.coordinator, meeting.id)
    assert [(c.case_id, c.rediscussion) for c in candidates] == [(f.case_id, True)]
    built = build_agenda(db, board.coordinator, meeting.id)
    assert [i.case_id for i in built.agenda] == [f.case_id]


def test_finalizing_an_amendment_clears_the_request(board: Board) -> None:
    f = finalized_case(board)
    db = board.db
    record_follow_up(
        db,
        board.surgeon,
        f.case_id,
        _entry(rediscussion_requested=True, rediscussion_reason="Progression on CT"),
    )
    draft = amend_plan(db, board.oncologist, f.plan.id, "Progression on CT", f.meeting_id)
    draft = sign_plan(db, board.radiotherapist, draft.id, draft.version)
    draft = sign_plan(db, board.surgeon, draft.id, draft.version)
    finalize_plan(db, board.surgeon, draft.id, draft.version)
    fb = get_follow_up_board(db, board.coordinator, f.case_id)
    assert fb.rediscussion_requested_at is None and fb.rediscussion_reason is None
    assert fb.plan_number == 2
    assert len(events(db, "case.rediscussion_done")) == 1
    # The schedule of version 2 replaced the open follow-ups of version 1.
    assert {v.plan_number for v in fb.scheduled if v.status is FollowUpStatus.SCHEDULED} == {2}


def test_death_closes_the_schedule_and_further_records(finalized: Finalized) -> None:
    f = finalized
    db = f.board.db
    # A re-discussion put the case on the next meeting; the death takes it off again.
    later = f.board.meeting(days=10)
    record_follow_up(
        db,
        f.board.surgeon,
        f.case_id,
        _entry(rediscussion_requested=True, rediscussion_reason="New weakness"),
    )
    assert [i.case_id for i in f.board.reload(later.id).agenda] == [f.case_id]
    died = _today()
    fb = record_follow_up(db, f.board.oncologist, f.case_id, _entry(died_on=died))
    assert f.board.reload(later.id).agenda == ()
    assert fb.rediscussion_requested_at is None
    (removed,) = events(db, "agenda.remove")
    assert removed.detail == "The patient died."
    assert fb.died_on == died and not fb.can_record
    assert fb.cannot_record_reason is not None and died.isoformat() in fb.cannot_record_reason
    assert {v.status for v in fb.scheduled} == {FollowUpStatus.CANCELLED}
    assert any(e.kind == "death" and e.on == died for e in fb.timeline)
    with db.read() as session:
        case = session.get(Case, f.case_id)
        assert case is not None and case.died_on == died
    (event,) = events(db, "case.death")
    assert event.after is not None and len(event.after["cancelled_follow_up_ids"]) == 3
    assert event.after["removed_from_meeting_ids"] == [later.id]
    with pytest.raises(InvalidStateError, match="death"):
        record_follow_up(db, f.board.oncologist, f.case_id, _entry(pain_score=2))
    with pytest.raises(ValidationError) as caught:
        correct_follow_up(db, f.board.oncologist, fb.entries[0].id, fb.entries[0].version, _entry())
    assert caught.value.field == "died_on"


def test_a_correction_on_a_stale_copy_is_refused(finalized: Finalized) -> None:
    f = finalized
    db = f.board.db
    fb = record_follow_up(
        db,
        f.board.oncologist,
        f.case_id,
        _entry(pain_score=7, omed_mg=60, treatment_started_at=utcnow()),
    )
    (entry,) = fb.entries
    fb = correct_follow_up(
        db, f.board.oncologist, entry.id, entry.version, replace(entry.to_input(), pain_score=4)
    )
    (fixed,) = fb.entries
    assert fixed.pain_score == 4 and fixed.pain_response is PainResponse.PARTIAL
    (event,) = events(db, "follow_up.correct")
    assert event.before == {"pain_score": 7, "pain_response": "indeterminate"}
    with pytest.raises(ConflictError):
        correct_follow_up(db, f.board.surgeon, entry.id, entry.version, entry.to_input())


def test_marking_missed_needs_a_reason(finalized: Finalized) -> None:
    f = finalized
    db = f.board.db
    first = get_follow_up_board(db, f.board.coordinator, f.case_id).scheduled[0]
    with pytest.raises(ValidationError) as caught:
        set_follow_up_status(
            db, f.board.coordinator, first.id, first.version, FollowUpStatus.MISSED, " "
        )
    assert caught.value.field == "reason"
    with pytest.raises(ValidationError):
        set_follow_up_status(
            db, f.board.coordinator, first.id, first.version, FollowUpStatus.DONE, "x"
        )
    fb = set_follow_up_status(
        db, f.board.coordinator, first.id, first.version, FollowUpStatus.MISSED, "Did not attend"
    )
    missed = next(v for v in fb.scheduled if v.id == first.id)
    assert missed.status is FollowUpStatus.MISSED and missed.notes == "Did not attend"
    (event,) = events(db, "follow_up.missed")
    assert event.detail == "Did not attend"
    with pytest.raises(InvalidStateError):
        record_follow_up(db, f.board.coordinator, f.case_id, _entry(), scheduled_id=first.id)


def test_without_radiation_the_pain_response_is_not_applicable(board: Board) -> None:
    f = finalized_case(board, radiation=False)
    fb = record_follow_up(board.db, board.palliative, f.case_id, _entry(pain_score=0, omed_mg=0))
    (entry,) = fb.entries
    assert not fb.plan_has_radiation
    assert entry.pain_response is None and entry.baseline_pain is None
    assert entry.pain_response_text.startswith("not applicable")


def test_a_case_without_finalized_plan_cannot_record(board: Board) -> None:
    case_id = board.case()
    fb = get_follow_up_board(board.db, board.coordinator, case_id)
    assert not fb.can_record and fb.scheduled == ()
    assert fb.cannot_record_reason is not None
    assert fb.cannot_record_reason.startswith("Follow-up starts once the board's plan")
    with pytest.raises(InvalidStateError):
        record_follow_up(board.db, board.coordinator, case_id, _entry())


def test_an_entry_keeps_its_response_when_an_amendment_drops_radiation(board: Board) -> None:
    f = finalized_case(board)
    db = board.db
    record_follow_up(
        db,
        board.palliative,
        f.case_id,
        _entry(pain_score=0, omed_mg=60, treatment_started_at=utcnow()),
    )
    draft = amend_plan(db, board.oncologist, f.plan.id, "Radiation not tolerated", f.meeting_id)
    radiation = next(i for i in draft.items if i.component is PlanComponent.RADIATION)
    draft = remove_plan_item(db, board.coordinator, draft.id, draft.version, radiation.id)
    draft = add_plan_item(db, board.coordinator, draft.id, draft.version, STRETCHING)
    draft = update_plan_header(
        db,
        board.coordinator,
        draft.id,
        draft.version,
        PlanHeaderInput(PlanIntent.PALLIATIVE, "Physiotherapy", "Radiation not tolerated"),
    )
    draft = sign_plan(db, board.radiotherapist, draft.id, draft.version)
    draft = sign_plan(db, board.surgeon, draft.id, draft.version)
    finalize_plan(db, board.surgeon, draft.id, draft.version)
    fb = get_follow_up_board(db, board.coordinator, f.case_id)
    assert not fb.plan_has_radiation
    (entry,) = fb.entries
    # Recorded under the radiation plan: the stored response and its text agree.
    assert entry.pain_response is PainResponse.COMPLETE
    assert entry.pain_response_text.startswith("complete response")
