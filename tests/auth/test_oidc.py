"""Single sign-on mapping: subject, e-mail linking, unknown and inactive people."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select, update

from board.accounts.oidc import AWAITING_APPROVAL, NOT_REGISTERED, sign_in_with_identity
from board.accounts.users import set_active, set_email
from board.auth.actor import Actor
from board.auth.roles import Role
from board.db.engine import Database
from board.db.models import AuditEvent, User
from board.errors import AuthenticationError, PermissionDeniedError, ValidationError


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


def test_administrator_links_an_existing_account_by_email(
    db: Database, admin: Actor, make_user: Callable[..., Actor]
) -> None:
    rad = make_user(Role.RADIOLOGIST)
    assert rad.user_id is not None
    with pytest.raises(AuthenticationError):
        sign_in_with_identity(db, {"sub": "idp-9", "email": "rad@hospital.example"})
    view = set_email(db, admin, rad.user_id, "  Rad@Hospital.example ")
    assert view.email == "rad@hospital.example"
    user = sign_in_with_identity(db, {"sub": "idp-9", "email": "rad@hospital.example"})
    assert user.id == rad.user_id
    # A changed address unlinks the subject: the old identity no longer signs in.
    set_email(db, admin, rad.user_id, "other@hospital.example")
    with pytest.raises(AuthenticationError):
        sign_in_with_identity(db, {"sub": "idp-9", "email": "rad@hospital.example"})
    assert "user.email" in _actions(db)


def test_email_must_be_valid_unique_and_set_by_an_administrator(
    db: Database, admin: Actor, make_user: Callable[..., Actor]
) -> None:
    rad = make_user(Role.RADIOLOGIST)
    onc = make_user(Role.MEDICAL_ONCOLOGIST)
    assert rad.user_id is not None and onc.user_id is not None
    with pytest.raises(ValidationError, match="not an e-mail address"):
        set_email(db, admin, rad.user_id, "not-an-address")
    set_email(db, admin, rad.user_id, "rad@hospital.example")
    with pytest.raises(ValidationError, match="already has the e-mail"):
        set_email(db, admin, onc.user_id, "RAD@hospital.example")
    with pytest.raises(PermissionDeniedError):
        set_email(db, rad, onc.user_id, "onc@hospital.example")
    assert set_email(db, admin, rad.user_id, "").email is None
