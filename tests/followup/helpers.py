"""Taking a case to a finalized plan through the real services, for follow-up tests."""

from __future__ import annotations

from dataclasses import dataclass

from board.auth.roles import Role
from board.cases.specialist_input import save_assessment
from board.plans.drafting import add_plan_item, start_plan, update_plan_header
from board.plans.enums import PlanComponent, PlanIntent
from board.plans.lifecycle import finalize_plan, sign_plan
from board.plans.views import PlanHeaderInput, PlanItemInput, PlanVersionView
from tests.meetings.helpers import Board, at_running_meeting

CEBRT = PlanItemInput(PlanComponent.RADIATION, "cebrt", {"dose_gy": 8, "fractions": 1})
STRETCHING = PlanItemInput(PlanComponent.PHYSIOTHERAPY, "stretching", {"goals": "keep mobile"})
VISITS = PlanItemInput(PlanComponent.FOLLOW_UP, "visit", {"interval_weeks": 6, "occurrences": 3})


@dataclass(frozen=True)
class Finalized:
    """A case with a finalized plan."""

    board: Board
    case_id: int
    plan: PlanVersionView
    meeting_id: int


def finalized_case(
    board: Board,
    *,
    radiation: bool = True,
    pain: int | None = 8,
    omed: float | None = 60,
    meeting_days: int = 3,
) -> Finalized:
    """A ready case discussed at a running meeting and given a finalized plan.

    The plan holds cEBRT 8 Gy (unless ``radiation`` is False: physiotherapy, with a
    reason for departing from NOMS) and a clinic visit every 6 weeks, 3 times. The pain
    assessment (``pain``/``omed``) is saved before finalizing, so it is the baseline.
    """
    db = board.db
    case_id, meeting = at_running_meeting(board, days=meeting_days)
    save_assessment(
        db,
        board.palliative,
        case_id,
        Role.PAIN_PALLIATIVE,
        {"nrs": pain, "opioid_ome_mg": omed},
        0,
    )
    plan = start_plan(db, board.coordinator, case_id, meeting.id)
    header = (
        PlanHeaderInput(PlanIntent.PALLIATIVE, "RT")
        if radiation
        else PlanHeaderInput(PlanIntent.PALLIATIVE, "Physiotherapy", "Patient declines RT")
    )
    plan = update_plan_header(db, board.coordinator, plan.id, plan.version, header)
    for item in (CEBRT if radiation else STRETCHING, VISITS):
        plan = add_plan_item(db, board.coordinator, plan.id, plan.version, item)
    plan = sign_plan(db, board.radiotherapist, plan.id, plan.version)
    plan = sign_plan(db, board.surgeon, plan.id, plan.version)
    plan = finalize_plan(db, board.surgeon, plan.id, plan.version)
    return Finalized(board, case_id, plan, meeting.id)
