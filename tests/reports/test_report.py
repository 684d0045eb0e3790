"""The board report: model, PDF and HTML renderers, stored report, audited export."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from board.auth.permissions import PERMISSIONS, Action
from board.db.engine import Database
from board.errors import NotFoundError, PermissionDeniedError, ValidationError
from board.reports.builder import load_report
from board.reports.html import render_html
from board.reports.model import SECTION_TITLES, when
from board.reports.pdf import FONT_DIR, render_pdf
from board.reports.service import ReportFormat, export_report, get_report
from tests.meetings.helpers import events
from tests.reports.helpers import (
    HOSTILE,
    RICH_PSEUDONYM,
    STUDY_UID,
    DemoPlan,
    add_notes,
    case_id_of,
    enrich,
    pdf_text,
    plan_demo_case,
    stored_report,
)

BIDI_MARKS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def flat(text: str) -> str:
    """Text with bidi marks removed and whitespace collapsed."""
    return " ".join(BIDI_MARKS.sub("", text).split())


@pytest.fixture
def demo(demo_database: Database) -> Database:
    """The demo board (loaded once per process), its richest case with a key image."""
    enrich(demo_database, case_id_of(demo_database))
    return demo_database


@pytest.fixture
def final(demo: Database) -> DemoPlan:
    return plan_demo_case(demo)


def pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def test_fonts_and_licence_are_bundled() -> None:
    names = {p.name for p in FONT_DIR.iterdir()}
    assert {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "LICENSE-DejaVu.txt"} <= names
    assert "Bitstream" in (FONT_DIR / "LICENSE-DejaVu.txt").read_text()


def test_finalized_report_has_every_section_and_key_values(demo: Database, final: DemoPlan) -> None:
    pdf, html = stored_report(demo, final.plan_id)
    assert pdf is not None and pdf.startswith(b"%PDF") and html is not None
    text = flat(pdf_text(pdf))
    for title in SECTION_TITLES:
        assert title in text, title
        assert title in html
    with demo.read() as session:
        report = load_report(session, final.case_id)
    assert not report.header.draft
    for value in (
        RICH_PSEUDONYM,
        "Age: 58",
        "Sex: Female",
        "Invasive ductal carcinoma",
        "Spinal levels: T8",
        f"Meeting date: {when(report.header.meeting_date)}",
        "Plan: version 1, status Finalized",
        "Finalized at:",
        "MRI whole spine with contrast",
        "Core needle",
        "ER: positive",
        "SINS",
        "ESCC",
        "Tokuhashi",
        "Tomita",
        "Bilsky MH et al.",
        "NOMS suggestion: cEBRT",
        "does not depart from the NOMS suggestion",
        "Intent: Palliative",
        "cEBRT 8 Gy in 1 fraction",
        "Clinic visit every 6 weeks, 2 times",
        "Would prefer SBRT",
        "Book radiotherapy planning CT",
        "Radiation oncologist",
        "Dr Sofia Marin",
        "On letrozole and ribociclib",
        "Generated at",
        "Confidential",
    ):
        assert value in text, value
    assert "Page 1 of" in text
    assert STUDY_UID in text.replace(" ", "")  # long UIDs wrap inside their cell
    assert "DRAFT:" not in text and "DRAFT" not in html
    # The key image is embedded.
    reader = PdfReader(io.BytesIO(pdf))
    assert any(page.images for page in reader.pages)
    assert "data:image/png;base64," in html
    # Each score carries its components (with points and who supplied them) and a source.
    noms = next(s for s in report.scores if s.key == "noms")
    assert noms.components and noms.source
    sins = next(s for s in report.scores if s.key == "sins")
    assert any(c.startswith("T8 bone lesion:") and "Radiologist" in c for c in sins.components)
    for key in ("tokuhashi", "tomita"):
        score = next(s for s in report.scores if s.key == key)
        assert any("point" in c for c in score.components), key
    # The PDF keeps each score to one short row (key inputs, short source); every
    # component with who supplied it is in the HTML report.
    assert "Key inputs" in text and "Fisher CG et al., Spine 2010" in text
    assert "T8 bone lesion:" in html and "T8 posterolateral involvement:" in html


def test_draft_is_watermarked_and_not_stored(demo: Database) -> None:
    plan = plan_demo_case(demo, finalize=False)
    assert stored_report(demo, plan.plan_id) == (None, None)
    report = get_report(demo, plan.coordinator, plan.case_id)
    assert report.header.draft
    text = flat(pdf_text(render_pdf(report)))
    assert "DRAFT: this plan is not finalized" in text
    assert "status Draft" in text
    assert 'class="draft"' in render_html(report)


def test_case_without_plan_renders(demo: Database) -> None:
    from tests.reports.helpers import actors

    case_id = case_id_of(demo, "TB-DEMO02")
    coordinator = next(a for r, a in actors(demo).items() if r.value == "coordinator")
    report = get_report(demo, coordinator, case_id)
    assert report.header.plan_number is None and report.header.draft
    text = flat(pdf_text(render_pdf(report)))
    assert "URGENT" in text and "No plan components recorded." in text


def test_twenty_notes_run_over_several_pages_with_page_numbers(demo: Database) -> None:
    plan = plan_demo_case(demo, finalize=False)
    add_notes(demo, plan.case_id, 20, plan.coordinator)
    pdf = render_pdf(get_report(demo, plan.coordinator, plan.case_id))
    total = pages(pdf)
    assert total >= 3
    reader = PdfReader(io.BytesIO(pdf))
    for number, page in enumerate(reader.pages, start=1):
        assert f"Page {number} of {total}" in flat(page.extract_text() or "")
    text = flat(pdf_text(pdf))
    assert "Note 1:" in text and "Note 20:" in text


LITERALS = (
    "<script>alert('x')</script>",
    "<b>bold</b>",
    "<img src=x onerror=alert(1)>",
    "[click me](http://evil.example/steal)",
    "≥ 5 µg",
    "Zoë Ångström-Müller",
    "שלום עולם",
)


def test_markup_in_notes_and_dicom_text_stays_literal(demo_database: Database) -> None:
    db = demo_database
    case_id = case_id_of(db)
    enrich(db, case_id, hostile=True)
    plan = plan_demo_case(db, case_id, finalize=False, text=HOSTILE)
    add_notes(db, case_id, 0, plan.coordinator)
    from board.cases.service import add_note

    add_note(db, plan.coordinator, case_id, HOSTILE)
    report = get_report(db, plan.coordinator, case_id)
    pdf = render_pdf(report)
    text = flat(pdf_text(pdf))
    for literal in LITERALS:
        assert literal in text, literal
    # No live links or actions in the PDF.
    reader = PdfReader(io.BytesIO(pdf))
    for page in reader.pages:
        assert "/Annots" not in page
    assert b"/URI" not in pdf and b"/JavaScript" not in pdf

    raw = render_html(report)
    assert "<script" not in raw.lower()
    # long words in table cells carry line-break opportunities (<wbr>, never other markup)
    html = raw.replace("<wbr>", "")
    assert "<b>bold" not in html
    assert "onerror=alert" not in html.replace("onerror=alert(1)&gt;", "")
    assert "<a " not in html and "href" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "[click me](http://evil.example/steal)" in html
    for literal in ("≥ 5 µg", "Zoë Ångström-Müller", "שלום עולם"):
        assert literal in html
    # The only images are embedded thumbnails.
    for tag in re.findall(r"<img[^>]*>", html):
        assert 'src="data:image/png;base64,' in tag


def test_export_returns_the_stored_bytes_and_is_audited(demo: Database, final: DemoPlan) -> None:
    pdf, html = stored_report(demo, final.plan_id)
    first = export_report(demo, final.coordinator, final.case_id, "pdf")
    second = export_report(demo, final.coordinator, final.case_id, ReportFormat.PDF)
    assert first.stored and first.data == second.data == pdf
    assert first.filename == f"board-report-{RICH_PSEUDONYM}-plan-v1.pdf"
    page = export_report(demo, final.coordinator, final.case_id, "html", channel="cli")
    assert page.data.decode() == html and page.mime == "text/html"
    exported = events(demo, "report.export")
    assert len(exported) == 3
    assert exported[-1].after is not None and exported[-1].after["channel"] == "cli"
    assert exported[-1].case_id == final.case_id


def test_export_of_a_draft_renders_fresh(demo: Database) -> None:
    plan = plan_demo_case(demo, finalize=False)
    out = export_report(demo, plan.coordinator, plan.case_id, "pdf")
    assert not out.stored and out.filename.endswith("-DRAFT.pdf")
    assert "DRAFT" in flat(pdf_text(out.data))


def test_export_checks_permission_and_format(
    demo: Database, final: DemoPlan, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ValidationError):
        export_report(demo, final.coordinator, final.case_id, "docx")
    with pytest.raises(NotFoundError):
        export_report(demo, final.coordinator, 999_999, "pdf")
    monkeypatch.setitem(PERMISSIONS, Action.EXPORT, frozenset())
    with pytest.raises(PermissionDeniedError):
        export_report(demo, final.coordinator, final.case_id, "pdf")
    assert events(demo, "report.export") == []


def test_broken_thumbnail_long_words_and_control_characters_do_not_break_the_pdf() -> None:
    import datetime as dt

    from board.reports.model import BoardReport, ImagingRow, NoteRow, ReportHeader

    head = ReportHeader(
        1,
        "TB-X",
        None,
        None,
        "Unknown",
        "Breast",
        None,
        ("T1",),
        None,
        None,
        None,
        "No plan yet",
        None,
        True,
    )
    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    report = BoardReport(
        head,
        "q",
        (),
        (),
        False,
        (ImagingRow("MR", None, "d", "", None, 1, b"not a png", "cap"),),
        (),
        (),
        (),
        "n",
        (),
        None,
        None,
        "",
        None,
        (),
        (),
        (),
        (),
        (),
        (),
        (NoteRow("a", "b", "c", at, "x" * 3000 + " \x00\x07 end"),),
        at,
    )
    text = flat(pdf_text(render_pdf(report)))
    assert "thumbnail unavailable" in text and "end" in text
    assert "data:image/png;base64," in render_html(report)  # embedded, never fetched
