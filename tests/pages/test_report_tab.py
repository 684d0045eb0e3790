"""The case's Report tab: preview, download buttons, and the bytes they hand out."""

from __future__ import annotations

import json

from board.cases.service import add_note
from board.db.engine import Database
from board.reports.model import SECTION_TITLES
from board.reports.service import ReportFormat
from board.ui.downloads import fhir_bytes, report_bytes
from tests.meetings.helpers import events
from tests.pages.helpers import open_case, open_tab, signed_in
from tests.reports.helpers import HOSTILE, case_id_of, enrich, plan_demo_case, stored_report


def test_report_tab_previews_the_report_and_offers_downloads(demo_db: Database) -> None:
    case_id = case_id_of(demo_db)
    enrich(demo_db, case_id, hostile=True)
    plan = plan_demo_case(demo_db, case_id)
    add_note(demo_db, plan.coordinator, case_id, HOSTILE)
    at = open_case(signed_in(demo_db), case_id, tab="Report")
    report_tab = next(tab for tab in at.tabs if tab.label == "Report")
    markdown = " ".join(m.value for m in report_tab.markdown)
    for title in SECTION_TITLES[:-1]:
        assert f"**{title}**" in markdown, title
    texts = " ".join(t.value for t in at.text)
    assert "Referral question:" in texts and "NOMS suggestion: cEBRT" in texts
    # The report preview shows user text only as plain text or table cells, never as
    # markdown (other tabs show it escaped).
    assert "<script>" not in markdown and "click me" not in markdown
    labels = [b.proto.label for b in at.get("download_button")]
    assert {"Download PDF", "Download HTML", "Download FHIR bundle"} <= set(labels)
    assert not at.exception


def test_the_download_producers_hand_out_audited_files(demo_db: Database) -> None:
    case_id = case_id_of(demo_db)
    plan = plan_demo_case(demo_db, case_id)
    pdf, html = stored_report(demo_db, plan.plan_id)
    assert report_bytes(demo_db, plan.coordinator, case_id, ReportFormat.PDF) == pdf
    assert html is not None
    assert report_bytes(demo_db, plan.coordinator, case_id, ReportFormat.HTML) == html.encode()
    bundle = json.loads(fhir_bytes(demo_db, plan.coordinator, case_id))
    assert bundle["resourceType"] == "Bundle"
    assert len(events(demo_db, "report.export")) == 2
    assert len(events(demo_db, "fhir.export")) == 1


def test_report_tab_of_a_case_without_plan(demo_db: Database) -> None:
    at = open_case(signed_in(demo_db), case_id_of(demo_db, "TB-DEMO02"), tab="Report")
    assert any("DRAFT" in w.value for w in at.warning)
    assert not at.exception


def test_worklist_offers_the_csv_download(demo_db: Database) -> None:
    at = signed_in(demo_db)
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Download worklist (CSV)" in labels


def test_scribe_view_offers_the_stored_report_once_finalized(demo_db: Database) -> None:
    from sqlalchemy import select

    from board.db.models import AgendaItem

    case_id = case_id_of(demo_db)
    plan_demo_case(demo_db, case_id)
    with demo_db.read() as session:
        meeting_id, position = session.execute(
            select(AgendaItem.meeting_id, AgendaItem.position).where(AgendaItem.case_id == case_id)
        ).one()
    at = signed_in(demo_db, "demo.surgeon")
    at.switch_page("pages/scribe.py")  # the plan area moved off the projector
    at.query_params["meeting"] = str(meeting_id)
    at.query_params["item"] = str(position)
    at.run()
    assert not at.exception, at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Download the board report (PDF)" in labels


def test_table_cells_on_summary_and_report_never_render_person_text_as_markdown(
    demo_db: Database,
) -> None:
    """st.table renders cells as markdown: a histology or referrer written as a link must
    reach the browser escaped (no live link, image or emphasis)."""
    import dataclasses
    import re

    from board.cases.service import get_case, update_case

    case_id = case_id_of(demo_db)
    plan = plan_demo_case(demo_db, case_id)
    case = get_case(demo_db, plan.coordinator, case_id)
    link = "[Click to re-login](https://evil.example/login) **bold**"
    data = dataclasses.replace(case.as_input(), histology=link, referred_by=link)
    update_case(demo_db, plan.coordinator, case_id, case.version, data)
    at = open_case(signed_in(demo_db), case_id)
    tables = list(at.table)
    open_tab(at, "Report")
    tables += list(at.table)
    cells = [
        str(cell)
        for table in tables
        for column in table.value.columns
        for cell in table.value[column]
    ]
    assert any("Click to re" in cell for cell in cells)
    live_link = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\(")
    assert [c for c in cells if live_link.search(c) or re.search(r"(?<!\\)\*\*", c)] == []
    assert not at.exception
