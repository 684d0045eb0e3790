"""The report kept at finalization renders exactly as the report that was finalized."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from board.db.engine import Database
from board.db.models import PlanVersion
from board.errors import ValidationError
from board.plans.enums import PlanStatus
from board.reports.builder import load_report
from board.reports.html import render_html
from board.reports.letter import build_letter, letter_texts, render_letter_docx
from board.reports.pdf import render_pdf
from board.reports.snapshot import SNAPSHOT_VERSION, report_from_snapshot, report_snapshot
from tests.reports.helpers import pypdf_text
from tests.reports.test_letter import docx_text


def test_every_demo_report_survives_the_round_trip_and_renders_the_same(
    demo_database: Database,
) -> None:
    with demo_database.read() as session:
        plans = session.scalars(select(PlanVersion).order_by(PlanVersion.id)).all()
        assert plans
        for plan in plans:
            report = load_report(session, plan.case_id, plan_id=plan.id)
            texts = letter_texts(session)
            assert report.case is not None and report.imaging  # the full model
            stored = json.loads(json.dumps(report_snapshot(report, texts)))
            kept, kept_texts = report_from_snapshot(stored)
            assert kept == report and kept_texts == texts
            assert kept.case is None  # not kept, and not printed
            assert render_html(kept) == render_html(report)
            assert pypdf_text(render_pdf(kept)) == pypdf_text(render_pdf(report))
            letter, kept_letter = build_letter(report, texts), build_letter(kept, kept_texts)
            assert docx_text(render_letter_docx(kept_letter)) == docx_text(
                render_letter_docx(letter)
            )


def test_finalized_plans_keep_their_report(demo_database: Database) -> None:
    with demo_database.read() as session:
        kept = session.scalars(
            select(PlanVersion.report_snapshot).where(PlanVersion.status != PlanStatus.DRAFT)
        ).all()
        drafts = session.scalars(
            select(PlanVersion.report_snapshot).where(PlanVersion.status == PlanStatus.DRAFT)
        ).all()
    assert kept and all(k is not None and k["version"] == SNAPSHOT_VERSION for k in kept)
    assert all(d is None for d in drafts)


@pytest.mark.parametrize(
    "damaged",
    [
        None,
        {"version": SNAPSHOT_VERSION + 1, "report": {}, "letter_texts": {}},
        {"version": SNAPSHOT_VERSION, "report": {"header": {}}, "letter_texts": {}},
        {"version": SNAPSHOT_VERSION, "letter_texts": {}},
    ],
    ids=["nothing", "another version", "fields missing", "no report"],
)
def test_a_damaged_snapshot_is_refused_with_a_reason(damaged: object) -> None:
    with pytest.raises(ValidationError, match="stored report"):
        report_from_snapshot(damaged)
