"""Command line: ``letter``, ``deck``, ``calendar`` and ``notify``."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document
from icalendar import Calendar
from pptx import Presentation
from sqlalchemy import select

from board.cli import main
from board.db.engine import Database
from board.db.models import AgendaItem, Case, Meeting, Patient, PlanVersion, User
from board.meetings.calendar import meeting_uid
from tests.meetings.helpers import events
from tests.outreach.conftest import Mailbox, free_port
from tests.reports.helpers import ROOT, pdf_text, plan_demo_case

SECRET = "k" * 40


@pytest.fixture
def cli_db(
    demo_database: Database, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Database:
    """The demo board (loaded once per process), where the command line finds it."""
    monkeypatch.setenv("TUMORBOARD_DATABASE_URL", database_url)
    monkeypatch.setenv("TUMORBOARD_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TUMORBOARD_SECRET_KEY", SECRET)
    for name in ("TUMORBOARD_SMTP_URL", "TUMORBOARD_MAIL_FROM", "TUMORBOARD_APP_URL"):
        monkeypatch.delenv(name, raising=False)
    return demo_database


def _busiest_meeting(db: Database) -> tuple[int, int]:
    with db.read() as session:
        counts = {m.id: len(m.agenda) for m in session.scalars(select(Meeting))}
    meeting_id = max(counts, key=lambda m: (counts[m], -m))
    return meeting_id, counts[meeting_id]


def test_letter_in_both_formats_is_the_stored_letter(cli_db: Database, tmp_path: Path) -> None:
    plan = plan_demo_case(cli_db)
    docx_out, pdf_out = tmp_path / "letter.docx", tmp_path / "letter.pdf"
    assert main(["letter", str(plan.case_id), "--out", str(docx_out)]) == 0
    assert main(["letter", str(plan.case_id), "--out", str(pdf_out), "--format", "pdf"]) == 0
    with cli_db.read() as session:
        stored = session.get(PlanVersion, plan.plan_id)
        assert stored is not None
        assert docx_out.read_bytes() == stored.letter_docx
        assert pdf_out.read_bytes() == stored.letter_pdf
    text = "\n".join(p.text for p in Document(io.BytesIO(docx_out.read_bytes())).paragraphs)
    assert "Palliative radiotherapy. Dose agreed at the board." in text
    assert "TB-DEMO01" in pdf_text(pdf_out.read_bytes())
    exported = events(cli_db, "letter.export")
    assert [e.after["channel"] for e in exported] == ["cli", "cli"]


def test_letter_errors_are_one_line(cli_db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["letter", "999999", "--out", "-"]) == 1
    assert "does not exist" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["letter", "1", "--out", "-", "--format", "odt"])


def test_deck_and_calendar(cli_db: Database, tmp_path: Path) -> None:
    meeting_id, cases = _busiest_meeting(cli_db)
    deck_out, ics_out = tmp_path / "deck.pptx", tmp_path / "meeting.ics"
    assert main(["deck", str(meeting_id), "--out", str(deck_out)]) == 0
    assert len(Presentation(str(deck_out)).slides) == cases + 1
    assert main(["calendar", str(meeting_id), "--out", str(ics_out)]) == 0
    (event,) = Calendar.from_ical(ics_out.read_bytes()).walk("VEVENT")
    assert str(event["uid"]) == meeting_uid(meeting_id, SECRET)
    with cli_db.read() as session:
        pseudonyms = list(
            session.scalars(
                select(Patient.pseudonym)
                .join(Case, Case.patient_id == Patient.id)
                .join(AgendaItem, AgendaItem.case_id == Case.id)
                .where(AgendaItem.meeting_id == meeting_id)
                .order_by(AgendaItem.position, AgendaItem.id)
            )
        )
    assert f"Agenda (pseudonyms): {', '.join(pseudonyms)}" in str(event["description"])
    assert [e.after["channel"] for e in events(cli_db, "deck.export")] == ["cli"]
    assert [e.after["channel"] for e in events(cli_db, "calendar.export")] == ["cli"]


def _give_addresses(db: Database) -> None:
    with db.write() as session:
        for user in session.scalars(select(User)):
            user.email = f"{user.username}@hospital.example"


def test_notify_sends_once_and_reports_json(
    cli_db: Database,
    mailbox: Mailbox,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _give_addresses(cli_db)
    monkeypatch.setenv("TUMORBOARD_SMTP_URL", mailbox.url)
    monkeypatch.setenv("TUMORBOARD_MAIL_FROM", "board@hospital.example")
    monkeypatch.setenv("TUMORBOARD_APP_URL", "https://board.hospital.example")
    monkeypatch.setenv("TUMORBOARD_MSCC_COORDINATOR_EMAIL", "mscc@hospital.example")
    assert main(["notify", "--dry-run", "--json"]) == 0
    dry = json.loads(capsys.readouterr().out)
    assert dry["dry_run"] is True and dry["sent"] == [] and mailbox.messages == []
    assert dry["due"], "the demo board has reminders due (immediate-tier cases at least)"
    assert main(["notify", "--json"]) == 0
    sent = json.loads(capsys.readouterr().out)
    assert {r["key"] for r in sent["sent"]} == {r["key"] for r in dry["due"]}
    assert len(mailbox.messages) == len(sent["sent"])
    assert main(["notify"]) == 0
    assert "Sent 0 reminders." in capsys.readouterr().out
    assert len(mailbox.messages) == len(sent["sent"])


def test_notify_without_mail_or_server(
    cli_db: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["notify"]) == 0
    assert "E-mail is off (TUMORBOARD_SMTP_URL is not set), nothing sent" in capsys.readouterr().out
    _give_addresses(cli_db)
    monkeypatch.setenv("TUMORBOARD_SMTP_URL", f"smtp://127.0.0.1:{free_port()}")
    monkeypatch.setenv("TUMORBOARD_MAIL_FROM", "board@hospital.example")
    monkeypatch.setenv("TUMORBOARD_APP_URL", "https://board.hospital.example")
    monkeypatch.setenv("TUMORBOARD_MSCC_COORDINATOR_EMAIL", "mscc@hospital.example")
    assert main(["notify"]) == 1
    err = capsys.readouterr().err
    assert "cannot be reached" in err and "Traceback" not in err
    assert events(cli_db, "reminder.send") == []
    monkeypatch.setenv("TUMORBOARD_MAIL_FROM", "not an address")
    assert main(["notify"]) == 1
    assert "TUMORBOARD_MAIL_FROM must be one e-mail address" in capsys.readouterr().err


def test_notify_in_a_subprocess(cli_db: Database, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "board", "notify", "--dry-run"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Dry run, nothing sent" in done.stdout
