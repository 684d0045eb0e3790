"""Finalize keeps the report in its write transaction and renders the files after the
commit: the SQLite write lock is held briefly, the stored report is exactly the
finalized version's, and a change made while the files are being rendered stays out of
them (it is not part of what was finalized)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from board.cases.service import add_note
from board.db.engine import Database
from board.db.models import AuditEvent, FollowUp, PlanVersion
from board.plans import report_files
from board.plans.enums import PlanStatus
from board.plans.lifecycle import finalize_plan
from board.plans.report_files import wait_for_report_files
from board.reports import service as report_service
from board.reports.builder import load_report
from board.reports.html import render_html
from board.reports.pdf import render_pdf
from board.reports.service import RenderedReport, export_report, store_report_files
from board.reports.snapshot import report_from_snapshot
from tests.db.locks import write_lock_holds
from tests.meetings.helpers import Board
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
    finalizing: list[float] = []
    storing: list[float] = []
    for plan in plans:
        with write_lock_holds(board.db) as locks:

            def watched(report: object) -> bytes:
                rendered_under_lock.append(locks.open)
                return original(report)  # type: ignore[arg-type]

            monkeypatch.setattr(report_service, "render_pdf", watched)
            finalize_plan(board.db, board.surgeon, plan.id, _version(board.db, plan.id))
        # two write transactions: the finalize (report kept), then the files stored
        assert len(locks.holds) == 2, locks.holds
        finalizing.append(locks.holds[0])
        storing.append(locks.holds[1])
    assert rendered_under_lock == [0, 0, 0]  # each rendered once, no write transaction open
    assert min(finalizing) < 0.100, finalizing
    assert min(storing) < 0.100, storing


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


def _note(board: Board, case_id: int, plan_id: int) -> str:
    text = "Late result: MRI shows progression."
    add_note(board.db, board.coordinator, case_id, text)
    return text


def test_a_change_while_the_files_render_stays_out_of_the_finalized_report(
    board: Board, monkeypatch: pytest.MonkeyPatch
) -> None:
    # (a dissent can no longer be added then: the plan is read-only once finalized)
    change: Callable[[Board, int, int], str] = _note
    plan = signed_plan(board)
    original = report_service.render_report
    written: list[str] = []

    def change_then_render(report: object, texts: object = None) -> RenderedReport:
        if not written:  # someone writes after the finalize, while its files are rendered
            written.append(change(board, plan.case_id, plan.id))
        return original(report, texts)  # type: ignore[arg-type]

    monkeypatch.setattr(report_service, "render_report", change_then_render)
    final = finalize_plan(board.db, board.surgeon, plan.id, _version(board.db, plan.id))
    assert final.status is PlanStatus.FINALIZED and written
    pdf, html = stored_report(board.db, plan.id)
    assert pdf is not None and html is not None
    # the change was saved, after the finalize: it is not in the finalized report
    assert written[0] not in pypdf_text(pdf) and written[0] not in html
    with board.db.read() as session:
        stored = session.get(PlanVersion, plan.id)
        assert stored is not None and stored.report_snapshot is not None
        kept, _ = report_from_snapshot(stored.report_snapshot)
        # storing the files did not touch the plan's version (its optimistic lock)
        assert stored.version == final.version
    assert render_html(kept) == html


def test_the_files_are_rendered_after_the_click_returns(
    board: Board, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = signed_plan(board)
    add_notes(board.db, plan.case_id, 2, board.coordinator)
    release = threading.Event()
    original = report_files._render_elsewhere

    def held_back(kept: Any) -> RenderedReport:
        assert release.wait(30)
        return original(kept)  # in the worker process

    monkeypatch.setattr(report_files, "_render_elsewhere", held_back)
    final = finalize_plan(
        board.db, board.surgeon, plan.id, _version(board.db, plan.id), files_in_background=True
    )
    # finalized, the files not yet stored: a download renders the report as finalized
    assert final.status is PlanStatus.FINALIZED
    assert stored_report(board.db, plan.id) == (None, None)
    early = export_report(board.db, board.coordinator, plan.case_id, "pdf")
    assert early.stored and "DRAFT" not in pypdf_text(early.data)
    assert "Note 2:" in pypdf_text(early.data)
    release.set()
    assert wait_for_report_files(timeout=60)
    pdf, _ = stored_report(board.db, plan.id)
    assert pdf is not None and pypdf_text(pdf) == pypdf_text(early.data)
    with board.db.read() as session:
        events = session.scalars(
            select(AuditEvent.action).where(AuditEvent.entity_id == str(plan.id))
        ).all()
    assert "plan.report_stored" in events


def test_files_lost_with_the_server_are_rendered_from_the_kept_report(
    board: Board, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = signed_plan(board)

    def server_stops(report: object, texts: object = None) -> RenderedReport:
        raise SystemExit("the server stopped")

    monkeypatch.setattr(report_service, "render_report", server_stops)
    with pytest.raises(SystemExit):
        finalize_plan(board.db, board.surgeon, plan.id, _version(board.db, plan.id))
    monkeypatch.undo()
    assert stored_report(board.db, plan.id) == (None, None)
    # a note after the finalize must not slip into its report
    add_note(board.db, board.coordinator, plan.case_id, "Written after the finalize.")
    html = export_report(board.db, board.coordinator, plan.case_id, "html")
    assert html.stored and "Written after the finalize." not in html.data.decode()
    assert store_report_files(board.db, board.surgeon, plan.id)
    assert not store_report_files(board.db, board.surgeon, plan.id)  # once
    _, stored_html = stored_report(board.db, plan.id)
    assert stored_html == html.data.decode()
