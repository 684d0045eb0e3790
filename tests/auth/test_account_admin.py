"""Administering accounts: deactivate, change role, reset password; all audited."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from board.accounts.users import (
    SIGN_IN_FAILED,
    authenticate,
    change_role,
    hash_password,
    list_users,
    reset_password,
    set_active,
    set_email,
)
from board.auth.actor import Actor
from board.auth.roles import Role
from board.db.engine import Database
from board.db.models import AuditEvent, User
from board.errors import (
    AuthenticationError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from tests.conftest import TEST_PASSWORD


def _actions(db: Database) -> list[str]:
    with db.read() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_deactivated_users_are_refused_like_everyone_else(
    db: Database, admin: Actor, make_user: Callable[..., Actor]
) -> None:
    user = make_user(Role.RADIOLOGIST)
    assert user.user_id is not None
    view = set_active(db, admin, user.user_id, False)
    assert view.is_active is False
    messages = set()
    for username, password in (
        (user.username, TEST_PASSWORD),
        (user.username, "wrong"),
        ("no.such.user", TEST_PASSWORD),
    ):
        with pytest.raises(AuthenticationError) as info:
            authenticate(db, username, password)
        messages.add(str(info.value))
    assert messages == {SIGN_IN_FAILED}
    set_active(db, admin, user.user_id, True)
    assert authenticate(db, user.username, TEST_PASSWORD).id == user.user_id
    assert {"user.deactivate", "user.activate"} <= set(_actions(db))


def test_same_password_never_gives_the_same_hash(
    db: Database, make_user: Callable[..., Actor]
) -> None:
    users = [make_user(Role.PHYSIOTHERAPIST) for _ in range(3)]
    with db.read() as session:
        hashes = [session.get(User, u.user_id).password_hash for u in users]  # type: ignore[union-attr]
    assert len(set(hashes)) == 3
    assert hash_password("same-password-1") != hash_password("same-password-1")


def test_change_role_and_reset_password(
    db: Database, admin: Actor, make_user: Callable[..., Actor]
) -> None:
    user = make_user(Role.RADIOLOGIST)
    assert user.user_id is not None
    assert change_role(db, admin, user.user_id, Role.SPINE_SURGEON).role is Role.SPINE_SURGEON
    with pytest.raises(ValidationError):
        reset_password(db, admin, user.user_id, "short")
    reset_password(db, admin, user.user_id, "a-new-password-42")
    with pytest.raises(AuthenticationError):
        authenticate(db, user.username, TEST_PASSWORD)
    assert authenticate(db, user.username, "a-new-password-42").role is Role.SPINE_SURGEON
    with db.read() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "user.role")).one()
        assert (event.before, event.after) == ({"role": "radiologist"}, {"role": "spine_surgeon"})
        reset = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "user.password_reset")
        ).one()
        assert "a-new-password-42" not in str((reset.before, reset.after, reset.detail))


def test_the_last_administrator_is_protected(db: Database, admin: Actor) -> None:
    assert admin.user_id is not None
    with pytest.raises(InvalidStateError):
        set_active(db, admin, admin.user_id, False)
    with pytest.raises(InvalidStateError):
        change_role(db, admin, admin.user_id, Role.COORDINATOR)
    with pytest.raises(NotFoundError):
        set_active(db, admin, 999_999, False)


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN])
def test_only_administrators_list_the_accounts_with_their_emails(
    db: Database, admin: Actor, make_user: Callable[..., Actor], role: Role
) -> None:
    other = make_user(Role.RADIOLOGIST)
    assert other.user_id is not None
    set_email(db, admin, other.user_id, "radiologist@hospital.example")
    looking = make_user(role)
    with pytest.raises(PermissionDeniedError):
        list_users(db, looking)
    listed = {u.username: u.email for u in list_users(db, admin)}
    assert listed[other.username] == "radiologist@hospital.example"


def test_reset_password_refuses_a_non_administrator_before_looking_at_the_password(
    db: Database, admin: Actor, make_user: Callable[..., Actor]
) -> None:
    target = make_user(Role.RADIOLOGIST)
    coordinator = make_user(Role.COORDINATOR)
    assert target.user_id is not None
    # A too-short password from someone without the right: the refusal is about the
    # right, never about the password (which tells nothing to a probing caller).
    with pytest.raises(PermissionDeniedError):
        reset_password(db, coordinator, target.user_id, "short")
    with pytest.raises(ValidationError):
        reset_password(db, admin, target.user_id, "short")
