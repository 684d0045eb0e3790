"""AppTest tests of durable sign-in, sign-out elsewhere, the Admin and the Audit pages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from board.accounts.sessions import resolve_session, sign_out_everywhere
from board.accounts.users import create_first_admin
from board.auth.roles import Role
from board.db.engine import Database
from board.db.models import AuditEvent, User
from board.demo import DEMO_PASSWORD
from tests.pages.helpers import app_test, plain, signed_in


def _texts(at: Any) -> str:
    parts = [e.value for e in at.markdown] + [e.value for e in at.caption]
    parts += [str(e.value) for e in at.info] + [str(e.value) for e in at.success]
    parts += [str(e.value) for e in at.error] + [str(e.value) for e in at.warning]
    return plain("\n".join(str(p) for p in parts))


def full_run(at: Any) -> Any:
    """Run app.py itself again, as a browser rerun does.

    AppTest (Streamlit 1.67) re-runs only the current page after the first run of an
    app with ``st.navigation``; forgetting the finished page makes it run the main
    script (which checks the session and builds the navigation) again.
    """
    at._finished_page_script_hash = ""
    at.run()
    assert not at.exception, at.exception
    return at


def _sign_in(at: Any, username: str, password: str = DEMO_PASSWORD) -> None:
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click()
    full_run(at)


def _button(at: Any, label: str) -> Any:
    return next(b for b in at.button if b.label == label)


def test_sign_in_starts_a_durable_session(demo_db: Database) -> None:
    at = app_test()
    at.run()
    _sign_in(at, "demo.coordinator")
    token = at.session_state["session_token"]
    actor = resolve_session(demo_db, token, 60)
    assert actor is not None and actor.username == "demo.coordinator"
    assert at.title[0].value == "Worklist"

    assert "Sign out" in [b.label for b in at.sidebar.button]
    # The next run checks the token against the database again.
    full_run(at)
    assert at.title[0].value == "Worklist"
    with demo_db.read() as session:
        actions = list(session.scalars(select(AuditEvent.action)))
    assert "auth.sign_in" in actions
    # (The sign-out button itself is exercised in the real-browser tests: AppTest does
    # not re-run app.py's sidebar for a click.)


def test_a_run_checks_the_session_once(demo_db: Database, monkeypatch: Any) -> None:
    """app.py and the page share one check of the session per run (it was two)."""
    import board.ui.context as context

    at = app_test()
    at.run()
    _sign_in(at, "demo.coordinator")
    checks: list[str] = []

    def counted(db: Database, token: str | None, idle: int, **kw: Any) -> Any:
        checks.append(str(token))
        return resolve_session(db, token, idle, **kw)

    monkeypatch.setattr(context, "resolve_session", counted)
    full_run(at)
    assert at.title[0].value == "Worklist"  # the page's own require_actor() was answered
    assert checks == [at.session_state["session_token"]]


def test_sign_out_elsewhere_ends_this_tab_at_its_next_run(demo_db: Database) -> None:
    at = app_test()
    at.run()
    _sign_in(at, "demo.surgeon")
    actor = at.session_state["actor"]
    token = at.session_state["session_token"]
    sign_out_everywhere(demo_db, actor)
    full_run(at)
    assert at.title[0].value == "Sign in to Tumor Board"
    assert resolve_session(demo_db, token, 60) is None
    assert "Your sign-in has ended" in _texts(at)


def test_demo_accounts_are_never_listed_outside_demo_mode(page_db: Database) -> None:
    create_first_admin(page_db, "chief", "Dr Chief", "a-long-password")
    at = app_test()
    at.run()
    assert at.title[0].value == "Sign in to Tumor Board"
    assert not at.dataframe
    assert DEMO_PASSWORD not in _texts(at)
    assert "Demonstration accounts" not in [s.value for s in at.subheader]


def test_admin_page_manages_accounts(demo_db: Database) -> None:
    at = signed_in(demo_db, "demo.admin")
    at.switch_page("pages/admin.py")
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Administration"
    assert "demo.physio" in set(at.dataframe[0].value["Username"])

    inputs = [t for t in at.text_input if t.label == "Username"]
    inputs[0].input("new.nurse")
    next(t for t in at.text_input if t.label == "Full name").input("Nina Nurse")
    next(s for s in at.selectbox if s.label == "Role").select(Role.PHYSIOTHERAPIST)
    next(t for t in at.text_input if t.label.startswith("First password")).input("nurse-password-1")
    _button(at, "Add account").click()
    at.run()
    assert not at.exception, at.exception
    assert "Account new.nurse added." in _texts(at)
    with demo_db.read() as session:
        nurse = session.scalars(select(User).where(User.username == "new.nurse")).one()
        nurse_id = nurse.id

    at.run()
    at.selectbox(key="admin_target").select(nurse_id)
    at.run()
    at.selectbox(key=f"admin_role_{nurse_id}").select(Role.PAIN_PALLIATIVE)
    at.button(key="admin_change_role").click()
    at.run()
    assert "is now Pain and palliative care" in _texts(at)
    at.button(key="admin_deactivate").click()
    at.run()
    assert not at.exception, at.exception
    next(t for t in at.text_input if t.label.startswith("New password")).input("another-pass-22")
    _button(at, "Reset password").click()
    at.run()
    assert "Password of new.nurse reset" in _texts(at)
    with demo_db.read() as session:
        nurse = session.get(User, nurse_id)
        assert nurse is not None
        assert (nurse.role, nurse.is_active) == (Role.PAIN_PALLIATIVE, False)
        actions = set(session.scalars(select(AuditEvent.action)))
    assert {"user.create", "user.role", "user.deactivate", "user.password_reset"} <= actions


def test_admin_page_shows_who_is_signed_in(demo_db: Database) -> None:
    other = app_test()
    other.run()
    _sign_in(other, "demo.radiologist")
    admin = app_test()
    admin.run()
    _sign_in(admin, "demo.admin")
    admin.switch_page("pages/admin.py")
    admin.run()
    assert not admin.exception, admin.exception
    signed = set(admin.dataframe[0].value["Username"])
    assert signed == {"demo.radiologist", "demo.admin"}


def test_audit_page_filters(demo_db: Database) -> None:
    at = signed_in(demo_db, "demo.coordinator")
    at.switch_page("pages/audit.py")
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Audit trail"
    everything = at.dataframe[0].value
    assert len(everything) > 0
    at.text_input(key="audit_action").input("user.")
    at.run()
    table = at.dataframe[0].value
    assert set(table["Code"]) == {"user.create"}  # the stored code, for IT
    assert set(table["Action"]) == {"Account created"}
    at.text_input(key="audit_case").input("abc")
    at.run()
    assert "Case ID must be a number" in _texts(at)
