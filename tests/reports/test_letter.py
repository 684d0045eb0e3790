"""The outcome letter: DOCX and PDF read back with their own libraries, stored at
finalization, administrator texts, literal user text, audited and permission-checked."""

from __future__ import annotations

import io
import zipfile

import pytest
from docx import Document

from board.auth.permissions import PERMISSIONS, Action
from board.db.engine import Database
from board.db.models import PlanVersion
from board.errors import ConflictError, PermissionDeniedError, ValidationError
from board.plans.lifecycle import finalize_plan
from board.reports.letter import DEFAULT_CONTACT, LetterTexts
from board.reports.service import export_letter, get_letter_texts, set_letter_texts
from tests.meetings.helpers import events
from tests.reports.helpers import actors, case_id_of, enrich, pdf_text, plan_demo_case
from tests.reports.test_report import flat

FIELD_TRAP = '{ DATE \\@ "yyyy" } =cmd|\' /C calc\'!A0 <w:fldSimple w:instr="TIME"/>'


@pytest.fixture
def demo(demo_database: Database) -> Database:
    enrich(demo_database, case_id_of(demo_database))
    return demo_database


def docx_text(data: bytes) -> str:
    """Every paragraph and table cell of a DOCX, as python-docx reads it."""
    document = Document(io.BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def docx_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("word/document.xml").decode("utf-8")


def _stored_letter(db: Database, plan_id: int) -> tuple[bytes | None, bytes | None]:
    with db.read() as session:
        plan = session.get(PlanVersion, plan_id)
        assert plan is not None
        return plan.letter_docx, plan.letter_pdf


def test_the_finalized_letter_is_stored_and_says_what_the_board_decided(demo: Database) -> None:
    final = plan_demo_case(demo)
    stored_docx, stored_pdf = _stored_letter(demo, final.plan_id)
    assert stored_docx and stored_pdf
    file = export_letter(demo, final.coordinator, final.case_id, "docx")
    assert file.stored and file.data == stored_docx
    assert file.filename.endswith("-plan-v1.docx")
    text = docx_text(file.data)
    pdf = flat(pdf_text(export_letter(demo, final.coordinator, final.case_id, "pdf").data))
    people = actors(demo)
    with demo.read() as session:
        from board.reports.builder import load_report

        report = load_report(session, final.case_id)
    head = report.header
    assert head.meeting_date is not None
    for expected in (
        head.pseudonym,
        head.hospital_number or "-",
        head.meeting_date.isoformat(),
        "Palliative radiotherapy. Dose agreed at the board.",
        "Would prefer SBRT. Dose agreed at the board.",
        "Book radiotherapy planning CT.",
        DEFAULT_CONTACT,
        "Dear colleague,",
        "With kind regards,",
        "finalized",
    ):
        assert expected in text, expected
        assert flat(expected) in pdf, expected
    for component in report.plan_components:
        assert f"{component.component}: {component.text}" in text
        assert flat(component.text) in pdf
    # Who attended: the four signers recorded present, by name and role.
    for role in ("medical_oncologist", "radiologist", "spine_surgeon", "radiation_oncologist"):
        person = next(a for r, a in people.items() if r.value == role)
        assert person.display_name in text
        assert flat(person.display_name) in pdf
    # The follow-up schedule: the plan's (its visits are dated when the plan is final).
    schedule = text.split("Follow-up schedule\n", 1)[1].split("\nAction items", 1)[0]
    assert "Clinic visit every 6 weeks, 2 times" in schedule
    assert "Clinic visit every 6 weeks, 2 times" in pdf.split("Follow-up schedule", 1)[1]
    assert "DRAFT" not in text
    exported = events(demo, "letter.export")
    assert [e.after["format"] for e in exported] == ["docx", "pdf"]
    assert exported[0].after["stored"] is True and exported[0].case_id == final.case_id


def test_a_draft_letter_is_marked_and_user_text_stays_literal(demo: Database) -> None:
    final = plan_demo_case(demo, finalize=False, text=FIELD_TRAP)
    file = export_letter(demo, final.coordinator, final.case_id, "docx")
    assert not file.stored and file.filename.endswith("-DRAFT.docx")
    text = docx_text(file.data)
    assert "DRAFT: this plan is not finalized" in text
    assert f"Palliative radiotherapy. {FIELD_TRAP}" in text
    xml = docx_xml(file.data)
    # No field of any kind: Word would otherwise evaluate it on opening.
    assert "<w:fldSimple" not in xml and "<w:instrText" not in xml and "<w:fldChar" not in xml
    assert "&lt;w:fldSimple" in xml
    pdf = export_letter(demo, final.coordinator, final.case_id, "pdf")
    assert flat(f"Would prefer SBRT. {FIELD_TRAP}") in flat(pdf_text(pdf.data))


def test_the_administrator_words_the_letter_and_stored_letters_keep_their_text(
    demo: Database,
) -> None:
    draft = plan_demo_case(demo, finalize=False)
    admin = next(a for r, a in actors(demo).items() if r.value == "admin")
    before = get_letter_texts(demo, admin)
    assert before == LetterTexts()
    new = LetterTexts(
        opening="Dear Dr Referrer,\nThe board met about your patient.",
        closing="Yours sincerely,\nSpine board, St Elsewhere",
        contact="Coordinator on extension 4242",
    )
    with pytest.raises(PermissionDeniedError):
        set_letter_texts(demo, draft.coordinator, new, expected=before)
    with pytest.raises(ValidationError, match="closing text is empty"):
        set_letter_texts(demo, admin, LetterTexts(closing="  "), expected=before)
    with pytest.raises(ValidationError, match="at most 2,000"):
        set_letter_texts(demo, admin, LetterTexts(opening="x" * 2001), expected=before)
    assert set_letter_texts(demo, admin, new, expected=before) == new
    # A second administrator who still sees the old texts overwrites nothing.
    with pytest.raises(ConflictError):
        set_letter_texts(demo, admin, LetterTexts(contact="Other"), expected=before)
    changed = events(demo, "letter.texts")
    assert len(changed) == 1 and changed[0].after == new.as_json()
    text = docx_text(export_letter(demo, admin, draft.case_id, "docx").data)
    assert "Dear Dr Referrer," in text and "Coordinator on extension 4242" in text
    assert "Spine board, St Elsewhere" in text and "Dear colleague," not in text
    # Finalized: the letter is stored with the texts of that moment, and keeps them.
    with demo.read() as session:
        plan = session.get(PlanVersion, draft.plan_id)
        assert plan is not None
        version = plan.version
    finalize_plan(demo, draft.chair, draft.plan_id, version)
    set_letter_texts(demo, admin, LetterTexts(contact="Call the ward"), expected=new)
    stored = export_letter(demo, admin, draft.case_id, "docx")
    assert stored.stored
    assert "extension 4242" in docx_text(stored.data)
    assert "Call the ward" not in docx_text(stored.data)


def test_the_letter_is_permission_checked_and_the_format_named(
    demo: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    final = plan_demo_case(demo, finalize=False)
    with pytest.raises(ValidationError, match="expected docx or pdf"):
        export_letter(demo, final.coordinator, final.case_id, "odt")
    monkeypatch.setitem(PERMISSIONS, Action.EXPORT, frozenset())
    with pytest.raises(PermissionDeniedError):
        export_letter(demo, final.coordinator, final.case_id, "docx")
    assert events(demo, "letter.export") == []


def test_letter_texts_changed_while_the_files_render_stay_out_of_the_stored_letter(
    demo: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from board.reports import service as report_service

    draft = plan_demo_case(demo, finalize=False)
    admin = next(a for r, a in actors(demo).items() if r.value == "admin")
    original = report_service.render_report
    changed = LetterTexts(contact="Call the ward")

    def reword_then_render(report: object, texts: object = None) -> object:
        # the administrator rewords the letter after the finalize, before its files exist
        if get_letter_texts(demo, admin) != changed:
            set_letter_texts(demo, admin, changed, expected=LetterTexts())
        return original(report, texts)  # type: ignore[arg-type]

    monkeypatch.setattr(report_service, "render_report", reword_then_render)
    with demo.read() as session:
        plan = session.get(PlanVersion, draft.plan_id)
        assert plan is not None
        version = plan.version
    finalize_plan(demo, draft.chair, draft.plan_id, version)
    assert get_letter_texts(demo, admin) == changed
    # the letter stored is the one finalized: with the texts in force at the finalize
    stored = export_letter(demo, admin, draft.case_id, "docx")
    assert stored.stored and "Call the ward" not in docx_text(stored.data)
    assert LetterTexts().contact.split()[0] in docx_text(stored.data)
