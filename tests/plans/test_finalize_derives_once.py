"""Finalizing a plan reads the case once: one derivation of the scores feeds the safety
checks, the NOMS snapshot, the follow-up baseline and the kept report (the files are
rendered from that kept report after the commit, without reading the case again)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import pytest
from markupsafe import escape

from board.assessments import derive
from board.assessments.derive import CaseScores, DerivationInput
from board.cases.read_model import load_case_read_model
from board.db.models import PlanVersion
from board.plans.enums import PlanComponent
from board.plans.lifecycle import finalize_plan
from board.plans.views import PlanItemInput
from board.reports.builder import load_report
from board.reports.html import render_html
from tests.meetings.helpers import Board
from tests.plans.helpers import signed_plan

CEBRT = PlanItemInput(PlanComponent.RADIATION, "cebrt", {"dose_gy": 8, "fractions": 1})


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


def test_finalize_derives_the_scores_once_per_transaction(
    board: Board, derivations: list[Any]
) -> None:
    plan = signed_plan(board)
    derivations.clear()
    final = finalize_plan(board.db, board.surgeon, plan.id, plan.version)
    assert final.status.value == "finalized"
    # one write transaction; rendering the files after it reads nothing
    assert len(derivations) == 1


def test_the_stored_report_shows_the_live_scores(board: Board) -> None:
    plan = signed_plan(board)
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
