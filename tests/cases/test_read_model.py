"""The case read model: one read of a case for the case page, presenter, plan and report."""

from __future__ import annotations

import pytest

from board.auth.roles import Role
from board.cases.read_model import BIOPSY_PENDING, load_case_read_model
from board.cases.service import add_note, get_case
from board.cases.specialist_input import save_assessment
from board.db.models import Biopsy
from board.errors import NotFoundError
from board.pathology.enums import BiopsyKind, BiopsyStatus
from board.plans.drafting import add_plan_item, start_plan
from board.plans.enums import PlanComponent
from board.plans.plan_board import get_plan_board
from board.plans.views import PlanItemInput
from board.scoring.safety import Severity
from tests.meetings.helpers import Board, at_running_meeting

NSAID = PlanItemInput(PlanComponent.PAIN, "analgesic_ladder", {"step": "1", "drugs": ["nsaid"]})


def test_safety_flags_come_from_the_oncologists_typed_form(board: Board) -> None:
    case_id, meeting = at_running_meeting(board)
    flags = get_case(board.db, board.coordinator, case_id).safety_flags
    assert flags.spinal_metastasis is True
    assert (flags.thrombocytopenia, flags.renal_impairment, flags.anticoagulation) == (
        None,
        None,
        None,
    )
    save_assessment(
        board.db,
        board.oncologist,
        case_id,
        Role.MEDICAL_ONCOLOGIST,
        {"thrombocytopenia": True, "renal_impairment": False, "anticoagulation": "unknown"},
        0,
    )
    flags = get_case(board.db, board.coordinator, case_id).safety_flags
    assert (flags.thrombocytopenia, flags.renal_impairment, flags.anticoagulation) == (
        True,
        False,
        None,
    )
    # The plan's safety prompt reads the same flags: NSAIDs with thrombocytopenia warn.
    plan = start_plan(board.db, board.coordinator, case_id, meeting.id)
    add_plan_item(board.db, board.coordinator, plan.id, plan.version, NSAID)
    (prompt,) = get_plan_board(board.db, board.coordinator, case_id).prompts
    assert prompt.severity is Severity.WARNING and "thrombocytopenia" in prompt.text


def test_histology_is_the_final_biopsys_else_the_referrals_else_pending(board: Board) -> None:
    case_id = board.case(ready=False, histology=None)
    with board.db.read() as session:
        case = load_case_read_model(session, case_id)
    assert case.histology is None and case.current_histology is None
    with board.db.write() as session:
        session.add(Biopsy(case_id=case_id, kind=BiopsyKind.CORE_NEEDLE))
    with board.db.read() as session:
        case = load_case_read_model(session, case_id)
    assert case.current_histology == BIOPSY_PENDING
    with board.db.write() as session:
        session.add(
            Biopsy(
                case_id=case_id,
                kind=BiopsyKind.OPEN,
                status=BiopsyStatus.FINAL,
                histology="Renal cell carcinoma",
            )
        )
    case = get_case(board.db, board.coordinator, case_id)
    assert case.current_histology == "Renal cell carcinoma"
    assert case.histology is None  # the referral's field, as the case form edits it
    assert case.as_input().histology is None


def test_role_inputs_scores_and_lines_come_from_the_typed_forms(board: Board) -> None:
    case_id = board.case(ready=False, pain_score=6, pain_character="mechanical")
    save_assessment(
        board.db,
        board.surgeon,
        case_id,
        Role.SPINE_SURGEON,
        {"frankel": "D", "asia": "D", "mechanical_pain": True},
        0,
        submit=True,
    )
    save_assessment(board.db, board.oncologist, case_id, Role.MEDICAL_ONCOLOGIST, {"ecog": "2"}, 0)
    add_note(board.db, board.surgeon, case_id, "Stable on review.")
    case = get_case(board.db, board.coordinator, case_id)
    inputs = {r.role: r for r in case.role_inputs}
    surgeon = inputs[Role.SPINE_SURGEON]
    assert surgeon.submitted
    assert surgeon.summary == (
        "Frankel grade D; ASIA impairment scale D; Mechanical pain yes. Note: Stable on review."
    )
    assert not inputs[Role.MEDICAL_ONCOLOGIST].submitted
    assert inputs[Role.PHYSIOTHERAPIST].summary == "no input yet"
    assert case.pain == "6/10, mechanical"
    assert case.performance.startswith("ECOG 2 (")
    assert case.neurology.startswith("Frankel D (")  # ASIA D is the same letter: not repeated
    assert case.scores.frankel is not None and case.scores.frankel.value == "D"
    sins = case.scores.get("sins")
    assert sins.components and all(line.startswith("T") for line in sins.components)
    assert case.scores.get("tokuhashi").short_name == "Tokuhashi"


def test_a_missing_case_is_not_found(board: Board) -> None:
    with board.db.read() as session, pytest.raises(NotFoundError):
        load_case_read_model(session, 9999)


def test_safety_flags_for_the_plans_new_prompts(board: Board) -> None:
    """Neurology, lymphoma, tissue diagnosis, SINS, ESCC and prior radiation are read from
    the case, its biopsies, the derived scores and the radiation oncologist's form."""
    case_id = board.case(
        ready=False, primary_site="lymphoma", histology=None, weakness=True, levels=("T8",)
    )
    flags = get_case(board.db, board.coordinator, case_id).safety_flags
    assert flags.new_neurology is True
    assert flags.lymphoma_suspected is True and flags.tissue_diagnosis is False
    assert flags.sins_total is None and flags.high_grade_escc is None
    assert flags.prior_radiation is None and flags.planned_surgery is None
    full = {"level": "T8", "lesion_type": "lytic", "collapse": "gt50", "alignment": "normal",
            "posterolateral": "bilateral", "escc": "2", "pain": "mechanical"}  # fmt: skip
    save_assessment(board.db, board.radiologist, case_id, Role.RADIOLOGIST, {"lesions": [full]}, 0)
    save_assessment(
        board.db, board.surgeon, case_id, Role.SPINE_SURGEON, {"mechanical_pain": True}, 0
    )
    save_assessment(
        board.db,
        board.radiotherapist,
        case_id,
        Role.RADIATION_ONCOLOGIST,
        {"prior_radiation": True, "prior_radiation_details": "20 Gy in 5, 2023"},
        0,
    )
    with board.db.write() as session:
        session.add(
            Biopsy(
                case_id=case_id,
                kind=BiopsyKind.CORE_NEEDLE,
                status=BiopsyStatus.FINAL,
                histology="Diffuse large B-cell lymphoma",
            )
        )
    flags = get_case(board.db, board.coordinator, case_id).safety_flags
    assert flags.tissue_diagnosis is True and flags.lymphoma_suspected is True
    assert flags.high_grade_escc is True
    # T8 rigid 1 + mechanical 3 + lytic 2 + normal 0 + >50% collapse 3 + bilateral 3 = 12;
    # the spine is suspected unstable through the new neurology.
    assert flags.sins_total == 12 and flags.unstable_spine is True
    assert flags.prior_radiation is True
    assert flags.prior_radiation_details == "20 Gy in 5, 2023"


def test_no_neurology_when_every_symptom_is_recorded_absent(board: Board) -> None:
    absent = dict.fromkeys(
        ("weakness", "numbness", "gait_disturbance", "bladder_bowel_dysfunction",
         "radicular_pain", "reflex_change"),
        False,
    )  # fmt: skip
    case_id = board.case(ready=False, primary_site="breast", **absent)
    flags = get_case(board.db, board.coordinator, case_id).safety_flags
    assert flags.new_neurology is False and flags.lymphoma_suspected is False
