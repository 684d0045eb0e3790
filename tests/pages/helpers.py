"""Helpers for page tests with Streamlit's AppTest."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from board.auth.actor import Actor
from board.db.engine import Database
from board.db.models import Case, Patient, User

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
TIMEOUT = 60


def app_test() -> AppTest:
    """A new AppTest of app.py."""
    return AppTest.from_file(APP, default_timeout=TIMEOUT)


def signed_in(db: Database, username: str = "demo.coordinator") -> AppTest:
    """An AppTest whose session is signed in as ``username`` (run once already)."""
    with db.read() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        actor = Actor(user.id, user.username, user.display_name, user.role)
    at = app_test()
    at.session_state["actor"] = actor
    at.run()
    assert not at.exception, at.exception
    return at


def case_id_of(db: Database, pseudonym: str) -> int:
    """The id of the case of the patient with ``pseudonym``."""
    with db.read() as session:
        return int(
            session.scalars(
                select(Case.id)
                .join(Patient, Case.patient_id == Patient.id)
                .where(Patient.pseudonym == pseudonym)
            ).one()
        )


def open_case(at: AppTest, case_id: int | str, tab: str | None = None) -> AppTest:
    """Switch the signed-in AppTest to the case page of ``case_id`` (on ``tab``)."""
    at.switch_page("pages/case.py")
    at.query_params["case"] = str(case_id)
    if tab is not None:
        at.query_params["tab"] = tab
    at.run()
    assert not at.exception, at.exception
    return at


def open_tab(at: AppTest, label: str) -> AppTest:
    """Choose the case page's tab ``label`` (only the chosen tab is drawn) and run."""
    at.session_state["tab"] = label
    at.query_params["tab"] = label
    at.run()
    assert not at.exception, at.exception
    return at


def open_expander(at: AppTest, key: str) -> AppTest:
    """Open the lazy expander with session-state ``key`` (its content is then drawn)."""
    at.session_state[key] = True
    at.run()
    assert not at.exception, at.exception
    return at


def plain(markdown_source: str) -> str:
    """The text a reader sees for markdown produced by ``board.ui.text.md_escape``."""
    import re

    return re.sub(r"\\(.)", r"\1", markdown_source).replace("\u200b", "").replace("  \n", "\n")
