"""Set-up for plan tests: a signed plan ready to finalize."""

from __future__ import annotations

from board.auth.roles import Role
from board.cases.specialist_input import save_assessment
from board.plans.drafting import add_plan_item, start_plan, update_plan_header
from board.plans.enums import PlanComponent, PlanIntent
from board.plans.lifecycle import sign_plan
from board.plans.views import PlanHeaderInput, PlanItemInput, PlanVersionView
from tests.meetings.helpers import Board, at_running_meeting

CEBRT = PlanItemInput(PlanComponent.RADIATION, "cebrt", {"dose_gy": 8, "fractions": 1})


def signed_plan(board: Board) -> PlanVersionView:
    """A signed palliative cEBRT plan of a case with the oncologist's and surgeon's input."""
    case_id, meeting = at_running_meeting(board)
    save_assessment(
        board.db,
        board.oncologist,
        case_id,
        Role.MEDICAL_ONCOLOGIST,
        {
            "primary_site": "breast",
            "ecog": "1",
            "karnofsky": 80,
            "visceral_metastases": "none",
            "extraspinal_bone_foci": 0,
        },
        0,
        submit=True,
    )
    save_assessment(
        board.db,
        board.surgeon,
        case_id,
        Role.SPINE_SURGEON,
        {"frankel": "E", "myelopathy": False, "mechanical_pain": False},
        0,
        submit=True,
    )
    db, coordinator = board.db, board.coordinator
    plan = start_plan(db, coordinator, case_id, meeting.id)
    plan = update_plan_header(
        db, coordinator, plan.id, plan.version, PlanHeaderInput(PlanIntent.PALLIATIVE, "RT")
    )
    plan = add_plan_item(db, coordinator, plan.id, plan.version, CEBRT)
    plan = sign_plan(db, board.radiotherapist, plan.id, plan.version)
    return sign_plan(db, board.surgeon, plan.id, plan.version)
