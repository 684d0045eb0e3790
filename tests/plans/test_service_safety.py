"""The plan services apply the radiotherapy and safety rules of issue 14 to a real case:
plausibility on adding an item, BED/EQD2 lines, and prompts from the case's facts."""

from __future__ import annotations

from typing import Any

import pytest

from board.auth.roles import Role
from board.cases.specialist_input import save_assessment
from board.errors import ValidationError
from board.meetings.service import add_to_agenda, record_attendance
from board.plans.drafting import acknowledge_prompt, add_plan_item, start_plan
from board.plans.enums import PlanComponent
from board.plans.plan_board import PlanBoard, get_plan_board
from board.plans.rules import warning_key
from board.plans.views import PlanItemInput
from board.reports.service import get_report
from board.scoring.safety import Severity
from tests.meetings.helpers import Board, set_findings

CEBRT = PlanItemInput(PlanComponent.RADIATION, "cebrt", {"dose_gy": 8, "fractions": 1})
CEMENT = PlanItemInput(
    PlanComponent.SURGERY,
    "vertebroplasty_kyphoplasty",
    {"levels": "T7", "approach": "percutaneous"},
)


def _plan_for(board: Board, *, escc: str = "1a", **case: Any) -> tuple[int, Any]:
    """A ready case on the agenda of a running meeting, with a started plan."""
    case_id = board.case(**case)
    set_findings(
        board.db, case_id, lesion_type="blastic", collapse="none", alignment="normal",
        posterolateral="none", escc=escc, pain="occasional",
    )  # fmt: skip
    meeting = board.meeting(start=True)
    add_to_agenda(board.db, board.coordinator, meeting.id, case_id)
    for actor in (board.surgeon, board.radiotherapist, board.oncologist):
        record_attendance(board.db, board.coordinator, meeting.id, actor.user_id or 0)
    return case_id, start_plan(board.db, board.coordinator, case_id, meeting.id)


def _add(board: Board, plan: Any, item: PlanItemInput) -> Any:
    return add_plan_item(board.db, board.coordinator, plan.id, plan.version, item)


def _prompts(board: Board, case_id: int) -> dict[str, Any]:
    found: PlanBoard = get_plan_board(board.db, board.coordinator, case_id)
    return {p.code: p for p in found.prompts}


@pytest.mark.parametrize(
    ("option", "dose", "fractions", "message"),
    [
        ("cebrt", 80, 1, "between 4-50 Gy, not 80"),
        ("cebrt", 30, 2, "per fraction"),  # 15 Gy per fraction: above 10
        ("sbrt", 30, 10, "between 1-5, not 10"),  # SBRT 1-5 fractions
    ],
)
def test_implausible_courses_are_refused_with_the_range(
    board: Board, option: str, dose: float, fractions: int, message: str
) -> None:
    _, plan = _plan_for(board)
    item = PlanItemInput(PlanComponent.RADIATION, option, {"dose_gy": dose, "fractions": fractions})
    with pytest.raises(ValidationError, match=message):
        _add(board, plan, item)


def test_a_radiation_item_shows_its_bed_and_eqd2(board: Board) -> None:
    case_id, plan = _plan_for(board)
    _add(board, plan, CEBRT)
    (line,) = get_plan_board(board.db, board.coordinator, case_id).dose_lines
    assert "8 Gy in 1 fraction" in line and "standard regimen" in line
    assert "BED 14.4 Gy, EQD2 12 Gy at alpha/beta 10" in line
    assert "alpha/beta 2" in line


def test_steroid_prompt_for_a_case_with_neurology(board: Board) -> None:
    case_id, plan = _plan_for(board, weakness=True, primary_site="breast")
    prompt = _prompts(board, case_id)["dexamethasone-mscc"]
    assert prompt.severity is Severity.WARNING and "dexamethasone 16 mg" in prompt.text
    assert "NG234" in prompt.source
    # Acknowledged, the prompt is stored with its source for the report.
    acknowledge_prompt(board.db, board.coordinator, plan.id, plan.version, warning_key(prompt))
    report = get_report(board.db, board.coordinator, case_id)
    (row,) = [p for p in report.safety_prompts if "dexamethasone" in p.text]
    assert row.acknowledged and "NG234" in row.line


def test_no_steroid_prompt_without_neurology(board: Board) -> None:
    absent = dict.fromkeys(
        ("weakness", "numbness", "gait_disturbance", "bladder_bowel_dysfunction",
         "radicular_pain", "reflex_change"),
        False,
    )  # fmt: skip
    case_id, _ = _plan_for(board, **absent)
    assert "dexamethasone-mscc" not in _prompts(board, case_id)


def test_bleeding_prompt_for_cement_with_anticoagulation(board: Board) -> None:
    case_id, plan = _plan_for(board)
    save_assessment(
        board.db, board.oncologist, case_id, Role.MEDICAL_ONCOLOGIST, {"anticoagulation": True}, 0
    )
    _add(board, plan, CEMENT)
    prompts = _prompts(board, case_id)
    bleeding = [p for code, p in prompts.items() if code.startswith("bleeding-")]
    assert bleeding and bleeding[0].severity is Severity.WARNING
    assert "anticoagulation" in bleeding[0].text and bleeding[0].source


@pytest.mark.parametrize(("escc", "severity"), [("2", Severity.WARNING), ("3", Severity.WARNING)])
def test_cement_leakage_prompt_with_high_grade_escc(
    board: Board, escc: str, severity: Severity
) -> None:
    case_id, plan = _plan_for(board, escc=escc)
    _add(board, plan, CEMENT)
    leakage = _prompts(board, case_id)["cement-leakage"]
    assert leakage.severity is severity and "ESCC 2-3" in leakage.text


def test_cement_with_low_grade_escc_only_checks_the_posterior_wall(board: Board) -> None:
    case_id, plan = _plan_for(board, escc="1a")
    _add(board, plan, CEMENT)
    leakage = _prompts(board, case_id)["cement-leakage"]
    assert leakage.severity is Severity.CHECK and "posterior wall" in leakage.text
