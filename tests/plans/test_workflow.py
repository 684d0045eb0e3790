"""The case workflow: steps cannot be skipped; every illegal transition is refused."""

from __future__ import annotations

import itertools

import pytest

from board.cases.enums import CaseStatus
from board.cases.service import get_case
from board.cases.workflow import (
    ORDER,
    TRANSITIONS,
    can_transition,
    check_transition,
    next_step,
    set_case_status,
)
from board.db.models import Case
from board.errors import ConflictError, InvalidStateError, ValidationError
from tests.meetings.helpers import Board, case_status, events

ALLOWED = {
    (CaseStatus.PREPARING, CaseStatus.READY),
    (CaseStatus.READY, CaseStatus.PREPARING),
    (CaseStatus.READY, CaseStatus.DISCUSSED),
    (CaseStatus.DISCUSSED, CaseStatus.PLAN_FINALIZED),
    (CaseStatus.PLAN_FINALIZED, CaseStatus.IN_FOLLOW_UP),
    (CaseStatus.IN_FOLLOW_UP, CaseStatus.CLOSED),
}
ALL_PAIRS = list(itertools.product(CaseStatus, CaseStatus))


def test_order_covers_every_status() -> None:
    assert set(ORDER) == set(CaseStatus) and len(ORDER) == len(CaseStatus)
    assert [next_step(s) for s in ORDER] == [*ORDER[1:], None]
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == ALLOWED


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED))
def test_allowed_transitions(current: CaseStatus, target: CaseStatus) -> None:
    assert can_transition(current, target)
    check_transition(current, target)


@pytest.mark.parametrize(("current", "target"), [pair for pair in ALL_PAIRS if pair not in ALLOWED])
def test_every_illegal_transition_is_refused(current: CaseStatus, target: CaseStatus) -> None:
    assert not can_transition(current, target)
    with pytest.raises(InvalidStateError) as caught:
        check_transition(current, target)
    message = str(caught.value)
    if current is target:
        assert "already" in message
    elif current is CaseStatus.CLOSED:
        assert "closed" in message
    else:
        assert "cannot be skipped" in message
        assert str(next_step(current).label) in message  # type: ignore[union-attr]


def test_the_service_refuses_every_illegal_transition_and_changes_nothing(board: Board) -> None:
    case_id = board.case(ready=False)
    before = len(events(board.db, "case.status"))
    refused = 0
    for current, target in ALL_PAIRS:
        if (current, target) in ALLOWED:
            continue
        with board.db.write() as session:
            case = session.get(Case, case_id)
            assert case is not None
            case.status = current
        with pytest.raises((InvalidStateError, ValidationError)):
            set_case_status(board.db, board.coordinator, case_id, target, reason="trying")
        assert case_status(board.db, case_id) is current
        refused += 1
    assert refused == len(ALL_PAIRS) - len(ALLOWED)
    assert len(events(board.db, "case.status")) == before


@pytest.mark.parametrize("target", [CaseStatus.DISCUSSED, CaseStatus.PLAN_FINALIZED])
def test_board_steps_are_not_set_by_hand(board: Board, target: CaseStatus) -> None:
    case_id = board.case()
    with pytest.raises(InvalidStateError, match="set by the board"):
        set_case_status(board.db, board.coordinator, case_id, target)


def test_marking_ready_needs_a_reason_while_input_is_missing(board: Board) -> None:
    case_id = board.case(ready=False)
    assert not get_case(board.db, board.coordinator, case_id).readiness.ready
    with pytest.raises(ValidationError, match="not ready yet") as caught:
        set_case_status(board.db, board.coordinator, case_id, CaseStatus.READY)
    assert caught.value.field == "reason"
    assert case_status(board.db, case_id) is CaseStatus.PREPARING

    set_case_status(
        board.db, board.surgeon, case_id, CaseStatus.READY, reason="urgent: cord compression"
    )
    assert case_status(board.db, case_id) is CaseStatus.READY
    event = events(board.db, "case.status")[-1]
    assert event.before == {"status": "preparing"} and event.after == {"status": "ready"}
    assert event.detail == "urgent: cord compression"
    assert event.actor_name == "Dr Spine"


def test_follow_up_and_closing_and_locking(board: Board) -> None:
    case_id = board.case()
    with board.db.write() as session:
        case = session.get(Case, case_id)
        assert case is not None
        case.status = CaseStatus.PLAN_FINALIZED
    version = get_case(board.db, board.coordinator, case_id).version
    set_case_status(
        board.db, board.coordinator, case_id, CaseStatus.IN_FOLLOW_UP, expected_version=version
    )
    with pytest.raises(ConflictError, match="Cora Coordinator"):
        set_case_status(board.db, board.admin, case_id, CaseStatus.CLOSED, expected_version=version)
    set_case_status(board.db, board.coordinator, case_id, CaseStatus.CLOSED)
    with board.db.read() as session:
        case = session.get(Case, case_id)
        assert case is not None
        assert case.status is CaseStatus.CLOSED and case.closed_at is not None
