"""Single sign-on mapping: subject, e-mail linking, unknown and inactive people."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select, update

from board.auth.actor import Actor
from board.auth.oidc import AWAITING_APPROVAL, NOT_REGISTERED, sign_in_with_identity
from board.auth.roles import Role
from board.auth.users import set_active
from board.db.engine import Database
from board.db.models import AuditEvent, User
from board.errors import AuthenticationError


def _actions(db: Database) -> list[str]:
    with db.read() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_linked_by_email_then_by_subject(
    db: Database, admin: Actor, make_user: Callable[..., Actor]
) -> None:
    rad = make_user(Role.RADIOLOGIST)
    with db.write() as session:
        session.execute(
            update(User).where(User.id == rad.user_id).values(email="Rad@Hospital.example")
        )
    user = sign_in_with_identity(db, {"sub": "idp-123", "email": "rad@hospital.example"})
    assert (user.id, user.role) == (rad.user_id, Role.RADIOLOGIST)
    # Next time the subject alone finds the account, whatever the e-mail says.
    again = sign_in_with_identity(db, {"sub": "idp-123", "email": "changed@hospital.example"})
    assert again.id == rad.user_id
    assert "user.link_oidc" in _actions(db) and _actions(db).count("auth.sign_in") == 2


def test_unknown_people_are_refused_by_default(db: Database, admin: Actor) -> None:
    with pytest.raises(AuthenticationError, match=NOT_REGISTERED):
        sign_in_with_identity(db, {"sub": "stranger", "email": "x@y.example"})
    with db.read() as session:
        assert session.scalar(select(User).where(User.oidc_subject == "stranger")) is None
    assert _actions(db)[-1] == "auth.sign_in_failed"
    with pytest.raises(AuthenticationError, match="did not say who you are"):
        sign_in_with_identity(db, {"email": "x@y.example"})


def test_unknown_people_created_inactive_by_setting(db: Database, admin: Actor) -> None:
    claims = {"sub": "newbie", "email": "new.doc@hospital.example", "name": "New Doc"}
    with pytest.raises(AuthenticationError, match=AWAITING_APPROVAL):
        sign_in_with_identity(db, claims, unknown_users="inactive")
    with db.read() as session:
        created = session.scalars(select(User).where(User.oidc_subject == "newbie")).one()
        assert (created.username, created.is_active, created.password_hash) == (
            "new.doc",
            False,
            None,
        )
        created_id = created.id
    # Still refused until an administrator activates the account.
    with pytest.raises(AuthenticationError, match=AWAITING_APPROVAL):
        sign_in_with_identity(db, claims, unknown_users="inactive")
    set_active(db, admin, created_id, True)
    assert sign_in_with_identity(db, claims, unknown_users="inactive").id == created_id
