"""The whole permission table, every role against every action, at the service layer.

Table-driven from :data:`board.auth.permissions.PERMISSIONS` (``require`` raises exactly
for the roles the table leaves out) and by calling one representative service function
per action with an actor of every role: refused roles get ``PermissionDeniedError`` and
change nothing; allowed roles get past the permission check (the call then fails for
another reason, such as an unknown id, or succeeds).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from board.accounts.sessions import active_sessions, end_user_sessions
from board.accounts.users import change_role, create_user, reset_password, set_active
from board.analytics.service import board_analytics
from board.audit.service import AuditFilter, export_audit_csv, search_audit
from board.auth.actor import Actor
from board.auth.permissions import PERMISSIONS, Action, allowed, require
from board.auth.roles import Role
from board.backup.service import backup_board
from board.cases.service import add_note, create_case, get_case, update_case
from board.db.engine import Database
from board.db.models import User
from board.errors import PermissionDeniedError
from board.meetings.service import build_agenda, run_timer
from board.plans.drafting import start_plan
from board.plans.lifecycle import amend_plan, finalize_plan, sign_plan

MISSING = 987_654

CELLS = [(role, action) for action in Action for role in Role]


def test_every_action_has_a_row_and_every_row_a_known_role() -> None:
    assert set(PERMISSIONS) == set(Action)
    for roles in PERMISSIONS.values():
        assert roles <= set(Role)
    # Only administrators administer; every role may at least view cases.
    assert PERMISSIONS[Action.USERS_ADMINISTER] == frozenset({Role.ADMIN})
    assert PERMISSIONS[Action.CASE_VIEW] == frozenset(Role)


@pytest.mark.parametrize(("role", "action"), CELLS, ids=[f"{r}-{a}" for r, a in CELLS])
def test_require_follows_the_table(role: Role, action: Action) -> None:
    actor = Actor(1, "someone", "Some One", role)
    if role in PERMISSIONS[action]:
        assert allowed(role, action)
        require(actor, action)
    else:
        assert not allowed(role, action)
        with pytest.raises(PermissionDeniedError, match=role.label):
            require(actor, action)


Call = Callable[[Database, Actor], Any]

#: One service function per action (with what it needs), called with an unknown id.
REPRESENTATIVES: dict[Action, tuple[Call, frozenset[Action]]] = {
    Action.CASE_VIEW: (lambda db, a: get_case(db, a, MISSING), frozenset()),
    Action.CASE_CREATE: (lambda db, a: create_case(db, a, None), frozenset()),  # type: ignore[arg-type]
    Action.CASE_EDIT: (lambda db, a: update_case(db, a, MISSING, 1, None), frozenset()),  # type: ignore[arg-type]
    Action.NOTE_ADD: (lambda db, a: add_note(db, a, MISSING, "note"), frozenset()),
    Action.MEETING_SCHEDULE: (lambda db, a: build_agenda(db, a, MISSING), frozenset()),
    Action.MEETING_RUN: (lambda db, a: run_timer(db, a, MISSING, True), frozenset()),
    Action.PLAN_EDIT: (lambda db, a: start_plan(db, a, MISSING, None), frozenset()),
    Action.PLAN_SIGN: (lambda db, a: sign_plan(db, a, MISSING, 1), frozenset()),
    Action.PLAN_FINALIZE: (lambda db, a: finalize_plan(db, a, MISSING, 1), frozenset()),
    Action.PLAN_AMEND: (lambda db, a: amend_plan(db, a, MISSING, "reason", None), frozenset()),
    Action.EXPORT: (
        lambda db, a: export_audit_csv(db, a, AuditFilter(case_id=MISSING)),
        frozenset({Action.AUDIT_VIEW}),
    ),
    Action.AUDIT_VIEW: (lambda db, a: search_audit(db, a, AuditFilter()), frozenset()),
    Action.ANALYTICS_VIEW: (lambda db, a: board_analytics(db, a), frozenset()),
    Action.USERS_ADMINISTER: (lambda db, a: set_active(db, a, MISSING, False), frozenset()),
    Action.BOARD_BACKUP: (
        lambda db, a: backup_board(
            db, a, Path(tempfile.mkdtemp()) / "board.tbbackup", secret_key="k" * 40
        ),
        frozenset(),
    ),
}

#: Actions whose service functions live on other branches (imaging, pathology,
#: assessments, follow-up, settings): covered by the table test above only.
TABLE_ONLY = {
    Action.IMAGING_ATTACH,
    Action.PATHOLOGY_EDIT,
    Action.ASSESSMENT_EDIT_OWN,
    Action.FOLLOW_UP_RECORD,
    Action.SETTINGS_ADMINISTER,
}


def test_every_action_is_either_called_or_listed_as_table_only() -> None:
    assert set(REPRESENTATIVES) | TABLE_ONLY == set(Action)
    assert not set(REPRESENTATIVES) & TABLE_ONLY


@pytest.fixture
def actors(db: Database, admin: Actor) -> dict[Role, Actor]:
    """One account per role (inserted directly: no password hashing, so it is quick)."""
    found = {Role.ADMIN: admin}
    with db.write() as session:
        for role in Role:
            if role is Role.ADMIN:
                continue
            user = User(username=f"u-{role.value}", display_name=role.label, role=role)
            session.add(user)
            session.flush()
            found[role] = Actor(user.id, user.username, user.display_name, role)
    return found


@pytest.mark.parametrize("action", list(REPRESENTATIVES), ids=str)
def test_service_functions_check_the_table(
    db: Database,
    actors: dict[Role, Actor],
    row_counts: Callable[[], dict[str, int]],
    action: Action,
) -> None:
    call, also_needed = REPRESENTATIVES[action]
    for role, actor in actors.items():
        may = all(allowed(role, needed) for needed in {action, *also_needed})
        before = row_counts()
        try:
            call(db, actor)
        except PermissionDeniedError:
            assert not may, f"{role} was refused {action} although the table allows it"
            assert row_counts() == before, f"refused {role} changed the database"
        except Exception:  # allowed: past the check, failed on the unknown id
            assert may, f"{role} got past the {action} check"
        else:
            assert may, f"{role} performed {action} although the table forbids it"


@pytest.mark.parametrize(
    "call",
    [
        lambda db, a, t: create_user(
            db, a, "new.person", "New Person", Role.PHYSIOTHERAPIST, "x" * 12
        ),
        lambda db, a, t: change_role(db, a, t.user_id, Role.RADIOLOGIST),
        lambda db, a, t: reset_password(db, a, t.user_id, "y" * 12),
        lambda db, a, t: set_active(db, a, t.user_id, False),
        lambda db, a, t: end_user_sessions(db, a, t.user_id),
        lambda db, a, t: active_sessions(db, a, 60),
    ],
    ids=["create", "role", "password", "deactivate", "end-sessions", "who-is-signed-in"],
)
def test_every_account_function_is_for_administrators_only(
    db: Database, actors: dict[Role, Actor], call: Callable[..., Any]
) -> None:
    target = actors[Role.PHYSIOTHERAPIST]
    for role, actor in actors.items():
        if role is Role.ADMIN:
            continue
        with pytest.raises(PermissionDeniedError):
            call(db, actor, target)
    call(db, actors[Role.ADMIN], target)
