"""Finalize renders the report outside the write transaction: the SQLite write lock is
held briefly, the stored report is exactly the finalized version's, and a change made
while the report was being rendered makes finalize fail cleanly (nothing written)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from board.cases.service import add_note
from board.db.engine import Database
from board.db.models import AuditEvent, FollowUp, PlanVersion
from board.errors import ConflictError
from board.plans import lifecycle
from board.plans.dissent import add_dissent
from board.plans.enums import PlanStatus
from board.plans.lifecycle import finalize_plan
from board.reports import service as report_service
from board.reports.builder import load_report
from board.reports.html import render_html
from board.reports.pdf import render_pdf
from board.reports.service import RenderedReport
from tests.db.locks import write_lock_holds
from tests.meetings.helpers import Board, case_status
from tests.plans.helpers import signed_plan
from tests.reports.helpers import add_notes, pypdf_text, stored_report


def _version(db: Database, plan_id: int) -> int:
    with db.read() as session:
        plan = session.get(PlanVersion, plan_id)
        assert plan is not None
        return plan.version


def _counts(db: Database, case_id: int) -> tuple[int, int]:
    with db.read() as session:
        audit = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
        follow_ups = session.scalar(
            select(func.count()).select_from(FollowUp).where(FollowUp.case_id == case_id)
        )
        return audit, follow_ups or 0


def test_the_pdf_is_rendered_while_no_write_lock_is_held(
    board: Board, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if backend != "sqlite":
        pytest.skip("the write lock is SQLite's")
    # three finalizes: the shortest hold tells the lock's real length on a loaded machine
    plans = [signed_plan(board) for _ in range(3)]
    for plan in plans:
        add_notes(board.db, plan.case_id, 20, board.coordinator)
    rendered_under_lock: list[int] = []
    original = report_service.render_pdf
    holds: list[float] = []
    for plan in plans:
        with write_lock_holds(board.db) as locks:

            def watched(report: object) -> bytes:
                rendered_under_lock.append(locks.open)
                return original(report)  # type: ignore[arg-type]

            monkeypatch.setattr(report_service, "render_pdf", watched)
            finalize_plan(board.db, board.surgeon, plan.id, _version(board.db, plan.id))
        assert len(locks.holds) == 1, locks.holds  # one write transaction per finalize
        holds.extend(locks.holds)
    assert rendered_under_lock == [0, 0, 0]  # each rendered once, no write transaction open
    assert min(holds) < 0.100, holds


def test_the_stored_report_is_the_finalized_version(board: Board) -> None:
    plan = signed_plan(board)
    add_notes(board.db, plan.case_id, 3, board.coordinator)
    finalize_plan(board.db, board.surgeon, plan.id, _version(board.db, plan.id))
    pdf, html = stored_report(board.db, plan.id)
    assert pdf is not None and html is not None
    with board.db.read() as session:
        stored = session.get(PlanVersion, plan.id)
        assert stored is not None and stored.status is PlanStatus.FINALIZED
        finalized_at = stored.finalized_at
        live = load_report(session, plan.case_id, plan_id=plan.id, generated_at=finalized_at)
    # the report of the finalized version, as it reads now: nothing in it changed since
    assert not live.header.draft and live.header.finalized_at == finalized_at
    assert render_html(live) == html
    assert pypdf_text(render_pdf(live)) == pypdf_text(pdf)
    assert "DRAFT" not in pypdf_text(pdf) and "Note 3:" in pypdf_text(pdf)


def _note(board: Board, case_id: int, plan_id: int) -> None:
    add_note(board.db, board.coordinator, case_id, "Late result: MRI shows progression.")


def _dissent(board: Board, case_id: int, plan_id: int) -> None:
    add_dissent(board.db, board.oncologist, plan_id, "I would wait for the biopsy.")


@pytest.mark.parametrize("change", [_note, _dissent], ids=["a note", "a dissent"])
def test_a_change_while_the_report_renders_fails_cleanly_and_a_retry_includes_it(
    board: Board,
    monkeypatch: pytest.MonkeyPatch,
    change: Callable[[Board, int, int], None],
) -> None:
    plan = signed_plan(board)
    version = _version(board.db, plan.id)
    status = case_status(board.db, plan.case_id)
    original = lifecycle.render_report
    changes: list[bool] = []

    def render_then_change(report: object, texts: object = None) -> RenderedReport:
        rendered = original(report, texts)  # type: ignore[arg-type]
        if not changes:  # someone else writes while the first report is being rendered
            change(board, plan.case_id, plan.id)
            changes.append(True)
        return rendered

    monkeypatch.setattr(lifecycle, "render_report", render_then_change)
    before = _counts(board.db, plan.case_id)
    with pytest.raises(ConflictError, match="Nothing was overwritten"):
        finalize_plan(board.db, board.surgeon, plan.id, version)
    # nothing of the finalize was written: no status, report, follow-ups or audit event
    with board.db.read() as session:
        draft = session.get(PlanVersion, plan.id)
        assert draft is not None and draft.status is PlanStatus.DRAFT
        assert draft.report_pdf is None and draft.report_html is None
        assert draft.finalized_at is None
        version_now = draft.version
    audit, follow_ups = _counts(board.db, plan.case_id)
    assert follow_ups == before[1]
    assert audit == before[0] + 1  # only the other person's change was recorded
    assert case_status(board.db, plan.case_id) is status

    final = finalize_plan(board.db, board.surgeon, plan.id, version_now)
    assert final.status is PlanStatus.FINALIZED
    text = pypdf_text(stored_report(board.db, plan.id)[0] or b"")
    assert "MRI shows progression" in text or "wait for the biopsy" in text
