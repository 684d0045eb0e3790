"""Letter buttons on the Report tab, slides and .ics buttons on the meetings page, the
reminder opt-out on My account, and the administrator's letter texts (AppTest); the bytes
the buttons hand out are checked with the files' own libraries."""

from __future__ import annotations

import io

from docx import Document
from icalendar import Calendar
from pptx import Presentation
from sqlalchemy import select

from board.db.engine import Database
from board.db.models import Meeting, User
from board.reports.letter import LetterTexts
from board.reports.service import LetterFormat, get_letter_texts
from board.settings import load_settings
from board.ui.downloads import calendar_bytes, deck_bytes, letter_bytes
from tests.meetings.helpers import events
from tests.pages.helpers import open_case, signed_in
from tests.reports.helpers import actors, case_id_of, pdf_text, plan_demo_case


def test_the_report_tab_offers_the_outcome_letter(demo_db: Database) -> None:
    case_id = case_id_of(demo_db)
    plan = plan_demo_case(demo_db, case_id)
    at = open_case(signed_in(demo_db), case_id, tab="Report")
    labels = [b.proto.label for b in at.get("download_button")]
    assert {"Outcome letter (Word)", "Outcome letter (PDF)"} <= set(labels)
    docx = letter_bytes(demo_db, plan.coordinator, case_id, LetterFormat.DOCX)
    text = "\n".join(p.text for p in Document(io.BytesIO(docx)).paragraphs)
    assert "Spine tumor board: outcome letter" in text and "Would prefer SBRT." in text
    pdf = letter_bytes(demo_db, plan.coordinator, case_id, LetterFormat.PDF)
    assert "TB-DEMO01" in pdf_text(pdf)
    assert [e.after["channel"] for e in events(demo_db, "letter.export")] == ["app", "app"]


def _busiest_meeting(db: Database) -> tuple[int, int]:
    with db.read() as session:
        counts = {m.id: len(m.agenda) for m in session.scalars(select(Meeting))}
    meeting_id = max(counts, key=lambda m: (counts[m], -m))
    return meeting_id, counts[meeting_id]


def test_the_meetings_page_offers_slides_and_the_invitation(demo_db: Database) -> None:
    meeting_id, cases = _busiest_meeting(demo_db)
    at = signed_in(demo_db)
    at.switch_page("pages/meetings.py")
    at.query_params["meeting"] = str(meeting_id)
    at.run()
    assert not at.exception, at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Slides (PowerPoint)" in labels
    assert "Calendar invitation (.ics)" in labels or "Calendar cancellation (.ics)" in labels
    coordinator = next(a for r, a in actors(demo_db).items() if r.value == "coordinator")
    deck = Presentation(io.BytesIO(deck_bytes(demo_db, coordinator, meeting_id)))
    assert len(deck.slides) == cases + 1
    ics = calendar_bytes(demo_db, coordinator, meeting_id, load_settings())
    (event,) = Calendar.from_ical(ics).walk("VEVENT")
    assert "Agenda (pseudonyms): TB-DEMO" in str(event["description"])
    assert len(events(demo_db, "deck.export")) == 1
    assert len(events(demo_db, "calendar.export")) == 1


def test_my_account_turns_reminders_off_and_on(demo_db: Database) -> None:
    at = signed_in(demo_db, "demo.physio")
    at.switch_page("pages/account.py")
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "My account"
    (toggle,) = at.toggle
    assert toggle.value is True
    toggle.set_value(False)
    at.run()
    assert not at.exception, at.exception
    assert any("Reminder e-mails are off" in s.value for s in at.success)
    with demo_db.read() as session:
        user = session.scalars(select(User).where(User.username == "demo.physio")).one()
        assert user.reminders_enabled is False
    assert at.toggle[0].value is False
    at.toggle[0].set_value(True)
    at.run()
    assert any("Reminder e-mails are on" in s.value for s in at.success)
    changes = events(demo_db, "account.reminders")
    assert [e.after for e in changes] == [{"reminders_enabled": False}, {"reminders_enabled": True}]


def test_the_administrator_words_the_letter_on_the_admin_page(demo_db: Database) -> None:
    at = signed_in(demo_db, "demo.admin")
    at.switch_page("pages/admin.py")
    at.run()
    assert not at.exception, at.exception
    areas = {a.label: a for a in at.text_area}
    opening = areas["Opening (salutation and first paragraph)"]
    assert opening.value == LetterTexts().opening
    opening.set_value("Dear Dr Referrer,\nThe board met.")
    areas["Whom to contact"].set_value("Coordinator, extension 4242")
    submit = next(b for b in at.button if b.label == "Save letter texts")
    submit.click()
    at.run()
    assert not at.exception, at.exception
    assert any("Letter texts saved" in s.value for s in at.success)
    admin = next(a for r, a in actors(demo_db).items() if r.value == "admin")
    texts = get_letter_texts(demo_db, admin)
    assert texts.opening == "Dear Dr Referrer,\nThe board met."
    assert texts.contact == "Coordinator, extension 4242"
    assert texts.closing == LetterTexts().closing


def test_a_cancelled_meeting_offers_the_cancellation(demo_db: Database) -> None:
    from board.meetings.enums import MeetingStatus
    from board.meetings.service import get_meeting, set_meeting_status

    coordinator = next(a for r, a in actors(demo_db).items() if r.value == "coordinator")
    with demo_db.read() as session:
        meeting_id = session.scalars(
            select(Meeting.id).where(Meeting.status == MeetingStatus.SCHEDULED).order_by(Meeting.id)
        ).first()
    assert meeting_id is not None
    detail = get_meeting(demo_db, coordinator, meeting_id)
    set_meeting_status(demo_db, coordinator, meeting_id, detail.version, MeetingStatus.CANCELLED)
    at = signed_in(demo_db)
    at.switch_page("pages/meetings.py")
    at.query_params["meeting"] = str(meeting_id)
    at.run()
    assert not at.exception, at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Calendar cancellation (.ics)" in labels
    ics = calendar_bytes(demo_db, coordinator, meeting_id, load_settings())
    calendar = Calendar.from_ical(ics)
    assert str(calendar["method"]) == "CANCEL"
    (event,) = calendar.walk("VEVENT")
    assert int(event["sequence"]) == 1
