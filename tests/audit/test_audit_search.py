"""The audit page's service: filter by case, user, action and time; CSV export (audited)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable

import pytest
from sqlalchemy import select

from board.accounts.users import authenticate
from board.audit.service import AuditFilter, export_audit_csv, search_audit
from board.auth.actor import Actor
from board.auth.roles import Role
from board.cases.service import add_note, create_case
from board.cases.views import CaseInput
from board.db.engine import Database
from board.db.models import AuditEvent, utcnow
from board.errors import AuthenticationError, PermissionDeniedError
from tests.conftest import TEST_PASSWORD


def test_filters(
    db: Database,
    admin: Actor,
    make_user: Callable[..., Actor],
    new_case: Callable[..., CaseInput],
) -> None:
    rad = make_user(Role.RADIOLOGIST, display_name="Rita Radiologist")
    case = create_case(db, admin, new_case())
    other = create_case(db, admin, new_case())
    add_note(db, rad, case.id, "Reviewed.")
    add_note(db, rad, other.id, "Other.")
    authenticate(db, rad.username, TEST_PASSWORD)
    with pytest.raises(AuthenticationError):
        authenticate(db, rad.username, "wrong")

    by_case = search_audit(db, admin, AuditFilter(case_id=case.id))
    assert [e.action for e in by_case] == ["note.add", "case.create"]
    by_user = search_audit(db, admin, AuditFilter(actor="rita"))
    assert {e.action for e in by_user} == {"note.add", "auth.sign_in", "auth.sign_in_failed"}
    auth = search_audit(db, admin, AuditFilter(action="auth."))
    assert {e.action for e in auth} == {"auth.sign_in", "auth.sign_in_failed"}
    assert search_audit(db, admin, AuditFilter(action="%")) == []  # wildcards are literal
    now = utcnow()
    assert search_audit(db, admin, AuditFilter(until=now - dt.timedelta(hours=1))) == []
    recent = search_audit(db, admin, AuditFilter(since=now - dt.timedelta(hours=1)))
    assert len(recent) == len(search_audit(db, admin, AuditFilter()))
    assert [e.id for e in recent] == sorted((e.id for e in recent), reverse=True)


def test_export_is_csv_and_audited(
    db: Database, admin: Actor, make_user: Callable[..., Actor], new_case: Callable[..., CaseInput]
) -> None:
    coordinator = make_user(Role.COORDINATOR)
    case = create_case(db, admin, new_case())
    add_note(db, coordinator, case.id, '=HYPERLINK("http://evil") and more')
    with db.write() as session:
        session.add(
            AuditEvent(actor_name="=cmd|' /C calc'!A0", action="note.add", entity_type="note")
        )
    data = export_audit_csv(db, coordinator, AuditFilter(case_id=case.id))
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert [r["action"] for r in rows] == ["note.add", "case.create"]
    assert rows[0]["case_id"] == str(case.id)
    everything = export_audit_csv(db, coordinator, AuditFilter(action="note."))
    names = [r["actor_name"] for r in csv.DictReader(io.StringIO(everything.decode("utf-8")))]
    assert "'=cmd|' /C calc'!A0" in names  # formulas are neutralised
    with db.read() as session:
        exports = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "audit.export").order_by(AuditEvent.id)
        ).all()
        assert len(exports) == 2
        assert exports[0].actor_id == coordinator.user_id
        assert exports[0].after is not None and exports[0].after["rows"] == 2
        assert exports[0].after["case_id"] == case.id


def test_only_permitted_roles_see_or_export(db: Database, make_user: Callable[..., Actor]) -> None:
    for role in (Role.RADIOLOGIST, Role.PHYSIOTHERAPIST, Role.PATHOLOGIST):
        actor = make_user(role)
        with pytest.raises(PermissionDeniedError):
            search_audit(db, actor, AuditFilter())
        with pytest.raises(PermissionDeniedError):
            export_audit_csv(db, actor, AuditFilter())
