"""Finalizing a plan reads the case once: one derivation of the scores feeds the safety
checks, the NOMS snapshot, the follow-up baseline and the stored report."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import pytest
from markupsafe import escape

from board.assessments import derive
from board.assessments.derive import CaseScores, DerivationInput
from board.auth.roles import Role
from board.cases.read_model import load_case_read_model
from board.cases.specialist_input import save_assessment
from board.db.models import PlanVersion
from board.plans.drafting import add_plan_item, start_plan, update_plan_header
from board.plans.enums import PlanComponent, PlanIntent
from board.plans.lifecycle import finalize_plan, sign_plan
from board.plans.views import PlanHeaderInput, PlanItemInput, PlanVersionView
from board.reports.builder import load_report
from board.reports.html import render_html
from tests.meetings.helpers import Board, at_running_meeting

CEBRT = PlanItemInput(PlanComponent.RADIATION, "cebrt", {"dose_gy": 8, "fractions": 1})


def _signed_plan(board: Board) -> PlanVersionView:
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


@pytest.fixture
def derivations(monkeypatch: pytest.MonkeyPatch) -> list[DerivationInput]:
    """Count every call of ``derive_scores``, wherever a board module imported it."""
    calls: list[DerivationInput] = []
    original: Callable[[DerivationInput], CaseScores] = derive.derive_scores

    def counting(inp: DerivationInput) -> CaseScores:
        calls.append(inp)
        return original(inp)

    patched = 0
    for name, module in list(sys.modules.items()):
        if name.startswith("board") and getattr(module, "derive_scores", None) is original:
            monkeypatch.setattr(module, "derive_scores", counting)
            patched += 1
    # At least the module that defines it and the read model that calls it.
    assert patched >= 2
    return calls


def test_finalize_derives_the_scores_once(board: Board, derivations: list[Any]) -> None:
    plan = _signed_plan(board)
    derivations.clear()
    final = finalize_plan(board.db, board.surgeon, plan.id, plan.version)
    assert final.status.value == "finalized"
    assert len(derivations) == 1


def test_the_stored_report_shows_the_live_scores(board: Board) -> None:
    plan = _signed_plan(board)
    finalize_plan(board.db, board.surgeon, plan.id, plan.version)
    with board.db.read() as session:
        stored = session.get(PlanVersion, plan.id)
        assert stored is not None and stored.report_html and stored.baseline
        case = load_case_read_model(session, plan.case_id)
        live = load_report(session, plan.case_id, plan_id=plan.id, generated_at=stored.finalized_at)
        html, baseline = stored.report_html, dict(stored.baseline)
    # The live read model: performance from the oncologist's form, complete Tokuhashi.
    assert case.performance.startswith("ECOG 1") and "Karnofsky 80%" in case.performance
    tokuhashi = case.scores.get("tokuhashi")
    assert tokuhashi.complete
    assert baseline["ecog"] == 1 and baseline["karnofsky"] == 80
    assert baseline["tokuhashi_total"] == int(tokuhashi.value)
    # Every score line of the stored report is the live one, and the whole report renders
    # the same from the live read model.
    for name, value, category, components, source in live.score_table():
        row = f"<tr><td>{escape(name)}</td><td>{escape(value)}</td><td>{escape(category or '-')}"
        assert row in html, row
        for line in (*components, source):
            assert str(escape(line)) in html, line
    assert [s.key for s in live.scores] == ["sins", "escc", "noms", "tokuhashi", "tomita", "nesms"]
    # Nothing the report shows changed after the report was stored (the plan schedules
    # no follow-up), so the live report renders to the stored bytes.
    assert live.follow_ups == ()
    assert render_html(live) == html
