"""The page says plainly when the database is unavailable (never a raw driver error)."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from board.db.engine import Database
from board.db.models import Case, Note, Patient
from board.errors import DatabaseUnavailableError
from tests.pages.helpers import app_test, open_case, open_expander, plain, signed_in

NO_SERVER = "postgresql+psycopg://postgres@127.0.0.1:1/nothing?connect_timeout=2"


def _errors(at) -> list[str]:  # type: ignore[no-untyped-def]
    return [plain(str(e.value)) for e in at.error]


def test_the_app_opened_while_the_database_refuses_connections(
    page_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUMORBOARD_DATABASE_URL", NO_SERVER)
    at = app_test()
    at.run()
    assert not at.exception
    errors = _errors(at)
    assert len(errors) == 1 and errors[0].startswith(DatabaseUnavailableError.MESSAGE), errors
    assert "Reference" in errors[0]


def test_a_save_while_the_database_cannot_take_it(
    demo_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A write lock held elsewhere longer than the app waits: the driver's
    # "database is locked" OperationalError in the middle of the action.
    monkeypatch.setattr("board.db.engine.SQLITE_BUSY_TIMEOUT_MS", 100)
    with demo_db.read() as session:
        case_id = session.scalar(
            select(Case.id).join(Patient).where(Patient.pseudonym == "TB-DEMO03")
        )
        notes = session.scalar(select(func.count()).select_from(Note))
    at = open_expander(
        open_case(signed_in(demo_db, "demo.radiologist"), str(case_id)), "add_note_open"
    )
    holder = sqlite3.connect(make_url(str(demo_db.engine.url)).database or "", isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        at.text_area(key="note_body").input("L3 lesion is 2 cm")
        at.button(key="FormSubmitter:add_note-Add note").click().run()
        holder.execute("ROLLBACK")
    finally:
        holder.close()
    assert not at.exception
    assert any(e.startswith(DatabaseUnavailableError.MESSAGE) for e in _errors(at)), _errors(at)
    with demo_db.read() as session:
        assert session.scalar(select(func.count()).select_from(Note)) == notes
