"""Local accounts on every backend: first administrator, creation, sign-in."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

from board.accounts.users import (
    MIN_PASSWORD_LENGTH,
    SIGN_IN_FAILED,
    UserView,
    authenticate,
    count_users,
    create_first_admin,
    create_user,
    hash_password,
    list_users,
)
from board.auth.actor import Actor
from board.auth.roles import Role
from board.db.engine import Database
from board.db.models import AuditEvent, User
from board.errors import (
    AuthenticationError,
    InvalidStateError,
    PermissionDeniedError,
    ValidationError,
)

PASSWORD = "correct-horse-battery-staple"


def _user_row(db: Database, username: str) -> tuple[str | None, bool, int]:
    with db.read() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        return user.password_hash, user.is_active, user.failed_sign_ins


def _actions(db: Database) -> list[str]:
    with db.read() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_first_admin_only_once(db: Database, row_counts: Callable[[], dict[str, int]]) -> None:
    assert count_users(db) == 0
    admin = create_first_admin(db, "  Chief ", "Chief Admin", PASSWORD)
    assert (admin.username, admin.display_name, admin.role, admin.is_active) == (
        "chief",
        "Chief Admin",
        Role.ADMIN,
        True,
    )
    assert count_users(db) == 1
    assert _actions(db) == ["user.create"]

    before = row_counts()
    with pytest.raises(InvalidStateError, match="already exists"):
        create_first_admin(db, "second", "Second Admin", PASSWORD)
    assert row_counts() == before
    assert count_users(db) == 1


def test_first_admin_validates_fields(db: Database) -> None:
    with pytest.raises(ValidationError, match="at least 10 characters"):
        create_first_admin(db, "chief", "Chief", "short")
    assert count_users(db) == 0


def test_password_hashes_are_salted_argon2id(
    db: Database, admin: Actor, real_password_hashing: None
) -> None:
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first != second
    assert first.startswith("$argon2id$")
    assert PasswordHasher().verify(first, PASSWORD)
    # the production parameters (argon2-cffi's defaults), not the tests' cheap ones
    assert not PasswordHasher().check_needs_rehash(first)

    create_user(db, admin, "twin-a", "Twin A", Role.RADIOLOGIST, PASSWORD)
    create_user(db, admin, "twin-b", "Twin B", Role.RADIOLOGIST, PASSWORD)
    hash_a, hash_b = _user_row(db, "twin-a")[0], _user_row(db, "twin-b")[0]
    assert hash_a and hash_b
    assert hash_a != hash_b
    assert PASSWORD not in hash_a
    assert hash_a.startswith("$argon2id$")


def test_user_view_never_carries_the_hash() -> None:
    assert "password_hash" not in {f.name for f in dataclasses.fields(UserView)}


def test_sign_in(db: Database, admin: Actor) -> None:
    created = create_user(db, admin, "rita", "Rita Radiologist", Role.RADIOLOGIST, PASSWORD)
    signed_in = authenticate(db, "  RITA ", PASSWORD)
    assert signed_in == created
    assert signed_in.as_actor() == Actor(created.id, "rita", "Rita Radiologist", Role.RADIOLOGIST)
    assert _actions(db)[-1] == "auth.sign_in"


@pytest.mark.parametrize("case", ["wrong-password", "unknown-user", "inactive", "empty"])
def test_failed_sign_in_says_the_same_thing(db: Database, admin: Actor, case: str) -> None:
    create_user(db, admin, "rita", "Rita Radiologist", Role.RADIOLOGIST, PASSWORD)
    username, password = {
        "wrong-password": ("rita", PASSWORD + "x"),
        "unknown-user": ("nobody", PASSWORD),
        "inactive": ("rita", PASSWORD),
        "empty": ("", ""),
    }[case]
    if case == "inactive":
        with db.write() as session:
            session.execute(update(User).where(User.username == "rita").values(is_active=False))

    with pytest.raises(AuthenticationError) as info:
        authenticate(db, username, password)

    assert str(info.value) == SIGN_IN_FAILED
    assert _actions(db)[-1] == "auth.sign_in_failed"


def test_failed_sign_ins_are_counted_and_reset(db: Database, admin: Actor) -> None:
    create_user(db, admin, "rita", "Rita Radiologist", Role.RADIOLOGIST, PASSWORD)
    for _ in range(2):
        with pytest.raises(AuthenticationError):
            authenticate(db, "rita", "not-the-password")
    assert _user_row(db, "rita")[2] == 2
    authenticate(db, "rita", PASSWORD)
    assert _user_row(db, "rita")[2] == 0


@pytest.mark.parametrize(
    "username",
    ["", "a", "has space", "-leading-dash", ".dot", "x" * 65, "name!", "naïve", "a/b"],
)
def test_usernames_are_validated(
    db: Database, admin: Actor, row_counts: Callable[[], dict[str, int]], username: str
) -> None:
    before = row_counts()
    with pytest.raises(ValidationError, match="Username must be 2-64 characters") as info:
        create_user(db, admin, username, "Some One", Role.COORDINATOR, PASSWORD)
    assert info.value.field == "username"
    assert row_counts() == before


@pytest.mark.parametrize("username", ["ab", "dr.smith", "j_doe-2", "x" * 64, "  MiXeD "])
def test_valid_usernames_are_normalised(db: Database, admin: Actor, username: str) -> None:
    user = create_user(db, admin, username, "Some One", Role.COORDINATOR, PASSWORD)
    assert user.username == username.strip().lower()


def test_username_taken_case_insensitively(
    db: Database, admin: Actor, row_counts: Callable[[], dict[str, int]]
) -> None:
    before = row_counts()
    with pytest.raises(ValidationError, match="'admin' is already taken"):
        create_user(db, admin, "ADMIN", "Another Admin", Role.ADMIN, PASSWORD)
    assert row_counts() == before


@pytest.mark.parametrize(
    ("display_name", "password", "field", "message"),
    [
        ("  ", PASSWORD, "display_name", "full name"),
        ("Some One", "x" * (MIN_PASSWORD_LENGTH - 1), "password", "at least 10 characters"),
    ],
)
def test_other_fields_are_validated(
    db: Database, admin: Actor, display_name: str, password: str, field: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=message) as info:
        create_user(db, admin, "someone", display_name, Role.COORDINATOR, password)
    assert info.value.field == field
    assert count_users(db) == 1


def test_only_administrators_create_users(
    db: Database, make_user: Callable[..., Actor], row_counts: Callable[[], dict[str, int]]
) -> None:
    coordinator = make_user(Role.COORDINATOR)
    before = row_counts()
    with pytest.raises(PermissionDeniedError, match="may not administer users"):
        create_user(db, coordinator, "newbie", "New Person", Role.RADIOLOGIST, PASSWORD)
    assert row_counts() == before


def test_create_user_is_audited_and_listed(db: Database, admin: Actor) -> None:
    created = create_user(db, admin, "sam", "Sam Surgeon", Role.SPINE_SURGEON, PASSWORD)
    with db.read() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.entity_id == str(created.id))
        ).one()
        assert (event.action, event.actor_name) == ("user.create", admin.display_name)
        assert event.after == {
            "username": "sam",
            "display_name": "Sam Surgeon",
            "role": "spine_surgeon",
        }
    users = list_users(db, admin)
    assert {u.username for u in users} == {"admin", "sam"}
