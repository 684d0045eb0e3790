"""The report of an amended plan shows that version's meeting, attendance, sign-offs,
the open action items it took over and the dissent history (every backend)."""

from __future__ import annotations

import datetime as dt
import re

from board.auth.roles import Role
from board.db.models import utcnow
from board.meetings.enums import MeetingStatus
from board.meetings.service import set_meeting_status
from board.plans.action_items import add_action_item
from board.plans.dissent import add_dissent
from board.plans.drafting import add_plan_item, start_plan, update_plan_header
from board.plans.enums import PlanComponent, PlanIntent
from board.plans.lifecycle import amend_plan, finalize_plan, sign_plan
from board.plans.views import ActionItemInput, PlanHeaderInput, PlanItemInput, PlanVersionView
from board.reports.builder import load_report
from board.reports.fhir import build_bundle
from board.reports.html import render_html
from board.reports.pdf import render_pdf
from tests.meetings.helpers import Board, at_running_meeting
from tests.reports.helpers import pdf_text, stored_report

CEBRT = PlanItemInput(PlanComponent.RADIATION, "cebrt", {"dose_gy": 8, "fractions": 1})


def _first_version(board: Board) -> tuple[int, int, PlanVersionView]:
    db, coordinator = board.db, board.coordinator
    case_id, meeting = at_running_meeting(board)
    plan = start_plan(db, coordinator, case_id, meeting.id)
    plan = update_plan_header(
        db, coordinator, plan.id, plan.version, PlanHeaderInput(PlanIntent.PALLIATIVE, "RT")
    )
    plan = add_plan_item(db, coordinator, plan.id, plan.version, CEBRT)
    plan = add_action_item(
        db,
        coordinator,
        plan.id,
        ActionItemInput("Book RT", utcnow().date() + dt.timedelta(days=7), Role.COORDINATOR),
    )
    plan = add_dissent(db, board.oncologist, plan.id, "Prefer 20 Gy in 5 fractions.")
    for signer in (board.radiotherapist, board.surgeon):
        plan = sign_plan(db, signer, plan.id, plan.version)
    return case_id, meeting.id, finalize_plan(db, board.surgeon, plan.id, plan.version)


def _flat(text: str) -> str:
    return " ".join(re.sub("[\u200e\u200f\u202a-\u202e\u2066-\u2069]", "", text).split())


def test_the_report_of_an_amendment_made_at_a_meeting(board: Board) -> None:
    db = board.db
    case_id, _, first = _first_version(board)
    second = amend_plan(db, board.oncologist, first.id, "New MRI: progression at T9")
    for signer in (board.radiotherapist, board.surgeon):
        second = sign_plan(db, signer, second.id, second.version)
    second = finalize_plan(db, board.surgeon, second.id, second.version)

    with db.read() as session:
        report = load_report(session, case_id)
    head = report.header
    assert head.plan_number == 2 and not head.draft
    assert head.meeting is not None and head.meeting.startswith("Spine board, ")
    assert {a.name for a in report.attendance} == {"Dr Spine", "Dr Beam", "Dr Onco"}
    assert [(s.name, s.current) for s in report.sign_offs] == [
        ("Dr Beam", True),
        ("Dr Spine", True),
    ]
    assert [a.description for a in report.action_items] == ["Book RT"]
    (dissent,) = report.dissents
    assert dissent.on_version == 1 and dissent.text == "Prefer 20 Gy in 5 fractions."
    assert report.amendment_reason == "New MRI: progression at T9"

    notes = [
        n["text"]
        for e in build_bundle(report, b"%PDF")["entry"]
        if e["resource"]["resourceType"] == "CarePlan"
        for n in e["resource"].get("note", [])
    ]
    assert "Dissent (Dr Onco, Medical oncologist, on version 1): Prefer 20 Gy in 5 fractions." in (
        notes
    )

    pdf, html = stored_report(db, second.id)  # the bytes stored at finalization
    assert pdf is not None and html is not None
    for text in (_flat(pdf_text(pdf)), _flat(html)):
        assert "not discussed at a meeting yet" not in text
        assert "No sign-offs" not in text and "No attendance recorded" not in text
        assert "on version 1:" in text and "Book RT" in text
        assert "Dr Beam" in text and "Spine board" in text


def test_the_report_of_an_amendment_made_outside_a_meeting_says_so(board: Board) -> None:
    db = board.db
    case_id, meeting_id, first = _first_version(board)
    meeting = board.reload(meeting_id)
    set_meeting_status(db, board.coordinator, meeting_id, meeting.version, MeetingStatus.CLOSED)
    amend_plan(db, board.oncologist, first.id, "Typo in the summary")
    with db.read() as session:
        report = load_report(session, case_id)
    assert report.header.draft and report.header.plan_number == 2
    meeting_line = report.header.meeting or ""
    assert meeting_line.startswith("amended outside a meeting (version 2); version 1 was ")
    assert "discussed at Spine board, " in meeting_line
    assert [a.description for a in report.action_items] == ["Book RT"]
    text = _flat(render_html(report))
    assert "not discussed at a meeting yet" not in text
    assert "amended outside a meeting" in text
    assert "amended outside a meeting" in _flat(pdf_text(render_pdf(report)))
